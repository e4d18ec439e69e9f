"""Text as glyph outlines: each string becomes one matplotlib Path at 1 point, built from cached
single characters, so hundreds of numbers draw as one PathCollection (~1 ms) instead of
hundreds of Text artists (~100 ms)."""

from functools import cache, lru_cache

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextPath

from convlab import language

__all__ = ["FONT", "glyphs", "width"]

FONT = FontProperties(family="DejaVu Sans")


@cache
def _font(ch):
    """DejaVu Sans, or for a Chinese character the CJK font (where there is one)."""
    family = language.cjk_font() if language.is_wide(ch) else None
    return FontProperties(family=family) if family else FONT


@cache
def _character(ch):
    """One character's outline at 1 point, and how far it advances the pen (measured
    between zeros, so it works for a space too)."""
    def right_edge(text):
        return TextPath((0, 0), text, size=1.0, prop=_font(ch)).vertices[:, 0].max()

    blank = Path(np.zeros((0, 2)), np.zeros(0, Path.code_type))  # TextPath fails on a lone space
    outline = blank if ch.isspace() else TextPath((0, 0), ch, size=1.0, prop=_font(ch))
    return outline, right_edge(f"0{ch}0") - right_edge("00")


@lru_cache(maxsize=8192)
def glyphs(text):
    """The outline of `text` at 1 point, centred on (0, 0): across by its own width, up and
    down by the height of a digit, so that all labels share a baseline. Laying out a new string
    with TextPath takes about 1 ms; joining cached characters, microseconds."""
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


def width(text):
    """The width of `text` at 1 point (0 for an empty or blank string)."""
    vertices = glyphs(text).vertices
    return float(np.ptp(vertices[:, 0])) if len(vertices) else 0.0
