"""Block diagrams of real modules: one box per layer (a convolution with its batch norm and
activation), labelled with the shape, parameters and multiply–accumulates measured by a forward
pass; parallel branches side by side and concatenated, shortcuts drawn beside the main path.

    blocks(module, (C, H, W))          # the tree of boxes, with every number (for tests and tables)
    block_diagram(module, (C, H, W))   # the same tree drawn as a matplotlib Figure

A module is read by what it holds: `branches` (an nn.ModuleList whose outputs are concatenated,
like `convlab.models.Inception`), `main_path` and `shortcut` (a residual block, like
`models.Bottleneck` and `models.InvertedResidual`), an nn.Sequential (layers in a row), or a
single layer. Nothing in a box is typed by hand.
"""

from dataclasses import dataclass, field

import numpy as np
import torch
from matplotlib.patches import Circle, FancyBboxPatch
from torch import nn

from convlab.arithmetic import conv_macs
from convlab.figures import Picture

__all__ = ["Box", "Row", "Branches", "Residual", "blocks", "block_diagram"]

FOLLOWERS = (nn.BatchNorm2d, nn.ReLU, nn.ReLU6)  # drawn in the box of the layer before them
COLORS = {"conv": "#deebf7", "depthwise": "#e5f5e0", "pool": "#fee6ce", "shortcut": "#f2f2f2", "input": "white",
          "concat": "#efedf5", "sum": "#efedf5"}


@dataclass
class Box:
    """One layer (with the batch norm and activation after it): what it is, its output shape
    (C, H, W), its learnable numbers and its MACs."""
    label: str
    shape: tuple
    params: int = 0
    macs: int = 0
    kind: str = "conv"

    def boxes(self):
        return [self]


@dataclass
class Row:
    """Parts applied one after the other."""
    parts: list

    def boxes(self):
        return [box for part in self.parts for box in part.boxes()]


@dataclass
class Branches:
    """Parts applied to the same input, their outputs concatenated along the channels (`join`)."""
    parts: list
    join: Box = None

    def boxes(self):
        return [box for part in self.parts for box in part.boxes()] + [self.join]


@dataclass
class Residual:
    """A main path and a shortcut (a part, or None for the input itself), added; `after` is what
    is applied to the sum (a ReLU) or None."""
    main: Row
    shortcut: object = None
    after: str = None
    shape: tuple = field(default=())

    def boxes(self):
        return self.main.boxes() + ([] if self.shortcut is None else self.shortcut.boxes())


def blocks(module, input_shape):
    """The tree of `Box`es of `module` on an input of shape (C, H, W), with each box's output
    shape, parameters and MACs measured from the real layers (a forward pass with hooks)."""
    shapes = _output_shapes(module, input_shape)
    tree = _read(module, shapes)
    return Row([Box(f"input {_shape(input_shape)}", tuple(input_shape), kind="input"), tree])


def _output_shapes(module, input_shape):
    """id(layer) → (C, H, W) of its output, for every layer of `module`, by one forward pass (on the
    device of the module's weights: on "meta", shapes only)."""
    shapes, hooks, tensors = {}, [], [*module.parameters(), *module.buffers()]
    for layer in module.modules():
        def record(layer_, inputs, output):
            shapes.setdefault(id(layer_), tuple(output.shape[1:]))  # first call: reused ReLUs keep the first
        hooks.append(layer.register_forward_hook(record))
    was_training = module.training
    try:
        with torch.no_grad():
            module.eval()(torch.zeros(1, *input_shape, device=tensors[0].device if tensors else None))
    finally:
        module.train(was_training)
        for hook in hooks:
            hook.remove()
    return shapes


def _read(module, shapes):
    if hasattr(module, "branches"):
        parts = [_read(branch, shapes) for branch in module.branches]
        return Branches(parts, Box("concatenate along channels", shapes[id(module)], kind="concat"))
    if hasattr(module, "main_path"):
        main = _row(module.main_path, shapes)
        shortcut = module.shortcut
        side = None if shortcut is None else (
            Box("identity", (), kind="shortcut") if isinstance(shortcut, nn.Identity) else _row(list(shortcut), shapes))
        for box in [] if side is None else side.boxes():
            box.kind = "shortcut"
        return Residual(main, side, module.after_sum, main.boxes()[-1].shape) if side is not None else main
    if isinstance(module, nn.Sequential):
        return _row(list(module), shapes)
    return _row([module], shapes)


def _row(layers, shapes):
    """Layers in a row, each batch norm and activation folded into the box of the layer before."""
    parts = []
    for layer in layers:
        if isinstance(layer, FOLLOWERS) and parts and isinstance(parts[-1], Box):
            box = parts[-1]
            box.label += " · " + _short_name(layer)
            box.params += sum(p.numel() for p in layer.parameters())
        elif isinstance(layer, (nn.Sequential, nn.ModuleList)) or hasattr(layer, "main_path") \
                or hasattr(layer, "branches"):
            part = _read(layer, shapes)
            parts += part.parts if isinstance(part, Row) else [part]
        else:
            parts.append(_box(layer, shapes[id(layer)]))
    return parts[0] if len(parts) == 1 and not isinstance(parts[0], Box) else Row(parts)


def _short_name(layer):
    return "BN" if isinstance(layer, nn.BatchNorm2d) else type(layer).__name__


def _box(layer, shape):
    params = sum(p.numel() for p in layer.parameters())
    if isinstance(layer, nn.Conv2d):
        (kh, kw), (s, _), g = layer.kernel_size, layer.stride, layer.groups
        what = "depthwise" if g == layer.in_channels == layer.out_channels and g > 1 else "conv"
        label = f"{kh}×{kw} {what}, {layer.in_channels}→{layer.out_channels}"
        label += f", groups {g}" if g > 1 and what == "conv" else ""
        label += f", stride {s}" if s > 1 else ""
        macs = conv_macs(layer.in_channels, layer.out_channels, (kh, kw), shape[1:], groups=g)
        return Box(label, shape, params, macs, "depthwise" if g > 1 else "conv")
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        k, s = _first(layer.kernel_size), _first(layer.stride)
        kind = "max" if isinstance(layer, nn.MaxPool2d) else "avg"
        return Box(f"{k}×{k} {kind}-pool, stride {s}", shape, params, 0, "pool")
    return Box(type(layer).__name__, shape, params, 0, "pool")


def _first(value):
    return value if isinstance(value, int) else value[0]


def _shape(shape):
    return "×".join(map(str, shape))


def _count(n):
    """16,384 · 51.4 M · 1.2 G: short, for inside a box."""
    for unit, size in (("G", 1e9), ("M", 1e6)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:,}"


# -- drawing ---------------------------------------------------------------------------------------

BOX_W, BOX_H, GAP, COLUMN_GAP = 2.4, 0.62, 0.28, 0.25  # inches


def _size(node):
    """(width, height) in inches."""
    if isinstance(node, Box):
        return BOX_W, BOX_H
    if isinstance(node, Row):
        sizes = [_size(p) for p in node.parts]
        return max(w for w, _ in sizes), sum(h for _, h in sizes) + GAP * (len(sizes) - 1)
    if isinstance(node, Branches):
        sizes = [_size(p) for p in node.parts]
        return (sum(w for w, _ in sizes) + COLUMN_GAP * (len(sizes) - 1),
                GAP + max(h for _, h in sizes) + GAP + BOX_H)
    main_w, main_h = _size(node.main)
    side_w = _side_width(node)
    circle = 0.3 + (GAP + BOX_H if node.after else 0.0)
    return main_w + COLUMN_GAP + side_w, GAP + main_h + GAP + circle


def _draw(ax, node, x, top):
    """Draw `node` with its top centre at (x, top); returns its bottom y."""
    if isinstance(node, Box):
        return _draw_box(ax, node, x, top)
    if isinstance(node, Row):
        y = top
        for n, part in enumerate(node.parts):
            if n:
                _arrow(ax, x, y, x, y - GAP)
                y -= GAP
            y = _draw(ax, part, x, y)
        return y
    if isinstance(node, Branches):
        return _draw_branches(ax, node, x, top)
    return _draw_residual(ax, node, x, top)


def _draw_box(ax, box, x, top):
    lines = [box.label] if box.kind in ("input",) else [box.label, _shape(box.shape)] if box.shape else [box.label]
    if box.params or box.macs:
        lines[-1] += f" · {_count(box.params)} params" + (f" · {_count(box.macs)} MACs" if box.macs else "")
    ax.add_patch(FancyBboxPatch((x - BOX_W / 2, top - BOX_H), BOX_W, BOX_H, boxstyle="round,pad=0,rounding_size=0.06",
                                facecolor=COLORS.get(box.kind, "white"), edgecolor="0.35", linewidth=0.8))
    for n, line in enumerate(lines):
        ax.text(x, top - BOX_H * (n + 1) / (len(lines) + 1), line, ha="center", va="center",
                fontsize=8 if n == 0 else 7, color="black" if n == 0 else "0.25")
    return top - BOX_H


def _arrow(ax, x0, y0, x1, y1):
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="-|>", color="0.3", lw=0.8,
                                                                  shrinkA=0, shrinkB=0, mutation_scale=8))


def _line(ax, xs, ys):
    ax.plot(xs, ys, color="0.3", lw=0.8, solid_capstyle="butt")


def _draw_branches(ax, node, x, top):
    sizes = [_size(p) for p in node.parts]
    width = sum(w for w, _ in sizes) + COLUMN_GAP * (len(sizes) - 1)
    left, bottom = x - width / 2, top - GAP - max(h for _, h in sizes)
    centres = np.cumsum([0.0] + [w + COLUMN_GAP for w, _ in sizes[:-1]]) + left + np.array([w for w, _ in sizes]) / 2
    _line(ax, [centres[0], centres[-1]], [top, top])
    join = bottom - GAP / 2  # every branch ends on this line, which feeds the concatenation
    for centre, part in zip(centres, node.parts, strict=True):
        _arrow(ax, centre, top, centre, top - GAP)
        end = _draw(ax, part, centre, top - GAP)
        _line(ax, [centre, centre], [end, join])
    _line(ax, [centres[0], centres[-1]], [join, join])
    _arrow(ax, x, join, x, bottom - GAP)
    return _draw_box(ax, node.join, x, bottom - GAP)


def _is_identity(part):
    return isinstance(part, Box) and part.label == "identity"


def _side_width(node):
    return 0.3 if _is_identity(node.shortcut) else _size(node.shortcut)[0]


def _draw_residual(ax, node, x, top):
    main_w, main_h = _size(node.main)
    side_w = _side_width(node)
    # the main path sits left of centre so that the whole block (main + shortcut) is centred on x
    shift = (side_w + COLUMN_GAP) / 2
    main_x, side_x = x - shift, x - shift + main_w / 2 + COLUMN_GAP + side_w / 2
    _line(ax, [x, main_x], [top, top])
    _arrow(ax, main_x, top, main_x, top - GAP)
    end = _draw(ax, node.main, main_x, top - GAP)
    radius, centre_y = 0.15, end - GAP - 0.15
    _arrow(ax, main_x, end, main_x, centre_y + radius)
    ax.add_patch(Circle((main_x, centre_y), radius, facecolor="white", edgecolor="0.3", lw=0.8))
    ax.text(main_x, centre_y, "+", ha="center", va="center", fontsize=11)
    # the shortcut: from the fork, down the right-hand side, into the sum
    _line(ax, [main_x, side_x], [top, top])
    if _is_identity(node.shortcut):
        _line(ax, [side_x, side_x], [top, centre_y])
        ax.text(side_x + 0.05, (top + centre_y) / 2, "identity", rotation=90, ha="left", va="center", fontsize=7,
                color="0.3")
    else:
        side_h = _size(node.shortcut)[1]
        side_top = (top + end) / 2 + side_h / 2
        _line(ax, [side_x, side_x], [top, side_top])
        side_end = _draw(ax, node.shortcut, side_x, side_top)
        _line(ax, [side_x, side_x], [side_end, centre_y])
    _arrow(ax, side_x, centre_y, main_x + radius, centre_y)
    bottom = centre_y - radius
    if node.after:
        _arrow(ax, main_x, bottom, main_x, bottom - GAP)
        bottom = _draw_box(ax, Box(node.after, node.shape, kind="sum"), main_x, bottom - GAP)
    return bottom


def block_diagram(module, input_shape, title=None):
    """A Figure of `module`'s block diagram on an input of shape (C, H, W): boxes top to bottom,
    each with its output shape, parameters and MACs; the title gives the totals."""
    tree = blocks(module, input_shape)
    boxes = tree.boxes()
    total = f"{sum(b.params for b in boxes):,} params · {sum(b.macs for b in boxes):,} MACs"
    heading = f"{title}: {total}" if title else total
    width, height = _size(tree)
    width = max(width, 0.075 * len(heading))  # a long title widens the figure instead of being cut off
    head = 0.45
    fig = Picture(figsize=(width + 0.4, height + head + 0.3), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-width / 2 - 0.2, width / 2 + 0.2)
    ax.set_ylim(-height - 0.3, head)
    ax.set_axis_off()
    _draw(ax, tree, 0.0, 0.0)
    ax.text(0, head / 2, heading, ha="center", va="center", fontsize=9, fontweight="bold")
    return fig
