"""GroupConvExplorer: shapes, connections, parameters and MACs are those of PyTorch's
Conv2d(groups=...), and groups can only take values PyTorch accepts."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from traitlets import TraitError

from convlab.explorers import GroupConvExplorer
from convlab.explorers.base import choices


def torch_reads(c_in, c_out, k, groups):
    """(out, in) matrix: 1 where output channel o depends on input channel c, by autograd."""
    conv = nn.Conv2d(c_in, c_out, k, groups=groups, padding=k // 2, bias=False)
    nn.init.uniform_(conv.weight, 0.5, 1.0)  # no accidental zeros
    x = torch.ones(1, c_in, 5, 5, requires_grad=True)
    out = conv(x)
    rows = []
    for o in range(c_out):
        (grad,) = torch.autograd.grad(out[0, o].sum(), x, retain_graph=True)
        rows.append((grad[0].abs().sum(dim=(1, 2)) > 0).int().numpy())
    return np.array(rows), conv


@pytest.mark.parametrize("c_in, c_out, groups", [(6, 6, 1), (6, 6, 2), (6, 12, 3), (4, 8, 4), (8, 8, 8)])
def test_shapes_connections_params_and_macs_are_pytorchs(c_in, c_out, groups):
    e = GroupConvExplorer(in_channels=c_in, out_channels=c_out, groups=groups, kernel_size=3, input_size=10)
    st = e.state
    reads, conv = torch_reads(c_in, c_out, 3, groups)
    np.testing.assert_array_equal(st["connections"], reads)
    assert st["weight_shape"] == tuple(conv.weight.shape) and st["params"] == conv.weight.numel()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        conv(torch.zeros(1, c_in, 10, 10))
    assert 2 * st["macs"] == counter.get_total_flops()
    assert st["ratio"] == pytest.approx(1 / groups)
    assert st["depthwise"] == (groups == c_in)


def test_depthwise_separable_ratio_is_one_over_c_out_plus_one_over_k_squared():
    e = GroupConvExplorer(in_channels=8, out_channels=8, groups=8, kernel_size=3, pointwise=True, pointwise_out=16)
    st = e.state
    depthwise, pointwise = nn.Conv2d(8, 8, 3, groups=8, bias=False), nn.Conv2d(8, 16, 1, bias=False)
    standard = nn.Conv2d(8, 16, 3, bias=False)
    assert st["params"] == depthwise.weight.numel() + pointwise.weight.numel()
    assert st["ratio"] == pytest.approx(st["params"] / standard.weight.numel()) == pytest.approx(1 / 16 + 1 / 9)
    assert "1/C_out + 1/k² = 1/16 + 1/9" in e.readout.value


def test_groups_offers_only_common_divisors_and_channels_only_multiples():
    e = GroupConvExplorer(in_channels=12, out_channels=8, groups=2)
    assert choices(e.controls["groups"]) == [1, 2, 4]
    assert choices(e.controls["in_channels"]) == [2, 4, 6, 8, 10, 12, 14, 16]
    e.controls["groups"].value = 4
    assert choices(e.controls["out_channels"]) == [4, 8, 12, 16]
    e.controls["out_channels"].value = 12
    assert choices(e.controls["groups"]) == [1, 2, 3, 4, 6, 12]  # the divisors of gcd(12, 12)
    assert e.state["groups"] == 4  # kept while the options changed
    e.controls["in_channels"].value = 8
    with pytest.raises(TraitError):  # 3 does not divide 8: the slider does not even offer it
        e.controls["groups"].value = 3


def test_the_pointwise_output_is_frozen_without_the_pointwise_stage():
    e = GroupConvExplorer(pointwise=False, pointwise_out=5)
    assert e.controls["pointwise_out"].disabled and choices(e.controls["pointwise_out"]) == [5]
    e.controls["pointwise"].value = True
    assert not e.controls["pointwise_out"].disabled and e.state["final_channels"] == 5


@pytest.mark.parametrize("kwargs, match", [
    (dict(in_channels=6, out_channels=4, groups=3), "groups"), (dict(groups=0), "groups"),
    (dict(in_channels=17), "in_channels"), (dict(kernel_size=0), "kernel_size"),
    (dict(pointwise_out=0), "pointwise_out"),
])
def test_bad_starting_values_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GroupConvExplorer(**kwargs)
