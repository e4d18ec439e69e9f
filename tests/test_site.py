"""The static site built by tools/static_site.py: a page per notebook plus index.html, for the English
edition in the site's root and the Chinese one (notebooks/zh/) in zh/; the pages load nothing from the
network, show the explorers' saved pictures, keep the to_jshtml animations playing, link to each other
and each to its twin in the other edition. The site is built once into a temporary directory, never
into site/. Also the Voila template's Chinese notebooks ("显示答案", <html lang="zh">), which shares the
solution box with the site.

The browser tests (marked `browser`) open each page from the file system in headless Chromium and
save a full-page screenshot to test-artifacts/site/ (git-ignored).
"""

import asyncio
import functools
import html
import importlib.util
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "site"
ENGLISH = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHINESE = sorted((REPO / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb"))
NOTEBOOKS = ENGLISH + CHINESE
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
VIEWPORT = {"width": 1400, "height": 1000}

# Anything the browser would fetch from the network: a src= or <link href=> or a module import.
NETWORK_LOAD = re.compile(r"""\bsrc\s*=\s*["']?https?://|<link\b[^>]*\bhref\s*=\s*["']?https?://"""
                          r"""|\bimport\(\s*["']https?://""", re.I)
HREF = re.compile(r"""\bhref\s*=\s*["']([^"']*)["']""", re.I)
ID = re.compile(r"""\bid\s*=\s*["']([^"']*)["']""")
LANGUAGE_LINK = re.compile(r'<nav class="convlab-language">\s*'
                           r'<a href="([^"]+)" hreflang="(\w+)" lang="(\w+)">([^<]+)</a>')


def load_site_module():
    spec = importlib.util.spec_from_file_location("convlab_site", REPO / "tools" / "static_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SITE = load_site_module()


def is_chinese(path):
    return path.parent.name == "zh"


def page_of(path):
    """The page's path in the site: NN_name.html or index.html, in zh/ for the Chinese edition."""
    name = "index.html" if path.name == "00_index.ipynb" else f"{path.stem}.html"
    return f"zh/{name}" if is_chinese(path) else name


def twin_of(path):
    """The same notebook in the other edition."""
    return path.parent.parent / path.name if is_chinese(path) else path.parent / "zh" / path.name


def outputs(path):
    nb = nbformat.read(path, as_version=4)
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def png_count(path):
    return sum("image/png" in o.get("data", {}) for o in outputs(path))


def has_explorer(path):
    return any({WIDGET_VIEW, "image/png"} <= set(o.get("data", {})) for o in outputs(path))


def has_animation(path):
    """A matplotlib Animation.to_jshtml() output: its markup has a frame slider and a Play button."""
    return any("anim-slider" in o.get("data", {}).get("text/html", "") for o in outputs(path))


def heading(path):
    for cell in nbformat.read(path, as_version=4).cells:
        match = re.search(r"^# (.+)$", cell.source, flags=re.M) if cell.cell_type == "markdown" else None
        if match:
            return match.group(1).strip()


def solution_cells(path):
    """The notebook's solution cells (code cells tagged "solution")."""
    return [c for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "code" and "solution" in c.metadata.get("tags", [])]


def words(text):
    return " ".join(text.split())


def printed(cell):
    """The first line the cell printed (its saved stream output), its spaces as words() has them; or None."""
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return words(text.strip().splitlines()[0]) if text.strip() else None


def notebook_id(path):
    return f"zh/{path.stem}" if is_chinese(path) else path.stem


PAGES = sorted({page_of(p) for p in NOTEBOOKS} | {"index.html"})
NOTEBOOK_OF = {page_of(p): p for p in NOTEBOOKS}
NOTEBOOK_PAGES = [page_of(p) for p in NOTEBOOKS if p.name != "00_index.ipynb"]
EXPLORERS = [p for p in NOTEBOOKS if has_explorer(p)]
ANIMATED = [p for p in NOTEBOOKS if has_animation(p)]
ANIMATED_PAGES = {page_of(p) for p in ANIMATED}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Both editions, built once."""
    out = tmp_path_factory.mktemp("site")
    (out / "zh").mkdir()
    for stale in ("99_stale.html", "zh/99_stale.html", "zh/99_stale-animation-1.gif"):
        (out / stale).write_text("from an earlier build")  # a rebuild must remove it
    SITE.main([str(out)])
    return out


@functools.cache
def read_page(path):
    return path.read_text(encoding="utf-8")


def read(site, name):
    return read_page(site / name)


def test_the_notebooks_have_the_features_tested_here():
    assert NOTEBOOK_PAGES and EXPLORERS and ANIMATED
    assert [p.name for p in CHINESE] == [p.name for p in ENGLISH], "every notebook has a Chinese twin"


def test_every_notebook_has_a_page_and_stale_pages_are_gone(site):
    built = sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))
    assert built == PAGES and "zh/index.html" in built
    others = [p for p in site.rglob("*") if p.is_file() and p.suffix != ".html"]
    assert all(re.fullmatch(r"\d\d_[\w-]+-animation-\d+\.gif", p.name) for p in others), others
    assert {p.parent for p in site.rglob("*") if p.is_file()} <= {site, site / "zh"}


@pytest.mark.parametrize("target, expected", [
    ("02_pointwise_1x1.ipynb", "02_pointwise_1x1.html"),
    ("02_pointwise_1x1.ipynb#2.-Compute-it", "02_pointwise_1x1.html#2.-Compute-it"),
    ("00_index.ipynb", "index.html"),
    ("00_index.ipynb#The-learning-path", "index.html#The-learning-path"),
    ("../README.md", "index.html"),
    ("../README.md#notebooks", "index.html"),
    ("../../README.md", "index.html"),  # from notebooks/zh/: the Chinese index
    ("zh/04_dilation.ipynb", "zh/04_dilation.html"),
    ("zh/00_index.ipynb", "zh/index.html"),
    ("../04_dilation.ipynb", "../04_dilation.html"),
    ("../04_dilation.ipynb#3.-Receptive-fields", "../04_dilation.html#3.-Receptive-fields"),
    ("../00_index.ipynb", "../index.html"),
    ("04_dilation.ipynb#10.-%E5%8D%9A%E6%96%87", "04_dilation.html#10.-%E5%8D%9A%E6%96%87"),
    ("https://pytorch.org/docs", "https://pytorch.org/docs"),
    ("#Summary", "#Summary"),
])
def test_notebook_links_become_page_links(target, expected):
    assert SITE.site_link(target) == expected


@pytest.mark.parametrize("index, lessons", [("index.html", ENGLISH), ("zh/index.html", CHINESE)])
def test_each_index_links_every_page_of_its_edition(site, index, lessons):
    links = {(site / index).parent.joinpath(href.split("#")[0]).resolve() for href in HREF.findall(read(site, index))}
    assert {(site / page_of(p)).resolve() for p in lessons if p.name != "00_index.ipynb"} <= links


def local_targets(site, name):
    """(file, anchor) of each link on the page to a page or GIF of the site, relative to the page's folder."""
    targets = set()
    for href in HREF.findall(read(site, name)):
        target, _, anchor = href.partition("#")
        if target.endswith((".html", ".gif")) and "://" not in target:
            targets.add(((site / name).parent / target, anchor))
    return targets


@pytest.mark.parametrize("name", PAGES)
def test_local_links_resolve(site, name):
    targets = {href.split("#")[0] for href in HREF.findall(read(site, name))}
    assert not {t for t in targets if t.endswith((".ipynb", ".md"))}, "links left pointing at notebooks"
    missing = {str(path) for path, _ in local_targets(site, name) if not path.is_file()}
    assert not missing
    assert all(path.resolve().is_relative_to(site.resolve()) for path, _ in local_targets(site, name))


@pytest.mark.parametrize("name", PAGES)
def test_links_to_a_section_find_its_heading(site, name):
    anchored = {(path, anchor) for path, anchor in local_targets(site, name) if anchor and path.suffix == ".html"}
    missing = {(path.name, anchor) for path, anchor in anchored if anchor not in ID.findall(read_page(path))}
    assert not missing


@pytest.mark.parametrize("name", PAGES)
def test_the_page_says_its_language(site, name):
    lang = "zh" if name.startswith("zh/") else "en"
    assert re.search(r"<html\b[^>]*>", read(site, name))[0] == f'<html lang="{lang}">'


@pytest.mark.parametrize("name", PAGES)
def test_every_page_links_its_twin_in_the_other_edition(site, name):
    """A fixed "中文" / "English" link at the top of every page, to the same notebook's page in the other
    edition; and a lesson's nav line (first and last cell) links it too."""
    path = NOTEBOOK_OF[name]
    links = LANGUAGE_LINK.findall(read(site, name))
    assert len(links) == 1, links
    href, hreflang, lang, text = links[0]
    assert ((site / name).parent / href).resolve() == (site / page_of(twin_of(path))).resolve()
    assert (text, hreflang, lang) == (("English", "en", "en") if is_chinese(path) else ("中文", "zh", "zh"))
    in_prose = [h for h in HREF.findall(read(site, name)) if h == href]
    assert len(in_prose) >= (3 if path.name != "00_index.ipynb" else 2)  # the fixed link, then the nav lines


@pytest.mark.parametrize("name", PAGES)
def test_nothing_is_loaded_from_the_network(site, name):
    assert not NETWORK_LOAD.findall(read(site, name))


@pytest.mark.parametrize("name", PAGES)
def test_no_paths_of_this_machine(site, name):
    text = read(site, name)
    for path in {"/work/", str(REPO), f"{Path.home()}/"}:
        assert path not in text


@pytest.mark.parametrize("path", EXPLORERS, ids=notebook_id)
def test_explorers_show_their_saved_pictures_not_widgets(site, path):
    text = read(site, page_of(path))
    assert len(re.findall(r"<img[^>]*\bsrc=\"data:image/png;base64,", text)) >= png_count(path)
    assert WIDGET_VIEW not in text


@pytest.mark.parametrize("path", ANIMATED, ids=notebook_id)
def test_animations_keep_their_controls(site, path):
    text = read(site, page_of(path))
    assert 'title="Play"' in text and "anim-slider" in text


@pytest.mark.parametrize("path", ANIMATED, ids=notebook_id)
def test_each_animation_is_offered_as_a_gif_of_its_own_frames(site, path):
    from PIL import Image, ImageSequence

    text = read(site, page_of(path))
    players = text.count('title="Play"')
    words = r"这段动画的 GIF</a>（(\d+) 帧" if is_chinese(path) else r"This animation as a GIF</a> \((\d+) frames"
    offered = re.findall(r'<a [^>]*href="([^"]+\.gif)"[^>]*>' + words, text)
    assert len(offered) == players >= 1
    for name, frames in offered:
        with Image.open((site / page_of(path)).parent / name) as gif:
            shown = [frame.convert("RGB") for frame in ImageSequence.Iterator(gif)]
        # Pillow stores two equal pictures in a row as one frame: at most the player's frames, and moving
        assert 2 <= len(shown) <= int(frames) and shown[0].size[0] >= 400
        pictures = [np.asarray(frame).tobytes() for frame in shown]
        assert len(set(pictures)) >= 2


LESSONS = [p for p in NOTEBOOKS if p.name != "00_index.ipynb"]


@pytest.mark.parametrize("path", LESSONS, ids=notebook_id)
def test_solutions_wait_behind_show_solution(site, path):
    """Each solution cell, code and output, sits in a closed <details> box, "Show solution" or, in the
    Chinese edition, "显示答案"; nothing else does."""
    text = read(site, page_of(path))
    label = "显示答案" if is_chinese(path) else "Show solution"
    boxes = re.findall(rf"<details class=\"convlab-solution\">\s*<summary>{label}</summary>(.*?)</details>", text,
                       flags=re.S)
    assert solution_cells(path) and len(boxes) == len(solution_cells(path))
    for box, cell in zip(boxes, solution_cells(path), strict=True):
        assert "celltag_solution" in box
        assert is_chinese(path) or "correct ✓" in box  # the English edition is always executed
        shown = html.unescape(re.sub(r"<[^>]+>", "", box))  # the highlighted code as text
        assert all(line in shown for line in cell.source.strip().splitlines()[-2:])
        assert printed(cell) is None or printed(cell) in words(shown)  # a page puts each output in its own <pre>
    assert text.count("celltag_solution") == len(boxes) and text.count("<summary>") == len(boxes)


@pytest.mark.parametrize("path", LESSONS, ids=notebook_id)
def test_page_title_is_the_notebook_heading(site, path):
    assert f"<title>{html.escape(heading(path), quote=False)}</title>" in read(site, page_of(path))


# --- the edition, as the templates tell it (the site and Voila) ---------------------------------

def template_language(nb):
    """The edition the shared macro reads from a notebook: 'zh' or 'en'."""
    macros = SITE.offline_exporter().environment.get_template("solution.macro.html.j2").module
    return str(macros.language(nb))


def test_the_templates_tell_every_notebooks_edition():
    assert {p.name: template_language(nbformat.read(p, as_version=4)) for p in NOTEBOOKS if is_chinese(p)} == {
        p.name: "zh" for p in CHINESE}
    assert {template_language(nbformat.read(p, as_version=4)) for p in ENGLISH} == {"en"}


def notebook(*cells):
    """A notebook of markdown cells (text) and code cells (("code", source))."""
    new = nbformat.v4
    return new.new_notebook(cells=[new.new_code_cell(c[1]) if isinstance(c, tuple) else new.new_markdown_cell(c)
                                   for c in cells])


@pytest.mark.parametrize("nb, expected", [
    (notebook("nav", ("code", 'import convlab; convlab.set_language("zh")')), "zh"),  # the language line alone
    (notebook("[← 03](03.ipynb) · [English](../04_dilation.ipynb)", ("code", "import numpy")), "zh"),  # the link alone
    (notebook("# 索引\n\n[English](../00_index.ipynb)"), "zh"),  # an index: no code cell
    (notebook("[中文](zh/04_dilation.ipynb)", ("code", "import numpy"), ("code", 'convlab.set_language("zh")')), "en"),
    (notebook(), "en"),
], ids=["language line", "link to the English twin", "index", "English", "empty"])
def test_the_edition_is_told_by_the_language_line_or_the_link_to_the_english_twin(nb, expected):
    assert template_language(nb) == expected


def render_in_voila(nb, monkeypatch):
    """The page Voila serves for `nb` with the convlab template (as `make present` does), rendered
    without a kernel: the cells as saved."""
    from voila.exporter import VoilaExporter
    from voila.paths import collect_template_paths

    monkeypatch.setenv("JUPYTER_PATH", str(REPO / "share"))
    exporter = VoilaExporter(template_paths=collect_template_paths(["voila", "nbconvert"], "convlab"),
                             template_name="convlab")
    context = {"frontend": "voila", "main_js": "voila.js", "kernel_start": lambda nb: "kernel",
               "cell_generator": lambda nb, kernel_id: iter(nb.cells), "progressive_rendering": False}
    resources = {"base_url": "/", "theme": "light", "template": "convlab", "metadata": {"name": "lesson"}}

    async def page():
        return "".join([html async for html, _ in exporter.generate_from_notebook_node(
            nb, resources=resources, extra_context=context, page_config={})])

    return asyncio.run(page())


def first_cells_and_solutions(path):
    """A small notebook from a lesson: its nav line, its first code cell and its solution cells."""
    cells = nbformat.read(path, as_version=4).cells
    return nbformat.v4.new_notebook(cells=[cells[0], next(c for c in cells if c.cell_type == "code"),
                                           *solution_cells(path)], metadata={})


@pytest.mark.parametrize("path", [CHINESE[1], ENGLISH[1], CHINESE[0]], ids=notebook_id)
def test_voila_shows_the_chinese_edition_in_chinese(path, monkeypatch):
    text = render_in_voila(first_cells_and_solutions(path) if path.name != "00_index.ipynb"
                           else nbformat.read(path, as_version=4), monkeypatch)
    lang = "zh" if is_chinese(path) else "en"
    assert re.search(r"<html\b[^>]*>", text)[0] == f'<html lang="{lang}">'
    labels = re.findall(r'<details class="convlab-solution">\s*<summary>([^<]+)</summary>', text)
    assert labels == ["显示答案" if is_chinese(path) else "Show solution"] * len(solution_cells(path))


# --- in the browser -----------------------------------------------------------------------------

IMAGES_JS = "() => [...document.images].map(i => ({src: i.src.slice(0, 40), width: i.naturalWidth}))"
ALL_DECODED_JS = "() => [...document.images].every(i => i.complete)"
FRAME_JS = """() => {
  const animation = document.querySelector('.animation');
  return {src: animation.querySelector('img').src, frame: animation.querySelector('.anim-slider').value};
}"""
MOVED_ON_JS = f"""(before) => {{
  const now = ({FRAME_JS})();
  return now.frame !== before.frame && now.src !== before.src;
}}"""


def check_animation_plays(page):
    """Click Play on the first animation; the frame slider and the frame picture must move on."""
    play = page.locator('.animation button[title="Play"]').first
    assert play.is_visible()
    before = page.evaluate(FRAME_JS)
    play.click()
    page.wait_for_function(MOVED_ON_JS, arg=before, timeout=5000)
    after = page.evaluate(FRAME_JS)
    page.locator('.animation button[title="Pause"]').first.click()
    assert after["frame"] != before["frame"] and after["src"] != before["src"]


def check_language_link_leads_to_twin(page, name):
    """The fixed language link is on screen after scrolling to the end, and it opens the twin's page."""
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    link = page.locator("nav.convlab-language a")
    assert link.is_visible() and link.bounding_box()["y"] < 60
    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/" + page_of(twin_of(NOTEBOOK_OF[name])))


# Every English page, and of the Chinese edition the index and a lesson with an explorer and an animation
# (the Chinese pages are built like the English ones; these two check what only they have: CJK text).
BROWSER_PAGES = sorted({*(page_of(p) for p in ENGLISH), "zh/index.html", "zh/01_sliding_kernel.html"})


@pytest.mark.browser
@pytest.mark.timeout(120)  # the first one also builds the site
@pytest.mark.parametrize("name", BROWSER_PAGES)
def test_page_works_offline_in_chromium(browser, console, site, name):
    page = console.watch(browser.new_page(viewport=VIEWPORT))
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto((site / name).as_uri(), wait_until="load")
        page.wait_for_function(ALL_DECODED_JS, timeout=10_000)
        images = page.evaluate(IMAGES_JS)
        if name in ANIMATED_PAGES:
            check_animation_plays(page)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("() => window.scrollTo(0, 0)")  # Play scrolled: the fixed language link goes where the view is
        page.screenshot(path=ARTIFACTS / f"{name.replace('/', '-')[:-5]}.png", full_page=True)
        if name.startswith("zh/"):
            check_language_link_leads_to_twin(page, name)
    finally:
        page.close()
    assert not console, "\n".join(console)
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert [i for i in images if i["width"] == 0] == []
    if name in NOTEBOOK_PAGES and png_count(NOTEBOOK_OF[name]):
        assert images, "a notebook page without pictures"
    print(f"{name}: {len(images)} pictures, {len(requests)} requests, all local")
