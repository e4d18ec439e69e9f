"""A NumPy reference for torch.nn.functional.conv2d: `conv2d_naive` (loops, to read),
`im2col` (every kernel window as a column) and `conv2d` (im2col, then one matrix product).

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

from convlab.checks import (
    Padding,
    Size,
    check_elements,
    check_fits,
    number_array,
    padding_arg,
    positive_int,
    positive_pair,
    same_padding,
)

__all__ = ["conv2d", "conv2d_naive", "im2col"]


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
    groups = positive_int(groups, "groups")
    c_out, c_per_group, kh, kw = weight.shape
    if kh == 0 or kw == 0:
        raise ValueError(f"kernel_size must be positive, got weight of shape {weight.shape}")
    if c_out == 0 or c_out % groups:
        raise ValueError(
            f"out_channels (weight.shape[0]) must be a positive multiple of groups={groups}, got {c_out}"
        )
    if xb.shape[1] != c_per_group * groups:
        raise ValueError(
            f"x has {xb.shape[1]} channels, but weight of shape {weight.shape} with groups={groups} "
            f"expects in_channels = weight.shape[1]·groups = {c_per_group * groups}"
        )
    if bias is not None:
        bias = number_array(bias, "bias")
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},) to match out_channels, got shape {bias.shape}")
    return xb, weight, bias, groups, unbatched


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
