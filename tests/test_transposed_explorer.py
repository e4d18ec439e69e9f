"""The transposed-convolution explorer: its numbers are PyTorch's in every view, its sliders stop
where PyTorch would refuse, and its overlap counts show the checkerboard (or holes) exactly when
the kernel size is not a multiple of the stride."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convlab.explorers import TransposedConvExplorer
from convlab.explorers.controls import every_value


def torch_output(st):
    x = torch.tensor(st["x"], dtype=torch.float64)[None, None]
    weight = torch.tensor(st["weight"], dtype=torch.float64)[None, None]
    return F.conv_transpose2d(x, weight, stride=st["stride"], padding=st["padding"],
                              output_padding=st["output_padding"], dilation=st["dilation"])[0, 0].numpy()


SETTINGS = list(itertools.product((1, 3), (1, 2, 3), (1, 2, 3), (0, 1, 2), (1, 2)))


@pytest.mark.parametrize("input_size, kernel_size, stride, padding, dilation", SETTINGS)
def test_every_view_shows_pytorchs_numbers(input_size, kernel_size, stride, padding, dilation):
    e = TransposedConvExplorer(input_size=input_size, kernel_size=kernel_size, stride=stride, dilation=dilation)
    e.controls["padding"].value = padding  # the slider stops where the output would vanish
    st = e.state
    np.testing.assert_array_equal(st["output"], torch_output(st))
    np.testing.assert_array_equal(st["via_zeros"], st["output"])  # zeros inserted, flipped kernel: the same
    assert st["output"].shape == (st["output_size"],) * 2
    assert st["forward_size"] == input_size  # Conv2d with the same arguments maps the shape back
    m, p = st["output_size"], st["padding"]
    np.testing.assert_array_equal(st["full"][p:p + m, p:p + m], st["output"])  # cropping the stamps


def test_output_padding_and_padding_stop_where_pytorch_would_refuse():
    e = TransposedConvExplorer(input_size=1, kernel_size=1, stride=1, dilation=1)
    assert e.controls["output_padding"].max == 0 and e.controls["padding"].max == 0
    e.controls["stride"].value = 3
    assert e.controls["output_padding"].max == 2  # smaller than the stride
    for stride, dilation in itertools.product(every_value(e.controls["stride"]), every_value(e.controls["dilation"])):
        e.set_values({"stride": stride, "dilation": dilation})
        for name in ("output_padding", "padding"):  # every value each slider then offers is one PyTorch takes
            for value in every_value(e.controls[name]):
                e.controls[name].value = value
                st = e.state
                assert st["output_padding"] < max(stride, dilation) and st["output_size"] >= 1
                np.testing.assert_array_equal(st["output"], torch_output(st))


@pytest.mark.parametrize("kernel_size, stride, even", [(3, 2, False), (4, 2, True), (3, 3, True), (3, 1, True),
                                                      (2, 3, False)])
def test_the_overlap_counts_are_even_exactly_when_the_stride_divides_the_kernel(kernel_size, stride, even):
    e = TransposedConvExplorer(input_size=4, kernel_size=kernel_size, stride=stride)
    counts, edge = e.state["counts"], kernel_size - 1
    inner = counts[edge:len(counts) - edge, edge:len(counts) - edge]  # where every stamp that can reach has
    assert (inner.min() == inner.max()) == even, counts
    assert ("uneven" in " ".join(e.describe())) != (e.state["overlaps"][0] == e.state["overlaps"][1])


def test_the_readout_fills_in_the_output_size_formula():
    e = TransposedConvExplorer(input_size=3, kernel_size=4, stride=2, padding=1, output_padding=1)
    assert "(3 − 1)·2 − 2·1 + 1·(4 − 1) + 1 + 1 = <b>7</b>" in e.describe()[0]
    e.controls["view"].value = "forward conv"
    assert "not an inverse" in e.describe()[-1]


def test_forward_conv_says_so_when_output_padding_is_not_below_the_stride():
    """PyTorch allows output_padding < max(stride, dilation): at stride 1 and dilation 2 an output_padding of 1
    makes an output that Conv2d with the same arguments maps to a larger size, not back to the input's."""
    e = TransposedConvExplorer(input_size=4, kernel_size=3, stride=1, dilation=2)
    e.controls["view"].value = "forward conv"
    e.controls["output_padding"].value = 1
    st = e.state
    assert st["output_padding"] == 1 and not e.errors.outputs
    np.testing.assert_array_equal(st["output"], torch_output(st))
    forward = F.conv2d(torch.zeros(1, 1, *st["output"].shape), torch.zeros(1, 1, 3, 3), dilation=2).shape[-1]
    assert st["forward_size"] == forward == 5
    m = st["output_size"]
    assert m == 9 and f"maps {m}×{m} to 5×5, not back to 4×4" in e.readout.value
