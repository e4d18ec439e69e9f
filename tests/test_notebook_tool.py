"""`tools/notebooks.py` on a copy of the notebooks folder: `new` scaffolds a lesson that passes `check`
and the structural lesson tests, runs top to bottom and joins the nav lines and the index; bad names
are refused; a stale learning-path table fails `check`; the per-lesson explorer declaration holds."""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import test_lessons as lessons
import test_notebooks as notebook_tests

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "notebooks.py"
_spec = importlib.util.spec_from_file_location("notebook_tool", TOOL)
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)
TITLE = "Padding: what the border adds"


@pytest.fixture
def folder(tmp_path):
    """A copy of the notebooks folder: nothing here writes into notebooks/."""
    copy = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return copy


def run(folder, *args):
    return tool.main(["--notebooks", str(folder), *args])


def next_name(folder):
    return f"{int(tool.notebooks(folder)[-1].stem[:2]) + 1:02d}_padding"


@pytest.fixture
def scaffold(folder):
    name = next_name(folder)
    assert run(folder, "new", name, TITLE, "--read-first", "01,04") == 0
    return folder / f"{name}.ipynb"


def index_text(folder):
    return notebook_tests.markdown(folder / "00_index.ipynb")


def test_a_new_lesson_passes_check_and_joins_the_nav_lines_and_the_index(scaffold, folder):
    result = subprocess.run([sys.executable, str(TOOL), "--notebooks", str(folder), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    lessons_now = tool.notebooks(folder)
    assert lessons_now[-1] == scaffold
    number, before = scaffold.stem[:2], lessons_now[-2]
    cells = nbformat.read(scaffold, as_version=4).cells
    assert cells[0].source == cells[-1].source == tool.nav_line(lessons_now, len(lessons_now) - 1)
    assert f"[← {before.stem[:2]} {tool.title(before)}]({before.name}) · [index](00_index.ipynb)" in cells[0].source
    neighbour = nbformat.read(before, as_version=4).cells
    assert f"[{number} {TITLE} →]({scaffold.name})" in neighbour[0].source
    assert neighbour[0].source == neighbour[-1].source

    text = index_text(folder)
    row = re.search(rf"^\| \[{number} {re.escape(TITLE)}\]\({scaffold.name}\) \| (.+?) \| (.+?) \| ≈ (\d+) min \|$",
                    text, flags=re.M)
    assert row, "no learning-path row for the new lesson"
    assert row[1].startswith("TODO: one sentence that promises")
    assert row[2] == "[01](01_sliding_kernel.ipynb), [04](04_dilation.ipynb)"
    assert int(row[3]) == tool.reading_minutes(scaffold)
    assert f"| TODO: a key term | TODO：术语 | [{number}]({scaffold.name}) |" in text
    assert f"]({scaffold.name}#7.-What-the-posts-get-wrong)" in text
    assert TITLE not in notebook_tests.markdown(notebook_tests.INDEX)  # the real index is untouched


def test_a_new_lesson_passes_the_structural_lesson_tests_but_is_told_from_a_finished_one(scaffold, folder):
    for test in (lessons.test_exercises_make_students_think,
                 lessons.test_each_exercise_has_a_self_check_and_a_collapsed_solution,
                 lessons.test_what_the_posts_get_wrong_is_said_in_both_languages_and_refuted,
                 lessons.test_references_give_the_papers_with_their_year,
                 notebook_tests.test_follows_the_template,
                 notebook_tests.test_every_widget_output_has_a_static_picture,
                 notebook_tests.test_no_latex_that_needs_mathjax):
        test(scaffold)
    assert notebook_tests.glossary(scaffold) == {("TODO: a key term", "TODO：术语")}
    assert f"[{scaffold.stem[:2]} {TITLE}]({scaffold.name})" in index_text(folder)
    assert lessons.placeholders(scaffold)
    with pytest.raises(AssertionError, match="still hold a TODO"):
        lessons.test_no_placeholder_of_the_template_is_left(scaffold)


def test_a_new_lesson_runs_top_to_bottom_and_its_checks_answer(scaffold, folder):
    assert run(folder, "execute", str(scaffold)) == 0
    notebook_tests.test_executed_top_to_bottom_in_one_kernel(scaffold)
    notebook_tests.test_no_errors_and_no_machine_paths(scaffold)
    notebook_tests.test_every_widget_output_has_a_static_picture(scaffold)
    lessons.test_each_solution_passes_its_check_and_no_exercise_is_committed_answered(scaffold)
    assert run(folder, "check") == 0


@pytest.mark.parametrize(("name", "title", "read_first", "message"), [
    ("8_padding", TITLE, "", "two digits"),
    ("008_padding", TITLE, "", "two digits"),
    ("08", TITLE, "", "two digits"),
    ("08-padding", TITLE, "", "two digits"),
    ("08_Padding", TITLE, "", "lowercase"),
    ("08_padding_", TITLE, "", "NN_slug"),
    ("08_two__words", TITLE, "", "NN_slug"),
    ("00_intro", TITLE, "", "00 is the index"),
    ("01_again", TITLE, "", "taken by 01_sliding_kernel.ipynb"),
    ("{next}", "", "", "title must be one line"),
    ("{next}", "Padding | borders", "", "without '|'"),
    ("{next}", "Padding\nand borders", "", "title must be one line"),
    ("{next}", TITLE, "1", "earlier lessons"),
    ("{next}", TITLE, "98", "got '98'"),
])
def test_bad_names_titles_and_prerequisites_are_refused(folder, capsys, name, title, read_first, message):
    before = sorted(p.name for p in folder.iterdir())
    assert run(folder, "new", name.replace("{next}", next_name(folder)), title, "--read-first", read_first) == 1
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_stale_learning_path_fails_check_and_index_repairs_it(folder, capsys):
    lesson = folder / "04_dilation.ipynb"
    nb = nbformat.read(lesson, as_version=4)
    top = nb.cells[1]
    old = tool.promise(lesson)
    top.source = top.source.replace(old.split(". ")[0], "Spread the taps of a kernel apart", 1)
    nbformat.write(nb, lesson)
    assert run(folder, "check") == 1
    assert "out of date: 00_index.ipynb" in capsys.readouterr().out
    assert run(folder, "index") == 0
    assert run(folder, "check") == 0
    assert "| Spread the taps of a kernel apart. Compute how far" in index_text(folder)


def test_a_lesson_naming_a_later_lesson_to_read_first_fails_check(folder, capsys):
    lesson = folder / "02_pointwise_1x1.ipynb"
    nb = nbformat.read(lesson, as_version=4)
    nb.metadata["convlab"]["read_first"] = ["05"]
    nbformat.write(nb, lesson)
    assert run(folder, "check") == 1
    assert "02_pointwise_1x1.ipynb: read_first must name earlier lessons" in capsys.readouterr().err


def test_an_index_that_lost_a_mark_fails_check(folder, capsys):
    index = folder / "00_index.ipynb"
    nb = nbformat.read(index, as_version=4)
    for cell in nb.cells:
        cell.source = cell.source.replace(tool.PATH_MARK, "")
    nbformat.write(nb, index)
    assert run(folder, "check") == 1
    assert "lost the mark" in capsys.readouterr().err


def set_explorer(path, value):
    nb = nbformat.read(path, as_version=4)
    nb.metadata.setdefault("convlab", {})["explorer"] = value
    nbformat.write(nb, path)


def test_the_explorer_check_holds_each_lesson_to_its_declaration(scaffold, folder):
    set_explorer(scaffold, True)  # says it has one, builds none
    with pytest.raises(AssertionError, match="no explorer built"):
        notebook_tests.test_every_widget_output_has_a_static_picture(scaffold)
    with_one = folder / "04_dilation.ipynb"
    set_explorer(with_one, False)  # says it has none, builds and shows one
    with pytest.raises(AssertionError, match="convlab.explorer false"):
        notebook_tests.test_every_widget_output_has_a_static_picture(with_one)
