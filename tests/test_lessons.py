"""The lessons teach as DESIGN.md ("Notebooks") and issue 12 ask: exercises that name their kind,
at least half needing thought, each with a self-check and a collapsed solution that passes it; a
"What the posts get wrong" section stating each wrong claim in English and Chinese and refuting it
in the next cell; and references with years. The index points to the posts sections. A lesson
scaffolded by `tools/notebooks.py new` passes the structural tests but not the one for placeholders."""

import re

import nbformat
import pytest
from test_notebooks import INDEX, LESSONS, markdown

CJK = re.compile(r"[\u4e00-\u9fff]")
KINDS = {"compute", "predict, then check", "design", "find the error", "write the code"}
THINKING = {"predict, then check", "design", "find the error"}  # not answerable by copying a printed number
EXERCISE = re.compile(r"^\*\*Exercise (\d+) \(([^)]+)\)\.\*\*", flags=re.M)


def section(path, heading):
    """The cells from the '## … heading …' markdown cell up to the next '## ' heading."""
    cells = nbformat.read(path, as_version=4).cells
    start = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"
                  and re.search(rf"^## (\d+\. )?{heading}", c.source, flags=re.M)), None)
    assert start is not None, f"{path.name} has no '## {heading}' section"
    end = next((i for i in range(start + 1, len(cells)) if cells[i].cell_type == "markdown"
                and re.search(r"^## ", cells[i].source, flags=re.M)), len(cells))
    return cells[start:end]


def output_text(cell):
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", []))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_exercises_make_students_think(path):
    """Every exercise names its kind; at least half need thought (predict, design, find the error)."""
    kinds = [kind for _, kind in EXERCISE.findall(markdown(path))]
    assert len(kinds) >= 3, f"{path.name}: {len(kinds)} exercises"
    assert set(kinds) <= KINDS, set(kinds) - KINDS
    assert 2 * sum(kind in THINKING for kind in kinds) >= len(kinds), kinds


def exercises(path):
    """(number, self-check cell, solution cell) of each exercise, with the notebook's cells."""
    cells = nbformat.read(path, as_version=4).cells
    numbers = [int(n) for n, _ in EXERCISE.findall(markdown(path))]
    solutions = [c for c in cells if c.cell_type == "code" and "solution" in c.metadata.get("tags", [])]
    assert len(solutions) == len(numbers), f"{len(solutions)} solution cells for {len(numbers)} exercises"
    found = []
    for n, solution in zip(numbers, solutions, strict=True):
        checks = [c for c in cells if c.cell_type == "code" and f'"exercise {n}")' in c.source]
        assert checks, f"exercise {n} has no self-check cell"
        found.append((n, checks[0], solution))
    return found, cells


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_each_exercise_has_a_self_check_and_a_collapsed_solution(path):
    found, cells = exercises(path)
    for _, check, solution in found:
        assert solution.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
        assert "NBVAL_CHECK_OUTPUT" in solution.source
        assert cells.index(check) < cells.index(solution)
    assert not re.search(r"^## (\d+\. )?Solutions", markdown(path), flags=re.M), "answers in plain sight"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_each_solution_passes_its_check_and_no_exercise_is_committed_answered(path):
    for n, check, solution in exercises(path)[0]:
        assert f"solution {n}: correct ✓" in output_text(solution), f"solution {n} does not pass its own check"
        assert "not answered yet" in output_text(check), f"exercise {n} is committed answered"


PLACEHOLDER = re.compile(r"\bTODO\b")  # what marks the text of a lesson scaffolded by `tools/notebooks.py new`


def placeholders(path):
    """The cells of a lesson still holding the template's placeholders."""
    return [c.source for c in nbformat.read(path, as_version=4).cells if PLACEHOLDER.search(c.source)]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_no_placeholder_of_the_template_is_left(path):
    """A scaffold passes the structural tests; only this one tells it from a finished lesson."""
    left = placeholders(path)
    assert not left, f"{len(left)} cells still hold a TODO, the first: {left[0][:120]!r}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_what_the_posts_get_wrong_is_said_in_both_languages_and_refuted(path):
    cells = section(path, "What the posts get wrong")
    claims = [i for i, c in enumerate(cells) if i > 0 and c.cell_type == "markdown"]
    assert claims, "no claim stated"
    for i in claims:
        assert CJK.search(cells[i].source), f"a claim without its Chinese statement: {cells[i].source[:80]}"
        refutation = cells[i + 1] if i + 1 < len(cells) else None
        assert refutation is not None and refutation.cell_type == "code" and "assert" in refutation.source, \
            f"a claim not refuted by the next cell: {cells[i].source[:80]}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_references_give_the_papers_with_their_year(path):
    text = "\n".join(c.source for c in section(path, "References") if c.cell_type == "markdown")
    papers = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(papers) >= 2 and all(re.search(r"\((19|20)\d\d\)", line) for line in papers), papers


def test_the_index_points_to_what_the_posts_get_wrong():
    text = markdown(INDEX)
    assert "What the posts get wrong" in text
    for lesson in LESSONS:
        assert re.search(rf"\]\({lesson.name}#[^)]*posts[^)]*\)", text), f"no link to {lesson.name}'s box"
