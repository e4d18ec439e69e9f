"""The padding-conventions explorer (notebook 10): one 1-D input padded four ways — PyTorch's
padding="same", TensorFlow's SAME, the common k // 2, and "valid" — with the padding cells on each
side, the first and the last window, the output size, and why a convention is unavailable."""

import numpy as np
from matplotlib.colors import to_rgba

from convlab import draw
from convlab.arithmetic import tf_same_padding
from convlab.explorers.base import Explorer, Int

__all__ = ["PaddingExplorer"]

CONVENTIONS = ("PyTorch 'same'", "TensorFlow SAME", "k // 2", "valid")
LAST_COLOR = "#9467bd"  # the last window (the first is red)
INPUT_COLOR = draw.cell_colors(np.array([0.45]), "Blues", 0, 1)[0]  # every input cell (they show their numbers)
ROW_GAP = 1.8
LABEL_W = 9.0  # cells on the left for the conventions' names


def _english(text, **values):
    """`text` in English, its {placeholders} filled in."""
    return text.format(**values)


def conventions(n, k, s, d, tr=_english):
    """Per convention: (left, right) padding, or the reason it is unavailable (said through `tr`: English by
    default)."""
    span = d * (k - 1) + 1
    total = span - 1
    pads = {"PyTorch 'same'": (total // 2, total - total // 2) if s == 1 else
            tr("PyTorch refuses padding='same' with stride {s} (stride 1 only)", s=s),
            "TensorFlow SAME": tf_same_padding(n, k, s, d),
            "k // 2": (k // 2, k // 2),
            "valid": (0, 0)}
    for name, pad in pads.items():
        if not isinstance(pad, str) and n + sum(pad) < span:
            pads[name] = tr("the window ({span} cells) is longer than the padded input ({padded}): refused", span=span,
                            padded=n + sum(pad))
    return pads


def short(reason):
    """The picture's few words (in English) for why a convention is unavailable, from its English reason."""
    return "refused with stride > 1" if "stride" in reason else "window longer than the padded input"


class PaddingExplorer(Explorer):
    """One 1-D input of `input_size` cells, a kernel of `kernel_size` taps `dilation` apart moved by
    `stride`, padded by each of four conventions: the zeros added on each side, the first (red) and
    last (purple) window, and the output size."""

    MAX_SIZE, MAX_KERNEL, MAX_STRIDE, MAX_DILATION = 12, 5, 3, 3

    def __init__(self, input_size=7, kernel_size=4, stride=1, dilation=1):
        super().__init__(input_size=input_size, kernel_size=kernel_size, stride=stride, dilation=dilation)

    @classmethod
    def example(cls):
        return cls(input_size=7, kernel_size=4, stride=1)

    def declare(self):
        return dict(
            input_size=Int("input size", 7, 1, self.MAX_SIZE),
            kernel_size=Int("kernel size", 4, 1, self.MAX_KERNEL),
            stride=Int("stride", 1, 1, self.MAX_STRIDE),
            dilation=Int("dilation", 1, 1, self.MAX_DILATION),
        )

    def compute(self):
        v = self.values()
        n, k, s, d = v["input_size"], v["kernel_size"], v["stride"], v["dilation"]
        span = d * (k - 1) + 1
        pads = conventions(n, k, s, d)
        outputs = {name: (n + sum(pad) - span) // s + 1 for name, pad in pads.items() if not isinstance(pad, str)}
        return dict(input_size=n, kernel_size=k, stride=s, dilation=d, span=span, pads=pads, outputs=outputs,
                    available=tuple(name for name in CONVENTIONS if name in outputs),
                    tf_output=-(-n // s))

    def code(self):
        st = self.state
        n, k, s, d = st["input_size"], st["kernel_size"], st["stride"], st["dilation"]
        lines = [f"x, weight = torch.randn(1, 1, {n}), torch.randn(1, 1, {k})"]
        calls = {"PyTorch 'same'": ("same", "padding='same'"), "k // 2": ("half", f"padding={k // 2}"),
                 "valid": ("valid", "padding='valid'")}
        for name, (variable, padding) in calls.items():
            if not isinstance(st["pads"][name], str):  # what PyTorch refuses is left out
                stride = "" if name == "PyTorch 'same'" else f", stride={s}"
                lines.append(f"{variable} = F.conv1d(x, weight{stride}, {padding}, dilation={d})")
        pad = tuple(st["pads"]["TensorFlow SAME"])
        lines.append(f"out = F.conv1d(F.pad(x, {pad}), weight, stride={s}, dilation={d})  # TensorFlow's SAME")
        return "\n".join(lines), (1, 1, st["outputs"]["TensorFlow SAME"])

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        st, scene = self.state, self.scene
        n, k, s, d, span = (st[name] for name in ("input_size", "kernel_size", "stride", "dilation", "span"))
        usable = [pad for pad in st["pads"].values() if not isinstance(pad, str)]
        most_left = max(left for left, _ in usable)
        most_right = max(right for _, right in usable)
        x_in = LABEL_W + most_left  # input cell 0 sits here in every row
        width = x_in + n + most_right + 6.0  # room for the output size on the right
        cell_px = scene.fit(width, ROW_GAP * len(CONVENTIONS))
        scene.clear()
        size = draw.font_size(cell_px, self.dpi, [str(n - 1)])
        tr = self.tr_figure
        for row, name in enumerate(CONVENTIONS):
            y, pad = row * ROW_GAP, st["pads"][name]
            scene.text([tr(name)], [(LABEL_W / 2, y + 0.5)], size=10)
            if isinstance(pad, str):  # unavailable: the reason, where the row would be
                scene.text([tr("not available: {why}", why=tr(short(pad)))], [(x_in + n / 2, y + 0.5)], "0.35", 10)
                continue
            left, right = pad
            cells = np.arange(-left, n + right)
            inside = (cells >= 0) & (cells < n)
            rgba = np.where(inside[:, None], INPUT_COLOR, draw.PAD_COLOR)
            x0 = x_in - left
            scene.anchor(name, x0, y)
            scene.stack(rgba[None, None], (x0, y), np.where(inside, cells.astype(str), "0")[None],
                        np.where(inside[:, None], to_rgba("black"), to_rgba("0.55")), size=size)
            m = st["outputs"][name]
            scene.window(x0, y, (1, k), (1, d))
            scene.window(x0 + (m - 1) * s, y, (1, k), (1, d), color=LAST_COLOR)
            unread = len(cells) - ((m - 1) * s + span)  # cells after the last window
            if unread:
                box = (x0 + len(cells) - unread, y, unread, 1)
                scene.fill(draw.rectangle(*box), draw.FADE_COLOR)
                scene.box(*box, draw.UNCOVERED_COLOR, 1.5)
            scene.text([tr("{left} + {right} → {m} out", left=left, right=right, m=m)],
                       [(x_in + n + most_right + 3.0, y + 0.5)], size=10)
        scene.titles([(tr("input of {n} cells (numbered), kernel {k}, stride {s}, dilation {d}: span {span}", n=n, k=k,
                          s=s, d=d, span=span),
                       tr("grey: padding · red: first window · purple: last window · orange: never read"))],
                     [width / 2])

    def describe(self):
        st = self.state
        n, s, span, tr = st["input_size"], st["stride"], st["span"], self.tr
        reasons = conventions(n, st["kernel_size"], s, st["dilation"], tr)  # why one is unavailable, said by tr
        lines = []
        for name in CONVENTIONS:
            pad = st["pads"][name]
            if isinstance(pad, str):
                lines.append(tr("{name}: not available — {why}", name=tr(name), why=reasons[name]))
                continue
            left, right = pad
            lines.append(tr("{name}: padding {left} left, {right} right → ⌊({n} + {left} + {right} − {span}) / {s}⌋ "
                            "+ 1 = <b>{m}</b>", name=tr(name), left=left, right=right, n=n, span=span, s=s,
                            m=st["outputs"][name]))
        tf = st["pads"]["TensorFlow SAME"]
        lines.append(tr("TensorFlow SAME aims at ⌈n / stride⌉ = ⌈{n} / {s}⌉ = {outputs} outputs and puts the odd "
                        "padding cell after: total {total} = {left} + {right}", n=n, s=s, outputs=st["tf_output"],
                        total=sum(tf), left=tf[0], right=tf[1]))
        torch_same = st["pads"]["PyTorch 'same'"]
        if not isinstance(torch_same, str):
            lines.append(tr("PyTorch 'same' pads dilation·(k − 1) = {total} in all, the odd cell on the right: the "
                            "same padding as TensorFlow's here" if tuple(torch_same) == tuple(tf) else
                            "PyTorch 'same' pads dilation·(k − 1) = {total} in all, the odd cell on the right: "
                            "different padding as TensorFlow's here", total=span - 1))
        return lines
