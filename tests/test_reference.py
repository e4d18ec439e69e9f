"""Unit tests for convlab.reference: hand-checked examples, the semantics PyTorch has
(cross-correlation, CHW/NCHW, groups, bias, asymmetric 'same' padding), im2col's layout,
and every rejected input with a message naming what is wrong."""

import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convlab.checks import ParameterTypeError
from convlab.reference import conv2d, conv2d_naive, im2col

CONVS = pytest.mark.parametrize("conv", [conv2d, conv2d_naive], ids=["conv2d", "conv2d_naive"])

# x = 0  1  2  3      kernel = 1 2
#     4  5  6  7               3 4
#     8  9 10 11
#    12 13 14 15
X4 = np.arange(16).reshape(1, 4, 4)
K2 = np.array([[[[1, 2], [3, 4]]]])


def raises_naming(exc, *parts):
    """pytest.raises(exc) whose message must contain every one of `parts`, in order."""
    return pytest.raises(exc, match=".*".join(re.escape(p) for p in parts))


def torch_conv(x, weight, bias=None, **kwargs):
    """F.conv2d on NumPy arrays, back to NumPy (torch's 'same' + even kernel warning muted)."""
    t = [None if a is None else torch.from_numpy(np.ascontiguousarray(a)) for a in (x, weight, bias)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return F.conv2d(*t, **kwargs).numpy()


# --- hand-checked values ------------------------------------------------------------------


@CONVS
def test_hand_checked_2x2_kernel(conv):
    # out[i, j] = 1·x[i, j] + 2·x[i, j+1] + 3·x[i+1, j] + 4·x[i+1, j+1]
    # out[0, 0] = 0 + 2·1 + 3·4 + 4·5 = 34; one step right adds 1+2+3+4 = 10, one step down 4·10 = 40
    expected = np.array([[[34, 44, 54], [74, 84, 94], [114, 124, 134]]])
    result = conv(X4, K2)
    assert result.shape == (1, 3, 3)
    np.testing.assert_array_equal(result, expected)


@CONVS
def test_hand_checked_stride(conv):
    # stride 2 keeps out[0, 0], out[0, 2], out[2, 0], out[2, 2] of the stride-1 result
    np.testing.assert_array_equal(conv(X4, K2, stride=2), [[[34, 54], [114, 134]]])
    # stride (1, 2): every row, every other column
    np.testing.assert_array_equal(conv(X4, K2, stride=(1, 2)), [[[34, 54], [74, 94], [114, 134]]])


@CONVS
def test_hand_checked_dilation(conv):
    # dilation 2: taps two apart, out[i, j] = x[i, j] + 2·x[i, j+2] + 3·x[i+2, j] + 4·x[i+2, j+2]
    # out[0, 0] = 0 + 2·2 + 3·8 + 4·10 = 68
    np.testing.assert_array_equal(conv(X4, K2, dilation=2), [[[68, 78], [108, 118]]])


@CONVS
def test_hand_checked_padding(conv):
    # padding 1: the top-left window sees only x[0, 0] (under the kernel's 4): 0;
    # out[0, 1] = 3·x[0, 0] + 4·x[0, 1] = 4; out[0, 4] = 3·x[0, 3] = 9; out[4, 4] = 1·x[3, 3] = 15
    result = conv(X4, K2, padding=1)
    assert result.shape == (1, 5, 5)
    assert result[0, 0, 0] == 0
    assert result[0, 0, 1] == 4
    assert result[0, 0, 4] == 9
    assert result[0, 4, 4] == 15
    np.testing.assert_array_equal(result[:, 1:4, 1:4], [[[34, 44, 54], [74, 84, 94], [114, 124, 134]]])


@CONVS
def test_cross_correlation_not_convolution(conv):
    # a true convolution flips the kernel: out[0, 0] would be 4·0 + 3·1 + 2·4 + 1·5 = 16, not 34
    result = conv(X4, K2)
    assert result[0, 0, 0] == 34
    flipped = conv(X4, K2[:, :, ::-1, ::-1])
    assert flipped[0, 0, 0] == 16
    assert not np.array_equal(result, flipped)
    np.testing.assert_array_equal(result, torch_conv(X4[None], K2)[0])


@CONVS
def test_integer_inputs_give_exact_integer_results(conv):
    rng = np.random.default_rng(0)
    x = rng.integers(-1000, 1000, size=(2, 3, 6, 5))
    w = rng.integers(-1000, 1000, size=(4, 3, 3, 2))
    result = conv(x, w, stride=(2, 1), padding=1)
    assert result.dtype.kind == "i"
    # float64 torch is exact here: every sum is far below 2**53
    np.testing.assert_array_equal(result, torch_conv(x.astype(float), w.astype(float), stride=(2, 1), padding=1))
    # one value written out: the window at (0, 0) with padding 1 covers x[:, 0:2, 0:1] under w[..., 1:3, 1:2]
    assert result[0, 0, 0, 0] == np.sum(x[0, :, 0:2, 0:1] * w[0, :, 1:3, 1:2])


@CONVS
def test_bias_is_added_per_output_channel(conv):
    w = np.concatenate([K2, -K2])  # two output channels
    result = conv(X4, w, bias=np.array([100, 7]))
    np.testing.assert_array_equal(result[0], [[134, 144, 154], [174, 184, 194], [214, 224, 234]])
    np.testing.assert_array_equal(result[1], 7 - np.array([[34, 44, 54], [74, 84, 94], [114, 124, 134]]))


@CONVS
def test_bias_as_list(conv):
    np.testing.assert_array_equal(conv(X4, K2, bias=[1]), conv(X4, K2) + 1)


# --- shapes ----------------------------------------------------------------------------------


@CONVS
def test_unbatched_chw_returns_chw(conv):
    x = np.random.default_rng(1).standard_normal((3, 7, 6))
    w = np.random.default_rng(2).standard_normal((5, 3, 3, 2))
    result = conv(x, w, stride=2)
    assert result.shape == (5, 3, 3)  # height floor((7 − 3)/2) + 1 = 3, width floor((6 − 2)/2) + 1 = 3
    np.testing.assert_allclose(result, torch_conv(x, w, stride=2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result, conv(x[None], w, stride=2)[0], rtol=1e-12, atol=1e-12)


@CONVS
def test_batched_nchw_returns_nchw(conv):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((5, 3, 3, 2))
    result = conv(x, w, padding=(1, 0))
    assert result.shape == (2, 5, 7, 5)
    np.testing.assert_allclose(result, torch_conv(x, w, padding=(1, 0)), rtol=1e-12, atol=1e-12)
    # each image is convolved on its own
    np.testing.assert_allclose(result[1], conv(x[1], w, padding=(1, 0)), rtol=1e-12, atol=1e-12)


@CONVS
def test_empty_batch(conv):
    # PyTorch accepts a batch of zero images
    result = conv(np.zeros((0, 2, 5, 5)), np.ones((4, 2, 3, 3)), bias=np.ones(4))
    assert result.shape == (0, 4, 3, 3)


@CONVS
def test_float32_stays_float32(conv):
    x = np.ones((1, 4, 4), dtype=np.float32)
    assert conv(x, np.ones((1, 1, 2, 2), dtype=np.float32)).dtype == np.float32


# --- groups ----------------------------------------------------------------------------------


@CONVS
def test_depthwise_groups(conv):
    # three channels, one 2×2 kernel each: channel c of the output only sees channel c
    x = np.stack([np.ones((3, 3)), np.arange(9).reshape(3, 3), np.full((3, 3), 2)]).astype(int)
    w = np.array([[[[1, 1], [1, 1]]], [[[1, 0], [0, -1]]], [[[0, 0], [0, 5]]]])  # (3, 1, 2, 2)
    result = conv(x, w, groups=3)
    # channel 0: 4 ones; channel 1: x[i, j] − x[i+1, j+1] = −4; channel 2: 5·2 = 10
    np.testing.assert_array_equal(result, [np.full((2, 2), 4), np.full((2, 2), -4), np.full((2, 2), 10)])
    np.testing.assert_array_equal(result, torch_conv(x.astype(float), w.astype(float), groups=3))


@CONVS
def test_groups_split_channels(conv):
    # groups=2: output channels 0–2 see input channels 0–1, output channels 3–5 see input channels 2–3
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 4, 5, 6))
    w = rng.standard_normal((6, 2, 3, 3))
    result = conv(x, w, groups=2)
    np.testing.assert_allclose(result[:, :3], conv(x[:, :2], w[:3]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result[:, 3:], conv(x[:, 2:], w[3:]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result, torch_conv(x, w, groups=2), rtol=1e-12, atol=1e-12)


# --- padding "same" / "valid" ---------------------------------------------------------------


@CONVS
def test_same_with_even_kernel_pads_bottom_and_right(conv):
    # x = 0 1 2,  kernel all ones 2×2. 'same' pads d·(k−1) = 1 row and 1 column, PyTorch puts
    #     3 4 5   them at the bottom and right, so out[i, j] = sum of x[i:i+2, j:j+2] (zeros outside):
    #     6 7 8   out[0, 0] = 0+1+3+4 = 8, out[0, 2] = 2+5 = 7, out[2, 2] = 8
    x = np.arange(9).reshape(1, 3, 3)
    result = conv(x, np.ones((1, 1, 2, 2), dtype=int), padding="same")
    np.testing.assert_array_equal(result, [[[8, 12, 7], [20, 24, 13], [13, 15, 8]]])


@CONVS
@pytest.mark.parametrize(("kernel", "dilation"), [((2, 2), 1), ((4, 3), 1), ((2, 4), (1, 2)), ((3, 2), 3), ((1, 4), 1)])
def test_same_padding_matches_pytorch(conv, kernel, dilation):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 2, 6, 7))
    w = rng.standard_normal((3, 2, *kernel))
    result = conv(x, w, padding="same", dilation=dilation)
    assert result.shape == (1, 3, 6, 7)
    np.testing.assert_allclose(result, torch_conv(x, w, padding="same", dilation=dilation), rtol=1e-12, atol=1e-12)


@CONVS
def test_valid_is_no_padding(conv):
    np.testing.assert_array_equal(conv(X4, K2, padding="valid"), conv(X4, K2, padding=0))


# --- im2col -----------------------------------------------------------------------------------


def test_im2col_hand_checked():
    # x = 0 1 2   four 2×2 windows, each a column; rows run over the kernel positions
    #     3 4 5   (top-left, top-right, bottom-left, bottom-right), columns over the windows
    #     6 7 8   in reading order
    cols = im2col(np.arange(9).reshape(1, 3, 3), 2)
    np.testing.assert_array_equal(cols, [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": (3, 2), "stride": (2, 1)},
        {"kernel_size": 3, "padding": 1, "dilation": 2},
        {"kernel_size": (1, 3), "stride": 3, "padding": (2, 0), "dilation": (1, 2)},
    ],
)
def test_im2col_layout_equals_unfold(kwargs):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 7, 8))
    expected = F.unfold(torch.from_numpy(x), **kwargs).numpy()
    result = im2col(x, **kwargs)
    assert result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)  # a pure rearrangement: exactly equal
    np.testing.assert_array_equal(im2col(x[0], **kwargs), expected[0])  # unbatched: (C·kh·kw, L)


def test_im2col_rows_run_over_channel_then_kernel_row_then_column():
    x = np.stack([np.zeros((2, 2)), np.ones((2, 2))])  # channel 0 all 0, channel 1 all 1
    cols = im2col(x, 2)
    assert cols.shape == (8, 1)
    np.testing.assert_array_equal(cols[:, 0], [0, 0, 0, 0, 1, 1, 1, 1])


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": 2, "padding": 1},
        {"padding": "same", "dilation": (2, 1)},
        {"stride": (1, 2), "dilation": 2},
    ],
)
def test_conv2d_is_im2col_then_matmul(kwargs):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 8, 9))
    w = rng.standard_normal((4, 3, 3, 2))
    cols = im2col(x, (3, 2), **kwargs)  # (N, 3·3·2, OH·OW)
    result = conv2d(x, w, **kwargs)
    n, c_out, oh, ow = result.shape
    assert cols.shape == (2, 18, oh * ow)
    manual = (w.reshape(c_out, -1) @ cols).reshape(n, c_out, oh, ow)
    np.testing.assert_allclose(result, manual, rtol=1e-12, atol=1e-12)


# --- rejected inputs ---------------------------------------------------------------------------


@CONVS
@pytest.mark.parametrize("shape", [(4, 4), (16,), (), (1, 1, 1, 4, 4)])
def test_rejects_x_of_wrong_ndim(conv, shape):
    with raises_naming(ValueError, "x must be 3-D", "or 4-D", f"got shape {shape}"):
        conv(np.zeros(shape), np.ones((1, 1, 1, 1)))


@CONVS
@pytest.mark.parametrize("shape", [(1, 2, 2), (2, 2), (1, 1, 1, 2, 2)])
def test_rejects_weight_of_wrong_ndim(conv, shape):
    with raises_naming(ValueError, "weight must be 4-D", f"got shape {shape}"):
        conv(X4, np.ones(shape))


@CONVS
def test_rejects_channel_mismatch(conv):
    with raises_naming(ValueError, "x has 3 channels", "weight of shape (2, 2, 1, 1)", "groups=1", "= 2"):
        conv(np.zeros((3, 4, 4)), np.ones((2, 2, 1, 1)))
    # with groups, in_channels = weight.shape[1]·groups = 4
    with raises_naming(ValueError, "x has 2 channels", "groups=2", "= 4"):
        conv(np.zeros((2, 4, 4)), np.ones((2, 2, 1, 1)), groups=2)


@CONVS
def test_rejects_out_channels_not_divisible_by_groups(conv):
    with raises_naming(ValueError, "out_channels", "multiple of groups=2", "got 3"):
        conv(np.zeros((2, 4, 4)), np.ones((3, 1, 1, 1)), groups=2)


@CONVS
def test_rejects_zero_out_channels(conv):
    with raises_naming(ValueError, "out_channels", "positive", "got 0"):
        conv(X4, np.ones((0, 1, 2, 2)))


@CONVS
@pytest.mark.parametrize(
    ("groups", "exc"), [(0, ValueError), (-1, ValueError), (1.0, ParameterTypeError), (True, TypeError)]
)
def test_rejects_bad_groups(conv, groups, exc):
    with raises_naming(exc, "groups", "positive integer", f"got {groups!r}"):
        conv(X4, K2, groups=groups)


@CONVS
@pytest.mark.parametrize("shape", [(2,), (1, 1), (), (0,)])
def test_rejects_bias_of_wrong_shape(conv, shape):
    with raises_naming(ValueError, "bias must have shape (1,)", f"got shape {shape}"):
        conv(X4, K2, bias=np.ones(shape))


@CONVS
@pytest.mark.parametrize("shape", [(1, 1, 0, 2), (1, 1, 2, 0), (1, 1, 0, 0)])
def test_rejects_zero_size_kernel(conv, shape):
    with raises_naming(ValueError, "kernel_size must be positive", f"weight of shape {shape}"):
        conv(X4, np.ones(shape))


@CONVS
@pytest.mark.parametrize("shape", [(1, 0, 4), (1, 4, 0), (2, 1, 0, 4)])
def test_rejects_empty_height_or_width(conv, shape):
    # PyTorch allows an empty batch or channel axis, not an empty image, even with padding
    with raises_naming(ValueError, "x must have a positive height and width", f"got shape {shape}"):
        conv(np.zeros(shape), np.ones((1, 1, 1, 1)), padding=1)


GEOMETRY_ERRORS = [
    ({"stride": 0}, ValueError, ("stride must be a positive integer", "got 0")),
    ({"stride": (1, -2)}, ValueError, ("stride must be a positive integer", "got (1, -2)")),
    ({"dilation": 0}, ValueError, ("dilation must be a positive integer", "got 0")),
    ({"dilation": (0, 1)}, ValueError, ("dilation must be a positive integer", "got (0, 1)")),
    ({"padding": -1}, ValueError, ("padding must be a non-negative integer", "got -1")),
    ({"padding": (0, -1)}, ValueError, ("padding must be a non-negative integer", "got (0, -1)")),
    ({"padding": "full"}, ValueError, ("padding must be 'valid', 'same'", "got 'full'")),
    ({"padding": "same", "stride": 2}, ValueError, ("padding='same' needs stride 1", "stride=(2, 2)")),
    ({"padding": "same", "stride": (1, 3)}, ValueError, ("padding='same' needs stride 1", "stride=(1, 3)")),
    ({"stride": 1.0}, ParameterTypeError, ("stride must be an integer or a pair", "got 1.0")),
    ({"stride": "2"}, ParameterTypeError, ("stride", "got '2'")),
    ({"stride": (1, 1, 1)}, ParameterTypeError, ("stride", "got (1, 1, 1)")),
    ({"dilation": True}, ParameterTypeError, ("dilation", "got True")),
    ({"padding": 1.5}, ParameterTypeError, ("padding", "got 1.5")),
    ({"padding": (1, 1, 1)}, ParameterTypeError, ("padding", "got (1, 1, 1)")),
    # 2×2 kernel with dilation 4 spans 5 > 4
    ({"dilation": 4}, ValueError, ("kernel_size 2", "dilation 4", "spans 5", "height 4")),
    ({"dilation": (1, 5)}, ValueError, ("kernel_size 2", "dilation 5", "spans 6", "width 4")),
]


@CONVS
@pytest.mark.parametrize(("kwargs", "exc", "parts"), GEOMETRY_ERRORS)
def test_rejects_bad_geometry(conv, kwargs, exc, parts):
    with raises_naming(exc, *parts) as info:
        conv(X4, K2, **kwargs)
    assert isinstance(info.value, ValueError)  # `except ValueError` catches every bad parameter


@CONVS
def test_rejects_kernel_larger_than_padded_input(conv):
    with raises_naming(ValueError, "kernel_size 5", "spans 5", "height 4"):
        conv(X4, np.ones((1, 1, 5, 1)))
    with raises_naming(ValueError, "kernel_size 7", "spans 7", "width 6", "padding 2"):
        conv(X4, np.ones((1, 1, 1, 7)), padding=1)
    # the same kernel fits once the padding is large enough
    assert conv(X4, np.ones((1, 1, 1, 7)), padding=(0, 2)).shape == (1, 4, 2)


@pytest.mark.parametrize(("kwargs", "exc", "parts"), GEOMETRY_ERRORS)
def test_im2col_rejects_bad_geometry(kwargs, exc, parts):
    with raises_naming(exc, *parts):
        im2col(X4, 2, **kwargs)


@pytest.mark.parametrize(
    ("kernel_size", "exc", "parts"),
    [
        (0, ValueError, ("kernel_size must be a positive integer", "got 0")),
        ((2, -1), ValueError, ("kernel_size must be a positive integer", "got (2, -1)")),
        (2.0, ParameterTypeError, ("kernel_size", "got 2.0")),
        (5, ValueError, ("kernel_size 5", "spans 5", "height 4")),
    ],
)
def test_im2col_rejects_bad_kernel_size(kernel_size, exc, parts):
    with raises_naming(exc, *parts):
        im2col(X4, kernel_size)


@pytest.mark.parametrize("shape", [(4, 4), (1, 1, 1, 4, 4)])
def test_im2col_rejects_x_of_wrong_ndim(shape):
    with raises_naming(ValueError, "x must be 3-D", f"got shape {shape}"):
        im2col(np.zeros(shape), 2)


# --- arrays that are not numbers, and sizes that would not fit in memory ------------------------


@CONVS
@pytest.mark.parametrize("name", ["x", "weight", "bias"])
@pytest.mark.parametrize("bad", [np.array(["a"]), [[1, 2], [3]], {"a": 1}, object(), np.ones(2, dtype=bool)])
def test_rejects_arrays_that_are_not_numbers(conv, name, bad):
    # PyTorch refuses bools too ("slow_conv2d_cpu" not implemented for 'Bool'); NumPy would multiply them as
    # logical and/or, a silently wrong sum
    kwargs = {"x": X4, "weight": K2, "bias": np.ones(1), name: bad}
    with raises_naming(ParameterTypeError, f"{name} must be an array of"):
        conv(**kwargs)


def test_bool_images_were_wrong_before_they_were_refused():
    x, w = np.ones((1, 2, 2), dtype=bool), np.ones((1, 1, 2, 2), dtype=bool)
    assert int((x.reshape(1, 4) @ w.reshape(4, 1)).item()) == 1  # NumPy's bool "sum" of four products: not 4
    with raises_naming(ParameterTypeError, "x must be an array", "got dtype bool"):
        conv2d(x, w)


@CONVS
def test_tensors_and_complex_numbers_are_accepted_as_pytorch_accepts_them(conv):
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 5, 5)) + 1j * rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 2, 2, 2))
    np.testing.assert_allclose(conv(x, w.astype(complex)), torch_conv(x, w.astype(complex)), atol=1e-12)
    np.testing.assert_allclose(conv(torch.from_numpy(x.real), torch.from_numpy(w)), torch_conv(x.real, w), atol=1e-12)
    with raises_naming(ParameterTypeError, "x must be an array of numbers", "detach"):
        conv(torch.ones(2, 5, 5, requires_grad=True), w)


@CONVS
@pytest.mark.parametrize("kwargs, name", [({"padding": 10**6}, "padding"), ({"padding": (0, 2**62)}, "padding")])
def test_sizes_too_large_for_memory_are_refused_before_anything_is_allocated(conv, kwargs, name):
    with raises_naming(ValueError, name, "would hold", "numbers"):
        conv(X4, K2, **kwargs)


def test_im2col_refuses_a_column_matrix_too_large_for_memory():
    with raises_naming(ValueError, "im2col matrix", "would hold"):
        im2col(np.zeros((128, 64, 64)), 15, padding=7)  # 128·225 rows × 4096 columns: 118 million numbers
