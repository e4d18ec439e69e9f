"""The arithmetic of a convolution layer as plain formulas: output size, effective kernel
size, parameter count and multiply–accumulates (MACs; FLOPs ≈ 2·MACs).

Sizes are an int or an (h, w) pair; the answer comes back as the same kind.
"""

from convlab.checks import (
    ParameterTypeError,
    check_fits,
    padding_arg,
    positive_int,
    positive_pair,
    same_kind,
    same_padding,
)

__all__ = ["conv_output_size", "effective_kernel_size", "conv_params", "conv_macs"]


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Output size of a convolution, per axis:

        floor((size + 2·padding − dilation·(kernel_size − 1) − 1) / stride) + 1

    `padding` may be an int, an (h, w) pair, "valid" (no padding) or "same" (output size
    equals input size; needs stride 1, as in PyTorch).

    >>> conv_output_size(7, 3, stride=2, padding=1)
    4
    >>> conv_output_size((5, 8), 3, padding="same")
    (5, 8)
    """
    n = positive_pair(size, "size")
    k = positive_pair(kernel_size, "kernel_size")
    s = positive_pair(stride, "stride")
    d = positive_pair(dilation, "dilation")
    pad = padding_arg(padding)
    if pad == "same":
        pads = same_padding(k, d, s)
    else:
        ph, pw = (0, 0) if pad == "valid" else pad
        pads = (ph, ph, pw, pw)
    check_fits(n, k, d, pads)
    out = [
        (n_ + before + after - d_ * (k_ - 1) - 1) // s_ + 1
        for n_, k_, s_, d_, before, after in zip(n, k, s, d, pads[0::2], pads[1::2], strict=True)
    ]
    return same_kind(out, size, kernel_size, stride, padding, dilation)


def effective_kernel_size(kernel_size, dilation=1):
    """Span of a dilated kernel: kernel_size + (kernel_size − 1)·(dilation − 1).

    >>> effective_kernel_size(3, dilation=2)
    5
    """
    k = positive_pair(kernel_size, "kernel_size")
    d = positive_pair(dilation, "dilation")
    out = [k_ + (k_ - 1) * (d_ - 1) for k_, d_ in zip(k, d, strict=True)]
    return same_kind(out, kernel_size, dilation)


def _channels_per_group(in_channels, out_channels, groups):
    """in_channels / groups, after checking that groups divides both channel counts."""
    c_in = positive_int(in_channels, "in_channels")
    c_out = positive_int(out_channels, "out_channels")
    g = positive_int(groups, "groups")
    if c_in % g:
        raise ValueError(f"in_channels must be divisible by groups, got in_channels={c_in}, groups={g}")
    if c_out % g:
        raise ValueError(f"out_channels must be divisible by groups, got out_channels={c_out}, groups={g}")
    return c_in // g


def conv_params(in_channels, out_channels, kernel_size, groups=1, bias=True):
    """Number of learnable numbers in a Conv2d: out·(in/groups)·kh·kw weights (+ out biases).

    >>> conv_params(64, 128, 3)
    73856
    """
    per_group = _channels_per_group(in_channels, out_channels, groups)
    kh, kw = positive_pair(kernel_size, "kernel_size")
    if not isinstance(bias, bool):
        raise ParameterTypeError(f"bias must be True or False, got {bias!r}")
    return out_channels * per_group * kh * kw + (out_channels if bias else 0)


def conv_macs(in_channels, out_channels, kernel_size, output_size, groups=1):
    """Multiply–accumulates of one forward pass on one image: every output value
    (out·oh·ow of them) takes (in/groups)·kh·kw multiply–adds. Bias additions not counted.

    >>> conv_macs(64, 128, 3, 32)
    75497472
    """
    per_group = _channels_per_group(in_channels, out_channels, groups)
    kh, kw = positive_pair(kernel_size, "kernel_size")
    oh, ow = positive_pair(output_size, "output_size")
    return out_channels * oh * ow * per_group * kh * kw
