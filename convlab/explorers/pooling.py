"""The pooling explorer (notebook 09): a max or average window sliding over a padded input, the
cell that wins each max (or the cells each average divides by), the windows `ceil_mode` lets hang
over the edge, and which outputs change when the input moves by one pixel."""

import numpy as np
from matplotlib.colors import to_rgba

from convlab import draw, reference
from convlab.arithmetic import pool_geometry
from convlab.explorers.base import Choice, Explorer, Int, Toggle, as_pool, call, limit

__all__ = ["PoolingExplorer"]

KINDS = ("max", "average")
CHANGED_COLOR = "#e377c2"  # an output the one-pixel shift changed
MINUS_INF = "−∞"


def _side(n, k, s, p, d, ceil_mode):
    """Per axis: the output size, the output size with the floor, the padded input the windows need
    (past n + 2p where a ceil_mode window hangs over the edge), and the window's span."""
    span = d * (k - 1) + 1
    m = pool_geometry(n, k, s, p, d, ceil_mode)[-1][0]
    floor = (n + 2 * p - span) // s + 1  # without ceil_mode (0: only ceil_mode gives a window here)
    return m, floor, max((m - 1) * s + span, n + 2 * p), span


def _labels(values):
    """Cell labels, −∞ written as such (a max over padding only)."""
    out = draw.labels(values)
    out[np.isneginf(values)] = MINUS_INF
    return out


def _formula(tr, n, k, s, p, d, ceil_mode, kind, floor, m):
    """The output-size formula with every number filled in, the floor (or with ceil_mode the
    ceiling) spelled out; said through `tr`, the explorer's language."""
    top = n + 2 * p - d * (k - 1) - 1
    lo, hi = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
    rounded = -(-top // s) if ceil_mode else top // s
    values = dict(lo=lo, hi=hi, n=n, p=p, d=d, k=k, s=s, top=top, rounded=rounded)
    if kind == "max":
        line = tr("output = {lo}(n + 2·padding − dilation·(k − 1) − 1) / stride{hi} + 1 = {lo}({n} + 2·{p} − "
                  "{d}·({k} − 1) − 1) / {s}{hi} + 1 = {lo}{top} / {s}{hi} + 1 = {rounded} + 1", **values)
    else:  # PyTorch's average pooling has no dilation
        line = tr("output = {lo}(n + 2·padding − k) / stride{hi} + 1 = {lo}({n} + 2·{p} − {k}) / {s}{hi} + 1 = "
                  "{lo}{top} / {s}{hi} + 1 = {rounded} + 1", **values)
    if rounded + 1 > m:  # ceil_mode's last window would start in the right padding
        return line + tr(" = {next}, but that last window would start at {start} ≥ n + padding = {edge}, past the "
                         "input: PyTorch drops it → <b>{m}</b>", next=rounded + 1, start=rounded * s, edge=n + p, m=m)
    line += f" = <b>{m}</b>"
    if not ceil_mode and top % s:
        line += " &nbsp;<i>" + tr("(remainder {left}: the last {left} row(s) and column(s) are never pooled, framed "
                                  "orange)", left=top % s) + "</i>"
    if m > floor:
        line += " &nbsp;<i>" + tr("(ceil_mode: one more window, hanging over the edge, dashed orange)") + "</i>"
    return line


class PoolingExplorer(Explorer):
    """Max or average pooling of one square, single-channel input.

    Starting values are keyword arguments: `kind` ("max" or "average"), `input_size`,
    `kernel_size`, `stride` (None, the default: the kernel size, as in PyTorch), `padding` (at
    most kernel_size // 2, as PyTorch requires), `dilation` (max pooling only: PyTorch's average
    pooling has none), `ceil_mode`, `count_include_pad` (average pooling with padding only),
    `shift` (move the input one pixel right: which outputs change?) and `position` (the window,
    row by row). Pass `x` (H, W) to pool your own numbers (shifted, its first column repeats);
    otherwise small random integers are used.
    """

    MAX_SIZE, MAX_KERNEL, MAX_STRIDE, MAX_PADDING, MAX_DILATION = 8, 4, 4, 2, 3
    view_controls = ("position",)  # every window is in the scene: the browser moves it by itself
    rows = [["kind", "input_size", "kernel_size"], ["stride", "padding", "dilation"],
            ["ceil_mode", "count_include_pad", "shift"], ["position"]]

    def __init__(self, kind="max", input_size=None, kernel_size=2, stride=None, padding=0, dilation=1, ceil_mode=False,
                 count_include_pad=True, shift=False, position=0, x=None, seed=0):
        if x is None:  # one more column on the left: what comes into view when the input moves right
            pool = np.random.default_rng(seed).integers(0, 10, (self.MAX_SIZE, self.MAX_SIZE + 1))
        else:
            user = as_pool(x, 2, "x").astype(float)
            pool = np.concatenate([user[:, :1], user], axis=1)
        self._pool = pool.astype(float)
        if input_size is None:  # 5, or a reader's whole input where it is smaller
            input_size = min(5, pool.shape[0], pool.shape[1] - 1) if x is None else min(self.MAX_SIZE, *user.shape)
        super().__init__(kind=kind, input_size=input_size, kernel_size=kernel_size,
                         stride=kernel_size if stride is None else stride, padding=padding, dilation=dilation,
                         ceil_mode=ceil_mode, count_include_pad=count_include_pad, shift=shift, position=position)

    @classmethod
    def example(cls):
        return cls(kind="max", input_size=5, kernel_size=2)

    def declare(self):
        h, w = self._pool.shape
        most = min(self.MAX_SIZE, h, w - 1)
        return dict(
            kind=Choice("kind", "max", KINDS, dropdown=True),
            input_size=Int("input size", 5, 1, most),
            kernel_size=Int("kernel size", 2, 1, self.MAX_KERNEL),
            stride=Int("stride", 2, 1, self.MAX_STRIDE),
            padding=Int("padding", 0, 0, self.MAX_PADDING),
            dilation=Int("dilation", 1, 1, self.MAX_DILATION),
            ceil_mode=Toggle("ceil_mode"),
            count_include_pad=Toggle("count_include_pad", True),
            shift=Toggle("shift input 1 right"),
            position=Int("window position", 0, 0, (most + 1) ** 2 - 1, play=700),
        )

    def check_start(self, v):
        # PyTorch's refusals (padding above half the kernel, a window larger than the padded input), in its words
        pool_geometry(v["input_size"], v["kernel_size"], v["stride"], v["padding"], v["dilation"], v["ceil_mode"])

    def constrain(self):
        c, v = self.controls, self.values()
        n, k, s, p, d = v["input_size"], v["kernel_size"], v["stride"], v["padding"], v["dilation"]
        average = v["kind"] == "average"
        # PyTorch: padding ≤ k // 2, and at least one window: n + 2p + (s − 1 with ceil_mode) ≥ d·(k − 1) + 1
        extra = s - 1 if v["ceil_mode"] else 0
        room = n + 2 * p + extra
        limit(c["input_size"], max(1, d * (k - 1) + 1 - 2 * p - extra), self.declared["input_size"].hi)
        limit(c["kernel_size"], max(1, 2 * p), min(self.MAX_KERNEL, (room - 1) // d + 1))
        limit(c["padding"], max(0, (d * (k - 1) + 1 - n - extra + 1) // 2), min(self.MAX_PADDING, k // 2))
        limit(c["stride"], max(1, d * (k - 1) + 1 - n - 2 * p + 1) if v["ceil_mode"] else 1, self.MAX_STRIDE)
        fits = (room - 1) // (k - 1) if k > 1 else self.MAX_DILATION
        limit(c["dilation"], 1, 1 if average else min(self.MAX_DILATION, fits))  # average pooling has none
        c["dilation"].disabled = average
        # a window larger than the padded input exists only with ceil_mode: then it cannot be turned off
        c["ceil_mode"].disabled = d * (k - 1) + 1 > n + 2 * p
        c["count_include_pad"].disabled = not (average and p > 0)  # it only decides where there is padding
        m = _side(n, k, s, p, c["dilation"].value, v["ceil_mode"])[0]
        limit(c["position"], 0, m * m - 1)

    def pooled(self, x, v):
        """The pooling of x (H, W) with the controls' values, and (max only) where each maximum is."""
        common = dict(kernel_size=v["kernel_size"], stride=v["stride"], padding=v["padding"], ceil_mode=v["ceil_mode"])
        if v["kind"] == "max":
            out, indices = reference.max_pool2d(x[None], dilation=v["dilation"], return_indices=True, **common)
            return out[0], indices[0]
        return reference.avg_pool2d(x[None], count_include_pad=v["count_include_pad"], **common)[0], None

    def compute(self):
        v = self.values()
        n, k, s, p, d = (v[name] for name in ("input_size", "kernel_size", "stride", "padding", "dilation"))
        kind, ceil_mode = v["kind"], v["ceil_mode"]
        m, floor, side, span = _side(n, k, s, p, d, ceil_mode)
        still = self._pool[:n, 1:n + 1]
        x = self._pool[:n, :n] if v["shift"] else still
        out, indices = self.pooled(x, v)
        before = self.pooled(still, v)[0]
        # the padded input every window needs: padding (−∞ for max, 0 for average), then past it nothing
        fill = -np.inf if kind == "max" else 0.0
        padded = np.full((side, side), np.nan)
        padded[:n + 2 * p, :n + 2 * p] = fill
        padded[p:p + n, p:p + n] = x
        tops = np.arange(m) * s  # the windows' first rows (and columns) in the padded input
        if kind == "max":
            counted = None
        else:  # the cells each divisor counts, per axis: [first, stop) in the padded input
            lo, hi = (0, n + 2 * p) if v["count_include_pad"] or not p else (p, n + p)
            counted = np.stack([np.maximum(tops, lo), np.minimum(tops + k, hi)], axis=-1)
        i, j = divmod(v["position"], m)
        rows, cols = tops[i] + np.arange(k) * d, tops[j] + np.arange(k) * d
        window = padded[np.ix_(rows[rows < side], cols[cols < side])]
        return dict(
            kind=kind, input_size=n, kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode,
            count_include_pad=v["count_include_pad"], shift=v["shift"], output_size=m, floor_size=floor,
            padded_size=side, span=span, x=x, padded=padded, output=out, indices=indices, before=before,
            changed=out != before, counted=counted, position=(i, j), window_origin=(tops[i], tops[j]),
            window=window, value=out[i, j], uncovered=max(0, n + 2 * p - ((m - 1) * s + span)),
            hanging=side - (n + 2 * p), params=0, conv_params=k * k,
        )

    def code(self):
        st = self.state
        n, m, common = st["input_size"], st["output_size"], dict(stride=st["stride"], padding=st["padding"])
        if st["kind"] == "max":
            layer = call("nn.MaxPool2d", st["kernel_size"], **common, dilation=st["dilation"],
                         ceil_mode=st["ceil_mode"])
        else:
            layer = call("nn.AvgPool2d", st["kernel_size"], **common, ceil_mode=st["ceil_mode"],
                         count_include_pad=st["count_include_pad"])
        return f"layer = {layer}\nout = layer(torch.randn(1, 1, {n}, {n}))", (1, 1, m, m)

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        st, scene = self.state, self.scene
        n, p, s, m, side = (st[name] for name in ("input_size", "padding", "stride", "output_size", "padded_size"))
        blocks = [side, m] + ([m] if st["shift"] else [])
        gap, height = 2.0, max(blocks)
        lefts = np.cumsum([0.0] + [b + gap for b in blocks[:-1]])
        cell_px = scene.fit(lefts[-1] + blocks[-1], height)
        corners = [(x, (height - b) / 2) for x, b in zip(lefts, blocks, strict=True)]
        scene.clear()
        (xi, yi), (xo, yo) = corners[:2]
        scene.anchor("input", xi, yi), scene.anchor("output", xo, yo)
        numbers = self.draw_input(xi, yi, cell_px)
        # the outputs' numbers no larger than the input's, and the same before and after the shift
        size = min(draw.font_size(cell_px, self.dpi, numbers),
                   draw.font_size(cell_px, self.dpi, [*_labels(st["output"]).ravel(), *_labels(st["before"]).ravel()]))
        positions = np.stack(np.divmod(np.arange(m * m), m)[::-1], axis=-1)  # (column, row) of every window
        with scene.moving(positions * s):
            scene.window(xi, yi, (st["kernel_size"],) * 2, (st["dilation"],) * 2)
        self.draw_winners(xi, yi)
        self.draw_output(st["output"], xo, yo, size)
        with scene.moving(positions):
            scene.box(xo, yo, 1, 1, draw.OUTPUT_COLOR)
        if m > st["floor_size"]:  # the outputs the ceil_mode windows give
            extra = m - st["floor_size"]
            for box in (xo, yo + m - extra, m, extra), (xo + m - extra, yo, extra, m):
                scene.line(draw.outline(draw.rectangle(*box)[0]), draw.UNCOVERED_COLOR, 1.5, dashed=True)
        tr, kind = self.tr_figure, st["kind"]
        pooling = {("max", False): "max pooling {m}×{m}, floor", ("max", True): "max pooling {m}×{m}, ceil",
                   ("average", False): "average pooling {m}×{m}, floor",
                   ("average", True): "average pooling {m}×{m}, ceil"}[kind, st["ceil_mode"]]
        titles = [(tr("input {n}×{n}, shifted 1 right" if st["shift"] else "input {n}×{n}", n=n),
                   tr("padded by {p} with −∞" if kind == "max" else "padded by {p} with zeros", p=p) if p else
                   tr("no padding")),
                  (tr(pooling, m=m), "")]
        if st["shift"]:
            xb, yb = corners[2]
            scene.anchor("before", xb, yb)
            self.draw_output(st["before"], xb, yb, size)
            changed = np.argwhere(st["changed"])
            scene.mark(draw.squares_at(xo + changed[:, 1], yo + changed[:, 0], inset=0.04), CHANGED_COLOR, 2.0)
            titles.append((tr("before the shift"), tr("{changed} of {total} changed (pink)", changed=len(changed),
                                                        total=m * m)))
        scene.text(["→"] + ["vs"] * st["shift"], [(x - gap / 2, height / 2) for x in lefts[1:]], size=14)
        scene.titles(titles, [x + b / 2 for x, b in zip(lefts, blocks, strict=True)])
        scene.text(self.computations(), np.tile((xo + m / 2, draw.TITLE_ROWS[1]), (m * m, 1)), size=10, title=True,
                   shown=np.repeat(np.arange(m * m, dtype=float), 2).reshape(-1, 2))

    def draw_input(self, x0, y0, cell_px):
        """The padded input: the input's cells blue, padding grey, the cells a ceil_mode window hangs
        over white with a dashed orange edge, the rows and columns no window reaches faded. Returns the
        labels (for the font size)."""
        st, scene = self.state, self.scene
        padded, n, p, side = st["padded"], st["input_size"], st["padding"], st["padded_size"]
        inside = np.zeros((side, side), bool)
        inside[p:p + n, p:p + n] = True
        past = np.isnan(padded)
        rgba = draw.cell_colors(np.nan_to_num(padded, nan=0.0, neginf=0.0), "Blues", 0, self._pool.max())
        rgba[~inside] = draw.PAD_COLOR
        rgba[past] = draw.EMPTY_COLOR
        numbers = _labels(np.where(past, 0.0, padded))
        numbers[past] = ""
        grey = np.where(inside[..., None], to_rgba("black"), to_rgba("0.5"))
        scene.stack(rgba[None], (x0, y0), numbers, grey.reshape(-1, 4), draw.font_size(cell_px, self.dpi, numbers))
        if p:
            scene.box(x0 + p, y0 + p, n, n, "0.15", 1.6)
        edge = n + 2 * p
        if st["hanging"]:  # the L of cells past the padded input, under the windows ceil_mode adds
            for strip in (x0 + edge, y0, side - edge, side), (x0, y0 + edge, edge, side - edge):
                scene.line(draw.outline(draw.rectangle(*strip)[0]), draw.UNCOVERED_COLOR, 1.5, dashed=True)
        left = st["uncovered"]
        for box in (x0, y0 + edge - left, edge, left), (x0 + edge - left, y0, left, edge):
            if left:
                scene.fill(draw.rectangle(*box), draw.FADE_COLOR)
                scene.box(*box, draw.UNCOVERED_COLOR, 1.5)
        return numbers

    def draw_winners(self, x0, y0):
        """Per window, shown at its position only: the cell its maximum came from, or the cells its
        average divides by, framed green."""
        st, m, p = self.state, self.state["output_size"], self.state["padding"]
        at = np.repeat(np.arange(m * m, dtype=float), 2).reshape(-1, 2)
        if st["kind"] == "max":
            n, real = st["input_size"], np.isfinite(st["output"]).ravel()  # a window of padding only has none
            rows, cols = np.divmod(st["indices"].ravel(), n)
            self.scene.mark(draw.squares_at(x0 + cols[real] + p, y0 + rows[real] + p, inset=0.16), draw.OUTPUT_COLOR,
                            2.0, shown=at[real])
            return
        first, stop = st["counted"][:, 0], st["counted"][:, 1]
        r, c = np.divmod(np.arange(m * m), m)
        out = 0.05  # just outside the window's red taps where every tap counts
        boxes = [draw.rectangle(x0 + first[b] - out, y0 + first[a] - out, stop[b] - first[b] + 2 * out,
                                stop[a] - first[a] + 2 * out)[0] for a, b in zip(r, c, strict=True)]
        self.scene.mark(np.array(boxes), draw.OUTPUT_COLOR, 2.0, shown=at)

    def draw_output(self, values, x0, y0, size):
        """An output block, −∞ (a window of padding only) grey."""
        finite = np.where(np.isfinite(values), values, 0.0)
        rgba = draw.cell_colors(finite, "Purples", 0, self._pool.max())
        rgba[~np.isfinite(values)] = draw.PAD_COLOR
        numbers = _labels(values)
        self.scene.stack(rgba[None], (x0, y0), numbers, size=size)

    def computations(self):
        """Per window, the short sum the title shows: 'out[0, 1] = max of 4 = 9', '… = 17 ÷ 4 = 4.2'."""
        st, m = self.state, self.state["output_size"]
        out = st["output"].ravel()
        if st["kind"] == "max":
            return [f"out[{a}, {b}] = max = {_labels(np.array(v))}" for (a, b), v in
                    zip(np.ndindex(m, m), out, strict=True)]
        sums, divisors = self.sums_and_divisors()
        return [f"out[{a}, {b}] = {t:g} ÷ {q} = {v:.3g}" for (a, b), t, q, v in
                zip(np.ndindex(m, m), sums.ravel(), divisors.ravel(), out, strict=True)]

    def sums_and_divisors(self):
        """Average pooling: each window's sum and divisor (m, m)."""
        st = self.state
        counted = st["counted"]
        sizes = counted[:, 1] - counted[:, 0]
        divisors = sizes[:, None] * sizes[None, :]
        return st["output"] * divisors, divisors

    def describe(self):
        st = self.state
        n, k, s, p, d, m = (st[name] for name in ("input_size", "kernel_size", "stride", "padding", "dilation",
                                                  "output_size"))
        (i, j), (top, left), tr = st["position"], st["window_origin"], self.tr
        lines = [_formula(tr, n, k, s, p, d, st["ceil_mode"], st["kind"], st["floor_size"], m)]
        if s == k:
            lines.append(tr("stride {s} = the kernel size: PyTorch's default (stride=None)", s=s))
        lines.append(tr("window ({i}, {j}) reads rows {top}…{bottom} and columns {left}…{right} of the padded input, "
                        "taps {d} apart" if d > 1 else
                        "window ({i}, {j}) reads rows {top}…{bottom} and columns {left}…{right} of the padded input",
                        i=i, j=j, top=top, bottom=top + d * (k - 1), left=left, right=left + d * (k - 1), d=d))
        window = st["window"]
        shown = window[~np.isnan(window)]
        terms = ", ".join(MINUS_INF if np.isneginf(t) else f"{t:g}" for t in shown.ravel())
        if st["kind"] == "max":
            value = st["value"]
            if np.isneginf(value):
                lines.append(tr("out[{i}, {j}] = max({terms}) = {inf}: this window reads padding only", i=i, j=j,
                                terms=terms, inf=MINUS_INF))
            else:
                r, c = divmod(int(st["indices"][i, j]), n)
                lines.append(tr("out[{i}, {j}] = max({terms}) = <b>{value:g}</b>, at input row {r}, column {c} "
                                "(return_indices: {r}·{n} + {c} = {index}; framed green)", i=i, j=j, terms=terms,
                                value=value, r=r, c=c, n=n, index=st["indices"][i, j]))
        else:
            sums, divisors = self.sums_and_divisors()
            q = divisors[i, j]
            which = tr("the window's cells inside the padded input (count_include_pad=True: padding zeros count)"
                       if st["count_include_pad"] or not p else "the window's cells inside the input "
                       "(count_include_pad=False: padding does not count)")
            past = tr(" — never the part hanging past the padding") if np.isnan(window).any() else ""
            lines.append(tr("out[{i}, {j}] = ({terms}) / {q} = <b>{value:.4g}</b>; divisor {q}: {which}{past} (framed "
                            "green)", i=i, j=j, terms=" + ".join(terms.split(", ")), q=q, value=st["value"],
                            which=which, past=past))
        if st["shift"]:
            lines.append(tr("input shifted one column right: {changed} of {total} outputs changed (pink) — pooling is "
                            "not invariant to a one-pixel shift", changed=int(st["changed"].sum()), total=m * m))
        lines.append(tr("params {params}: pooling learns nothing (a {k}×{k} strided convolution doing the same "
                        "downsampling learns {conv} per input–output channel pair)", params=st["params"], k=k,
                        conv=st["conv_params"]))
        return lines
