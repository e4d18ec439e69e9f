"""Presentation mode in the real browser: `make present`'s Voila (the same command line, with the
convlab template and a random token) serves a copy of the notebooks; headless Chromium opens each one,
checks that no code is shown and no cell failed, and steps the sliders of every explorer: its first
control that needs the kernel and, where it has one, its view-only control (the window position, applied
by the browser itself; the kernel's readout must follow). Every step must change the canvas, with no
error in the browser console; the medians (key press → first frame showing new pixels, timed inside
the page) are printed, under loose ceilings. Explorers with an upload button get a file that is not a
picture (refused in the readout, view kept) and then a real one (shown). The Chinese edition is tested
the same way by test_voila_zh.py (its own module: the two run side by side on two workers).
Screenshots go to test-artifacts/voila/.
"""

import io
import re
import time

import nbformat
import numpy as np
import pytest
from browser import (
    BIN,
    NOTEBOOK_DIR,
    NOTEBOOKS,
    REPO,
    SIGNATURE_JS,
    VIEWPORT,
    Kernel,
    Server,
    api,
    artifacts,
    check_chinese_font,
    check_no_cell_errors,
    check_steps,
    chinese_labels,
    copy_notebooks,
    describe,
    explorers,
    median,
    page_language,
    readout,
    report,
    saved_explorers,
    serve,
    slider_handle,
    step_slider,
    step_view_only,
)
from conftest import ConsoleErrors, say
from PIL import Image

import convlab.explorers
from convlab import language

RENDER_S = 180  # Voila runs the whole notebook before it shows it
UPLOAD_WAIT_S = 20
UPLOAD = ".widget-upload"
KERNEL_STEPS, VIEW_STEPS = 3, 5  # timed steps per explorer (after a warm-up step)
KERNEL_CEILING_MS, VIEW_CEILING_MS = 1000, 100  # loose ceilings that only catch gross regressions
# Voila's page shows no busy indicator, but its application (window.jupyterapp) holds the kernel connection
KERNEL = "window.jupyterapp?.widgetManager?.kernel"


CJK = re.compile(r"[\u4e00-\u9fff]")


def view_labels(lang):
    """The label of each explorer class's first view-only control in `lang` (None where it has none)."""
    labels = {}
    for cls in convlab.explorers.Explorer.registry():
        views = cls.view_controls
        labels[cls.__name__] = language.tr(cls.example().declared[views[0]].label, lang) if views else None
    return labels


VIEW_LABELS = {lang: view_labels(lang) for lang in language.LANGUAGES}
# what the readout says of a refused file and of a picture taken, per edition
SAYS = {"en": ("Could not use notes.png", "unchanged", "Showing gradient.png"),
        "zh": ("无法使用 notes.png", "保持不变", "正在显示 gradient.png")}


def expected_uploads(notebook):
    """How many of the notebook's explorers show a picture and so offer an upload button."""
    return sum(getattr(convlab.explorers, name).accepts_picture for name in saved_explorers(notebook))


def png_bytes():
    """A small real picture: a diagonal gradient, as a PNG."""
    buffer = io.BytesIO()
    Image.fromarray(np.add.outer(np.arange(64), np.arange(64)).astype(np.uint8) * 2).save(buffer, "png")
    return buffer.getvalue()


def upload(page, area, name, data, kernel):
    """Choose a file in the explorer's upload button, as a reader would, and wait for the readout to answer and
    the kernel to finish. Returns the canvas's signature before and after."""
    before = area.evaluate(SIGNATURE_JS)
    mark = kernel.mark()
    with page.expect_file_chooser() as chooser:  # the widget's file input is not in the page: it opens a chooser
        area.locator(UPLOAD).click()
    chooser.value.set_files({"name": name, "mimeType": "image/png", "buffer": data})
    page.wait_for_function("([area, name]) => area.innerText.includes(name)", arg=[area.element_handle(), name],
                           timeout=UPLOAD_WAIT_S * 1000)
    kernel.settle(mark)
    return before, area.evaluate(SIGNATURE_JS)


def check_bring_your_own_picture(page, area, kernel, lang):
    """A file that is not a picture is refused in the readout and the view stays; a real one is shown."""
    refused, unchanged, showing = SAYS[lang]
    before, after = upload(page, area, "notes.png", b"this is not a picture", kernel)
    assert after == before, "a refused file changed the picture"
    assert refused in area.inner_text() and unchanged in area.inner_text()
    before, after = upload(page, area, "gradient.png", png_bytes(), kernel)
    assert after != before, "the uploaded picture is not shown"
    assert showing in area.inner_text()


def solution_count(notebook):
    cells = nbformat.read(NOTEBOOK_DIR / notebook, as_version=4).cells
    return sum(c.cell_type == "code" and "solution" in c.metadata.get("tags", []) for c in cells)


def check_solutions_wait_to_be_asked_for(page, notebook):
    """Every solution sits in a closed "Show solution" box: its code and output are out of sight until
    the reader opens it; opening one shows the code Voila otherwise hides, and its passing check."""
    boxes = page.locator("details.convlab-solution")
    assert boxes.count() == solution_count(notebook)
    if not boxes.count():
        return
    assert page.locator("details.convlab-solution[open]").count() == 0
    first = boxes.first
    assert not first.locator(".convlab-solution-source").is_visible()
    first.locator("summary").click()
    source = first.locator(".convlab-solution-source")
    source.wait_for(state="visible", timeout=5000)
    assert "check(" in source.inner_text() and "correct ✓" in first.inner_text()


def present_arguments():
    """The arguments `make present` gives Voila after the notebook directory (read from the Makefile,
    so that the test serves exactly what a teacher gets)."""
    recipe = re.search(r"^present:.*\n((?:\t.*\n)+)", (REPO / "Makefile").read_text(), flags=re.M).group(1)
    command = next(line for line in recipe.splitlines() if "-m voila" in line)
    return command.split("-m voila notebooks", 1)[1].split()


class Voila(Server):
    name = "voila"

    def __init__(self, tmp):
        root = copy_notebooks(tmp)
        arguments = [a for a in present_arguments() if a != "--token"]  # `--token` alone: a generated token

        def cmd(server):
            return [str(BIN / "python"), "-m", "voila", str(root), *arguments, f"--port={server.port}",
                    "--Voila.port_retries=0", f"--Voila.token={server.token}"]

        super().__init__(tmp, cmd, cwd=root, env={"JUPYTER_PATH": str(REPO / "share")})

    def url(self, notebook):
        return f"{self.base}/voila/render/{notebook}?token={self.token}"

    def shut_down(self, kernel_id):
        """Stop the kernel of a page once it is closed (stopping the server would stop it too, later)."""
        try:
            api(self.base, self.token, f"/voila/api/shutdown/{kernel_id}", method="POST", timeout=15)
        except OSError:
            pass  # the server stops what is left when the module's tests are done


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    yield from serve(Voila(tmp_path_factory.mktemp("voila")), "/")


def test_present_serves_voila_on_localhost_with_a_token():
    arguments = present_arguments()
    assert "--Voila.ip=127.0.0.1" in arguments and "--token" in arguments and "--template=convlab" in arguments
    assert "JUPYTER_PATH=$(CURDIR)/share" in (REPO / "Makefile").read_text()
    assert (REPO / "share" / "voila" / "templates" / "convlab" / "index.html.j2").is_file()


KERNEL_ID_JS = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


def step_sliders(page, areas, names, kernel, console, shots, lang):
    """Per explorer: a warm-up and KERNEL_STEPS timed steps of its first control that needs the kernel, then, if it
    has a view-only control, a warm-up and VIEW_STEPS timed steps of it. A screenshot of each explorer after its
    steps goes to `shots`/explorer-<n>.png. Returns the timed steps of both kinds."""
    needs_kernel, view_only = [], []
    for n, (area, name) in enumerate(zip(areas, names, strict=True), start=1):
        view = VIEW_LABELS[lang].get(name)
        handle = slider_handle(area, skip=view)
        steps = [step_slider(page, area, kernel, handle) for _ in range(1 + KERNEL_STEPS)]
        check_steps(steps, f"explorer {n} ({name})", console)
        needs_kernel += steps[1:]
        if view:
            view_only += step_view_only(page, area, kernel, view, VIEW_STEPS, console, f"explorer {n} ({name})")
        area.screenshot(path=shots / f"explorer-{n}.png")
    return needs_kernel, view_only


def summary(steps):
    return f"median {median(steps):.0f} ms over {len(steps)} steps ({describe(steps)})" if steps else "none"


AHEAD = {}  # notebook → (page, console, when asked): asked of Voila while the test before it steps its sliders


def voila_page(browser, voila, notebook, wait_until="load"):
    """A page asking Voila for `notebook`, its console watched: (page, console, when it was asked)."""
    console, asked = ConsoleErrors(), time.perf_counter()
    page = console.watch(browser.new_page(viewport=VIEWPORT))
    page.on("requestfailed", lambda r: console.append(f"request failed: {r.url}"))
    page.goto(voila.url(notebook), timeout=RENDER_S * 1000, wait_until=wait_until)
    return page, console, asked


def ask_ahead(browser, voila, notebook, pages):
    """Ask Voila now for the notebook of `pages` that is tested after `notebook`: its kernel runs that one's cells
    while this test steps sliders, which mostly wait on the browser (on two cores the two overlap)."""
    later = pages[pages.index(notebook) + 1:]
    if later and later[0] not in AHEAD:
        AHEAD[later[0]] = voila_page(browser, voila, later[0], wait_until="commit")


@pytest.mark.browser
@pytest.mark.timeout(RENDER_S + 120)
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_presentation_mode_shows_no_code_and_live_explorers(notebook, voila, browser):
    present(notebook, voila, browser, NOTEBOOKS)


def present(notebook, voila, browser, pages):
    """`notebook` (one of `pages`, tested in their order) in Voila: no code shown, no cell failed, solutions
    closed, every explorer live (and in Chinese, with a real font, for the Chinese edition), pictures taken."""
    lang = page_language(notebook)
    expected, shots = len(saved_explorers(notebook)), artifacts("voila", notebook.replace("zh/", "zh-"))
    asked = AHEAD.pop(notebook, None)
    page, console, started = asked or voila_page(browser, voila, notebook)
    ahead = " (asked for while the notebook before it was tested)" if asked else ""
    kernel_id = None
    try:
        page.locator("#rendered_cells").wait_for(state="visible", timeout=RENDER_S * 1000)
        rendered_s = time.perf_counter() - started
        ask_ahead(browser, voila, notebook, pages)
        kernel_id = page.evaluate(KERNEL_ID_JS)
        page.screenshot(path=shots / "page.png")
        assert page.locator(".jp-Cell").count() > 0, "Voila showed no cells"
        shown_code = page.locator(".jp-CodeCell:not(.jp-mod-noInput)").count()
        assert shown_code == 0, f"{shown_code} code cells show their code in presentation mode"
        check_no_cell_errors(page, "in Voila", console)
        check_solutions_wait_to_be_asked_for(page, notebook)
        if lang == "zh":
            check_chinese_font(page, ".jp-RenderedMarkdown", f"{notebook} in Voila")
        links = page.eval_on_selector_all("a[href$='.ipynb']", "as => as.map(a => a.href)")
        assert all("/voila/render/" in link for link in links), f"links leaving Voila: {links}"
        areas = explorers(page, expected, console, "in Voila")
        kernel = Kernel(page, KERNEL)
        needs_kernel, view_only = step_sliders(page, areas, saved_explorers(notebook), kernel, console, shots, lang)
        if lang == "zh":
            for area in areas:
                chinese_labels(area, notebook)
                assert CJK.search(readout(area)), f"{notebook}: an explorer's readout is not in Chinese"
        uploads = [area for area in areas if area.locator(UPLOAD).count()]
        assert len(uploads) == expected_uploads(notebook), "explorers showing a picture without an upload button"
        for n, area in enumerate(uploads, start=1):
            check_bring_your_own_picture(page, area, kernel, lang)
            area.screenshot(path=shots / f"your-picture-{n}.png")
        check_no_cell_errors(page, "after moving the sliders and uploading pictures in Voila", console)
    except BaseException:
        try:
            page.screenshot(path=shots / "failure.png")
        except Exception:
            pass
        raise
    finally:
        page.close()
        if kernel_id:
            voila.shut_down(kernel_id)  # a closed page leaves its kernel running
    assert not console, "the browser console logged errors" + report(console)
    say(f"voila: {notebook} rendered in {rendered_s:.1f} s{ahead}; {len(areas)} explorers; a control that "
        f"needs the kernel: {summary(needs_kernel)}; view-only: {summary(view_only)}; {len(uploads)} took an "
        f"uploaded picture and refused a bad file; whole test {time.perf_counter() - started:.1f} s")
    if needs_kernel:
        assert median(needs_kernel) < KERNEL_CEILING_MS, f"median step {median(needs_kernel):.0f} ms"
    if view_only:
        assert median(view_only) < VIEW_CEILING_MS, f"median view-only step {median(view_only):.0f} ms"
