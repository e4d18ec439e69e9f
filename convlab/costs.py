"""What a layer costs, measured by PyTorch: its output shape (a forward pass), its learnable
numbers (`numel`) and its multiply–accumulates (`FlopCounterMode`, which counts FLOPs = 2·MACs of
the convolutions and matrix products), and a printed table of layers applied one after another.
On the `meta` device the pass keeps only shapes, so even VGG-sized layers cost no time or memory."""

import math
from typing import NamedTuple

import torch
from torch.utils.flop_counter import FlopCounterMode

from convlab.checks import MAX_ELEMENTS, ParameterTypeError, is_int, non_negative_int, short

__all__ = ["Cost", "measure", "cost_table", "activations", "branch_table"]


class Cost(NamedTuple):
    shape: tuple  # output (C, H, W)
    params: int  # learnable numbers: weights and biases
    macs: int  # multiply–accumulates for one input


def _input_shape(input_shape):
    """input_shape as a tuple of positive ints (one input, without the batch axis)."""
    if not (isinstance(input_shape, (tuple, list, torch.Size)) and input_shape and all(is_int(n) for n in input_shape)):
        raise ParameterTypeError(f"input_shape must be a tuple of integers such as (C, H, W), got {short(input_shape)}")
    if min(input_shape) < 1:
        raise ValueError(f"input_shape must hold positive sizes, got {tuple(input_shape)}")
    return tuple(int(n) for n in input_shape)


def _zeros(input_shape, device):
    """A batch of one input of zeros on `device`, after checking both."""
    shape = _input_shape(input_shape)
    try:
        device = torch.device("cpu" if device is None else device)
        torch.zeros(0, device=device)
    except Exception as error:  # unknown names, and devices this build of torch lacks (an AssertionError for CUDA)
        raise ValueError(f"device must be one PyTorch can use here, such as 'cpu' or 'meta', got {device!r} "
                         f"({type(error).__name__}: {error})") from None
    if device.type != "meta" and math.prod(shape) > MAX_ELEMENTS:
        raise ValueError(f"input_shape {shape} holds {math.prod(shape):,} numbers, more than {MAX_ELEMENTS:,}: "
                         "measure it on device='meta' (shapes only, no memory)")
    try:
        return torch.zeros(1, *shape, device=device)
    except (RuntimeError, ValueError, OverflowError) as error:  # sizes beyond int64, even on the meta device
        raise ValueError(f"input_shape {shape} is too large for PyTorch ({error})") from None


def _run(layer, x, name):
    """layer(x), with a layer that cannot take x (or returns no tensor) as a ValueError naming it."""
    if not callable(layer):
        raise ParameterTypeError(f"{name} must be a torch module or a function of a tensor, got {short(layer)}")
    try:
        out = layer(x)
    except (RuntimeError, IndexError) as error:  # shape, dtype or device mismatches inside torch
        raise ValueError(f"{name} cannot take input_shape {tuple(x.shape[1:])} on {x.device.type}: "
                         f"{type(error).__name__}: {error}") from None
    if not isinstance(out, torch.Tensor) or out.ndim < 2 or out.shape[0] != 1:
        got = f"shape {tuple(out.shape)}" if isinstance(out, torch.Tensor) else short(out)
        raise ValueError(f"{name} must return a batch of one output (shape (1, …)) for input_shape "
                         f"{tuple(x.shape[1:])}, got {got} (a Conv2d wants input_shape (C, H, W))")
    return out


def measure(layer, input_shape, device=None):
    """Cost of `layer` (any module, or a function of a tensor) on one input of shape `input_shape`
    (e.g. (C, H, W)), run on `device` (None: where the module's weights are, else the CPU; "meta":
    shapes only)."""
    return _measure(layer, input_shape, device, "layer")


def _device_of(layer):
    """Where a module's weights live (a module built on "meta" is measured on "meta"); None for the CPU."""
    tensors = [*layer.parameters(), *layer.buffers()] if isinstance(layer, torch.nn.Module) else []
    return tensors[0].device if tensors else None


def _measure(layer, input_shape, device, name):
    x = _zeros(input_shape, _device_of(layer) if device is None else device)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = _run(layer, x, name)
    params = sum(p.numel() for p in layer.parameters()) if isinstance(layer, torch.nn.Module) else 0
    return Cost(tuple(out.shape[1:]), params, counter.get_total_flops() // 2)


def _shape(shape):
    return "×".join(map(str, shape))


def _width(width):
    """The width of the name column: an int from 0 to 200."""
    width = non_negative_int(width, "width")
    if width > 200:
        raise ValueError(f"width must be at most 200 (characters of the name column), got {width}")
    return width


def _steps(steps):
    """steps as a list of (name, layer) pairs."""
    try:
        steps = list(steps)
    except TypeError:
        raise ParameterTypeError(f"steps must be a list of (name, layer) pairs, got {short(steps)}") from None
    for i, step in enumerate(steps):
        if not (isinstance(step, (tuple, list)) and len(step) == 2):
            raise ValueError(f"steps must be (name, layer) pairs, got {short(step)} at steps[{i}]")
    return steps


def cost_table(steps, input_shape, width=26):
    """Print one line per (name, layer) in `steps`, applied one after the other from `input_shape`:
    input and output shapes, parameters and MACs, all measured. Returns the totals as a Cost."""
    steps, width = _steps(steps), _width(width)
    shape, params, macs = _input_shape(input_shape), 0, 0
    for i, (name, layer) in enumerate(steps):
        cost = _measure(layer, shape, None, f"steps[{i}] ({name!s})")
        print(f"  {name!s:{width}} {_shape(shape):>10} → {_shape(cost.shape):<10} "
              f"params {cost.params:11,}  MACs {cost.macs:14,}")
        shape, params, macs = cost.shape, params + cost.params, macs + cost.macs
    return Cost(shape, params, macs)


def activations(layers, input_shape):
    """How many numbers the layers' outputs hold, summed over `layers` applied one after the other
    (what a forward pass keeps for the backward pass), for one input of shape `input_shape`."""
    total, x = 0, _zeros(input_shape, None)
    with torch.no_grad():
        for i, layer in enumerate(_layer_list(layers)):
            x = _run(layer, x, f"layers[{i}]")
            total += x[0].numel()
    return total


def _layer_list(layers):
    """layers as a list; text, numbers and other things that are no sequence of layers raise."""
    if not isinstance(layers, (str, bytes)):
        try:
            return list(layers)
        except TypeError:  # not iterable (a 0-d tensor raises here too)
            pass
    raise ParameterTypeError(f"layers must be a list (or Sequential) of layers, got {short(layers)}")


def _layer_name(layer):
    k = layer.kernel_size if isinstance(layer.kernel_size, int) else layer.kernel_size[0]
    return f"{k}×{k}" + ("" if isinstance(layer, torch.nn.Conv2d) else " pool")


def _branches(module):
    """module.branches as a non-empty list of modules."""
    branches = getattr(module, "branches", None)
    if not isinstance(branches, (list, tuple, torch.nn.ModuleList)) or not branches:
        raise ParameterTypeError(f"module must have `branches` (a non-empty list of modules, as "
                                 f"convlab.models.Inception has), got {short(module)}")
    return list(branches)


def branch_table(module, input_shape, width=16):
    """Print one line per branch of a module whose branches all read the same input and are
    concatenated (`module.branches`, as in `convlab.models.Inception`): output shape, parameters,
    MACs and MACs per output channel, all measured; then the total. Returns the branches' Costs."""
    branches, width, rows = _branches(module), _width(width), []
    for i, branch in enumerate(branches):
        cost = _measure(branch, input_shape, None, f"module.branches[{i}]")
        kinds = (torch.nn.Conv2d, torch.nn.MaxPool2d, torch.nn.AvgPool2d)
        modules = branch.modules() if isinstance(branch, torch.nn.Module) else []
        name = " → ".join(_layer_name(m) for m in modules if isinstance(m, kinds))
        print(f"  {name:{width}} → {_shape(cost.shape):<10} params {cost.params:9,}  MACs {cost.macs:12,}"
              f"  MACs per output channel {cost.macs // max(cost.shape[0], 1):10,}")
        rows.append(cost)
    total = (sum(c.shape[0] for c in rows), *rows[0].shape[1:])
    print(f"  {'concatenated':{width}} → {_shape(total):<10} params {sum(c.params for c in rows):9,}"
          f"  MACs {sum(c.macs for c in rows):12,}")
    return rows
