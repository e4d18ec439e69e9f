"""The smallest complete explorer (CONTRIBUTING.md walks through it): a kernel stepping along one
row of cells with a stride, and the output cell it fills. The tests run it like every explorer."""

import numpy as np

from convlab import draw
from convlab.arithmetic import conv_output_size
from convlab.explorers.base import Explorer, Int, limit


class StrideExplorer(Explorer):
    """Starting values: `size` (cells in the row), `kernel_size`, `stride`."""

    figsize = (10.0, 2.2)

    def __init__(self, size=7, kernel_size=3, stride=2):
        super().__init__(size=size, kernel_size=kernel_size, stride=stride)

    @classmethod
    def example(cls):
        return cls(size=7, kernel_size=3, stride=2)

    def declare(self):  # each control once: label, default, bounds
        return dict(size=Int("row length", 7, 1, 12), kernel_size=Int("kernel size", 3, 1, 5),
                    stride=Int("stride", 2, 1, 4), position=Int("window position", 0, 0, 11, play=600))

    def constrain(self):  # limits that depend on other controls
        v, c = self.values(), self.controls
        limit(c["kernel_size"], 1, min(5, v["size"]))
        limit(c["size"], v["kernel_size"], 12)
        limit(c["position"], 0, conv_output_size(v["size"], v["kernel_size"], v["stride"]) - 1)

    def compute(self):  # the numbers shown: a plain dict
        v = self.values()
        out = conv_output_size(v["size"], v["kernel_size"], v["stride"])
        return dict(size=v["size"], kernel_size=v["kernel_size"], stride=v["stride"], output_size=out,
                    position=v["position"], start=v["position"] * v["stride"])

    def code(self):  # the PyTorch code of the picture, and the shape of the `out` it assigns
        n, k, s, out = (self.state[name] for name in ("size", "kernel_size", "stride", "output_size"))
        return f"out = F.conv1d(torch.randn(1, 1, {n}), torch.randn(1, 1, {k}), stride={s})", (1, 1, out)

    def draw(self):  # describe the picture of self.state on self.scene
        st, scene = self.state, self.scene
        n, out = st["size"], st["output_size"]
        cell_px = scene.fit(n + 2 + out, 1)
        scene.clear()
        x0, _ = scene.anchor("input", 0, 0)
        x1, _ = scene.anchor("output", n + 2, 0)
        numbers = draw.labels(np.arange(n)[None])
        scene.stack(draw.cell_colors(np.arange(n)[None, None], "Blues", 0, 12), (x0, 0), numbers[0],
                    size=draw.font_size(cell_px, self.dpi))
        scene.window(x0 + st["start"], 0, (1, st["kernel_size"]))
        filled = np.where(np.arange(out) <= st["position"], 0.5, 0.0)
        scene.stack(draw.cell_colors(filled[None, None], "Purples", 0, 1), (x1, 0))
        scene.box(x1 + st["position"], 0, 1, 1, draw.OUTPUT_COLOR)
        scene.titles([(f"input row of {n}", f"kernel {st['kernel_size']}, stride {st['stride']}"),
                      (f"output {out}", f"cell {st['position']}")], [n / 2, n + 2 + out / 2], rows=(0.9, 0.78))

    def describe(self):  # the readout, as lines
        st = self.state
        return [f"output = ⌊({st['size']} − {st['kernel_size']}) / {st['stride']}⌋ + 1 = <b>{st['output_size']}</b>",
                f"output cell {st['position']} reads input cells {st['start']}…{st['start'] + st['kernel_size'] - 1}"]
