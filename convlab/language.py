"""The language of the explorers: `set_language("zh")` gives every explorer built afterwards (or one
built with `lang="zh"`) Chinese control labels, titles, readouts and messages; numbers, formulas,
PyTorch's parameter names and code stay as they are. English is the default. The Chinese texts live
in `convlab.zh`, keyed by the English text; `tr` looks one up and fills in its values. Pictures need a
font with Chinese glyphs: `cjk_font` finds one (Debian's fonts-noto-cjk), and where there is none,
`figure_language` keeps figure text English, with a single warning, instead of drawing boxes.
Importing this module imports neither matplotlib nor torch."""

import functools
import re
import warnings

__all__ = ["LANGUAGES", "set_language", "language", "checked", "tr", "cjk_font", "figure_language", "is_wide"]

LANGUAGES = ("en", "zh")
_current = ["en"]


def checked(lang):
    """`lang` if it is a language convlab speaks; None: the current language (`set_language`)."""
    if lang is None:
        return _current[0]
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {list(LANGUAGES)}, got {lang!r}")
    return lang


def set_language(lang):
    """The language of the explorers built from now on: "en" (the default) or "zh" (中文)."""
    _current[0] = checked(lang)


def language():
    """The language explorers are built in now."""
    return _current[0]


def tr(text, lang, **values):
    """`text` in `lang`, its {placeholders} filled in from `values`. A text without a Chinese entry
    stays English (tests/test_language.py holds every text an explorer shows to one)."""
    if lang == "zh":
        from convlab.zh import TEXTS

        text = TEXTS.get(text, text)
    return text.format(**values) if values else text


WIDE = re.compile("[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")  # CJK characters and their punctuation


def is_wide(character):
    """Whether `character` is a CJK character or CJK punctuation (drawn in the CJK font)."""
    return WIDE.match(character) is not None


# Noto Sans CJK, Simplified Chinese face first; then other CJK faces matplotlib may know
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
                "Source Han Sans SC", "Droid Sans Fallback")


CJK_FILES = ("notosanscjk", "notoserifcjk", "wqyzenhei", "sourcehansans", "droidsansfallback")


@functools.cache
def cjk_font():
    """The family name of a font with Chinese glyphs that matplotlib can use, or None. matplotlib's font
    cache may predate the font's installation (`make` installs fonts-noto-cjk when missing): then the
    system's font files are searched and a CJK one is added."""
    from matplotlib import font_manager

    def found():
        known = {font.name for font in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in known), None)

    if found() is None:
        for path in font_manager.findSystemFonts():
            if any(name in path.lower().replace("-", "").replace("_", "") for name in CJK_FILES):
                font_manager.fontManager.addfont(path)
    return found()


@functools.cache
def _warn_no_font():
    warnings.warn("no font with Chinese glyphs found for matplotlib (install fonts-noto-cjk): figure text stays "
                  "English; labels and readouts are Chinese", stacklevel=3)


def figure_language(lang):
    """The language of figure text: `lang`, except Chinese without a CJK font (then English, warned once)."""
    if lang == "zh" and cjk_font() is None:
        _warn_no_font()
        return "en"
    return lang
