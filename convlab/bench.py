"""`python -m convlab.bench`: speed figures, side by side in one run.

1. Each explorer: the kernel's time for an update after a random control change (compute,
   describe the scene, send what changed to the browser's canvas; nothing is rasterized), and
   the bytes it sent, against redrawing the same picture from scratch as a plain `interact`
   callback would: a new figure with one matplotlib artist per cell, number and line, saved
   as PNG by savefig like the inline backend. Budget: update ≤ 10 ms median and ≥ 3× faster
   than that redraw; target ≤ 10 KB sent per step for the grid explorers. For transparency it
   also times a new figure drawn with the explorer's own batched Agg renderer.
   The static PNG (display bundle, tests) is drawn by Agg from the same scene; its encoder is
   timed against Pillow.
2. `reference.conv2d` (NumPy) against `torch.nn.functional.conv2d` on teaching-sized
   inputs. Budget: within 5× of PyTorch on 1×16×64×64 with 32 3×3 filters.
"""

import argparse
import io
import statistics
import sys
import time

import numpy as np

UPDATE_BUDGET_MS, SPEEDUP_BUDGET, CONV_BUDGET = 10.0, 3.0, 5.0
BYTES_TARGET = 10_000  # sent per step by a grid explorer (not by those that show photographs)
PHOTOS = ("ReceptiveFieldExplorer",)  # explorers whose picture is a photograph and a heat map


def explorer_cases():
    """(name, factory) for every explorer that changes its picture in place, opened as its
    notebook opens it first (`example()`): a new explorer is benchmarked the moment it exists."""
    from convlab.explorers import Explorer

    return [(cls.__name__, cls.example) for cls in Explorer.registry() if cls.in_place]


def random_change(explorer, rng):
    """Set one random control (of those that can move) to another value it offers."""
    from convlab.explorers.base import choices

    movable = [c for c in explorer.controls.values() if len(choices(c)) > 1]
    control = movable[rng.integers(len(movable))]
    others = [v for v in choices(control) if v != control.value]
    control.value = others[rng.integers(len(others))]


def _timed(function):
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1e3


def plain_artists(scene, ax):
    """Draw a scene the plain matplotlib way, one artist per item (a Polygon per cell, a Text per
    number), as an `interact` callback that redraws from scratch would."""
    from matplotlib.patches import Polygon

    from convlab import agg
    from convlab.draw import shifts, visible
    from convlab.glyphs import FONT

    value = scene.value
    agg.AggRenderer(ax)._pictures(scene.shown_pictures())
    x0, x1, y_bottom, y_top = scene.view
    ax.set_xlim(x0, x1)
    ax.set_ylim(y_bottom, y_top)

    def shown(items, *fields):
        keep, moved = visible(items, value), shifts(items, scene)
        moves = {"verts": moved[:, None, :], "segments": moved[:, None, :], "xy": moved}
        return zip(*((items.joined(n) + moves.get(n, 0))[keep] for n in fields), strict=True)

    for items, zorder in ((scene.fills, 1), (scene.marks, 4)):
        for verts, face, edge, width in shown(items, "verts", "faces", "edges", "widths"):
            ax.add_patch(Polygon(verts, facecolor=face, edgecolor=edge, linewidth=width, zorder=zorder))
    for (a, b), color, width, dashed in shown(scene.lines, "segments", "colors", "widths", "dashed"):
        ax.plot([a[0], b[0]], [a[1], b[1]], color=color, linewidth=width, linestyle="--" if dashed else "-",
                zorder=2)
    from matplotlib.transforms import blended_transform_factory

    titles = blended_transform_factory(ax.transData, ax.figure.transFigure)  # x in cells, y a fraction of the figure
    for items, transform, zorder in ((scene.texts, ax.transData, 3), (scene.titles_, titles, 5)):
        strings = [s for s, k in zip(items.flat("strings"), visible(items, value), strict=True) if k]
        for text, ((x, y), color, size) in zip(strings, shown(items, "xy", "colors", "sizes"), strict=True):
            ax.text(x, y, text, color=color, fontsize=size, fontproperties=FONT, ha="center", va="center",
                    transform=transform, zorder=zorder, clip_on=False)


def redraw_from_scratch(explorer, plain=True):
    """The explorer's current picture made again from nothing: a new pyplot figure, the scene
    described anew, saved as the inline backend saves it (PNG via savefig, bbox_inches="tight"),
    then closed. With `plain`, one matplotlib artist per cell, number and line (`plain_artists`);
    without, the explorer's own batched renderer on the new figure."""
    import copy

    import matplotlib.pyplot as plt

    clone = copy.copy(explorer)
    with plt.ioff():
        clone.fig = plt.figure(figsize=explorer.figsize, dpi=explorer.dpi)
    try:
        clone.build()
        clone.draw()
        if plain:
            plain_artists(clone.scene, clone.ax)
        else:
            clone.render()
        buffer = io.BytesIO()
        clone.fig.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(clone.fig)


def time_explorer(factory, steps=40, seed=0):
    """Median ms of an update, of a plain from-scratch redraw and of a batched one, over
    `steps` random control changes (the three timed on the same states)."""
    return time_steps(factory, steps, seed)[:3]


def time_steps(factory, steps=40, seed=0):
    """Medians over `steps` random control changes: ms of an update (compute, describe the scene,
    send what changed to the browser), of a plain from-scratch redraw, of a batched one, the
    bytes the update sent, and the ms of the code line (built and written as HTML: part of the update)."""
    from convlab.explorers.base import code_html

    explorer, rng = factory(), np.random.default_rng(seed)
    rows = []
    for _ in range(steps):
        update = _timed(lambda: random_change(explorer, rng))
        sent = explorer.browser.sent
        code = _timed(lambda: code_html(*(explorer.code() or (None, None))))
        rows.append((update, _timed(lambda: redraw_from_scratch(explorer)),
                     _timed(lambda: redraw_from_scratch(explorer, plain=False)), sent, code))
    return tuple(statistics.median(column) for column in zip(*rows, strict=True))


def pillow_png(rgba, level=1):
    """PNG bytes of an RGBA array by Pillow at `compress_level` `level` (its default filters)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG", compress_level=level)
    return buffer.getvalue()


def time_png(repeats=20):
    """Per explorer example: (name, ms and KB of convlab.png.encode, ms and KB of Pillow at
    compress_level=1) on the explorer's own picture, medians of `repeats`."""
    from convlab import png

    rows = []
    for name, factory in explorer_cases():
        explorer = factory()
        explorer.png()
        rgba = np.asarray(explorer.fig.canvas.buffer_rgba()).copy()
        ours = _median_ms(lambda: png.encode(rgba), repeats)  # noqa: B023 (called at once)
        pillow = _median_ms(lambda: pillow_png(rgba), repeats)  # noqa: B023
        rows.append((name, ours, len(png.encode(rgba)) / 1e3, pillow, len(pillow_png(rgba)) / 1e3))
    return rows


def conv_cases():
    """(label, x shape, weight shape, groups) of teaching-sized convolutions."""
    return [
        ("1×3×32×32, 8 3×3 filters", (1, 3, 32, 32), (8, 3, 3, 3), 1),
        ("1×16×64×64, 32 3×3 filters", (1, 16, 64, 64), (32, 16, 3, 3), 1),
        ("1×32×56×56, depthwise 3×3", (1, 32, 56, 56), (32, 1, 3, 3), 32),
        ("8×3×28×28, 16 5×5 filters", (8, 3, 28, 28), (16, 3, 5, 5), 1),
    ]


def _median_ms(function, repeats):
    function()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def time_conv(x_shape, w_shape, groups, repeats=30):
    """Median ms of reference.conv2d and of torch's conv2d (float32, padding 1)."""
    import torch

    from convlab import reference

    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal(w_shape, dtype=np.float32)
    xt, wt = torch.from_numpy(x), torch.from_numpy(w)
    with torch.no_grad():
        ours = _median_ms(lambda: reference.conv2d(x, w, padding=1, groups=groups), repeats)
        theirs = _median_ms(lambda: torch.nn.functional.conv2d(xt, wt, padding=1, groups=groups), repeats)
    return ours, theirs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="random control changes per explorer")
    parser.add_argument("--check", action="store_true", help="exit 1 if a budget is missed")
    args = parser.parse_args(argv)
    missed = []

    print(f"Explorers: median over {args.steps} random control changes. Budget: update ≤ {UPDATE_BUDGET_MS:.0f} ms "
          f"and ≥ {SPEEDUP_BUDGET:.0f}× faster than a redraw.")
    print("  update: compute, describe the scene, send what changed to the canvas (kernel time, no rasterizing)\n"
          "  sent: bytes of the traits that changed (median per step)\n"
          "  redraw: as a plain `interact` callback: a new figure, one artist per cell, number and line, savefig\n"
          "  new figure, batched: a new figure drawn by the explorer's own Agg renderer\n"
          "  code ms: of the update, building the PyTorch code line under the picture")
    print(f"{'explorer':24} {'update ms':>9} {'sent KB':>8} {'redraw ms':>9} {'speed-up':>8}   "
          f"{'new figure, batched ms':>22} {'code ms':>8}")
    for name, factory in explorer_cases():
        update, redraw, batched, sent, code = time_steps(factory, args.steps)
        print(f"{name:24} {update:9.1f} {sent / 1e3:8.1f} {redraw:9.1f} {redraw / update:7.1f}×   {batched:22.1f} "
              f"{code:8.3f}")
        if update > UPDATE_BUDGET_MS or redraw / update < SPEEDUP_BUDGET or (name not in PHOTOS and
                                                                             sent > BYTES_TARGET):
            missed.append(name)

    print("\nPNG encoding of each explorer's static picture, median ms (and KB): convlab.png against Pillow at "
          "compress_level=1")
    print(f"{'explorer':24} {'convlab ms':>10} {'KB':>6} {'Pillow ms':>10} {'KB':>6} {'Pillow / convlab':>16}")
    for name, ours, ours_kb, pillow, pillow_kb in time_png():
        print(f"{name:24} {ours:10.2f} {ours_kb:6.0f} {pillow:10.2f} {pillow_kb:6.0f} {pillow / ours:15.1f}×")

    print(f"\nconv2d: NumPy reference vs PyTorch, float32, median ms (budget: ≤ {CONV_BUDGET:.0f}× PyTorch "
          "on 1×16×64×64)")
    print(f"{'input, filters':30} {'NumPy ms':>9} {'torch ms':>9} {'ratio':>7}")
    for label, x_shape, w_shape, groups in conv_cases():
        ours, theirs = time_conv(x_shape, w_shape, groups)
        print(f"{label:30} {ours:9.2f} {theirs:9.2f} {ours / theirs:6.2f}×")
        if x_shape == (1, 16, 64, 64) and ours / theirs > CONV_BUDGET:
            missed.append(label)

    if missed:
        print("\nover budget: " + ", ".join(missed))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
