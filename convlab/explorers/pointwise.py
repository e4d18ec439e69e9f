"""The pointwise (1×1) convolution explorer (notebook 02): at every pixel a 1×1 convolution
multiplies that pixel's vector of channel values by one weight matrix, y = W·x. Pick a
pixel and see x, W and y, and the cost against a k×k convolution with the same channels."""

import numpy as np

from convlab import draw
from convlab.arithmetic import conv_macs, conv_params
from convlab.checks import pair
from convlab.explorers.base import Explorer, Int, as_pool, call, limit

__all__ = ["PointwiseExplorer"]


class PointwiseExplorer(Explorer):
    """A 1×1 convolution as a matrix–vector product at one pixel.

    Starting values are keyword arguments: `in_channels`, `out_channels`, `input_size` (int
    or (h, w)), the pixel (`row`, `col`) and `compare_kernel`, the k of the k×k convolution
    whose parameters and MACs the readout compares with. Pass `x` (C, H, W) and/or `weight`
    (out, in) to show your own numbers; otherwise inputs are small random integers (0–9) and
    weights small random integers (−2…2), so every product can be checked by eye.
    """

    MAX_CHANNELS, MAX_SIZE, MAX_KERNEL = 8, 6, 7
    view_controls = ("row", "col")  # the scene holds every pixel's x and y: the browser picks the pixel itself
    rows = [["in_channels", "out_channels", "compare_kernel"], ["height", "width"], ["row", "col"]]

    def __init__(self, in_channels=None, out_channels=None, input_size=None, row=0, col=0, compare_kernel=3,
                 x=None, weight=None, seed=0):
        rng = np.random.default_rng(seed)
        m, mc = self.MAX_SIZE, self.MAX_CHANNELS
        self._x = rng.integers(0, 10, (mc, m, m)) if x is None else as_pool(x, 3, "x")
        self._w = rng.integers(-2, 3, (mc, mc)) if weight is None else as_pool(weight, 2, "weight")
        if in_channels is None:
            in_channels = self._x.shape[0] if x is not None else self._w.shape[1] if weight is not None else 3
        if out_channels is None:
            out_channels = self._w.shape[0] if weight is not None else 2
        if input_size is None:
            input_size = self._x.shape[1:] if x is not None else 4
        h, w = pair(input_size, "input_size")
        super().__init__(in_channels=in_channels, out_channels=out_channels, height=h, width=w, row=row, col=col,
                         compare_kernel=compare_kernel)

    @classmethod
    def example(cls):
        return cls(in_channels=3, out_channels=2, input_size=4, row=1, col=2)

    def declare(self):
        (c, h, w), (o, i), m, mc = self._x.shape, self._w.shape, self.MAX_SIZE, self.MAX_CHANNELS
        return dict(
            in_channels=Int("in_channels", 3, 1, min(mc, c, i)),
            out_channels=Int("out_channels", 2, 1, min(mc, o)),
            compare_kernel=Int("vs. k×k conv", 3, 1, self.MAX_KERNEL),
            height=Int("input height", 4, 1, min(m, h), argument="input_size"),
            width=Int("input width", 4, 1, min(m, w), argument="input_size"),
            row=Int("pixel row", 0, 0, min(m, h) - 1),
            col=Int("pixel column", 0, 0, min(m, w) - 1),
        )

    def constrain(self):
        limit(self.controls["row"], 0, self.controls["height"].value - 1)
        limit(self.controls["col"], 0, self.controls["width"].value - 1)

    def compute(self):
        v = self.values()
        c_in, c_out, k = v["in_channels"], v["out_channels"], v["compare_kernel"]
        size, (r, c) = (v["height"], v["width"]), (v["row"], v["col"])
        x = self._x[:c_in, : size[0], : size[1]]
        weight = self._w[:c_out, :c_in]
        output = np.einsum("oc,chw->ohw", weight, x)  # the same W·x at every pixel
        return dict(
            in_channels=c_in, out_channels=c_out, input_size=size, pixel=(r, c), x=x, weight=weight,
            output=output, vector=x[:, r, c], result=weight @ x[:, r, c],
            params=conv_params(c_in, c_out, 1, bias=False), macs=conv_macs(c_in, c_out, 1, size),
            compare_kernel=k, compare_params=conv_params(c_in, c_out, k, bias=False),
            compare_macs=conv_macs(c_in, c_out, k, size),  # padding "same": the same output size
        )

    def code(self):
        st = self.state
        (h, w), c_in, c_out = st["input_size"], st["in_channels"], st["out_channels"]
        layer = call("nn.Conv2d", c_in, c_out, kernel_size=1, bias=False)
        return f"layer = {layer}\nout = layer(torch.randn(1, {c_in}, {h}, {w}))", (1, c_out, h, w)

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        st, scene = self.state, self.scene
        c_in, c_out, (h, w) = st["in_channels"], st["out_channels"], st["input_size"]
        # blocks: input stack | x above W, y beside W | output stack
        blocks = [draw.stack_size(h, w, c_in), (c_in + 4.3, c_out + 1.5), draw.stack_size(h, w, c_out)]
        gap, height = 2.5, max(b[1] for b in blocks)
        lefts = np.cumsum([0.0] + [b[0] + gap for b in blocks[:-1]])
        cell_px = scene.fit(lefts[-1] + blocks[-1][0], height)
        tops = [(height - b[1]) / 2 for b in blocks]
        scene.clear()
        x_numbers, w_numbers, y_numbers = draw.labels(st["x"]), draw.labels(st["weight"]), draw.labels(st["output"])
        size = draw.font_size(cell_px, self.dpi, np.concatenate([x_numbers.ravel(), w_numbers.ravel()]))
        y_size = draw.font_size(cell_px, self.dpi, y_numbers)

        # every pixel's view at once (view value r·w + c): the browser shows the one the sliders pick
        rows, cols = np.divmod(np.arange(h * w), self.view_strides()[0])
        at_pixel = draw.by_row(h), draw.by_column(w)  # offsets for each row, for each column
        every = np.stack([np.arange(h * w)] * 2, axis=-1)

        # input: the pixel's column through every channel
        x0, y0 = scene.anchor("input", lefts[0], tops[0] + (c_in - 1) * draw.DEPTH)
        low_x, high_x = min(self._x.min(), 0), self._x.max()
        scene.stack(draw.cell_colors(st["x"], "Blues", low_x, high_x), (x0, y0), x_numbers[0], size=size)
        k = st["compare_kernel"]  # what a k×k kernel centred here would read instead (dashed, grey)
        with scene.moving(*at_pixel):
            scene.window(x0, y0, (1, 1), depth=c_in)
            corners = draw.rectangle(x0 - (k - 1) / 2, y0 - (k - 1) / 2, k, k)[0]
            scene.line(np.stack([corners, np.roll(corners, -1, axis=0)], axis=1), "0.35", 1.2, dashed=True)

        # x as a row above W (each column of W meets its x), y as a column beside W
        mx, my = lefts[1] + 1.0, tops[1] + 0.5
        vectors = st["x"][:, rows, cols].T  # (pixels, c_in)
        scene.per_view(draw.cell_colors(vectors[:, None], "Blues", low_x, high_x), (mx, my),
                       x_numbers[:, rows, cols].T[:, None], size=size)
        scene.line(draw.grid_lines(1, c_in, mx, my))
        scene.box(mx, my, c_in, 1, draw.WINDOW_COLOR)
        scene.stack(draw.diverging_colors(st["weight"][None], np.abs(self._w).max()), (mx, my + 1.5),
                    w_numbers, size=size)
        low, high = st["output"].min(), st["output"].max()
        ys = st["output"][:, rows, cols].T[:, :, None]  # (pixels, c_out, 1)
        scene.per_view(draw.cell_colors(ys, "Purples", low, high), (mx + c_in + 1.2, my + 1.5),
                       y_numbers[:, rows, cols].T[:, :, None], size=y_size)
        scene.line(draw.grid_lines(c_out, 1, mx + c_in + 1.2, my + 1.5))
        scene.box(mx + c_in + 1.2, my + 1.5, 1, c_out, draw.OUTPUT_COLOR)
        scene.text(["x", "W", "y"], [(mx - 0.6, my + 0.5), (mx - 0.6, my + 1.5 + c_out / 2),
                                     (mx + c_in + 2.8, my + 1.5 + c_out / 2)], size=12)
        scene.text(["="], [(mx + c_in + 0.6, my + 1.5 + c_out / 2)], size=12)

        # output: every pixel got the same treatment; the chosen one framed through the stack
        x2, y2 = scene.anchor("output", lefts[2], tops[2] + (c_out - 1) * draw.DEPTH)
        scene.stack(draw.cell_colors(st["output"], "Purples", low, high), (x2, y2), y_numbers[0], size=y_size)
        with scene.moving(*at_pixel):
            scene.window(x2, y2, (1, 1), depth=c_out, color=draw.OUTPUT_COLOR)

        scene.text(["→", "→"], [(x - gap / 2, height / 2) for x in lefts[1:]], size=16)
        centres = [x + b[0] / 2 for x, b in zip(lefts, blocks, strict=True)]
        tr = self.tr_figure
        titles = [(tr("input {c}×{h}×{w}", c=c_in, h=h, w=w), ""),
                  (f"y = W·x: ({c_out}×{c_in})·({c_in})", tr("one weight per channel pair")),
                  (tr("output {c}×{h}×{w}", c=c_out, h=h, w=w), tr("same W at every pixel"))]
        scene.titles(titles, centres)
        scene.text([tr("pixel ({r}, {c}); dashed: a {k}×{k} kernel's view", r=r, c=c, k=k)
                    for r, c in zip(rows, cols, strict=True)],
                   [(centres[0], draw.TITLE_ROWS[1])] * (h * w), size=10, title=True, shown=every)

    def describe(self):
        st = self.state
        x, weight, y, (r, c) = st["vector"], st["weight"], st["result"], st["pixel"]
        k, (h, w) = st["compare_kernel"], st["input_size"]
        tr = self.tr
        lines = [tr("x = input[:, {r}, {c}] = [{values}]", r=r, c=c, values=", ".join(f"{v:g}" for v in x))]
        for o, row in enumerate(weight):
            terms = " + ".join(f"{a:g}·{b:g}" if a >= 0 else f"({a:g})·{b:g}" for a, b in zip(row, x, strict=True))
            lines.append(f"&nbsp;&nbsp;y[{o}] = {terms} = <b>{y[o]:g}</b>")
        ratio = st["compare_params"] / st["params"]
        lines.append(tr("1×1 conv {c_in}→{c_out}: params {params:,} (= out·in, no bias) · MACs {macs:,} "
                        "(= {h}·{w} pixels × {params:,})", c_in=st["in_channels"], c_out=st["out_channels"],
                        params=st["params"], macs=st["macs"], h=h, w=w))
        lines.append(tr("{k}×{k} conv, same channels, padding 'same': params {params:,} · MACs {macs:,} — "
                        "{ratio:g}× the 1×1 (k² = {k2})", k=k, params=st["compare_params"],
                        macs=st["compare_macs"], ratio=ratio, k2=k * k))
        lines.append(tr("receptive field: 1×1 reads 1 pixel of every channel (mixes channels only); "
                        "{k}×{k} reads {k}×{k} pixels of every channel", k=k))
        return lines
