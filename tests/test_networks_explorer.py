"""ReceptiveFieldExplorer: the layers, output sizes and receptive fields it shows are those of
convlab.models' networks (as PyTorch runs them), and the unit's field sits where the
recurrence puts it."""

import numpy as np
import pytest
import torch
from torch import nn

from convlab import models
from convlab.explorers import ReceptiveFieldExplorer
from convlab.explorers.networks import NETWORKS, network_layers
from convlab.receptive import coverage, receptive_field


@pytest.mark.parametrize("network", list(NETWORKS))
def test_layers_sizes_and_fields_are_the_networks(network):
    with torch.device("meta"):
        model = models.MODELS[NETWORKS[network]]()
    named = models.named_layers(model)
    layers = network_layers(network)
    assert [name for name, *_ in layers] == [name for name, _ in named]
    assert [f for *_, f in layers] == receptive_field(models.spatial_layers(model))
    for i in (0, len(named) // 2, len(named) - 1):  # output sides, by running the main path on the meta device
        out = nn.Sequential(*[m for _, m in named[: i + 1]])(torch.empty(1, 3, 224, 224, device="meta"))
        assert out.shape[-1] == layers[i][2]


def test_the_unit_and_its_field():
    e = ReceptiveFieldExplorer(network="AlexNet", layer=4, row=0, col=2)
    st = e.state
    f = st["field"]
    assert st["centre"] == (f.start, f.start + 2 * f.jump)
    assert st["box"] == (f.start - (f.size - 1) / 2, f.start + 2 * f.jump - (f.size - 1) / 2)
    rows = np.clip([st["box"][0], st["box"][0] + f.size], 0, 224)
    cols = np.clip([st["box"][1], st["box"][1] + f.size], 0, 224)
    assert st["inside"] == pytest.approx(np.ptp(rows) * np.ptp(cols) / f.size ** 2)
    np.testing.assert_array_equal(st["paths"], coverage([g for _, g, _, _ in network_layers("AlexNet")[:5]]))
    assert st["spread"] < st["uniform_spread"]
    assert f"receptive field <b>{f.size}×{f.size}</b>" in e.readout.value


def test_changing_the_layer_keeps_the_box_where_it_was():
    e = ReceptiveFieldExplorer(network="ResNet-50")
    before = e.state["centre"]
    e.controls["layer"].value = 10
    jump = e.state["field"].jump
    assert all(abs(a - b) <= jump / 2 for a, b in zip(e.state["centre"], before, strict=True))
    e.controls["network"].value = "MobileNetV2"
    assert e.controls["layer"].max == len(network_layers("MobileNetV2")) - 1
    assert e.state["unit"][0] <= e.controls["row"].max


@pytest.mark.parametrize("kwargs, match", [(dict(network="LeNet"), "network"), (dict(layer=99), "layer"),
                                           (dict(layer=0, row=55), "row")])
def test_bad_starting_values_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ReceptiveFieldExplorer(**kwargs)
