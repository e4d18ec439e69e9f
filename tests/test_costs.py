"""The lesson helpers: measured costs equal convlab's formulas, timings rank a big layer above a
small one, and figures give diverging maps a colour bar centred on zero."""

import numpy as np
import torch
from torch import nn

from convlab import costs, figures, timing
from convlab.arithmetic import conv_macs, conv_params


def test_measure_agrees_with_the_formulas():
    cost = costs.measure(nn.Conv2d(64, 128, 3, padding=1, groups=2), (64, 32, 32))
    assert cost == ((128, 32, 32), conv_params(64, 128, 3, groups=2), conv_macs(64, 128, 3, 32, groups=2))
    meta = costs.measure(nn.Conv2d(512, 4096, 7, device="meta"), (512, 7, 7), device="meta")
    assert meta.params == conv_params(512, 4096, 7) and meta.shape == (4096, 1, 1)


def test_cost_table_chains_the_layers_and_sums(capsys):
    steps = [("reduce", nn.Conv2d(256, 64, 1, bias=False)), ("3×3", nn.Conv2d(64, 64, 3, padding=1, bias=False))]
    total = costs.cost_table(steps, (256, 14, 14))
    assert total == ((64, 14, 14), 16_384 + 36_864, conv_macs(256, 64, 1, 14) + conv_macs(64, 64, 3, 14))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "256×14×14 → 64×14×14" in lines[0] and "36,864" in lines[1]


def test_activations_count_every_output():
    layers = [nn.Conv2d(3, 8, 3, padding=1), nn.MaxPool2d(2)]
    assert costs.activations(layers, (3, 16, 16)) == 8 * 16 * 16 + 8 * 8 * 8


def test_best_time_ranks_more_work_as_slower():
    small, large = torch.randn(1, 16, 16, 16), torch.randn(1, 16, 64, 64)
    conv = nn.Conv2d(16, 16, 3, padding=1)
    with torch.no_grad():
        ratio = timing.speedup(lambda: conv(large), lambda: conv(small), min_run_time=0.05)
    assert ratio > 2  # 16× the work


def test_image_row_centres_diverging_maps():
    values = np.array([[-1.0, 0.5], [0.2, 0.1]])
    fig = figures.image_row([(values, "difference", "RdBu_r"), (np.ones((2, 2, 3)) / 2, "colour")])
    image = fig.axes[0].images[0]
    assert image.get_clim() == (-1.0, 1.0) and len(fig.axes) == 3  # two panels and one colour bar
    assert fig.axes[1].get_title() == "colour"
