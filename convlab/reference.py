"""A NumPy reference for torch.nn.functional.conv2d: `conv2d_naive` (loops, to read),
`im2col` (every kernel window as a column) and `conv2d` (im2col, then one matrix product); and for
conv_transpose2d: `conv_transpose2d_naive` (every input pixel stamps the kernel into the output)
and `conv_transpose2d` (the stamps of all pixels at once, one kernel tap at a time); and for pooling:
`max_pool2d` and `avg_pool2d` over every window at once, `adaptive_avg_pool2d` and
`adaptive_max_pool2d` window by window; and `conv1d`, conv2d on a signal of height 1.

Same semantics as PyTorch: cross-correlation (no kernel flip), batched (N, C, H, W) or
unbatched (C, H, W) input, weight of shape (out_channels, in_channels / groups, kh, kw),
int or (h, w) stride/padding/dilation, padding "valid"/"same", groups and bias; the inputs
PyTorch rejects raise a ValueError here. One deliberate difference: NumPy dtypes are
promoted as NumPy does, so integer examples give exact integer answers.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from convlab.arithmetic import pool_geometry, transposed_geometry
from convlab.checks import (
    Padding,
    ParameterTypeError,
    Size,
    boolean,
    check_elements,
    check_fits,
    is_int,
    number_array,
    padding_arg,
    positive_int,
    positive_pair,
    same_padding,
    short,
)

__all__ = ["conv1d", "conv2d", "conv2d_naive", "conv_transpose2d", "conv_transpose2d_naive", "im2col", "max_pool2d",
           "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"]


def _as_batch(x):
    """x as a 4-D array, and whether it came without a batch axis."""
    x = number_array(x, "x")
    if x.ndim not in (3, 4):
        raise ValueError(f"x must be 3-D (C, H, W) or 4-D (N, C, H, W), got shape {x.shape}")
    xb, unbatched = (x[None], True) if x.ndim == 3 else (x, False)
    if xb.shape[0] and xb.shape[1] and 0 in xb.shape[2:]:
        raise ValueError(
            f"x must have a positive height and width (as in PyTorch, only the batch or channel axis "
            f"may be empty), got shape {x.shape}"
        )
    return xb, unbatched


def _pads(padding, kernel_size, stride, dilation):
    """Per-side padding (top, bottom, left, right) for int, pair, 'valid' or 'same'."""
    pad = padding_arg(padding)
    if pad == "same":
        return same_padding(kernel_size, dilation, stride)
    ph, pw = (0, 0) if pad == "valid" else pad
    return ph, ph, pw, pw


def _pad(x, kernel_size, stride, padding, dilation):
    """Check the geometry and zero-pad x (N, C, H, W); return it with the (h, w) pairs k, s, d."""
    k = positive_pair(kernel_size, "kernel_size")
    s = positive_pair(stride, "stride")
    d = positive_pair(dilation, "dilation")
    top, bottom, left, right = pads = _pads(padding, k, s, d)
    check_fits(x.shape[-2:], k, d, pads, input_name="x's {axis}")
    n, c, h, w = x.shape
    check_elements(n * c * (h + top + bottom) * (w + left + right), f"x of shape {x.shape} with padding={padding!r}")
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right))), k, s, d


def _columns(x, kernel_size, stride, padding, dilation):
    """im2col of a 4-D x: columns (N, C·kh·kw, OH·OW) and the output size (OH, OW)."""
    xp, k, s, d = _pad(x, kernel_size, stride, padding, dilation)
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    win = sliding_window_view(xp, span, axis=(2, 3))[:, :, :: s[0], :: s[1], :: d[0], :: d[1]]
    n, c, oh, ow, kh, kw = win.shape  # one (kh, kw) window per output position
    check_elements(math.prod(win.shape), f"the im2col matrix of x of shape {x.shape} with kernel_size {k}")
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, oh * ow), (oh, ow)


def im2col(x: ArrayLike, kernel_size: Size, stride: Size = 1, padding: Padding = 0, dilation: Size = 1) -> np.ndarray:
    """Every kernel window of `x` as one column, in the layout of ``torch.nn.functional.unfold``.

    The rows run over channel, then kernel row, then kernel column; the columns over the
    output positions, row by row.

    Parameters
    ----------
    x : array_like
        Input of shape (C, H, W) or (N, C, H, W): integers, floats or complex numbers.
    kernel_size : int or (int, int)
        Window height and width; at least 1.
    stride, padding, dilation
        As in `conv2d`.

    Returns
    -------
    numpy.ndarray
        Shape (C·kh·kw, L) for a 3-D `x`, (N, C·kh·kw, L) for a 4-D one, where L = OH·OW.

    Raises
    ------
    TypeError
        `x` that is not an array of numbers, or a geometry parameter of the wrong type
        (also a ValueError).
    ValueError
        `x` of the wrong number of axes, a bad geometry (see `conv2d`), or a result too large
        for memory.

    Examples
    --------
    >>> x = np.arange(9).reshape(1, 3, 3)
    >>> im2col(x, 2)
    array([[0, 1, 3, 4],
           [1, 2, 4, 5],
           [3, 4, 6, 7],
           [4, 5, 7, 8]])
    >>> im2col(np.zeros((2, 3, 8, 8)), 3, stride=2, padding=1).shape
    (2, 27, 16)
    """
    xb, unbatched = _as_batch(x)
    cols, _ = _columns(xb, kernel_size, stride, padding, dilation)
    return cols[0] if unbatched else cols


def _check_conv_args(x, weight, bias, groups):
    """Check shapes as F.conv2d does; return (x as 4-D, weight, bias, groups, unbatched)."""
    xb, unbatched = _as_batch(x)
    weight = number_array(weight, "weight")
    if weight.ndim != 4:
        raise ValueError(f"weight must be 4-D (out_channels, in_channels/groups, kh, kw), got shape {weight.shape}")
    bias, groups = _check_kernels(weight, bias, groups, xb.shape[1])
    return xb, weight, bias, groups, unbatched


def _check_kernels(weight, bias, groups, in_channels):
    """Check a weight (out_channels, in_channels/groups, *kernel) against groups, x's channel count and the
    bias, as F.conv1d and F.conv2d do; return (bias as an array or None, groups)."""
    groups = positive_int(groups, "groups")
    c_out, c_per_group = weight.shape[:2]
    if 0 in weight.shape[2:]:
        raise ValueError(f"kernel_size must be positive, got weight of shape {weight.shape}")
    if c_out == 0 or c_out % groups:
        raise ValueError(
            f"out_channels (weight.shape[0]) must be a positive multiple of groups={groups}, got {c_out}"
        )
    if in_channels != c_per_group * groups:
        raise ValueError(
            f"x has {in_channels} channels, but weight of shape {weight.shape} with groups={groups} "
            f"expects in_channels = weight.shape[1]·groups = {c_per_group * groups}"
        )
    if bias is not None:
        bias = number_array(bias, "bias")
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},) to match out_channels, got shape {bias.shape}")
    return bias, groups


def _check_output(x, c_out, oh, ow):
    check_elements(len(x) * c_out * oh * ow, f"the output ({len(x)}, {c_out}, {oh}, {ow})")


def conv2d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: Size = 1, padding: Padding = 0,
           dilation: Size = 1, groups: int = 1) -> np.ndarray:
    """Convolution as im2col and one matrix product per group, equal to ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : array_like
        Input of shape (C, H, W) or (N, C, H, W): integers, floats or complex numbers (bools
        are refused, as PyTorch refuses them). Only N and C may be 0.
    weight : array_like
        Kernels of shape (out_channels, in_channels / groups, kh, kw).
    bias : array_like of shape (out_channels,), optional
        Added to every value of each output channel.
    stride : int or (int, int), default 1
        Step between neighbouring windows; at least 1.
    padding : int or (int, int) or {"valid", "same"}, default 0
        Zeros added on each side; "same" keeps the size (stride 1 only) and, for an even
        span, pads one more row at the bottom and column at the right, as PyTorch does.
    dilation : int or (int, int), default 1
        Spacing between kernel taps; at least 1.
    groups : int, default 1
        Channel groups: each output channel sees in_channels / groups input channels.

    Returns
    -------
    numpy.ndarray
        Shape (out_channels, OH, OW) for a 3-D `x`, (N, out_channels, OH, OW) for a 4-D one,
        in NumPy's promoted dtype of `x`, `weight` and `bias`.

    Raises
    ------
    TypeError
        An array that does not hold numbers, or a geometry parameter of the wrong type
        (also a ValueError).
    ValueError
        Shapes that do not fit together (axes, channels, groups, bias), a geometry PyTorch
        refuses (sizes below 1, negative padding, "same" with a stride, a kernel larger than
        the padded input), or arrays too large for memory.

    See Also
    --------
    conv2d_naive : the same by loops, to read.
    im2col : the columns this multiplies.

    Examples
    --------
    >>> x = np.arange(16).reshape(1, 4, 4)
    >>> weight = np.ones((1, 1, 2, 2), dtype=int)
    >>> conv2d(x, weight, stride=2)
    array([[[10, 18],
            [42, 50]]])
    >>> conv2d(np.zeros((8, 3, 32, 32)), np.zeros((16, 3, 3, 3)), padding="same").shape
    (8, 16, 32, 32)
    """
    xb, weight, bias, groups, unbatched = _check_conv_args(x, weight, bias, groups)
    c_out, c_per_group, kh, kw = weight.shape
    cols, (oh, ow) = _columns(xb, (kh, kw), stride, padding, dilation)  # (N, C·kh·kw, L)
    _check_output(xb, c_out, oh, ow)
    cols = cols.reshape(len(xb), groups, c_per_group * kh * kw, oh * ow)  # (N, G, C/G·kh·kw, L)
    w = weight.reshape(groups, c_out // groups, c_per_group * kh * kw)  # (G, out/G, C/G·kh·kw)
    out = (w @ cols).reshape(len(xb), c_out, oh, ow)
    if bias is not None:
        out = out + bias[:, None, None]
    return out[0] if unbatched else out


def conv2d_naive(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: Size = 1,
                 padding: Padding = 0, dilation: Size = 1, groups: int = 1) -> np.ndarray:
    """Convolution by its definition: for each output value, multiply the kernel with the
    window it covers and add everything up. Slow; written to be read.

    Parameters
    ----------
    x, weight, bias, stride, padding, dilation, groups
        As in `conv2d`.

    Returns
    -------
    numpy.ndarray
        The same as `conv2d`.

    Raises
    ------
    TypeError, ValueError
        As `conv2d`.

    Examples
    --------
    >>> x = np.arange(16).reshape(1, 4, 4)
    >>> conv2d_naive(x, np.ones((1, 1, 2, 2), dtype=int), dilation=2)
    array([[[20, 24],
            [36, 40]]])
    """
    xb, weight, bias, groups, unbatched = _check_conv_args(x, weight, bias, groups)
    c_out, c_per_group, kh, kw = weight.shape
    xp, _, (sh, sw), (dh, dw) = _pad(xb, (kh, kw), stride, padding, dilation)
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    _check_output(xb, c_out, oh, ow)
    out = np.zeros((len(xb), c_out, oh, ow), dtype=np.result_type(xb, weight))
    for n in range(len(xb)):
        for o in range(c_out):
            first = (o // (c_out // groups)) * c_per_group  # first input channel of o's group
            for i in range(oh):
                for j in range(ow):
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)  # every dh-th row from i·sh
                    cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                    window = xp[n, first : first + c_per_group, rows, cols]  # (C/G, kh, kw)
                    out[n, o, i, j] = np.sum(window * weight[o])
    if bias is not None:
        out = out + bias[:, None, None]
    return out[0] if unbatched else out


def _single(value, name):
    """One int from an int or a 1-tuple/list of one, as F.conv1d takes its stride, padding and dilation."""
    if is_int(value):
        return int(value)
    if isinstance(value, (tuple, list)) and len(value) == 1 and is_int(value[0]):
        return int(value[0])
    raise ParameterTypeError(f"{name} must be an integer or a 1-tuple of one (a conv1d has one axis, the length), "
                             f"got {short(value)}")


def _as_batch1d(x):
    """x as a 3-D array (N, C, L), and whether it came without a batch axis."""
    x = number_array(x, "x")
    if x.ndim not in (2, 3):
        raise ValueError(f"x must be 2-D (C, L) or 3-D (N, C, L), got shape {x.shape}")
    xb, unbatched = (x[None], True) if x.ndim == 2 else (x, False)
    if xb.shape[0] and xb.shape[1] and xb.shape[2] == 0:
        raise ValueError(f"x must have a positive length (as in PyTorch, only the batch or channel axis may be "
                         f"empty), got shape {x.shape}")
    return xb, unbatched


def _geometry1d(xb, weight, stride, padding, dilation):
    """Check a conv1d's stride, padding and dilation and that the kernel fits; return (s, (before, after), d)."""
    k, length = weight.shape[2], xb.shape[2]
    s, d = _single(stride, "stride"), _single(dilation, "dilation")
    for name, value, raw in (("stride", s, stride), ("dilation", d, dilation)):
        if value < 1:
            raise ValueError(f"{name} must be a positive integer, got {raw!r}")
    allowed = "'valid', 'same' or a non-negative integer (or a 1-tuple of one)"
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be {allowed}, got {padding!r}")
        if padding == "same" and s != 1:
            raise ValueError(f"padding='same' needs stride 1 (as in PyTorch), got stride={stride!r}")
        pads = same_padding((1, k), (1, d), (1, 1))[2:] if padding == "same" else (0, 0)
    else:
        try:
            p = _single(padding, "padding")
        except ParameterTypeError:
            raise ParameterTypeError(f"padding must be {allowed}, got {short(padding)}") from None
        if p < 0:
            raise ValueError(f"padding must be a non-negative integer, got {padding!r}")
        pads = (p, p)
    span, padded = d * (k - 1) + 1, length + sum(pads)
    if span > padded:
        raise ValueError(f"kernel_size {k} with dilation {d} spans {span} samples (effective kernel size), more than "
                         f"the padded input length {padded} (x's length {length} + padding {sum(pads)}); use a "
                         "smaller kernel_size or dilation, or more padding")
    return s, pads, d


def conv1d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: int = 1, padding: int | str = 0,
           dilation: int = 1, groups: int = 1) -> np.ndarray:
    """1-D convolution, equal to ``torch.nn.functional.conv1d``: `conv2d` on a signal of height 1.

    Each output sample is the sum, over the input channels of its group, of `kernel_size` input
    samples `dilation` apart, times the kernel (cross-correlation: no flip).

    Parameters
    ----------
    x : array_like
        Input of shape (C, L) or (N, C, L): channels (features) by length (time); integers,
        floats or complex numbers (bools are refused, as PyTorch refuses them). Only N and C
        may be 0.
    weight : array_like
        Kernels of shape (out_channels, in_channels / groups, kernel_size).
    bias : array_like of shape (out_channels,), optional
        Added to every value of each output channel.
    stride : int or (int,), default 1
        Step between neighbouring windows; at least 1.
    padding : int or (int,) or {"valid", "same"}, default 0
        Zeros added at each end; "same" keeps the length (stride 1 only) and, for an even span
        dilation·(kernel_size − 1) + 1, puts the extra zero on the right, as PyTorch does.
    dilation : int or (int,), default 1
        Spacing between kernel taps; at least 1.
    groups : int, default 1
        Channel groups: each output channel sees in_channels / groups input channels.

    Returns
    -------
    numpy.ndarray
        Shape (out_channels, OL) for a 2-D `x`, (N, out_channels, OL) for a 3-D one, where
        OL = floor((L + 2·padding − dilation·(kernel_size − 1) − 1) / stride) + 1, in NumPy's
        promoted dtype of `x`, `weight` and `bias`.

    Raises
    ------
    TypeError
        An array that does not hold numbers, or a stride, padding or dilation that is not an
        int or a 1-tuple of one (a pair too, as PyTorch refuses it); also a ValueError.
    ValueError
        Shapes that do not fit together (axes, channels, groups, bias), a geometry PyTorch
        refuses (stride or dilation below 1, negative padding, "same" with a stride, a kernel
        longer than the padded input), or arrays too large for memory.

    See Also
    --------
    conv2d : the convolution this runs, with the signal as a row of height 1.

    Examples
    --------
    >>> x = np.array([[1, 2, 4, 7, 11]])
    >>> conv1d(x, np.array([[[-1, 1]]]))  # a difference filter
    array([[1, 2, 3, 4]])
    >>> conv1d(x, np.ones((1, 1, 2), dtype=int), padding="same")  # the extra zero goes on the right
    array([[ 3,  6, 11, 18, 11]])
    >>> conv1d(np.zeros((8, 16, 100)), np.zeros((32, 16, 3)), stride=2, dilation=4).shape
    (8, 32, 46)
    """
    xb, unbatched = _as_batch1d(x)
    weight = number_array(weight, "weight")
    if weight.ndim != 3:
        raise ValueError(f"weight must be 3-D (out_channels, in_channels/groups, kernel_size), got shape "
                         f"{weight.shape}")
    bias, groups = _check_kernels(weight, bias, groups, xb.shape[1])
    s, (before, after), d = _geometry1d(xb, weight, stride, padding, dilation)
    (n, c, length), (c_out, _, k) = xb.shape, weight.shape
    out_length = (length + before + after - d * (k - 1) - 1) // s + 1
    check_elements(n * c * (length + before + after), f"x of shape {xb.shape} with padding={padding!r}")
    check_elements(n * c * k * out_length, f"the im2col matrix of x of shape {xb.shape} with kernel_size {k}")
    check_elements(n * c_out * out_length, f"the output ({n}, {c_out}, {out_length})")
    pad2d = "same" if padding == "same" else (0, before)  # "same" may pad one more on the right: conv2d knows how
    out = conv2d(xb[:, :, None, :], weight[:, :, None, :], bias, stride=(1, s), padding=pad2d, dilation=(1, d),
                 groups=groups)[:, :, 0, :]
    return out[0] if unbatched else out


def _check_transpose_args(x, weight, bias, groups):
    """Check shapes as F.conv_transpose2d does; return (x as 4-D, weight, bias, groups, unbatched)."""
    xb, unbatched = _as_batch(x)
    weight = number_array(weight, "weight")
    if weight.ndim != 4:
        raise ValueError(f"weight must be 4-D (in_channels, out_channels/groups, kh, kw), got shape {weight.shape}")
    groups = positive_int(groups, "groups")
    c_in, c_out_per_group, kh, kw = weight.shape
    if kh == 0 or kw == 0:
        raise ValueError(f"kernel_size must be positive, got weight of shape {weight.shape}")
    if c_in == 0 or c_in % groups:
        raise ValueError(f"in_channels (weight.shape[0]) must be a positive multiple of groups={groups}, got {c_in}")
    if c_out_per_group == 0:
        raise ValueError(f"out_channels/groups (weight.shape[1]) must be positive, got weight of shape {weight.shape}")
    if xb.shape[1] != c_in:
        raise ValueError(f"x has {xb.shape[1]} channels, but weight of shape {weight.shape} expects in_channels = "
                         f"weight.shape[0] = {c_in} (a transposed convolution's weight is (in, out/groups, kh, kw))")
    if bias is not None:
        bias = number_array(bias, "bias")
        if bias.shape != (c_out_per_group * groups,):
            raise ValueError(f"bias must have shape ({c_out_per_group * groups},) to match out_channels = "
                             f"weight.shape[1]·groups, got shape {bias.shape}")
    return xb, weight, bias, groups, unbatched


def _stamp_area(xb, weight, stride, padding, output_padding, groups, dilation):
    """Zeros for every stamp before the padding is cropped (with room for output_padding), and the
    checked geometry: (zeros (N, C_out, rows, cols), stride, padding, dilation, output size)."""
    (h, w), (kh, kw) = xb.shape[2:], weight.shape[2:]
    _, _, s, p, _, d, out = transposed_geometry((h, w), (kh, kw), stride, padding, output_padding, dilation)
    c_out = weight.shape[1] * groups
    _check_output(xb, c_out, *out)
    rows = max(out[0] + 2 * p[0], (h - 1) * s[0] + d[0] * (kh - 1) + 1)
    cols = max(out[1] + 2 * p[1], (w - 1) * s[1] + d[1] * (kw - 1) + 1)
    return np.zeros((len(xb), c_out, rows, cols), dtype=np.result_type(xb, weight)), s, p, d, out


def conv_transpose2d(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: Size = 1,
                     padding: Size = 0, output_padding: Size = 0, groups: int = 1, dilation: Size = 1) -> np.ndarray:
    """Transposed convolution, equal to ``torch.nn.functional.conv_transpose2d``.

    Every input pixel stamps a copy of the kernel, scaled by its value, into the output, the
    stamps `stride` apart and overlaps summed; then `padding` rows and columns are cropped from
    each side and `output_padding` added at the bottom and right. It is the adjoint (transpose) of
    `conv2d` with the same arguments, so it maps that convolution's output shape back to its
    input's: an upsampling, not an inverse.

    Parameters
    ----------
    x : array_like
        Input of shape (C_in, H, W) or (N, C_in, H, W). Only N and C may be 0.
    weight : array_like
        Kernels of shape (in_channels, out_channels / groups, kh, kw): PyTorch's layout for a
        transposed convolution (the first two axes swapped against `conv2d`'s).
    bias : array_like of shape (out_channels,), optional
    stride, dilation : int or (int, int), default 1
        Spacing of the stamps, and of the kernel taps within one; at least 1.
    padding : int or (int, int), default 0
        Cropped from each side of the full output; at least 0.
    output_padding : int or (int, int), default 0
        Added at the bottom and right; smaller than the stride or the dilation.
    groups : int, default 1
        Channel groups: each input group stamps into its own out_channels / groups outputs.

    Returns
    -------
    numpy.ndarray
        Shape (out_channels, OH, OW) or (N, out_channels, OH, OW), with OH, OW from
        `convlab.arithmetic.conv_transpose_output_size`, in NumPy's promoted dtype.

    Raises
    ------
    TypeError, ValueError
        As `conv2d` (shapes, types, memory), and a geometry PyTorch refuses (see
        `conv_transpose_output_size`).

    See Also
    --------
    conv_transpose2d_naive : the same by loops, to read.

    Examples
    --------
    >>> x = np.array([[[1, 2], [3, 4]]])
    >>> conv_transpose2d(x, np.ones((1, 1, 2, 2), dtype=int))
    array([[[ 1,  3,  2],
            [ 4, 10,  6],
            [ 3,  7,  4]]])
    >>> conv_transpose2d(np.zeros((1, 8, 7, 7)), np.zeros((8, 4, 4, 4)), stride=2, padding=1).shape
    (1, 4, 14, 14)
    """
    xb, weight, bias, groups, unbatched = _check_transpose_args(x, weight, bias, groups)
    n, c_in, h, w = xb.shape
    c_in_g, c_out_g, kh, kw = weight.shape[0] // groups, weight.shape[1], *weight.shape[2:]
    full, (sh, sw), (ph, pw), (dh, dw), (oh, ow) = _stamp_area(xb, weight, stride, padding, output_padding, groups,
                                                               dilation)
    full = full.reshape(n, groups, c_out_g, *full.shape[2:])
    xg = xb.reshape(n, groups, c_in_g, h, w)
    wg = weight.reshape(groups, c_in_g, c_out_g, kh, kw)
    for i in range(kh):  # one kernel tap at a time: its share of every stamp lands on a strided grid
        for j in range(kw):
            rows = slice(i * dh, i * dh + (h - 1) * sh + 1, sh)
            cols = slice(j * dw, j * dw + (w - 1) * sw + 1, sw)
            full[:, :, :, rows, cols] += np.einsum("ngchw,gco->ngohw", xg, wg[:, :, :, i, j])
    out = full[:, :, :, ph:ph + oh, pw:pw + ow].reshape(n, groups * c_out_g, oh, ow)
    if bias is not None:
        out = out + bias[:, None, None]
    return out[0] if unbatched else out


def conv_transpose2d_naive(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: Size = 1,
                           padding: Size = 0, output_padding: Size = 0, groups: int = 1,
                           dilation: Size = 1) -> np.ndarray:
    """Transposed convolution by scattering: each input value stamps the kernel, scaled by that
    value, into the output at (row·stride, column·stride); overlapping stamps add up. Then the
    padding is cropped. Slow; written to be read.

    Parameters, Returns, Raises
    ---------------------------
    As `conv_transpose2d`.

    Examples
    --------
    >>> conv_transpose2d_naive(np.array([[[1, 2], [3, 4]]]), np.ones((1, 1, 2, 2), dtype=int), stride=2)
    array([[[1, 1, 2, 2],
            [1, 1, 2, 2],
            [3, 3, 4, 4],
            [3, 3, 4, 4]]])
    """
    xb, weight, bias, groups, unbatched = _check_transpose_args(x, weight, bias, groups)
    n, c_in, h, w = xb.shape
    c_in_g, c_out_g, kh, kw = weight.shape[0] // groups, weight.shape[1], *weight.shape[2:]
    full, (sh, sw), (ph, pw), (dh, dw), (oh, ow) = _stamp_area(xb, weight, stride, padding, output_padding, groups,
                                                               dilation)
    for b in range(n):
        for c in range(c_in):
            g = c // c_in_g  # the group of input channel c stamps into its own output channels
            outputs = slice(g * c_out_g, (g + 1) * c_out_g)
            for i in range(h):
                for j in range(w):
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)  # the stamp's taps, dilation apart
                    cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                    full[b, outputs, rows, cols] += xb[b, c, i, j] * weight[c]  # (out/G, kh, kw)
    out = full[:, :, ph:ph + oh, pw:pw + ow]
    if bias is not None:
        out = out + bias[:, None, None]
    return out[0] if unbatched else out


def _pool_windows(x, kernel_size, stride, padding, dilation, ceil_mode, fill):
    """The windows of a pooling over x (N, C, H, W), padded with `fill` (also under the windows
    that ceil_mode lets hang over the edge): (windows (N, C, OH, OW, kh, kw), their top-left
    corners' rows and columns in the input, and the checked (h, w) pairs k, s, p, d)."""
    (h, w) = x.shape[2:]
    k, s, p, d, (oh, ow) = pool_geometry((h, w), kernel_size, stride, padding, dilation, ceil_mode)
    rows = max((oh - 1) * s[0] + d[0] * (k[0] - 1) + 1, h + 2 * p[0])  # the padded input every window needs
    cols = max((ow - 1) * s[1] + d[1] * (k[1] - 1) + 1, w + 2 * p[1])
    _check_output(x, x.shape[1], rows, cols)
    padded = np.full((*x.shape[:2], rows, cols), fill, dtype=x.dtype)
    padded[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    windows = sliding_window_view(padded, span, axis=(2, 3))[:, :, ::s[0], ::s[1], ::d[0], ::d[1]][:, :, :oh, :ow]
    return windows, np.arange(oh) * s[0] - p[0], np.arange(ow) * s[1] - p[1], (k, s, p, d)


def _pool_input(x):
    xb, unbatched = _as_batch(x)
    if xb.dtype.kind == "c":
        raise ValueError(f"x must hold real numbers to be pooled (max and mean need an order), got dtype {xb.dtype}")
    return xb, unbatched


def max_pool2d(x: ArrayLike, kernel_size: Size, stride: Size | None = None, padding: Size = 0, dilation: Size = 1,
               ceil_mode: bool = False, return_indices: bool = False):
    """Max pooling, equal to ``torch.nn.functional.max_pool2d``: the largest value of each window
    (padding counts as −∞, so it is never the maximum).

    Parameters
    ----------
    x : array_like
        Input of shape (C, H, W) or (N, C, H, W), real numbers.
    kernel_size, stride, padding, dilation, ceil_mode
        As in `convlab.arithmetic.pool_output_size` (stride None: the kernel size).
    return_indices : bool, default False
        Also return where each maximum came from: its flat index h·W + w in its input plane, the
        first one in reading order where a window holds it twice.

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, numpy.ndarray of int64)
        Shape (C, OH, OW) or (N, C, OH, OW), and with `return_indices` the indices of that shape.

    Raises
    ------
    TypeError, ValueError
        A geometry PyTorch refuses (see `pool_output_size`), an input that is not 3-D or 4-D
        real numbers, or arrays too large for memory.

    Examples
    --------
    >>> x = np.array([[[1, 5, 2], [0, 3, 9], [4, 4, 1]]])
    >>> max_pool2d(x, 2, stride=1)
    array([[[5, 9],
            [4, 9]]])
    >>> max_pool2d(x, 2, ceil_mode=True, return_indices=True)[1]
    array([[[1, 5],
            [6, 8]]])
    """
    xb, unbatched = _pool_input(x)
    return_indices = boolean(return_indices, "return_indices")
    low = -np.inf if xb.dtype.kind == "f" else np.iinfo(xb.dtype).min if xb.dtype.kind in "iu" else 0
    windows, tops, lefts, ((kh, kw), _, _, (dh, dw)) = _pool_windows(xb, kernel_size, stride, padding, dilation,
                                                                      ceil_mode, low)
    flat = windows.reshape(*windows.shape[:4], kh * kw)
    out = flat.max(axis=-1)
    if not return_indices:
        return out[0] if unbatched else out
    h, w = xb.shape[2:]
    rows = tops[:, None] + np.arange(kh) * dh  # each window's tap rows (oh, kh) and columns (ow, kw) in the input
    cols = lefts[:, None] + np.arange(kw) * dw
    inside = (((rows >= 0) & (rows < h))[:, None, :, None] & ((cols >= 0) & (cols < w))[None, :, None, :])
    real = np.where(inside.reshape(len(tops), len(lefts), kh * kw), flat, low)  # padding never wins, even a tie
    tap = real.argmax(axis=-1)  # the first maximum in reading order, as PyTorch keeps it
    out_rows, out_cols = np.arange(len(tops))[:, None], np.arange(len(lefts))[None, :]
    index = rows[out_rows, tap // kw] * w + cols[out_cols, tap % kw]
    # PyTorch starts from the window's first tap inside the input (or below and right of it) and only moves
    # for a value above −∞: a window of padding, or of −∞ only, keeps that start
    first_row = tops + -(-np.maximum(-tops, 0) // dh) * dh
    first_col = lefts + -(-np.maximum(-lefts, 0) // dw) * dw
    start = first_row[:, None] * w + first_col[None, :]
    indices = np.where(real.max(axis=-1) > low, index, start).astype(np.int64)
    return (out[0], indices[0]) if unbatched else (out, indices)


def avg_pool2d(x: ArrayLike, kernel_size: Size, stride: Size | None = None, padding: Size = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> np.ndarray:
    """Average pooling, equal to ``torch.nn.functional.avg_pool2d``: the sum of each window divided
    by its size.

    The divisor is the window's size within the padded input (`count_include_pad`, the default:
    padding zeros count), or the number of its cells inside the input (``count_include_pad=False``),
    or `divisor_override`. A window that ceil_mode lets hang past the padding is counted without
    the part that hangs over.

    Parameters
    ----------
    x : array_like
        Input of shape (C, H, W) or (N, C, H, W), real numbers.
    kernel_size, stride, padding, ceil_mode
        As in `convlab.arithmetic.pool_output_size` (no dilation: PyTorch's average pooling has none).
    count_include_pad : bool, default True
    divisor_override : int, optional
        A divisor for every window instead; not 0.

    Returns
    -------
    numpy.ndarray
        Shape (C, OH, OW) or (N, C, OH, OW), floats (NumPy's true division; PyTorch keeps an integer
        input's dtype).

    Raises
    ------
    TypeError, ValueError
        As `max_pool2d`, and a divisor_override that is not a non-zero integer.

    Examples
    --------
    >>> avg_pool2d(np.ones((1, 3, 3)), 2, stride=2, padding=1)  # padding zeros count: 1/4 in the corner
    array([[[0.25, 0.5 ],
            [0.5 , 1.  ]]])
    >>> avg_pool2d(np.ones((1, 3, 3)), 2, stride=2, padding=1, count_include_pad=False)
    array([[[1., 1.],
            [1., 1.]]])
    """
    xb, unbatched = _pool_input(x)
    count_include_pad = boolean(count_include_pad, "count_include_pad")
    if divisor_override is not None:
        if not is_int(divisor_override):
            raise ParameterTypeError(f"divisor_override must be an integer (or None), got {short(divisor_override)}")
        if divisor_override == 0:
            raise ValueError("divisor_override must not be 0 (every window would be divided by zero)")
    windows, tops, lefts, ((kh, kw), _, (ph, pw), _) = _pool_windows(xb, kernel_size, stride, padding, 1, ceil_mode, 0)
    sums = windows.sum(axis=(-2, -1))
    if divisor_override is not None:
        out = sums / divisor_override
    else:
        (h, w) = xb.shape[2:]
        if count_include_pad:  # the window within the padded input
            heights = np.minimum(tops + kh, h + ph) - tops
            widths = np.minimum(lefts + kw, w + pw) - lefts
        else:  # the window within the input itself
            heights = np.minimum(tops + kh, h) - np.maximum(tops, 0)
            widths = np.minimum(lefts + kw, w) - np.maximum(lefts, 0)
        out = sums / (heights[:, None] * widths[None, :])
    return out[0] if unbatched else out


def _adaptive_sizes(xb, output_size):
    """The checked (OH, OW) of an adaptive pooling: None keeps the input's size."""
    (h, w) = xb.shape[2:]
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if len(sizes) != 2 or not all(v is None or is_int(v) for v in sizes):
        raise ParameterTypeError(f"output_size must be an integer, None or a pair of them, got {short(output_size)}")
    oh, ow = (n if v is None else int(v) for v, n in zip(sizes, (h, w), strict=True))
    if oh < 0 or ow < 0:
        raise ValueError(f"output_size must be at least 0 (or None: the input's size), got {output_size!r}")
    _check_output(xb, xb.shape[1], oh, ow)
    return oh, ow


def _adaptive_windows(n, out):
    """(start, stop) of each of `out` adaptive windows over `n` cells: ⌊i·n/out⌋ to ⌈(i+1)·n/out⌉."""
    return [((i * n) // out, -((-(i + 1) * n) // out)) for i in range(out)]


def adaptive_avg_pool2d(x: ArrayLike, output_size) -> np.ndarray:
    """Adaptive average pooling, equal to ``torch.nn.functional.adaptive_avg_pool2d``: output cell
    (i, j) averages input rows ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1 and the columns likewise, so any input
    size gives the output size asked for (neighbouring windows may overlap by a row).

    Parameters
    ----------
    x : array_like
        Input of shape (C, H, W) or (N, C, H, W), real numbers.
    output_size : int or (int or None, int or None)
        The output's height and width, at least 0; None keeps the input's.

    Returns
    -------
    numpy.ndarray
        Shape (C, OH, OW) or (N, C, OH, OW), floats.

    Raises
    ------
    TypeError, ValueError
        An output_size that is not an int, None or a pair of them, a negative one, or an input
        that is not 3-D or 4-D real numbers.

    Examples
    --------
    >>> adaptive_avg_pool2d(np.arange(10.0).reshape(1, 1, 10), (1, 3))  # windows 0–3, 3–6, 6–9
    array([[[1.5, 4.5, 7.5]]])
    """
    xb, unbatched = _pool_input(x)
    oh, ow = _adaptive_sizes(xb, output_size)
    out = np.empty((*xb.shape[:2], oh, ow))
    for i, (r0, r1) in enumerate(_adaptive_windows(xb.shape[2], oh)):
        for j, (c0, c1) in enumerate(_adaptive_windows(xb.shape[3], ow)):
            out[:, :, i, j] = xb[:, :, r0:r1, c0:c1].mean(axis=(-2, -1))
    return out[0] if unbatched else out


def adaptive_max_pool2d(x: ArrayLike, output_size, return_indices: bool = False):
    """Adaptive max pooling, equal to ``torch.nn.functional.adaptive_max_pool2d``: the largest value
    of each of `adaptive_avg_pool2d`'s windows (and, with `return_indices`, its flat index h·W + w,
    the first in reading order).

    Parameters
    ----------
    x, output_size
        As in `adaptive_avg_pool2d`.
    return_indices : bool, default False
        Also return where each maximum came from.

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, numpy.ndarray of int64)
        Shape (C, OH, OW) or (N, C, OH, OW), in x's dtype.

    Raises
    ------
    TypeError, ValueError
        As `adaptive_avg_pool2d`.

    Examples
    --------
    >>> adaptive_max_pool2d(np.array([[[3, 1, 4, 1, 5]]]), (1, 2), return_indices=True)
    (array([[[4, 5]]]), array([[[2, 4]]]))
    """
    xb, unbatched = _pool_input(x)
    return_indices = boolean(return_indices, "return_indices")
    oh, ow = _adaptive_sizes(xb, output_size)
    w = xb.shape[3]
    out, indices = np.empty((*xb.shape[:2], oh, ow), dtype=xb.dtype), np.empty((*xb.shape[:2], oh, ow), np.int64)
    for i, (r0, r1) in enumerate(_adaptive_windows(xb.shape[2], oh)):
        for j, (c0, c1) in enumerate(_adaptive_windows(w, ow)):
            window = xb[:, :, r0:r1, c0:c1].reshape(*xb.shape[:2], -1)
            tap = window.argmax(axis=-1)
            out[:, :, i, j] = np.take_along_axis(window, tap[..., None], axis=-1)[..., 0]
            indices[:, :, i, j] = (r0 + tap // (c1 - c0)) * w + c0 + tap % (c1 - c0)
    if not return_indices:
        return out[0] if unbatched else out
    return (out[0], indices[0]) if unbatched else (out, indices)
