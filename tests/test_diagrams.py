"""Block diagrams: every box's numbers come from the real module (shapes from a forward pass,
parameters from the layers, MACs equal to PyTorch's count), and the drawing shows them all."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from convlab import diagrams, models

CASES = {
    "Inception 3a": (lambda: models.Inception(192, 64, 96, 128, 16, 32, 32), (192, 28, 28)),
    "naive Inception": (lambda: models.Inception(192, 64, 96, 128, 16, 32, 32, reduce=False), (192, 28, 28)),
    "bottleneck, projection": (lambda: models.resnet50().layer2[0], (256, 56, 56)),
    "bottleneck, identity": (lambda: models.resnet50().layer1[1], (256, 56, 56)),
    "depthwise separable": (lambda: models.depthwise_separable(64, 128), (64, 56, 56)),
    "inverted residual": (lambda: models.mobilenet_v2().features[3], (24, 56, 56)),
}


@pytest.mark.parametrize("name", CASES)
def test_the_boxes_hold_the_modules_numbers(name):
    make, shape = CASES[name]
    module = make().eval()
    tree = diagrams.blocks(module, shape)
    boxes = tree.boxes()
    assert sum(b.params for b in boxes) == sum(p.numel() for p in module.parameters())
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = module(torch.zeros(1, *shape))
    assert sum(b.macs for b in boxes) == counter.get_total_flops() // 2
    assert boxes[0].shape == shape
    part = tree.parts[1]
    last = part.join.shape if isinstance(part, diagrams.Branches) else \
        part.shape if isinstance(part, diagrams.Residual) else part.boxes()[-1].shape
    assert last == tuple(out.shape[1:])


def test_the_inception_join_has_the_summed_channels():
    tree = diagrams.blocks(models.Inception(192, 64, 96, 128, 16, 32, 32), (192, 28, 28))
    module = tree.parts[1]
    assert isinstance(module, diagrams.Branches) and len(module.parts) == 4
    assert module.join.shape == (64 + 128 + 32 + 32, 28, 28)


def test_shortcuts_are_read_from_the_block():
    projection = diagrams.blocks(models.resnet50().layer2[0], (256, 56, 56)).parts[1]
    assert isinstance(projection, diagrams.Residual) and projection.after == "ReLU"
    assert [b.label for b in projection.shortcut.boxes()] == ["1×1 conv, 256→512, stride 2 · BN"]
    inverted = diagrams.blocks(models.mobilenet_v2().features[3], (24, 56, 56)).parts[1]
    assert inverted.shortcut.label == "identity" and inverted.after is None
    labels = [b.label for b in inverted.main.boxes()]
    assert labels == ["1×1 conv, 24→144 · BN · ReLU6", "3×3 depthwise, 144→144 · BN · ReLU6", "1×1 conv, 144→24 · BN"]
    no_sum = diagrams.blocks(models.mobilenet_v2().features[2], (16, 112, 112)).parts[1]
    assert isinstance(no_sum, diagrams.Row)  # stride 2: no shortcut, a plain row


def test_the_drawing_shows_every_box_and_the_totals():
    module = models.Inception(192, 64, 96, 128, 16, 32, 32)
    fig = diagrams.block_diagram(module, (192, 28, 28), title="Inception 3a")
    texts = [t.get_text() for t in fig.axes[0].texts]
    for box in diagrams.blocks(module, (192, 28, 28)).boxes():
        assert box.label in texts
    params = sum(p.numel() for p in module.parameters())
    assert any(t.startswith(f"Inception 3a: {params:,} params") for t in texts)


@pytest.mark.parametrize("name", CASES)
def test_a_module_built_on_meta_gives_the_same_boxes(name):
    """Diagrams need only shapes: a module built on the meta device (no weights) draws the same boxes."""
    make, shape = CASES[name]
    with torch.device("meta"):
        meta = make()
    fields = [(box.label, box.shape, box.params, box.macs) for box in diagrams.blocks(meta, shape).boxes()]
    assert fields == [(box.label, box.shape, box.params, box.macs) for box in diagrams.blocks(make(), shape).boxes()]
