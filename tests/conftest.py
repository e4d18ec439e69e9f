"""Shared test set-up: hypothesis profiles (fewer examples under CI=true), a
non-interactive matplotlib backend, one headless Chromium for the browser tests, and `say`: the
figures a test measured, printed together at the end of the run (Voila's and the static site's browser
tests run on two workers, whose own output pytest does not show)."""

import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile("default", max_examples=150, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IN_CI = bool(os.environ.get("CI"))
settings.load_profile("ci" if IN_CI else "default")
WALKS = 2 if IN_CI else 4  # rounds of the random walks over explorer controls (CI: 2 cores, a time budget)

CHROMIUM = "/usr/bin/chromium"  # from Debian: `playwright install` cannot download browsers here
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


FIGURES = Path(__file__).resolve().parent.parent / "test-artifacts" / "figures.txt"


def say(text):
    """Note a figure a test measured (a timing, a size): pytest prints them all at the end of the run."""
    FIGURES.parent.mkdir(exist_ok=True)
    with FIGURES.open("a", encoding="utf-8") as out:  # appends of a line at a time, from any worker
        out.write(text.strip("\n") + "\n")


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the run's controller, before any worker starts
        FIGURES.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter, config):
    if not hasattr(config, "workerinput") and FIGURES.exists():
        terminalreporter.section("figures measured")
        terminalreporter.write(FIGURES.read_text(encoding="utf-8"))


@pytest.fixture
def one_torch_thread():
    """PyTorch on one thread for the property tests: their tensors are tiny, and with several threads torch
    spends milliseconds per call waking them (10× slower on a busy 2-core machine)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by Playwright, shared by every browser test."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` (`make browser` does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def console():
    """Error lines from the browser console and uncaught page errors; attach with console.watch(page)."""
    return ConsoleErrors()


class ConsoleErrors(list):
    def watch(self, page):
        page.on("console", lambda m: self.append(f"console.error: {m.text} {m.location.get('url') or ''}".strip())
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.append(f"page error: {e}"))
        return page
