"""Presentation mode for the Chinese edition (issue 19): every notebook of notebooks/zh/ in `make present`'s
Voila, tested as test_voila.py tests the English ones, and besides: its explorers' labels and readouts in
Chinese, a refused picture said in Chinese, and its Chinese text drawn in a real font (not missing-glyph
boxes). A module of its own, with its own Voila server, so that the browser phase's two workers test the two
editions side by side."""

import pytest
from browser import CHINESE_NOTEBOOKS
from test_voila import RENDER_S, present, voila  # noqa: F401  (voila: the module's own server, a fixture)


@pytest.mark.browser
@pytest.mark.timeout(RENDER_S + 120)
@pytest.mark.parametrize("notebook", CHINESE_NOTEBOOKS)
def test_the_chinese_edition_in_presentation_mode(notebook, voila, browser):  # noqa: F811
    present(notebook, voila, browser, CHINESE_NOTEBOOKS)
