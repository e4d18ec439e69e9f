"""`python -m convlab.bench`: speed figures, side by side in one run.

1. Each explorer: the median time of an update after a random control change (the
   persistent figure mutated in place and sent as PNG), against redrawing the same picture
   from scratch as a plain `interact` callback would: a new figure with one matplotlib
   artist per cell, number and line, saved as PNG by savefig like the inline backend.
   Budget: update ≤ 30 ms median and ≥ 3× faster than that redraw. For transparency it
   also times a new figure drawn with the explorer's own batched artists: that ratio is
   what keeping the figure alone is worth, the rest comes from batching the artists.
2. `reference.conv2d` (NumPy) against `torch.nn.functional.conv2d` on teaching-sized
   inputs. Budget: within 5× of PyTorch on 1×16×64×64 with 32 3×3 filters.
"""

import argparse
import statistics
import sys
import time

import numpy as np

UPDATE_BUDGET_MS, SPEEDUP_BUDGET, CONV_BUDGET = 30.0, 3.0, 5.0


def explorer_cases():
    """(name, factory) for every explorer, opened on a typical example."""
    from convlab import explorers

    return [
        ("SlidingKernelExplorer", lambda: explorers.SlidingKernelExplorer(
            input_size=(7, 6), kernel_size=3, stride=2, padding=1, in_channels=3, out_channels=2)),
        ("PointwiseExplorer", lambda: explorers.PointwiseExplorer(in_channels=4, out_channels=3, input_size=4)),
        ("FCEquivalenceExplorer", lambda: explorers.FCEquivalenceExplorer(channels=8, input_size=46)),
        ("DilationExplorer", lambda: explorers.DilationExplorer(input_size=9, padding=2, dilations=(1, 2, 4))),
        ("GroupConvExplorer", lambda: explorers.GroupConvExplorer(in_channels=8, out_channels=8, groups=2)),
        ("StackedKernelExplorer", lambda: explorers.StackedKernelExplorer(layers=3)),
        ("ReceptiveFieldExplorer", lambda: explorers.ReceptiveFieldExplorer(network="ResNet-50")),
    ]


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


def time_explorer(factory, steps=40, seed=0):
    """Median ms of an update, of a plain from-scratch redraw and of a batched one, over
    `steps` random control changes (the three timed on the same states)."""
    explorer, rng = factory(), np.random.default_rng(seed)
    times = [(_timed(lambda: random_change(explorer, rng)), _timed(explorer.redraw_from_scratch),
              _timed(lambda: explorer.redraw_from_scratch(plain=False))) for _ in range(steps)]
    return tuple(statistics.median(column) for column in zip(*times, strict=True))


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
    print("  update: the kept figure changed in place and sent as PNG\n"
          "  redraw: as a plain `interact` callback: a new figure, one artist per cell, number and line, savefig\n"
          "  new figure, batched: a new figure with the explorer's own batched artists (the saving of keeping it)")
    print(f"{'explorer':24} {'update ms':>9} {'redraw ms':>9} {'speed-up':>8}   "
          f"{'new figure, batched ms':>22} {'speed-up':>8}")
    for name, factory in explorer_cases():
        update, redraw, batched = time_explorer(factory, args.steps)
        print(f"{name:24} {update:9.1f} {redraw:9.1f} {redraw / update:7.1f}×   {batched:22.1f} "
              f"{batched / update:7.1f}×")
        if update > UPDATE_BUDGET_MS or redraw / update < SPEEDUP_BUDGET:
            missed.append(name)

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
