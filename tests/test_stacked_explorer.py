"""StackedKernelExplorer: the kernel it shows is the gradient PyTorch computes for the same
stack (the composed kernel without ReLU; an input-dependent one with ReLU)."""

import numpy as np
import pytest
import torch
from torch import nn

from convlab.explorers import StackedKernelExplorer
from convlab.receptive import gradient_map
from convlab.stacking import compose, dilate


def torch_stack(state):
    layers = []
    for n, (kernel, d) in enumerate(zip(state["kernels"], state["dilations"], strict=True)):
        conv = nn.Conv2d(1, 1, kernel.shape[0], dilation=d, bias=False)
        with torch.no_grad():
            conv.weight.copy_(torch.tensor(kernel, dtype=torch.float32)[None, None])
        layers.append(conv)
        if state["relu"] and n < len(state["kernels"]) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def signed_gradient(state, patch):
    x = torch.tensor(patch, dtype=torch.float64)[None, None].requires_grad_(True)
    torch_stack(state).double()(x)[0, 0, 0, 0].backward()
    return x.grad[0, 0].numpy()


def test_linear_stack_shows_the_composed_kernel():
    e = StackedKernelExplorer(layers=3, kernel_size=3, dilations=(1, 2, 1))
    st = e.state
    assert st["size"] == 1 + 2 * (1 + 2 + 1) and [f.size for f in st["fields"]] == [3, 7, 9]
    np.testing.assert_array_equal(st["kernel"], compose(*[dilate(k, d) for k, d in zip(st["kernels"], (1, 2, 1),
                                                                                      strict=True)]))
    grad, _ = gradient_map(torch_stack(st), st["size"], unit=(0, 0))
    np.testing.assert_allclose(np.abs(st["kernel"]), grad, atol=1e-9)
    assert "one linear map" in e.readout.value


def test_relu_stack_shows_the_gradient_for_the_input_and_it_changes_with_it():
    e = StackedKernelExplorer(layers=3, relu=True)
    kernels = set()
    for sample in range(3):
        e.controls["sample"].value = sample
        st = e.state
        patch = e._inputs[sample, : st["size"], : st["size"]]
        np.testing.assert_allclose(st["kernel"], signed_gradient(st, patch), atol=1e-9)
        kernels.add(st["kernel"].tobytes())
    assert len(kernels) > 1 and not np.allclose(e.state["kernel"], e.state["linear_kernel"])
    assert "not one convolution" in e.readout.value


def test_costs_per_channel_pair_and_for_64_channels():
    e = StackedKernelExplorer(layers=2, kernel_size=3)
    st = e.state
    assert (st["stack_weights"], st["single_weights"]) == (18, 25)
    assert st["stack_params"] == 2 * nn.Conv2d(64, 64, 3, bias=False).weight.numel()
    assert st["single_params"] == nn.Conv2d(64, 64, 5, bias=False).weight.numel()
    assert "28% saved" in e.readout.value


def test_unused_layers_and_the_sample_are_frozen():
    e = StackedKernelExplorer(layers=2, relu=False)
    assert e.controls["dilation_3"].disabled and e.controls["sample"].disabled
    e.controls["relu"].value = True
    e.controls["layers"].value = 4
    assert not e.controls["dilation_3"].disabled and not e.controls["sample"].disabled


@pytest.mark.parametrize("kwargs, match", [(dict(layers=5), "layers"), (dict(kernel_size=1), "kernel_size"),
                                           (dict(dilations=(1, 4)), "dilations"), (dict(dilations=()), "dilations"),
                                           (dict(sample=10), "sample")])
def test_bad_starting_values_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        StackedKernelExplorer(**kwargs)
