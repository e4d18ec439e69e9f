"""The reference pooling functions against PyTorch, by property tests: `max_pool2d` (values and
indices), `avg_pool2d` (every divisor rule), `adaptive_avg_pool2d` and `adaptive_max_pool2d` equal
``torch.nn.functional``'s, batched and unbatched, and refuse what it refuses."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import event, given
from hypothesis import strategies as st

from convlab.reference import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d

TORCH_ERRORS = (RuntimeError, ValueError, TypeError, IndexError)


def pairs(lo, hi):
    n = st.integers(lo, hi)
    return st.one_of(n, st.tuples(n, n))


@st.composite
def inputs(draw, max_size=9):
    batch = draw(st.sampled_from([None, 1, 2]))
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(1, max_size)), draw(st.integers(1, max_size))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = rng.standard_normal((c, h, w) if batch is None else (batch, c, h, w))
    if draw(st.booleans()):  # ties: a few distinct values, so windows hold their maximum twice
        values = np.round(values)
    return values.astype(draw(st.sampled_from([np.float32, np.float64])))


def torch_or_none(function, x, **kwargs):
    try:
        return function(torch.from_numpy(x), **kwargs)
    except TORCH_ERRORS:
        return None


@given(x=inputs(), kernel_size=pairs(1, 4), stride=st.one_of(st.none(), pairs(1, 3)), padding=pairs(0, 2),
       dilation=pairs(1, 2), ceil_mode=st.booleans())
def test_max_pool2d_matches_torch(x, kernel_size, stride, padding, dilation, ceil_mode):
    kwargs = dict(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    expected = torch_or_none(F.max_pool2d, x, return_indices=True, **kwargs)
    if expected is None:
        event("torch refuses")
        with pytest.raises(ValueError, match="padding|larger than the padded input"):
            max_pool2d(x, **kwargs)
        return
    event("torch accepts")
    values, indices = max_pool2d(x, return_indices=True, **kwargs)
    np.testing.assert_array_equal(values, expected[0].numpy())
    np.testing.assert_array_equal(indices, expected[1].numpy())  # the first maximum of each window
    assert values.dtype == x.dtype and indices.dtype == np.int64


@given(x=inputs(), kernel_size=pairs(1, 4), stride=st.one_of(st.none(), pairs(1, 3)), padding=pairs(0, 2),
       ceil_mode=st.booleans(), count_include_pad=st.booleans(),
       divisor_override=st.one_of(st.none(), st.integers(1, 5), st.integers(-3, -1)))
def test_avg_pool2d_matches_torch(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    kwargs = dict(kernel_size=kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode,
                  count_include_pad=count_include_pad, divisor_override=divisor_override)
    expected = torch_or_none(F.avg_pool2d, x, **kwargs)
    if expected is None:
        with pytest.raises(ValueError, match="padding|larger than the padded input"):
            avg_pool2d(x, **kwargs)
        return
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(avg_pool2d(x, **kwargs), expected.numpy(), rtol=tol, atol=tol)


@given(x=inputs(), output_size=st.one_of(st.integers(0, 7), st.tuples(st.one_of(st.none(), st.integers(0, 7)),
                                                                      st.one_of(st.none(), st.integers(0, 7)))))
def test_adaptive_avg_pool2d_matches_torch(x, output_size):
    expected = F.adaptive_avg_pool2d(torch.from_numpy(x), output_size).numpy()
    result = adaptive_avg_pool2d(x, output_size)
    assert result.shape == expected.shape
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(result, expected, rtol=tol, atol=tol)


@given(x=inputs(), output_size=st.one_of(st.integers(1, 7), st.tuples(st.one_of(st.none(), st.integers(1, 7)),
                                                                      st.one_of(st.none(), st.integers(1, 7)))))
def test_adaptive_max_pool2d_matches_torch(x, output_size):
    values, indices = F.adaptive_max_pool2d(torch.from_numpy(x), output_size, return_indices=True)
    ours, where = adaptive_max_pool2d(x, output_size, return_indices=True)
    np.testing.assert_array_equal(ours, values.numpy())
    np.testing.assert_array_equal(where, indices.numpy())


@pytest.mark.parametrize("call, word", [
    (lambda f, x: f(x, 3, padding=2), "padding"),
    (lambda f, x: f(x, 3, stride=0), "stride"),
    (lambda f, x: f(x, 9), "larger than the padded input"),
    (lambda f, x: f(x, 2.0), "kernel_size"),
    (lambda f, x: f(x, 2, ceil_mode=1), "ceil_mode"),
])
@pytest.mark.parametrize("function, theirs", [(max_pool2d, F.max_pool2d), (avg_pool2d, F.avg_pool2d)])
def test_both_refuse_the_same_with_a_message_naming_the_parameter(call, word, function, theirs):
    x = np.zeros((1, 4, 4))
    with pytest.raises(TORCH_ERRORS):
        call(theirs, torch.from_numpy(x))
    with pytest.raises(ValueError, match=word):
        call(function, x)


def test_refusals_of_the_divisor_and_of_adaptive_sizes():
    x = np.zeros((1, 4, 4))
    for bad, error in ((0, ValueError), (2.5, TypeError)):
        with pytest.raises(TORCH_ERRORS):
            F.avg_pool2d(torch.from_numpy(x), 2, divisor_override=bad)
        with pytest.raises(error, match="divisor_override"):
            avg_pool2d(x, 2, divisor_override=bad)
    with pytest.raises(TORCH_ERRORS):
        F.adaptive_avg_pool2d(torch.from_numpy(x), -1)
    with pytest.raises(ValueError, match="output_size"):
        adaptive_avg_pool2d(x, -1)
    with pytest.raises(ValueError, match="output_size"):
        adaptive_avg_pool2d(x, 1.5)


def test_the_divisor_at_the_border_follows_count_include_pad():
    ones = np.ones((1, 3, 3))
    corner = {flag: avg_pool2d(ones, 2, stride=2, padding=1, count_include_pad=flag)[0, 0, 0] for flag in (True, False)}
    assert corner == {True: 0.25, False: 1.0}  # one input cell of the four the padded window spans


@pytest.mark.parametrize("x, kwargs", [
    (np.full((1, 1, 1), 0.5), dict(kernel_size=2, padding=1, dilation=2)),  # a window of padding only
    (np.array([[[-np.inf, 1.0], [2.0, -np.inf]]]), dict(kernel_size=2, padding=1, dilation=2)),  # and of −∞ only
    (np.array([[[-np.inf, -np.inf], [-np.inf, -np.inf]]]), dict(kernel_size=2, stride=1, padding=1)),
])
def test_windows_with_nothing_above_minus_infinity_keep_pytorchs_index(x, kwargs):
    values, indices = F.max_pool2d(torch.from_numpy(x), return_indices=True, **kwargs)
    ours, where = max_pool2d(x, return_indices=True, **kwargs)
    np.testing.assert_array_equal(ours, values.numpy())
    np.testing.assert_array_equal(where, indices.numpy())
