"""The Chinese edition (issue 19) is generated, not hand-copied: every English notebook has a twin in
notebooks/zh/ built by `tools/notebooks.py translate` from the English cells and a translation source
(notebooks/zh/NN_name.md) whose blocks are keyed by cell id and the hash of the English text. A
markdown cell changed after its translation (stale) or without one (missing) fails, named; the twin
holds the English code cells (plus one language line), the translated prose with the English numbers,
and is committed executed like the English notebook."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import test_notebooks as english_tests
from test_notebook_tool import tool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import translation  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = english_tests.NOTEBOOKS
CHINESE = sorted((ROOT / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def args(*more):
    return (tool.is_generated, tool.MARKS, tool.GLOSSARY_LINE, *more)


def test_every_english_notebook_has_a_chinese_twin():
    assert [p.name for p in CHINESE] == [p.name for p in ENGLISH]
    assert [p.name for p in sorted((ROOT / "notebooks" / "zh").glob("*.md"))] == [f"{p.stem}.md" for p in ENGLISH]


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.name)
def test_every_markdown_cell_has_an_up_to_date_translation(path):
    problems = translation.problems(path, *args())
    assert not problems, "\n".join(problems)


def test_the_chinese_notebooks_are_what_translate_makes_of_the_english_ones():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "notebooks.py"), "translate", "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def folder(tmp_path):
    copy = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return copy


def edit_english(path, cell_id, change):
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.id == cell_id)
    cell.source = change(cell.source)
    nbformat.write(nb, path)


def test_a_changed_english_cell_is_named_stale_and_translate_refuses_it(folder, capsys):
    lesson = folder / "04_dilation.ipynb"
    cell_id = next(c.id for c in nbformat.read(lesson, as_version=4).cells
                   if c.cell_type == "markdown" and not tool.is_generated(c) and c.id != "cell-00")
    edit_english(lesson, cell_id, lambda text: text + "\n\nOne more sentence.")
    problems = translation.problems(lesson, *args())
    assert len(problems) == 1 and f"04_dilation.ipynb, cell {cell_id}: the English text changed" in problems[0]
    before = (folder / "zh" / "04_dilation.ipynb").read_text(encoding="utf-8")
    assert tool.main(["--notebooks", str(folder), "translate"]) == 1
    assert cell_id in capsys.readouterr().out
    assert (folder / "zh" / "04_dilation.ipynb").read_text(encoding="utf-8") == before  # nothing half-built


def test_a_new_english_cell_is_named_missing_and_stubs_gives_it_a_block_to_translate(folder):
    lesson = folder / "01_sliding_kernel.ipynb"
    nb = nbformat.read(lesson, as_version=4)
    new = nbformat.v4.new_markdown_cell("A new paragraph with 3 numbers: 7 and 11.")
    new.id = "cell-new"
    nb.cells.insert(3, new)
    nbformat.write(nb, lesson)
    assert any("cell cell-new: no translation" in p for p in translation.problems(lesson, *args()))
    assert translation.stubs(lesson, *args()) == ["cell-new"]
    blocks = translation.read_blocks(folder / "zh" / "01_sliding_kernel.md")
    assert list(blocks)[:2] == ["cell-00", "cell-new"] and translation.STUB in blocks["cell-new"][1]
    assert any("cell cell-new: the translation is unfinished" in p for p in translation.problems(lesson, *args()))


def test_a_block_without_a_cell_is_named(folder):
    source = folder / "zh" / "02_pointwise_1x1.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n<!-- cell gone · en 0123abcd -->\n某段文字\n",
                      encoding="utf-8")
    problems = translation.problems(folder / "02_pointwise_1x1.ipynb", *args())
    assert problems == ["02_pointwise_1x1.ipynb: the translation of cell gone belongs to no markdown cell"]
    nb = nbformat.read(folder / "02_pointwise_1x1.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("A new cell.", id="cell-new"))
    nbformat.write(nb, folder / "02_pointwise_1x1.ipynb")
    assert translation.stubs(folder / "02_pointwise_1x1.ipynb", *args()) == ["cell-new"]
    assert translation.read_blocks(source)["gone"] == ("0123abcd", "某段文字")  # kept for the translator


def test_a_source_with_two_blocks_for_one_cell_is_refused_with_a_message(folder, capsys):
    source = folder / "zh" / "04_dilation.md"
    first = translation.HEADER.search(source.read_text(encoding="utf-8"))[0]
    source.write_text(source.read_text(encoding="utf-8") + f"\n{first}\n又一段\n", encoding="utf-8")
    assert tool.main(["--notebooks", str(folder), "translate"]) == 1
    assert "04_dilation.md: cell cell-00 has two blocks" in capsys.readouterr().err


def test_a_prose_change_rebuilds_the_twin_and_keeps_its_outputs(folder):
    source = folder / "zh" / "06_stacking_small_kernels.md"
    blocks = translation.read_blocks(source)
    cell_id = next(iter(blocks))
    hash_, text = blocks[cell_id]
    blocks[cell_id] = (hash_, text + "\n\n补充一句。")
    translation.write_blocks(source, "06_stacking_small_kernels.ipynb", blocks)
    twin = folder / "zh" / "06_stacking_small_kernels.ipynb"
    outputs = [c.outputs for c in nbformat.read(twin, as_version=4).cells if c.cell_type == "code"]
    assert tool.main(["--notebooks", str(folder), "translate"]) == 0
    cells = nbformat.read(twin, as_version=4).cells
    assert next(c for c in cells if c.id == cell_id).source.endswith("补充一句。")
    assert [c.outputs for c in cells if c.cell_type == "code"] == outputs


def pairs(path):
    return nbformat.read(path, as_version=4).cells, nbformat.read(translation.twin(path), as_version=4).cells


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.name)
def test_the_twin_has_the_english_cells_code_and_the_chinese_prose(path):
    english, chinese = pairs(path)
    assert [(c.id, c.cell_type) for c in chinese] == [(c.id, c.cell_type) for c in english]
    code = [(e.source, c.source) for e, c in zip(english, chinese, strict=True) if e.cell_type == "code"]
    for n, (en, zh) in enumerate(code):
        assert zh == (translation.with_language_line(en) if n == 0 else en)
    for e, c in zip(english, chinese, strict=True):
        if e.cell_type == "markdown" and not tool.is_generated(e) and re.search("[A-Za-z]{3}", e.source):
            assert CJK.search(c.source), f"cell {c.id} has no Chinese"
            lost = translation.numbers_lost(translation.authored(e.source, tool.MARKS, tool.GLOSSARY_LINE), c.source)
            assert not lost, f"cell {c.id} lost the English numbers {lost}"
    assert nbformat.read(translation.twin(path), as_version=4).metadata.get("convlab") == \
        nbformat.read(path, as_version=4).metadata.get("convlab")


@pytest.mark.parametrize("path", CHINESE[1:], ids=lambda p: p.name)
def test_the_chinese_lesson_keeps_the_template_in_chinese(path):
    text = english_tests.markdown(path)
    for heading in (r"^## \d+\. 博文错在哪里", r"^## \d+\. 练习", r"^## 小结", r"^## 参考文献"):
        assert re.search(heading, text, flags=re.M), f"{path.name}: no heading {heading}"
    assert re.search(r"^术语表：\S", text, flags=re.M), "the summary's glossary line is not generated"
    assert len(re.findall(r"^\*\*练习 \d+（[^）]+）。\*\*", text, flags=re.M)) == \
        len(re.findall(r"^\*\*Exercise \d+", english_tests.markdown(tool.english_twin(path)), flags=re.M))


@pytest.mark.parametrize("path", CHINESE, ids=lambda p: p.name)
def test_committed_executed_top_to_bottom_without_errors_or_machine_paths(path):
    english_tests.test_executed_top_to_bottom_in_one_kernel(path)
    english_tests.test_no_errors_and_no_machine_paths(path)
    english_tests.test_no_latex_that_needs_mathjax(path)


@pytest.mark.parametrize("path", CHINESE[1:], ids=lambda p: p.name)
def test_every_explorer_of_the_twin_has_a_static_picture(path):
    english_tests.test_every_widget_output_has_a_static_picture(path)


def test_each_edition_links_the_other_at_the_top():
    for path in ENGLISH[1:]:
        top = nbformat.read(path, as_version=4).cells[0].source
        assert f"[中文](zh/{path.name})" in top
        assert f"[English](../{path.name})" in nbformat.read(translation.twin(path), as_version=4).cells[0].source
    assert "(zh/00_index.ipynb)" in english_tests.markdown(ENGLISH[0])
    assert "(../00_index.ipynb)" in english_tests.markdown(CHINESE[0])


def test_the_chinese_index_links_every_chinese_lesson_by_its_title_and_its_posts_section():
    text = english_tests.markdown(CHINESE[0])
    for path in CHINESE[1:]:
        title = re.search(r"^# (.+)$", nbformat.read(path, as_version=4).cells[1].source, flags=re.M)[1]
        assert f"[{path.name[:2]} {title}]({path.name})" in text
        assert re.search(rf"\]\({path.name}#\d+\.-博文错在哪里\)", text), f"no link to {path.name}'s posts section"


def explorer_labels():
    """English label (or word option) → its Chinese, over every explorer convlab ships."""
    from convlab import language
    from convlab.explorers import Explorer

    labels = {}
    for cls in Explorer.registry():
        if cls.__module__.startswith("convlab."):
            for spec in cls.example().declared.values():
                for text in (spec.label, *[o for o in getattr(spec, "options", ()) if isinstance(o, str)]):
                    labels[text] = language.tr(text, "zh")
    return labels


def test_the_chinese_prose_names_each_control_as_the_explorer_shows_it():
    """Where a Chinese lesson names a control in bold, as **中文**（English） or as its bare English label, the
    Chinese is the label the explorer shows in Chinese."""
    labels, wrong = explorer_labels(), []
    for source in sorted((ROOT / "notebooks" / "zh").glob("*.md")):
        text = source.read_text(encoding="utf-8")
        for shown, english in re.findall(r"\*\*([^*]+)\*\*\s*[（(]([^）)]+)[）)]", text):
            if english.strip() in labels and labels[english.strip()] != shown.strip():
                wrong.append(f"{source.name}: **{shown}**（{english}）, the explorer shows {labels[english.strip()]!r}")
        wrong += [f"{source.name}: **{bold}**, the explorer shows {labels[bold]!r}"
                  for bold in re.findall(r"\*\*([^*]+)\*\*", text) if labels.get(bold, bold) != bold]
    assert not wrong, "\n".join(wrong)
