"""Shared by the real-browser tests (JupyterLab in test_browser.py, Voila in test_voila.py):
a throw-away server on 127.0.0.1 with a random token, serving a temporary copy of the notebooks,
and the steps that find each explorer (a slider and its canvas), move a slider and time the new picture.

CONVLAB_BROWSER_NOTEBOOKS=<dir> serves the notebooks of another directory instead of notebooks/.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = Path(os.environ.get("CONVLAB_BROWSER_NOTEBOOKS") or REPO / "notebooks")
NOTEBOOKS = sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")) or ["01_sliding_kernel.ipynb"]
ARTIFACTS = REPO / "test-artifacts"
BIN = Path(sys.executable).parent

VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_S = 60
EXPLORER_RENDER_S = 30
PICTURE_WAIT_S = 10
SETTLE_S = 10  # a slider step's update must be over (kernel idle) within this

CANVAS = "canvas.convlab-canvas"
EXPLORER = f".jp-OutputArea-output:has(.widget-slider):has({CANVAS})"
STDERR_OUTPUT = '[data-mime-type="application/vnd.jupyter.stderr"]'
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# What an area shows, as a string that changes when its picture does: each img's src, and a hash of a sample
# of each canvas's pixels (every 7th byte of getImageData: a moved window or a recoloured cell changes many).
SIGNATURE_JS = """(el) => {
  let s = '';
  for (const img of el.querySelectorAll('img')) s += `i${img.src}|`;
  for (const c of el.querySelectorAll('canvas')) {
    const d = c.width && c.height ? c.getContext('2d').getImageData(0, 0, c.width, c.height).data : [];
    let h = 0;
    for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) | 0;
    s += `c${c.width}x${c.height}:${h}|`;
  }
  return s;
}"""
# Every img of the area decoded (a canvas is on screen as soon as it is drawn).
READY_JS = "(el) => [...el.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)"
# Arms one slider step: notes when the next key goes down, then checks on every animation frame whether the
# area's picture differs from before (and is decoded): the first such frame shows the new picture. The result
# (ms from the key press to the start of that frame, by the page's clock) lands in window.__convlabStep. Reading a
# canvas's pixels takes a while, so they are read only once its paint count or an img's src has changed.
ARM_STEP_JS = f"""(area, timeoutMs) => {{
  const signature = {SIGNATURE_JS}, ready = {READY_JS};
  const stamp = () => [...area.querySelectorAll('img')].map(i => i.src).join('|') + '|' +
    [...area.querySelectorAll('canvas')].map(c => `${{c.dataset.painted}}:${{c.width}}`).join('|');
  const old = signature(area);
  let keyAt = null, seen = stamp();
  window.addEventListener('keydown', () => {{ keyAt = performance.now(); }}, {{capture: true, once: true}});
  window.__convlabStep = new Promise(resolve => {{
    const deadline = performance.now() + timeoutMs;
    const frame = () => {{
      const now = performance.now(), next = stamp();
      const look = keyAt !== null && next !== seen && ready(area);
      if (look) seen = next;
      if (look && signature(area) !== old) resolve({{shownMs: now - keyAt}});
      else if (now > deadline) resolve({{shownMs: null}});
      else requestAnimationFrame(frame);
    }};
    requestAnimationFrame(frame);
  }});
}}"""
# At least `expected` areas, each with its picture: a canvas painted at least once, or decoded imgs.
PICTURES_LOADED_JS = """([selector, expected]) => {
  const areas = [...document.querySelectorAll(selector)];
  return areas.length >= expected && areas.every(area => {
    const canvas = area.querySelector('canvas.convlab-canvas');
    if (canvas) return Number(canvas.dataset.painted || 0) > 0 && canvas.width > 0;
    const imgs = [...area.querySelectorAll('img')];
    return imgs.length > 0 && imgs.every(img => img.src !== '' && img.complete && img.naturalWidth > 0);
  });
}"""
# Counts the kernel's busy states from now on (its connection's statusChanged signal), so that a step can wait
# until the kernel has handled what the step sent: a busy state seen since, and idle again.
WATCH_KERNEL_JS = """(expression) => {
  const kernel = new Function(`return ${expression}`)();
  if (!kernel) return false;
  if (window.__convlabKernel?.kernel === kernel) return true;
  const watch = window.__convlabKernel = {kernel, busy: 0};
  kernel.statusChanged.connect((_, status) => { if (status === 'busy') watch.busy += 1; });
  return true;
}"""
SETTLED_JS = "(mark) => window.__convlabKernel.busy > mark && window.__convlabKernel.kernel.status === 'idle'"
NEXT_FRAME_JS = "() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base, token, path, method="GET", timeout=5):
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
    return json.loads(body) if body else None


def tail(path, chars=3000):
    return Path(path).read_text(errors="replace")[-chars:]


def copy_notebooks(tmp):
    """A temporary copy of the notebooks to serve (JupyterLab autosaves what it runs)."""
    root = tmp / "notebooks"
    if NOTEBOOK_DIR.is_dir():
        shutil.copytree(NOTEBOOK_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    else:
        root.mkdir()
    return root


def artifacts(kind, name):
    """An empty test-artifacts/<kind>/<name's stem>/ for this run's screenshots."""
    folder = ARTIFACTS / kind / Path(name).stem
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def saved_explorers(notebook):
    """The class names of the explorers the committed notebook displays, in order (each output holding a live
    widget; an explorer's saved text/plain is its class name and state)."""
    path = NOTEBOOK_DIR / notebook
    if not path.is_file():
        pytest.fail(f"notebook {notebook} not found in {NOTEBOOK_DIR}")
    cells = nbformat.read(path, as_version=4).cells
    return [o["data"].get("text/plain", "?").split("(")[0] for c in cells if c.cell_type == "code"
            for o in c.outputs if WIDGET_VIEW in o.get("data", {})]


class Server:
    """A server process (jupyter lab, voila) in a session of its own, its output in a log file."""

    name = "server"

    def __init__(self, tmp, cmd, cwd, env=None):
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"{self.name}.log"
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), **(env or {}))
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(cmd(self), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def wait_ready(self, path):
        end = time.monotonic() + SERVER_START_S
        while time.monotonic() < end:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited with code {self.process.returncode}:\n{tail(self.log)}")
            request = urllib.request.Request(f"{self.base}{path}", headers={"Authorization": f"token {self.token}"})
            try:
                with urllib.request.urlopen(request, timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        pytest.fail(f"{self.name} did not answer {path} within {SERVER_START_S} s:\n{tail(self.log)}")

    def stop(self):
        for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            if self.process.poll() is not None:
                break
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                pass


def serve(server, ready_path):
    """A fixture's body: `server` once it answers `ready_path`, stopped afterwards whatever happens."""
    try:
        server.wait_ready(ready_path)
        yield server
    finally:
        server.stop()


def cell_errors(page):
    texts = (el.inner_text().strip() for el in page.locator(STDERR_OUTPUT).all())
    return [text for text in texts if "Traceback" in text or "Error" in text]


def report(console):
    if not console:
        return ""
    return "\nbrowser console errors:\n" + "\n".join(f"  {line[:500]}" for line in console)


def check_no_cell_errors(page, when, console):
    errors = cell_errors(page)
    assert not errors, f"errors shown in cells {when}:\n" + "\n---\n".join(errors) + report(console)


class Kernel:
    """The page's kernel connection (`expression`, evaluated in the page), watched so that a step can wait until
    the kernel has handled it: `mark()` before the step, `settle(mark)` after it."""

    def __init__(self, page, expression, timeout_s=SETTLE_S):
        self.page, self.timeout_s = page, timeout_s
        page.wait_for_function(WATCH_KERNEL_JS, arg=expression, timeout=timeout_s * 1000)

    def mark(self):
        return self.page.evaluate("() => window.__convlabKernel.busy")

    def settle(self, mark, timeout_s=None):
        """The kernel has been busy since `mark` and is idle again, and the page has drawn a frame since."""
        self.page.wait_for_function(SETTLED_JS, arg=mark, timeout=(timeout_s or self.timeout_s) * 1000)
        self.page.evaluate(NEXT_FRAME_JS)

    def idle(self, timeout_s=None):
        self.page.wait_for_function("() => window.__convlabKernel.kernel.status === 'idle'",
                                    timeout=(timeout_s or self.timeout_s) * 1000)

    def quiet(self, for_ms=500):
        """The kernel is idle and has not been busy for `for_ms` ms (it has handled everything sent to it)."""
        end = time.monotonic() + self.timeout_s
        while time.monotonic() < end:
            mark = self.mark()
            self.page.wait_for_timeout(for_ms)
            if self.mark() == mark and self.page.evaluate("() => window.__convlabKernel.kernel.status === 'idle'"):
                return
        pytest.fail(f"the kernel did not go quiet within {self.timeout_s} s")


class Step(NamedTuple):
    before: float  # slider value before the key press
    after: float  # and after it
    shown_ms: float | None  # key press → first frame showing the new picture (None: no new picture)


def exactly(text):
    return re.compile(f"^\\s*{re.escape(text)}\\s*$")


def slider_handle(area, label=None, skip=None):
    """The handle of the area's slider labelled `label`, or else of its first slider not labelled `skip`."""
    sliders = area.locator(".widget-slider")
    if label is not None:
        sliders = sliders.filter(has=area.page.locator(".widget-label", has_text=exactly(label)))
    elif skip is not None:
        sliders = sliders.filter(has_not=area.page.locator(".widget-label", has_text=exactly(skip)))
    handle = sliders.locator(".noUi-handle").first
    if handle.count() == 0:
        pytest.fail(f"no slider {'labelled ' + repr(label) if label else 'other than ' + repr(skip)} in the area")
    return handle


def step_slider(page, area, kernel, handle=None):
    """Press an arrow key on a slider handle of the area (default: its first slider; right, or left at the
    maximum) and time the new picture; then wait until the kernel has handled the step."""
    area.scroll_into_view_if_needed()
    handle = handle or slider_handle(area)
    before = float(handle.get_attribute("aria-valuenow"))
    key = "ArrowRight" if before < float(handle.get_attribute("aria-valuemax")) else "ArrowLeft"
    area.evaluate(ARM_STEP_JS, PICTURE_WAIT_S * 1000)
    handle.focus()
    mark = kernel.mark()
    page.keyboard.press(key)
    result = page.evaluate("() => window.__convlabStep")
    kernel.settle(mark)
    return Step(before, float(handle.get_attribute("aria-valuenow")), result["shownMs"])


def describe(steps):
    shown = (f"{s.shown_ms:.0f} ms" if s.shown_ms is not None else "no new picture" for s in steps)
    return ", ".join(f"{s.before:g}→{s.after:g}: {text}" for s, text in zip(steps, shown, strict=True))


def check_steps(steps, what, console):
    """Each step must have moved the slider and shown a new picture."""
    assert all(s.after != s.before for s in steps), \
        f"{what}: the slider value did not move on some key presses ({describe(steps)})"
    assert all(s.shown_ms is not None for s in steps), \
        f"{what}: some slider steps did not change the picture within {PICTURE_WAIT_S} s " \
        f"({describe(steps)})" + report(console)


def median(steps):
    return statistics.median(s.shown_ms for s in steps)


def explorers(page, expected, console, where, selector=EXPLORER):
    """The output areas of the page's explorers, once at least `expected` have appeared with their pictures."""
    try:
        page.wait_for_function(PICTURES_LOADED_JS, arg=[selector, expected], timeout=EXPLORER_RENDER_S * 1000)
    except PlaywrightTimeout:
        pass  # the count below says what is missing
    areas = page.locator(selector)
    assert areas.count() == expected, \
        f"{areas.count()} explorers (outputs with a .widget-slider and a picture) {where}, expected {expected}" \
        + report(console)
    return areas.all()


READOUT_WAIT_S = 5
READOUT_CHANGED_JS = """([area, before]) =>
  before !== [...area.querySelectorAll('.widget-html')].map(e => e.innerText).join(' ')"""


def readout(area):
    """The text of the explorer's readout (its HTML widgets)."""
    return " ".join(el.inner_text() for el in area.locator(".widget-html").all())


def code_line(area):
    """The text of the PyTorch code shown under the explorer's picture ('' if none is shown)."""
    block = area.locator(".widget-html pre")
    return block.first.inner_text() if block.count() and block.first.is_visible() else ""


def changes(read, before, within_s=5.0):
    """Whether `read()` differs from `before` within `within_s` seconds (a widget message may come just after
    the picture)."""
    end = time.perf_counter() + within_s
    while read() == before:
        if time.perf_counter() > end:
            return False
        time.sleep(0.02)
    return True


def step_view_only(page, area, kernel, label, steps, console, what):
    """Steps of the view-only slider labelled `label` (the first a warm-up); the kernel must follow each one: its
    readout changes once the step has reached it."""
    handle = slider_handle(area, label=label)
    done = []
    for _ in range(1 + steps):
        before = readout(area)
        done.append(step_slider(page, area, kernel, handle))
        try:  # the widget manager may apply the readout's update a moment after the kernel reports idle
            page.wait_for_function(READOUT_CHANGED_JS, arg=[area.element_handle(), before],
                                   timeout=READOUT_WAIT_S * 1000)
        except PlaywrightTimeout:
            pass  # the assertion says what is wrong
        assert readout(area) != before, f"{what}: the readout did not follow the {label!r} step {describe(done[-1:])}"
    check_steps(done, f"{what} ({label}, view-only)", console)
    return done[1:]


# The page's own font drawing Chinese: on a canvas, in the font of `selector`'s element, each CJK character
# against a character no font has (a private-use code point, drawn as the missing-glyph box): with a CJK font the
# characters are wider than the box or narrower, and each draws pixels of its own; drawn as boxes, all look alike.
CJK_TEXT = "卷积核步幅填充"
CJK_FONT_JS = """([selector, text]) => {
  const el = document.querySelector(selector) || document.body;
  const font = `32px ${getComputedStyle(el).fontFamily}`;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 48;
  const ctx = canvas.getContext('2d');
  const drawn = (ch) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.font = font;
    ctx.fillText(ch, 4, 36);
    return Array.from(ctx.getImageData(0, 0, 48, 48).data.filter((_, i) => i % 4 === 3)).join(',');
  };
  ctx.font = font;
  const box = drawn('\\ue000');
  const pictures = [...text].map(drawn);
  return {font, boxWidth: ctx.measureText('\\ue000').width, widths: [...text].map(ch => ctx.measureText(ch).width),
          distinct: new Set(pictures).size, likeBox: pictures.filter(p => p === box).length};
}"""


def check_chinese_font(page, selector, where):
    """The page draws Chinese with a real font: every character of CJK_TEXT draws its own picture, none the
    missing-glyph box, each a full-width character. Returns what was measured."""
    seen = page.evaluate(CJK_FONT_JS, [selector, CJK_TEXT])
    assert seen["likeBox"] == 0 and seen["distinct"] == len(CJK_TEXT), \
        f"{where}: Chinese drawn as missing-glyph boxes in {seen['font']!r}: {seen}"
    assert all(abs(w - 32) < 3 for w in seen["widths"]) and seen["widths"][0] != seen["boxWidth"], \
        f"{where}: Chinese characters not full-width in {seen['font']!r}: {seen}"
    return seen


def shown_labels(area):
    """The texts of an explorer's control labels (a checkbox's empty label holds a zero-width space)."""
    texts = (t.replace("\u200b", "").strip() for t in area.locator(".widget-label").all_inner_texts())
    return [t for t in texts if t]


def chinese_labels(area, where):
    """An explorer's control labels, each in Chinese or a PyTorch keyword (ceil_mode…)."""
    labels = shown_labels(area)
    english = [t for t in labels if not re.search(r"[\u4e00-\u9fff]", t) and not re.fullmatch(r"[a-z_]+", t)]
    assert labels and not english, f"{where}: explorer labels not in Chinese: {english}"
    return labels


def page_language(notebook):
    """The edition a notebook path belongs to: 'zh' for zh/NN_name.ipynb, else 'en'."""
    return "zh" if notebook.startswith("zh/") else "en"


CHINESE_NOTEBOOKS = sorted(f"zh/{p.name}" for p in (NOTEBOOK_DIR / "zh").glob("[0-9][0-9]_*.ipynb"))
