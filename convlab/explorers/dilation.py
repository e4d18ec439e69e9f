"""The dilation explorer (notebook 04): input ∗ kernel = output for a kernel with gaps reading a
spread-out set of input pixels (effective kernel size, output size, each multiply–add), and a stack
of up to three dilated layers with the coverage map of one output unit: its receptive field, and
the holes it never sees."""

from math import gcd

import numpy as np
from matplotlib.colors import to_rgba

from convlab import draw, reference
from convlab.arithmetic import conv_output_size, effective_kernel_size
from convlab.explorers.base import Explorer, Int, call, freeze, limit, per_layer, products
from convlab.receptive import coverage, receptive_field

__all__ = ["DilationExplorer"]

MAX_LAYERS = 3
LAYER_DILATIONS = ("layer 1 dilation", "layer 2 dilation", "layer 3 dilation")  # the labels, texts of convlab.zh


class DilationExplorer(Explorer):
    """Left: one dilated convolution (stride 1) sliding over an input, the taps it reads
    and the output it fills. Right: `layers` stacked k×k convolutions with dilations
    `dilations` (one per layer): how many paths lead from one output unit back to each
    input pixel, and the receptive field by the recurrence.

    Starting values: `input_size`, `kernel_size`, `dilation`, `padding` (for the single
    layer), `layers` and `dilations` (a tuple, e.g. (1, 2, 4)) for the stack. The input holds
    small integers and the kernel non-zero ones (from `seed`), so the gaps between the taps
    cannot be mistaken for zero weights.
    """

    MAX_SIZE, MAX_KERNEL, MAX_DILATION, MAX_PADDING, MAX_STACK_DILATION = 13, 5, 4, 6, 5
    view_controls = ("position",)  # the scene holds every position's window: the browser moves it by itself

    def __init__(self, input_size=7, kernel_size=3, dilation=2, padding=0, dilations=(1, 2, 4), layers=None,
                 seed=0):
        rng = np.random.default_rng(seed)
        self._x = rng.integers(0, 10, (self.MAX_SIZE, self.MAX_SIZE))
        self._w = rng.choice([-2, -1, 1, 2], (self.MAX_KERNEL, self.MAX_KERNEL))  # no zero weights
        stack = per_layer(dilations, "dilations", MAX_LAYERS)
        super().__init__(input_size=input_size, kernel_size=kernel_size, dilation=dilation, padding=padding,
                         layers=len(dilations) if layers is None else layers, **stack)

    @classmethod
    def example(cls):
        return cls(input_size=7, kernel_size=3, dilation=2, dilations=(2, 2, 2))

    def declare(self):
        most = (self.MAX_SIZE + 2 * self.MAX_PADDING) ** 2  # output cells, at most
        return dict(
            input_size=Int("input size", 7, 1, self.MAX_SIZE),
            kernel_size=Int("kernel size", 3, 1, self.MAX_KERNEL),
            dilation=Int("dilation", 2, 1, self.MAX_DILATION),
            padding=Int("padding", 0, 0, self.MAX_PADDING),
            position=Int("window position", 0, 0, most - 1),
            layers=Int("stacked layers", 3, 1, MAX_LAYERS),
            **{f"dilation_{i + 1}": Int(label, 1, 1, self.MAX_STACK_DILATION, argument="dilations")
               for i, label in enumerate(LAYER_DILATIONS)},
        )

    def check_start(self, v):
        # a clear error if the kernel cannot fit
        conv_output_size(v["input_size"], v["kernel_size"], padding=v["padding"], dilation=v["dilation"])

    def constrain(self):
        c, v = self.controls, self.values()
        n, k, d, p = v["input_size"], v["kernel_size"], v["dilation"], v["padding"]
        # the dilated kernel must fit in the padded input: n + 2p ≥ d·(k − 1) + 1
        limit(c["input_size"], max(1, d * (k - 1) + 1 - 2 * p), self.MAX_SIZE)
        limit(c["kernel_size"], 1, min(self.MAX_KERNEL, (n + 2 * p - 1) // d + 1))
        limit(c["dilation"], 1, min(self.MAX_DILATION, (n + 2 * p - 1) // (k - 1)) if k > 1 else self.MAX_DILATION)
        limit(c["padding"], max(0, (d * (k - 1) + 2 - n) // 2), self.MAX_PADDING)
        out = conv_output_size(n, k, padding=p, dilation=d)
        limit(c["position"], 0, out * out - 1)
        for i in range(MAX_LAYERS):  # a layer that is not in the stack keeps its dilation, frozen
            freeze(c[f"dilation_{i + 1}"], i >= v["layers"], 1, self.MAX_STACK_DILATION)

    def compute(self):
        v = self.values()
        n, k, d, p = v["input_size"], v["kernel_size"], v["dilation"], v["padding"]
        out = conv_output_size(n, k, padding=p, dilation=d)
        i, j = divmod(v["position"], out)
        dilations = tuple(v[f"dilation_{m + 1}"] for m in range(v["layers"]))
        stack = [(k, 1, 0, dm) for dm in dilations]
        counts = coverage(stack)
        x, weight = self._x[:n, :n], self._w[:k, :k]
        output = reference.conv2d(x[None], weight[None, None], padding=p, dilation=d)[0]
        padded = np.pad(x, p)
        window = padded[i: i + d * (k - 1) + 1: d, j: j + d * (k - 1) + 1: d]
        return dict(
            input_size=n, kernel_size=k, dilation=d, padding=p, output_size=out, position=(i, j),
            effective_kernel_size=effective_kernel_size(k, d), x=x, weight=weight, output=output, padded=padded,
            window=window, value=output[i, j],
            taps=[(i + u * d, j + w * d) for u in range(k) for w in range(k)],  # in padded coordinates
            same_padding=d * (k - 1) / 2, dilations=dilations,
            fields=receptive_field(stack), coverage=counts, holes=int((counts == 0).sum()),
            common_factor=gcd(*dilations),
        )

    def code(self):
        st = self.state
        n, k, out = st["input_size"], st["kernel_size"], st["output_size"]
        layer = call("nn.Conv2d", 1, 1, kernel_size=k, padding=st["padding"], dilation=st["dilation"], bias=False)
        stack = ", ".join(call("nn.Conv2d", 1, 1, k, dilation=d, bias=False) for d in st["dilations"])
        return (f"layer = {layer}\nout = layer(torch.randn(1, 1, {n}, {n}))\n"
                f"stack = nn.Sequential({stack})  # the stack on the right"), (1, 1, out, out)

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        st, scene = self.state, self.scene
        n, p, k, d, out = st["input_size"], st["padding"], st["kernel_size"], st["dilation"], st["output_size"]
        padded = n + 2 * p
        counts = st["coverage"]
        side = max(padded, 9)  # the coverage map is drawn this many cells wide, whatever its own size
        gap = 2.0
        lefts = np.cumsum([0.0, padded + gap, k + gap, out + 2 * gap])  # input ∗ kernel = output | stack
        height = float(max(padded, side))
        cell_px = scene.fit(lefts[3] + side, height)
        scene.clear()

        # input with its padding ring (zeros in grey), the taps the kernel reads, the span of the kernel
        x0, y0 = scene.anchor("input", lefts[0], (height - padded) / 2)
        ring = np.ones((padded, padded), bool)
        ring[p: padded - p, p: padded - p] = False
        rgba = draw.cell_colors(st["padded"], "Blues", 0, 9)
        rgba[ring] = draw.PAD_COLOR
        numbers = draw.labels(st["padded"])
        size = draw.font_size(cell_px, self.dpi, numbers)
        scene.stack(rgba[None], (x0, y0), numbers, np.where(ring[..., None], to_rgba("0.5"), to_rgba("black")), size)
        if p:
            scene.box(x0 + p, y0 + p, n, n, "0.15", 1.6)

        # the kernel: k×k weights, none of them zero
        x1, y1 = lefts[1], (height - k) / 2
        scene.stack(draw.diverging_colors(st["weight"], np.abs(self._w).max())[None], (x1, y1),
                    draw.labels(st["weight"]), size=size)
        scene.box(x1, y1, k, k, draw.WINDOW_COLOR)

        # output, filled in up to the current position
        x2, y2 = scene.anchor("output", lefts[2], (height - out) / 2)
        result = st["output"]
        numbers = draw.labels(result)
        scene.stack(np.broadcast_to(draw.EMPTY_COLOR, (1, out, out, 4)), (x2, y2))
        scene.revealed(draw.cell_colors(result, "Purples", result.min(), result.max()), (x2, y2), numbers,
                       draw.font_size(cell_px, self.dpi, numbers))
        i, j = np.divmod(np.arange(out * out), out)  # every position: the window and its output cell move by 1
        with scene.moving(np.stack([j, i], axis=-1)):
            scene.window(x0, y0, (k, k), (d, d))
            scene.box(x2, y2, 1, 1, draw.OUTPUT_COLOR)

        # the stack's coverage map: paths from one output unit to each input pixel (white: never seen)
        x3, y3, scale = lefts[3], (height - side) / 2, side / counts.shape[0]
        heat = draw.cell_colors(counts, "Oranges", 0, counts.max(), span=(0.1, 0.75))
        heat[counts == 0] = draw.EMPTY_COLOR
        scene.picture(heat, x3, y3, scale)
        scene.line(draw.grid_lines(*counts.shape) * scale + (x3, y3), draw.EDGE_COLOR, 0.6 if scale > 0.3 else 0.0)
        if counts.shape[0] <= 17:  # larger maps: cells too small to read a number
            numbers = np.where(counts > 0, draw.labels(counts), "")  # holes stay blank
            r, c = np.mgrid[0:counts.shape[0], 0:counts.shape[1]]
            scene.text(numbers.ravel(), np.stack([x3 + (c.ravel() + 0.5) * scale, y3 + (r.ravel() + 0.5) * scale], -1),
                       size=draw.font_size(cell_px * scale, self.dpi, numbers))

        scene.text(["∗", "="], [(lefts[1] - gap / 2, height / 2), (lefts[2] - gap / 2, height / 2)], size=16)
        size = st["fields"][-1].size
        layers = ", ".join(map(str, st["dilations"]))
        span = st["effective_kernel_size"]
        tr = self.tr_figure
        titles = [(tr("input {n}×{n}, padding {p}", n=n, p=p) if p else tr("input {n}×{n}", n=n),
                   tr("taps {d} apart: span {span}×{span}", d=d, span=span)),
                  (tr("kernel {k}×{k}", k=k), tr("dilation {d}", d=d)),
                  (tr("output {n}×{n}", n=out), tr("stride 1")),
                  (tr("{n} stacked {k}×{k} layers, dilations ({dilations})", n=len(st["dilations"]), k=k,
                      dilations=layers),
                   tr("receptive field {size}×{size}, {holes} pixels never seen", size=size, holes=st["holes"]))]
        centres = [lefts[0] + padded / 2, lefts[1] + k / 2, lefts[2] + out / 2, lefts[3] + side / 2]
        scene.titles(titles, centres)

    def describe(self):
        st = self.state
        n, k, d, p, out = st["input_size"], st["kernel_size"], st["dilation"], st["padding"], st["output_size"]
        top = n + 2 * p - d * (k - 1) - 1
        same = st["same_padding"]
        tr = self.tr
        sizes = dict(n=n, p=p, d=d, k=k, top=top, out=out, same=same)
        lines = [
            tr("effective kernel = k + (k − 1)(d − 1) = {k} + {k1}·{d1} = <b>{span}</b>", k=k, k1=k - 1, d1=d - 1,
               span=st["effective_kernel_size"]),
            tr("output = ⌊({n} + 2·{p} − {d}·({k}−1) − 1) / 1⌋ + 1 = {top} + 1 = <b>{out}</b>; padding d·(k − 1)/2 = "
               "{same:g} keeps the size ('same')", **sizes) if same == int(same) else
            tr("output = ⌊({n} + 2·{p} − {d}·({k}−1) − 1) / 1⌋ + 1 = {top} + 1 = <b>{out}</b>; 'same' would need "
               "d·(k − 1)/2 = {same:g}: an even kernel pads unevenly", **sizes),
            f"out[{st['position'][0]}, {st['position'][1]}] = " + products(st["window"], st["weight"], tr)
            + f" = <b>{st['value']:g}</b>",
            tr("stack: receptive field {sizes} (each layer adds (k − 1)·d = {k1}·d)",
               sizes=" → ".join(f"{f.size}" for f in st["fields"]), k1=k - 1),
        ]
        factor, holes = st["common_factor"], st["holes"]
        if factor > 1:
            lines.append(tr("all dilations share the factor {factor}: the unit sees one row and one column in every "
                            "{factor} — {holes} of {pixels} pixels are holes (gridding)", factor=factor, holes=holes,
                            pixels=st["coverage"].size))
        elif holes:
            lines.append(tr("no common factor, but the gaps are too wide for the layers below: {holes} holes",
                            holes=holes))
        else:
            lines.append(tr("no holes: every pixel of the receptive field reaches the unit"))
        return lines
