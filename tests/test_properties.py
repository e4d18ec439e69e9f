"""Property tests against PyTorch: over random configurations (rectangular inputs and
kernels, stride, padding, dilation, groups, bias, batched and unbatched, valid and
invalid), convlab.reference.conv2d, conv2d_naive, im2col and conv_output_size accept
exactly what torch accepts and give the same shapes and values."""

from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import Phase, event, given, settings
from hypothesis import strategies as st

from convlab.arithmetic import conv_output_size
from convlab.reference import conv2d, conv2d_naive, im2col

# torch warns that 'same' with an even kernel may copy the input; that is not what is tested
pytestmark = [pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning"),
              pytest.mark.usefixtures("one_torch_thread")]


TORCH_ERRORS = (RuntimeError, ValueError, TypeError, IndexError)  # IndexError: zero-size kernel, empty batch
CONVLAB_ERRORS = (ValueError, TypeError)
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}

# A parameter PyTorch rejects, and a word convlab's message must contain for it. Some random
# configurations get one (hypothesis does not draw them evenly, hence the test per flaw);
# the others are well-formed, and a good share of those still fail on geometry (kernel
# larger than the padded input, padding='same' with a stride).
FLAWS = {
    "stride 0": "stride",
    "dilation 0": "dilation",
    "negative padding": "padding",
    "unknown padding string": "padding",
    "float stride": "stride",
    "3-tuple dilation": "dilation",
    "x channels mismatch": "channels",
    "out_channels not a multiple of groups": "out_channels",
    "bias of wrong length": "bias",
    "zero-size kernel": "kernel_size",
}


def pairs(lo, hi, singles=True):
    """An int in [lo, hi], or the same as a pair: (h, w), [h, w] or (unless not `singles`)
    a one-element (v,), which conv2d accepts and unfold refuses."""
    n = st.integers(lo, hi)
    forms = [n, st.tuples(n, n), st.lists(n, min_size=2, max_size=2)]
    return st.one_of(*forms, st.tuples(n)) if singles else st.one_of(*forms)


def paddings(lo, hi):
    return st.one_of(pairs(lo, hi), st.sampled_from(["same", "valid"]))


@dataclass(frozen=True)
class Case:
    """One conv2d call: shapes, keyword arguments, dtype, and a seed for the values."""

    x_shape: tuple
    weight_shape: tuple
    bias_shape: tuple | None
    kwargs: dict
    dtype: type
    seed: int
    flaw: str | None = None

    def arrays(self, integers=False):
        rng = np.random.default_rng(self.seed)
        shapes = (self.x_shape, self.weight_shape, self.bias_shape)
        if integers:  # small integers: every sum is exact in any order
            return [None if s is None else rng.integers(-5, 6, size=s) for s in shapes]
        return [None if s is None else rng.standard_normal(s).astype(self.dtype) for s in shapes]


@st.composite
def conv_cases(draw, max_size=9, max_kernel=4, max_batch=3, flaw="random"):
    """A Case; `flaw` is "random" (about one time in six), None (never) or one of FLAWS (always)."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    h, w = draw(st.integers(1, max_size)), draw(st.integers(1, max_size))
    kh, kw = draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel))
    batch = draw(st.sampled_from([None, *range(max_batch + 1)]))  # None: unbatched (C, H, W)
    kwargs = {
        "stride": draw(pairs(1, 3)),
        "padding": draw(paddings(0, 3)),
        "dilation": draw(pairs(1, 3)),
        "groups": groups,
    }
    bias = draw(st.booleans())
    if flaw == "random":
        flaw = draw(st.sampled_from(sorted(FLAWS))) if draw(st.integers(0, 5)) == 0 else None
    x_channels, bias_len = c_in, c_out
    if flaw == "stride 0":
        kwargs["stride"] = draw(st.sampled_from([0, (0, 1), (2, 0)]))
    elif flaw == "dilation 0":
        kwargs["dilation"] = draw(st.sampled_from([0, (0, 1), (1, 0)]))
    elif flaw == "negative padding":
        kwargs["padding"] = draw(st.sampled_from([-1, (-1, 0), (1, -2)]))
    elif flaw == "unknown padding string":
        kwargs["padding"] = draw(st.sampled_from(["full", "SAME", ""]))
    elif flaw == "float stride":
        kwargs["stride"] = draw(st.sampled_from([1.0, 2.0, (1.0, 1)]))
    elif flaw == "3-tuple dilation":
        kwargs["dilation"] = (1, 1, 1)
    elif flaw == "x channels mismatch":
        x_channels = c_in + draw(st.sampled_from([-1, 1]))
    elif flaw == "out_channels not a multiple of groups":
        groups = kwargs["groups"] = draw(st.integers(2, 3))
        c_in, c_out = groups, groups * draw(st.integers(1, 2)) + 1
        x_channels, bias_len = c_in, c_out
    elif flaw == "bias of wrong length":
        bias, bias_len = True, c_out + draw(st.sampled_from([-1, 1]))
    elif flaw == "zero-size kernel":
        kh, kw = draw(st.sampled_from([(0, kw), (kh, 0)]))
    x_shape = (x_channels, h, w) if batch is None else (batch, x_channels, h, w)
    return Case(
        x_shape=x_shape,
        weight_shape=(c_out, c_in // groups, kh, kw),
        bias_shape=(bias_len,) if bias else None,
        kwargs=kwargs,
        dtype=draw(st.sampled_from([np.float32, np.float64])),
        seed=draw(st.integers(0, 2**32 - 1)),
        flaw=flaw,
    )


def has_zero(value):
    return value == 0 or (isinstance(value, tuple | list) and 0 in value)


def torch_skips_dilation_check(case):
    """torch 2.13 accepts dilation 0 on an empty batch (it checks dilation only when there is
    something to compute); convlab refuses dilation 0 always."""
    return len(case.x_shape) == 4 and case.x_shape[0] == 0 and has_zero(case.kwargs["dilation"])


def torch_conv2d(x, weight, bias, kwargs):
    tensors = [None if a is None else torch.from_numpy(a) for a in (x, weight, bias)]
    return F.conv2d(*tensors, **kwargs).numpy()


def torch_raises(case):
    if torch_skips_dilation_check(case):
        return True
    try:
        torch_conv2d(*case.arrays(), case.kwargs)
    except TORCH_ERRORS:
        return True
    return False


# --- a. conv2d against torch.nn.functional.conv2d ----------------------------------------------


@given(case=conv_cases())
def test_conv2d_matches_torch(case):
    x, weight, bias = case.arrays()
    if torch_skips_dilation_check(case):
        event("empty batch with dilation 0")
        with pytest.raises(ValueError, match=r"dilation must be a positive integer"):
            conv2d(x, weight, bias, **case.kwargs)
        return
    try:
        expected = torch_conv2d(x, weight, bias, case.kwargs)
    except TORCH_ERRORS:
        event(f"torch raises: {case.flaw}" if case.flaw else "torch raises on geometry")
        # a well-formed configuration can only fail on geometry, and the message says so
        with pytest.raises(CONVLAB_ERRORS, match=FLAWS[case.flaw] if case.flaw else "kernel_size|padding='same'"):
            conv2d(x, weight, bias, **case.kwargs)
        return
    event("torch accepts")
    result = conv2d(x, weight, bias, **case.kwargs)
    assert result.shape == expected.shape
    assert result.dtype == case.dtype
    tol = TOLERANCE[case.dtype]
    np.testing.assert_allclose(result, expected, rtol=tol, atol=tol)


def test_configurations_cover_both_outcomes():
    """The generator above is useful only if both branches of the test occur often."""
    outcomes = []

    @settings(max_examples=300, database=None, derandomize=True, phases=[Phase.generate])
    @given(case=conv_cases())
    def record(case):
        outcomes.append((case.flaw, torch_raises(case)))

    record()
    clean = [raised for flaw, raised in outcomes if flaw is None]
    flawed = [raised for flaw, raised in outcomes if flaw is not None]
    assert 0.15 <= sum(clean) / len(clean) <= 0.6  # geometry alone makes a good share invalid
    assert 0.35 <= sum(1 for flaw, raised in outcomes if not raised) / len(outcomes)
    assert len(flawed) >= 0.05 * len(outcomes)
    assert all(flawed)  # an injected flaw is always one that PyTorch rejects


@pytest.mark.parametrize("flaw", sorted(FLAWS))
@given(data=st.data())
def test_each_flaw_is_rejected_by_both_with_a_message_naming_it(flaw, data):
    case = data.draw(conv_cases(flaw=flaw))
    assert torch_raises(case)
    with pytest.raises(CONVLAB_ERRORS, match=FLAWS[flaw]):
        conv2d(*case.arrays(), **case.kwargs)


# --- b. conv2d_naive against conv2d ---------------------------------------------------------


@given(case=conv_cases(max_size=6, max_kernel=3, max_batch=2))
def test_conv2d_naive_equals_conv2d(case):
    x, weight, bias = case.arrays(integers=True)
    try:
        fast = conv2d(x, weight, bias, **case.kwargs)
    except CONVLAB_ERRORS as fast_error:
        event("both raise")
        with pytest.raises(type(fast_error)) as naive_error:
            conv2d_naive(x, weight, bias, **case.kwargs)
        assert str(naive_error.value) == str(fast_error)
        return
    event("both compute")
    naive = conv2d_naive(x, weight, bias, **case.kwargs)
    assert naive.shape == fast.shape
    np.testing.assert_array_equal(naive, fast)


# --- c. conv_output_size against the shape torch produces -------------------------------------


@given(
    size=pairs(1, 9),
    kernel_size=pairs(1, 4),
    stride=st.one_of(pairs(1, 3), pairs(0, 3)),
    padding=st.one_of(paddings(0, 3), pairs(-1, 3)),
    dilation=st.one_of(pairs(1, 3), pairs(0, 3)),
)
def test_conv_output_size_matches_torch(size, kernel_size, stride, padding, dilation):
    # one image, one channel, one filter: only the geometry can be wrong
    h, w = (size, size) if isinstance(size, int) else (size[0], size[-1])
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else (kernel_size[0], kernel_size[-1])
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation}
    try:
        out = F.conv2d(torch.zeros(1, 1, h, w), torch.zeros(1, 1, kh, kw), **kwargs)
    except TORCH_ERRORS:
        event("torch raises")
        with pytest.raises(ValueError, match="kernel_size|stride|padding|dilation"):
            conv_output_size(size, kernel_size, **kwargs)
        return
    event("torch accepts")
    result = conv_output_size(size, kernel_size, **kwargs)
    oh, ow = out.shape[2:]
    if all(isinstance(a, int | str) for a in (size, kernel_size, stride, padding, dilation)):
        assert result == oh == ow
        assert type(result) is int
    else:
        assert result == (oh, ow)


# --- d. im2col against torch.nn.functional.unfold ----------------------------------------------


@given(
    batch=st.sampled_from([None, 0, 1, 2, 3]),
    channels=st.integers(1, 3),
    height=st.integers(1, 9),
    width=st.integers(1, 9),
    kernel_size=pairs(1, 4, singles=False),
    stride=pairs(1, 3, singles=False),
    padding=pairs(0, 3, singles=False),
    dilation=pairs(1, 3, singles=False),
    seed=st.integers(0, 2**32 - 1),
)
def test_im2col_matches_unfold(batch, channels, height, width, kernel_size, stride, padding, dilation, seed):
    shape = (channels, height, width) if batch is None else (batch, channels, height, width)
    x = np.random.default_rng(seed).standard_normal(shape)
    kwargs = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": dilation}
    try:
        expected = F.unfold(torch.from_numpy(x), **kwargs).numpy()
    except TORCH_ERRORS:
        event("torch raises")
        with pytest.raises(CONVLAB_ERRORS):
            im2col(x, **kwargs)
        return
    event("torch accepts")
    result = im2col(x, **kwargs)
    assert result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)  # a pure rearrangement: exactly equal
