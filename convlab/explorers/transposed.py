"""The transposed-convolution explorer (notebook 08): every input pixel stamps the kernel, scaled by
its value, into a larger output; the same layer as zeros inserted between the pixels and an
ordinary convolution with the flipped kernel; and the `Conv2d` with the same arguments, which maps
the output's shape back to the input's (but not its numbers)."""

import numpy as np
from matplotlib.colors import to_rgba

from convlab import draw, reference
from convlab.arithmetic import conv_output_size, conv_transpose_output_size
from convlab.explorers.base import Choice, Explorer, Int, as_pool, call, limit

__all__ = ["TransposedConvExplorer"]

VIEWS = ("scatter", "zero insertion", "forward conv")
INSERTED_COLOR = (1.0, 0.93, 0.75, 1.0)  # a zero put between input pixels (padding zeros are grey)
COUNT_CMAP = "Greens"


def _square(side, start, length):
    """A side×side mask, True on the length×length square from (start, start): the cells a padding ring
    surrounds."""
    kept = np.zeros((side, side), bool)
    kept[start:start + length, start:start + length] = True
    return kept


def _formula(tr, n, k, s, p, op, d, m):
    """The output-size formula with every number filled in (said through `tr`, the explorer's language)."""
    return tr("output = (n − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1 = ({n} − 1)·{s} − 2·{p} "
              "+ {d}·({k} − 1) + {op} + 1 = <b>{m}</b>", n=n, s=s, p=p, d=d, k=k, op=op, m=m)


class TransposedConvExplorer(Explorer):
    """A transposed convolution of one square, single-channel input, seen three ways.

    Starting values are keyword arguments: `input_size`, `kernel_size`, `stride`, `padding`,
    `output_padding` (smaller than the stride or the dilation, as PyTorch requires), `dilation`,
    `pixel` (the input pixel whose stamp is drawn, row by row) and `view` ("scatter", "zero
    insertion" or "forward conv"). Pass `x` (H, W) and/or `weight` (kh, kw) to use your own numbers;
    otherwise small random integers are used.
    """

    MAX_SIZE, MAX_KERNEL, MAX_STRIDE, MAX_PADDING, MAX_DILATION = 4, 4, 3, 3, 2
    view_controls = ("pixel",)  # every pixel's stamp is in the scene: the browser moves it by itself
    rows = [["input_size", "kernel_size", "stride"], ["padding", "output_padding", "dilation"], ["view", "pixel"]]

    def __init__(self, input_size=3, kernel_size=3, stride=2, padding=0, output_padding=0, dilation=1, pixel=0,
                 view="scatter", x=None, weight=None, seed=0):
        rng = np.random.default_rng(seed)
        m, mk = self.MAX_SIZE, self.MAX_KERNEL
        self._x = rng.integers(1, 10, (m, m)) if x is None else as_pool(x, 2, "x")
        self._w = rng.integers(-1, 3, (mk, mk)) if weight is None else as_pool(weight, 2, "weight")
        super().__init__(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                         output_padding=output_padding, dilation=dilation, pixel=pixel, view=view)

    @classmethod
    def example(cls):
        return cls(input_size=3, kernel_size=3, stride=2, pixel=4)

    def declare(self):
        (h, w), (kh, kw) = self._x.shape, self._w.shape
        most = min(self.MAX_SIZE, h, w)
        return dict(
            input_size=Int("input size", 3, 1, most),
            kernel_size=Int("kernel size", 3, 1, min(self.MAX_KERNEL, kh, kw)),
            stride=Int("stride", 2, 1, self.MAX_STRIDE),
            padding=Int("padding", 0, 0, self.MAX_PADDING),
            output_padding=Int("output_padding", 0, 0, max(self.MAX_STRIDE, self.MAX_DILATION) - 1),
            dilation=Int("dilation", 1, 1, self.MAX_DILATION),
            pixel=Int("input pixel", 0, 0, most * most - 1, play=900),
            view=Choice("view", "scatter", VIEWS, dropdown=True),
        )

    def constrain(self):
        c, v = self.controls, self.values()
        n, k, s, d = v["input_size"], v["kernel_size"], v["stride"], v["dilation"]
        limit(c["output_padding"], 0, max(s, d) - 1)  # PyTorch: smaller than the stride or the dilation
        made = (n - 1) * s + d * (k - 1) + c["output_padding"].value  # the output before cropping, less one
        limit(c["padding"], 0, min(self.MAX_PADDING, made // 2))  # crop no more than leaves one cell
        limit(c["pixel"], 0, n * n - 1)

    def compute(self):
        v = self.values()
        n, k, s, p, op, d = (v[name] for name in ("input_size", "kernel_size", "stride", "padding", "output_padding",
                                                  "dilation"))
        x, weight = self._x[:n, :n], self._w[:k, :k]
        layer = dict(stride=s, padding=p, output_padding=op, dilation=d)
        out = reference.conv_transpose2d(x[None], weight[None, None], **layer)[0]
        m = conv_transpose_output_size(n, k, s, p, op, d)
        full = reference.conv_transpose2d(x[None], weight[None, None], stride=s, output_padding=op, dilation=d)[0]
        counts = reference.conv_transpose2d(np.ones((1, n, n), int), np.ones((1, 1, k, k), int), **layer)[0]
        i, j = divmod(v["pixel"], n)
        # the same layer as zeros between the pixels, then an ordinary convolution with the flipped kernel
        spread = np.zeros(((n - 1) * s + 1,) * 2, x.dtype)
        spread[::s, ::s] = x
        ring = d * (k - 1)
        padded = np.pad(spread, ((ring, ring + op), (ring, ring + op)))[p: p + m + ring, p: p + m + ring]
        flipped = weight[::-1, ::-1]
        forward = reference.conv2d(out[None], weight[None, None], stride=s, padding=p, dilation=d)[0]
        return dict(
            input_size=n, kernel_size=k, stride=s, padding=p, output_padding=op, dilation=d, view=v["view"],
            output_size=m, x=x, weight=weight, output=out, full=full, counts=counts, pixel=(i, j),
            value=x[i, j], stamp=x[i, j] * weight, inserted=padded, flipped=flipped,
            via_zeros=reference.conv2d(padded[None], flipped[None, None], dilation=d)[0],
            forward=forward, forward_size=conv_output_size(m, k, s, p, d),
            overlaps=(int(counts.min()), int(counts.max())), params=k * k, macs=n * n * k * k,
        )

    def code(self):
        st = self.state
        n, m = st["input_size"], st["output_size"]
        layer = call("nn.ConvTranspose2d", 1, 1, kernel_size=st["kernel_size"], stride=st["stride"],
                     padding=st["padding"], output_padding=st["output_padding"], dilation=st["dilation"], bias=False)
        return f"layer = {layer}\nout = layer(torch.randn(1, 1, {n}, {n}))", (1, 1, m, m)

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        self.scene.clear()
        {"scatter": self.draw_scatter, "zero insertion": self.draw_zeros, "forward conv": self.draw_forward}[
            self.state["view"]]()

    def layout(self, sizes, gap=2.0):
        """Square blocks of these sides in a row, centred on one line: their top-left corners, the
        cell size in pixels and the centres (for titles)."""
        height = max(sizes)
        lefts = np.cumsum([0.0] + [size + gap for size in sizes[:-1]])
        cell_px = self.scene.fit(lefts[-1] + sizes[-1], height)
        corners = [(x, (height - size) / 2) for x, size in zip(lefts, sizes, strict=True)]
        return corners, cell_px, [x + size / 2 for x, size in zip(lefts, sizes, strict=True)], height

    def grid(self, values, origin, cmap, cell_px, low=None, high=None, number_colors="black"):
        """A block of cells coloured by value, with their numbers."""
        numbers = draw.labels(values)
        colors = draw.cell_colors(values, cmap, values.min() if low is None else low,
                                  values.max() if high is None else high)
        self.scene.stack(colors[None], origin, numbers, number_colors, draw.font_size(cell_px, self.dpi, numbers))

    def ringed(self, values, origin, cmap, low, high, kept, cell_px, inserted=None):
        """A block of cells coloured by value where `kept`, grey with grey numbers elsewhere (padding
        added or cropped); `inserted` cells (zeros put between pixels) yellow, their numbers grey too."""
        rgba = draw.cell_colors(values, cmap, low, high)
        real = kept if inserted is None else kept & ~inserted
        if inserted is not None:
            rgba[inserted] = INSERTED_COLOR
        rgba[~kept] = draw.PAD_COLOR
        numbers = draw.labels(values)
        grey = np.where(real[..., None], to_rgba("black"), to_rgba("0.55"))
        self.scene.stack(rgba[None], origin, numbers, grey.reshape(-1, 4), draw.font_size(cell_px, self.dpi, numbers))

    def kernel(self, weight, origin, cell_px):
        numbers = draw.labels(weight)
        self.scene.stack(draw.diverging_colors(weight[None], np.abs(self._w).max()), origin, numbers,
                         size=draw.font_size(cell_px, self.dpi, numbers))

    def pixels(self, n):
        """`Scene.moving` offsets: where each input pixel (row by row) sits, in cells."""
        i, j = np.divmod(np.arange(n * n), n)
        return np.stack([j, i], axis=-1)

    def draw_scatter(self):
        st, scene = self.state, self.scene
        n, k, s, p, d, m = (st[name] for name in ("input_size", "kernel_size", "stride", "padding", "dilation",
                                                  "output_size"))
        full = st["full"]
        sizes = [n, k, len(full), m]
        [(xi, yi), (xk, yk), (xo, yo), (xc, yc)], cell_px, centres, height = self.layout(sizes)
        scene.anchor("input", xi, yi), scene.anchor("kernel", xk, yk), scene.anchor("output", xo + p, yo + p)
        scene.anchor("full output", xo, yo), scene.anchor("stamps per cell", xc, yc)
        self.grid(st["x"], (xi, yi), "Blues", cell_px, low=0)
        with scene.moving(self.pixels(n)):
            scene.box(xi, yi, 1, 1, draw.WINDOW_COLOR)
        self.kernel(st["weight"], (xk, yk), cell_px)
        # the output before cropping: the cropped ring (padding) grey, the output itself coloured
        values = st["output"]
        self.ringed(full, (xo, yo), "Purples", min(values.min(), 0), max(values.max(), 1), _square(len(full), p, m),
                    cell_px)
        if p:
            scene.box(xo + p, yo + p, m, m, "0.15", 1.6)
        with scene.moving(self.pixels(n) * s):  # the chosen pixel's stamp, `stride` cells per input pixel
            scene.window(xo, yo, (k, k), (d, d))
        self.grid(st["counts"], (xc, yc), COUNT_CMAP, cell_px, low=0)
        scene.text(["×", "→"], [(xk - 1.0, height / 2), (xo - 1.0, height / 2)], size=16)
        tr = self.tr_figure
        scene.titles([(tr("input {n}×{n}", n=n), tr("pixel × kernel")), (tr("kernel {k}×{k}", k=k), tr("= one stamp")),
                      (tr("output {n}×{n}", n=m), tr("stamps {s} apart, summed; {p} cropped (grey)", s=s, p=p) if p
                       else tr("stamps {s} apart, summed", s=s)),
                      (tr("stamps per output cell"), tr("{lo}…{hi}: uneven is a checkerboard", lo=st["overlaps"][0],
                                                        hi=st["overlaps"][1]))], centres)

    def draw_zeros(self):
        st, scene = self.state, self.scene
        n, k, s, p, d, m = (st[name] for name in ("input_size", "kernel_size", "stride", "padding", "dilation",
                                                  "output_size"))
        z = st["inserted"]
        [(xz, yz), (xk, yk), (xo, yo)], cell_px, centres, height = self.layout([len(z), k, m])
        scene.anchor("input", xz, yz), scene.anchor("kernel", xk, yk), scene.anchor("output", xo, yo)
        # which cell of the stretched, padded input is a real pixel, an inserted zero or padding
        ring = d * (k - 1) - p  # padding before the first pixel (negative: rows cropped instead)
        where = np.arange(len(z)) - ring
        real_axis = (where >= 0) & (where <= (n - 1) * s) & (where % s == 0)
        inside_axis = (where >= 0) & (where <= (n - 1) * s)
        real = real_axis[:, None] & real_axis[None, :]
        inside = inside_axis[:, None] & inside_axis[None, :]
        self.ringed(z, (xz, yz), "Blues", 0, max(self._x.max(), 1), inside, cell_px, inserted=inside & ~real)
        self.kernel(st["flipped"], (xk, yk), cell_px)
        self.grid(st["via_zeros"], (xo, yo), "Purples", cell_px)
        # the window whose last tap reads the chosen pixel, and the output cell it computes
        i, j = np.divmod(np.arange(n * n), n)
        cells = np.stack([np.clip(j * s - p, 0, m - 1), np.clip(i * s - p, 0, m - 1)], axis=-1)
        with scene.moving(cells):
            scene.window(xz, yz, (k, k), (d, d))
            scene.box(xo, yo, 1, 1, draw.OUTPUT_COLOR)
        scene.text(["∗", "="], [(xk - 1.0, height / 2), (xo - 1.0, height / 2)], size=18)
        tr = self.tr_figure
        scene.titles([(tr("input with {z} zero between pixels (yellow)" if s == 2 else
                          "input with {z} zeros between pixels (yellow)", z=s - 1),
                       tr("padded by dilation·(k−1) − padding = {ring} (cropped)" if ring < 0 else
                          "padded by dilation·(k−1) − padding = {ring} (grey)", ring=ring)),
                      (tr("kernel flipped"), tr("stride 1")),
                      (tr("output {n}×{n}", n=m), tr("the same numbers as the stamps"))], centres)

    def draw_forward(self):
        st, scene = self.state, self.scene
        n, k, s, p, d, m = (st[name] for name in ("input_size", "kernel_size", "stride", "padding", "dilation",
                                                  "output_size"))
        padded, f = np.pad(st["output"], p), st["forward_size"]  # f > n where output_padding ≥ stride
        [(xp, yp), (xk, yk), (xf, yf)], cell_px, centres, height = self.layout([m + 2 * p, k, f])
        scene.anchor("input", xp, yp), scene.anchor("kernel", xk, yk), scene.anchor("output", xf, yf)
        self.ringed(padded, (xp, yp), "Purples", st["output"].min(), st["output"].max(), _square(len(padded), p, m),
                    cell_px)
        self.kernel(st["weight"], (xk, yk), cell_px)
        self.grid(st["forward"], (xf, yf), "Blues", cell_px)
        with scene.moving(self.pixels(n) * s):  # the window of the chosen cell reads what its stamp wrote
            scene.window(xp, yp, (k, k), (d, d))
        with scene.moving(self.pixels(n)):
            scene.box(xf, yf, 1, 1, draw.OUTPUT_COLOR)
        scene.text(["∗", "="], [(xk - 1.0, height / 2), (xf - 1.0, height / 2)], size=18)
        tr = self.tr_figure
        scene.titles([(tr("input: the transposed output {m}×{m}", m=m), tr("padded by {p}", p=p) if p else
                       tr("no padding")),
                      (tr("kernel {k}×{k}", k=k), tr("Conv2d, stride {s}", s=s)),
                      (tr("output {n}×{n}", n=f), tr("the input's shape back, not its numbers") if f == n else
                       tr("not the input's shape: output_padding ≥ stride"))], centres)

    def describe(self):
        st = self.state
        n, k, s, p, op, d, m = (st[name] for name in ("input_size", "kernel_size", "stride", "padding",
                                                      "output_padding", "dilation", "output_size"))
        (i, j), value, (lo, hi), tr = st["pixel"], st["value"], st["overlaps"], self.tr
        rows = [i * s + a * d - p for a in range(k)]
        cols = [j * s + b * d - p for b in range(k)]
        cropped = min(rows + cols) < 0 or max(rows + cols) >= m
        lines = [_formula(tr, n, k, s, p, op, d, m),
                 tr("input pixel ({i}, {j}) = {value:g} stamps {value:g}·kernel onto output rows {r0}…{r1}, columns "
                    "{c0}…{c1} (negative or past the end: cropped)" if cropped else
                    "input pixel ({i}, {j}) = {value:g} stamps {value:g}·kernel onto output rows {r0}…{r1}, columns "
                    "{c0}…{c1}", i=i, j=j, value=value, r0=rows[0], r1=rows[-1], c0=cols[0], c1=cols[-1]),
                 tr("stamps per output cell: {lo} to {hi} — uneven: the checkerboard" if lo != hi else
                    "stamps per output cell: {lo} to {hi} — even", lo=lo, hi=hi),
                 tr("params {params} (one kernel, no bias) · MACs {macs} (= {n}·{n} pixels × {k}·{k} taps)",
                    params=st["params"], macs=st["macs"], n=n, k=k)]
        if st["view"] == "zero insertion":
            lines.append(tr("the same: {z} zero(s) between pixels, padding dilation·(k−1) − padding = {ring} and {op} "
                            "more at the bottom and right, then a stride-1 convolution with the flipped kernel" if op
                            else "the same: {z} zero(s) between pixels, padding dilation·(k−1) − padding = {ring}, "
                            "then a stride-1 convolution with the flipped kernel", z=s - 1, ring=d * (k - 1) - p,
                            op=op))
        if st["view"] == "forward conv":
            f = st["forward_size"]
            if f != n:  # output_padding ≥ stride (PyTorch allows it below the dilation): a whole step more
                lines.append(tr("Conv2d(kernel {k}, stride {s}, padding {p}, dilation {d}) maps {m}×{m} to {f}×{f}, "
                                "not back to {n}×{n}: output_padding {op} is not smaller than the stride (PyTorch "
                                "allows it because it is smaller than the dilation)", k=k, s=s, p=p, d=d, m=m, f=f,
                                n=n, op=op))
            else:
                back = np.abs(st["forward"] - st["x"]).max()
                lines.append(tr("Conv2d(kernel {k}, stride {s}, padding {p}, dilation {d}) maps {m}×{m} back to "
                                "{f}×{f}, but its numbers differ from the input's by up to {back:g}: a transposed "
                                "convolution is not an inverse", k=k, s=s, p=p, d=d, m=m, f=f, back=back))
        return lines
