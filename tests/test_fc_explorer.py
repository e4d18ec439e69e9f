"""FCEquivalenceExplorer: its NumPy classifier is the PyTorch one, and every entry of the
convolutionalized net's score map is the classifier applied to the matching crop."""

import numpy as np
import pytest
import torch
from torch import nn

from convlab.explorers import FCEquivalenceExplorer
from convlab.explorers.fully_connected import CROP, STRIDE, TinyClassifier


def as_torch(model):
    """The same network in PyTorch: conv features, flatten, two Linear layers."""
    channels = model.conv1.shape[0]
    net = nn.Sequential(nn.Conv2d(1, channels, 3, bias=False), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(channels, channels, 3, bias=False), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(channels * 49, 32), nn.ReLU(), nn.Linear(32, 10)).double()
    with torch.no_grad():
        for layer, weight in zip((net[0], net[3], net[7], net[9]), (model.conv1, model.conv2, model.fc1, model.fc2),
                                 strict=True):
            layer.weight.copy_(torch.tensor(weight))
        net[7].bias.copy_(torch.tensor(model.bias1))
        net[9].bias.copy_(torch.tensor(model.bias2))
    return net


def test_numpy_classifier_equals_pytorch():
    model, crop = TinyClassifier(6, seed=3), np.random.default_rng(0).random((CROP, CROP))
    with torch.no_grad():
        theirs = as_torch(model)(torch.tensor(crop)[None, None])[0].numpy()
    np.testing.assert_allclose(model.classify(crop), theirs, rtol=1e-10, atol=1e-12)


def test_larger_input_fails_for_the_fc_head_but_gives_a_score_map_as_convolutions():
    model, picture = TinyClassifier(4), np.random.default_rng(1).random((CROP + 2 * STRIDE,) * 2)
    with pytest.raises(RuntimeError):  # the Linear layer expects exactly 4·7·7 numbers
        as_torch(model)(torch.tensor(picture)[None, None])
    scores = model.score_map(picture)
    assert scores.shape == (10, 3, 3)
    for i in range(3):
        for j in range(3):
            crop = picture[i * STRIDE: i * STRIDE + CROP, j * STRIDE: j * STRIDE + CROP]
            np.testing.assert_allclose(scores[:, i, j], model.classify(crop), rtol=1e-10, atol=1e-12)


def test_explorer_shows_both_numbers_and_their_difference():
    e = FCEquivalenceExplorer(channels=6, input_size=50, row=3, col=1, score_class=4)
    st = e.state
    assert st["scores"].shape == (10, 5, 5) and st["crop_origin"] == (12, 4)
    with torch.no_grad():
        crop = torch.tensor(st["crop"])[None, None]
        theirs = as_torch(TinyClassifier(6))(crop)[0].numpy()
    np.testing.assert_allclose(st["conv_scores"], theirs, rtol=1e-10, atol=1e-12)
    assert st["difference"] < 1e-12
    assert f"{st['conv_scores'][4]:.12f}" in e.readout.value
    assert st["fc1_params"] == st["conv7_params"] == 32 * 6 * 49 + 32


def test_entry_sliders_follow_the_input_size():
    e = FCEquivalenceExplorer(input_size=70, row=9, col=9)
    e.controls["input_size"].value = 38
    assert e.controls["row"].max == 1 and e.state["entry"] == (1, 1)
    assert e.controls["input_size"].step == STRIDE


@pytest.mark.parametrize("kwargs, match", [(dict(input_size=40), "input_size"), (dict(input_size=74), "input_size"),
                                           (dict(channels=1), "channels"), (dict(row=5), "row"),
                                           (dict(score_class=10), "score_class")])
def test_bad_starting_values_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FCEquivalenceExplorer(**kwargs)
