"""The browser backend of a `draw.Scene`: an anywidget (`Canvas`) whose JavaScript (canvas.js,
shipped in the package, no build step) draws the scene on a canvas at the screen's pixel ratio.
`CanvasRenderer` sends the scene compactly — arrays per kind of item as binary buffers (a field in
runs of equal values where that is shorter, e.g. one line width for all), images in slots of their
own — and only what changed: a kind whose arrays did not change is not sent again."""

import hashlib
from pathlib import Path

import anywidget
import numpy as np
import traitlets

from convlab.draw import rgba_bytes

__all__ = ["Canvas", "CanvasRenderer", "SLOTS"]

SLOTS = 4  # pictures a scene may show at once (each slot is sent only when its image changes)


class Canvas(anywidget.AnyWidget):
    """A picture drawn in the browser from a scene's arrays (see canvas.js for the format)."""

    _esm = Path(__file__).with_name("canvas.js")
    size = traitlets.List([800.0, 312.0]).tag(sync=True)  # the picture, in CSS pixels
    axes = traitlets.List([0.0, 0.0, 1.0, 1.0]).tag(sync=True)  # the drawing area, in fractions of the picture
    view = traitlets.List([0.0, 1.0, 1.0, 0.0]).tag(sync=True)  # x from, x to, y bottom, y top, in cells
    dpi = traitlets.Float(80.0).tag(sync=True)  # pixels per inch: line widths and fonts are in points
    # the view-only controls' values (each linked to its control in the browser) and what each is worth in the
    # view value, their sum: items are drawn where their interval holds it
    value = traitlets.Float(0.0).tag(sync=True)
    value1 = traitlets.Float(0.0).tag(sync=True)
    strides = traitlets.List([1.0, 0.0]).tag(sync=True)
    fills = traitlets.Dict().tag(sync=True)
    lines = traitlets.Dict().tag(sync=True)
    texts = traitlets.Dict().tag(sync=True)
    marks = traitlets.Dict().tag(sync=True)
    titles = traitlets.Dict().tag(sync=True)
    pictures = traitlets.List().tag(sync=True)
    moves = traitlets.List().tag(sync=True)  # per group, per view-only control: offsets (dx, dy) for each value
    image0, image1, image2, image3 = (traitlets.Dict().tag(sync=True) for _ in range(SLOTS))


def _field(name, array):
    """A field of the items (one row per item) as bytes, in runs of equal rows where that is shorter:
    `name` holds the rows of the runs and `name_runs` their lengths (uint16); a single row, with no
    lengths, stands for every item (canvas.js spreads them out again)."""
    array = np.ascontiguousarray(array)
    n = len(array)
    if n < 2:
        return {name: array.tobytes()}
    starts = np.flatnonzero(np.concatenate([[True], (array[1:] != array[:-1]).reshape(n - 1, -1).any(axis=1)]))
    if len(starts) == 1:
        return {name: array[:1].tobytes()}
    row_bytes = array[:1].nbytes
    if n >= 2 ** 16 or len(starts) * (row_bytes + 2) >= n * row_bytes:
        return {name: array.tobytes()}
    runs = np.diff(np.append(starts, n)).astype(np.uint16)
    return {name: array[starts].tobytes(), f"{name}_runs": runs.tobytes()}


def _f32(array):
    return np.ascontiguousarray(array, dtype=np.float32).tobytes()


def _common(items):
    """The fields every kind of item has: the interval of the view value each is shown in (int16: view
    values are whole numbers; ±32767 stands for ±∞) and its group (`Scene.moving`)."""
    shown = np.clip(np.nan_to_num(items.joined("shown")), -32767, 32767).round().astype(np.int16)
    return {**_field("shown", shown), **_field("group", items.joined("group").astype(np.int16))}


def _colors(name, colors):
    return _field(name, np.round(np.clip(colors, 0.0, 1.0) * 255).astype(np.uint8))


def _quads(items):
    """Quadrilaterals, as rectangles (x0, y0, x1, y1) when every one is axis-aligned (half the bytes)."""
    verts = items.joined("verts")
    aligned = np.allclose(verts[:, 0, 1], verts[:, 1, 1]) and np.allclose(verts[:, 1, 0], verts[:, 2, 0]) and \
        np.allclose(verts[:, 2, 1], verts[:, 3, 1]) and np.allclose(verts[:, 3, 0], verts[:, 0, 0])
    shape = {"rects": _f32(np.concatenate([verts[:, 0], verts[:, 2]], axis=1))} if aligned else {"verts": _f32(verts)}
    return {**shape, **_colors("faces", items.joined("faces")), **_colors("edges", items.joined("edges")),
            **_field("widths", items.joined("widths").astype(np.float32)), **_common(items)}


def _texts(items):
    return {"strings": [str(s) for s in items.flat("strings")], "xy": _f32(items.joined("xy")),
            **_colors("colors", items.joined("colors")), **_field("sizes", items.joined("sizes").astype(np.float32)),
            **_field("fits", items.joined("fits").astype(np.float32)), **_common(items)}


def _lines(items):
    return {"segments": _f32(items.joined("segments")), **_colors("colors", items.joined("colors")),
            **_field("widths", items.joined("widths").astype(np.float32)),
            **_field("dashed", items.joined("dashed").astype(np.uint8)), **_common(items)}


class CanvasRenderer:
    """Sends scenes to one `Canvas`: `render(scene)` sets its traits, and ipywidgets sends only the
    traits whose value changed."""

    def __init__(self, canvas, size, axes, dpi):
        self.canvas = canvas
        canvas.size, canvas.axes, canvas.dpi = [float(v) for v in size], [float(v) for v in axes], float(dpi)
        self.sent = 0  # bytes of array data in the traits that changed on the last render (for the bench)

    def payload(self, scene):
        """The traits for `scene`: name → value."""
        (value, value1), strides = scene.values, scene.strides
        state = {"view": [float(v) for v in scene.view], "value": float(value), "value1": float(value1),
                 "strides": [float(s) for s in strides],
                 "fills": _quads(scene.fills), "marks": _quads(scene.marks), "lines": _lines(scene.lines),
                 "texts": _texts(scene.texts), "titles": _texts(scene.titles_),
                 "moves": [[_f32(table) for table in tables] for tables in scene.moves]}
        if len(scene.pictures) > SLOTS:
            raise ValueError(f"a scene shows at most {SLOTS} pictures, got {len(scene.pictures)}")
        placed = []
        for slot, (rgb, x, y, scale, (lo, hi), group) in enumerate(scene.pictures):
            pixels = rgba_bytes(rgb)
            data = pixels.tobytes()
            state[f"image{slot}"] = {"key": hashlib.blake2b(data, digest_size=8).hexdigest(), "rows": pixels.shape[0],
                                     "cols": pixels.shape[1], "rgba": data}
            placed.append({"slot": slot, "x": float(x), "y": float(y), "w": pixels.shape[1] * scale,
                           "h": pixels.shape[0] * scale, "lo": max(lo, -1e300), "hi": min(hi, 1e300),
                           "group": int(group)})
        state["pictures"] = placed
        return state

    def render(self, scene):
        state = self.payload(scene)
        changed = {name: value for name, value in state.items() if getattr(self.canvas, name) != value}
        self.sent = sum(_size(value) for value in changed.values())
        with self.canvas.hold_sync():
            for name, value in changed.items():
                setattr(self.canvas, name, value)


def _size(value):
    """Bytes of the binary buffers and strings in a trait value (roughly what goes over the wire)."""
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, dict):
        return sum(_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(_size(v) for v in value)
    return len(str(value))
