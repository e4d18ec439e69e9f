"""convlab.stacking and the effective-receptive-field helpers: composed kernels equal the
cascade PyTorch computes, the least-squares cascade finds what is reachable and not more,
and the effective receptive field is narrower than the theoretical one."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convlab.receptive import effective_receptive_field, receptive_field, spread
from convlab.stacking import closest_cascade, compose, dilate

rng = np.random.default_rng(0)


def cascade(x, weights, dilations=None, padding=0):
    out = torch.tensor(x)
    for w, d in zip(weights, dilations or [1] * len(weights), strict=True):
        out = F.conv2d(out, torch.tensor(w), dilation=d, padding=padding)
    return out.numpy()


def test_a_linear_cascade_is_one_convolution_with_the_composed_kernel():
    weights = [rng.standard_normal((4, 3, 3, 3)), rng.standard_normal((5, 4, 2, 3)), rng.standard_normal((2, 5, 3, 1))]
    x = rng.standard_normal((2, 3, 11, 12))
    composed = compose(*weights)
    assert composed.shape == (2, 3, 3 + 2 - 1 + 3 - 1, 3 + 3 - 1 + 1 - 1)
    np.testing.assert_allclose(F.conv2d(torch.tensor(x), torch.tensor(composed)).numpy(), cascade(x, weights),
                               atol=1e-10)


def test_dilated_kernels_compose_through_their_holey_versions():
    a, b = rng.standard_normal((1, 1, 3, 3)), rng.standard_normal((1, 1, 3, 3))
    x = rng.standard_normal((1, 1, 15, 15))
    np.testing.assert_allclose(F.conv2d(torch.tensor(x), torch.tensor(dilate(a, 2))).numpy(),
                               F.conv2d(torch.tensor(x), torch.tensor(a), dilation=2).numpy(), atol=1e-12)
    composed = compose(dilate(a, 1), dilate(b, 2))
    assert composed.shape[-1] == receptive_field([(3, 1, 0, 1), (3, 1, 0, 2)])[-1].size
    np.testing.assert_allclose(F.conv2d(torch.tensor(x), torch.tensor(composed)).numpy(),
                               cascade(x, [a, b], [1, 2]), atol=1e-10)


def test_with_padding_only_the_border_differs():
    a, b = rng.standard_normal((1, 1, 3, 3)), rng.standard_normal((1, 1, 3, 3))
    x = rng.standard_normal((1, 1, 9, 9))
    padded_cascade = cascade(x, [a, b], padding=1)  # zeros padded around the intermediate map
    single = F.conv2d(torch.tensor(x), torch.tensor(compose(a, b)), padding=2).numpy()
    differs = ~np.isclose(padded_cascade, single)[0, 0]
    assert not differs[1:-1, 1:-1].any() and differs[[0, -1]].any()


def test_closest_cascade_finds_reachable_kernels_and_only_those():
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    first, second, error = closest_cascade(compose(a, b))
    assert error < 1e-8
    np.testing.assert_allclose(compose(first, second), compose(a, b), atol=1e-6)
    _, _, error = closest_cascade(rng.standard_normal((5, 5)))
    assert error > 0.05  # 18 numbers (17 after scaling) cannot reach every one of 25 dimensions


@pytest.mark.parametrize("call, match", [(lambda: compose(), "at least one"),
                                         (lambda: compose(np.ones((2, 3, 3, 3)), np.ones((1, 4, 3, 3))), "chain"),
                                         (lambda: compose(np.ones(3)), "2-D"),
                                         (lambda: closest_cascade(np.ones((4, 4))), "5×5")])
def test_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_spread_of_a_uniform_field_and_of_a_point():
    box = np.zeros((20, 20))
    box[5:14, 5:14] = 1.0
    assert spread(box) == pytest.approx(np.sqrt((9 ** 2 - 1) / 12))  # discrete uniform over 9 pixels
    point = np.zeros((5, 5))
    point[2, 2] = 1
    assert spread(point) == 0


def test_effective_receptive_field_is_inside_and_narrower_than_the_theoretical_one():
    def make(depth):
        return lambda: nn.Sequential(*[m for i in range(depth)
                                       for m in (nn.Conv2d(1 if i == 0 else 4, 4, 3, padding=1), nn.ReLU())][:-1])

    for depth in (1, 6):
        erf = effective_receptive_field(make(depth), 31, seeds=range(6))
        rf = receptive_field(make(depth)())[-1].size
        rows, cols = np.nonzero(erf)
        assert erf.sum() == pytest.approx(1.0)
        assert rows.max() - rows.min() + 1 <= rf and cols.max() - cols.min() + 1 <= rf
        if depth == 6:  # the weights bunch up in the middle: far narrower than a uniform 13×13
            assert spread(erf) < 0.7 * np.sqrt((rf ** 2 - 1) / 12)


# --- bad input: a clear error, never None or a silently wrong kernel -----------------------------------


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(restarts=0), ValueError, "restarts must be a positive integer, got 0"),  # returned None before
    (dict(restarts=2.0), TypeError, "restarts must be a positive integer, got 2.0"),
    (dict(restarts=10**9), ValueError, "restarts must be at most 1000"),
    (dict(k=0), ValueError, "k must be a positive integer"),
    (dict(k=True), TypeError, "k must be a positive integer"),
    (dict(k=2), ValueError, r"target must be 3×3 for two k×k kernels with k=2"),
    (dict(k=100), ValueError, "k must be at most 16"),
    (dict(iterations=-1), ValueError, "iterations must be a non-negative integer"),
    (dict(iterations="100"), TypeError, "iterations must be a non-negative integer"),
    (dict(seed=-1), ValueError, "seed must be a non-negative integer"),
    (dict(seed=1.5), TypeError, "seed must be a non-negative integer"),
    (dict(target=np.full((5, 5), np.nan)), ValueError, "finite"),
    (dict(target=np.zeros((5, 5))), ValueError, "all zeros"),
    (dict(target=np.ones((5, 5), dtype=complex)), TypeError, "target must be an array of integers or floats"),
])
def test_closest_cascade_refuses_bad_arguments(kwargs, error, match):
    call = {"target": compose(np.ones((3, 3)), np.ones((3, 3))), **kwargs}
    with pytest.raises(error, match=match):
        closest_cascade(**call)


def test_closest_cascade_with_no_iterations_keeps_the_best_random_start():
    target = compose(rng.standard_normal((3, 3)), rng.standard_normal((3, 3)))
    first, second, error = closest_cascade(target, restarts=2, iterations=0)
    assert error == pytest.approx(np.linalg.norm(compose(first, second) - target) / np.linalg.norm(target))
    assert error > closest_cascade(target, restarts=2, iterations=20)[2]


def test_closest_cascade_fits_tiny_and_huge_targets_as_well_as_ordinary_ones():
    target = np.random.default_rng(5).standard_normal((5, 5))
    target /= 2 * np.abs(target).max()  # largest value 0.5: the scale closest_cascade fits at
    first, second, error = closest_cascade(target, restarts=2)
    assert 0.05 < error < 1
    for scale in (2.0**-1000, 2.0**1000):  # squares that underflow or overflow float64 unless rescaled
        tiny_or_huge = closest_cascade(target * scale, restarts=2)
        assert tiny_or_huge[2] == error
        np.testing.assert_allclose(compose(*tiny_or_huge[:2]), compose(first, second) * scale, rtol=1e-12)


@pytest.mark.parametrize("dilation, error, match", [
    (0, ValueError, "dilation must be a positive integer"), (-1, ValueError, "dilation must be a positive"),
    (2.0, TypeError, "dilation must be an integer or a pair"), (True, TypeError, "dilation"),
    (2**40, ValueError, "would hold"),
])
def test_dilate_refuses_dilations_pytorch_refuses(dilation, error, match):
    with pytest.raises(error, match=match):
        dilate(np.ones((3, 3)), dilation)


def test_dilate_takes_a_pair_as_pytorch_does():
    a = rng.standard_normal((2, 3, 3, 2))
    x = rng.standard_normal((1, 3, 12, 12))
    np.testing.assert_allclose(F.conv2d(torch.tensor(x), torch.tensor(dilate(a, (2, 3)))).numpy(),
                               F.conv2d(torch.tensor(x), torch.tensor(a), dilation=(2, 3)).numpy(), atol=1e-12)
    np.testing.assert_array_equal(dilate([[1, 2]], [np.int64(3)]), [[1, 0, 0, 2]])


@pytest.mark.parametrize("weight, error, match", [
    (np.ones((3, 0)), ValueError, "empty axis"), (np.ones((3, 3), dtype=complex), TypeError, "integers or floats"),
    (np.ones((3, 3), dtype=bool), TypeError, "integers or floats"), ([[1, 2], [3]], TypeError, "array of numbers"),
    (None, TypeError, "integers or floats"), (np.ones((1, 3, 3)), ValueError, "2-D"),
])
def test_weights_that_are_not_real_kernels_are_refused(weight, error, match):
    with pytest.raises(error, match=match):
        dilate(weight, 2)
    with pytest.raises(error, match=r"weights\[1\] must"):
        compose(np.ones((3, 3)), weight)


def test_a_2d_kernel_with_a_multichannel_weight_keeps_every_channel():
    # compose used to return [0, 0] of the result whenever any weight was 2-D, dropping the other channels
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((4, 1, 2, 2))
    x = rng.standard_normal((1, 1, 9, 9))
    composed = compose(a, b)
    assert composed.shape == (4, 1, 4, 4)
    expected = cascade(x, [a[None, None], b])
    np.testing.assert_allclose(F.conv2d(torch.tensor(x), torch.tensor(composed)).numpy(), expected, atol=1e-10)
