"""What an explorer's picture is made of: numbered grids with a padding ring, channel stacks drawn
as offset sheets, kernel windows with dilation gaps, boxes, lines, text and pictures, collected in a
`Scene` as plain arrays. How a scene becomes pixels is another module's job (`convlab.agg`).

An explorer describes its whole picture on every update:

    scene.clear()
    cell_px = scene.fit(width, height)      # the region to show, in cells
    scene.stack(rgba, origin, numbers)      # a tensor as offset sheets, front one numbered
    scene.window(x, y, kernel_size, dilation, depth)
    scene.box(x, y, width, height, color)
    scene.titles([(line1, line2), …], centres)

Coordinates are in cells: x is the column and y the row, growing downward (see `Scene.fit`).
"""

from contextlib import contextmanager
from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_rgba, to_rgba_array

PAD_COLOR = (0.88, 0.88, 0.88, 1.0)  # padding cells: light grey
EMPTY_COLOR = (1.0, 1.0, 1.0, 1.0)  # cells not computed yet
FADE_COLOR = (1.0, 1.0, 1.0, 0.6)  # laid over cells that no window reaches
UNCOVERED_COLOR = "#ff7f0e"
DEPTH = 0.35  # each sheet behind the front one is shifted this many cells up and right
WINDOW_COLOR = "#d62728"
OUTPUT_COLOR = "#2ca02c"
EDGE_COLOR = to_rgba("0.45")
TITLE_ROWS = (0.95, 0.89)  # where a title block's two lines sit, as fractions of the figure height
ALWAYS = (-np.inf, np.inf)  # an item shown whatever the view value


def cell_colors(values, cmap="Blues", vmin=None, vmax=None, span=(0.08, 0.58)):
    """RGBA per cell: values mapped onto the part `span` of `cmap`, pale enough for black
    numbers to stay readable. For signed values use `diverging_colors`."""
    v = np.asarray(values, dtype=float)
    lo = v.min(initial=0.0) if vmin is None else vmin
    hi = v.max(initial=1.0) if vmax is None else vmax
    t = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    return _colormap(cmap)(span[0] + (span[1] - span[0]) * np.clip(t, 0.0, 1.0))


def diverging_colors(values, reach=None, span=(0.3, 0.7), cmap="RdBu_r"):
    """RGBA per cell on a scale symmetric around zero (zero is white, negative blue, positive
    red) reaching ±`reach` (default: the largest magnitude in `values`)."""
    reach = float(np.abs(values).max(initial=0.0)) if reach is None else float(reach)
    reach = max(reach, 1e-12)
    return cell_colors(values, cmap, -reach, reach, span)


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


def centres(rows, cols, x0=0.0, y0=0.0, scale=1.0):
    """Centres (rows·cols, 2) of the cells of a grid whose top-left is (x0, y0), `scale` cells
    per grid cell, row by row."""
    r, c = np.mgrid[0:rows, 0:cols]
    return np.stack([x0 + (c.ravel() + 0.5) * scale, y0 + (r.ravel() + 0.5) * scale], axis=-1)


def rectangle(x, y, width, height):
    """Corners (1, 4, 2) of one rectangle."""
    return np.array([[(x, y), (x + width, y), (x + width, y + height), (x, y + height)]], dtype=float)


def outline(corners):
    """The four sides (4, 2, 2) of a quadrilateral given by its corners (4, 2)."""
    corners = np.asarray(corners, dtype=float)
    return np.stack([corners, np.roll(corners, -1, axis=0)], axis=1)


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


def by_row(rows, step=1.0):
    """`Scene.moving` offsets for a row slider: row r moves items r·step cells down."""
    return np.stack([np.zeros(rows), np.arange(rows) * step], axis=-1)


def by_column(cols, step=1.0):
    """`Scene.moving` offsets for a column slider: column c moves items c·step cells right."""
    return np.stack([np.arange(cols) * step, np.zeros(cols)], axis=-1)


def grid_lines(rows, cols, x0=0.0, y0=0.0):
    """Segments (rows + cols + 2, 2, 2) of the row and column borders of a grid."""
    return _grid_lines(rows, cols) + (x0, y0)


def font_size(cell_px, dpi, texts=("00",)):
    """A font size (points) at which the longest of `texts` fits in a cell of `cell_px` pixels."""
    chars = max(2, max((len(t) for t in np.ravel(texts)), default=2))
    return float(np.clip(cell_px * 72.0 / dpi * 1.25 / chars, 0.0, 12.0))


def rgba_bytes(rgb):
    """An image (rows, cols, 3 or 4; floats in [0, 1] or uint8, taken as they are) as (rows, cols, 4)
    uint8, opaque where it had no alpha: what both renderers draw."""
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8 and rgb.shape[2] == 4:
        return rgb
    out = np.full((*rgb.shape[:2], 4), 255, np.uint8)
    out[..., : rgb.shape[2]] = rgb if rgb.dtype == np.uint8 else np.round(np.clip(rgb, 0.0, 1.0) * 255)
    return out


def colors(color, n):
    """n RGBA rows from one colour or from n colours."""
    if isinstance(color, str) or np.ndim(color) == 1:
        return np.broadcast_to(to_rgba(color), (n, 4))
    return to_rgba_array(color)


class Items:
    """The items of one kind collected since the last `clear`: per field, a list of arrays (one
    per call), joined on demand into one array per field."""

    def __init__(self, **empty_shapes):
        self.empty_shapes = empty_shapes
        self.clear()

    def clear(self):
        self.parts = {name: [] for name in self.empty_shapes}

    def add(self, **values):
        for name, value in values.items():
            self.parts[name].append(value)

    def joined(self, name):
        parts = self.parts[name]
        return np.concatenate(parts) if parts else np.zeros(self.empty_shapes[name])

    def flat(self, name):
        """A field whose parts are lists (e.g. strings), as one list."""
        return [item for part in self.parts[name] for item in part]


def _quads():
    return Items(verts=(0, 4, 2), faces=(0, 4), edges=(0, 4), widths=(0,), shown=(0, 2), group=(0,))


def _texts():
    return Items(strings=(0,), xy=(0, 2), colors=(0, 4), sizes=(0,), fits=(0,), shown=(0, 2), group=(0,))


def visible(items, value):
    """Which of `items` are shown at the view value `value` (a bool per item)."""
    shown = items.joined("shown")
    return (shown[:, 0] <= value) & (value <= shown[:, 1])


class Picture(NamedTuple):
    """An image in a scene: `rgb` (rows, cols, 3 or 4), its top-left corner (x, y) in cells,
    `scale` cells per pixel, the interval of the view value it is shown in and its group
    (`Scene.moving`; −1: it stays put)."""

    rgb: np.ndarray
    x: float
    y: float
    scale: float
    shown: tuple
    group: int


def shifts(items, scene):
    """How far each of `items` is moved at the scene's view-only values: (n, 2) cells, from its
    group's offsets (`Scene.moving`); items in no group stay put."""
    group = items.joined("group").astype(int)
    out = np.zeros((len(group), 2))
    for g in range(len(scene.moves)):
        out[group == g] = scene.offset(g)
    return out


class Scene:
    """The description of one picture, in six kinds of item, drawn in this order: pictures
    (images under everything), fills (cells, sheets, shaded regions), lines (grids, wire boxes),
    texts (numbers and signs, in cells), marks (outlines on top: kernel taps, highlighted
    cells) and titles (x in cells, y in figure fractions). Within a kind, later items cover
    earlier ones. `size` is the drawing area in pixels (width, height) and `dpi` its pixels per
    inch: `fit` and font sizes depend on them.

    Every item has an interval of the *view value* (e.g. the window position) in which it is
    shown, by default always (`revealed` and `moving` narrow it): a renderer shows the items whose interval holds
    `value`, so a browser can apply a view-only control by itself from a scene already sent."""

    def __init__(self, size, dpi):
        self.size, self.dpi = (float(size[0]), float(size[1])), float(dpi)
        self.fills, self.marks, self.texts, self.titles_ = _quads(), _quads(), _texts(), _texts()
        self.lines = Items(segments=(0, 2, 2), colors=(0, 4), widths=(0,), dashed=(0,), shown=(0, 2), group=(0,))
        # the values of the view-only controls and what each is worth in the view value (their sum)
        self.values, self.strides = (0, 0), (1, 0)
        self._shown, self._group = ALWAYS, -1  # what new items get
        self.moves = []  # per group, per view-only control, the offset (x, y) in cells for each of its values
        self.view = (0.0, 1.0, 1.0, 0.0)  # x from, x to, y from (bottom), y to (top), in cells
        self.pictures = []  # Picture tuples
        self.anchors = {}  # name → (x, y, scale): where each block sits (tests find its cells there)

    @property
    def value(self):
        """The view value: one number for the values of the view-only controls (e.g. row·width + column
        for a pixel chosen by row and column), the index of `moving`'s offsets and of `shown` intervals."""
        return sum(v * s for v, s in zip(self.values, self.strides, strict=True))

    @value.setter
    def value(self, value):
        self.values, self.strides = (value, 0), (1, 0)

    def shown_pictures(self):
        """The pictures shown at the view value, moved with their group: (rgb, x, y, scale) each."""
        value = self.value
        placed = []
        for p in self.pictures:
            if p.shown[0] <= value <= p.shown[1]:
                dx, dy = self.offset(p.group) if p.group >= 0 else (0.0, 0.0)
                placed.append((p.rgb, p.x + dx, p.y + dy, p.scale))
        return placed

    def clear(self):
        for items in (self.fills, self.marks, self.lines, self.texts, self.titles_):
            items.clear()
        self.pictures, self.anchors, self.moves = [], {}, []

    @contextmanager
    def moving(self, *offsets):
        """Items added inside this block move with the view-only controls: at their values (a, b, …)
        they are drawn offsets[0][a] + offsets[1][b] + … (dx, dy) cells from where they were
        described (e.g. a window drawn once at position 0 and moved to each position; a pixel's
        frame moved by its row and by its column). With one control they are shown only for its
        values 0 … len(offsets[0]) − 1."""
        tables = tuple(np.asarray(table, dtype=float).reshape(-1, 2) for table in offsets)
        self.moves.append(tables)
        before = self._group, self._shown
        self._group = len(self.moves) - 1
        if len(tables) == 1:
            self._shown = (0.0, float(len(tables[0]) - 1))
        try:
            yield
        finally:
            self._group, self._shown = before

    def offset(self, group):
        """(dx, dy): how far the items of `group` are moved at the view-only values."""
        return sum((table[int(np.clip(v, 0, len(table) - 1))] for table, v in zip(self.moves[group], self.values,
                                                                                   strict=False)), np.zeros(2))

    def _intervals(self, shown, n):
        return np.broadcast_to(np.asarray(self._shown if shown is None else shown, dtype=float), (n, 2))

    def anchor(self, name, x, y, scale=1.0):
        """Remember that block `name` has its top-left cell at (x, y), drawn `scale` cells per
        cell of its own; returns (x, y)."""
        self.anchors[name] = (float(x), float(y), float(scale))
        return x, y

    def fit(self, width, height, margin=0.3):
        """Show the region (0..width, 0..height) in cells, centred, with equal aspect and y
        growing downward. Returns the size of one cell in pixels (to pick font sizes)."""
        box_w, box_h = self.size
        scale = min(box_w / (width + 2 * margin), box_h / (height + 2 * margin))
        half_w, half_h = box_w / scale / 2, box_h / scale / 2
        self.view = (width / 2 - half_w, width / 2 + half_w, height / 2 + half_h, height / 2 - half_h)
        return scale

    def to_pixels(self, x, y):
        """Where the point (x, y) in cells lands in the drawing area, in pixels from its top-left
        corner."""
        x0, x1, y_bottom, y_top = self.view
        return ((x - x0) / (x1 - x0) * self.size[0], (y - y_top) / (y_bottom - y_top) * self.size[1])

    # -- basic items ------------------------------------------------------------------------
    def fill(self, verts, faces, edges="none", width=0.0, shown=None):
        """Filled quadrilaterals (n, 4, 2), each with its face colour (n, 4) or one colour;
        `shown`: an interval of the view value per item (n, 2), or one for all."""
        n = len(verts)
        self.fills.add(verts=verts, faces=colors(faces, n), edges=colors(edges, n), widths=np.full(n, width),
                       shown=self._intervals(shown, n), group=np.full(n, self._group))

    def mark(self, verts, edges, width=2.0, faces="none", shown=None):
        """Outlines drawn over everything else (taps of a kernel, a highlighted cell)."""
        n = len(verts)
        self.marks.add(verts=verts, faces=colors(faces, n), edges=colors(edges, n), widths=np.full(n, width),
                       shown=self._intervals(shown, n), group=np.full(n, self._group))

    def line(self, segments, color=EDGE_COLOR, width=0.6, dashed=False):
        """Line segments (n, 2, 2), all in one colour, width and style."""
        segments = np.reshape(segments, (-1, 2, 2))
        n = len(segments)
        if n == 0:
            return
        self.lines.add(segments=segments, colors=colors(color, n), widths=np.full(n, width),
                       dashed=np.full(n, dashed), shown=self._intervals(None, n), group=np.full(n, self._group))

    def text(self, strings, xy, color="black", size=9.0, title=False, shown=None, fit=np.inf):
        """strings[i] centred at xy[i] (cells; for a title, y is a fraction of the figure
        height), `size` points high, in one colour or one per string, at most `fit` cells wide
        (a renderer measuring text in another font shrinks it to fit). Empty strings and
        anything below 4 points are skipped."""
        strings, xy = list(strings), np.reshape(xy, (-1, 2))
        keep = [n for n, s in enumerate(strings) if s != ""]
        if size < 4 or not keep:
            return
        items = self.titles_ if title else self.texts
        items.add(strings=[strings[n] for n in keep], xy=xy[keep], colors=colors(color, len(strings))[keep],
                  sizes=np.full(len(keep), size), fits=np.full(len(keep), fit),
                  shown=self._intervals(shown, len(strings))[keep], group=np.full(len(keep), self._group))

    def picture(self, rgb, x, y, scale=1.0):
        """An image (rows, cols, 3 or 4; floats in [0, 1] or uint8) under everything else, `scale`
        cells per pixel, with its top-left corner at (x, y)."""
        self.pictures.append(Picture(rgb, x, y, scale, self._shown, self._group))

    def box(self, x, y, width, height, color, line_width=2.5):
        """A bold outline around a block of cells."""
        self.mark(rectangle(x, y, width, height), color, line_width)

    # -- composite items ---------------------------------------------------------------------
    def titles(self, blocks, centres, rows=TITLE_ROWS, size=10, shown=None):
        """A two-line title over each block of the picture: `blocks` holds (first, second) line
        pairs, `centres` the x (in cells) each pair is centred on; `shown`: the interval of the view
        value they are shown in (default: always, or as `moving` says)."""
        strings = [line for pair in blocks for line in pair]
        self.text(strings, [(x, y) for x in centres for y in rows], size=size, title=True, shown=shown)

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
            tint = number_colors if isinstance(number_colors, str) else np.reshape(number_colors, (-1, 4))
            self.text(np.ravel(numbers), centres(rows, cols, x0, y0), tint, size, fit=0.9)

    def revealed(self, rgba, origin, numbers=None, size=9.0):
        """Cells (rows, cols, 4) and their numbers, each shown once the view value reaches its
        index (row by row): an output filling in as the window slides. Draw the grid under them
        (e.g. a `stack` of empty cells) first."""
        rows, cols = rgba.shape[:2]
        shown = np.stack([np.arange(rows * cols), np.full(rows * cols, np.inf)], axis=-1)
        self.fill(squares(rows, cols, *origin), rgba.reshape(-1, 4), shown=shown)
        if numbers is not None:
            self.text(np.ravel(numbers), centres(rows, cols, *origin), size=size, shown=shown, fit=0.9)

    def per_view(self, rgba, origin, numbers=None, size=9.0):
        """Cells (views, rows, cols, 4) and their numbers, block v shown at view value v only: the
        numbers at the pixel a row and a column slider pick, each view's already in the scene. Draw
        the grid (e.g. `line(grid_lines(...))`) with them."""
        views, rows, cols = rgba.shape[:3]
        shown = np.repeat(np.arange(views, dtype=float), rows * cols)[:, None].repeat(2, axis=1)
        self.fill(np.tile(squares(rows, cols, *origin), (views, 1, 1)), rgba.reshape(-1, 4), shown=shown)
        if numbers is not None:
            self.text(np.ravel(numbers), np.tile(centres(rows, cols, *origin), (views, 1)), size=size, shown=shown,
                      fit=0.9)

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
        if dh > 1 or dw > 1:
            self.line(outline(front), color, 0.8)
        if depth > 1:
            self.line(np.concatenate([outline(back), np.stack([front, back], 1)]), (*to_rgba(color)[:3], 0.7), 0.8)
