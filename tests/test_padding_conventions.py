"""The padding conventions against each other and against PyTorch: `tf_same_padding` against
TensorFlow's SAME rule found by search, its emulation in PyTorch (``F.pad``, then ``padding=0``),
where it agrees with PyTorch's ``padding="same"`` and with ``padding=k//2`` and where not, and
`causal_padding`: no output sees the future."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from convlab.arithmetic import causal_padding, conv_output_size, tf_same_padding
from convlab.reference import conv1d, conv2d

pytestmark = [pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning"),
              pytest.mark.usefixtures("one_torch_thread")]

SIZES, KERNELS, STRIDES, DILATIONS = range(1, 13), range(1, 6), range(1, 4), range(1, 4)
GRID = [(n, k, s, d) for n in SIZES for k in KERNELS for s in STRIDES for d in DILATIONS]


def windows(length, span, stride):
    """How many windows of `span` samples, `stride` apart, fit in `length` samples."""
    return 0 if length < span else (length - span) // stride + 1


def tf_total_by_search(size, kernel_size, stride, dilation):
    """TensorFlow's SAME, read as: the least total padding that gives ceil(size / stride) windows."""
    wanted, span = math.ceil(size / stride), dilation * (kernel_size - 1) + 1
    return next(t for t in range(span + size) if windows(size + t, span, stride) >= wanted)


def signal(seed, length, channels=2):
    return torch.from_numpy(np.random.default_rng(seed).standard_normal((1, channels, length)))


def kernels(seed, kernel_size, channels=2):
    return torch.from_numpy(np.random.default_rng(seed).standard_normal((3, channels, kernel_size)))


def tf_conv1d(x, weight, stride=1, dilation=1):
    """TensorFlow's padding="SAME" in PyTorch: pad as tf_same_padding says, then padding=0."""
    pads = tf_same_padding(x.shape[-1], weight.shape[-1], stride, dilation)
    return F.conv1d(F.pad(x, pads), weight, stride=stride, dilation=dilation)


def test_tf_same_padding_is_the_least_padding_that_gives_ceil_size_over_stride_outputs():
    for n, k, s, d in GRID:
        before, after = tf_same_padding(n, k, s, d)
        assert before + after == tf_total_by_search(n, k, s, d), (n, k, s, d)
        assert after - before in (0, 1)  # an odd total: the extra zero after


@given(n=st.integers(1, 300), k=st.integers(1, 9), s=st.integers(1, 6), d=st.integers(1, 5))
def test_tf_same_padding_by_search_for_larger_sizes(n, k, s, d):
    before, after = tf_same_padding(n, k, s, d)
    assert (before + after, after - before) == (tf_total_by_search(n, k, s, d), (before + after) % 2)
    assert type(before) is int and type(after) is int


def test_the_emulation_gives_ceil_size_over_stride_outputs_and_the_first_window_starts_before_the_input():
    for n, k, s, d in GRID:
        x, weight = signal(n, n), kernels(k, k)
        out = tf_conv1d(x, weight, s, d)
        assert out.shape[-1] == math.ceil(n / s), (n, k, s, d)
        # by the definition: output i sums x[i·s − before + u·d] over the taps u, zeros outside the input
        before, _ = tf_same_padding(n, k, s, d)
        xs, ws = x[0].numpy(), weight.numpy()
        by_hand = [sum(ws[o, c, u] * xs[c, i * s - before + u * d]
                       for c in range(2) for u in range(k) if 0 <= i * s - before + u * d < n)
                   for o in range(3) for i in range(out.shape[-1])]
        np.testing.assert_allclose(out[0].numpy().ravel(), by_hand, rtol=1e-12, atol=1e-12)


@given(h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4),
       stride=st.tuples(st.integers(1, 3), st.integers(1, 3)), dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       seed=st.integers(0, 2**16))
def test_the_2d_emulation_pads_height_and_width_each_as_its_own_axis(h, w, kh, kw, stride, dilation, seed):
    rng = np.random.default_rng(seed)
    x, weight = rng.standard_normal((1, 2, h, w)), rng.standard_normal((3, 2, kh, kw))
    (top, bottom), (left, right) = tf_same_padding((h, w), (kh, kw), stride, dilation)
    assert ((top, bottom), (left, right)) == (tf_same_padding(h, kh, stride[0], dilation[0]),
                                               tf_same_padding(w, kw, stride[1], dilation[1]))
    # F.pad takes the last axis first: (left, right, top, bottom)
    ours = F.conv2d(F.pad(torch.from_numpy(x), (left, right, top, bottom)), torch.from_numpy(weight), stride=stride,
                    dilation=dilation).numpy()
    assert ours.shape[-2:] == (math.ceil(h / stride[0]), math.ceil(w / stride[1]))
    explicit = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))  # the zeros placed by NumPy instead
    np.testing.assert_allclose(ours, conv2d(explicit, weight, stride=stride, dilation=dilation), rtol=1e-10,
                               atol=1e-10)


def test_odd_total_padding_cannot_be_written_as_pytorchs_symmetric_padding():
    """PyTorch's integer padding is the same at both ends, so it reproduces TensorFlow's SAME exactly when
    the total is even; for an odd total no integer padding does (F.pad is needed)."""
    blind = 0
    for n, k, s, d in GRID:
        x, weight = signal(n, n), kernels(k, k)
        tf = tf_conv1d(x, weight, s, d)
        if not tf.any():  # the dilated taps step over the whole input (e.g. 1 sample, kernel 2, dilation 3):
            blind += 1  # an output of zeros, which a symmetric padding can give too
            assert n < d, (n, k, s, d)
            continue
        matches = []
        for p in range(d * (k - 1) + 1):
            try:
                out = F.conv1d(x, weight, stride=s, padding=p, dilation=d)
            except RuntimeError:  # the kernel does not fit
                continue
            if out.shape == tf.shape and torch.allclose(out, tf, rtol=1e-12, atol=1e-12):
                matches.append(p)
        before, after = tf_same_padding(n, k, s, d)
        assert matches == ([before] if before == after else []), (n, k, s, d)
    assert 0 < blind < len(GRID) // 20


def test_at_stride_1_tf_same_is_pytorchs_same_for_every_span_even_ones_too():
    for n, k, _, d in (c for c in GRID if c[2] == 1):
        x, weight = signal(n, n), kernels(k, k)
        total = d * (k - 1)
        assert tf_same_padding(n, k, 1, d) == (total // 2, total - total // 2)  # PyTorch's split: extra on the right
        torch.testing.assert_close(tf_conv1d(x, weight, 1, d), F.conv1d(x, weight, padding="same", dilation=d),
                                   rtol=1e-12, atol=1e-12)
        assert tf_same_padding(n, k, 1, d) == tf_same_padding(n + 7, k, 1, d)  # and it does not depend on the size


def test_with_a_stride_pytorch_refuses_same_and_tf_same_depends_on_the_size():
    x, weight = signal(0, 8), kernels(0, 3)
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided convolutions"):
        F.conv1d(x, weight, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        conv1d(x.numpy(), weight.numpy(), stride=2, padding="same")
    assert [tf_same_padding(n, 3, stride=2) for n in (7, 8)] == [(1, 1), (0, 1)]
    assert [tf_conv1d(signal(0, n), weight, 2).shape[-1] for n in (7, 8)] == [4, 4]


def test_where_k_over_2_agrees_with_tf_same():
    """padding=k//2 (dilation 1) is TensorFlow's SAME exactly when its padding is TensorFlow's: for an odd
    kernel at stride 1, and at stride 2 for an odd kernel and an odd size (or a 1-tap kernel, which pads
    nothing); an even kernel never agrees (at stride 1 it gives one output too many)."""
    for n, k, s, _ in (c for c in GRID if c[3] == 1 and c[2] <= 2):
        x, weight = signal(n, n), kernels(k, k)
        tf = tf_conv1d(x, weight, s)
        half = F.conv1d(x, weight, stride=s, padding=k // 2)
        agrees = half.shape == tf.shape and torch.allclose(half, tf, rtol=1e-12, atol=1e-12)
        assert agrees == (tf_same_padding(n, k, s) == (k // 2, k // 2)), (n, k, s)
        assert agrees == (k == 1 or (k % 2 == 1 and (s == 1 or n % 2 == 1))), (n, k, s)
        if k % 2 == 1:
            assert half.shape[-1] == math.ceil(n / s)  # an odd kernel: the size agrees always, the values not
        elif s == 1:
            assert half.shape[-1] == n + 1


def test_a_table_of_the_conventions_for_sizes_5_to_8():
    """Each convention's output size, for sizes 5–8, kernels 2–5 and strides 1–2, as PyTorch computes it."""
    for n in range(5, 9):
        for k in range(2, 6):
            for s in (1, 2):
                x, weight = signal(1, n), kernels(1, k)
                assert tf_conv1d(x, weight, s).shape[-1] == math.ceil(n / s)
                assert F.conv1d(x, weight, stride=s, padding=k // 2).shape[-1] == conv_output_size(n, k, s, k // 2)
                assert F.conv1d(x, weight, stride=s).shape[-1] == conv_output_size(n, k, s, "valid") == (n - k) // s + 1
                if s == 1:
                    assert F.conv1d(x, weight, padding="same").shape[-1] == conv_output_size(n, k, 1, "same") == n


# --- causal padding ---------------------------------------------------------------------------


@given(n=st.integers(1, 24), k=st.integers(1, 4), d=st.integers(1, 4), t=st.integers(0, 23), seed=st.integers(0, 999))
def test_a_causal_output_does_not_change_when_the_future_does(n, k, d, t, seed):
    t = t % n
    rng = np.random.default_rng(seed)
    x, weight = torch.from_numpy(rng.standard_normal((1, 2, n))), torch.from_numpy(rng.standard_normal((3, 2, k)))
    left, right = causal_padding(k, dilation=d)
    assert (left, right) == (d * (k - 1), 0)
    y = F.conv1d(F.pad(x, (left, right)), weight, dilation=d)
    assert y.shape[-1] == n  # one output per input sample
    future = x.clone()
    future[..., t + 1:] += torch.from_numpy(rng.standard_normal((1, 2, n - t - 1)))
    changed = F.conv1d(F.pad(future, (left, right)), weight, dilation=d)
    torch.testing.assert_close(changed[..., : t + 1], y[..., : t + 1], rtol=0, atol=0)
    present = x.clone()
    present[..., t] += 1.0  # the present does matter: through the last tap
    assert not torch.allclose(F.conv1d(F.pad(present, (left, right)), weight, dilation=d)[..., t], y[..., t])
    np.testing.assert_allclose(conv1d(np.pad(x.numpy(), ((0, 0), (0, 0), (left, right))), weight.numpy(), dilation=d),
                               y.numpy(), rtol=1e-12, atol=1e-12)  # convlab's conv1d agrees


def test_a_causal_output_sees_exactly_the_taps_behind_it():
    x = torch.zeros(1, 1, 20, dtype=torch.float64, requires_grad=True)
    conv = F.conv1d(F.pad(x, causal_padding(3, dilation=4)), torch.ones(1, 1, 3, dtype=torch.float64), dilation=4)
    conv[0, 0, 15].backward()
    np.testing.assert_equal(np.flatnonzero(x.grad[0, 0].numpy()), [7, 11, 15])  # t − 8, t − 4, t


@pytest.mark.parametrize("call, error, match", [
    (lambda: tf_same_padding(0, 3), ValueError, "size must be a positive integer"),
    (lambda: tf_same_padding(5, 0), ValueError, "kernel_size must be a positive integer"),
    (lambda: tf_same_padding(5, 3, stride=0), ValueError, "stride must be a positive integer"),
    (lambda: tf_same_padding(5, 3, dilation=-1), ValueError, "dilation must be a positive integer"),
    (lambda: tf_same_padding(5.0, 3), TypeError, "size must be an integer or a pair"),
    (lambda: tf_same_padding(5, 3, stride=True), TypeError, r"stride must be an integer .*got True"),
    (lambda: tf_same_padding(5, (3, 3, 3)), TypeError, "kernel_size must be an integer or a pair"),
    (lambda: tf_same_padding("5", 3), TypeError, "size must be an integer"),
    (lambda: causal_padding(0), ValueError, "kernel_size must be a positive integer, got 0"),
    (lambda: causal_padding(3, dilation=0), ValueError, "dilation must be a positive integer, got 0"),
    (lambda: causal_padding((3, 3)), TypeError, r"kernel_size must be a positive integer, got \(3, 3\)"),
    (lambda: causal_padding(3, dilation=2.0), TypeError, "dilation must be a positive integer, got 2.0"),
    (lambda: causal_padding(True), TypeError, "kernel_size must be a positive integer, got True"),
])
def test_refusals_name_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_kinds_of_answers():
    assert tf_same_padding(np.int64(7), 3, np.int64(2)) == (1, 1)
    assert all(type(v) is int for v in tf_same_padding(np.int64(7), 3, np.int64(2)))
    assert tf_same_padding(7, (3, 4), 2) == ((1, 1), (1, 2))
    assert tf_same_padding(1, 5) == (2, 2)  # one sample, a 5-tap kernel: two zeros each side
    assert tf_same_padding(9, 1, stride=4) == (0, 0)  # a 1-tap kernel never pads
    assert causal_padding(np.int64(2), np.int64(8)) == (8, 0) and type(causal_padding(np.int64(2))[0]) is int
