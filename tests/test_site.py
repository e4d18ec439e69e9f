"""The static site built by tools/static_site.py: a page per notebook plus index.html, which load nothing
from the network, show the explorers' saved pictures, keep the to_jshtml animations playing and
link to each other. The site is built once into a temporary directory, never into site/.

The browser tests (marked `browser`) open each page from the file system in headless Chromium and
save a full-page screenshot to test-artifacts/site/ (git-ignored).
"""

import html
import importlib.util
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts" / "site"
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
VIEWPORT = {"width": 1400, "height": 1000}

# Anything the browser would fetch from the network: a src= or <link href=> or a module import.
NETWORK_LOAD = re.compile(r"""\bsrc\s*=\s*["']?https?://|<link\b[^>]*\bhref\s*=\s*["']?https?://"""
                          r"""|\bimport\(\s*["']https?://""", re.I)
HREF = re.compile(r"""\bhref\s*=\s*["']([^"']*)["']""", re.I)


def load_site_module():
    spec = importlib.util.spec_from_file_location("convlab_site", REPO / "tools" / "static_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SITE = load_site_module()


def page_of(path):
    return "index.html" if path.name == "00_index.ipynb" else f"{path.stem}.html"


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


def solutions(path):
    """The sources of the notebook's solution cells (code cells tagged "solution")."""
    return [c.source for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "code" and "solution" in c.metadata.get("tags", [])]


PAGES = sorted({page_of(p) for p in NOTEBOOKS} | {"index.html"})
NOTEBOOK_PAGES = [page_of(p) for p in NOTEBOOKS if page_of(p) != "index.html"]
EXPLORERS = [p for p in NOTEBOOKS if has_explorer(p)]
ANIMATED = [p for p in NOTEBOOKS if has_animation(p)]
ANIMATED_PAGES = {page_of(p) for p in ANIMATED}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    (out / "99_stale.html").write_text("from an earlier build")  # a rebuild must remove it
    SITE.main([str(out)])
    return out


def read(site, name):
    return (site / name).read_text(encoding="utf-8")


def test_the_notebooks_have_the_features_tested_here():
    assert NOTEBOOK_PAGES and EXPLORERS and ANIMATED


def test_every_notebook_has_a_page_and_stale_pages_are_gone(site):
    assert sorted(p.name for p in site.iterdir() if p.suffix == ".html") == PAGES
    assert all(re.fullmatch(r"\d\d_[\w-]+-animation-\d+\.gif", p.name) for p in site.iterdir() if p.suffix != ".html")


@pytest.mark.parametrize("target, expected", [
    ("02_pointwise_1x1.ipynb", "02_pointwise_1x1.html"),
    ("02_pointwise_1x1.ipynb#2.-Compute-it", "02_pointwise_1x1.html#2.-Compute-it"),
    ("00_index.ipynb", "index.html"),
    ("00_index.ipynb#The-learning-path", "index.html#The-learning-path"),
    ("../README.md", "index.html"),
    ("../README.md#notebooks", "index.html"),
    ("https://pytorch.org/docs", "https://pytorch.org/docs"),
    ("#Summary", "#Summary"),
])
def test_notebook_links_become_page_links(target, expected):
    assert SITE.site_link(target) == expected


def test_index_links_every_notebook_page(site):
    links = {href.split("#")[0] for href in HREF.findall(read(site, "index.html"))}
    assert set(NOTEBOOK_PAGES) <= links


@pytest.mark.parametrize("name", PAGES)
def test_local_links_resolve(site, name):
    targets = {href.split("#")[0] for href in HREF.findall(read(site, name))}
    assert not {t for t in targets if t.endswith((".ipynb", ".md"))}, "links left pointing at notebooks"
    missing = {t for t in targets if t.endswith((".html", ".gif")) and "://" not in t and not (site / t).exists()}
    assert not missing


@pytest.mark.parametrize("name", PAGES)
def test_nothing_is_loaded_from_the_network(site, name):
    assert not NETWORK_LOAD.findall(read(site, name))


@pytest.mark.parametrize("name", PAGES)
def test_no_paths_of_this_machine(site, name):
    text = read(site, name)
    for path in {"/work/", str(REPO), f"{Path.home()}/"}:
        assert path not in text


@pytest.mark.parametrize("path", EXPLORERS, ids=lambda p: p.stem)
def test_explorers_show_their_saved_pictures_not_widgets(site, path):
    text = read(site, page_of(path))
    assert len(re.findall(r"<img[^>]*\bsrc=\"data:image/png;base64,", text)) >= png_count(path)
    assert WIDGET_VIEW not in text


@pytest.mark.parametrize("path", ANIMATED, ids=lambda p: p.stem)
def test_animations_keep_their_controls(site, path):
    text = read(site, page_of(path))
    assert 'title="Play"' in text and "anim-slider" in text


@pytest.mark.parametrize("path", ANIMATED, ids=lambda p: p.stem)
def test_each_animation_is_offered_as_a_gif_of_its_own_frames(site, path):
    from PIL import Image, ImageSequence

    text = read(site, page_of(path))
    players = text.count('title="Play"')
    offered = re.findall(r'<a [^>]*href="([^"]+\.gif)"[^>]*>This animation as a GIF</a> \((\d+) frames', text)
    assert len(offered) == players >= 1
    for name, frames in offered:
        with Image.open(site / name) as gif:
            shown = [frame.convert("RGB") for frame in ImageSequence.Iterator(gif)]
        # Pillow stores two equal pictures in a row as one frame: at most the player's frames, and moving
        assert 2 <= len(shown) <= int(frames) and shown[0].size[0] >= 400
        pictures = [np.asarray(frame).tobytes() for frame in shown]
        assert len(set(pictures)) >= 2


LESSONS = [p for p in NOTEBOOKS if p.name != "00_index.ipynb"]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_solutions_wait_behind_show_solution(site, path):
    """Each solution cell, code and output, sits in a closed <details> box; nothing else does."""
    text = read(site, page_of(path))
    boxes = re.findall(r"<details class=\"convlab-solution\">\s*<summary>Show solution</summary>(.*?)</details>", text,
                       flags=re.S)
    assert solutions(path) and len(boxes) == len(solutions(path))
    for box, source in zip(boxes, solutions(path), strict=True):
        assert "celltag_solution" in box and "correct ✓" in box
        shown = html.unescape(re.sub(r"<[^>]+>", "", box))  # the highlighted code as text
        assert all(line in shown for line in source.strip().splitlines()[-2:])
    assert text.count("celltag_solution") == len(boxes)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_page_title_is_the_notebook_heading(site, path):
    assert f"<title>{html.escape(heading(path), quote=False)}</title>" in read(site, page_of(path))


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


@pytest.mark.browser
@pytest.mark.timeout(120)  # the first one also builds the site
@pytest.mark.parametrize("name", PAGES)
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
        page.screenshot(path=ARTIFACTS / f"{Path(name).stem}.png", full_page=True)
    finally:
        page.close()
    assert not console, "\n".join(console)
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert [i for i in images if i["width"] == 0] == []
    if name in NOTEBOOK_PAGES:
        assert images, "a notebook page without pictures"
    print(f"{name}: {len(images)} pictures, {len(requests)} requests, all local")
