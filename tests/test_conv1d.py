"""conv1d against PyTorch, by property tests: `convlab.reference.conv1d` equals
``torch.nn.functional.conv1d`` (values, shapes, dtypes, refusals, in 1-D words), and is `conv2d`
on a signal of height 1, as ``F.conv1d`` is ``F.conv2d``."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import event, given, settings
from hypothesis import strategies as st

from convlab.reference import conv1d, conv2d

# torch warns that 'same' with an even kernel may copy the input; that is not what is tested
pytestmark = [pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning"),
              pytest.mark.usefixtures("one_torch_thread")]

TORCH_ERRORS = (RuntimeError, ValueError, TypeError, IndexError)
CONVLAB_ERRORS = (ValueError, TypeError)
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}
TWO_D_WORDS = ("height", "width", "(C, H, W)", "kh, kw", "pair")  # a conv1d's messages speak of one axis
# A parameter PyTorch refuses, and a word convlab's message must name for it.
FLAWS = {
    "stride 0": "stride",
    "dilation 0": "dilation",
    "negative padding": "padding",
    "unknown padding string": "padding",
    "float stride": "stride",
    "2-tuple stride": "stride",
    "2-tuple padding": "padding",
    "2-tuple dilation": "dilation",
    "'same' with stride 2": "padding='same' needs stride 1",
    "kernel longer than the padded input": "kernel_size",
    "2-D weight": "weight must be 3-D",
    "4-D weight": "weight must be 3-D",
    "4-D x": "x must be 2-D",
    "bool x": "x must be an array",
    "x channels mismatch": "channels",
    "out_channels not a multiple of groups": "out_channels",
    "bias of wrong length": "bias",
    "zero-size kernel": "kernel_size",
}


def singles(lo, hi):
    """An int in [lo, hi], or the same as (v,) or [v], as F.conv1d takes it."""
    n = st.integers(lo, hi)
    return st.one_of(n, st.tuples(n), st.lists(n, min_size=1, max_size=1))


@st.composite
def cases(draw, flaw=None):
    """(x, weight, bias, keyword arguments, dtype, flaw): one conv1d call, well-formed unless `flaw`
    (None: a random one a fifth of the time; False: never)."""
    if flaw is None:
        flaw = draw(st.one_of(*[st.none()] * 4, st.sampled_from(sorted(FLAWS))))
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    batch = draw(st.sampled_from([None, 1, 2] if flaw else [None, 0, 1, 2]))  # torch checks little on an empty one
    length, k = draw(st.integers(1, 9)), draw(st.integers(2 if flaw == "dilation 0" else 1, 4))
    kwargs = {"stride": draw(singles(1, 3)), "padding": draw(st.one_of(singles(0, 3), st.sampled_from(["same",
              "valid"]))), "dilation": draw(singles(1, 3)), "groups": groups}
    x_channels, bias_len, x_dtype = c_in, c_out, None
    weight_shape = (c_out, c_in // groups, k)
    if flaw == "stride 0":
        kwargs["stride"] = draw(st.sampled_from([0, (0,), [0]]))
    elif flaw == "dilation 0":
        kwargs["dilation"] = draw(st.sampled_from([0, (0,)]))
    elif flaw == "negative padding":
        kwargs["padding"] = draw(st.sampled_from([-1, (-2,)]))
    elif flaw == "unknown padding string":
        kwargs["padding"] = draw(st.sampled_from(["full", "SAME", "causal", ""]))
    elif flaw == "float stride":
        kwargs["stride"] = draw(st.sampled_from([1.0, 2.0, (1.0,)]))
    elif flaw == "2-tuple stride":
        kwargs["stride"] = draw(st.sampled_from([(1, 1), (2, 1), [1, 2]]))
    elif flaw == "2-tuple padding":
        kwargs["padding"] = draw(st.sampled_from([(0, 0), (1, 1), (0, 1)]))
    elif flaw == "2-tuple dilation":
        kwargs["dilation"] = draw(st.sampled_from([(1, 1), (2, 2)]))
    elif flaw == "'same' with stride 2":
        kwargs["stride"], kwargs["padding"] = draw(st.sampled_from([2, (3,)])), "same"
    elif flaw == "kernel longer than the padded input":
        kwargs["padding"], kwargs["dilation"], k = 0, 1, length + draw(st.integers(1, 2))
        weight_shape = (c_out, c_in // groups, k)
    elif flaw == "2-D weight":
        weight_shape = (c_out, c_in // groups)
    elif flaw == "4-D weight":
        weight_shape = (c_out, c_in // groups, 1, k)
    elif flaw == "4-D x":
        batch = draw(st.integers(1, 2))
        x_channels = (x_channels, 1)  # (N, C, 1, L): an image, not a signal
    elif flaw == "bool x":
        x_dtype = bool
    elif flaw == "x channels mismatch":
        x_channels = c_in + draw(st.sampled_from([-1, 1]))
    elif flaw == "out_channels not a multiple of groups":
        groups = kwargs["groups"] = draw(st.integers(2, 3))
        weight_shape, x_channels = (groups + 1, 1, k), groups
        bias_len = groups + 1
    elif flaw == "bias of wrong length":
        bias_len = c_out + draw(st.sampled_from([-1, 1]))
    elif flaw == "zero-size kernel":
        weight_shape = (c_out, c_in // groups, 0)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    channels = x_channels if isinstance(x_channels, tuple) else (x_channels,)
    x_shape = (*channels, length) if batch is None else (batch, *channels, length)
    x = rng.standard_normal(x_shape).astype(x_dtype or dtype)
    weight = rng.standard_normal(weight_shape).astype(dtype)
    with_bias = draw(st.booleans()) or flaw == "bias of wrong length"
    bias = rng.standard_normal(bias_len).astype(dtype) if with_bias else None
    return x, weight, bias, kwargs, dtype, flaw


def torch_conv1d(x, weight, bias, kwargs):
    tensors = [None if a is None else torch.from_numpy(a) for a in (x, weight, bias)]
    return F.conv1d(*tensors, **kwargs).numpy()


def torch_skips_a_check(x, kwargs):
    """torch 2.13 does not look at the dilation on an empty batch (nothing to compute); convlab does."""
    d = kwargs["dilation"]
    return x.ndim == 3 and len(x) == 0 and (d == 0 or (isinstance(d, (tuple, list)) and 0 in d))


def assert_one_d_words(message):
    assert not any(word in message for word in TWO_D_WORDS), message


@given(case=cases())
def test_conv1d_matches_torch(case):
    x, weight, bias, kwargs, dtype, flaw = case
    try:
        expected = torch_conv1d(x, weight, bias, kwargs)
    except TORCH_ERRORS:
        event(f"torch raises: {flaw}" if flaw else "torch raises on geometry")
        with pytest.raises(CONVLAB_ERRORS, match=FLAWS[flaw] if flaw else "kernel_size|padding='same'") as error:
            conv1d(x, weight, bias, **kwargs)
        assert_one_d_words(str(error.value))
        return
    assert flaw is None, f"torch accepted {flaw}"
    event("torch accepts")
    result = conv1d(x, weight, bias, **kwargs)
    assert result.shape == expected.shape and result.dtype == dtype
    np.testing.assert_allclose(result, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("flaw", sorted(FLAWS))
@settings(max_examples=max(20, settings().max_examples // 3))  # 18 flaws: a third of the profile's examples each
@given(data=st.data())
def test_each_flaw_is_refused_by_both_with_a_message_naming_it_in_1d_words(flaw, data):
    x, weight, bias, kwargs, _, _ = data.draw(cases(flaw=flaw))
    with pytest.raises(TORCH_ERRORS):
        torch_conv1d(x, weight, bias, kwargs)
    with pytest.raises(CONVLAB_ERRORS, match=FLAWS[flaw]) as error:
        conv1d(x, weight, bias, **kwargs)
    assert_one_d_words(str(error.value))


def test_an_empty_batch_with_dilation_0_is_refused_although_torch_computes_nothing():
    x, weight = np.zeros((0, 1, 5)), np.zeros((1, 1, 2))
    assert torch_skips_a_check(x, {"dilation": 0})
    assert torch_conv1d(x, weight, None, {"dilation": 0}).shape == (0, 1, 5)  # a span of 0·(2 − 1) + 1 = 1
    with pytest.raises(ValueError, match="dilation must be a positive integer, got 0"):
        conv1d(x, weight, dilation=0)


def as_2d(kwargs):
    """conv1d's keyword arguments for conv2d on a signal of height 1: (1, s), (0, p), (1, d)."""
    one = {k: v if isinstance(v, int) else v[0] for k, v in kwargs.items() if not isinstance(v, str)}
    padding = kwargs["padding"] if isinstance(kwargs["padding"], str) else (0, one["padding"])
    return {"stride": (1, one["stride"]), "padding": padding, "dilation": (1, one["dilation"]),
            "groups": kwargs["groups"]}


@given(case=cases(flaw=False))
def test_conv1d_is_conv2d_with_height_1_as_in_torch(case):
    x, weight, bias, kwargs, dtype, _ = case
    try:
        expected = torch_conv1d(x, weight, bias, kwargs)
    except TORCH_ERRORS:
        event("the geometry does not fit")
        return
    kwargs2 = as_2d(kwargs)
    rows = [None if a is None else torch.from_numpy(a) for a in (x[..., None, :], weight[..., None, :], bias)]
    np.testing.assert_allclose(F.conv2d(*rows, **kwargs2).numpy()[..., 0, :], expected, rtol=TOLERANCE[dtype],
                               atol=TOLERANCE[dtype])  # torch's own identity
    ours = conv2d(x[..., None, :], weight[..., None, :], bias, **kwargs2)[..., 0, :]
    np.testing.assert_array_equal(conv1d(x, weight, bias, **kwargs), ours)  # the very computation conv1d runs


def test_hand_checked_difference_dilation_stride_and_bias():
    x = np.array([[1, 2, 4, 7, 11, 16]])
    np.testing.assert_equal(conv1d(x, np.array([[[-1, 1]]])), [[1, 2, 3, 4, 5]])
    np.testing.assert_equal(conv1d(x, np.array([[[-1, 1]]]), dilation=2), [[3, 5, 7, 9]])  # x[t+2] − x[t]
    np.testing.assert_equal(conv1d(x, np.array([[[1, 1]]]), stride=(3,), bias=[10]), [[13, 28]])
    assert conv1d(x, np.array([[[1, 1]]])).dtype.kind == "i"  # integers stay exact


def test_same_with_an_even_span_puts_the_extra_zero_on_the_right():
    x = np.arange(1, 6).reshape(1, 5)  # 1 2 3 4 5
    np.testing.assert_equal(conv1d(x, np.ones((1, 1, 2), dtype=int), padding="same"), [[3, 5, 7, 9, 5]])
    np.testing.assert_equal(conv1d(x, np.ones((1, 1, 2), dtype=int), padding=1)[:, :-1], [[1, 3, 5, 7, 9]])
    # span 3 (kernel 2, dilation 2) is odd: one zero at each end
    np.testing.assert_equal(conv1d(x, np.ones((1, 1, 2), dtype=int), padding="same", dilation=2), [[2, 4, 6, 8, 4]])
    torch_same = F.conv1d(torch.from_numpy(x), torch.ones(1, 1, 2, dtype=torch.int64), padding="same")
    np.testing.assert_equal(torch_same.numpy(), [[3, 5, 7, 9, 5]])  # torch agrees


def test_shapes_batched_unbatched_groups_and_valid():
    rng = np.random.default_rng(3)
    x, weight = rng.standard_normal((4, 6, 20)), rng.standard_normal((9, 2, 5))
    out = conv1d(x, weight, groups=3, padding="valid")
    assert out.shape == (4, 9, 16)
    np.testing.assert_allclose(conv1d(x[1], weight, groups=3), out[1], rtol=1e-12)
    depthwise = conv1d(x, rng.standard_normal((6, 1, 3)), groups=6, padding=1)
    assert depthwise.shape == (4, 6, 20)
    assert conv1d(np.zeros((0, 6, 20)), weight, groups=3).shape == (0, 9, 16)


def test_float32_stays_float32_and_tensors_and_complex_numbers_are_accepted():
    assert conv1d(np.ones((1, 4), np.float32), np.ones((1, 1, 2), np.float32)).dtype == np.float32
    x = torch.arange(6.0).reshape(1, 6)
    np.testing.assert_equal(conv1d(x, torch.ones(1, 1, 3)), [[3.0, 6.0, 9.0, 12.0]])
    np.testing.assert_equal(conv1d(np.array([[1j, 2, 3]]), np.ones((1, 1, 2))), [[2 + 1j, 5]])
    assert conv1d(np.ones((1, 5)), np.ones((1, 1, 2)), stride=np.int64(2), padding=[np.int64(1)]).shape == (1, 3)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(stride=(1, 2)), TypeError, r"stride must be an integer or a 1-tuple of one .*the length.*got \(1, 2\)"),
    (dict(padding=(1, 1)), TypeError, r"padding must be 'valid', 'same' or a non-negative integer \(or a 1-tuple"),
    (dict(stride=True), TypeError, "stride must be an integer"),
    (dict(padding=-1), ValueError, "padding must be a non-negative integer, got -1"),
    (dict(dilation=0), ValueError, "dilation must be a positive integer, got 0"),
    (dict(padding="same", stride=2), ValueError, "padding='same' needs stride 1 \\(as in PyTorch\\), got stride=2"),
    (dict(dilation=3), ValueError, r"kernel_size 3 with dilation 3 spans 7 samples .* padded input length 6 "
                                   r"\(x's length 6 \+ padding 0\)"),
    (dict(groups=0), ValueError, "groups must be a positive integer, got 0"),
])
def test_refusals_name_the_parameter_the_value_and_what_is_allowed(kwargs, error, match):
    with pytest.raises(error, match=match) as raised:
        conv1d(np.ones((1, 6)), np.ones((1, 1, 3)), **kwargs)
    assert_one_d_words(str(raised.value))


@pytest.mark.parametrize("x, weight, match", [
    (np.ones(6), np.ones((1, 1, 3)), r"x must be 2-D \(C, L\) or 3-D \(N, C, L\), got shape \(6,\)"),
    (np.ones((1, 1, 1, 6)), np.ones((1, 1, 3)), r"x must be 2-D \(C, L\) or 3-D \(N, C, L\)"),
    (np.ones((1, 1, 0)), np.ones((1, 1, 3)), "x must have a positive length"),
    (np.ones((1, 6)), np.ones((1, 3)), r"weight must be 3-D \(out_channels, in_channels/groups, kernel_size\)"),
    (np.ones((1, 6)), np.ones((1, 1, 0)), r"kernel_size must be positive, got weight of shape \(1, 1, 0\)"),
    (np.ones((2, 6)), np.ones((1, 1, 3)), r"x has 2 channels, but weight of shape \(1, 1, 3\)"),
    (np.ones((1, 6), dtype=bool), np.ones((1, 1, 3)), "x must be an array of integers, floats or complex numbers"),
])
def test_shape_refusals_speak_of_signals(x, weight, match):
    with pytest.raises(CONVLAB_ERRORS, match=match) as raised:
        conv1d(x, weight)
    with pytest.raises(TORCH_ERRORS):  # torch refuses each too
        F.conv1d(torch.from_numpy(x), torch.from_numpy(weight))
    assert_one_d_words(str(raised.value))


def test_sizes_too_large_for_memory_are_refused_before_anything_is_allocated():
    x = np.broadcast_to(np.float64(0), (1, 64, 2**20))  # a view: no memory taken
    with pytest.raises(ValueError, match=r"the im2col matrix of x of shape \(1, 64, 1048576\) with kernel_size 3"):
        conv1d(x, np.zeros((1, 64, 3)))
