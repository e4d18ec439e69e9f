"""Receptive fields: the recurrence that gives, layer by layer, how many input pixels one
unit sees (size), how far apart neighbouring units' fields are (jump) and where the first
unit's field is centred (start); coverage maps that count the paths from one unit back to
each input pixel (the picture of the gridding effect); and gradient maps that measure
both in PyTorch.

Layers are (kernel_size, stride, padding, dilation) tuples (ints or (h, w) pairs) or torch
modules: Conv2d, MaxPool2d, AvgPool2d, layers that act pixel by pixel (ReLU, BatchNorm2d,
…), containers such as Sequential and ModuleList, followed in order, and residual blocks
that name their `main_path` (the receptive field follows the main path, not the shortcut).
A transposed convolution (ConvTranspose2d) is refused with a message saying why: its units
are 1/stride input pixels apart, a fractional jump the whole-pixel recurrence here does not
model (notebook 08 draws what each output cell of one sees instead).
"""

import copy
import math
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from convlab.checks import (
    ParameterTypeError,
    Size,
    check_elements,
    is_int,
    number_array,
    padding_arg,
    positive_int,
    positive_pair,
    same_padding,
    short,
)

__all__ = ["RF", "receptive_field", "layer_geometry", "coverage", "gradient_map", "effective_receptive_field", "spread",
           "uniform_spread"]

RF = namedtuple("RF", "size jump start")
RF.__doc__ = """Receptive field after a layer: `size` (input pixels one unit sees, per axis), `jump`
(input pixels between neighbouring units) and `start` (centre of the first unit's field,
with input pixel centres at 0, 1, 2, …; negative when it reaches into the padding).
Each is a number, or an (h, w) pair for layers that are not square."""

Geometry = tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]
Layers = Sequence[Any] | Any  # layer tuples and torch modules, or one module

# modules that act on each pixel on its own: they leave the receptive field as it is
PIXELWISE = ("ReLU", "ReLU6", "LeakyReLU", "GELU", "SiLU", "Hardswish", "Hardsigmoid", "Sigmoid", "Tanh", "ELU",
             "PReLU", "Identity", "Dropout", "Dropout2d", "BatchNorm2d", "GroupNorm", "InstanceNorm2d",
             "LocalResponseNorm")
INT64_MAX = np.iinfo(np.int64).max
TORCH_SEEDS = (-(2**63), 2**64 - 1)  # the seeds torch.manual_seed takes


def layer_geometry(layer: Any) -> list[Geometry]:
    """The geometry of one layer description, as PyTorch's layers see it.

    Parameters
    ----------
    layer : tuple or torch.nn.Module
        A (kernel_size, stride, padding, dilation) tuple (padding may be "valid" or "same",
        the latter with stride 1, as in PyTorch), or a Conv2d, MaxPool2d, AvgPool2d, a
        pixel-wise module, a Sequential/ModuleList, or a block with a `main_path`.

    Returns
    -------
    list of ((kh, kw), (sh, sw), (ph, pw), (dh, dw))
        One entry per spatial layer: one for a tuple or a conv/pool, one per layer inside
        a container, none for a pixel-wise layer. For "same" padding, (ph, pw) is the
        padding before the input (PyTorch pads the smaller half there).

    Raises
    ------
    TypeError
        A tuple entry of the wrong type (also a ValueError).
    ValueError
        A tuple that is not four entries long, sizes below 1 or a negative padding (also
        in a module), or a layer it cannot handle (Linear, adaptive pooling, a transposed
        convolution, …).

    Examples
    --------
    >>> layer_geometry((3, 2, 1, 1))
    [((3, 3), (2, 2), (1, 1), (1, 1))]
    >>> layer_geometry(((3, 5), 1, "same", (1, 2)))
    [((3, 5), (1, 1), (1, 4), (1, 2))]
    """
    if isinstance(layer, (tuple, list)):
        return [_tuple_geometry(layer)]
    name, kinds = type(layer).__name__, {cls.__name__ for cls in type(layer).__mro__}  # subclasses count too
    if hasattr(layer, "main_path"):  # a residual block: follow its main path, not the shortcut
        return [g for child in layer.main_path for g in layer_geometry(child)]
    if kinds & {"Sequential", "ModuleList"}:
        return [g for child in layer for g in layer_geometry(child)]
    if kinds & set(PIXELWISE):
        return []
    if kinds & {"ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"}:
        raise ValueError(f"receptive_field does not handle a {name} layer: it upsamples, so neighbouring output units "
                         f"are 1/stride = 1/{layer.stride[0]} input pixels apart (a fractional jump) and which input "
                         "pixels a unit sees depends on its position; convlab's recurrence keeps whole-pixel jumps. "
                         "Compute the field of the layers before it, or see notebook 08 for what each output cell of "
                         "a transposed convolution sees")
    if kinds & {"Conv2d", "MaxPool2d", "AvgPool2d"}:
        stride = layer.stride if layer.stride is not None else layer.kernel_size
        return [_geometry(layer.kernel_size, stride, layer.padding, getattr(layer, "dilation", 1), f"a {name}'s ")]
    raise ValueError(f"receptive_field cannot handle a {name} layer; allowed are (kernel_size, stride, padding, "
                     f"dilation) tuples, Conv2d, MaxPool2d, AvgPool2d, pixel-wise layers ({', '.join(PIXELWISE[:4])}, "
                     f"…), Sequential/ModuleList containers and blocks with a `main_path`")


def _tuple_geometry(layer):
    if len(layer) != 4:
        raise ValueError(f"a layer tuple must be (kernel_size, stride, padding, dilation), got {short(layer)}")
    return _geometry(*layer)


def _geometry(kernel_size, stride, padding, dilation, whose=""):
    """((kh, kw), (sh, sw), (ph, pw), (dh, dw)), checked; 'same' becomes the padding before the input."""
    k, s, d = (positive_pair(v, whose + n) for v, n in ((kernel_size, "kernel_size"), (stride, "stride"),
                                                         (dilation, "dilation")))
    padding = padding_arg(padding, whose + "padding")
    if padding == "same":
        top, _, left, _ = same_padding(k, d, s)
        padding = (top, left)
    return k, s, (0, 0) if padding == "valid" else padding, d


def _geometries(layers):
    """The flat list of layer geometries in `layers` (a list, a tuple of tuples, or a module)."""
    if isinstance(layers, tuple) and len(layers) == 4 and not isinstance(layers[0], (tuple, list)):
        raise ValueError("layers must be a list of (kernel_size, stride, padding, dilation) tuples or a torch module, "
                         f"not one tuple: got {short(layers)} (wrap it in a list)")
    if isinstance(layers, (list, tuple)):
        return [g for i, layer in enumerate(layers) for g in _item_geometry(layer, i)]
    if not any(cls.__name__ == "Module" for cls in type(layers).__mro__):
        raise ParameterTypeError("layers must be a list of (kernel_size, stride, padding, dilation) tuples or a torch "
                                 f"module, got {short(layers)}")
    return layer_geometry(layers)


def _item_geometry(layer, i):
    """layer_geometry of layers[i], its errors saying which layer they are about."""
    try:
        return layer_geometry(layer)
    except ValueError as error:  # ParameterTypeError too
        raise type(error)(f"layers[{i}]: {error}") from None


def receptive_field(layers: Layers) -> list[RF]:
    """One RF(size, jump, start) per layer with a spatial extent, by the recurrence

        size_out  = size_in + (k_eff − 1)·jump_in,      k_eff = k + (k − 1)(d − 1)
        jump_out  = jump_in · stride
        start_out = start_in + ((k_eff − 1)/2 − padding)·jump_in

    from size 1, jump 1, start 0, in exact integer arithmetic.

    Parameters
    ----------
    layers : list of layer tuples or torch modules, or one torch module
        See `layer_geometry` for what a layer may be.

    Returns
    -------
    list of RF
        One per spatial layer, in order (pixel-wise layers give none). `size` and `jump`
        are ints and `start` a float, or (h, w) pairs as soon as one layer is not square.

    Raises
    ------
    TypeError, ValueError
        As `layer_geometry`; also for a single tuple not wrapped in a list.

    Examples
    --------
    >>> receptive_field([(3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4)])[-1]
    RF(size=15, jump=1, start=0.0)
    >>> receptive_field([(11, 4, 2, 1), (3, 2, 0, 1)])  # AlexNet's first convolution and pooling
    [RF(size=11, jump=4, start=3.0), RF(size=19, jump=8, start=7.0)]
    """
    geometries = _geometries(layers)
    square = _all_square(layers) and all(len(set(v)) == 1 for g in geometries for v in g)
    size, jump, twice_start = [1, 1], [1, 1], [0, 0]  # 2·start stays an integer: exact for any depth
    fields = []
    for geometry in geometries:
        for axis in (0, 1):
            size[axis], jump[axis], twice_start[axis] = field_step(size[axis], jump[axis], twice_start[axis],
                                                                   *(v[axis] for v in geometry))
        fields.append(_field(size, jump, twice_start, square))
    return fields


def field_step(size: int, jump: int, twice_start: int, kernel_size: int, stride: int, padding: int,
               dilation: int) -> tuple[int, int, int]:
    """One layer of the recurrence along one axis, in integers: (size, jump, 2·start) after the
    layer from those before it (twice the start, so that it stays exact). The step
    `receptive_field` takes for each layer, and `convlab.network.summary` for each node.

    Parameters
    ----------
    size, jump, twice_start : int
        The field before the layer: its size, its jump and twice its start.
    kernel_size, stride, padding, dilation : int
        The layer's geometry along this axis (the padding before the input), unchecked.

    Returns
    -------
    (int, int, int)
        size + dilation·(kernel_size − 1)·jump, jump·stride, and
        twice_start + (dilation·(kernel_size − 1) − 2·padding)·jump.

    Examples
    --------
    >>> field_step(1, 1, 0, 3, 2, 1, 1)  # a 3×3 stride-2 convolution with padding 1 on the input
    (3, 2, 0)
    >>> field_step(3, 2, 0, 2, 1, 0, 1)  # then a 2×2 window with no padding: start 0.5·2 = 1
    (5, 2, 2)
    """
    span = dilation * (kernel_size - 1)  # k_eff − 1
    return size + span * jump, jump * stride, twice_start + (span - 2 * padding) * jump


def _field(size, jump, twice_start, square):
    try:
        start = tuple(t / 2 for t in twice_start)
    except OverflowError:
        raise ValueError(f"layers: the receptive field's start ({twice_start[0]} / 2) is too large for a float; "
                         "use smaller strides or kernels") from None
    if square:
        return RF(size[0], jump[0], start[0])
    return RF(tuple(size), tuple(jump), start)


def _all_square(layers):
    """True unless some layer tuple was given with an (h, w) pair."""
    items = layers if isinstance(layers, (list, tuple)) else []
    return not any(isinstance(v, (tuple, list)) for layer in items if isinstance(layer, (tuple, list)) for v in layer)


def coverage(layers: Layers) -> np.ndarray:
    """How many paths lead from one unit of the last layer back to each input pixel of its field.

    A path picks one tap in every layer, and taps form a grid, so the count is the product
    of a count along the rows and one along the columns. Zeros inside the field are pixels
    the unit never sees (the gridding effect of stacked dilations). Equal to the input
    gradient of one unit of the same stack with all-ones weights and no nonlinearity.

    Parameters
    ----------
    layers : list of layer tuples or torch modules, or one torch module
        As for `receptive_field` (the padding plays no part).

    Returns
    -------
    numpy.ndarray of shape (field height, field width)
        The counts: exact int64 while the largest count fits in int64 (below 9.2·10¹⁸,
        up to 21 layers of 3×3 kernels); float64 beyond, exact to float64 rounding (about
        1e-13 relative), never wrapped around.

    Raises
    ------
    TypeError, ValueError
        As `receptive_field`; ValueError also for a field too large for memory.

    Examples
    --------
    >>> coverage([(3, 1, 0, 1), (3, 1, 0, 1)])[2]
    array([3, 6, 9, 6, 3])
    >>> (coverage([(3, 1, 0, 2)] * 3) == 0).sum()  # the gridding effect: holes
    np.int64(120)
    >>> coverage([(3, 1, 1, 1)] * 40).dtype  # 9**40 paths: counted in float64
    dtype('float64')
    """
    geometries = _geometries(layers)
    rows, cols = (_paths_along(geometries, axis) for axis in (0, 1))
    if rows.dtype == cols.dtype == np.int64 and int(rows.max()) * int(cols.max()) <= INT64_MAX:
        return np.outer(rows, cols)
    return np.outer(rows.astype(float), cols.astype(float))


def _paths_along(geometries, axis):
    """Path counts along one axis, computed back to front: each layer spreads every count
    over its taps, `dilation` apart, with neighbouring units `stride` apart. int64 while the
    total (the product of the kernel sizes) fits, else float64."""
    taps = [k[axis] for k, _, _, _ in geometries]
    field = 1 + sum(d[axis] * (k[axis] - 1) * math.prod(g[1][axis] for g in geometries[:i])
                    for i, (k, _, _, d) in enumerate(geometries))
    check_elements(field, "layers: the receptive field along one axis")
    counts = np.ones(1, dtype=np.int64 if math.prod(taps) <= INT64_MAX else float)
    for k, s, _, d in reversed(geometries):
        k, s, d, n = k[axis], s[axis], d[axis], len(counts)
        spread = np.zeros((n - 1) * s + d * (k - 1) + 1, dtype=counts.dtype)
        for u in range(k):  # where tap u of each unit lands
            spread[u * d: u * d + (n - 1) * s + 1: s] += counts
        counts = spread
    return counts


def gradient_map(module: Any, input_size: Size, unit: tuple[int, int] | None = None, channels: int = 1,
                 inputs: Any = None) -> tuple[np.ndarray, tuple[int, int]]:
    """|∂ output unit / ∂ input|, summed over channels: which input pixels influence one output unit.

    The module runs, in float64, on a copy (the caller's module and tensors stay as they
    are) with one input image: all ones, or `inputs` (with ReLUs the gradient depends on
    the input).

    Parameters
    ----------
    module : torch.nn.Module
        Takes (1, channels, h, w) and returns (1, C, OH, OW).
    input_size : int or (int, int)
        Input height and width; at least 1.
    unit : (int, int), optional
        (row, col) of the output unit in the first output channel, with
        0 ≤ row < OH and 0 ≤ col < OW. Default: the centre, (OH // 2, OW // 2).
    channels : int, default 1
        Input channels.
    inputs : torch.Tensor or array_like of shape (1, channels, h, w), optional
        The input to use instead of ones, e.g. random numbers.

    Returns
    -------
    (numpy.ndarray of shape (h, w), (int, int))
        The map (float64) and the unit used.

    Raises
    ------
    TypeError
        A `module` that is not a torch module, or a parameter of the wrong type (also a
        ValueError).
    ValueError
        Sizes below 1, `inputs` of another shape, a `module` that cannot take the input or
        does not return a 4-D map depending on it, or a `unit` outside the output.

    Examples
    --------
    >>> import torch
    >>> conv = torch.nn.Conv2d(1, 1, 3, bias=False)
    >>> _ = torch.nn.init.ones_(conv.weight)
    >>> grad, unit = gradient_map(conv, 5)
    >>> unit
    (1, 1)
    >>> grad.astype(int)
    array([[0, 0, 0, 0, 0],
           [0, 1, 1, 1, 0],
           [0, 1, 1, 1, 0],
           [0, 1, 1, 1, 0],
           [0, 0, 0, 0, 0]])
    >>> gradient_map(conv, 5, unit=(0, 2))[0].astype(int)[:, 2:]
    array([[1, 1, 1],
           [1, 1, 1],
           [1, 1, 1],
           [0, 0, 0],
           [0, 0, 0]])
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise ParameterTypeError(f"module must be a torch.nn.Module, got {short(module)}")
    (h, w), channels = _input_geometry(input_size, channels)
    x = _gradient_input(inputs, (1, channels, h, w))
    try:
        out = copy.deepcopy(module).double()(x)  # a float64 copy: the caller's module stays as it is
    except (RuntimeError, ValueError, TypeError, IndexError) as error:
        raise ValueError(f"module cannot take an input of shape {tuple(x.shape)} (input_size={input_size!r}, "
                         f"channels={channels}): {type(error).__name__}: {error}") from None
    if not isinstance(out, torch.Tensor) or out.ndim != 4 or 0 in out.shape:
        raise ValueError("module must return a 4-D map (1, C, OH, OW) with a positive size, got "
                         f"{tuple(out.shape) if isinstance(out, torch.Tensor) else short(out)}")
    unit = _unit(unit, out.shape[2:])
    if not out.requires_grad:
        raise ValueError("module's output does not depend on its input: there is no gradient to map")
    out[0, 0, unit[0], unit[1]].backward()
    grad = x.grad if x.grad is not None else torch.zeros_like(x)
    return grad[0].abs().sum(dim=0).numpy(), unit


def _input_geometry(input_size, channels):
    """((h, w), channels), checked, for an input that fits in memory."""
    size, channels = positive_pair(input_size, "input_size"), positive_int(channels, "channels")
    check_elements(channels * size[0] * size[1], f"an input of input_size={input_size!r} with channels={channels}")
    return size, channels


def _gradient_input(inputs, shape):
    """A fresh float64 leaf tensor that requires grad: ones, or a copy of `inputs` of `shape`."""
    import torch

    if inputs is None:
        x = torch.ones(shape, dtype=torch.float64)
    else:
        try:
            x = torch.as_tensor(inputs).detach()
        except (RuntimeError, TypeError, ValueError) as error:
            raise ParameterTypeError(f"inputs must be a tensor of numbers, got {short(inputs)} ({error})") from None
        if x.is_complex() or x.dtype == torch.bool:
            raise ParameterTypeError(f"inputs must hold real numbers, got dtype {x.dtype}")
        x = x.to(torch.float64).clone()
        if tuple(x.shape) != shape:
            raise ValueError(f"inputs must have shape {shape} (1, channels, *input_size), got {tuple(x.shape)}")
    return x.requires_grad_(True)


def _unit(unit, out_size):
    """The (row, col) to differentiate: the centre by default, else a checked pair inside the output."""
    oh, ow = int(out_size[0]), int(out_size[1])
    if unit is None:
        return oh // 2, ow // 2
    if not (isinstance(unit, (tuple, list)) and len(unit) == 2 and all(is_int(v) for v in unit)):
        raise ParameterTypeError(f"unit must be a (row, col) pair of integers, got {short(unit)}")
    row, col = int(unit[0]), int(unit[1])
    if not (0 <= row < oh and 0 <= col < ow):
        raise ValueError(f"unit must lie in the {oh}×{ow} output (0 ≤ row < {oh}, 0 ≤ col < {ow}), got {unit!r}")
    return row, col


def effective_receptive_field(make_network: Callable[[], Any], input_size: Size, seeds: Iterable[int] = range(8),
                              channels: int = 1) -> np.ndarray:
    """The effective receptive field: how much each input pixel matters to the centre output unit.

    The gradient map of the centre unit, for random weights and random inputs, averaged
    over the networks ``make_network()`` built after ``torch.manual_seed(seed)`` for each
    seed, and normalised to sum to 1. Where the theoretical field says which pixels *can*
    matter, this says how much they do. The caller's random state is left as it was.

    Parameters
    ----------
    make_network : callable
        Returns a fresh torch module (it is called once per seed).
    input_size : int or (int, int)
        Input height and width; at least 1.
    seeds : iterable of int, default range(8)
        At least one seed (each as torch.manual_seed takes it).
    channels : int, default 1
        Input channels.

    Returns
    -------
    numpy.ndarray of shape (h, w)
        Non-negative float64 weights that sum to 1.

    Raises
    ------
    TypeError
        A `make_network` that is not callable, `seeds` that are not integers, or a
        parameter of the wrong type (also a ValueError).
    ValueError
        No seeds, sizes below 1, a network `gradient_map` refuses, or a gradient that is
        zero for every seed (nothing to normalise).

    Examples
    --------
    >>> import torch
    >>> erf = effective_receptive_field(lambda: torch.nn.Conv2d(1, 1, 3), 7, seeds=range(2))
    >>> erf.shape, bool(np.isclose(erf.sum(), 1)), int((erf > 0).sum())
    ((7, 7), True, 9)
    """
    import torch

    if not callable(make_network):
        raise ParameterTypeError(f"make_network must be a function that returns a torch module, got "
                                 f"{short(make_network)}")
    size, channels = _input_geometry(input_size, channels)
    total = np.zeros(size)
    for seed in _seeds(seeds):
        with torch.random.fork_rng(devices=[]):  # the caller's random numbers stay as they were
            torch.manual_seed(seed)
            network, x = make_network(), torch.randn(1, channels, *size)
            if not isinstance(network, torch.nn.Module):
                raise ParameterTypeError(f"make_network must return a torch module, got {short(network)}")
            total += gradient_map(network, input_size, channels=channels, inputs=x)[0]
    if not (np.isfinite(total).all() and total.sum() > 0):
        raise ValueError("make_network gives networks whose centre unit has a zero (or non-finite) gradient for every "
                         "seed: there is no field to normalise (all-zero weights? every ReLU dead?)")
    return total / total.sum()


def _seeds(seeds):
    """The seeds as a list of ints, checked."""
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise ParameterTypeError(f"seeds must be an iterable of integers such as range(8), got {short(seeds)}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed (the field is an average over seeds), got none")
    low, high = TORCH_SEEDS
    for seed in seeds:
        if not is_int(seed):
            raise ParameterTypeError(f"seeds must be integers, got {short(seed)} in seeds")
        if not low <= seed <= high:
            raise ValueError(f"seeds must lie in [{low}, {high}] (what torch.manual_seed takes), got {seed}")
    return [int(seed) for seed in seeds]


def spread(weights: ArrayLike) -> float:
    """The standard deviation, in pixels, of a 2-D map of weights along its rows.

    A width that does not depend on where the map is cut off. A field of s pixels with
    equal weights has a spread of √((s² − 1) / 12) (`uniform_spread`).

    Parameters
    ----------
    weights : array_like of shape (h, w)
        Non-negative, finite weights (such as an effective receptive field or path
        counts), not all zero; they need not sum to 1.

    Returns
    -------
    float
        The standard deviation of the row index, weighted by each row's sum.

    Raises
    ------
    TypeError
        `weights` that are not numbers (also a ValueError).
    ValueError
        `weights` that are not 2-D, hold a negative, NaN or infinite value, or are all zero.

    Examples
    --------
    >>> spread(np.ones((9, 4)))  # nine rows of equal weight
    2.581988897471611
    >>> spread([[0, 0], [1, 1], [0, 0]])
    0.0
    """
    weights = number_array(weights, "weights", kinds="iuf").astype(float)
    if weights.ndim != 2:
        raise ValueError(f"weights must be a 2-D map, got shape {weights.shape}")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("weights must be finite and non-negative (a spread of signed weights is not defined)")
    if not weights.sum() > 0:
        raise ValueError(f"weights must not all be zero, got a {weights.shape[0]}×{weights.shape[1]} map of zeros")
    along = weights.sum(axis=1) / weights.sum()
    rows = np.arange(len(along))
    mean = (rows * along).sum()
    return float(np.sqrt(((rows - mean) ** 2 * along).sum()))


def uniform_spread(size: int) -> float:
    """The spread of `size` pixels with equal weights: √((s² − 1) / 12).

    The spread (standard deviation, in pixels) a receptive field would have if every
    pixel in it counted the same.

    Parameters
    ----------
    size : int
        Pixels in the field along one axis; at least 1.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        A `size` that is not an integer (also a ValueError).
    ValueError
        A `size` below 1.

    Examples
    --------
    >>> uniform_spread(1)
    0.0
    >>> round(uniform_spread(9), 4)
    2.582
    """
    size = positive_int(size, "size")
    try:
        return math.sqrt((size * size - 1) / 12)
    except OverflowError:
        raise ValueError(f"size is too large for its spread to be a float, got {size}") from None
