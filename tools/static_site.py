"""Build a static web site from the executed notebooks: one HTML page per notebook, showing the
outputs saved in it (nothing is re-run), and an index page. The pages load nothing from the
network, so site/index.html opens straight from the file system.

    python tools/static_site.py [OUTDIR]        # OUTDIR defaults to site/

Explorers are live widgets, which need a running kernel; on the site each one shows the
picture it saved beside the widget. Animations made with to_jshtml() keep playing: they are
plain inline JavaScript.
"""

import re
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
INDEX_NOTEBOOK = "00_index.ipynb"  # the learning path: the site's index.html
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# nbconvert's "lab" template with the blocks that load scripts from a CDN left empty:
# require.js, MathJax (the notebooks have no LaTeX), Mermaid and the Jupyter widgets manager;
# and each exercise's solution (a cell tagged "solution") behind a closed "Show solution" box,
# with the same macro as the Voila presentation template.
SOLUTION_MACROS = ROOT / "share" / "voila" / "templates" / "convlab"
OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- from 'solution.macro.html.j2' import solution_box, solution_css -%}
{% block html_head_js_requirejs %}{% endblock %}
{% block html_head_js_mathjax %}{% endblock %}
{% block html_head_js_mermaidjs %}{% endblock %}
{% block jupyter_widgets %}{% endblock %}
{% block notebook_css %}{{ super() }}{{ solution_css() }}{% endblock notebook_css %}
{%- block codecell -%}
{%- if 'solution' in cell.metadata.get('tags', []) -%}
{%- call solution_box(cell, resources) -%}{{ super() }}{%- endcall -%}
{%- else -%}
{{ super() }}
{%- endif -%}
{%- endblock codecell -%}
"""

# A markdown link target `](target)` or an HTML one `href="target"`.
LINK = re.compile(r'(\]\(|href=")([^)\s"]+)')


def notebooks():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def page_name(path):
    """The site page for a notebook: 00_index.ipynb is the site's index page."""
    return "index.html" if path.name == INDEX_NOTEBOOK else f"{path.stem}.html"


def title(nb, default):
    """The first '# ' heading in the notebook's markdown (the nav line at the top has none)."""
    for cell in nb.cells:
        match = re.search(r"^# (.+)$", cell.source, flags=re.M) if cell.cell_type == "markdown" else None
        if match:
            return match.group(1).strip()
    return default


def site_link(target):
    """Where a link in a notebook points on the site: notebooks become their pages, the README
    (the notebooks' index outside the site) becomes index.html, anything else stays."""
    if target.startswith("../README.md"):
        return "index.html"
    match = re.fullmatch(r"(\d\d_[\w-]+\.ipynb)(#.*)?", target)
    if match:
        return page_name(Path(match[1])) + (match[2] or "")
    return target


def relink(source):
    return LINK.sub(lambda m: m[1] + site_link(m[2]), source)


def static_outputs(outputs):
    """The outputs without live widget views, which cannot run in a static page. An explorer
    saves a picture (and text) beside its widget, so that is what shows; an output that is only
    a widget would be an empty box and is left out."""
    kept = []
    for output in outputs:
        data = output.get("data", {})
        if WIDGET_VIEW in data:
            data.pop(WIDGET_VIEW)
            if set(data) <= {"text/plain"}:
                continue
        kept.append(output)
    return kept


def prepared(nb):
    """nb made ready for a static page: links to pages, no widgets, the heading as <title>."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = relink(cell.source)
        if cell.cell_type == "code":
            cell.outputs = static_outputs(cell.outputs)
    nb.metadata.pop("widgets", None)  # saved widget state: would load the widget manager
    return nb


def offline_exporter():
    return HTMLExporter(template_name="lab", raw_template=OFFLINE_TEMPLATE, extra_template_paths=[str(SOLUTION_MACROS)])


def main(argv=()):
    started = time.perf_counter()
    out = Path(argv[0]) if argv else ROOT / "site"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.html"):
        old.unlink()
    exporter, paths = offline_exporter(), notebooks()
    for path in paths:
        nb = prepared(nbformat.read(path, as_version=4))
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title(nb, path.stem)}})
        (out / page_name(path)).write_text(body, encoding="utf-8")
        print(f"wrote {out.name}/{page_name(path)}")
    print(f"{len(paths)} pages in {out.name}/ in {time.perf_counter() - started:.1f} s; open {out.name}/index.html")
    return len(paths)


if __name__ == "__main__":
    main(sys.argv[1:])
