"""Checks for convolution parameters: turn bad input into one clear error that names the
parameter, the value, and what is allowed. Shared by the formulas and the reference conv."""

import numbers

import numpy as np

Size = int | tuple[int, int]  # an int, or an (h, w) pair (a list or a tuple of one or two ints is accepted)
Padding = int | tuple[int, int] | str  # a Size of non-negative ints, or "valid" / "same"

MAX_ELEMENTS = 2**26  # the most numbers convlab allocates in one array (512 MiB of float64): Binder has 2 GB


class ParameterTypeError(TypeError, ValueError):
    """A parameter of the wrong type (say a float stride, as PyTorch also refuses).

    It is a TypeError, and also a ValueError, so `except ValueError` catches every bad
    parameter convlab reports.
    """


def is_int(value):
    """True for Python and NumPy integers, but not for bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def short(value):
    """repr(value) on one line, cut to 60 characters (and never raising), for error messages."""
    try:
        text = " ".join(repr(value).split())
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "…"


def pair(value, name):
    """(h, w) from an int, or from a tuple/list of one or two ints (as PyTorch accepts)."""
    if is_int(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) in (1, 2) and all(is_int(v) for v in value):
        return int(value[0]), int(value[-1])
    raise ParameterTypeError(f"{name} must be an integer or a pair of integers (h, w), got {short(value)}")


def positive_pair(value, name):
    """(h, w), both at least 1."""
    h, w = pair(value, name)
    if h < 1 or w < 1:
        raise ValueError(f"{name} must be a positive integer (or a pair of them), got {value!r}")
    return h, w


def non_negative_pair(value, name):
    """(h, w), both at least 0 (the padding of a transposed convolution: no strings there)."""
    h, w = pair(value, name)
    if h < 0 or w < 0:
        raise ValueError(f"{name} must be a non-negative integer (or a pair of them), got {value!r}")
    return h, w


def positive_int(value, name):
    """A single integer of at least 1 (channel counts, groups)."""
    if not is_int(value):
        raise ParameterTypeError(f"{name} must be a positive integer, got {short(value)}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def non_negative_int(value, name):
    """A single integer of at least 0 (iteration counts, seeds)."""
    if not is_int(value):
        raise ParameterTypeError(f"{name} must be a non-negative integer, got {short(value)}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def boolean(value, name):
    """True or False (NumPy's bools too), not 1, 0 or None."""
    if not isinstance(value, bool | np.bool_):
        raise ParameterTypeError(f"{name} must be True or False, got {short(value)}")
    return bool(value)


def padding_arg(padding, name="padding"):
    """'same', 'valid', or a non-negative (h, w) pair."""
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{name} must be 'valid', 'same' or a non-negative integer (or pair), got {padding!r}")
        return str(padding)
    try:
        h, w = pair(padding, name)
    except ParameterTypeError:
        raise ParameterTypeError(
            f"{name} must be 'valid', 'same' or a non-negative integer (or pair), got {short(padding)}"
        ) from None
    if h < 0 or w < 0:
        raise ValueError(f"{name} must be a non-negative integer (or pair), got {padding!r}")
    return h, w


NUMBER_KINDS = {"iuf": "integers or floats", "iufc": "integers, floats or complex numbers"}


def number_array(value, name, kinds="iufc"):
    """`value` as a NumPy array of numbers (a torch tensor without grad, a list, an array…).

    Text, objects, bools (PyTorch's conv refuses them) and ragged lists raise a
    ParameterTypeError naming `name`; `kinds` says which NumPy dtype kinds are allowed.
    """
    try:
        array = np.asarray(value)
    except Exception as error:  # ragged lists, tensors that need .detach(), objects with a broken __array__
        raise ParameterTypeError(f"{name} must be an array of numbers, got {short(value)} ({error})") from None
    if array.dtype.kind not in kinds:
        raise ParameterTypeError(
            f"{name} must be an array of {NUMBER_KINDS[kinds]}, got dtype {array.dtype} ({short(value)})")
    return array


def check_elements(count, what):
    """Raise if an array of `count` numbers is more than convlab's NumPy code should allocate."""
    if count > MAX_ELEMENTS:
        raise ValueError(f"{what} would hold {count:,} numbers, more than the {MAX_ELEMENTS:,} (512 MiB of float64) "
                         "convlab allocates at once; use smaller sizes, or PyTorch for large inputs")


def same_padding(kernel_size, dilation, stride):
    """Per-side padding (top, bottom, left, right) that PyTorch uses for padding='same'.

    The total d·(k−1) is split with the smaller half first, so an even kernel pads one
    more row at the bottom and one more column at the right.
    """
    if stride != (1, 1):
        raise ValueError(f"padding='same' needs stride 1 (as in PyTorch), got stride={stride}")
    (kh, kw), (dh, dw) = kernel_size, dilation
    th, tw = dh * (kh - 1), dw * (kw - 1)
    return th // 2, th - th // 2, tw // 2, tw - tw // 2


def check_fits(size, kernel_size, dilation, pads, input_name="size"):
    """Raise if the dilated kernel is larger than the padded input along either axis (the
    message calls the input `input_name`, with "{axis}" replaced by height or width)."""
    for axis, n, k, d, before, after in zip(
        ("height", "width"), size, kernel_size, dilation, pads[0::2], pads[1::2], strict=True
    ):
        span = d * (k - 1) + 1
        if span > n + before + after:
            raise ValueError(
                f"kernel_size {k} with dilation {d} spans {span} pixels (effective kernel size), "
                f"more than the padded input {axis} {n + before + after} "
                f"({input_name.format(axis=axis)} {n} + padding {before + after}); use a smaller kernel_size or "
                "dilation, or more padding"
            )


def same_kind(result, *arguments):
    """Return an int when every size-like argument was an int, else the (h, w) pair."""
    if all(is_int(a) or isinstance(a, str) for a in arguments):
        return result[0]
    return tuple(result)
