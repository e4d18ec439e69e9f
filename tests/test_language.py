"""The explorers in Chinese (issue 19): under `convlab.set_language("zh")` (or `lang="zh"`) every
control label and option, picture title, readout line and message an explorer shows comes from a
Chinese text in `convlab.zh` and leaves no English word in it (numbers, formulas and PyTorch's names
stay); each Chinese text keeps its English placeholders and is used somewhere; English stays the
default; without a font with Chinese glyphs the picture's text stays English, warned once."""

import ast
import html
import re
import string
import warnings
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest

import convlab
from convlab import bench, glyphs, language
from convlab.explorers import Explorer, FCEquivalenceExplorer, SlidingKernelExplorer
from convlab.explorers.controls import choices
from convlab.zh import TEXTS

ROOT = Path(__file__).resolve().parent.parent
EXPLORERS = [c for c in Explorer.registry() if c.__module__.startswith("convlab.")]
# words a Chinese readout may keep: names of code, of networks and of units, and maths' own words
NAMES = {"out", "max", "min", "MACs", "FLOPs", "PyTorch", "NumPy", "ReLU", "AlexNet", "VGG", "ResNet", "True",
         "False", "None", "nn", "torch", "ceil", "floor", "Conv", "Pool", "Linear", "MB", "PNG", "JPEG", "GIF",
         "BMP", "SVG", "PDF", "im", "col", "vs", "id", "fc", "conv", "pool", "layer", "relu", "downsample",
         "features", "classifier", "avgpool", "maxpool", "bn", "dw", "pw", "block", "same", "valid", "TF", "TensorFlow",
         "Keras", "WaveNet", "RF"}
KEYWORD = re.compile(r"\b\w+=\S*")  # a keyword argument, e.g. count_include_pad=True or stride=None


@pytest.fixture
def chinese():
    convlab.set_language("zh")
    yield
    convlab.set_language("en")


@pytest.fixture
def misses(monkeypatch):
    """The English texts an explorer asked for in Chinese that convlab.zh does not have."""
    found, lookup = set(), language.tr

    def recording(text, lang, **values):
        if lang == "zh" and text not in TEXTS:
            found.add(text)
        return lookup(text, lang, **values)

    monkeypatch.setattr(language, "tr", recording)
    return found


def plain(markup):
    return html.unescape(re.sub(r"<[^>]+>", " ", markup.replace("<br>", "\n")))


def english_words(text):
    """The words of `text` that are English: runs of two or more Latin letters that are not a name
    convlab keeps (keyword arguments, names with digits or underscores, and single letters are code
    or maths)."""
    tokens = re.findall(r"[A-Za-z][A-Za-z0-9_.]*", KEYWORD.sub(" ", text))
    return {t for t in tokens if t.isalpha() and len(t) > 1 and t not in NAMES}


def shown(e):
    """Every text the explorer shows now, by where it is shown."""
    texts = {}
    for name, control in e.controls.items():
        texts[f"label of {name}"] = control.description
        if isinstance(control, (widgets.Dropdown, widgets.SelectionSlider)):
            texts[f"options of {name}"] = " ".join(str(o[0]) for o in control.options if isinstance(o, tuple))
    for name, play in e.plays.items():
        texts[f"play of {name}"] = play.description
    button = e.saver.children[0]
    texts["save button"] = f"{button.description} {button.tooltip}"
    if e.accepts_picture:
        texts["upload button"] = e.upload.description
    texts["readout"] = plain(e.readout.value)
    texts["picture titles"] = " | ".join(e.scene.titles_.flat("strings"))
    words = [s for s in e.scene.texts.flat("strings") if not re.fullmatch(r"[-+−.\d∞e ]*", s)]  # not numbers
    texts["picture texts"] = " | ".join(words)
    return texts


def assert_chinese(e, misses, where=""):
    for place, text in shown(e).items():
        left = english_words(text)
        assert not left, f"{type(e).__name__}{where}, {place}: English left {sorted(left)} in {text!r}"
    assert not misses, f"{type(e).__name__}{where}: no Chinese for {sorted(misses)}"


@pytest.mark.parametrize("cls", EXPLORERS, ids=lambda c: c.__name__)
def test_every_text_an_explorer_shows_is_chinese(cls, chinese, misses):
    """Each control through the values it offers (up to five of them), then a seeded random walk."""
    e, rng = cls.example(), np.random.default_rng(0)
    assert e.lang == "zh"
    assert_chinese(e, misses)
    for name, control in e.controls.items():
        start = control.value
        offered = choices(control)
        for value in [offered[i] for i in np.linspace(0, len(offered) - 1, min(5, len(offered))).astype(int)]:
            control.value = value
            assert_chinese(e, misses, f" at {name}={value!r}")
        control.value = start
    for _ in range(10):
        bench.random_change(e, rng)
        assert_chinese(e, misses, f" at {e.values()}")
    assert not e.errors.outputs


def test_a_refused_picture_is_said_in_chinese(chinese):
    e = FCEquivalenceExplorer.example()
    assert not e.use_picture(b"not a picture", "cat.png")
    text = plain(e.readout.value)
    assert "无法使用 cat.png" in text and "不是可读取的图片" in text and "显示的图片保持不变" in text, text
    assert not e.use_picture(b"", None)
    assert "上传的文件" in plain(e.readout.value)


def test_lang_keyword_beats_the_language_set_and_english_is_the_default(chinese):
    assert SlidingKernelExplorer(lang="en").controls["stride"].description == "stride"
    assert SlidingKernelExplorer().controls["stride"].description == "步幅"
    convlab.set_language("en")
    assert language.language() == "en"
    assert SlidingKernelExplorer().controls["stride"].description == "stride"
    assert SlidingKernelExplorer(lang="zh").controls["stride"].description == "步幅"


@pytest.mark.parametrize("bad", ["fr", "ZH", 1, ""])
def test_an_unknown_language_is_refused(bad):
    with pytest.raises(ValueError, match=r"lang must be one of \['en', 'zh'\], got"):
        convlab.set_language(bad)
    with pytest.raises(ValueError, match="lang must be one of"):
        SlidingKernelExplorer(lang=bad)
    assert language.language() == "en"


def test_numbers_and_formulas_are_the_same_in_both_languages():
    en = SlidingKernelExplorer(input_size=6, kernel_size=3, stride=2)
    zh = SlidingKernelExplorer(input_size=6, kernel_size=3, stride=2, lang="zh")
    assert en.state["output_size"] == zh.state["output_size"] and en.state["code"] == zh.state["code"]
    numbers = re.compile(r"\d+")
    assert numbers.findall(plain(en.readout.value)) == numbers.findall(plain(zh.readout.value))


def placeholders(text):
    return sorted(field for _, field, _, _ in string.Formatter().parse(text) if field is not None)


@pytest.mark.parametrize("english", sorted(TEXTS), ids=lambda t: t[:40])
def test_each_chinese_text_keeps_the_placeholders_of_its_english(english):
    assert placeholders(TEXTS[english]) == placeholders(english)
    assert re.search(r"[\u4e00-\u9fff]", TEXTS[english]), f"no Chinese in {TEXTS[english]!r}"


def string_constants():
    found = set()
    for path in (ROOT / "convlab").rglob("*.py"):
        if path.name != "zh.py":
            found |= {n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                      if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return found


def test_every_chinese_text_is_used():
    unused = set(TEXTS) - string_constants()
    assert not unused, f"texts in convlab.zh that no module shows: {sorted(unused)}"


def test_the_picture_draws_chinese_with_real_glyphs():
    """The CJK font is found, and a Chinese character's outline is not the missing-glyph box that a
    character no font has (a private-use code point) gets."""
    assert language.cjk_font() is not None, "no CJK font: `make` installs fonts-noto-cjk"
    box = glyphs.glyphs("\ue000")
    for ch in "输入卷积":
        outline = glyphs.glyphs(ch)
        assert len(outline.vertices) != len(box.vertices) or not np.allclose(outline.vertices, box.vertices)
        assert glyphs.width(ch) > 1.5 * glyphs.width("0")  # a full-width character, not a narrow fallback


def test_without_a_cjk_font_figures_stay_english_with_one_warning(monkeypatch):
    language.cjk_font.cache_clear(), language._warn_no_font.cache_clear()
    monkeypatch.setattr(language, "cjk_font", lambda: None)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            e = SlidingKernelExplorer(lang="zh")
            SlidingKernelExplorer(lang="zh")
        assert len([w for w in caught if "Chinese glyphs" in str(w.message)]) == 1
        assert not english_words(plain(e.readout.value)) and e.controls["stride"].description == "步幅"
        assert "input 1×5×5" in e.scene.titles_.flat("strings")
    finally:
        language._warn_no_font.cache_clear()


def test_a_cjk_font_installed_after_matplotlibs_font_cache_was_built_is_found(monkeypatch):
    from matplotlib import font_manager

    without = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", without)
    language.cjk_font.cache_clear()
    try:
        assert language.cjk_font() == "Noto Sans CJK SC"
    finally:
        language.cjk_font.cache_clear()
