"""The group-convolution explorer (notebook 05): which input channels each output channel
reads when the channels are split into groups (from 1, a standard convolution, to one per
input channel, depthwise), the weight tensor's shape, and the parameters and MACs against
a standard convolution; a toggle adds the 1×1 pointwise stage of a depthwise separable pair."""

from math import gcd

import numpy as np
from matplotlib import colormaps

from convlab import draw
from convlab.arithmetic import conv_macs, conv_params
from convlab.explorers.base import Choice, Explorer, Int, Toggle, call, freeze, limit, offer

__all__ = ["GroupConvExplorer", "connections"]

GROUP_COLORS = colormaps["tab10"]


def connections(in_channels, out_channels, groups):
    """The (out_channels, in_channels) 0/1 matrix of which input channels each output channel
    reads: block diagonal, one block per group."""
    rows = np.arange(out_channels)[:, None] // (out_channels // groups)
    cols = np.arange(in_channels)[None, :] // (in_channels // groups)
    return (rows == cols).astype(int)


def nodes(x, top, n):
    """Corners of n channel boxes (0.8 cells wide) stacked downward from (x, top)."""
    return np.concatenate([draw.rectangle(x, top + i + 0.1, 0.8, 0.8) for i in range(n)])


def divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


class GroupConvExplorer(Explorer):
    """Channels split into groups. Starting values: `in_channels`, `out_channels` (up to
    16), `groups` (a common divisor of both), `kernel_size`, `input_size` (the side of the
    feature map, for MACs), `pointwise` (add a 1×1 stage) and `pointwise_out` (its output
    channels)."""

    MAX_CHANNELS, MAX_KERNEL, MAX_SIZE = 16, 7, 64

    def __init__(self, in_channels=6, out_channels=6, groups=2, kernel_size=3, input_size=32, pointwise=False,
                 pointwise_out=None):
        super().__init__(in_channels=in_channels, out_channels=out_channels, groups=groups, kernel_size=kernel_size,
                         input_size=input_size, pointwise=pointwise,
                         pointwise_out=out_channels if pointwise_out is None else pointwise_out)

    @classmethod
    def example(cls):
        return cls(in_channels=6, out_channels=6, groups=3, kernel_size=3, input_size=8)

    def declare(self):
        m = self.MAX_CHANNELS
        return dict(
            in_channels=Int("in_channels", 6, 1, m),
            out_channels=Int("out_channels", 6, 1, m),
            groups=Choice("groups", 2, tuple(range(1, m + 1))),
            kernel_size=Int("kernel size", 3, 1, self.MAX_KERNEL),
            input_size=Int("map side", 32, 1, self.MAX_SIZE),
            pointwise=Toggle("+ 1×1 pointwise stage"),
            pointwise_out=Int("pointwise out", 6, 1, m),
        )

    def check_start(self, v):
        allowed = divisors(gcd(v["in_channels"], v["out_channels"]))
        if v["groups"] not in allowed:
            raise ValueError(f"groups must divide in_channels={v['in_channels']} and out_channels="
                             f"{v['out_channels']} (as in PyTorch): one of {allowed}, got {v['groups']!r}")

    def constrain(self):
        c, v = self.controls, self.values()
        g, m = v["groups"], self.MAX_CHANNELS
        for name in ("in_channels", "out_channels"):  # only multiples of the groups
            limit(c[name], g, m - m % g, step=g)
        offer(c["groups"], divisors(gcd(c["in_channels"].value, c["out_channels"].value)))
        freeze(c["pointwise_out"], not v["pointwise"], 1, m)

    def compute(self):
        v = self.values()
        c_in, c_out, g, k, n = v["in_channels"], v["out_channels"], v["groups"], v["kernel_size"], v["input_size"]
        final = v["pointwise_out"] if v["pointwise"] else c_out
        params = conv_params(c_in, c_out, k, groups=g, bias=False)
        macs = conv_macs(c_in, c_out, k, n, groups=g)
        if v["pointwise"]:
            params += conv_params(c_out, final, 1, bias=False)
            macs += conv_macs(c_out, final, 1, n)
        standard_params, standard_macs = conv_params(c_in, final, k, bias=False), conv_macs(c_in, final, k, n)
        return dict(
            in_channels=c_in, out_channels=c_out, groups=g, kernel_size=k, input_size=n, pointwise=v["pointwise"],
            final_channels=final, weight_shape=(c_out, c_in // g, k, k), connections=connections(c_in, c_out, g),
            depthwise=g == c_in, multiplier=c_out // c_in if g == c_in else None,
            params=params, macs=macs, standard_params=standard_params, standard_macs=standard_macs,
            ratio=params / standard_params,
        )

    def code(self):
        st = self.state
        c_in, c_out, n, k = st["in_channels"], st["out_channels"], st["input_size"], st["kernel_size"]
        layer = call("nn.Conv2d", c_in, c_out, kernel_size=k, padding="same", groups=st["groups"], bias=False)
        if st["pointwise"]:
            layer = f"nn.Sequential({layer}, {call('nn.Conv2d', c_out, st['final_channels'], 1, bias=False)})"
        return f"layer = {layer}\nout = layer(torch.randn(1, {c_in}, {n}, {n}))", (1, st["final_channels"], n, n)

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        st, scene = self.state, self.scene
        c_in, c_out, g, final = st["in_channels"], st["out_channels"], st["groups"], st["final_channels"]
        columns = [c_in, c_out] + ([final] if st["pointwise"] else [])
        height = float(max(columns))
        xs = [0.0, 7.0, 14.0][: len(columns)]
        matrix_x, cell = xs[-1] + 6.0, min(1.0, height / max(c_out, c_in))
        width = matrix_x + c_in * cell
        scene.fit(width, height)
        scene.clear()
        colors = np.array([GROUP_COLORS(i % 10) for i in range(g)])
        tops = [(height - n) / 2 for n in columns]

        # lines first (under the nodes): each output channel to the input channels of its group
        o, c = np.nonzero(st["connections"])
        for group in range(g):
            pick = o // (c_out // g) == group
            segments = np.stack([np.stack([np.full(pick.sum(), xs[0] + 0.8), tops[0] + c[pick] + 0.5], -1),
                                 np.stack([np.full(pick.sum(), xs[1]), tops[1] + o[pick] + 0.5], -1)], axis=1)
            scene.line(segments, colors[group], 1.0)
        if st["pointwise"]:  # the 1×1 stage connects everything to everything
            a, b = np.meshgrid(np.arange(c_out), np.arange(final), indexing="ij")
            segments = np.stack([np.stack([np.full(a.size, xs[1] + 0.8), tops[1] + a.ravel() + 0.5], -1),
                                 np.stack([np.full(a.size, xs[2]), tops[2] + b.ravel() + 0.5], -1)], axis=1)
            scene.line(segments, "0.55", 0.6)

        # the channels as nodes, coloured by group
        for x, top, n, per in ((xs[0], tops[0], c_in, c_in // g), (xs[1], tops[1], c_out, c_out // g)):
            scene.fill(nodes(x, top, n), colors[np.arange(n) // per], draw.EDGE_COLOR, 0.6)
        if st["pointwise"]:
            scene.fill(nodes(xs[2], tops[2], final), "0.85", draw.EDGE_COLOR, 0.6)

        # the connection matrix: rows are output channels, columns input channels
        my = scene.anchor("matrix", matrix_x, (height - c_out * cell) / 2, cell)[1]
        rgba = np.where(st["connections"][..., None] > 0, colors[np.arange(c_out) // (c_out // g)][:, None, :],
                        draw.EMPTY_COLOR)
        rgba[..., 3] = 1.0
        scene.fill(draw.squares(c_out, c_in) * cell + (matrix_x, my), rgba.reshape(-1, 4), draw.EDGE_COLOR, 0.5)

        tr, n, k = self.tr_figure, st["input_size"], st["kernel_size"]
        kind = (tr("depthwise, {k}×{k}", k=k) if st["depthwise"] else tr("standard, {k}×{k}", k=k) if g == 1 else
                tr("{g} groups, {k}×{k}", g=g, k=k))
        titles = [(tr("{c} input channels", c=c_in), tr("of {n}×{n} pixels", n=n)),
                  (tr("{c} output channels", c=c_out), kind),
                  (tr("connections (out × in)"), tr("{used} of {total} used", used=int(st["connections"].sum()),
                                                     total=c_out * c_in))]
        centres = [xs[0] + 0.4, xs[1] + 0.4, matrix_x + c_in * cell / 2]
        if st["pointwise"]:
            titles.insert(2, (tr("{c} channels", c=final), tr("1×1 pointwise")))
            centres.insert(2, xs[2] + 0.4)
        scene.titles(titles, centres)

    def describe(self):
        st = self.state
        c_in, c_out, g, k, n = (st[key] for key in ("in_channels", "out_channels", "groups", "kernel_size",
                                                     "input_size"))
        tr = self.tr
        lines = [tr("weight shape (out, in/groups, k, k) = <b>{shape}</b>; each group: {c_in} input → {c_out} output "
                    "channels", shape=st["weight_shape"], c_in=c_in // g, c_out=c_out // g)]
        grouped = conv_params(c_in, c_out, k, groups=g, bias=False)
        lines.append(tr("grouped {k}×{k}: params {c_out}·{per}·{k}·{k} = {params:,}; MACs ×{n}·{n} = {macs:,} "
                        "(a standard conv {c_in}→{c_out}: ÷{g})", k=k, c_out=c_out, per=c_in // g, params=grouped,
                        n=n, macs=conv_macs(c_in, c_out, k, n, groups=g), c_in=c_in, g=g))
        if st["depthwise"]:
            lines.append(tr("depthwise: one {k}×{k} kernel per input channel, depth multiplier {m}", k=k,
                            m=st["multiplier"]) if st["multiplier"] > 1 else
                         tr("depthwise: one {k}×{k} kernel per input channel", k=k))
        if st["pointwise"]:
            final = st["final_channels"]
            lines.append(tr("+ 1×1 pointwise {c_in}→{c_out}: params {params:,}; total {total:,} params, {macs:,} MACs",
                            c_in=c_out, c_out=final, params=conv_params(c_out, final, 1, bias=False),
                            total=st["params"], macs=st["macs"]))
        lines.append(tr("standard {k}×{k} conv {c_in}→{c_out}: {params:,} params, {macs:,} MACs → this is "
                        "<b>{ratio:.4f}</b>× of it", k=k, c_in=c_in, c_out=st["final_channels"],
                        params=st["standard_params"], macs=st["standard_macs"], ratio=st["ratio"]))
        if st["pointwise"] and st["depthwise"] and st["multiplier"] == 1:
            lines.append(f"1/C_out + 1/k² = 1/{st['final_channels']} + 1/{k * k} = "
                         f"{1 / st['final_channels'] + 1 / k ** 2:.4f}")
        return lines
