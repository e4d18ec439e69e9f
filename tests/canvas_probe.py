"""Where the browser tests compare an explorer's canvas with its Agg picture. The source of this module is
run in the notebook's kernel (test_browser.py sends it there), so that the explorer itself says where its
cells and numbers are: `probe(explorer)` returns, as JSON, points 25 % into cells of each anchored block
with Agg's colour there, and the places of its dark numbers."""

import io
import json
import math

import numpy as np
from PIL import Image

from convlab.draw import shifts, visible

FLAT = 0.02  # a point is compared only where Agg's colour varies at most this much (per channel) around it
RADIUS = 2  # pixels around a point that must be flat: edges, anti-aliasing and numbers stay out
MOST = 16  # coloured points per explorer (plus a few white ones)
NUMBERS = 12  # numbers per explorer
PICTURE_GRID = 9  # a picture's block is sampled on at most this many rows and columns


def luminance(rgb):
    rgb = np.asarray(rgb, dtype=float)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def agg_picture(explorer):
    """The explorer's Agg picture (its PNG) as RGB floats in [0, 1], (rows, cols, 3)."""
    return np.asarray(Image.open(io.BytesIO(explorer.png())).convert("RGB"), dtype=float) / 255


def fill_cells(scene, block):
    """(row, col) of the block's cells that a visible fill covers exactly (a square of the block's scale on
    its lattice)."""
    x, y, s = scene.anchors[block]
    keep = visible(scene.fills, scene.value)
    verts = (scene.fills.joined("verts") + shifts(scene.fills, scene)[:, None, :])[keep]
    found = set()
    for low, high in zip(verts.min(axis=1), verts.max(axis=1), strict=True):
        col, row = (low - (x, y)) / s
        if np.allclose((col, row), np.round((col, row)), atol=1e-6) and np.allclose(high - low, s, atol=1e-6):
            found.add((round(row), round(col)))
    return found


def picture_cells(scene, block):
    """(row, col) of the block's cells on a coarse grid over each visible picture."""
    x, y, s = scene.anchors[block]
    found = set()
    for rgb, px, py, scale in scene.shown_pictures():
        rows = range(math.ceil((py - y) / s), math.floor((py + rgb.shape[0] * scale - y) / s))
        cols = range(math.ceil((px - x) / s), math.floor((px + rgb.shape[1] * scale - x) / s))
        pick = [np.unique(np.linspace(r.start, r.stop - 1, min(len(r), PICTURE_GRID)).round().astype(int))
                for r in (rows, cols) if len(r)]
        if len(pick) == 2:
            found |= {(int(r), int(c)) for r in pick[0] for c in pick[1]}
    return found


def flat_at(picture, row, col):
    patch = picture[row - RADIUS:row + RADIUS + 1, col - RADIUS:col + RADIUS + 1]
    inside = RADIUS <= row < picture.shape[0] - RADIUS and RADIUS <= col < picture.shape[1] - RADIUS
    return inside and float(np.ptp(patch, axis=(0, 1)).max()) <= FLAT


def spread(items, most):
    """At most `most` of `items`, evenly spaced through the list."""
    if len(items) <= most:
        return list(items)
    return [items[n] for n in np.linspace(0, len(items) - 1, most).round().astype(int)]


def points(explorer, picture):
    """Points 25 % into the cells of every anchored block where Agg's picture is flat: block, row, col,
    the pixel (row, col) in the picture and Agg's RGB there."""
    scene, coloured, white = explorer.scene, [], []
    for block, (x, y, s) in scene.anchors.items():
        for row, col in sorted(fill_cells(scene, block) | picture_cells(scene, block)):
            r, c = explorer.pixel(x + (col + 0.25) * s, y + (row + 0.25) * s)
            if flat_at(picture, r, c):
                rgb = [round(float(v), 4) for v in picture[r, c]]
                (white if min(rgb) > 0.99 else coloured).append({"block": block, "cell": [row, col],
                                                                 "pixel": [r, c], "rgb": rgb})
    return spread(coloured, MOST) + spread(white, 4)


def numbers(explorer, picture):
    """Dark numbers drawn in light cells: each one's text, its centre (row, col) in the picture and the
    half-size of a box around it that holds some of its strokes, where Agg's picture is dark; and how many
    dark texts the scene shows in all."""
    scene = explorer.scene
    texts = scene.texts
    keep = visible(texts, scene.value)
    xy = (texts.joined("xy") + shifts(texts, scene))[keep]
    colours = texts.joined("colors")[keep]
    strings = [s for s, k in zip(texts.flat("strings"), keep, strict=True) if k]
    found, dark = [], 0
    for text, (x, y), colour in zip(strings, xy, colours, strict=True):
        dark += bool(luminance(colour[:3]) < 0.3)
        r, c = explorer.pixel(x, y)
        cell = abs(explorer.pixel(x + 1, y)[1] - c)
        half = int(np.clip(0.3 * cell, 2, 4))
        inside = half <= r < picture.shape[0] - half and half <= c < picture.shape[1] - half
        box = picture[r - half:r + half + 1, c - half:c + half + 1] if inside else picture[:0, :0]
        if luminance(colour[:3]) < 0.3 and box.size and luminance(box).min() < 0.5 and luminance(box).max() > 0.6:
            found.append({"text": text, "pixel": [r, c], "half": half})
    return spread(found, NUMBERS), dark


def probe(explorer):
    """JSON: the explorer's class, its picture's size, its anchored blocks, its first view-only control's label (or
    null), the points, the numbers and the count of dark texts."""
    picture = agg_picture(explorer)
    view = explorer.view_controls[0] if explorer.view_controls else None
    found, dark = numbers(explorer, picture)
    return json.dumps({"name": type(explorer).__name__, "size": list(picture.shape[:2]),
                       "anchors": sorted(explorer.scene.anchors),
                       "view_label": explorer.controls[view].description if view else None,
                       "points": points(explorer, picture), "numbers": found, "dark_texts": dark})
