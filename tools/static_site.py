"""Build a static web site from the executed notebooks: one HTML page per notebook, showing the
outputs saved in it (nothing is re-run), and an index page, for each edition: the English one in
site/, the Chinese one (notebooks/zh/) in site/zh/. The pages load nothing from the network, so
site/index.html opens straight from the file system; each page links its twin in the other edition.

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
ZH = "zh"  # the Chinese edition: notebooks/zh/ becomes site/zh/
# On every page, a fixed link to its twin in the other edition: (the link's text, its language).
TWIN_LINK = {"en": ("中文", "zh"), "zh": ("English", "en")}
# After each animation: a link to it as a GIF (the link's text, then the rest of the line).
GIF_LINK = {"en": ("This animation as a GIF", " ({frames} frames, for a slide)"),
            "zh": ("这段动画的 GIF", "（{frames} 帧，可放进幻灯片）")}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# nbconvert's "lab" template with the blocks that load scripts from a CDN left empty:
# require.js, MathJax (the notebooks have no LaTeX), Mermaid and the Jupyter widgets manager;
# each exercise's solution (a cell tagged "solution") behind a closed "Show solution" box ("显示答案" in
# a Chinese notebook), with the same macros as the Voila presentation template; and at the top right of
# every page, a fixed link to its twin in the other edition ("中文" / "English").
SOLUTION_MACROS = ROOT / "share" / "voila" / "templates" / "convlab"
OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- from 'solution.macro.html.j2' import language, solution_box, solution_css -%}
{% block html_head_js_requirejs %}{% endblock %}
{% block html_head_js_mathjax %}{% endblock %}
{% block html_head_js_mermaidjs %}{% endblock %}
{% block jupyter_widgets %}{% endblock %}
{% block notebook_css %}{{ super() }}{{ solution_css() }}
<style>
  nav.convlab-language { position: fixed; top: 8px; right: 12px; z-index: 10; padding: 2px 10px;
    background: var(--jp-layout-color0, #fff); border: 1px solid #9ecae1; border-radius: 4px;
    font-family: var(--jp-ui-font-family, system-ui, sans-serif); font-size: 14px; }
  nav.convlab-language a { color: #08519c; text-decoration: none; font-weight: 600; }
</style>
{% endblock notebook_css %}
{%- block body_header -%}
{{ super() }}
{%- set twin = resources.convlab_twin -%}
{%- if twin %}
<nav class="convlab-language">
<a href="{{ twin.href }}" hreflang="{{ twin.lang }}" lang="{{ twin.lang }}">{{ twin.text }}</a>
</nav>
{%- endif -%}
{%- endblock body_header -%}
{%- block codecell -%}
{%- if 'solution' in cell.metadata.get('tags', []) -%}
{%- call solution_box(cell, resources, language(nb)) -%}{{ super() }}{%- endcall -%}
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


def notebooks(folder=NOTEBOOKS):
    """The notebooks of both editions: the English ones in `folder`, then the Chinese ones in `folder`/zh."""
    return [*sorted(folder.glob("[0-9][0-9]_*.ipynb")), *sorted((folder / ZH).glob("[0-9][0-9]_*.ipynb"))]


def edition(path):
    """'zh' for a notebook of the Chinese edition (in notebooks/zh/), else 'en'."""
    return ZH if Path(path).parent.name == ZH else "en"


def page_name(path):
    """The site page for a notebook: 00_index.ipynb is the site's index page."""
    return "index.html" if Path(path).name == INDEX_NOTEBOOK else f"{Path(path).stem}.html"


def site_path(path):
    """Where a notebook's page lies in the site: 'NN_name.html', or 'zh/NN_name.html' for the Chinese edition."""
    return f"{ZH}/{page_name(path)}" if edition(path) == ZH else page_name(path)


def twin_link(path):
    """The link from a notebook's page to its twin's page in the other edition, for the template
    (href relative to the page, its text and language), or None where the twin does not exist."""
    path = Path(path)
    twin = path.parent.parent / path.name if edition(path) == ZH else path.parent / ZH / path.name
    if not twin.exists():
        return None
    text, lang = TWIN_LINK[edition(path)]
    return {"href": ("../" if edition(path) == ZH else f"{ZH}/") + page_name(path), "text": text, "lang": lang}


def title(nb, default):
    """The first '# ' heading in the notebook's markdown (the nav line at the top has none)."""
    for cell in nb.cells:
        match = re.search(r"^# (.+)$", cell.source, flags=re.M) if cell.cell_type == "markdown" else None
        if match:
            return match.group(1).strip()
    return default


def site_link(target):
    """Where a link in a notebook points on the site: notebooks become their pages, in the same
    folder or another ('zh/04_dilation.ipynb' → 'zh/04_dilation.html', '../00_index.ipynb' →
    '../index.html'); the README (the notebooks' index outside the site, '../README.md' from
    notebooks/, '../../README.md' from notebooks/zh/) becomes the edition's index.html; anything else stays."""
    if re.fullmatch(r"(\.\./){1,2}README\.md(#.*)?", target):
        return "index.html"
    match = re.fullmatch(r"((?:\.\./|[\w-]+/)*)(\d\d_[\w-]+\.ipynb)(#.*)?", target)
    if match:
        return match[1] + page_name(match[2]) + (match[3] or "")
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


def animations_as_gifs(nb, out, stem, lang="en"):
    """After each animation's player, a link to the same animation as a GIF, written to `out`; the
    link's words in the page's language."""
    text, rest = GIF_LINK[lang]
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
                link = f'<p><a href="{name}" download>{text}</a>{rest.format(frames=frames)}</p>'
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


def remove_old_pages(out):
    """The pages and GIFs of an earlier build, of both editions (a notebook since removed leaves none)."""
    for folder in (out, out / ZH):
        for old in [*folder.glob("*.html"), *folder.glob("*.gif")]:
            old.unlink()


def main(argv=()):
    started = time.perf_counter()
    out = Path(argv[0]) if argv else ROOT / "site"
    out.mkdir(parents=True, exist_ok=True)
    remove_old_pages(out)
    exporter, paths = offline_exporter(), notebooks()
    for path in paths:
        page = out / site_path(path)
        page.parent.mkdir(exist_ok=True)
        nb = prepared(nbformat.read(path, as_version=4))
        animations_as_gifs(nb, page.parent, path.stem, edition(path))
        exporter.language_code = edition(path)  # <html lang="en"> or <html lang="zh">
        resources = {"metadata": {"name": title(nb, path.stem)}, "convlab_twin": twin_link(path)}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        page.write_text(body, encoding="utf-8")
        print(f"wrote {out.name}/{site_path(path)}")
    print(f"{len(paths)} pages in {out.name}/ in {time.perf_counter() - started:.1f} s; open {out.name}/index.html")
    return len(paths)


if __name__ == "__main__":
    main(sys.argv[1:])
