"""The dilation explorer (notebook 04): a kernel with gaps reading a spread-out set of input
pixels (effective kernel size, output size), and a stack of up to three dilated layers with
the coverage map of one output unit: its receptive field, and the holes it never sees."""

from math import gcd

import numpy as np

from convlab import draw
from convlab.arithmetic import conv_output_size, effective_kernel_size
from convlab.explorers.base import Explorer, bounded, set_range, slider
from convlab.receptive import coverage, receptive_field

__all__ = ["DilationExplorer"]

MAX_LAYERS = 3


class DilationExplorer(Explorer):
    """Left: one dilated convolution (stride 1) sliding over an input, the taps it reads
    and the output it fills. Right: `layers` stacked k×k convolutions with dilations
    `dilations` (one per layer): how many paths lead from one output unit back to each
    input pixel, and the receptive field by the recurrence.

    Starting values: `input_size`, `kernel_size`, `dilation`, `padding` (for the single
    layer), `layers` and `dilations` (a tuple, e.g. (1, 2, 4)) for the stack.
    """

    MAX_SIZE, MAX_KERNEL, MAX_DILATION, MAX_PADDING, MAX_STACK_DILATION = 13, 5, 4, 6, 5

    def __init__(self, input_size=7, kernel_size=3, dilation=2, padding=0, dilations=(1, 2, 4), layers=None):
        dilations = tuple(dilations)
        if not 1 <= len(dilations) <= MAX_LAYERS:
            raise ValueError(f"dilations must hold 1 to {MAX_LAYERS} values, got {dilations!r}")
        layers = bounded(len(dilations) if layers is None else layers, "layers", 1, MAX_LAYERS)
        dilations = (dilations + (1,) * MAX_LAYERS)[:MAX_LAYERS]
        self._start = dict(
            input_size=bounded(input_size, "input_size", 1, self.MAX_SIZE),
            kernel_size=bounded(kernel_size, "kernel_size", 1, self.MAX_KERNEL),
            dilation=bounded(dilation, "dilation", 1, self.MAX_DILATION),
            padding=bounded(padding, "padding", 0, self.MAX_PADDING),
            layers=layers,
            **{f"dilation_{i + 1}": bounded(di, "dilations", 1, self.MAX_STACK_DILATION)
               for i, di in enumerate(dilations)},
        )
        conv_output_size(input_size, kernel_size, padding=padding, dilation=dilation)  # a clear error if it cannot fit
        super().__init__()

    def make_controls(self):
        s = self._start
        controls = {
            "input_size": slider("input size", s["input_size"], 1, self.MAX_SIZE),
            "kernel_size": slider("kernel size", s["kernel_size"], 1, self.MAX_KERNEL),
            "dilation": slider("dilation", s["dilation"], 1, self.MAX_DILATION),
            "padding": slider("padding", s["padding"], 0, self.MAX_PADDING),
            "position": slider("window position", 0, 0, 0),
            "layers": slider("stacked layers", s["layers"], 1, MAX_LAYERS),
        }
        for i in range(MAX_LAYERS):
            name = f"dilation_{i + 1}"
            controls[name] = slider(f"layer {i + 1} dilation", s[name], 1, self.MAX_STACK_DILATION)
        return controls

    def constrain(self):
        c, v = self.controls, self.values()
        n, k, d, p = v["input_size"], v["kernel_size"], v["dilation"], v["padding"]
        # the dilated kernel must fit in the padded input: n + 2p ≥ d·(k − 1) + 1
        set_range(c["input_size"], max(1, d * (k - 1) + 1 - 2 * p), self.MAX_SIZE)
        set_range(c["kernel_size"], 1, min(self.MAX_KERNEL, (n + 2 * p - 1) // d + 1))
        set_range(c["dilation"], 1, min(self.MAX_DILATION, (n + 2 * p - 1) // (k - 1)) if k > 1 else self.MAX_DILATION)
        set_range(c["padding"], max(0, (d * (k - 1) + 2 - n) // 2), self.MAX_PADDING)
        out = conv_output_size(n, k, padding=p, dilation=d)
        set_range(c["position"], 0, out * out - 1)
        for i in range(MAX_LAYERS):  # a layer that is not in the stack keeps its dilation, frozen
            slider_ = c[f"dilation_{i + 1}"]
            in_use = i < v["layers"]
            set_range(slider_, 1 if in_use else slider_.value, self.MAX_STACK_DILATION if in_use else slider_.value)
            slider_.disabled = not in_use

    def compute(self):
        v = self.values()
        n, k, d, p = v["input_size"], v["kernel_size"], v["dilation"], v["padding"]
        out = conv_output_size(n, k, padding=p, dilation=d)
        i, j = divmod(v["position"], out)
        dilations = tuple(v[f"dilation_{m + 1}"] for m in range(v["layers"]))
        stack = [(k, 1, 0, dm) for dm in dilations]
        counts = coverage(stack)
        return dict(
            input_size=n, kernel_size=k, dilation=d, padding=p, output_size=out, position=(i, j),
            effective_kernel_size=effective_kernel_size(k, d),
            taps=[(i + u * d, j + w * d) for u in range(k) for w in range(k)],  # in padded coordinates
            same_padding=d * (k - 1) / 2, dilations=dilations,
            fields=receptive_field(stack), coverage=counts, holes=int((counts == 0).sum()),
            common_factor=gcd(*dilations),
        )

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        st, scene = self.state, self.scene
        n, p, k, d, out = st["input_size"], st["padding"], st["kernel_size"], st["dilation"], st["output_size"]
        i, j = st["position"]
        padded = n + 2 * p
        counts = st["coverage"]
        side = max(padded, 9)  # the coverage map is drawn this many cells wide, whatever its own size
        gap = 2.5
        lefts = [0.0, padded + gap, padded + gap + out + 2 * gap]
        height = float(max(padded, side))
        draw.fit(self.ax, lefts[2] + side, height)
        scene.clear()

        # input with its padding ring, the taps the kernel reads, the span of the dilated kernel
        x0, y0 = lefts[0], (height - padded) / 2
        ring = np.ones((padded, padded), bool)
        ring[p: padded - p, p: padded - p] = False
        rgba = np.where(ring[..., None], draw.PAD_COLOR, draw.cell_colors(np.zeros((padded, padded)), "Blues"))
        scene.stack(rgba[None], (x0, y0))
        if p:
            scene.box(x0 + p, y0 + p, n, n, "0.15", 1.6)
        scene.window(x0 + j, y0 + i, (k, k), (d, d))

        # output, filled up to the current position
        x1, y1 = lefts[1], (height - out) / 2
        done = (np.arange(out * out) <= i * out + j).reshape(out, out)
        rgba = np.where(done[..., None], draw.cell_colors(np.ones((out, out)), "Purples"), draw.EMPTY_COLOR)
        scene.stack(rgba[None], (x1, y1))
        scene.box(x1 + j, y1 + i, 1, 1, draw.OUTPUT_COLOR)

        # the stack's coverage map: paths from one output unit to each input pixel (white: never seen)
        x2, y2, scale = lefts[2], (height - side) / 2, side / counts.shape[0]
        heat = draw.cell_colors(counts, "Oranges", 0, counts.max(), span=(0.1, 0.75))
        heat[counts == 0] = draw.EMPTY_COLOR
        scene.picture(heat, x2, y2, scale)
        scene.line(draw.grid_lines(*counts.shape) * scale + (x2, y2), draw.EDGE_COLOR, 0.6 if scale > 0.3 else 0.0)
        if counts.shape[0] <= 17:  # larger maps: cells too small to read a number
            numbers = np.where(counts > 0, draw.labels(counts), "")  # holes stay blank
            cell_px = self.ax.transData.transform([(scale, 0)])[0, 0] - self.ax.transData.transform([(0, 0)])[0, 0]
            r, c = np.mgrid[0:counts.shape[0], 0:counts.shape[1]]
            scene.text(numbers.ravel(), np.stack([x2 + (c.ravel() + 0.5) * scale, y2 + (r.ravel() + 0.5) * scale], -1),
                       size=draw.font_size(cell_px, self.dpi, numbers))

        scene.text(["∗"], [(lefts[1] - gap / 2, height / 2)], size=16)
        size = st["fields"][-1].size
        layers = ", ".join(map(str, st["dilations"]))
        titles = [(f"input {n}×{n}" + (f", padding {p}" if p else ""), f"{k}×{k} kernel, dilation {d}: "
                   f"spans {st['effective_kernel_size']}×{st['effective_kernel_size']}"),
                  (f"output {out}×{out}", "stride 1"),
                  (f"{len(st['dilations'])} stacked {k}×{k} layers, dilations ({layers})",
                   f"receptive field {size}×{size}, {st['holes']} pixels never seen")]
        centres = [lefts[0] + padded / 2, lefts[1] + out / 2, lefts[2] + side / 2]
        scene.text([line for two in titles for line in two], [(x, y) for x in centres for y in (0.95, 0.89)],
                   size=10, title=True)
        scene.commit()

    def describe(self):
        st = self.state
        n, k, d, p, out = st["input_size"], st["kernel_size"], st["dilation"], st["padding"], st["output_size"]
        top = n + 2 * p - d * (k - 1) - 1
        same = st["same_padding"]
        lines = [
            f"effective kernel = k + (k − 1)(d − 1) = {k} + {k - 1}·{d - 1} = <b>{st['effective_kernel_size']}</b>",
            f"output = ⌊({n} + 2·{p} − {d}·({k}−1) − 1) / 1⌋ + 1 = {top} + 1 = <b>{out}</b>; "
            + (f"padding d·(k − 1)/2 = {same:g} keeps the size ('same')" if same == int(same)
               else f"'same' would need d·(k − 1)/2 = {same:g}: an even kernel pads unevenly"),
            "stack: receptive field " + " → ".join(f"{f.size}" for f in st["fields"])
            + f" (each layer adds (k − 1)·d = {k - 1}·d)",
        ]
        factor = st["common_factor"]
        if factor > 1:
            lines.append(f"all dilations share the factor {factor}: the unit sees one row and one column in every "
                         f"{factor} — {st['holes']} of {st['coverage'].size} pixels are holes (gridding)")
        elif st["holes"]:
            lines.append(f"no common factor, but the gaps are too wide for the layers below: {st['holes']} holes")
        else:
            lines.append("no holes: every pixel of the receptive field reaches the unit")
        return "<div style='font-family:monospace;font-size:13px;line-height:1.5'>" + "<br>".join(lines) + "</div>"
