"""DilationExplorer: the taps, output size and coverage map it shows are what PyTorch
computes for the same dilated convolutions."""

import numpy as np
import pytest
import torch
from torch import nn

from convlab.explorers import DilationExplorer
from convlab.receptive import coverage, gradient_map


def ones_conv(k, d, p):
    conv = nn.Conv2d(1, 1, k, dilation=d, padding=p, bias=False)
    nn.init.ones_(conv.weight)
    return conv


def test_the_taps_are_the_pixels_pytorch_reads():
    e = DilationExplorer(input_size=9, kernel_size=3, dilation=2, padding=1)
    e.controls["position"].value = 3 * e.state["output_size"] + 4
    st = e.state
    conv = ones_conv(3, 2, 1)
    with torch.no_grad():
        assert conv(torch.zeros(1, 1, 9, 9)).shape[-1] == st["output_size"] == 7
    grad, _ = gradient_map(conv, 9, unit=st["position"])
    read = {(r + 1, c + 1) for r, c in np.argwhere(grad > 0)}  # in padded coordinates
    inside = {(r, c) for r, c in st["taps"] if 1 <= r <= 9 and 1 <= c <= 9}
    assert read == inside and len(st["taps"]) == 9
    assert st["effective_kernel_size"] == 5


def test_seven_by_seven_input_three_by_three_kernel_dilation_two_gives_three_by_three():
    e = DilationExplorer(input_size=7, kernel_size=3, dilation=2)
    assert e.state["output_size"] == 3
    assert "= <b>5</b>" in e.readout.value and "= <b>3</b>" in e.readout.value


def test_stack_coverage_and_receptive_field_match_gradients():
    e = DilationExplorer(dilations=(1, 2, 4))
    st = e.state
    assert [f.size for f in st["fields"]] == [3, 7, 15] and st["holes"] == 0
    net = nn.Sequential(ones_conv(3, 1, 0), ones_conv(3, 2, 0), ones_conv(3, 4, 0))
    grad, _ = gradient_map(net, 15, unit=(0, 0))
    np.testing.assert_array_equal(grad, st["coverage"])
    assert "no holes" in e.readout.value


def test_gridding_is_shown_and_explained():
    e = DilationExplorer(dilations=(2, 2, 2))
    assert e.state["common_factor"] == 2 and e.state["holes"] == 13 * 13 - 7 * 7
    assert "share the factor 2" in e.readout.value
    e.controls["dilation_1"].value = 1
    e.controls["dilation_3"].value = 5
    assert e.state["dilations"] == (1, 2, 5) and e.state["holes"] == 0
    np.testing.assert_array_equal(e.state["coverage"], coverage([(3, 1, 0, d) for d in (1, 2, 5)]))


def test_layers_not_in_the_stack_are_frozen():
    e = DilationExplorer(dilations=(1, 2, 4))
    e.controls["layers"].value = 1
    assert e.state["dilations"] == (1,) and [f.size for f in e.state["fields"]] == [3]
    frozen = e.controls["dilation_3"]
    assert frozen.disabled and frozen.min == frozen.max == 4
    e.controls["layers"].value = 3
    assert not frozen.disabled and e.state["dilations"] == (1, 2, 4)


def test_ranges_keep_the_dilated_kernel_inside_the_padded_input():
    e = DilationExplorer(input_size=5, kernel_size=3, dilation=1, padding=0)
    assert e.controls["dilation"].max == 2  # 3 taps at dilation 3 would span 7 > 5
    e.controls["padding"].value = 1
    assert e.controls["dilation"].max == 3
    e.controls["dilation"].value = 3
    assert e.controls["padding"].min == 1 and e.controls["input_size"].min == 5


@pytest.mark.parametrize("kwargs, match", [(dict(dilation=0), "dilation"), (dict(input_size=3, dilation=3), "kernel"),
                                           (dict(dilations=()), "dilations"), (dict(dilations=(1, 9)), "dilations"),
                                           (dict(layers=4), "layers"), (dict(padding=-1), "padding")])
def test_bad_starting_values_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DilationExplorer(**kwargs)


def test_input_kernel_and_output_are_what_pytorch_computes():
    """The picture shows input ∗ kernel = output; the kernel has no zero weights, so its gaps
    cannot be confused with zeros, and the readout's multiply–add is PyTorch's number."""
    e = DilationExplorer(input_size=9, kernel_size=3, dilation=2, padding=2)
    e.controls["position"].value = 2 * e.state["output_size"] + 3
    st = e.state
    assert (st["weight"] != 0).all()
    conv = nn.functional.conv2d(torch.tensor(st["x"], dtype=torch.float64)[None, None],
                                torch.tensor(st["weight"], dtype=torch.float64)[None, None], padding=2, dilation=2)
    np.testing.assert_array_equal(st["output"], conv[0, 0].numpy())
    assert st["value"] == conv[0, 0, 2, 3] and f"= <b>{st['value']:g}</b>" in e.readout.value
