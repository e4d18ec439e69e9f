"""The 1-D convolution explorer (notebook 10): a signal as a row of cells under a stack of up to four
1-D convolutions (causal or padded, a dilation each), and the tree of paths from one output back to
the inputs that feed it, counted at every node as in the dilation coverage map."""

import math

import numpy as np
from matplotlib.colors import to_rgba

from convlab import draw
from convlab.explorers.base import Explorer, Int, Toggle, as_pool, call, freeze, limit
from convlab.receptive import receptive_field

__all__ = ["Conv1dExplorer"]

MAX_LAYERS = 4
ROW_GAP = 1.6  # cells from one row's top to the next row's top
PATH_CMAP = "Oranges"
DILATION_LABELS = ("layer 1 dilation", "layer 2 dilation", "layer 3 dilation", "layer 4 dilation")  # one per layer


def _layer_pads(causal, kernel_size, dilation, padding):
    """(left, right) zeros a layer adds: causal, all on the left (dilation·(k − 1)); else `padding` each side."""
    return (dilation * (kernel_size - 1), 0) if causal else (padding, padding)


def _rows(length, kernel_size, stride, pads, dilations):
    """Per row (the input, then each layer's output): its length, the time (input sample) of its cell 0
    and the time between neighbouring cells. An output sits above the last input it reads."""
    rows = [(length, 0, 1)]
    for (left, right), d in zip(pads, dilations, strict=True):
        n, start, jump = rows[-1]
        out = (n + left + right - d * (kernel_size - 1) - 1) // stride + 1
        rows.append((out, start + (d * (kernel_size - 1) - left) * jump, jump * stride))
    return rows


def _paths(rows, kernel_size, stride, pads, dilations, position):
    """Path counts from output `position` of the last row down to every cell of every row: the last row as
    it is, each other row padded by the layer that reads it (padding cells get counts, but no path goes on
    from a zero). Also the edges (row above, its cell, the padded cell below it reads)."""
    top = np.zeros(rows[-1][0], np.int64)
    top[position] = 1
    counts, edges = {len(rows) - 1: top}, []
    for r in range(len(rows) - 1, 0, -1):
        (left, right), d = pads[r - 1], dilations[r - 1]
        nodes = counts[r] if r == len(rows) - 1 else counts[r][pads[r][0]:pads[r][0] + rows[r][0]]
        below = np.zeros(left + rows[r - 1][0] + right, np.int64)
        for i in np.flatnonzero(nodes):
            for j in range(kernel_size):
                tap = i * stride + j * d  # in the padded row below
                below[tap] += nodes[i]
                edges.append((r, int(i), tap))
        counts[r - 1] = below
    return [counts[r] for r in range(len(rows))], edges


class Conv1dExplorer(Explorer):
    """A stack of 1-D convolutions (one channel, kernels of ones: each number is a count of paths).

    Starting values are keyword arguments: `length` (of the signal), `kernel_size`, `stride` (every
    layer), `padding` (zeros on each side of every layer's input; unused when `causal`), `causal` (pad
    dilation·(k − 1) zeros on the left only: output t reads inputs up to t), `layers` and `dilations`
    (a tuple, one per layer, e.g. (1, 2, 4, 8)), and `position` (the last layer's output whose paths are
    drawn). Pass `x` (a 1-D array) to show your own signal; otherwise small random integers are used.
    """

    MAX_LENGTH, MAX_KERNEL, MAX_STRIDE, MAX_PADDING, MAX_DILATION = 24, 4, 2, 3, 8
    rows = [["length", "kernel_size", "stride"], ["padding", "causal", "layers"],
            ["dilation_1", "dilation_2", "dilation_3"], ["dilation_4", "position"]]

    def __init__(self, length=16, kernel_size=2, stride=1, padding=0, causal=True, dilations=(1, 2, 4, 8),
                 layers=None, position=None, x=None, seed=0):
        if x is None:
            signal = np.random.default_rng(seed).integers(0, 10, self.MAX_LENGTH)
        else:
            signal = as_pool(np.atleast_2d(x), 2, "x")
            if signal.shape[0] != 1:
                raise ValueError(f"x must be a 1-D signal, got shape {np.shape(x)}")
            signal = signal[0]
        self._x = signal
        if isinstance(dilations, (str, bytes)) or not hasattr(dilations, "__len__") \
                or not 1 <= len(dilations) <= MAX_LAYERS:
            raise ValueError(f"dilations must hold 1 to {MAX_LAYERS} values, got {dilations!r}")
        stack = {f"dilation_{i + 1}": d for i, d in enumerate((*dilations, *(1,) * (MAX_LAYERS - len(dilations))))}
        start = dict(length=length, kernel_size=kernel_size, stride=stride, padding=padding, causal=causal,
                     layers=len(dilations) if layers is None else layers, **stack)
        if position is not None:
            start["position"] = position
        elif causal is True and stride == 1:
            start["position"] = length - 1 if isinstance(length, int) else 0  # the newest output, at first
        super().__init__(**start)

    @classmethod
    def example(cls):
        return cls(length=16, kernel_size=2, dilations=(1, 2, 4, 8))

    def declare(self):
        most = min(self.MAX_LENGTH, len(self._x))
        return dict(
            length=Int("input length", 16, 1, most),
            kernel_size=Int("kernel size", 2, 1, self.MAX_KERNEL),
            stride=Int("stride", 1, 1, self.MAX_STRIDE),
            padding=Int("padding", 0, 0, self.MAX_PADDING),
            causal=Toggle("causal (pad left)", True),
            layers=Int("layers", 4, 1, MAX_LAYERS),
            **{f"dilation_{i + 1}": Int(DILATION_LABELS[i], 1, 1, self.MAX_DILATION, argument="dilations")
               for i in range(MAX_LAYERS)},
            position=Int("output position", 0, 0, most + 2 * self.MAX_PADDING * MAX_LAYERS - 1, play=600),
        )

    def stack(self, v=None):
        """The layers in use: their (left, right) paddings and dilations."""
        v = v or self.values()
        dilations = [v[f"dilation_{i + 1}"] for i in range(v["layers"])]
        pads = [_layer_pads(v["causal"], v["kernel_size"], d, v["padding"]) for d in dilations]
        return pads, dilations

    def check_start(self, v):
        rows = _rows(v["length"], v["kernel_size"], v["stride"], *self.stack(v))
        if min(n for n, _, _ in rows) < 1:
            raise ValueError(f"length={v['length']!r} is too short for this stack: a layer's kernel (dilation·"
                             f"(kernel_size − 1) + 1 samples) would not fit in its padded input")

    def constrain(self):
        c, v = self.controls, self.values()
        layers = v["layers"]
        for i in range(MAX_LAYERS):  # a layer that is not in the stack keeps its dilation, frozen
            freeze(c[f"dilation_{i + 1}"], i >= layers, 1, self.MAX_DILATION)
        freeze(c["padding"], v["causal"], 0, self.MAX_PADDING)  # causal: the padding is dilation·(k − 1), on the left
        # a causal stack always fits (every row keeps its length at stride 1); without it, the rows shrink: turned
        # off, the padding becomes the least that keeps every row, and where none does, causal stays on
        paddings = [p for p in range(self.MAX_PADDING + 1) if self.fits({**v, "causal": False, "padding": p})]
        c["causal"].disabled = v["causal"] and not paddings
        if not v["causal"] and not self.fits(v):
            limit(c["padding"], paddings[0], paddings[0])
        # each layer's kernel must fit in its padded input: the controls stop where a row would vanish
        # (each fits for a range of values: a longer input, a smaller kernel, stride or dilation, more padding
        # or fewer layers never make a row vanish)
        for name in ("length", "kernel_size", "stride", "padding", "layers",
                     *(f"dilation_{i + 1}" for i in range(layers))):
            if not c[name].disabled:
                spec = self.declared[name]
                fits = [n for n in range(spec.lo, spec.hi + 1) if self.fits({**self.values(), name: n})]
                limit(c[name], fits[0], fits[-1])
        rows = _rows(v["length"], c["kernel_size"].value, c["stride"].value, *self.stack())
        limit(c["position"], 0, rows[-1][0] - 1)

    def fits(self, v):
        return min(n for n, _, _ in _rows(v["length"], v["kernel_size"], v["stride"], *self.stack(v))) >= 1

    def compute(self):
        v = self.values()
        n, k, s = v["length"], v["kernel_size"], v["stride"]
        pads, dilations = self.stack()
        rows = _rows(n, k, s, pads, dilations)
        position = v["position"]
        counts, edges = _paths(rows, k, s, pads, dilations, position)
        fields = receptive_field([(k, s, 0, d) for d in dilations])
        inputs = counts[0][pads[0][0]:pads[0][0] + n]
        fed = np.flatnonzero(inputs)
        reach = fields[-1].size
        plain_layers = math.ceil((reach - 1) / (k - 1)) if k > 1 else 1
        return dict(
            length=n, kernel_size=k, stride=s, padding=v["padding"], causal=v["causal"], layers=len(dilations),
            dilations=tuple(dilations), pads=tuple(pads), rows=tuple(rows),
            output_lengths=tuple(r[0] for r in rows[1:]),
            position=position, time=rows[-1][1] + position * rows[-1][2], counts=counts, edges=edges,
            x=self._x[:n], paths=inputs, fed=(int(fed.min()), int(fed.max())) if fed.size else None,
            holes=int((inputs[fed.min():fed.max() + 1] == 0).sum()) if fed.size else 0,
            receptive_field=reach, params=k * len(dilations), plain_layers=plain_layers, plain_params=k * plain_layers,
        )

    def code(self):
        st = self.state
        layers = [f"nn.ConstantPad1d({pad}, 0.0), " + call("nn.Conv1d", 1, 1, st["kernel_size"], stride=st["stride"],
                                                          dilation=d, bias=False)
                  for pad, d in zip(st["pads"], st["dilations"], strict=True)]
        body = ",\n    ".join(layers)
        return (f"stack = nn.Sequential(\n    {body})\nout = stack(torch.randn(1, 1, {st['length']}))",
                (1, 1, st["output_lengths"][-1]))

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        st, scene = self.state, self.scene
        rows, pads, k = st["rows"], st["pads"], st["kernel_size"]
        # x of a padded row's cell: its time; the padding of layer l's input comes from layer l
        spans = [(start - pads[r][0] * jump if r < len(pads) else start,
                  start + (n - 1 + (pads[r][1] if r < len(pads) else 0)) * jump) for r, (n, start, jump) in
                 enumerate(rows)]
        low, high = min(a for a, _ in spans), max(b for _, b in spans)
        label_w = 4.0  # room on the left for the row names
        width, height = high - low + 1 + label_w, ROW_GAP * (len(rows) + 1)
        cell_px = scene.fit(width, height)
        scene.clear()
        x0 = label_w - low
        top_of = {r: ROW_GAP * (len(rows) - 1 - r) for r in range(len(rows))}  # the last layer on top
        paths_y = ROW_GAP * len(rows)
        most = max(int(c.max()) for c in st["counts"])
        size = draw.font_size(cell_px, self.dpi, [str(most), "00"])
        for r, (n, start, jump) in enumerate(rows):
            left, right = pads[r] if r < len(pads) else (0, 0)
            cells = np.arange(-left, n + right)
            xs = x0 + start + cells * jump
            counts = st["counts"][r]
            real = (cells >= 0) & (cells < n)
            y = top_of[r]
            scene.anchor(f"row {r}", xs[0], y)  # its first (padding) cell; cells `jump` apart
            if r == 0:  # the signal itself: its values, coloured blue; the path counts go in a row below
                values = np.zeros(len(cells))
                values[real] = st["x"]
                rgba = draw.cell_colors(values, "Blues", 0, self._x.max())
                rgba[~real] = draw.PAD_COLOR
                numbers = np.where(real, draw.labels(values.astype(int)), "0")
                self.cells(xs, y, rgba, numbers, self.grey_outside(real), size)
                self.path_row(xs, paths_y, counts, real, most, size)
                scene.anchor("paths", xs[0], paths_y)
            else:
                self.path_row(xs, y, counts, real, most, size)
            if r == len(rows) - 1:
                scene.box(xs[st["position"]], y, 1, 1, draw.OUTPUT_COLOR)
        # the paths: from each node of the tree down to the taps it reads
        segments = []
        for r, i, tap in st["edges"]:
            n, start, jump = rows[r]
            below_n, below_start, below_jump = rows[r - 1]
            left = pads[r - 1][0]
            upper = (x0 + start + i * jump + 0.5, top_of[r] + 1.0)
            lower = (x0 + below_start + (tap - left) * below_jump + 0.5, top_of[r - 1])
            segments.append((upper, lower))
        scene.line(np.array(segments).reshape(-1, 2, 2), draw.WINDOW_COLOR, 1.2)
        tr = self.tr_figure
        names = [(tr("input") if r == 0 else tr("layer {r}", r=r), r) for r in range(len(rows))]
        scene.text([name for name, _ in names], [(label_w / 2, top_of[r] + 0.5) for _, r in names], size=9)
        scene.text([tr("paths")], [(label_w / 2, paths_y + 0.5)], size=9)
        many = st["layers"] > 1
        if st["causal"]:
            title = ("{n} layers, kernel {k}, stride {s}, causal, dilations {dilations}" if many else
                     "{n} layer, kernel {k}, stride {s}, causal, dilations {dilations}")
        else:
            title = ("{n} layers, kernel {k}, stride {s}, padding {p}, dilations {dilations}" if many else
                     "{n} layer, kernel {k}, stride {s}, padding {p}, dilations {dilations}")
        scene.titles([(tr(title, n=st["layers"], k=k, s=st["stride"], p=st["padding"],
                          dilations=", ".join(map(str, st["dilations"]))),
                       tr("output {position} of layer {layers} (green) and every path back to the input (counted)",
                          position=st["position"], layers=st["layers"]))], [width / 2])

    def cells(self, xs, y, rgba, numbers, number_colors, size):
        """A row of unit cells with their left edges at `xs`, top at `y`."""
        squares = draw.squares_at(xs, np.full(len(xs), y))
        self.scene.fill(squares, rgba.reshape(-1, 4), draw.EDGE_COLOR, 0.6)
        tint = number_colors if isinstance(number_colors, str) else np.reshape(number_colors, (-1, 4))
        self.scene.text(list(np.ravel(numbers)), np.stack([xs + 0.5, np.full(len(xs), y + 0.5)], axis=-1), tint,
                        size, fit=0.9)

    @staticmethod
    def grey_outside(real):
        """Number colours: black on real cells, grey on padding."""
        return np.where(real[:, None], to_rgba("black"), to_rgba("0.5"))

    def path_row(self, xs, y, counts, real, most, size):
        """A row of path counts (blank where none): orange on real cells, grey on padding, where a path ends
        on a zero."""
        rgba = draw.cell_colors(counts, PATH_CMAP, 0, most, span=(0.1, 0.7))
        rgba[counts == 0] = draw.EMPTY_COLOR
        rgba[~real] = draw.PAD_COLOR
        self.cells(xs, y, rgba, np.where(counts > 0, draw.labels(counts), ""), self.grey_outside(real), size)

    def describe(self):
        st = self.state
        k, s, rows, tr = st["kernel_size"], st["stride"], st["rows"], self.tr
        lines = []
        for layer, ((left, right), d) in enumerate(zip(st["pads"], st["dilations"], strict=True), start=1):
            n, out = rows[layer - 1][0], rows[layer][0]
            lines.append(tr("layer {layer}: ⌊({n} + {left} + {right} − {d}·({k} − 1) − 1) / {s}⌋ + 1 = <b>{out}</b> "
                            "&nbsp;(padding {left} left, {right} right; dilation {d})", layer=layer, n=n, left=left,
                            right=right, d=d, k=k, s=s, out=out))
        if st["fed"] is None:
            lines.append(tr("output {position} of layer {layers} reads padding only", position=st["position"],
                            layers=st["layers"]))
        else:
            first, last = st["fed"]
            lines.append(tr("output {position} of layer {layers} is fed by inputs {first}…{last}",
                            position=st["position"], layers=st["layers"], first=first, last=last)
                         + (tr(" — none after input {time}: causal", time=st["time"]) if st["causal"] else "")
                         + (tr("; {holes} of them never reached (holes)", holes=st["holes"]) if st["holes"] else ""))
        terms = " + ".join(f"{d}·{jump}" if jump > 1 else f"{d}" for d, (_, _, jump) in
                           zip(st["dilations"], rows, strict=False))
        lines.append(tr("receptive field = 1 + (k − 1)·(dilation × jump, summed over the layers) = 1 + {k1}·({terms}) "
                        "= <b>{field}</b> (of a unit away from the edges)", k1=k - 1, terms=terms,
                        field=st["receptive_field"]))
        lines.append(tr("parameters {params} ({layers} kernels of {k}, one channel, no bias); an undilated stack of "
                        "stride 1 with the same reach needs {plain} layers: {plain_params} parameters",
                        params=st["params"], layers=st["layers"], k=k, plain=st["plain_layers"],
                        plain_params=st["plain_params"]))
        return lines
