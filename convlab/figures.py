"""Small figures for the lessons, so that a lesson cell shows the idea and not the plotting: a row of
pictures (diverging maps get a scale symmetric about zero and a colour bar), a 1×1 convolution as a
matrix per pixel, a score map beside its picture, a unit's field on a picture. Each returns a
`Picture`, a bare matplotlib Figure (not pyplot's) that a notebook shows once as the cell's result."""

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = ["Picture", "image_row", "channel_mix", "score_map", "field_on_picture", "DIVERGING"]

DIVERGING = {"RdBu_r", "RdBu", "PuOr_r", "PuOr", "coolwarm", "bwr", "seismic", "PiYG", "PRGn"}


class Picture(Figure):
    """A bare Figure that shows itself as a PNG in Jupyter, once, whichever matplotlib backend is
    active (pyplot need not have been imported)."""

    def _repr_png_(self):
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def image_row(panels, height=2.8, width_per_panel=2.4, title_size=10):
    """One figure with a picture per panel: `panels` holds (image, title) or (image, title, cmap)
    tuples; an image is (H, W) or (H, W, 3). A diverging colour map is centred on 0 (white) and
    gets a colour bar, so that positive and negative values read at a glance."""
    fig = Picture(figsize=(width_per_panel * len(panels), height), dpi=100, layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels, strict=True):
        image, title, cmap = (*panel, None)[:3]
        _show(fig, ax, image, cmap, title, title_size)
    return fig


def _show(fig, ax, image, cmap=None, title="", title_size=10):
    """One picture, by the rule of `image_row`: a diverging map is centred on 0 and gets a colour bar."""
    image = np.asarray(image)
    if cmap in DIVERGING:
        reach = float(np.abs(image).max()) or 1.0
        shown = ax.imshow(image, cmap=cmap, vmin=-reach, vmax=reach)
        fig.colorbar(shown, ax=ax, shrink=0.8, pad=0.02)
    else:
        shown = ax.imshow(image, cmap=cmap if image.ndim == 2 else None)
    ax.set_title(title, fontsize=title_size)
    ax.set_axis_off()
    return shown


# --- notebook 03: a 1×1 convolution as a matrix per pixel, and the score map of a sliding classifier ---


def _frame(ax, row, col, size=1, color="lime", linewidth=2):
    """Outline the size×size cells of an imshow picture whose top-left cell is (row, col)."""
    ax.add_patch(Rectangle((col - 0.5, row - 0.5), size, size, fill=False, edgecolor=color, linewidth=linewidth))


def _numbers(ax, shown, values, fmt, diverging):
    """Write every value in its cell, in white where the cell is dark."""
    for (r, c), value in np.ndenumerate(np.asarray(values)):
        level = float(shown.norm(value))
        dark = level > 0.8 or level < 0.2 if diverging else level > 0.6
        ax.text(c, r, format(value, fmt), ha="center", va="center", fontsize=9, color="white" if dark else "black")


def channel_mix(image, matrix, outputs, pixel, titles, cmaps, in_labels="RGB"):
    """A 1×1 convolution in one figure: the input `image` (C_in, H, W; shown in colour when C_in is
    3), the kernel as its C_out × C_in `matrix` with the numbers written in, and each output channel
    of `outputs` (C_out, H, W) with its title and colour map. The pixel `pixel` = (row, col) is
    framed in every picture: its C_in input numbers alone make its C_out output numbers."""
    image, matrix = np.asarray(image), np.asarray(matrix)
    fig = Picture(figsize=(2.6 * (len(outputs) + 2), 2.8), dpi=100, layout="constrained")
    axes = fig.subplots(1, len(outputs) + 2)
    shown = image.transpose(1, 2, 0) if len(image) == 3 else image[0]
    _show(fig, axes[0], shown, None if len(image) == 3 else "gray",
          f"input: {len(image)} channels\n({', '.join(in_labels)})")
    reach = float(np.abs(matrix).max()) * 1.2 or 1.0
    kernel = axes[1].imshow(matrix, cmap="RdBu_r", vmin=-reach, vmax=reach)
    _numbers(axes[1], kernel, matrix, "g", diverging=True)
    axes[1].set_xticks(range(matrix.shape[1]), list(in_labels))
    axes[1].set_yticks(range(matrix.shape[0]), [f"out {o}" for o in range(matrix.shape[0])])
    axes[1].tick_params(length=0)
    axes[1].set_title(f"1×1 kernel:\na {matrix.shape[0]}×{matrix.shape[1]} matrix", fontsize=10)
    for o, (ax, channel, title, cmap) in enumerate(zip(axes[2:], outputs, titles, cmaps, strict=True)):
        _show(fig, ax, channel, cmap, f"output channel {o}:\n{title}")
    for ax in (axes[0], *axes[2:]):
        _frame(ax, *pixel)
    return fig


def score_map(picture, scores, stride, crop, entries, name="score map"):
    """The score map of a convolutionalized classifier beside its picture. On the picture: a dot at
    the top-left corner of every crop the map scores (`stride` pixels apart) and a frame around the
    crop×crop crop of each ((row, col), colour) in `entries`; on the map: the scores written in, and
    the same entries framed, under the title `name`. Signed scores get a diverging map centred on 0,
    with a colour bar."""
    picture, scores = np.asarray(picture), np.asarray(scores)
    rows, cols = scores.shape
    fig = Picture(figsize=(7.8, 3.4), dpi=100, layout="constrained")
    axes = fig.subplots(1, 2)
    _show(fig, axes[0], picture, "gray",
          f"{picture.shape[0]}×{picture.shape[1]} picture: a crop corner every {stride} pixels")
    corners = np.mgrid[0:rows, 0:cols].reshape(2, -1) * stride
    axes[0].plot(corners[1], corners[0], ".", color="yellow", markersize=4)
    signed = scores.min() < 0 < scores.max()
    shown = _show(fig, axes[1], scores, "RdBu_r" if signed else "Purples", f"{name} ({rows}×{cols})")
    _numbers(axes[1], shown, scores, ".2f", diverging=signed)
    for (i, j), color in entries:
        _frame(axes[0], stride * i, stride * j, crop, color)
        _frame(axes[1], i, j, 1, color, linewidth=3)
    return fig


# --- notebook 07: a unit's receptive field on the picture, and where its weight lies ---


def field_on_picture(picture, maps, top, size, centre, title, decades=4):
    """A unit's receptive field on its `picture` (H, W, 3), then on each (map, title) in `maps` (maps ≥ 0,
    such as effective receptive fields) on one shared log colour scale over `decades` decades, with a
    colour bar. The field is the size×size square whose top-left pixel is (top, top), its centre (centre,
    centre) is marked +; the view reaches past the picture as far as the field does, so the part of the
    field that lies in the padding shows."""
    from matplotlib.colors import LogNorm

    peak = max(float(np.max(m)) for m, _ in maps)
    norm = LogNorm(vmin=peak * 10.0 ** -decades, vmax=peak)
    fig = Picture(figsize=(4.2 * (len(maps) + 1) + 0.6, 4.4), dpi=100, layout="constrained")
    axes = fig.subplots(1, len(maps) + 1)
    for n, (ax, (image, name)) in enumerate(zip(axes, [(picture, title), *maps], strict=True)):
        shown = ax.imshow(image) if n == 0 else ax.imshow(image, cmap="magma", norm=norm)
        ax.add_patch(Rectangle((top - 0.5, top - 0.5), size, size, fill=False, edgecolor="red", linewidth=1.5))
        ax.plot(centre, centre, "c+", markersize=12)
        h, w = np.shape(image)[:2]
        ax.set_xlim(min(-0.5, top - 4), max(w - 0.5, top + size + 4))
        ax.set_ylim(max(h - 0.5, top + size + 4), min(-0.5, top - 4))
        ax.set_title(name, fontsize=9)
        ax.set_axis_off()
    fig.colorbar(shown, ax=list(axes[1:]), shrink=0.8, pad=0.02, label="share of the |gradient| (log scale)")
    return fig
