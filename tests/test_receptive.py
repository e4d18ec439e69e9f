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
from convlab.receptive import (
    RF,
    coverage,
    effective_receptive_field,
    gradient_map,
    receptive_field,
    spread,
    uniform_spread,
)


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


# --- exact arithmetic for any depth, and bad input ------------------------------------------------


def trinomial_row(n):
    """Path counts along one axis of n stacked 3-tap layers: the coefficients of (1 + x + x²)^n, as Python ints."""
    row = [1]
    for _ in range(n):
        row = [sum(row[j] for j in (i - 2, i - 1, i) if 0 <= j < len(row)) for i in range(len(row) + 2)]
    return row


def test_coverage_of_a_deep_stack_never_wraps_around():
    # 25 layers of 3×3: the largest count, about (3**25 / 10)**2 ≈ 7·10²¹, is past int64; int64 arithmetic wraps
    # silently (to negative or wrong counts), so coverage counts in float64 there
    exact = np.outer(np.array(trinomial_row(25), dtype=object), np.array(trinomial_row(25), dtype=object))
    counts = coverage([(3, 1, 1, 1)] * 25)
    assert counts.dtype == np.float64 and max(exact.ravel()) > np.iinfo(np.int64).max
    np.testing.assert_allclose(counts, exact.astype(float), rtol=1e-13)
    assert counts.sum() == pytest.approx(9.0 ** 25, rel=1e-13) and (counts > 0).all()


def test_coverage_stays_exact_int64_while_every_count_fits():
    counts = coverage([(3, 1, 1, 1)] * 21)  # largest count ≈ 1.2·10¹⁸ (22 layers: 1.05·10¹⁹, past 2**63)
    assert counts.dtype == np.int64
    row = trinomial_row(21)
    assert counts.tolist() == [[a * b for b in row] for a in row]


def test_the_recurrence_is_exact_for_huge_layers():
    k = 2**62  # past float64's 2**53: a float recurrence would round
    field = receptive_field([(k + 1, 3, 0, 4)])[0]
    assert field == RF(4 * k + 1, 3, float(2 * k)) and field.size == 2**64 + 1 and type(field.size) is int


@pytest.mark.parametrize("layers, match", [
    ([(3, 2, "same", 1)], "padding='same' needs stride 1"),  # as nn.Conv2d(padding='same', stride=2) refuses
    (5, "layers must be a list"),
    ([(3, 1, 1, 1), "3x3"], r"layers\[1\]"),
    ([(3, 1, 1, 1), (3, 1.0, 1, 1)], r"layers\[1\]: stride must be an integer"),
    ([(10**9, 1, 0, 10**9)], "layers: the receptive field along one axis would hold"),
])
def test_more_that_it_refuses_with_a_message_saying_where(layers, match):
    with pytest.raises(ValueError, match=match):
        coverage(layers)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_a_module_with_an_empty_kernel_is_refused():
    # nn.Conv2d(1, 1, 0) can be built (with a warning), but its forward pass refuses to run
    with pytest.raises(ValueError, match="layers\\[0\\]: a Conv2d's kernel_size must be a positive integer"):
        receptive_field([nn.Conv2d(1, 1, 0)])


def test_same_padding_in_a_tuple_is_pytorchs_padding_before_the_input():
    assert receptive_field([(4, 1, "same", 1)]) == receptive_field([(4, 1, 1, 1)])  # 3 in all: 1 before, 2 after
    assert receptive_field([(4, 1, "same", 1)]) == receptive_field(nn.Conv2d(1, 1, 4, padding="same"))


def test_gradient_map_refuses_a_unit_outside_the_output():
    conv = nn.Conv2d(1, 1, 3)  # 7×7 in, 5×5 out
    for unit in [(5, 0), (0, 5), (-1, 2), (2, 2, 2)]:
        with pytest.raises(ValueError, match=r"unit must (lie in the 5×5 output|be a \(row, col\) pair)"):
            gradient_map(conv, 7, unit=unit)
    for unit in [(2.0, 1), "centre", 3, (True, 1)]:
        with pytest.raises(TypeError, match="unit must be a"):
            gradient_map(conv, 7, unit=unit)
    assert gradient_map(conv, 7, unit=[np.int64(4), 0])[1] == (4, 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(module=lambda x: x), "module must be a torch.nn.Module"),
    (dict(channels=2), r"module cannot take an input of shape \(1, 2, 7, 7\)"),
    (dict(inputs=torch.ones(1, 1, 6, 7)), r"inputs must have shape \(1, 1, 7, 7\)"),
    (dict(inputs=torch.ones(1, 1, 7, 7, dtype=torch.complex64)), "inputs must hold real numbers"),
    (dict(module=nn.Flatten()), "module must return a 4-D map"),
    (dict(module=nn.Conv2d(1, 1, 3).requires_grad_(False), inputs=torch.ones(1, 1, 7, 7).requires_grad_(False)),
     None),
    (dict(input_size=10**5), "would hold"),
])
def test_gradient_map_refuses_what_it_cannot_map(kwargs, match):
    call = {"module": nn.Conv2d(1, 1, 3), "input_size": 7, **kwargs}
    if match is None:  # frozen weights are fine: the gradient still reaches the input
        assert gradient_map(**call)[0].shape == (7, 7)
        return
    with pytest.raises((ValueError, TypeError), match=match):
        gradient_map(**call)


def test_gradient_map_leaves_the_callers_tensor_alone():
    inputs = torch.rand(1, 1, 7, 7, dtype=torch.float64)  # already float64: .to() would hand back this very tensor
    gradient_map(nn.Conv2d(1, 1, 3), 7, inputs=inputs)
    assert not inputs.requires_grad and inputs.grad is None


def erf_by_hand(make, size, seeds):
    total = 0
    for seed in seeds:
        torch.manual_seed(seed)
        net, x = make(), torch.randn(1, 1, size, size)
        total = total + gradient_map(net, size, inputs=x)[0]
    return total / total.sum()


def test_effective_receptive_field_leaves_the_callers_random_numbers_alone():
    def make():
        return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 1, 3))

    torch.manual_seed(1234)
    before = torch.get_rng_state()
    erf = effective_receptive_field(make, 9, seeds=range(3))
    assert torch.equal(torch.get_rng_state(), before)  # the next torch.rand in the notebook is what it was
    np.testing.assert_allclose(erf, erf_by_hand(make, 9, range(3)), rtol=1e-12)  # the same seeding as ever
    np.testing.assert_allclose(effective_receptive_field(make, 9, seeds=[np.int64(2)]), erf_by_hand(make, 9, [2]))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(seeds=()), ValueError, "at least one seed"),
    (dict(seeds=range(0)), ValueError, "at least one seed"),
    (dict(seeds=8), TypeError, "seeds must be an iterable"),
    (dict(seeds="8"), TypeError, "seeds must be an iterable"),
    (dict(seeds=[1.5]), TypeError, "seeds must be integers"),
    (dict(seeds=[2**64]), ValueError, "seeds must lie in"),
    (dict(make_network=nn.Conv2d(1, 1, 3)(torch.ones(1, 1, 3, 3))), TypeError, "make_network must be a function"),
    (dict(make_network=lambda: 3), TypeError, "make_network must return a torch module"),
    (dict(make_network=lambda: nn.Conv2d(1, 1, 3).requires_grad_(False).apply(
        lambda m: torch.nn.init.zeros_(m.weight) if isinstance(m, nn.Conv2d) else None)), ValueError, "zero"),
])
def test_effective_receptive_field_refuses_what_it_cannot_average(kwargs, error, match):
    call = {"make_network": lambda: nn.Conv2d(1, 1, 3), "input_size": 7, **kwargs}
    with pytest.raises(error, match=match):
        effective_receptive_field(**call)


@pytest.mark.parametrize("weights, match", [
    (np.ones(5), "2-D"), (np.ones((2, 2, 2)), "2-D"), (np.zeros((3, 3)), "all be zero"),
    (np.array([[1.0, -1.0]]), "non-negative"), (np.array([[1.0, np.nan]]), "finite"), ([["a"]], "integers or floats"),
    (np.ones((2, 2), dtype=bool), "integers or floats"),
])
def test_spread_refuses_maps_it_has_no_width_for(weights, match):
    with pytest.raises((ValueError, TypeError), match=match):
        spread(weights)


def test_uniform_spread_needs_a_positive_integer_size():
    assert uniform_spread(np.int64(3)) == pytest.approx(np.sqrt(8 / 12))
    assert uniform_spread(2**70) == pytest.approx(2**70 / np.sqrt(12), rel=1e-12)
    for bad, error in [(0, ValueError), (-2, ValueError), (2.5, TypeError), (True, TypeError), ((3, 3), TypeError)]:
        with pytest.raises(error, match="size must be a positive integer"):
            uniform_spread(bad)


# --- 1-D stacks: layer tuples along one axis (WaveNet, TCN) ----------------------------------------

WAVENET = [(2, 1, 0, 2**i) for i in range(10)]  # kernel 2, dilations 1, 2, 4, …, 512


def along_width(layers):
    """The same layers on a signal of height 1: kernel (1, k), stride (1, s), padding (0, p), dilation (1, d)."""
    return [((1, k), (1, s), (0, p), (1, d)) for k, s, p, d in layers]


def conv1d_stack(layers, causal=False):
    """A one-channel stack of Conv1d with all-ones kernels and no bias (each causal: padded on the left only)."""
    modules = []
    for k, s, p, d in layers:
        if causal:
            modules.append(nn.ConstantPad1d((d * (k - 1), 0), 0.0))
        conv = nn.Conv1d(1, 1, k, stride=s, padding=0 if causal else p, dilation=d, bias=False)
        nn.init.ones_(conv.weight)
        modules.append(conv)
    return nn.Sequential(*modules).double()


def signal_gradient(network, length, unit):
    """∂ output[unit] / ∂ input of a 1-D network, for an input of `length` samples."""
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    network(x)[0, 0, unit].backward()
    return x.grad[0, 0].numpy()


def test_the_wavenet_stack_reaches_1024_samples_each_by_exactly_one_path():
    fields = receptive_field(WAVENET)
    assert [f.size for f in fields] == [2 ** (i + 1) for i in range(10)]
    assert fields[-1] == RF(1024, 1, 511.5)  # ints: the same along both axes of a square
    assert receptive_field(along_width(WAVENET))[-1] == RF((1, 1024), (1, 1), (0.0, 511.5))
    np.testing.assert_equal(coverage(along_width(WAVENET)), np.ones((1, 1024), dtype=np.int64))
    square = coverage(WAVENET)  # int tuples give the outer product of two such rows
    assert square.shape == (1024, 1024) and square.dtype == np.int64 and (square == 1).all()


def test_the_causal_wavenet_stack_in_torch_sees_the_1024_samples_up_to_now():
    network = conv1d_stack(WAVENET, causal=True)
    with torch.no_grad():
        assert network(torch.zeros(1, 1, 1500, dtype=torch.float64)).shape == (1, 1, 1500)  # causal: length kept
    grad = signal_gradient(network, 1500, unit=1400)
    np.testing.assert_equal(np.flatnonzero(grad), np.arange(1400 - 1023, 1401))
    np.testing.assert_equal(grad[1400 - 1023:1401], coverage(along_width(WAVENET))[0])  # one path each


def test_a_schedule_of_equal_dilations_leaves_holes_and_a_repeated_one_does_not():
    np.testing.assert_equal(coverage(along_width([(2, 1, 0, 2)] * 3))[0], [1, 0, 3, 0, 3, 0, 1])  # odd lags: never
    repeated = coverage(along_width([(2, 1, 0, d) for d in (1, 2, 4) * 2]))[0]  # WaveNet repeats its blocks
    assert len(repeated) == 15 and repeated.min() > 0 and repeated.sum() == 2**6 and repeated.max() > 1
    grad = signal_gradient(conv1d_stack([(2, 1, 0, 2)] * 3), 7, unit=0)
    np.testing.assert_equal(grad, [1, 0, 3, 0, 3, 0, 1])  # torch counts the same paths


@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(0, 2), st.integers(1, 4)),
                min_size=1, max_size=4))
def test_1d_field_and_coverage_equal_the_gradient_of_a_conv1d_stack(layers):
    size, unit, field = inside_unit([("conv", g) for g in layers])
    row = receptive_field(along_width(layers))[-1]
    assert row == RF((1, field.size), (1, field.jump), (0.0, field.start))  # the square's answer, along one axis
    grad = signal_gradient(conv1d_stack(layers), size, unit)
    first = int(field.start + unit * field.jump - (field.size - 1) / 2)
    nonzero = np.flatnonzero(grad)
    assert (nonzero.min(), nonzero.max()) == (first, first + field.size - 1)  # exactly the field: its ends are seen
    np.testing.assert_equal(grad[first:first + field.size], coverage(along_width(layers))[0])
    assert grad.sum() == coverage(along_width(layers)).sum()


def test_conv1d_modules_are_refused_by_name_use_layer_tuples():
    with pytest.raises(ValueError, match="cannot handle a Conv1d layer; allowed are \\(kernel_size, stride"):
        receptive_field(nn.Sequential(nn.Conv1d(1, 1, 2, dilation=2)))
