"""PointwiseExplorer: the picture's numbers are a 1×1 convolution, as PyTorch computes it."""

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from convlab.explorers import PointwiseExplorer


def torch_pointwise(state):
    conv = torch.nn.Conv2d(state["in_channels"], state["out_channels"], 1, bias=False).double()
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(state["weight"], dtype=torch.float64)[:, :, None, None])
        return conv(torch.tensor(state["x"], dtype=torch.float64)[None])[0].numpy(), conv


def test_output_is_pytorchs_1x1_convolution_and_y_is_w_times_x():
    e = PointwiseExplorer(in_channels=5, out_channels=3, input_size=(4, 6), row=2, col=5)
    st = e.state
    out, conv = torch_pointwise(st)
    np.testing.assert_array_equal(st["output"], out)
    np.testing.assert_array_equal(st["vector"], st["x"][:, 2, 5])
    np.testing.assert_array_equal(st["result"], st["weight"] @ st["vector"])
    np.testing.assert_array_equal(st["result"], out[:, 2, 5])
    assert st["params"] == conv.weight.numel() == 15


def test_costs_against_a_k_by_k_convolution():
    e = PointwiseExplorer(in_channels=8, out_channels=4, input_size=5, compare_kernel=3)
    st = e.state
    big = torch.nn.Conv2d(8, 4, 3, padding="same", bias=False)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        big(torch.zeros(1, 8, 5, 5))
    assert st["compare_params"] == big.weight.numel() == 9 * st["params"]
    assert 2 * st["compare_macs"] == counter.get_total_flops()
    assert st["macs"] == 5 * 5 * 8 * 4
    assert "9× the 1×1" in e.readout.value


def test_the_pixel_follows_the_sliders_and_stays_inside():
    e = PointwiseExplorer(input_size=4, row=3, col=3)
    e.controls["height"].value = 2
    assert e.controls["row"].max == 1 and e.state["pixel"] == (1, 3)
    e.controls["col"].value = 0
    out, _ = torch_pointwise(e.state)
    np.testing.assert_array_equal(e.state["result"], out[:, 1, 0])
    assert "y[0] = " in e.readout.value and f"<b>{e.state['result'][0]}</b>" in e.readout.value


@pytest.mark.parametrize("kwargs, match", [
    (dict(in_channels=0), "in_channels"), (dict(out_channels=9), "out_channels"), (dict(input_size=3, row=3), "row"),
    (dict(col=-1), "col"), (dict(compare_kernel=8), "compare_kernel"), (dict(input_size=7), "input_size"),
])
def test_bad_starting_values_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PointwiseExplorer(**kwargs)


def test_user_arrays_set_the_starting_sizes():
    x, w = np.arange(24).reshape(2, 3, 4), np.array([[1, -1], [2, 0], [0, 3]])
    e = PointwiseExplorer(x=x, weight=w)
    assert (e.state["in_channels"], e.state["out_channels"], e.state["input_size"]) == (2, 3, (3, 4))
    assert e.controls["in_channels"].max == 2 and e.controls["height"].max == 3
    np.testing.assert_array_equal(e.state["output"], np.einsum("oc,chw->ohw", w, x))
