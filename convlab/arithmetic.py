"""The arithmetic of a convolution layer as plain formulas: output size, effective kernel
size, parameter count, multiply–accumulates (MACs; FLOPs ≈ 2·MACs), and the paddings of
TensorFlow's "SAME" and of a causal convolution.

Sizes are an int or an (h, w) pair; the answer comes back as the same kind, always as Python ints.
"""

from convlab.checks import (
    Padding,
    Size,
    boolean,
    check_fits,
    non_negative_pair,
    padding_arg,
    positive_int,
    positive_pair,
    same_kind,
    same_padding,
)

__all__ = ["conv_output_size", "conv_transpose_output_size", "pool_output_size", "effective_kernel_size", "conv_params",
           "conv_macs", "tf_same_padding", "causal_padding"]


def conv_output_size(size: Size, kernel_size: Size, stride: Size = 1, padding: Padding = 0,
                     dilation: Size = 1) -> Size:
    """Output size of a convolution, per axis.

    ``floor((size + 2·padding − dilation·(kernel_size − 1) − 1) / stride) + 1``, as
    ``torch.nn.Conv2d`` computes it.

    Parameters
    ----------
    size : int or (int, int)
        Input height and width (one int for a square input); at least 1.
    kernel_size : int or (int, int)
        Kernel height and width; at least 1.
    stride : int or (int, int), default 1
        Step between neighbouring windows; at least 1.
    padding : int or (int, int) or {"valid", "same"}, default 0
        Zeros added on each side (at least 0), "valid" (none) or "same" (the output is as
        large as the input; needs stride 1, as in PyTorch).
    dilation : int or (int, int), default 1
        Spacing between kernel taps; at least 1.

    Returns
    -------
    int or (int, int)
        The output size: an int when every argument was an int (or a padding string),
        else an (h, w) tuple.

    Raises
    ------
    TypeError
        A parameter that is not an int or a pair of ints (floats and bools too, as PyTorch
        refuses them); the error is also a ValueError.
    ValueError
        A size below 1, a negative padding, an unknown padding string, "same" with a
        stride, or a dilated kernel larger than the padded input.

    Examples
    --------
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


def transposed_geometry(size, kernel_size, stride, padding, output_padding, dilation):
    """The (h, w) pairs of a transposed convolution's arguments, checked as PyTorch checks them,
    and its output size: (n, k, s, p, output_padding, d, out)."""
    n = positive_pair(size, "size")
    k = positive_pair(kernel_size, "kernel_size")
    s = positive_pair(stride, "stride")
    d = positive_pair(dilation, "dilation")
    p = non_negative_pair(padding, "padding")
    op = non_negative_pair(output_padding, "output_padding")
    for axis, op_, s_, d_ in zip(("height", "width"), op, s, d, strict=True):
        if op_ >= s_ and op_ >= d_:
            raise ValueError(f"output_padding {op_} (along the {axis}) must be smaller than the stride {s_} or the "
                             f"dilation {d_} (PyTorch's rule: it picks among the output sizes a stride makes "
                             "ambiguous)")
    out = tuple((n_ - 1) * s_ - 2 * p_ + d_ * (k_ - 1) + op_ + 1
                for n_, k_, s_, p_, op_, d_ in zip(n, k, s, p, op, d, strict=True))
    if min(out) < 1:
        raise ValueError(f"a transposed convolution of a {n[0]}×{n[1]} input with kernel_size {k}, stride {s}, "
                         f"padding {p}, output_padding {op} and dilation {d} would give {out[0]}×{out[1]}: "
                         "the padding crops more than the layer makes; use less padding")
    return n, k, s, p, op, d, out


def conv_transpose_output_size(size: Size, kernel_size: Size, stride: Size = 1, padding: Size = 0,
                               output_padding: Size = 0, dilation: Size = 1) -> Size:
    """Output size of a transposed convolution, per axis.

    ``(size − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1``, as
    ``torch.nn.ConvTranspose2d`` computes it: the input size of a `Conv2d` with the same arguments
    whose output has `size` (under a stride, several did: `output_padding` picks one).

    Parameters
    ----------
    size : int or (int, int)
        Input height and width; at least 1.
    kernel_size, stride, dilation : int or (int, int)
        As in `conv_output_size`; at least 1.
    padding : int or (int, int), default 0
        Rows and columns cropped from each side of the full output (the padding of the matching
        `Conv2d`); at least 0. No "same" or "valid": PyTorch has none for a transposed convolution.
    output_padding : int or (int, int), default 0
        Rows and columns added at the bottom and right; smaller than the stride or the dilation.

    Returns
    -------
    int or (int, int)
        An int when every argument was an int, else an (h, w) tuple.

    Raises
    ------
    TypeError
        A parameter that is not an int or a pair of ints (also a ValueError).
    ValueError
        A size, stride or dilation below 1, a negative padding or output_padding, an
        output_padding not smaller than the stride or the dilation, or an output below 1
        (PyTorch refuses that too, on most paths; on a few, such as a batch of two, it returns an
        empty tensor instead: convlab refuses it always).

    Examples
    --------
    >>> conv_transpose_output_size(2, 3)
    4
    >>> conv_transpose_output_size(7, 4, stride=2, padding=1)  # the DCGAN layer: twice the size
    14
    >>> conv_transpose_output_size((3, 3), 3, stride=2, padding=1, output_padding=(0, 1))
    (5, 6)
    """
    out = transposed_geometry(size, kernel_size, stride, padding, output_padding, dilation)[-1]
    return same_kind(out, size, kernel_size, stride, padding, output_padding, dilation)


def pool_geometry(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """The (h, w) pairs of a pooling's arguments, checked as PyTorch checks them (stride None or []:
    the kernel size), and its output size: (k, s, p, d, out)."""
    n = positive_pair(size, "size")
    k = positive_pair(kernel_size, "kernel_size")
    default = stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)  # PyTorch takes [] too
    s = k if default else positive_pair(stride, "stride")
    p = non_negative_pair(padding, "padding")
    d = positive_pair(dilation, "dilation")
    ceil_mode = boolean(ceil_mode, "ceil_mode")
    for axis, k_, p_ in zip(("height", "width"), k, p, strict=True):
        if p_ > k_ // 2:
            raise ValueError(f"padding {p_} (along the {axis}) must be at most half the kernel size {k_} "
                             f"(kernel_size // 2 = {k_ // 2}), as PyTorch requires of a pooling")
    out = []
    for n_, k_, s_, p_, d_ in zip(n, k, s, p, d, strict=True):
        reach = n_ + 2 * p_ - d_ * (k_ - 1) - 1  # where the last window may start, from the padded edge
        m = (reach + (s_ - 1 if ceil_mode else 0)) // s_ + 1
        if ceil_mode and (m - 1) * s_ >= n_ + p_:  # that window would start past the input: PyTorch drops it
            m -= 1
        out.append(m)
    if min(out) < 1:
        raise ValueError(f"a pooling of a {n[0]}×{n[1]} input with kernel_size {k}, stride {s}, padding {p} and "
                         f"dilation {d} would give {out[0]}×{out[1]}: the window is larger than the padded input")
    return k, s, p, d, tuple(out)


def pool_output_size(size: Size, kernel_size: Size, stride: Size | None = None, padding: Size = 0, dilation: Size = 1,
                     ceil_mode: bool = False) -> Size:
    """Output size of a max or average pooling, per axis, as ``torch.nn.MaxPool2d`` computes it.

    ``floor((size + 2·padding − dilation·(kernel_size − 1) − 1) / stride) + 1``, or with
    ``ceil_mode`` the ceiling — except that a last window starting past the input and its left
    padding is dropped, as PyTorch drops it.

    Parameters
    ----------
    size : int or (int, int)
        Input height and width; at least 1.
    kernel_size : int or (int, int)
        Window height and width; at least 1.
    stride : int or (int, int), optional
        Step between windows; at least 1. None (the default) or an empty list means the kernel
        size, as in PyTorch.
    padding : int or (int, int), default 0
        Added on each side (−∞ for max pooling, zeros for average pooling); at most half the
        kernel size (kernel_size // 2), as PyTorch requires.
    dilation : int or (int, int), default 1
        Spacing between window taps (max pooling only); at least 1.
    ceil_mode : bool, default False
        Round up instead of down: a last, partial window may hang over the edge.

    Returns
    -------
    int or (int, int)
        An int when every size argument was an int, else an (h, w) tuple.

    Raises
    ------
    TypeError
        A parameter of the wrong type (also a ValueError).
    ValueError
        A size, kernel size, stride or dilation below 1, a negative padding, a padding above
        half the kernel size, or an output below 1.

    Examples
    --------
    >>> pool_output_size(7, 2)  # stride = kernel size: the last row and column are dropped
    3
    >>> pool_output_size(7, 2, ceil_mode=True)  # … or pooled by a window hanging over the edge
    4
    >>> pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True)  # the extra window would start past the input
    3
    """
    out = pool_geometry(size, kernel_size, stride, padding, dilation, ceil_mode)[-1]
    return same_kind(out, size, kernel_size, stride or kernel_size, padding, dilation)  # None, []: the kernel's


def effective_kernel_size(kernel_size: Size, dilation: Size = 1) -> Size:
    """Span of a dilated kernel: ``kernel_size + (kernel_size − 1)·(dilation − 1)``.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Kernel height and width; at least 1.
    dilation : int or (int, int), default 1
        Spacing between kernel taps; at least 1.

    Returns
    -------
    int or (int, int)
        Input pixels the kernel spans, per axis: an int for int arguments, else a pair.

    Raises
    ------
    TypeError
        A parameter that is not an int or a pair of ints (also a ValueError).
    ValueError
        A parameter below 1.

    Examples
    --------
    >>> effective_kernel_size(3, dilation=2)
    5
    >>> effective_kernel_size((3, 5), dilation=(1, 2))
    (3, 9)
    """
    k = positive_pair(kernel_size, "kernel_size")
    d = positive_pair(dilation, "dilation")
    out = [k_ + (k_ - 1) * (d_ - 1) for k_, d_ in zip(k, d, strict=True)]
    return same_kind(out, kernel_size, dilation)


def _channels(in_channels, out_channels, groups):
    """(out_channels, in_channels / groups) as Python ints, after checking that groups divides both."""
    c_in = positive_int(in_channels, "in_channels")
    c_out = positive_int(out_channels, "out_channels")
    g = positive_int(groups, "groups")
    if c_in % g:
        raise ValueError(f"in_channels must be divisible by groups, got in_channels={c_in}, groups={g}")
    if c_out % g:
        raise ValueError(f"out_channels must be divisible by groups, got out_channels={c_out}, groups={g}")
    return c_out, c_in // g


def conv_params(in_channels: int, out_channels: int, kernel_size: Size, groups: int = 1, bias: bool = True) -> int:
    """Number of learnable numbers in a Conv2d: ``out·(in/groups)·kh·kw`` weights (+ ``out`` biases).

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out; at least 1, each divisible by `groups`.
    kernel_size : int or (int, int)
        Kernel height and width; at least 1.
    groups : int, default 1
        Number of channel groups (``groups == in_channels``: depthwise).
    bias : bool, default True
        Whether the layer adds one learnable bias per output channel.

    Returns
    -------
    int
        Weights plus biases, as a Python int (also for NumPy integer arguments).

    Raises
    ------
    TypeError
        A count that is not an int, a bad `kernel_size`, or a `bias` that is not True or
        False (also a ValueError).
    ValueError
        A count below 1, or `groups` not dividing both channel counts.

    Examples
    --------
    >>> conv_params(64, 128, 3)
    73856
    >>> conv_params(64, 64, 3, groups=64, bias=False)
    576
    """
    c_out, per_group = _channels(in_channels, out_channels, groups)
    kh, kw = positive_pair(kernel_size, "kernel_size")
    return c_out * per_group * kh * kw + (c_out if boolean(bias, "bias") else 0)


def conv_macs(in_channels: int, out_channels: int, kernel_size: Size, output_size: Size, groups: int = 1) -> int:
    """Multiply–accumulates of one forward pass on one image.

    Every output value (``out·oh·ow`` of them) takes ``(in/groups)·kh·kw`` multiply–adds;
    bias additions are not counted. FLOPs ≈ 2·MACs.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out; at least 1, each divisible by `groups`.
    kernel_size : int or (int, int)
        Kernel height and width; at least 1.
    output_size : int or (int, int)
        Height and width of the output map (see `conv_output_size`); at least 1.
    groups : int, default 1
        Number of channel groups.

    Returns
    -------
    int
        The number of multiply–accumulates, as a Python int.

    Raises
    ------
    TypeError
        A parameter of the wrong type (also a ValueError).
    ValueError
        A parameter below 1, or `groups` not dividing both channel counts.

    Examples
    --------
    >>> conv_macs(64, 128, 3, 32)
    75497472
    >>> conv_macs(64, 64, 3, 32, groups=64)  # depthwise: 9 multiply-adds per output value
    589824
    """
    c_out, per_group = _channels(in_channels, out_channels, groups)
    kh, kw = positive_pair(kernel_size, "kernel_size")
    oh, ow = positive_pair(output_size, "output_size")
    return c_out * oh * ow * per_group * kh * kw


def tf_same_padding(size: Size, kernel_size: Size, stride: Size = 1, dilation: Size = 1):
    """The zeros TensorFlow's ``padding="SAME"`` adds before and after the input, per axis.

    TensorFlow makes ``ceil(size / stride)`` outputs and pads just enough for them:
    ``total = max((ceil(size / stride) − 1)·stride + dilation·(kernel_size − 1) + 1 − size, 0)``,
    ``before = total // 2`` and ``after = total − before`` (the odd zero goes after: bottom or
    right). Unlike PyTorch's ``padding="same"`` it is allowed with a stride, and then depends on
    the input size. In PyTorch, ``F.pad`` with these numbers and then ``padding=0`` reproduces it.

    Parameters
    ----------
    size : int or (int, int)
        Input length, or height and width; at least 1.
    kernel_size : int or (int, int)
        Kernel length, or height and width; at least 1.
    stride : int or (int, int), default 1
        Step between neighbouring windows; at least 1.
    dilation : int or (int, int), default 1
        Spacing between kernel taps; at least 1.

    Returns
    -------
    (int, int) or ((int, int), (int, int))
        ``(before, after)`` when every argument is an int; as soon as one is an (h, w) pair,
        ``((top, bottom), (left, right))``. For ``F.pad`` of a 1-D signal pass
        ``(before, after)``; of an image ``(left, right, top, bottom)``, width first.

    Raises
    ------
    TypeError
        A parameter that is not an int or a pair of ints (floats and bools too); also a
        ValueError.
    ValueError
        A parameter below 1.

    Examples
    --------
    >>> tf_same_padding(7, 3, stride=2)  # ceil(7 / 2) = 4 outputs
    (1, 1)
    >>> tf_same_padding(8, 3, stride=2)  # 4 outputs, and one zero is enough: after
    (0, 1)
    >>> tf_same_padding(5, 4)  # an even kernel: the extra zero after, as in PyTorch's "same"
    (1, 2)
    >>> tf_same_padding((224, 225), 7, stride=2)
    ((2, 3), (3, 3))
    """
    n = positive_pair(size, "size")
    k = positive_pair(kernel_size, "kernel_size")
    s = positive_pair(stride, "stride")
    d = positive_pair(dilation, "dilation")
    pads = []
    for n_, k_, s_, d_ in zip(n, k, s, d, strict=True):
        out = -(-n_ // s_)  # ceil(size / stride), in integers
        total = max((out - 1) * s_ + d_ * (k_ - 1) + 1 - n_, 0)
        pads.append((total // 2, total - total // 2))
    return same_kind(pads, size, kernel_size, stride, dilation)


def causal_padding(kernel_size: int, dilation: int = 1) -> tuple[int, int]:
    """The padding of a causal 1-D convolution: ``(dilation·(kernel_size − 1), 0)``, all on the left.

    With these zeros before the signal (``F.pad(x, causal_padding(k, d))``, then ``padding=0``)
    a stride-1 convolution gives one output per input sample, and output t sees only inputs
    t − dilation·(kernel_size − 1), …, t: none from the future.

    Parameters
    ----------
    kernel_size : int
        Kernel length; at least 1.
    dilation : int, default 1
        Spacing between kernel taps; at least 1.

    Returns
    -------
    (int, int)
        ``(left, right)``, the right always 0.

    Raises
    ------
    TypeError
        A parameter that is not an int (a pair too: causality is along time, one axis); also a
        ValueError.
    ValueError
        A parameter below 1.

    Examples
    --------
    >>> causal_padding(3)
    (2, 0)
    >>> causal_padding(2, dilation=4)  # a WaveNet layer
    (4, 0)
    """
    k = positive_int(kernel_size, "kernel_size")
    d = positive_int(dilation, "dilation")
    return d * (k - 1), 0
