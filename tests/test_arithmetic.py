"""Unit tests for convlab.arithmetic: hand-computed values, the int-in/int-out and
pair-in/pair-out rule, every rejected input (with a message naming the parameter and
value), and that importing convlab stays light."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convlab.arithmetic import conv_macs, conv_output_size, conv_params, effective_kernel_size
from convlab.checks import ParameterTypeError

REPO = Path(__file__).resolve().parents[1]


def raises_naming(exc, *parts):
    """pytest.raises(exc) whose message must contain every one of `parts`, in order."""
    return pytest.raises(exc, match=".*".join(re.escape(p) for p in parts))


# --- conv_output_size: known values -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        # floor((7 + 2·1 − 1·(3 − 1) − 1) / 2) + 1 = floor(6 / 2) + 1 = 4
        ((7, 3), {"stride": 2, "padding": 1}, 4),
        # floor((32 + 2 − 2 − 1) / 1) + 1 = 32: the usual "3×3, padding 1 keeps the size"
        ((32, 3), {"padding": 1}, 32),
        # dilation 2 makes a 3×3 kernel span 5: 7 − 5 + 1 = 3 (DESIGN's dilation example)
        ((7, 3), {"dilation": 2}, 3),
        # no padding: 5 − 3 + 1 = 3
        ((5, 3), {}, 3),
        ((5, 3), {"padding": "valid"}, 3),
        # "same" keeps the size, for odd and even kernels and with dilation
        ((5, 3), {"padding": "same"}, 5),
        ((6, 4), {"padding": "same"}, 6),
        ((9, 2), {"padding": "same", "dilation": 3}, 9),
        # floor((10 − 3) / 3) + 1 = 2 + 1 = 3: the last column of the input is never used
        ((10, 3), {"stride": 3}, 3),
        # a kernel exactly as large as the padded input gives one value
        ((3, 5), {"padding": 1}, 1),
        # 1×1 kernel with stride 2 on 7: floor(6 / 2) + 1 = 4
        ((7, 1), {"stride": 2}, 4),
        # padding larger than the kernel is allowed (as in PyTorch): 1 + 2·3 − 1 = 7
        ((1, 1), {"padding": 3}, 7),
        # stride larger than the input: one output
        ((2, 1), {"stride": 5}, 1),
    ],
)
def test_conv_output_size_known_values(args, kwargs, expected):
    result = conv_output_size(*args, **kwargs)
    assert result == expected
    assert type(result) is int


def test_conv_output_size_positional_order_is_size_kernel_stride_padding_dilation():
    # 11 with kernel 3, stride 2, padding 1, dilation 2: floor((11 + 2 − 4 − 1) / 2) + 1 = 5
    assert conv_output_size(11, 3, 2, 1, 2) == 5


def test_conv_output_size_rectangular():
    # height: floor((5 + 2·1 − 1·(3 − 1) − 1) / 2) + 1 = 3
    # width:  floor((8 + 0 − 2·(1 − 1) − 1) / 1) + 1 = 8
    assert conv_output_size((5, 8), (3, 1), stride=(2, 1), padding=(1, 0), dilation=(1, 2)) == (3, 8)
    # height: floor((10 − 3) / 2) + 1 = 4, width: floor((12 − 3) / 2) + 1 = 5
    assert conv_output_size((10, 12), 3, stride=2) == (4, 5)
    # width: 8 + 2·2 − 2·(3 − 1) − 1 = 7, then + 1 = 8
    assert conv_output_size((5, 8), 3, padding=(0, 2), dilation=(1, 2)) == (3, 8)
    assert conv_output_size((5, 8), (3, 4), padding="same") == (5, 8)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (((7, 7), 3), {"stride": 2, "padding": 1}),
        ((7, (3, 3)), {"stride": 2, "padding": 1}),
        ((7, 3), {"stride": (2, 2), "padding": 1}),
        ((7, 3), {"stride": 2, "padding": (1, 1)}),
        ((7, 3), {"stride": 2, "padding": 1, "dilation": (1, 1)}),
        (([7, 7], [3]), {"stride": [2], "padding": 1}),
    ],
)
def test_conv_output_size_pair_in_gives_pair_out(args, kwargs):
    result = conv_output_size(*args, **kwargs)
    assert result == (4, 4)
    assert isinstance(result, tuple)


def test_conv_output_size_int_in_gives_int_out_with_string_padding():
    assert conv_output_size(7, 3, padding="same") == 7
    assert conv_output_size(7, 3, padding="valid") == 5
    assert conv_output_size((7, 6), 3, padding="valid") == (5, 4)


def test_conv_output_size_accepts_numpy_integers():
    result = conv_output_size(np.int64(7), np.int32(3), stride=np.int64(2), padding=np.int8(1))
    assert result == 4
    assert type(result) is int


# --- conv_output_size: errors --------------------------------------------------------


@pytest.mark.parametrize("name", ["size", "kernel_size", "stride", "dilation"])
@pytest.mark.parametrize("bad", [0, -1, (3, 0), (-2, 3)])
def test_conv_output_size_rejects_non_positive(name, bad):
    kwargs = {"size": 9, "kernel_size": 3, "stride": 1, "dilation": 1, name: bad}
    with raises_naming(ValueError, name, "positive", f"got {bad!r}"):
        conv_output_size(**kwargs)


@pytest.mark.parametrize("bad", [-1, (0, -1), (-3, 2)])
def test_conv_output_size_rejects_negative_padding(bad):
    with raises_naming(ValueError, "padding", "non-negative", f"got {bad!r}"):
        conv_output_size(9, 3, padding=bad)


@pytest.mark.parametrize("bad", ["full", "SAME", "", "Valid"])
def test_conv_output_size_rejects_unknown_padding_string(bad):
    with raises_naming(ValueError, "padding", "'valid', 'same'", f"got {bad!r}"):
        conv_output_size(9, 3, padding=bad)


@pytest.mark.parametrize("stride", [2, (1, 2), (2, 1), 3])
def test_conv_output_size_rejects_same_padding_with_stride(stride):
    h, w = (stride, stride) if isinstance(stride, int) else stride
    with raises_naming(ValueError, "padding='same'", "stride 1", f"stride=({h}, {w})"):
        conv_output_size(9, 3, stride=stride, padding="same")


@pytest.mark.parametrize("name", ["size", "kernel_size", "stride", "dilation"])
@pytest.mark.parametrize("bad", [2.0, 1.5, "3", True, False, (1, 2, 3), (), (2.0, 2), None, {3: 3}])
def test_conv_output_size_rejects_non_integers(name, bad):
    kwargs = {"size": 9, "kernel_size": 3, "stride": 1, "dilation": 1, name: bad}
    with raises_naming(TypeError, name, "integer", f"got {bad!r}") as info:
        conv_output_size(**kwargs)
    assert isinstance(info.value, ParameterTypeError)
    assert isinstance(info.value, ValueError)  # `except ValueError` catches every bad parameter


@pytest.mark.parametrize("bad", [1.0, 0.5, True, (1, 2, 3), (1.0, 1), None])
def test_conv_output_size_rejects_non_integer_padding(bad):
    with raises_naming(ParameterTypeError, "padding", f"got {bad!r}"):
        conv_output_size(9, 3, padding=bad)


@pytest.mark.parametrize(
    ("args", "kwargs", "parts"),
    [
        # span 5 > 3
        ((3, 5), {}, ("kernel_size 5", "spans 5", "height 3")),
        # dilation 3 makes a 3×3 kernel span 7 > 5 + 2·0
        ((5, 3), {"dilation": 3}, ("kernel_size 3", "dilation 3", "spans 7", "height 5")),
        # padding helps, but not enough: span 6 > 3 + 2·1
        ((3, 6), {"padding": 1}, ("kernel_size 6", "spans 6", "height 5", "padding 2")),
        # only the width is too small
        (((9, 2), (3, 3)), {}, ("kernel_size 3", "spans 3", "width 2")),
        # only the height is too small, through a rectangular padding
        (((2, 9), 3), {"padding": (0, 1)}, ("kernel_size 3", "height 2")),
        ((4, 5), {"padding": "valid"}, ("kernel_size 5", "height 4")),
    ],
)
def test_conv_output_size_rejects_kernel_larger_than_padded_input(args, kwargs, parts):
    with raises_naming(ValueError, *parts):
        conv_output_size(*args, **kwargs)


# --- effective_kernel_size -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kernel_size", "dilation", "expected"),
    [
        (3, 1, 3),
        (3, 2, 5),  # 3 + (3 − 1)·(2 − 1)
        (3, 4, 9),  # 3 + 2·3
        (5, 2, 9),  # 5 + 4·1
        (1, 7, 1),  # a single tap has no gaps
        (2, 3, 4),  # 2 + 1·2
    ],
)
def test_effective_kernel_size_known_values(kernel_size, dilation, expected):
    result = effective_kernel_size(kernel_size, dilation=dilation)
    assert result == expected
    assert type(result) is int


def test_effective_kernel_size_default_dilation_is_one():
    assert effective_kernel_size(7) == 7


def test_effective_kernel_size_pairs():
    assert effective_kernel_size((3, 5), (2, 1)) == (5, 5)
    assert effective_kernel_size(3, (1, 3)) == (3, 7)
    assert effective_kernel_size((3, 3)) == (3, 3)
    assert isinstance(effective_kernel_size([3], 2), tuple)


@pytest.mark.parametrize(
    ("name", "bad"), [("kernel_size", 0), ("kernel_size", -3), ("dilation", 0), ("dilation", (1, -1))]
)
def test_effective_kernel_size_rejects_non_positive(name, bad):
    kwargs = {"kernel_size": 3, "dilation": 1, name: bad}
    with raises_naming(ValueError, name, "positive", f"got {bad!r}"):
        effective_kernel_size(**kwargs)


@pytest.mark.parametrize("name", ["kernel_size", "dilation"])
@pytest.mark.parametrize("bad", [2.5, "3", True, (3, 3, 3)])
def test_effective_kernel_size_rejects_non_integers(name, bad):
    kwargs = {"kernel_size": 3, "dilation": 1, name: bad}
    with raises_naming(ParameterTypeError, name, f"got {bad!r}"):
        effective_kernel_size(**kwargs)


# --- conv_params -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((64, 128, 3), {}, 73856),  # 128·64·3·3 = 73728 weights + 128 biases
        ((64, 128, 3), {"bias": False}, 73728),
        ((64, 128, 1), {}, 8320),  # 1×1: 128·64 + 128
        ((64, 64, 3), {"groups": 64}, 640),  # depthwise: 64·1·9 + 64
        ((4, 6, (3, 1)), {"groups": 2, "bias": False}, 36),  # 6·(4/2)·3·1
        ((3, 4, (3, 5)), {}, 184),  # 4·3·15 + 4
        ((256, 64, 1), {"bias": False}, 16384),  # bottleneck reduction 256→64
        ((1, 1, 1), {}, 2),
    ],
)
def test_conv_params_known_values(args, kwargs, expected):
    result = conv_params(*args, **kwargs)
    assert result == expected
    assert type(result) is int


def test_conv_params_two_3x3_against_one_5x5():
    # per channel pair: 2·9 = 18 weights against 25
    assert 2 * conv_params(1, 1, 3, bias=False) == 18
    assert conv_params(1, 1, 5, bias=False) == 25


@pytest.mark.parametrize("name", ["in_channels", "out_channels", "groups"])
@pytest.mark.parametrize("bad", [0, -4])
def test_conv_params_rejects_non_positive_counts(name, bad):
    kwargs = {"in_channels": 4, "out_channels": 4, "kernel_size": 3, "groups": 1, name: bad}
    with raises_naming(ValueError, name, "positive integer", f"got {bad!r}"):
        conv_params(**kwargs)


@pytest.mark.parametrize("name", ["in_channels", "out_channels", "groups"])
@pytest.mark.parametrize("bad", [4.0, "4", True, (4,)])
def test_conv_params_rejects_non_integer_counts(name, bad):
    kwargs = {"in_channels": 4, "out_channels": 4, "kernel_size": 3, "groups": 1, name: bad}
    with raises_naming(ParameterTypeError, name, "positive integer", f"got {bad!r}"):
        conv_params(**kwargs)


def test_conv_params_rejects_groups_not_dividing_in_channels():
    with raises_naming(ValueError, "in_channels", "divisible by groups", "in_channels=3", "groups=2"):
        conv_params(3, 6, 3, groups=2)


def test_conv_params_rejects_groups_not_dividing_out_channels():
    with raises_naming(ValueError, "out_channels", "divisible by groups", "out_channels=6", "groups=4"):
        conv_params(4, 6, 3, groups=4)


@pytest.mark.parametrize("bad", [0, (3, 0), -1])
def test_conv_params_rejects_non_positive_kernel_size(bad):
    with raises_naming(ValueError, "kernel_size", "positive", f"got {bad!r}"):
        conv_params(4, 4, bad)


@pytest.mark.parametrize("bad", [3.0, "3", (3, 3, 3)])
def test_conv_params_rejects_non_integer_kernel_size(bad):
    with raises_naming(ParameterTypeError, "kernel_size", f"got {bad!r}"):
        conv_params(4, 4, bad)


@pytest.mark.parametrize("bad", [1, 0, "yes", None, 1.0])
def test_conv_params_rejects_non_bool_bias(bad):
    with raises_naming(TypeError, "bias", "True or False", f"got {bad!r}") as info:
        conv_params(4, 4, 3, bias=bad)
    assert isinstance(info.value, ValueError)  # `except ValueError` catches every bad parameter


# --- conv_macs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((64, 128, 3, 32), {}, 75497472),  # 128·32·32 outputs × 64·3·3 = 131072 × 576
        ((64, 128, 1, 32), {}, 8388608),  # 1×1: 131072 × 64
        ((64, 64, 3, 32), {"groups": 64}, 589824),  # depthwise: 64·1024 outputs × 9
        ((3, 4, (3, 5), (10, 20)), {}, 36000),  # 4·10·20 = 800 outputs × 3·15 = 45
        ((4, 6, 3, (2, 3)), {"groups": 2}, 648),  # 6·6 outputs × 2·9
        ((192, 32, 1, 28), {}, 4816896),  # Inception's 1×1 reduction: 32·784 × 192
        ((1, 1, 1, 1), {}, 1),
    ],
)
def test_conv_macs_known_values(args, kwargs, expected):
    result = conv_macs(*args, **kwargs)
    assert result == expected
    assert type(result) is int


def test_conv_macs_depthwise_separable_ratio():
    # depthwise 3×3 + pointwise 64→128 against a standard 3×3 64→128 on 32×32:
    # ratio 1/C_out + 1/k² = 1/128 + 1/9
    separable = conv_macs(64, 64, 3, 32, groups=64) + conv_macs(64, 128, 1, 32)
    assert separable / conv_macs(64, 128, 3, 32) == pytest.approx(1 / 128 + 1 / 9)


@pytest.mark.parametrize("bad", [0, -1, (32, 0)])
def test_conv_macs_rejects_non_positive_output_size(bad):
    with raises_naming(ValueError, "output_size", "positive", f"got {bad!r}"):
        conv_macs(4, 4, 3, bad)


@pytest.mark.parametrize("bad", [32.0, "32", (32, 32, 32), True])
def test_conv_macs_rejects_non_integer_output_size(bad):
    with raises_naming(ParameterTypeError, "output_size", f"got {bad!r}"):
        conv_macs(4, 4, 3, bad)


@pytest.mark.parametrize(("name", "bad"), [("in_channels", 0), ("out_channels", -2), ("groups", 0), ("kernel_size", 0)])
def test_conv_macs_rejects_non_positive(name, bad):
    kwargs = {"in_channels": 4, "out_channels": 4, "kernel_size": 3, "output_size": 8, "groups": 1, name: bad}
    with raises_naming(ValueError, name, "positive", f"got {bad!r}"):
        conv_macs(**kwargs)


def test_conv_macs_rejects_groups_not_dividing_channels():
    with raises_naming(ValueError, "in_channels", "divisible by groups", "in_channels=6", "groups=4"):
        conv_macs(6, 8, 3, 8, groups=4)
    with raises_naming(ValueError, "out_channels", "divisible by groups", "out_channels=6", "groups=4"):
        conv_macs(8, 6, 3, 8, groups=4)


def test_conv_macs_rejects_non_integer_groups():
    with raises_naming(ParameterTypeError, "groups", "got 2.0"):
        conv_macs(4, 4, 3, 8, groups=2.0)


# --- NumPy and big integers in, Python ints out -----------------------------------------


def test_numpy_integers_give_python_ints_everywhere():
    i = np.int64
    results = [conv_params(i(64), i(128), i(3), groups=i(2)), conv_macs(i(64), i(128), i(3), i(32), groups=i(2)),
               effective_kernel_size(i(3), i(2)), conv_output_size(i(9), i(3), i(2)),
               *conv_output_size((i(9), i(8)), [i(3)]), *effective_kernel_size((i(3), i(5)), i(2))]
    assert [type(r) for r in results] == [int] * len(results)
    assert results[:4] == [36992, 37748736, 5, 4]  # 128·32·9 + 128;  128·32·32 · 32·9;  3 + 2;  (9 − 3) // 2 + 1


def test_counts_past_int64_are_exact_not_wrapped():
    # with NumPy int64 arithmetic 2**40 · 2**40 · 9 would wrap; Python ints do not
    big = np.int64(2**40)
    assert conv_params(big, big, 3, bias=False) == 2**80 * 9
    assert conv_macs(big, big, 3, big) == 2**40 * 2**80 * 2**40 * 9
    assert conv_output_size(2**70, 3) == 2**70 - 2


def test_numpy_bools_are_a_bias_and_numpy_ints_are_not():
    assert conv_params(4, 4, 3, bias=np.True_) == 148 and conv_params(4, 4, 3, bias=np.False_) == 144
    with raises_naming(ParameterTypeError, "bias", "True or False", "got np.int64(1)"):
        conv_params(4, 4, 3, bias=np.int64(1))


# --- importing convlab is light ----------------------------------------------------------


@pytest.mark.parametrize("heavy", ["torch", "matplotlib", "ipywidgets"])
def test_import_convlab_does_not_import(heavy):
    code = (
        "import sys, convlab\n"
        "assert convlab.conv_output_size(7, 3, stride=2, padding=1) == 4\n"
        f"assert {heavy!r} not in sys.modules, sorted(m for m in sys.modules if m.startswith({heavy!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
