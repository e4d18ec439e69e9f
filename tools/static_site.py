"""Build a static web site from the executed notebooks: one HTML page per notebook, showing the
outputs saved in it (nothing is re-run), and an index page. The pages load nothing from the
network, so site/index.html opens straight from the file system.

    python tools/static_site.py [OUTDIR]        # OUTDIR defaults to site/

Explorers are live widgets, which need a running kernel; on the site each one shows the
picture it saved beside the widget. Animations made with to_jshtml() keep playing: they are
plain inline JavaScript; each is also offered as a GIF (its own frames), for a slide.
"""

import base64
import io
import re
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
from nbconvert import HTMLExporter
from PIL import Image

from convlab.explorers.saving import quantized

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

# In a to_jshtml player: its frames, in order, and the ms between them.
FRAME = re.compile(r'frames\[\d+\] = "data:image/png;base64,([A-Za-z0-9+/=\\\s]+)"')  # lines end in a backslash
INTERVAL = re.compile(r"new Animation\(frames, img_id, slider_id, ([0-9.]+)")
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


def gif_of_player(page, path):
    """The frames of a to_jshtml player (its HTML, `page`) as a looping GIF at `path`; how many frames
    it has, or 0 where `page` holds no player."""
    frames = FRAME.findall(page)
    if not frames:
        return 0
    pictures = [np.asarray(Image.open(io.BytesIO(base64.b64decode(re.sub(r"[\\\s]", "", frame)))).convert("RGBA"))
                for frame in frames]
    interval = INTERVAL.search(page)
    first, *rest = quantized(pictures)
    first.save(path, format="GIF", save_all=True, append_images=rest, loop=0,
               duration=round(float(interval[1])) if interval else 500)
    return len(frames)


def animations_as_gifs(nb, out, stem):
    """After each animation's player, a link to the same animation as a GIF, written to `out`."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.outputs:
            outputs.append(output)
            page = output.get("data", {}).get("text/html", "")
            page = "".join(page) if isinstance(page, list) else page
            name = f"{stem}-animation-{count + 1}.gif"
            if "convlab_anim" in page and (frames := gif_of_player(page, out / name)):
                count += 1
                link = f'<p><a href="{name}" download>This animation as a GIF</a> ({frames} frames, for a slide)</p>'
                outputs.append(nbformat.v4.new_output("display_data", data={"text/html": link}))
        cell.outputs = outputs
    return count


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
    for old in [*out.glob("*.html"), *out.glob("*.gif")]:
        old.unlink()
    exporter, paths = offline_exporter(), notebooks()
    for path in paths:
        nb = prepared(nbformat.read(path, as_version=4))
        animations_as_gifs(nb, out, path.stem)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title(nb, path.stem)}})
        (out / page_name(path)).write_text(body, encoding="utf-8")
        print(f"wrote {out.name}/{page_name(path)}")
    print(f"{len(paths)} pages in {out.name}/ in {time.perf_counter() - started:.1f} s; open {out.name}/index.html")
    return len(paths)


if __name__ == "__main__":
    main(sys.argv[1:])
