"""What a layer costs, measured by PyTorch: its output shape (a forward pass), its learnable
numbers (`numel`) and its multiply–accumulates (`FlopCounterMode`, which counts FLOPs = 2·MACs of
the convolutions and matrix products), and a printed table of layers applied one after another.
On the `meta` device the pass keeps only shapes, so even VGG-sized layers cost no time or memory."""

from typing import NamedTuple

import torch
from torch.utils.flop_counter import FlopCounterMode

__all__ = ["Cost", "measure", "cost_table", "activations", "branch_table"]


class Cost(NamedTuple):
    shape: tuple  # output (C, H, W)
    params: int  # learnable numbers: weights and biases
    macs: int  # multiply–accumulates for one input


def measure(layer, input_shape, device=None):
    """Cost of `layer` (any module, or a function of a tensor) on one input of shape (C, H, W)."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = layer(torch.zeros(1, *input_shape, device=device))
    params = sum(p.numel() for p in layer.parameters()) if isinstance(layer, torch.nn.Module) else 0
    return Cost(tuple(out.shape[1:]), params, counter.get_total_flops() // 2)


def _shape(shape):
    return "×".join(map(str, shape))


def cost_table(steps, input_shape, width=26):
    """Print one line per (name, layer) in `steps`, applied one after the other from `input_shape`:
    input and output shapes, parameters and MACs, all measured. Returns the totals as a Cost."""
    shape, params, macs = tuple(input_shape), 0, 0
    for name, layer in steps:
        cost = measure(layer, shape)
        print(f"  {name:{width}} {_shape(shape):>10} → {_shape(cost.shape):<10} "
              f"params {cost.params:11,}  MACs {cost.macs:14,}")
        shape, params, macs = cost.shape, params + cost.params, macs + cost.macs
    return Cost(shape, params, macs)


def activations(layers, input_shape):
    """How many numbers the layers' outputs hold, summed over `layers` applied one after the other
    (what a forward pass keeps for the backward pass), for one input of shape (C, H, W)."""
    total, x = 0, torch.zeros(1, *input_shape)
    with torch.no_grad():
        for layer in layers:
            x = layer(x)
            total += x[0].numel()
    return total


def _layer_name(layer):
    k = layer.kernel_size if isinstance(layer.kernel_size, int) else layer.kernel_size[0]
    return f"{k}×{k}" + ("" if isinstance(layer, torch.nn.Conv2d) else " pool")


def branch_table(module, input_shape, width=16):
    """Print one line per branch of a module whose branches all read the same input and are
    concatenated (`module.branches`, as in `convlab.models.Inception`): output shape, parameters,
    MACs and MACs per output channel, all measured; then the total. Returns the branches' Costs."""
    rows = []
    for branch in module.branches:
        cost = measure(branch, input_shape)
        kinds = (torch.nn.Conv2d, torch.nn.MaxPool2d, torch.nn.AvgPool2d)
        name = " → ".join(_layer_name(m) for m in branch.modules() if isinstance(m, kinds))
        print(f"  {name:{width}} → {_shape(cost.shape):<10} params {cost.params:9,}  MACs {cost.macs:12,}"
              f"  MACs per output channel {cost.macs // cost.shape[0]:10,}")
        rows.append(cost)
    total = (sum(c.shape[0] for c in rows), *rows[0].shape[1:])
    print(f"  {'concatenated':{width}} → {_shape(total):<10} params {sum(c.params for c in rows):9,}"
          f"  MACs {sum(c.macs for c in rows):12,}")
    return rows
