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
