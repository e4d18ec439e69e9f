"""The lesson helpers: measured costs equal convlab's formulas, timings rank a big layer above a
small one, and figures give diverging maps a colour bar centred on zero."""

import numpy as np
import pytest
import torch
from torch import nn

from convlab import costs, figures, timing
from convlab.arithmetic import conv_macs, conv_params


def test_measure_agrees_with_the_formulas():
    cost = costs.measure(nn.Conv2d(64, 128, 3, padding=1, groups=2), (64, 32, 32))
    assert cost == ((128, 32, 32), conv_params(64, 128, 3, groups=2), conv_macs(64, 128, 3, 32, groups=2))
    meta = costs.measure(nn.Conv2d(512, 4096, 7, device="meta"), (512, 7, 7), device="meta")
    assert meta.params == conv_params(512, 4096, 7) and meta.shape == (4096, 1, 1)
    # a module built on meta is measured on meta without being told (and so are tables of its layers)
    assert costs.measure(nn.Conv2d(512, 4096, 7, device="meta"), (512, 7, 7)) == meta
    assert costs.cost_table([("fc6", nn.Conv2d(512, 4096, 7, device="meta"))], (512, 7, 7)) == meta


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


def test_channel_mix_and_score_map_give_signed_maps_a_colour_bar():
    image = np.random.default_rng(0).random((3, 6, 6))
    matrix = np.array([[0.3, 0.6, 0.1], [1.0, -1.0, 0.0]])
    outputs = np.einsum("oc,chw->ohw", matrix, image)
    fig = figures.channel_mix(image, matrix, outputs, (2, 3), ["brightness", "red − green"], ["gray", "RdBu_r"])
    assert len(fig.axes) == 5  # input, kernel, two outputs and one colour bar (for the signed output)
    low, high = fig.axes[3].images[0].get_clim()
    assert low == -high == -np.abs(outputs[1]).max()
    assert fig.axes[1].get_title() == "1×1 kernel:\na 2×3 matrix" and len(fig.axes[1].texts) == 6
    scores = np.array([[-1.0, 2.0], [0.5, 0.25]])
    fig = figures.score_map(np.zeros((10, 10)), scores, stride=4, crop=6, entries=[((1, 1), "red")])
    assert len(fig.axes) == 3 and fig.axes[1].images[0].get_clim() == (-2.0, 2.0)
    assert len(fig.axes[0].patches) == 1 and len(fig.axes[1].texts) == 4
    positive = figures.score_map(np.zeros((10, 10)), scores + 1.5, stride=4, crop=6, entries=[])
    assert len(positive.axes) == 2  # all positive: a sequential map, no colour bar


def test_branch_table_measures_each_branch_of_an_inception_module(capsys):
    from convlab.models import Inception

    rows = costs.branch_table(Inception(192, 64, 96, 128, 16, 32, 32, reduce=False), (192, 28, 28))
    assert [r.shape[0] for r in rows] == [64, 128, 32, 192]
    assert rows[1].macs == conv_macs(192, 128, 3, 28) and rows[2].macs == conv_macs(192, 32, 5, 28)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and lines[1].lstrip().startswith("3×3 ") and "416×28×28" in lines[-1]


def test_field_on_picture_frames_the_field_past_the_picture_and_shares_one_log_scale():
    picture, field = np.zeros((20, 20, 3)), np.ones((20, 20)) / 400
    peaked = field.copy()
    peaked[10, 10] = 1.0
    fig = figures.field_on_picture(picture, [(field, "flat"), (peaked, "peaked")], top=-5, size=31, centre=10,
                                   title="unit")
    assert len(fig.axes) == 4  # the picture, two maps and one colour bar
    assert fig.axes[1].images[0].norm is fig.axes[2].images[0].norm  # one scale for both maps
    assert fig.axes[1].images[0].norm.vmax == 1.0 and fig.axes[0].get_xlim()[0] < -5  # the view reaches past
    assert [len(ax.patches) for ax in fig.axes[:3]] == [1, 1, 1] and fig.axes[2].get_title() == "peaked"


def test_measure_refuses_what_it_cannot_measure_with_a_message_naming_it():
    conv = nn.Conv2d(3, 4, 3)
    cases = [
        (dict(input_shape=None), TypeError, "input_shape must be a tuple of integers"),
        (dict(input_shape=(3, 8.0, 8)), TypeError, "input_shape must be a tuple of integers"),
        (dict(input_shape=(3, 0, 8)), ValueError, "input_shape must hold positive sizes"),
        (dict(input_shape=(4, 8, 8)), ValueError, r"layer cannot take input_shape \(4, 8, 8\) on cpu: RuntimeError"),
        (dict(layer=nn.Conv2d(1, 4, 3), input_shape=(8, 8)), ValueError, r"batch of one output .* \(C, H, W\)"),
        (dict(input_shape=(3, 10**5, 10**5)), ValueError, "device='meta'"),
        (dict(input_shape=(3, 2**62, 2**62), device="meta"), ValueError, "too large for PyTorch"),
        (dict(device="nope"), ValueError, "device must be one PyTorch can use here"),
        (dict(layer="conv"), TypeError, "layer must be a torch module or a function"),
        (dict(layer=lambda x: 3), ValueError, "layer must return a batch of one output"),
    ]
    for kwargs, error, match in cases:
        with pytest.raises(error, match=match):
            costs.measure(**{"layer": conv, "input_shape": (3, 8, 8), **kwargs})
    if not torch.cuda.is_available():  # this build of torch raises an AssertionError for CUDA: now a ValueError
        with pytest.raises(ValueError, match="device must be one PyTorch can use here"):
            costs.measure(conv, (3, 8, 8), device="cuda")


def test_the_tables_refuse_malformed_steps_and_modules(capsys):
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"steps must be \(name, layer\) pairs, got .* at steps\[1\]"):
        costs.cost_table([("a", conv), conv], (3, 8, 8))
    with pytest.raises(ValueError, match=r"steps\[1\] \(second\) cannot take input_shape \(4, 6, 6\)"):
        costs.cost_table([("first", conv), ("second", conv)], (3, 8, 8))
    with pytest.raises(ValueError, match="width must be at most 200"):
        costs.cost_table([("a", conv)], (3, 8, 8), width=10**6)
    with pytest.raises(TypeError, match="layers must be a list"):
        costs.activations(conv(torch.zeros(1, 3, 8, 8)).sum(), (3, 8, 8))
    with pytest.raises(ValueError, match=r"layers\[1\] cannot take input_shape \(4, 6, 6\)"):
        costs.activations([conv, conv], (3, 8, 8))
    with pytest.raises(TypeError, match="module must have `branches`"):
        costs.branch_table(conv, (3, 8, 8))
    assert costs.cost_table([], (3, 8, 8)) == ((3, 8, 8), 0, 0)  # no steps: nothing printed, nothing spent
    assert capsys.readouterr().out.count("\n") == 1  # the one line of the first table, before its second step failed
