"""The committed notebooks are what a reader without a kernel needs: executed top to bottom
in one fresh kernel, with their figures, with no errors, no machine paths and an
up-to-date navigation line; the index links every lesson and gathers every lesson's
glossary. (Their outputs are re-checked by `pytest --nbval-lax`.)"""

import base64
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
INDEX = ROOT / "notebooks" / "00_index.ipynb"
LESSONS = [p for p in NOTEBOOKS if p != INDEX]
MACHINE_PATHS = re.compile(r"/(tmp|root|home|work|usr|opt)/|site-packages|\\\\Users\\\\|[A-Z]:\\\\")


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" and c.source.strip()]


def test_the_notebooks_exist():
    assert [p.name for p in NOTEBOOKS][:2] == ["00_index.ipynb", "01_sliding_kernel.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_top_to_bottom_in_one_kernel(path):
    counts = [c.execution_count for c in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1))


def readable_text(path):
    """Sources and text outputs, without embedded base64 pictures (where '/tmp/' could
    occur by chance)."""
    parts = []
    for cell in nbformat.read(path, as_version=4).cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts += [output.get("text", ""), data.get("text/plain", ""), *output.get("traceback", []),
                      re.sub(r"data:image/\w+;base64,[A-Za-z0-9+/=]+", "", data.get("text/html", ""))]
    return "\n".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_errors_and_no_machine_paths(path):
    for cell in code_cells(path):
        for output in cell.outputs:
            assert output.output_type != "error", cell.source
            assert output.get("name") != "stderr", f"stderr in cell:\n{cell.source}\n{output.get('text')}"
    found = MACHINE_PATHS.search(readable_text(path))
    assert not found, found.group(0)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_follows_the_template(path):
    cells = nbformat.read(path, as_version=4).cells
    first_code = code_cells(path)[0].source
    assert "import" in first_code and "seed" in first_code
    sources = "\n".join(c.source for c in cells)
    assert "NBVAL_CHECK_OUTPUT" in sources
    assert "assert" in sources and "torch" in sources  # checked against PyTorch
    assert re.search(r"[\u4e00-\u9fff]", sources)  # the glossary line in Chinese
    assert re.search(r"^#+ .*Exercise", sources, flags=re.M)


EXPLORER_CALL = re.compile(r"(?<!class )\b(?:[A-Z]\w*)?Explorer\b(?:\.\w+)?\(")  # DilationExplorer(, Explorer.x(


def declares_an_explorer(path):
    """A lesson opens an explorer unless its metadata says {"convlab": {"explorer": false}}."""
    return nbformat.read(path, as_version=4).metadata.get("convlab", {}).get("explorer", True)


def builds_an_explorer(path):
    return any(EXPLORER_CALL.search(c.source) for c in code_cells(path) if "solution" not in c.metadata.get("tags", []))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_widget_output_has_a_static_picture(path):
    """GitHub and nbviewer cannot run widgets: each explorer output carries a PNG too. A lesson may have
    no explorer, if it says so; one that says it has one must build and show it."""
    widget_outputs = [o for c in code_cells(path) for o in c.outputs
                      if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    if declares_an_explorer(path):
        assert builds_an_explorer(path), "no explorer built: build one, or declare none (convlab.explorer false)"
        assert widget_outputs, "an explorer is built but none is shown: execute the notebook"
    else:
        assert not builds_an_explorer(path) and not widget_outputs, \
            "an explorer in a lesson whose metadata says convlab.explorer false: set it to true"
    for output in widget_outputs:
        png = base64.b64decode(output["data"]["image/png"])
        assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_navigation_lines_are_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "notebooks.py"), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def markdown(path):
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")


def glossary(path):
    """(English, 中文) rows of the lesson's key-terms table, at the top of the notebook."""
    top = nbformat.read(path, as_version=4).cells[1].source
    rows = {m.groups() for m in re.finditer(r"^\| (.+?) \| (.+?) \|$", top, flags=re.M)}
    return rows - {("English", "中文"), ("---", "---")}


def test_the_index_links_every_lesson_and_holds_every_glossary_term():
    text = markdown(INDEX)
    linked = set(re.findall(r"\]\((\d\d_\w+\.ipynb)\)", text))
    assert linked == {p.name for p in LESSONS}
    index_terms = {m.groups()[:2] for m in re.finditer(r"^\| (.+?) \| (.+?) \| .+ \|$", text, flags=re.M)}
    for lesson in LESSONS:
        assert glossary(lesson), f"{lesson.name} has no key-terms table"
        missing = glossary(lesson) - index_terms
        assert not missing, f"terms of {lesson.name} missing from the index's glossary: {sorted(missing)}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_the_index_names_each_lesson_by_its_title(path):
    title = re.search(r"^# (.+)$", nbformat.read(path, as_version=4).cells[1].source, flags=re.M).group(1)
    assert f"[{path.name[:2]} {title}]({path.name})" in markdown(INDEX)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_latex_that_needs_mathjax(path):
    """Voila and the static site must not need MathJax from a CDN: formulas are written in Unicode."""
    assert not re.search(r"\$\$|\\frac|\\text\{|\\sum", markdown(path))


def test_the_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme, path.name

