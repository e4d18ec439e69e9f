"""Drawing for the explorers: numbered grids with a padding ring, channel stacks drawn as
offset sheets, kernel windows with dilation gaps, highlighted cells, and fast PNG output.

An explorer describes its whole picture on every update through a `Scene`:

    scene.clear()
    scene.stack(rgba, origin, numbers)      # a tensor as offset sheets, front one numbered
    scene.window(x, y, kernel_size, dilation, depth)
    scene.box(x, y, width, height, color)
    scene.commit()                          # refill the few matplotlib artists, in place

The scene owns a handful of matplotlib collections created once; `commit` refills them,
so an update never creates a figure or an artist. Numbers are glyph outlines in one
PathCollection: hundreds of Text artists would take ~100 ms to draw, this takes ~1 ms.
Coordinates are in cells: x is the column and y the row, growing downward (see `fit`).
"""

import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache, lru_cache

import numpy as np
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_rgba, to_rgba_array
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch, Polygon
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import IdentityTransform, blended_transform_factory

PAD_COLOR = (0.88, 0.88, 0.88, 1.0)  # padding cells: light grey
EMPTY_COLOR = (1.0, 1.0, 1.0, 1.0)  # cells not computed yet
FADE_COLOR = (1.0, 1.0, 1.0, 0.6)  # laid over cells that no window reaches
UNCOVERED_COLOR = "#ff7f0e"
DEPTH = 0.35  # each sheet behind the front one is shifted this many cells up and right
WINDOW_COLOR = "#d62728"
OUTPUT_COLOR = "#2ca02c"
EDGE_COLOR = to_rgba("0.45")
FONT = FontProperties(family="DejaVu Sans")


def cell_colors(values, cmap="Blues", vmin=None, vmax=None, span=(0.08, 0.58)):
    """RGBA per cell: values mapped onto the part `span` of `cmap`, pale enough for black
    numbers to stay readable. For a diverging map use a span centred on 0.5, e.g. (0.3, 0.7): zero is white."""
    v = np.asarray(values, dtype=float)
    lo = v.min(initial=0.0) if vmin is None else vmin
    hi = v.max(initial=1.0) if vmax is None else vmax
    t = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    return _colormap(cmap)(span[0] + (span[1] - span[0]) * np.clip(t, 0.0, 1.0))


@cache
def _colormap(name):
    return colormaps[name]  # a fresh copy on every lookup (slow to initialise), so keep one


def labels(values):
    """Numbers as short strings that fit in a cell: 3, -1, 0.5, 0.37 (two significant
    digits for non-integers)."""
    values = np.asarray(values)
    form = "{:d}" if values.dtype.kind in "iub" else "{:.2g}"
    return np.array([form.format(v) for v in values.ravel().tolist()]).reshape(values.shape)


def squares_at(x, y, inset=0.0):
    """Corners (n, 4, 2) of the unit cells whose top-left corners are (x[i], y[i])."""
    x, y = np.ravel(x).astype(float), np.ravel(y).astype(float)
    a, b = inset, 1.0 - inset
    return np.stack([np.stack([x + dx, y + dy], axis=-1) for dx, dy in ((a, a), (b, a), (b, b), (a, b))], axis=1)


@lru_cache(maxsize=256)
def _grid_squares(rows, cols):
    r, c = np.mgrid[0:rows, 0:cols]
    corners = squares_at(c, r)
    corners.flags.writeable = False  # shared by every call
    return corners


def squares(rows, cols, x0=0.0, y0=0.0):
    """Corners (rows·cols, 4, 2) of the cells of a grid whose top-left is (x0, y0), row by row."""
    return _grid_squares(rows, cols) + (x0, y0)


def rectangle(x, y, width, height):
    """Corners (1, 4, 2) of one rectangle."""
    return np.array([[(x, y), (x + width, y), (x + width, y + height), (x, y + height)]], dtype=float)


def stack_size(rows, cols, depth):
    """(width, height) in cells of a stack of `depth` sheets drawn by `Scene.stack`."""
    shift = (depth - 1) * DEPTH
    return cols + shift, rows + shift


@lru_cache(maxsize=256)
def _grid_lines(rows, cols):
    ys, xs = np.arange(rows + 1.0), np.arange(cols + 1.0)
    across = [[(0.0, y), (cols, y)] for y in ys]
    down = [[(x, 0.0), (x, rows)] for x in xs]
    segments = np.array(across + down)
    segments.flags.writeable = False
    return segments


def grid_lines(rows, cols, x0=0.0, y0=0.0):
    """Segments (rows + cols + 2, 2, 2) of the row and column borders of a grid."""
    return _grid_lines(rows, cols) + (x0, y0)


@cache
def _character(ch):
    """One character's outline at 1 point, and how far it advances the pen (measured
    between zeros, so it works for a space too)."""
    def right_edge(text):
        return TextPath((0, 0), text, size=1.0, prop=FONT).vertices[:, 0].max()

    blank = Path(np.zeros((0, 2)), np.zeros(0, Path.code_type))  # TextPath fails on a lone space
    outline = blank if ch.isspace() else TextPath((0, 0), ch, size=1.0, prop=FONT)
    return outline, right_edge(f"0{ch}0") - right_edge("00")


@lru_cache(maxsize=8192)
def glyphs(text):
    """The outline of `text` at 1 point, centred on (0, 0): across by its own width, up and
    down by the height of a digit, so that all labels share a baseline. Built from cached
    single characters, because laying out a new string with TextPath takes about 1 ms."""
    vertices, codes, pen = [], [], 0.0
    for ch in text:
        path, advance = _character(ch)
        vertices.append(path.vertices + (pen, 0.0))
        codes.append(path.codes)
        pen += advance
    vertices, codes = np.concatenate(vertices), np.concatenate(codes)
    middle = (vertices[:, 0].min() + vertices[:, 0].max()) / 2 if len(vertices) else 0.0
    digit = _character("0")[0].vertices[:, 1]
    return Path(vertices - (middle, (digit.min() + digit.max()) / 2), codes)


class _Items:
    """Items collected for one collection during an update: lists of arrays, joined on commit."""

    def __init__(self, *fields):
        self.fields = fields
        self.clear()

    def clear(self):
        self.parts = {name: [] for name in self.fields}

    def add(self, **values):
        for name, value in values.items():
            self.parts[name].append(value)

    def joined(self, name, empty_shape):
        parts = self.parts[name]
        return np.concatenate(parts) if parts else np.zeros(empty_shape)


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
        rgb = np.asarray(rgb)
        if rgb.dtype == np.uint8 and rgb.shape[2] == 4:
            self.rgba = rgb
        else:
            self.rgba = np.full((*rgb.shape[:2], 4), 255, np.uint8)
            self.rgba[..., : rgb.shape[2]] = rgb if rgb.dtype == np.uint8 else np.round(rgb * 255)
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


class Scene:
    """The whole picture of an explorer in five collections, refilled on every update:
    fills (cells, sheets, shaded regions), lines (grids, wire boxes), texts (numbers and
    signs, in cells), marks (outlines drawn on top: kernel taps, highlighted cells) and
    titles (x in cells, y in figure fractions). Within a collection, later items cover
    earlier ones."""

    def __init__(self, ax):
        self.ax, self.plain = ax, _PLAIN
        self.fills = ax.add_collection(PolyCollection([], zorder=1), autolim=False)
        self.lines = ax.add_collection(PathCollection([], facecolors="none", zorder=2), autolim=False)
        self.texts = _glyph_collection(ax, ax.transData, zorder=3)
        self.marks = ax.add_collection(PolyCollection([], zorder=4), autolim=False)
        self.titles = _glyph_collection(ax, blended_transform_factory(ax.transData, ax.figure.transFigure), 5)
        polygons, glyph_fields = ("verts", "faces", "edges", "widths"), ("strings", "xy", "colors", "sizes")
        self._fills, self._marks = _Items(*polygons), _Items(*polygons)
        self._lines = _Items("paths", "colors", "widths", "styles")
        self._texts, self._titles = _Items(*glyph_fields), _Items(*glyph_fields)
        self.images, self._pictures = [], []  # AxesImages, made when first needed and then reused

    def clear(self):
        for items in (self._fills, self._marks, self._lines, self._texts, self._titles):
            items.clear()
        self._pictures = []

    # -- basic items ------------------------------------------------------------------------
    def fill(self, verts, faces, edges="none", width=0.0):
        """Filled quadrilaterals (n, 4, 2), each with its face colour (n, 4) or one colour."""
        n = len(verts)
        self._fills.add(verts=verts, faces=_colors(faces, n), edges=_colors(edges, n), widths=np.full(n, width))

    def mark(self, verts, edges, width=2.0, faces="none"):
        """Outlines drawn over everything else (taps of a kernel, a highlighted cell)."""
        n = len(verts)
        self._marks.add(verts=verts, faces=_colors(faces, n), edges=_colors(edges, n), widths=np.full(n, width))

    def line(self, segments, color=EDGE_COLOR, width=0.6, dashed=False):
        """Line segments (n, 2, 2) in one colour and width (drawn as one path: cheap)."""
        codes = np.tile([Path.MOVETO, Path.LINETO], len(segments)).astype(Path.code_type)
        self._lines.add(paths=[Path(np.reshape(segments, (-1, 2)), codes)], colors=_colors(color, 1), widths=[width],
                        styles=["--" if dashed else "-"])

    def text(self, strings, xy, color="black", size=9.0, title=False):
        """strings[i] centred at xy[i] (cells; for a title, y is a fraction of the figure
        height), `size` points high, in one colour or one per string. Empty strings and
        anything below 4 points are skipped."""
        strings, xy = list(strings), np.reshape(xy, (-1, 2))
        keep = [n for n, s in enumerate(strings) if s != ""]
        if size < 4 or not keep:
            return
        items = self._titles if title else self._texts
        colors = _colors(color, len(strings))[keep]
        items.add(strings=[strings[n] for n in keep], xy=xy[keep], colors=colors, sizes=np.full(len(keep), size))

    def picture(self, rgb, x, y, scale=1.0):
        """An image (rows, cols, 3 or 4; values in [0, 1]) under everything else, `scale`
        cells per pixel, with its top-left corner at (x, y)."""
        self._pictures.append((rgb, x, y, scale))

    def box(self, x, y, width, height, color, line_width=2.5):
        """A bold outline around a block of cells."""
        self.mark(rectangle(x, y, width, height), color, line_width)

    # -- composite items ---------------------------------------------------------------------
    def stack(self, rgba, origin=(0.0, 0.0), numbers=None, number_colors="black", size=9.0):
        """A (channels, rows, cols) tensor as sheets one behind the other, each shifted up
        and right by DEPTH cells; `rgba` is (channels, rows, cols, 4). The front sheet
        (channel 0) shows its cells, grid and `numbers` (rows, cols strings, '' for none,
        in one colour or one RGBA per cell); the sheets behind are plain, tinted with their
        channel's mean colour, so only their edges show."""
        depth, rows, cols = rgba.shape[:3]
        x0, y0 = origin
        if depth > 1:  # the sheets behind, back to front
            shifts = np.arange(depth - 1, 0, -1)[:, None, None] * np.array([DEPTH, -DEPTH])
            self.fill(rectangle(x0, y0, cols, rows) + shifts, rgba[:0:-1].mean(axis=(1, 2)), EDGE_COLOR, 0.6)
        self.fill(squares(rows, cols, x0, y0), rgba[0].reshape(-1, 4))
        self.line(grid_lines(rows, cols, x0, y0))
        if numbers is not None:
            r, c = np.mgrid[0:rows, 0:cols]
            colors = number_colors if isinstance(number_colors, str) else np.reshape(number_colors, (-1, 4))
            self.text(numbers.ravel(), np.stack([x0 + c.ravel() + 0.5, y0 + r.ravel() + 0.5], axis=-1), colors, size)

    def window(self, x, y, kernel_size, dilation=(1, 1), depth=1, color=WINDOW_COLOR):
        """A kernel window with its top-left kernel cell at (x, y): the cells it reads (bold
        squares, with gaps when dilated), the span of a dilated kernel (thin outline) and,
        for several channels, a wire box through the stack: the window covers every channel."""
        (kh, kw), (dh, dw) = kernel_size, dilation
        r, c = np.mgrid[0:kh, 0:kw]
        self.mark(squares_at(x + c * dw, y + r * dh, inset=0.06), color, 2.0, faces=(*to_rgba(color)[:3], 0.12))
        span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
        front = rectangle(x, y, span_w, span_h)[0]
        back = front + ((depth - 1) * DEPTH, -(depth - 1) * DEPTH)
        ring = [0, 1, 2, 3, 0]
        if dh > 1 or dw > 1:
            self.line(np.stack([front[ring[:-1]], front[ring[1:]]], axis=1), color, 0.8)
        if depth > 1:
            edges = np.concatenate([np.stack([back[ring[:-1]], back[ring[1:]]], 1), np.stack([front, back], 1)])
            self.line(edges, (*to_rgba(color)[:3], 0.7), 0.8)

    # -- refill the artists ------------------------------------------------------------------
    def commit(self):
        """Put everything described since `clear` into the collections."""
        self._commit_pictures()
        if self.plain:
            return self._commit_plain()
        for collection, items in ((self.fills, self._fills), (self.marks, self._marks)):
            collection.set_verts(items.joined("verts", (0, 4, 2)))
            collection.set_facecolor(items.joined("faces", (0, 4)))
            collection.set_edgecolor(items.joined("edges", (0, 4)))
            collection.set_linewidth(items.joined("widths", (0,)))
        self.lines.set_paths([path for part in self._lines.parts["paths"] for path in part])
        self.lines.set_edgecolor(self._lines.joined("colors", (0, 4)))
        self.lines.set_linewidth(self._lines.joined("widths", (0,)))
        self.lines.set_linestyle([style for part in self._lines.parts["styles"] for style in part] or "-")
        for collection, items in ((self.texts, self._texts), (self.titles, self._titles)):
            paths = [glyphs(s) for part in items.parts["strings"] for s in part]
            xy, sizes = items.joined("xy", (0, 2)), items.joined("sizes", (0,))
            if collection is self.titles:
                xy = self._inside(xy, paths, sizes)
            collection.set_paths(paths)
            collection.set_offsets(xy)
            collection.set_facecolor(items.joined("colors", (0, 4)))
            collection.set_sizes(sizes ** 2)

    def _commit_pictures(self):
        while len(self.images) < len(self._pictures):
            self.images.append(self.ax.add_artist(Pixels()))
        for image, (rgb, x, y, scale) in zip(self.images, self._pictures, strict=False):
            image.set(rgb, x, y, rgb.shape[1] * scale, rgb.shape[0] * scale)
        for n, image in enumerate(self.images):
            image.set_visible(n < len(self._pictures))

    def _inside(self, xy, paths, sizes):
        """Titles moved sideways, where needed, so that none sticks out of the figure."""
        to_pixels = self.ax.transData.transform
        half = np.array([np.ptp(p.vertices[:, 0]) / 2 if len(p.vertices) else 0.0 for p in paths])
        half = half * sizes * self.ax.figure.dpi / 72 + 4  # pixels, with a small margin
        centre = to_pixels(np.stack([xy[:, 0], np.zeros(len(xy))], axis=-1))[:, 0]
        centre = np.clip(centre, half, np.maximum(half, self.ax.figure.bbox.width - half))
        x = self.ax.transData.inverted().transform(np.stack([centre, np.zeros(len(xy))], axis=-1))[:, 0]
        return np.stack([x, xy[:, 1]], axis=-1)

    def _commit_plain(self):
        """Draw the items the plain matplotlib way, one artist each (a Polygon per cell, a
        Text per number), as an `interact` callback that redraws from scratch would."""
        ax = self.ax
        for items, zorder in ((self._fills, 1), (self._marks, 4)):
            fields = [items.joined(name, shape) for name, shape in
                      (("verts", (0, 4, 2)), ("faces", (0, 4)), ("edges", (0, 4)), ("widths", (0,)))]
            for verts, face, edge, width in zip(*fields, strict=True):
                ax.add_patch(Polygon(verts, facecolor=face, edgecolor=edge, linewidth=width, zorder=zorder))
        lines = [[item for part in self._lines.parts[name] for item in part] for name in ("paths", "styles")]
        for path, style, color, width in zip(*lines, self._lines.joined("colors", (0, 4)),
                                             self._lines.joined("widths", (0,)), strict=True):
            ax.add_patch(PathPatch(path, fill=False, edgecolor=color, linewidth=width, linestyle=style, zorder=2))
        for items, place, zorder in ((self._texts, ax.transData, 3), (self._titles, self.titles.get_offset_transform(),
                                                                    5)):
            strings = [s for part in items.parts["strings"] for s in part]
            for text, (x, y), color, size in zip(strings, items.joined("xy", (0, 2)), items.joined("colors", (0, 4)),
                                                 items.joined("sizes", (0,)), strict=True):
                ax.text(x, y, text, color=color, fontsize=size, fontproperties=FONT, ha="center", va="center",
                        transform=place, zorder=zorder, clip_on=False)


_PLAIN = False


@contextmanager
def plain_artists():
    """Scenes created inside this block draw one matplotlib artist per item instead of
    refilling five collections: the way plain matplotlib code draws. The bench times this
    as the redraw-from-scratch baseline."""
    global _PLAIN
    _PLAIN = True
    try:
        yield
    finally:
        _PLAIN = False


def _colors(color, n):
    """n RGBA rows from one colour or from n colours."""
    if isinstance(color, str) or np.ndim(color) == 1:
        return np.broadcast_to(to_rgba(color), (n, 4))
    return to_rgba_array(color)


def fit(ax, width, height, margin=0.3):
    """Show the region (0..width, 0..height) in cells, centred, with equal aspect and y
    growing downward. Returns the size of one cell in pixels (to pick font sizes)."""
    box = ax.get_window_extent()
    scale = min(box.width / (width + 2 * margin), box.height / (height + 2 * margin))
    half_w, half_h = box.width / scale / 2, box.height / scale / 2
    ax.set_xlim(width / 2 - half_w, width / 2 + half_w)
    ax.set_ylim(height / 2 + half_h, height / 2 - half_h)
    return scale


def font_size(cell_px, dpi, texts=("00",)):
    """A font size (points) at which the longest of `texts` fits in a cell of `cell_px` pixels."""
    chars = max(2, max((len(t) for t in np.ravel(texts)), default=2))
    return float(np.clip(cell_px * 72.0 / dpi * 1.25 / chars, 0.0, 12.0))


def png_bytes(fig):
    """Draw `fig` and encode it as PNG, fast: Agg's RGBA buffer as is, no row filters, and
    zlib level 1 on two cores. About five times as fast as Pillow's default on these
    pictures, and the files stay small (large flat areas)."""
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    h, w = rgba.shape[:2]
    rows = _scanlines(h, w)  # each row: filter type 0, then R, G, B, A, R, …
    rows[:, 1:] = rgba.reshape(h, 4 * w)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)  # width, height, 8 bits, RGBA, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", deflate(rows.data)) + chunk(b"IEND", b"")


@lru_cache(maxsize=8)
def _scanlines(h, w):
    """A reused buffer for PNG rows: a fresh megabyte on every frame costs ~1 ms in page faults."""
    return np.zeros((h, 1 + 4 * w), np.uint8)


_HELPER = ThreadPoolExecutor(max_workers=1)


def deflate(data):
    """zlib.compress(data, 1), twice as fast on two cores: the halves are compressed at
    once (zlib releases the GIL) as two runs of deflate blocks, the first one not final."""
    data = memoryview(data).cast("B")
    half = data[: len(data) // 2], data[len(data) // 2:]

    def blocks(chunk, last):
        compressor = zlib.compressobj(1, zlib.DEFLATED, -15)  # raw deflate, no header
        return compressor.compress(chunk) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)

    first = _HELPER.submit(blocks, half[0], False)
    second = blocks(half[1], True)
    return b"\x78\x01" + first.result() + second + struct.pack(">I", zlib.adler32(data))
