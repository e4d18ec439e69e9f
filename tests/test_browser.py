"""Real-browser tests in JupyterLab, in one pass: a throw-away `jupyter lab`, driven in headless Chromium through
JupyterLab's command registry, opens one notebook holding the plain `interact` explorer of
tests/baseline_interact.ipynb and the example (`Explorer.example()`, the explorer its lesson opens first) of every
explorer class the lessons show, and runs all its cells once. Each explorer's first slider is then stepped in turn
with the plain explorer's, and the key press → new picture times (measured inside the page) are compared: an
explorer must take at most half the plain explorer's median, and under a second. No cell and no console may show
an error. The lessons themselves are executed in the browser by Voila (test_voila.py), which renders every one.
Screenshots go to test-artifacts/lab/ (git-ignored).

Run with `make browser` (or `.venv/bin/python -m pytest -m browser -s tests/test_browser.py`).
"""

import json
import os
import shutil
import statistics
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from browser import (
    ARTIFACTS,
    BIN,
    EXPLORER,
    NOTEBOOKS,
    SETTLE_S,
    VIEWPORT,
    Server,
    api,
    check_no_cell_errors,
    check_steps,
    copy_notebooks,
    describe,
    explorers,
    report,
    saved_explorers,
    serve,
    step_slider,
)
from conftest import ConsoleErrors

import convlab.explorers

BASELINE = Path(__file__).with_name("baseline_interact.ipynb")
LAB_NOTEBOOK = "lab_pass.ipynb"
KERNEL_START_S = 60
RUN_ALL_S = 180
STEPS = 6  # timed steps of each explorer (after one warm-up step), each followed by a step of the plain explorer
RATIO = 0.5  # an explorer's median step at most this fraction of the plain explorer's, measured in turn with it
CEILING_MS = 1000  # and under this: a loose ceiling that only catches gross regressions

# The notebook panel opened through the document manager, kept in window.__convlab with the state of its run.
OPEN_JS = """async (path) => {
  const app = window.jupyterapp;
  await app.restored;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
  window.__convlab = {panel, run: {done: false}};
}"""
KERNEL_IDLE_JS = """() => {
  const kernel = window.__convlab.panel.sessionContext.session?.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""
NEXT_FRAME_JS = "() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))"
RUN_ALL_JS = """() => {
  const lab = window.__convlab;
  window.jupyterapp.shell.activateById(lab.panel.id);
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
    ok => { lab.run = {done: true, ok}; },
    error => { lab.run = {done: true, ok: false, error: String(error)}; });
}"""
RUN_DONE_JS = f"() => window.__convlab.run.done && ({KERNEL_IDLE_JS})()"
RUN_RESULT_JS = """() => {
  const lab = window.__convlab;
  const cells = lab.panel.content.widgets.filter(cell => cell.model.type === 'code');
  const errors = [];
  for (const cell of cells) {
    for (const output of cell.model.outputs.toJSON()) {
      if (output.output_type === 'error') errors.push(`${output.ename}: ${output.evalue}`);
    }
  }
  return {ok: lab.run.ok, error: lab.run.error ?? null, cells: cells.length, errors,
          unexecuted: cells.filter(cell => cell.model.executionCount === null).length};
}"""


def lesson_explorers():
    """Every explorer class the lessons show (the class names of their saved explorer outputs), in order of
    first appearance, each with the lessons that show it."""
    shown = {}
    for notebook in NOTEBOOKS:
        for name in saved_explorers(notebook):
            lessons = shown.setdefault(name, [])
            if notebook not in lessons:
                lessons.append(notebook)
    return shown


SHOWN = lesson_explorers()


def example_cell(name):
    return nbformat.v4.new_code_cell(f"from convlab.explorers import {name}\n\n{name}.example()")


def lab_notebook():
    """The one notebook of the JupyterLab pass: the plain explorer's cells, then every explorer's example."""
    notebook = nbformat.read(BASELINE, as_version=4)
    notebook.cells += [example_cell(name) for name in SHOWN]
    return notebook


def test_every_explorer_the_lessons_show_has_an_example():
    assert SHOWN, f"no lesson shows an explorer: {NOTEBOOKS}"
    for name in SHOWN:
        cls = getattr(convlab.explorers, name, None)
        assert isinstance(cls, type) and issubclass(cls, convlab.explorers.Explorer), \
            f"{SHOWN[name]} show a {name}, which convlab.explorers does not define"
        assert cls.example.__func__ is not convlab.explorers.Explorer.example.__func__, \
            f"{name} has no example() of its own, which the JupyterLab pass opens"


def test_the_plain_explorer_draws_a_new_figure_per_step():
    """The yardstick is what the tests say it is: `interact` over a function that makes a pyplot figure."""
    source = "".join(c.source for c in nbformat.read(BASELINE, as_version=4).cells if c.cell_type == "code")
    assert "%matplotlib inline" in source and "plt.subplots(" in source and "plt.show()" in source
    assert "interact(show" in source and "IntSlider(" in source and "convlab" not in source


class Lab(Server):
    """A running `jupyter lab` serving a temporary copy of the notebooks and the notebook of the pass, its
    application object exposed to the page (window.jupyterapp)."""

    name = "jupyter-lab"

    def __init__(self, tmp):
        self.root = copy_notebooks(tmp)
        nbformat.write(lab_notebook(), self.root / LAB_NOTEBOOK)
        # fresh settings (no news pop-up over the screenshots; every cell attached to the page) and
        # workspaces (no restored tabs)
        settings = tmp / "settings"
        write_settings(settings, "apputils-extension/notification", {"fetchNews": "false", "checkForUpdates": False})
        write_settings(settings, "notebook-extension/tracker", {"windowingMode": "none"})

        def cmd(server):
            return [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={server.port}",
                    "--ServerApp.port_retries=0", f"--IdentityProvider.token={server.token}",
                    f"--ServerApp.root_dir={self.root}", f"--LabApp.user_settings_dir={settings}",
                    f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
                    *(["--allow-root"] if os.geteuid() == 0 else [])]

        super().__init__(tmp, cmd, cwd=self.root, env={"JUPYTER_CONFIG_DIR": str(tmp / "config")})

    def url(self):
        return f"{self.base}/lab?token={self.token}&reset"

    def stop(self):
        # kernels run in sessions of their own: shut them down through the server before stopping it
        if self.process.poll() is None:
            try:
                for kernel in api(self.base, self.token, "/api/kernels"):
                    api(self.base, self.token, f"/api/kernels/{kernel['id']}", method="DELETE", timeout=10)
            except OSError:
                pass
        super().stop()


def write_settings(folder, plugin, values):
    path = folder / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from serve(Lab(tmp_path_factory.mktemp("lab")), "/api/status")


def settle(page):
    """The kernel has finished the update a slider step started, and the page has drawn a frame since."""
    page.wait_for_function(KERNEL_IDLE_JS, timeout=SETTLE_S * 1000)
    page.evaluate(NEXT_FRAME_JS)


def run_all(page):
    """Open the pass's notebook, wait for its kernel, run all cells and wait until the run is over."""
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=KERNEL_START_S * 1000)
    page.evaluate(OPEN_JS, LAB_NOTEBOOK)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=KERNEL_START_S * 1000)
    page.evaluate(RUN_ALL_JS)
    page.wait_for_function(RUN_DONE_JS, timeout=RUN_ALL_S * 1000)
    return page.evaluate(RUN_RESULT_JS)


def cell_output(page, text):
    """The explorer shown by the code cell containing `text`."""
    return page.locator(".jp-CodeCell", has_text=text).locator(EXPLORER).first


@pytest.fixture(scope="module")
def lab_pass(lab, browser):
    """The pass's notebook, all cells run, every explorer and the plain one showing their pictures; the plain
    explorer has made its first step (a warm-up: its first figure pays one-time costs)."""
    shots = ARTIFACTS / "lab"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    console, started = ConsoleErrors(), time.perf_counter()
    page = console.watch(browser.new_page(viewport=VIEWPORT))
    try:
        page.goto(lab.url(), timeout=60_000)
        run = run_all(page)
        page.screenshot(path=shots / "page.png")
        assert run["ok"] and not run["unexecuted"] and not run["errors"], f"Run All: {run}" + report(console)
        check_no_cell_errors(page, "after Run All", console)
        explorers(page, 1 + len(SHOWN), console, "after Run All")
        plain = cell_output(page, "interact(show")
        check_steps([step_slider(page, plain, settle)], "the plain interact explorer", console)
        assert not console, "the browser console logged errors while the cells ran" + report(console)
        print(f"\nlab: page opened, {run['cells']} cells run and {len(SHOWN)} explorers shown "
              f"{time.perf_counter() - started:.1f} s after JupyterLab answered")
        yield SimpleNamespace(page=page, console=console, plain=plain, shots=shots)
    except BaseException:
        try:
            page.screenshot(path=shots / "failure.png")
        except Exception:
            pass  # the page itself may be what failed; keep the original error
        raise
    finally:
        page.close()


def median(steps):
    return statistics.median(s.shown_ms for s in steps)


@pytest.mark.browser
@pytest.mark.timeout(300)  # the first one also starts JupyterLab and runs all cells
@pytest.mark.parametrize("name", SHOWN)
def test_explorer_steps_in_half_the_time_of_a_plain_interact(name, lab_pass, capsys):
    page, console, plain, seen = lab_pass.page, lab_pass.console, lab_pass.plain, len(lab_pass.console)
    area = cell_output(page, f"{name}.example()")
    warm_up = step_slider(page, area, settle)  # the first step also pays one-time costs (first caches)
    pairs = [(step_slider(page, area, settle), step_slider(page, plain, settle)) for _ in range(STEPS)]
    area.screenshot(path=lab_pass.shots / f"{name}.png")
    timed, yardstick = [mine for mine, _ in pairs], [theirs for _, theirs in pairs]
    check_steps([warm_up, *timed], name, console)
    check_steps(yardstick, "the plain interact explorer", console)
    check_no_cell_errors(page, f"after moving {name}'s slider", console)
    assert not console[seen:], "the browser console logged errors" + report(console[seen:])
    ours, theirs = median(timed), median(yardstick)
    with capsys.disabled():
        print(f"\nlab: {', '.join(SHOWN[name])} ({name}.example()): slider step → new picture, median over "
              f"{STEPS} steps {ours:.0f} ms; plain interact explorer, stepped in turn: {theirs:.0f} ms "
              f"(ratio {ours / theirs:.2f}; must be ≤ {RATIO:g} and < {CEILING_MS} ms); "
              f"explorer steps {describe(timed)}; plain steps {describe(yardstick)}")
    assert ours <= RATIO * theirs, \
        f"{name}: median step {ours:.0f} ms > {RATIO:g} × the plain interact explorer's {theirs:.0f} ms"
    assert ours < CEILING_MS, f"{name}: median step {ours:.0f} ms, not under {CEILING_MS} ms"
