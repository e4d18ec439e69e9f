"""The code line under every explorer: `state["code"]` runs in PyTorch and gives an `out` of exactly
`state["out_shape"]`, at random settings reached by the sliders; it is shown under the picture and follows
the sliders; and building it imports no torch."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import WALKS
from torch import nn

from convlab import bench
from convlab.explorers import Explorer, Int, SlidingKernelExplorer

CODED = [cls for cls in Explorer.registry() if cls.__name__ != "FunctionExplorer"]  # a reader's own drawing: no layer


def run(code):
    space = {"torch": torch, "nn": nn, "F": F}
    with torch.no_grad():
        exec(code, space)  # noqa: S102 (the explorer's own code line, built from its state)
    return space["out"]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # PyTorch's note on a copy
@pytest.mark.parametrize("cls", CODED, ids=lambda cls: cls.__name__)
def test_the_code_runs_and_gives_the_shape_convlab_computed(cls):
    e, rng = cls.example(), np.random.default_rng(2)
    for _ in range(6 * WALKS):
        st = e.state
        assert tuple(run(st["code"]).shape) == st["out_shape"], st["code"]
        assert all(isinstance(n, int) for n in st["out_shape"])
        bench.random_change(e, rng)


def test_the_code_is_shown_under_the_picture_and_follows_the_sliders():
    e = SlidingKernelExplorer(input_size=6, kernel_size=3, stride=2, in_channels=3, out_channels=4)
    parts = list(e.widget.children)
    assert parts.index(e.code_view) == parts.index(e.canvas) + 1
    assert "nn.Conv2d(3, 4, kernel_size=3, stride=2, padding=0, dilation=1, bias=False)" in e.code_view.value
    assert "torch.randn(1, 3, 6, 6)" in e.code_view.value and "torch.Size([1, 4, 2, 2])" in e.code_view.value
    e.controls["padding"].value = 1
    assert "padding=1" in e.code_view.value and "torch.Size([1, 4, 3, 3])" in e.code_view.value


def test_an_explorer_without_code_shows_none():
    e = Explorer.from_function(lambda ax, n: ax.plot(range(n)), n=Int("n", 3, 1, 5))
    assert e.state["code"] is None and e.state["out_shape"] is None and e.code_view.value == ""


def test_building_the_code_imports_no_torch():
    """In a fresh interpreter: every explorer whose own numbers need no torch builds its code line without
    importing it (the network explorer builds its real networks with torch to count their layers)."""
    script = textwrap.dedent("""
        import sys
        from convlab.explorers import Explorer
        for cls in Explorer.registry():
            if cls.__name__ not in ("ReceptiveFieldExplorer", "FunctionExplorer"):
                assert cls.example().state["code"], cls.__name__
        print("torch" in sys.modules)
    """)
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False", found.stderr


@pytest.mark.parametrize("cls", CODED, ids=lambda cls: cls.__name__)
def test_the_code_line_is_a_small_part_of_an_update(cls):
    """Measured in the same run: building the code line and its HTML takes at most a tenth of an update."""
    from convlab.bench import _timed
    from convlab.explorers.base import code_html

    e, rng = cls.example(), np.random.default_rng(3)
    updates, codes = [], []
    for _ in range(7):
        updates.append(_timed(lambda: bench.random_change(e, rng)))  # noqa: B023 (called at once)
        codes.append(_timed(lambda: code_html(*e.code())))  # noqa: B023
    assert np.median(codes) <= 0.1 * np.median(updates), (np.median(codes), np.median(updates))


def test_the_network_explorers_code_fits_every_layer_of_the_four_networks():
    """Every main-path layer of the four networks, not only those a random walk reaches: its code line, run on
    the meta device, gives the output shape the explorer shows."""
    from convlab.explorers.networks import NETWORKS, layer_calls, network_layers

    for network in NETWORKS:
        layers = network_layers(network)
        for i, ((source, c_in, c_out), (name, _, side, _)) in enumerate(zip(layer_calls(network), layers,
                                                                              strict=True)):
            before = layers[i - 1][2] if i else 224
            layer = eval(source, {"nn": nn})  # noqa: S307 (the explorer's own source of a layer)
            out = layer.to("meta")(torch.zeros(1, c_in, before, before, device="meta"))
            assert tuple(out.shape) == (1, c_out, side, side), (network, name, source)
