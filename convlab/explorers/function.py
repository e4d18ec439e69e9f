"""A teacher's escape hatch: `Explorer.from_function(draw, **controls)` turns a plain matplotlib
drawing function into an explorer with the same contract (controls, state, a PNG for readers
without a kernel). It clears and redraws its axes on every change, so it is slower than an
explorer that changes its scene in place, but it takes five lines to write."""

import numpy as np

from convlab import canvas, draw, language
from convlab.explorers.base import Explorer
from convlab.explorers.controls import Int

__all__ = ["FunctionExplorer"]


class FunctionExplorer(Explorer):
    """`function(ax, **values)` draws the picture for the controls' current values on a cleared
    axes; `controls` declares each control (name=Int(...), Choice(...) or Toggle(...))."""

    in_place = False  # it redraws by design

    def __init__(self, function, **controls):
        if not callable(function):
            raise TypeError(f"function must be callable, got {function!r}")
        if not controls:
            raise ValueError("controls: declare at least one, e.g. stride=Int('stride', 1, 1, 4)")
        self.function, self._declared = function, controls
        super().__init__()

    @classmethod
    def example(cls):
        lang = language.figure_language(language.language())  # the title in the language of figure text
        font = language.cjk_font() if lang == "zh" else None  # None: matplotlib's default font

        def draw(ax, stride):
            grid = np.arange(64).reshape(8, 8)
            ax.imshow(grid[::stride, ::stride], cmap="Blues")
            ax.set_title(language.tr("every {stride}th row and column", lang, stride=stride), fontfamily=font)

        return cls(draw, stride=Int("stride", 2, 1, 4))

    def declare(self):
        return self._declared

    def build(self):
        self.ax = self.fig.add_axes((0.05, 0.05, 0.9, 0.85))
        size = (self.figsize[0] * self.dpi, self.figsize[1] * self.dpi)
        self.scene = draw.Scene(size, self.dpi)  # one item: the figure's pixels, one cell per pixel
        self.browser = canvas.CanvasRenderer(self.canvas, size, (0.0, 0.0, 1.0, 1.0), self.dpi)

    def compute(self):
        return self.values()

    def draw(self):
        self.ax.clear()
        self.function(self.ax, **self.values())

    def render(self):
        """Nothing to do: the function drew on the axes itself."""

    def send(self):
        """The figure drawn by Agg, sent to the browser as one picture."""
        self.fig.canvas.draw()
        width, height = self.scene.size
        self.scene.clear()
        self.scene.view = (0.0, width, height, 0.0)
        self.scene.picture(np.asarray(self.fig.canvas.buffer_rgba()).copy(), 0.0, 0.0)
        self.browser.render(self.scene)

    def pixel(self, x, y):
        px, py = self.ax.transData.transform((x, y))
        return int(self.fig.bbox.height - py), int(px)
