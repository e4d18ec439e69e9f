"""Presentation mode in the real browser: `make present`'s Voila (the same command line, with the
convlab template and a random token) serves a copy of the notebooks; headless Chromium opens each one,
checks that no code is shown and no cell failed, and moves the first slider of every explorer: the
picture must change, with no error in the browser console. Screenshots go to test-artifacts/voila/.
"""

import re
import statistics
import time

import pytest
from browser import (
    BIN,
    NOTEBOOKS,
    REPO,
    VIEWPORT,
    Server,
    artifacts,
    check_no_cell_errors,
    copy_notebooks,
    expected_explorers,
    explorers,
    report,
    step_first_sliders,
)

RENDER_S = 180  # Voila runs the whole notebook before it shows it


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


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    server = Voila(tmp_path_factory.mktemp("voila"))
    try:
        server.wait_ready("/")
        yield server
    finally:
        server.stop()


def test_present_serves_voila_on_localhost_with_a_token():
    arguments = present_arguments()
    assert "--Voila.ip=127.0.0.1" in arguments and "--token" in arguments and "--template=convlab" in arguments
    assert "JUPYTER_PATH=$(CURDIR)/share" in (REPO / "Makefile").read_text()
    assert (REPO / "share" / "voila" / "templates" / "convlab" / "index.html.j2").is_file()


def settle(page):
    page.wait_for_timeout(150)  # Voila has no busy indicator: the new picture itself was the signal


@pytest.mark.browser
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_presentation_mode_shows_no_code_and_live_explorers(notebook, voila, browser, console, capsys):
    expected, shots, started = expected_explorers(notebook), artifacts("voila", notebook), time.perf_counter()
    page = console.watch(browser.new_page(viewport=VIEWPORT))
    page.on("requestfailed", lambda r: console.append(f"request failed: {r.url}"))
    try:
        page.goto(voila.url(notebook), timeout=RENDER_S * 1000)
        page.locator("#rendered_cells").wait_for(state="visible", timeout=RENDER_S * 1000)
        rendered_s = time.perf_counter() - started
        page.screenshot(path=shots / "page.png")
        assert page.locator(".jp-Cell").count() > 0, "Voila showed no cells"
        shown_code = page.locator(".jp-CodeCell:not(.jp-mod-noInput)").count()
        assert shown_code == 0, f"{shown_code} code cells show their code in presentation mode"
        check_no_cell_errors(page, "in Voila", console)
        links = page.eval_on_selector_all("a[href$='.ipynb']", "as => as.map(a => a.href)")
        assert all("/voila/render/" in link for link in links), f"links leaving Voila: {links}"
        areas = explorers(page, expected, console, "in Voila")
        steps = step_first_sliders(page, areas, console, settle, shots)
        check_no_cell_errors(page, "after moving the sliders in Voila", console)
    except BaseException:
        try:
            page.screenshot(path=shots / "failure.png")
        except Exception:
            pass
        raise
    finally:
        page.close()
    assert not console, "the browser console logged errors" + report(console)
    shown = [s.shown_ms for moved in steps for s in moved]
    with capsys.disabled():
        median = f"median {statistics.median(shown):.0f} ms" if shown else "no explorer"
        print(f"\nvoila: {notebook} rendered in {rendered_s:.1f} s; {len(areas)} explorers, first slider step → "
              f"new picture {median}; whole test {time.perf_counter() - started:.1f} s")
