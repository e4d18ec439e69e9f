"""The sliding-kernel explorer (notebook 01): a kernel sliding over a padded, multi-channel
input, the output cell it computes, that cell's multiply–add, and the output-size formula."""

import numpy as np
from matplotlib.colors import to_rgba

from convlab import draw, reference
from convlab.arithmetic import conv_macs, conv_output_size, conv_params, effective_kernel_size
from convlab.checks import pair
from convlab.explorers.base import Explorer, Int, as_pool, call, limit, products

__all__ = ["SlidingKernelExplorer"]


def _floor_line(tr, axis, n, p, d, k, s, out):
    """The output-size formula for one axis with every number filled in."""
    top = n + 2 * p - d * (k - 1) - 1
    line = (f"{axis}<sub>out</sub> = ⌊({n} + 2·{p} − {d}·({k}−1) − 1) / {s}⌋ + 1 "
            f"= ⌊{top} / {s}⌋ + 1 = {top // s} + 1 = <b>{out}</b>")
    if top % s:
        left = top % s
        what = tr("rows" if axis == "H" else "columns") if left > 1 else tr("row" if axis == "H" else "column")
        line += " &nbsp;<i>" + tr("(remainder {left}: the last {left} {what} never covered, framed in orange)",
                                  left=left, what=what) + "</i>"
    return line


class SlidingKernelExplorer(Explorer):
    """A kernel sliding over a padded, multi-channel input: the window at each position,
    the output cell it computes, that cell's multiply–add, and the output-size formula.

    Starting values are keyword arguments (ints, or (h, w) pairs for `input_size` and
    `kernel_size`). Pass `x` (C, H, W) or (H, W) and/or `weight` (out, in, kh, kw) or
    (kh, kw) to use your own numbers; otherwise small random integers are used.
    """

    MAX_SIZE, MAX_KERNEL, MAX_STRIDE, MAX_PADDING, MAX_DILATION, MAX_CHANNELS = 10, 5, 4, 3, 4, 4
    view_controls = ("position",)  # the scene holds every position's window: the browser moves it by itself
    rows = [["height", "width", "stride"], ["kernel_height", "kernel_width", "dilation"],
            ["padding", "in_channels", "out_channels"], ["filter", "position"]]

    def __init__(self, input_size=None, kernel_size=None, stride=1, padding=0, dilation=1,
                 in_channels=None, out_channels=None, x=None, weight=None, seed=0):
        rng = np.random.default_rng(seed)
        m, mk, mc = self.MAX_SIZE, self.MAX_KERNEL, self.MAX_CHANNELS
        self._x = rng.integers(0, 10, (mc, m, m)) if x is None else as_pool(x, 3, "x")
        self._w = rng.integers(-1, 2, (mc, mc, mk, mk)) if weight is None else as_pool(weight, 4, "weight")
        if input_size is None:
            input_size = self._x.shape[1:] if x is not None else 5
        if kernel_size is None:
            kernel_size = self._w.shape[2:] if weight is not None else 3
        if in_channels is None:
            in_channels = self._x.shape[0] if x is not None else self._w.shape[1] if weight is not None else 1
        if out_channels is None:
            out_channels = self._w.shape[0] if weight is not None else 1
        (h, w), (kh, kw) = pair(input_size, "input_size"), pair(kernel_size, "kernel_size")
        super().__init__(height=h, width=w, kernel_height=kh, kernel_width=kw, stride=stride, padding=padding,
                         dilation=dilation, in_channels=in_channels, out_channels=out_channels)

    @classmethod
    def example(cls):
        return cls(input_size=6, kernel_size=3, stride=2)

    def declare(self):
        (c, m, n), (o, i, kh, kw), mc = self._x.shape, self._w.shape, self.MAX_CHANNELS
        most = (self.MAX_SIZE + 2 * self.MAX_PADDING) ** 2  # output cells, at most
        return dict(
            height=Int("input height", 5, 1, min(self.MAX_SIZE, m), argument="input_size"),
            width=Int("input width", 5, 1, min(self.MAX_SIZE, n), argument="input_size"),
            kernel_height=Int("kernel height", 3, 1, min(self.MAX_KERNEL, kh), argument="kernel_size"),
            kernel_width=Int("kernel width", 3, 1, min(self.MAX_KERNEL, kw), argument="kernel_size"),
            stride=Int("stride", 1, 1, self.MAX_STRIDE),
            padding=Int("padding", 0, 0, self.MAX_PADDING),
            dilation=Int("dilation", 1, 1, self.MAX_DILATION),
            in_channels=Int("in_channels", 1, 1, min(mc, c, i)),
            out_channels=Int("out_channels", 1, 1, min(mc, o)),
            filter=Int("filter = out ch.", 0, 0, min(mc, o) - 1),
            position=Int("window position", 0, 0, most - 1, play=700),
        )

    def check_start(self, v):
        # a clear error if the kernel cannot fit
        conv_output_size((v["height"], v["width"]), (v["kernel_height"], v["kernel_width"]), v["stride"],
                         v["padding"], v["dilation"])

    def constrain(self):
        v, c, d = self.values(), self.controls, self.declared
        h, w, kh, kw = v["height"], v["width"], v["kernel_height"], v["kernel_width"]
        p, dl = v["padding"], v["dilation"]
        # the dilated kernel must fit in the padded input: n + 2p >= d·(k−1) + 1 on both axes
        limit(c["height"], max(1, dl * (kh - 1) + 1 - 2 * p), d["height"].hi)
        limit(c["width"], max(1, dl * (kw - 1) + 1 - 2 * p), d["width"].hi)
        limit(c["kernel_height"], 1, min(d["kernel_height"].hi, (h + 2 * p - 1) // dl + 1))
        limit(c["kernel_width"], 1, min(d["kernel_width"].hi, (w + 2 * p - 1) // dl + 1))
        need = max(dl * (kh - 1) + 1 - h, dl * (kw - 1) + 1 - w)
        limit(c["padding"], max(0, (need + 1) // 2), self.MAX_PADDING)
        fits = [(n + 2 * p - 1) // (k - 1) for n, k in ((h, kh), (w, kw)) if k > 1]
        limit(c["dilation"], 1, min([self.MAX_DILATION, *fits]))
        limit(c["filter"], 0, v["out_channels"] - 1)
        oh, ow = conv_output_size((h, w), (kh, kw), v["stride"], p, dl)
        limit(c["position"], 0, oh * ow - 1)

    def compute(self):
        v = self.values()
        s, p, d, f = v["stride"], v["padding"], v["dilation"], v["filter"]
        k = (v["kernel_height"], v["kernel_width"])
        x = self._x[: v["in_channels"], : v["height"], : v["width"]]
        weight = self._w[: v["out_channels"], : v["in_channels"], : k[0], : k[1]]
        out = reference.conv2d(x, weight, stride=s, padding=p, dilation=d)
        oh, ow = out.shape[1:]
        i, j = divmod(v["position"], ow)
        padded = np.pad(x, ((0, 0), (p, p), (p, p)))
        top, left = i * s, j * s
        window = padded[:, top: top + d * (k[0] - 1) + 1: d, left: left + d * (k[1] - 1) + 1: d]
        partial = (window * weight[f]).sum(axis=(1, 2))
        hp, wp = padded.shape[1:]
        span = effective_kernel_size(k, d)
        return dict(
            input_size=x.shape[1:], kernel_size=k, stride=s, padding=p, dilation=d,
            in_channels=v["in_channels"], out_channels=v["out_channels"], filter=f,
            effective_kernel_size=span, padded_size=(hp, wp), output_size=(oh, ow),
            position=(i, j), window_origin=(top, left), value=out[f, i, j], partial_sums=partial,
            uncovered=((hp - span[0]) % s, (wp - span[1]) % s),
            params=conv_params(v["in_channels"], v["out_channels"], k, bias=False),
            macs=conv_macs(v["in_channels"], v["out_channels"], k, (oh, ow)),
            x=x, weight=weight, output=out, padded=padded, window=window,
        )

    def code(self):
        st = self.state
        (h, w), (kh, kw), (oh, ow) = st["input_size"], st["kernel_size"], st["output_size"]
        c_in, c_out = st["in_channels"], st["out_channels"]
        layer = call("nn.Conv2d", c_in, c_out, kernel_size=kh if kh == kw else (kh, kw), stride=st["stride"],
                     padding=st["padding"], dilation=st["dilation"], bias=False)
        return f"layer = {layer}\nout = layer(torch.randn(1, {c_in}, {h}, {w}))", (1, c_out, oh, ow)

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        st, scene = self.state, self.scene
        c_in, c_out, f = st["in_channels"], st["out_channels"], st["filter"]
        (hp, wp), p, (kh, kw), (oh, ow) = st["padded_size"], st["padding"], st["kernel_size"], st["output_size"]
        # three blocks side by side, centred on one line: input ∗ filter = output
        blocks = [draw.stack_size(hp, wp, c_in), draw.stack_size(kh, kw, c_in), draw.stack_size(oh, ow, c_out)]
        gap, height = 2.0, max(h for _, h in blocks)
        lefts = np.cumsum([0.0] + [w + gap for w, _ in blocks[:-1]])
        cell_px = scene.fit(lefts[-1] + blocks[-1][0], height)
        (x0, y0), (x1, y1), (x2, y2) = [(x, (height + h) / 2 - rows) for x, (_, h), rows in
                                        zip(lefts, blocks, (hp, kh, oh), strict=True)]
        scene.clear()
        scene.anchor("input", x0, y0), scene.anchor("kernel", x1, y1), scene.anchor("output", x2, y2)

        # input: padded channels, padding ring in grey, the real input framed
        padded = st["padded"]
        rgba = draw.cell_colors(padded, "Blues", min(self._x.min(), 0), self._x.max())
        ring = np.ones(padded.shape[1:], bool)
        ring[p: hp - p, p: wp - p] = False
        rgba[:, ring] = draw.PAD_COLOR
        grey = np.where(ring[..., None], to_rgba("0.5"), to_rgba("black"))  # padding zeros in grey
        numbers = draw.labels(padded[0])
        size = draw.font_size(cell_px, self.dpi, numbers)
        scene.stack(rgba, (x0, y0), numbers, grey, size)
        if p:
            scene.box(x0 + p, y0 + p, wp - 2 * p, hp - 2 * p, "0.15", 1.6)
        rows_left, cols_left = st["uncovered"]  # never reached by any window: the floor drops them
        for box in (x0, y0 + hp - rows_left, wp, rows_left), (x0 + wp - cols_left, y0, cols_left, hp):
            if box[2] and box[3]:
                scene.fill(draw.rectangle(*box), draw.FADE_COLOR)
                scene.box(*box, draw.UNCOVERED_COLOR, 1.5)
        i, j = np.divmod(np.arange(oh * ow), ow)  # every position: the window moves by the stride, its output by 1
        with scene.moving(np.stack([j, i], axis=-1) * st["stride"]):
            scene.window(x0, y0, (kh, kw), (st["dilation"],) * 2, depth=c_in)
        with scene.moving(np.stack([j, i], axis=-1)):
            scene.box(x2, y2, 1, 1, draw.OUTPUT_COLOR)

        # filter f: one kernel sheet per input channel
        weight = st["weight"][f]
        numbers = draw.labels(weight[0])  # one symmetric colour scale for all weights:
        scene.stack(draw.diverging_colors(weight, np.abs(self._w).max()), (x1, y1), numbers,
                    size=min(size, draw.font_size(cell_px, self.dpi, numbers)))
        scene.box(x1, y1, kw, kh, draw.WINDOW_COLOR)

        # output: channel f in front, filled in up to the current position
        out = st["output"][[f] + [o for o in range(c_out) if o != f]]
        rgba = draw.cell_colors(out, "Purples", out.min(), out.max())
        numbers = draw.labels(out)  # all channels: the font size does not jump when the filter changes
        empty = rgba.copy()
        empty[0] = draw.EMPTY_COLOR
        scene.stack(empty, (x2, y2))
        scene.revealed(rgba[0], (x2, y2), numbers[0], draw.font_size(cell_px, self.dpi, numbers))

        scene.text(["∗", "="], [(x - gap / 2, height / 2) for x in lefts[1:]], size=18)
        (h, w), tr = st["input_size"], self.tr_figure
        titles = [(tr("input {c}×{h}×{w}", c=c_in, h=h, w=w),
                   tr("padded to {c}×{h}×{w}", c=c_in, h=hp, w=wp) if p else
                   tr("{c} channels" if c_in > 1 else "{c} channel", c=c_in)),
                  (tr("filter {f}", f=f), f"{c_in}×{kh}×{kw}"),
                  (tr("output {c}×{h}×{w}", c=c_out, h=oh, w=ow), tr("channel {f} in front", f=f))]
        centres = [x + w_ / 2 for x, (w_, _) in zip(lefts, blocks, strict=True)]
        scene.titles(titles, centres)

    def describe(self):
        st = self.state
        (h, w), (kh, kw), (oh, ow) = st["input_size"], st["kernel_size"], st["output_size"]
        s, p, d, f = st["stride"], st["padding"], st["dilation"], st["filter"]
        i, j = st["position"]
        top, left = st["window_origin"]
        tr = self.tr
        lines = [_floor_line(tr, "H", h, p, d, kh, s, oh), _floor_line(tr, "W", w, p, d, kw, s, ow)]
        rows = ", ".join(str(top + u * d) for u in range(kh))
        cols = ", ".join(str(left + v * d) for v in range(kw))
        lines.append(tr("out[{f}, {i}, {j}] reads rows {rows} and columns {cols} of the padded input:", f=f, i=i, j=j,
                        rows=rows, cols=cols))
        for c, total in enumerate(st["partial_sums"]):
            lines.append("&nbsp;&nbsp;" + tr("channel {c}: {sum} = {total:g}", c=c, total=total,
                                             sum=products(st["window"][c], st["weight"][f, c], tr)))
        lines.append("&nbsp;&nbsp;" + tr("sum over {n} channels = <b>{value:g}</b>" if st["in_channels"] > 1 else
                                         "sum over {n} channel = <b>{value:g}</b>", n=st["in_channels"],
                                         value=st["value"]))
        (eh, ew) = st["effective_kernel_size"]
        lines.append(tr("effective kernel {h}×{w} · params {params:,} · MACs {macs:,}", h=eh, w=ew,
                        params=st["params"], macs=st["macs"]))
        return lines

