"""Shared by the real-browser tests (JupyterLab in test_browser.py, Voila in test_voila.py):
a throw-away server on 127.0.0.1 with a random token, serving a temporary copy of the notebooks,
and the steps that find each explorer, move its first slider and time the new picture.

CONVLAB_BROWSER_NOTEBOOKS=<dir> serves the notebooks of another directory instead of notebooks/.
"""

import json
import os
import secrets
import shutil
import signal
import socket
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

EXPLORER = ".jp-OutputArea-output:has(.widget-slider):has(img)"
SLIDER_HANDLE = ".widget-slider .noUi-handle"
STDERR_OUTPUT = '[data-mime-type="application/vnd.jupyter.stderr"]'
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# Arms one slider step: notes when the next key goes down and when the explorer's picture gets a new
# src, then checks on every animation frame whether the new image is loaded, i.e. on screen from this
# frame on. The result (ms after the key press) lands in window.__convlabStep.
ARM_STEP_JS = """(area, timeoutMs) => {
  const picture = () => area.querySelector('img');
  const old = picture().src;
  const step = {keyAt: null, srcAt: null};
  window.addEventListener('keydown', () => { step.keyAt = performance.now(); }, {capture: true, once: true});
  const srcWatch = new MutationObserver(() => {
    const img = picture();
    if (step.srcAt === null && img && img.src !== old) step.srcAt = performance.now();
  });
  srcWatch.observe(area, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  window.__convlabStep = new Promise(resolve => {
    const deadline = performance.now() + timeoutMs;
    const since = t => (t === null || step.keyAt === null ? null : t - step.keyAt);
    const frame = () => {
      const img = picture();
      const shown = step.keyAt !== null && img && img.src !== old && img.complete && img.naturalWidth > 0;
      if (shown || performance.now() > deadline) {
        srcWatch.disconnect();
        resolve({shownMs: shown ? since(performance.now()) : null, srcMs: since(step.srcAt)});
      } else {
        requestAnimationFrame(frame);
      }
    };
    requestAnimationFrame(frame);
  });
}"""
PICTURES_LOADED_JS = """([selector, expected]) => {
  const areas = [...document.querySelectorAll(selector)];
  return areas.length >= expected && areas.every(area => {
    const img = area.querySelector('img');
    return img.src !== '' && img.complete && img.naturalWidth > 0;
  });
}"""


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


class Step(NamedTuple):
    before: float  # slider value before the key press
    after: float  # and after it
    shown_ms: float | None  # key press → new picture loaded, on screen (None: no new picture)
    src_ms: float | None  # key press → the img got its new src


def first_handle(area, what):
    handle = area.locator(SLIDER_HANDLE).first
    if handle.count() == 0:
        pytest.fail(f"{what} has no slider handle ({SLIDER_HANDLE})")
    return handle


def step_slider(page, area, settle):
    """Press an arrow key on the area's first slider handle (right, or left at the maximum) and time the new
    picture; `settle(page)` then waits until the kernel has finished the update."""
    area.scroll_into_view_if_needed()
    handle = first_handle(area, "the explorer")
    before = float(handle.get_attribute("aria-valuenow"))
    key = "ArrowRight" if before < float(handle.get_attribute("aria-valuemax")) else "ArrowLeft"
    area.evaluate(ARM_STEP_JS, PICTURE_WAIT_S * 1000)
    handle.focus()
    page.keyboard.press(key)
    result = page.evaluate("() => window.__convlabStep")
    settle(page)
    return Step(before, float(handle.get_attribute("aria-valuenow")), result["shownMs"], result["srcMs"])


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


def explorers(page, expected, console, where, selector=EXPLORER):
    """The output areas of the page's explorers, once at least `expected` have appeared with their pictures."""
    try:
        page.wait_for_function(PICTURES_LOADED_JS, arg=[selector, expected], timeout=EXPLORER_RENDER_S * 1000)
    except PlaywrightTimeout:
        pass  # the count below says what is missing
    areas = page.locator(selector)
    assert areas.count() == expected, \
        f"{areas.count()} explorers (outputs with a .widget-slider and an img) {where}, expected {expected}" \
        + report(console)
    return areas.all()


def step_first_sliders(page, areas, console, settle, shots):
    """Move the first slider of every explorer once; each step must move the slider and change the picture.
    A screenshot of each explorer after its step goes to `shots`/explorer-<n>.png. Returns the steps."""
    done = []
    for n, area in enumerate(areas, start=1):
        step = step_slider(page, area, settle)
        check_steps([step], f"explorer {n}", console)
        area.screenshot(path=shots / f"explorer-{n}.png")
        done.append(step)
    return done
