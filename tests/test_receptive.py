"""convlab.receptive: the receptive-field recurrence and coverage maps, by hand and against
the gradients PyTorch computes for random stacks of layers."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from convlab.arithmetic import conv_output_size
from convlab.receptive import RF, coverage, gradient_map, receptive_field


def test_three_3x3_layers_see_7_pixels_and_dilations_1_2_4_see_15():
    assert [f.size for f in receptive_field([(3, 1, 1, 1)] * 3)] == [3, 5, 7]
    assert receptive_field([(3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4)]) == [RF(3, 1, 0.0), RF(7, 1, 0.0),
                                                                            RF(15, 1, 0.0)]


def test_strides_multiply_the_jump_and_padding_moves_the_start():
    # AlexNet's first layers: conv 11×11 stride 4 padding 2, max-pool 3×3 stride 2
    assert receptive_field([(11, 4, 2, 1), (3, 2, 0, 1)]) == [RF(11, 4, 3.0), RF(19, 8, 7.0)]
    assert receptive_field([(3, 1, 0, 1)])[0].start == 1.0  # no padding: the first window is centred on pixel 1
    assert receptive_field([(3, 1, 2, 1)])[0].start == -1.0  # padding 2: centred in the padding


def test_rectangular_layers_give_pairs():
    assert receptive_field([((3, 5), (1, 2), 0, (2, 1))]) == [RF((5, 5), (1, 2), (2.0, 2.0))]


def test_torch_modules_nested_containers_and_pixelwise_layers():
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.ModuleList([nn.MaxPool2d(2), nn.Sequential(nn.Conv2d(8, 8, 3, dilation=2, padding="same"))]),
                        nn.AvgPool2d(3, stride=2, padding=1), nn.Dropout())
    assert receptive_field(net) == receptive_field([(3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 2, 2), (3, 2, 1, 1)])


@pytest.mark.parametrize("layers, match", [
    ([nn.Linear(4, 4)], "Linear"),
    (nn.Sequential(nn.Conv2d(1, 1, 3), nn.AdaptiveAvgPool2d(1)), "AdaptiveAvgPool2d"),
    ([(3, 1, 1)], "kernel_size, stride, padding, dilation"),
    ((3, 1, 1, 1), "wrap it in a list"),
    ([(3, 0, 1, 1)], "stride"),
    ([(3, 1, -1, 1)], "padding"),
    ([(3, 1, 1, 0)], "dilation"),
])
def test_what_it_cannot_handle_is_a_clear_error(layers, match):
    with pytest.raises(ValueError, match=match):
        receptive_field(layers)


def test_coverage_counts_paths():
    stack = [(3, 1, 0, 1), (3, 1, 0, 2), (3, 1, 0, 4)]
    counts = coverage(stack)
    assert counts.shape == (15, 15) and counts.min() > 0  # 1, 2, 4: no holes
    assert counts.sum() == 9 ** 3  # every choice of one tap per layer is one path


def test_gridding_holes_and_the_hybrid_fix():
    assert (coverage([(3, 1, 0, 2)] * 3) == 0).sum() == 13 * 13 - 7 * 7  # only even rows and columns are seen
    assert (coverage([(3, 1, 0, 1), (3, 1, 0, 2), (3, 1, 0, 5)]) == 0).sum() == 0
    assert (coverage([(3, 1, 0, 1), (3, 1, 0, 5)]) == 0).sum() > 0  # no common factor, still holes: gaps too wide


def ones_network(layers):
    """A one-channel torch network with all-ones kernels, no bias and no nonlinearity."""
    modules = []
    for kind, (k, s, p, d) in layers:
        if kind == "conv":
            conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
            nn.init.ones_(conv.weight)
            modules.append(conv)
        else:
            modules.append(nn.AvgPool2d(k, stride=s, padding=p))
    return nn.Sequential(*modules)


conv_layer = st.tuples(st.just("conv"), st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(0, 2),
                                                    st.integers(1, 3)))
pool_layer = st.integers(2, 3).flatmap(lambda k: st.tuples(st.just("pool"), st.tuples(
    st.just(k), st.integers(1, 2), st.integers(0, k // 2), st.just(1))))


def inside_unit(layers):
    """An input size, and the index of an output unit whose whole receptive field lies inside it."""
    field = receptive_field([g for _, g in layers])[-1]
    half = (field.size - 1) / 2
    unit = max(0, math.ceil((half - field.start) / field.jump))
    size = int(field.start + unit * field.jump + half) + 1 + 2 * field.jump
    while True:  # grow the input until the network's output reaches that unit
        try:
            out = size
            for _, (k, s, p, d) in layers:
                out = conv_output_size(out, k, stride=s, padding=p, dilation=d)
            if out > unit:
                return size, unit, field
        except ValueError:  # a kernel larger than its (padded) input
            pass
        size += 1


@given(st.lists(st.one_of(conv_layer, pool_layer), min_size=1, max_size=4))
def test_formula_and_gradient_agree_on_size_and_position(layers):
    size, unit, field = inside_unit(layers)
    grad, _ = gradient_map(ones_network(layers), size, unit=(unit, unit))
    rows, cols = np.nonzero(grad)
    centre, half = field.start + unit * field.jump, (field.size - 1) / 2
    assert (rows.min(), rows.max()) == (centre - half, centre + half)
    assert (cols.min(), cols.max()) == (centre - half, centre + half)


@given(st.lists(conv_layer, min_size=1, max_size=3))
def test_coverage_equals_the_gradient_of_an_all_ones_network(layers):
    size, unit, field = inside_unit(layers)
    grad, _ = gradient_map(ones_network(layers), size, unit=(unit, unit))
    counts = coverage([g for _, g in layers])
    top = int(field.start + unit * field.jump - (field.size - 1) / 2)
    np.testing.assert_array_equal(grad[top: top + field.size, top: top + field.size], counts)
    assert grad.sum() == counts.sum()  # nothing outside the field


def test_gradient_map_defaults_to_the_centre_unit():
    net = nn.Conv2d(2, 1, 3, bias=False)
    nn.init.ones_(net.weight)
    grad, unit = gradient_map(net, 9, channels=2)
    assert unit == (3, 3) and grad.shape == (9, 9)
    assert np.array_equal(np.argwhere(grad > 0).min(0), [3, 3]) and grad.max() == 2  # one path per channel
    with torch.no_grad():
        assert net(torch.ones(1, 2, 9, 9)).shape == (1, 1, 7, 7)


def test_a_residual_block_is_followed_along_its_main_path():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, stride=2, padding=1)
            self.shortcut = nn.Conv2d(4, 4, 1, stride=2)

        @property
        def main_path(self):
            return [self.conv1, nn.ReLU(), self.conv2]

        def forward(self, x):
            return self.conv2(torch.relu(self.conv1(x))) + self.shortcut(x)

    assert receptive_field(nn.Sequential(Block(), Block())) == receptive_field([(3, 1, 1, 1), (3, 2, 1, 1)] * 2)


def test_subclasses_of_known_layers_are_understood():
    class Block(nn.Sequential):
        pass

    class Wide(nn.Conv2d):
        pass

    assert receptive_field(Block(Wide(1, 1, 5, padding=2), nn.ReLU())) == [RF(5, 1, 0.0)]
