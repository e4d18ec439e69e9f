"""A NumPy reference for torch.nn.functional.conv2d: `conv2d_naive` (loops, to read),
`im2col` (every kernel window as a column) and `conv2d` (im2col, then one matrix product).

Same semantics as PyTorch: cross-correlation (no kernel flip), batched (N, C, H, W) or
unbatched (C, H, W) input, weight of shape (out_channels, in_channels / groups, kh, kw),
int or (h, w) stride/padding/dilation, padding "valid"/"same", groups and bias; the inputs
PyTorch rejects raise a ValueError here. One deliberate difference: NumPy dtypes are
promoted as NumPy does, so integer examples give exact integer answers.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from convlab.checks import (
    check_fits,
    padding_arg,
    positive_int,
    positive_pair,
    same_padding,
)

__all__ = ["conv2d", "conv2d_naive", "im2col"]


def _as_batch(x):
    """x as a 4-D array, and whether it came without a batch axis."""
    x = np.asarray(x)
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
    check_fits(x.shape[-2:], k, d, pads)
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right))), k, s, d


def _columns(x, kernel_size, stride, padding, dilation):
    """im2col of a 4-D x: columns (N, C·kh·kw, OH·OW) and the output size (OH, OW)."""
    xp, k, s, d = _pad(x, kernel_size, stride, padding, dilation)
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    win = sliding_window_view(xp, span, axis=(2, 3))[:, :, :: s[0], :: s[1], :: d[0], :: d[1]]
    n, c, oh, ow, kh, kw = win.shape  # one (kh, kw) window per output position
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, oh * ow), (oh, ow)


def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    """Every kernel window of x as one column, in the layout of torch.nn.functional.unfold:
    (C·kh·kw, L) for x of shape (C, H, W), (N, C·kh·kw, L) for (N, C, H, W), where L = OH·OW
    and the rows run over channel, then kernel row, then kernel column.
    """
    xb, unbatched = _as_batch(x)
    cols, _ = _columns(xb, kernel_size, stride, padding, dilation)
    return cols[0] if unbatched else cols


def _check_conv_args(x, weight, bias, groups):
    """Check shapes as F.conv2d does; return (x as 4-D, weight, bias, groups, unbatched)."""
    xb, unbatched = _as_batch(x)
    weight = np.asarray(weight)
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
        bias = np.asarray(bias)
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},) to match out_channels, got shape {bias.shape}")
    return xb, weight, bias, groups, unbatched


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolution as im2col + one matrix product per group: the fast way, equal to
    torch.nn.functional.conv2d."""
    xb, weight, bias, groups, unbatched = _check_conv_args(x, weight, bias, groups)
    c_out, c_per_group, kh, kw = weight.shape
    cols, (oh, ow) = _columns(xb, (kh, kw), stride, padding, dilation)  # (N, C·kh·kw, L)
    cols = cols.reshape(len(xb), groups, c_per_group * kh * kw, oh * ow)  # (N, G, C/G·kh·kw, L)
    w = weight.reshape(groups, c_out // groups, c_per_group * kh * kw)  # (G, out/G, C/G·kh·kw)
    out = (w @ cols).reshape(len(xb), c_out, oh, ow)
    if bias is not None:
        out = out + bias[:, None, None]
    return out[0] if unbatched else out


def conv2d_naive(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolution by its definition: for each output value, multiply the kernel with the
    window it covers and add everything up. Slow; written to be read."""
    xb, weight, bias, groups, unbatched = _check_conv_args(x, weight, bias, groups)
    c_out, c_per_group, kh, kw = weight.shape
    xp, _, (sh, sw), (dh, dw) = _pad(xb, (kh, kw), stride, padding, dilation)
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
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
