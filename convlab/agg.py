"""How a `draw.Scene` becomes pixels with matplotlib's Agg: a handful of collections, created once
on the explorer's axes and refilled from the scene's arrays on every update (an update creates no
figure and no artist), then the figure's RGBA buffer encoded as PNG."""

import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.path import Path
from matplotlib.transforms import IdentityTransform, blended_transform_factory

from convlab import glyphs, png
from convlab.draw import rgba_bytes, shifts, visible

__all__ = ["AggRenderer", "Pixels", "figure_png"]


class Pixels(Artist):
    """A picture drawn pixel for pixel under the axes' contents: scaled to its place on
    screen by repeating pixels, then pasted. matplotlib's AxesImage resamples through a
    general (and slower, ~10 ms here) path on every draw."""

    zorder = 0.5

    def __init__(self):
        super().__init__()
        self.rgba, self.box = np.zeros((1, 1, 4), np.uint8), (0.0, 0.0, 1.0, 1.0)
        self.set_clip_on(False)

    def set(self, rgb, x, y, width, height):
        """rgb (rows, cols, 3 or 4), floats in [0, 1] or bytes (uint8, taken as they are), first
        row on top, filling the rectangle whose top-left corner is (x, y) and size width × height,
        in data coordinates."""
        self.rgba = rgba_bytes(rgb)
        self.box = (x, y, width, height)
        self.stale = True

    def draw(self, renderer):
        if not self.get_visible():
            return
        x, y, width, height = self.box
        (left, bottom), (right, top) = self.axes.transData.transform([(x, y + height), (x + width, y)])
        rows, cols = self.rgba.shape[:2]
        h, w = max(1, round(top - bottom)), max(1, round(right - left))
        pick_rows = np.minimum(np.arange(h) * rows // h, rows - 1)[::-1]  # nearest source row; Agg's run bottom up
        pick_cols = np.minimum(np.arange(w) * cols // w, cols - 1)
        gc = renderer.new_gc()
        renderer.draw_image(gc, round(left), round(bottom), self.rgba[np.ix_(pick_rows, pick_cols)])
        gc.restore()


def _glyph_collection(ax, place, zorder):
    """A PathCollection that draws glyph paths (1 point high) at `sizes` points, like markers."""
    collection = PathCollection([], offsets=np.zeros((0, 2)), offset_transform=place, linewidths=0,
                                zorder=zorder, clip_on=False)
    collection.set_transform(IdentityTransform())  # with set_sizes, paths are scaled points → pixels
    return ax.add_collection(collection, autolim=False)


def line_path(segments):
    """Segments (n, 2, 2) as one Path: one `Scene.line` call is one path to draw, however many
    segments it holds."""
    codes = np.tile(np.array([Path.MOVETO, Path.LINETO], Path.code_type), len(segments))
    return Path(np.reshape(segments, (-1, 2)), codes)


class AggRenderer:
    """Draws scenes on one matplotlib axes: fills, lines, texts, marks and titles each in one
    collection (z-order as `draw.Scene` lists them), pictures as `Pixels` artists."""

    def __init__(self, ax):
        self.ax = ax
        self.fills = ax.add_collection(PolyCollection([], zorder=1), autolim=False)
        self.lines = ax.add_collection(PathCollection([], facecolors="none", zorder=2), autolim=False)
        self.texts = _glyph_collection(ax, ax.transData, zorder=3)
        self.marks = ax.add_collection(PolyCollection([], zorder=4), autolim=False)
        self.titles = _glyph_collection(ax, blended_transform_factory(ax.transData, ax.figure.transFigure), 5)
        self.images = []  # Pixels artists, made when first needed and then reused

    def render(self, scene):
        """Refill the artists from `scene`: the items shown at its view value `scene.value`."""
        x0, x1, y_bottom, y_top = scene.view
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y_bottom, y_top)
        value = scene.value
        self._pictures(scene.shown_pictures())
        for collection, items in ((self.fills, scene.fills), (self.marks, scene.marks)):
            keep = visible(items, value)
            collection.set_verts((items.joined("verts") + shifts(items, scene)[:, None, :])[keep])
            collection.set_facecolor(items.joined("faces")[keep])
            collection.set_edgecolor(items.joined("edges")[keep])
            collection.set_linewidth(items.joined("widths")[keep])
        calls = scene.lines.parts  # each call's segments share one colour, width and style
        keep = [(shown[:, 0] <= value) & (value <= shown[:, 1]) for shown in calls["shown"]]
        moved = np.split(scene.lines.joined("segments") + shifts(scene.lines, scene)[:, None, :],
                         np.cumsum([len(s) for s in calls["segments"]])[:-1])
        drawn = [n for n, k in enumerate(keep) if k.any()]
        self.lines.set_paths([line_path(moved[n][keep[n]]) for n in drawn])
        self.lines.set_edgecolor([calls["colors"][n][0] for n in drawn] or "none")
        self.lines.set_linewidth([calls["widths"][n][0] for n in drawn] or 0.0)
        self.lines.set_linestyle(["--" if calls["dashed"][n][0] else "-" for n in drawn] or "-")
        for collection, items in ((self.texts, scene.texts), (self.titles, scene.titles_)):
            keep = visible(items, value)
            strings = [s for s, k in zip(items.flat("strings"), keep, strict=True) if k]
            xy, sizes = (items.joined("xy") + shifts(items, scene))[keep], items.joined("sizes")[keep]
            if collection is self.titles:
                xy = self._inside(xy, strings, sizes)
            collection.set_paths([glyphs.glyphs(s) for s in strings])
            collection.set_offsets(xy)
            collection.set_facecolor(items.joined("colors")[keep])
            collection.set_sizes(sizes ** 2)

    def _pictures(self, pictures):
        while len(self.images) < len(pictures):
            self.images.append(self.ax.add_artist(Pixels()))
        for image, (rgb, x, y, scale) in zip(self.images, pictures, strict=False):
            image.set(rgb, x, y, rgb.shape[1] * scale, rgb.shape[0] * scale)
        for n, image in enumerate(self.images):
            image.set_visible(n < len(pictures))

    def _inside(self, xy, strings, sizes):
        """Titles moved sideways, where needed, so that none sticks out of the figure."""
        to_pixels = self.ax.transData.transform
        half = np.array([glyphs.width(s) / 2 for s in strings]) * sizes * self.ax.figure.dpi / 72 + 4  # + a margin
        centre = to_pixels(np.stack([xy[:, 0], np.zeros(len(xy))], axis=-1))[:, 0]
        centre = np.clip(centre, half, np.maximum(half, self.ax.figure.bbox.width - half))
        x = self.ax.transData.inverted().transform(np.stack([centre, np.zeros(len(xy))], axis=-1))[:, 0]
        return np.stack([x, xy[:, 1]], axis=-1)

    def pixel(self, x, y):
        """The (row, column) of the figure's pixel where the point (x, y) in cells lands."""
        px, py = self.ax.transData.transform((x, y))
        return int(self.ax.figure.bbox.height - py), int(px)


def figure_png(fig):
    """Draw `fig` on its Agg canvas and encode its pixels as PNG."""
    fig.canvas.draw()
    return png.encode(np.asarray(fig.canvas.buffer_rgba()))
