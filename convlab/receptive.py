"""Receptive fields: the recurrence that gives, layer by layer, how many input pixels one
unit sees (size), how far apart neighbouring units' fields are (jump) and where the first
unit's field is centred (start); coverage maps that count the paths from one unit back to
each input pixel (the picture of the gridding effect); and gradient maps that measure
both in PyTorch.

Layers are (kernel_size, stride, padding, dilation) tuples (ints or (h, w) pairs) or torch
modules: Conv2d, MaxPool2d, AvgPool2d, layers that act pixel by pixel (ReLU, BatchNorm2d,
…), containers such as Sequential and ModuleList, followed in order, and residual blocks
that name their `main_path` (the receptive field follows the main path, not the shortcut).
"""

import copy
from collections import namedtuple

import numpy as np

from convlab.checks import padding_arg, positive_pair
from convlab.checks import pair as as_pair

__all__ = ["RF", "receptive_field", "layer_geometry", "coverage", "gradient_map", "effective_receptive_field", "spread",
           "uniform_spread"]

RF = namedtuple("RF", "size jump start")
RF.__doc__ = """Receptive field after a layer: `size` (input pixels one unit sees, per axis), `jump`
(input pixels between neighbouring units) and `start` (centre of the first unit's field,
with input pixel centres at 0, 1, 2, …; negative when it reaches into the padding)."""

# modules that act on each pixel on its own: they leave the receptive field as it is
PIXELWISE = ("ReLU", "ReLU6", "LeakyReLU", "GELU", "SiLU", "Hardswish", "Hardsigmoid", "Sigmoid", "Tanh", "ELU",
             "PReLU", "Identity", "Dropout", "Dropout2d", "BatchNorm2d", "GroupNorm", "InstanceNorm2d",
             "LocalResponseNorm")


def layer_geometry(layer):
    """A list of ((kh, kw), (sh, sw), (ph, pw), (dh, dw)) for one layer description: a
    tuple, a torch module (containers give one entry per layer inside, pixel-wise layers
    none), or raise a ValueError naming what cannot be handled."""
    if isinstance(layer, (tuple, list)):
        return [_tuple_geometry(layer)]
    name, kinds = type(layer).__name__, {cls.__name__ for cls in type(layer).__mro__}  # subclasses count too
    if hasattr(layer, "main_path"):  # a residual block: follow its main path, not the shortcut
        return [g for child in layer.main_path for g in layer_geometry(child)]
    if kinds & {"Sequential", "ModuleList"}:
        return [g for child in layer for g in layer_geometry(child)]
    if kinds & set(PIXELWISE):
        return []
    if kinds & {"Conv2d", "MaxPool2d", "AvgPool2d"}:
        k = as_pair(layer.kernel_size, "kernel_size")
        s = as_pair(layer.stride if layer.stride is not None else k, "stride")
        d = as_pair(getattr(layer, "dilation", 1), "dilation")
        padding = layer.padding
        if isinstance(padding, str):  # "same" pads d·(k−1) in all, the smaller half before
            padding = (0, 0) if padding == "valid" else tuple(di * (ki - 1) // 2 for ki, di in zip(k, d, strict=True))
        return [(k, s, as_pair(padding, "padding"), d)]
    raise ValueError(f"receptive_field cannot handle a {name} layer; allowed are (kernel_size, stride, padding, "
                     f"dilation) tuples, Conv2d, MaxPool2d, AvgPool2d, pixel-wise layers ({', '.join(PIXELWISE[:4])}, "
                     f"…), Sequential/ModuleList containers and blocks with a `main_path`")


def _tuple_geometry(layer):
    if len(layer) != 4:
        raise ValueError(f"a layer tuple must be (kernel_size, stride, padding, dilation), got {layer!r}")
    kernel_size, stride, padding, dilation = layer
    k, s, d = (positive_pair(v, n) for v, n in ((kernel_size, "kernel_size"), (stride, "stride"),
                                                 (dilation, "dilation")))
    padding = padding_arg(padding)
    if padding == "same":
        padding = tuple(di * (ki - 1) // 2 for ki, di in zip(k, d, strict=True))
    return k, s, (0, 0) if padding == "valid" else padding, d


def _geometries(layers):
    """The flat list of layer geometries in `layers` (a list, a tuple of tuples, or a module)."""
    if isinstance(layers, tuple) and len(layers) == 4 and not isinstance(layers[0], (tuple, list)):
        raise ValueError("layers must be a list of (kernel_size, stride, padding, dilation) tuples or a torch module, "
                         f"not one tuple: got {layers!r} (wrap it in a list)")
    if isinstance(layers, (list, tuple)):
        return [g for layer in layers for g in layer_geometry(layer)]
    return layer_geometry(layers)


def receptive_field(layers):
    """One RF(size, jump, start) per layer with a spatial extent, by the recurrence

        size_out  = size_in + (k_eff − 1)·jump_in,      k_eff = k + (k − 1)(d − 1)
        jump_out  = jump_in · stride
        start_out = start_in + ((k_eff − 1)/2 − padding)·jump_in

    from size 1, jump 1, start 0. Ints in give ints out; any (h, w) pair gives pairs.

    >>> receptive_field([(3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4)])[-1]
    RF(size=15, jump=1, start=0.0)
    """
    geometries = _geometries(layers)
    square = _all_square(layers) and all(len(set(v)) == 1 for g in geometries for v in g)
    size, jump, start = np.ones(2, dtype=int), np.ones(2, dtype=int), np.zeros(2)
    fields = []
    for k, s, p, d in geometries:
        k, s, p, d = (np.array(v) for v in (k, s, p, d))
        k_eff = k + (k - 1) * (d - 1)
        size, start, jump = size + (k_eff - 1) * jump, start + ((k_eff - 1) / 2 - p) * jump, jump * s
        fields.append(RF(*((int(v[0]) if square else tuple(int(x) for x in v)) for v in (size, jump)),
                         float(start[0]) if square else tuple(float(x) for x in start)))
    return fields


def _all_square(layers):
    """True unless some layer tuple was given with an (h, w) pair."""
    items = layers if isinstance(layers, (list, tuple)) else []
    return not any(isinstance(v, (tuple, list)) for layer in items if isinstance(layer, (tuple, list)) for v in layer)


def coverage(layers):
    """How many paths lead from one unit of the last layer back to each input pixel of its
    receptive field: an integer array of the field's size (h, w). Zeros inside are pixels
    the unit never sees (the gridding effect of stacked dilations). A path picks one tap
    in every layer, and taps form a grid, so the count is the product of a count along the
    rows and one along the columns. (Equal to the input gradient of one unit of the same
    stack with all-ones weights and no nonlinearity.)"""
    geometries = _geometries(layers)
    return np.outer(_paths_along(geometries, 0), _paths_along(geometries, 1))


def _paths_along(geometries, axis):
    """Path counts along one axis, computed back to front: each layer spreads every count
    over its taps, `dilation` apart, with neighbouring units `stride` apart."""
    counts = np.ones(1, dtype=np.int64)
    for k, s, _, d in reversed(geometries):
        k, s, d, n = k[axis], s[axis], d[axis], len(counts)
        spread = np.zeros((n - 1) * s + d * (k - 1) + 1, dtype=np.int64)
        for u in range(k):  # where tap u of each unit lands
            spread[u * d: u * d + (n - 1) * s + 1: s] += counts
        counts = spread
    return counts


def gradient_map(module, input_size, unit=None, channels=1, inputs=None):
    """|∂ output unit / ∂ input|, summed over channels: which input pixels influence one
    output unit of a torch module. The input is a batch of one (channels, *input_size)
    tensor of ones, or `inputs` (a tensor of that shape, e.g. random numbers: with ReLUs
    the gradient depends on the input). `unit` is the (row, col) of the output unit in its
    first channel (default: the centre). Returns (map as a NumPy array, the unit used)."""
    import torch

    h, w = as_pair(input_size, "input_size")
    x = torch.ones(1, channels, h, w, dtype=torch.float64) if inputs is None else inputs.to(torch.float64)
    x.requires_grad_(True)
    out = copy.deepcopy(module).double()(x)  # a float64 copy: the caller's module stays as it is
    unit = (out.shape[2] // 2, out.shape[3] // 2) if unit is None else tuple(unit)
    out[0, 0, unit[0], unit[1]].backward()
    return x.grad[0].abs().sum(dim=0).numpy(), unit


def effective_receptive_field(make_network, input_size, seeds=range(8), channels=1):
    """The effective receptive field: the gradient map of the centre output unit for
    random weights and random inputs, averaged over networks `make_network()` built after
    `torch.manual_seed(seed)` for each seed, normalised to sum to 1. Where the theoretical
    field says which pixels *can* matter, this says how much they do."""
    import torch

    total = 0.0
    for seed in seeds:
        torch.manual_seed(seed)
        network, x = make_network(), torch.randn(1, channels, *as_pair(input_size, "input_size"))
        total = total + gradient_map(network, input_size, channels=channels, inputs=x)[0]
    return total / total.sum()


def spread(weights):
    """The standard deviation, in pixels, of a 2-D map of weights (such as an effective
    receptive field) along its rows: a width that does not depend on where it is cut off.
    A field of s pixels with equal weights has a spread of √((s² − 1) / 12) (`uniform_spread`)."""
    weights = np.asarray(weights, dtype=float)
    along = weights.sum(axis=1) / weights.sum()
    rows = np.arange(len(along))
    mean = (rows * along).sum()
    return float(np.sqrt(((rows - mean) ** 2 * along).sum()))


def uniform_spread(size):
    """The spread (standard deviation, in pixels) of `size` pixels with equal weights: √((s² − 1) / 12),
    the spread a receptive field would have if every pixel in it counted the same."""
    return float(np.sqrt((size ** 2 - 1) / 12))
