"""convlab.models: parameter totals against the published ones, forward shapes, the module names
users rely on, and receptive fields by the formula checked against the gradients of the networks."""

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from convlab import costs, models
from convlab.arithmetic import conv_output_size
from convlab.models import MODELS, PUBLISHED_PARAMETERS, Bottleneck, InvertedResidual, named_layers, spatial_layers
from convlab.receptive import gradient_map, layer_geometry, receptive_field


@pytest.fixture(scope="module")
def built():
    """built(name): the model with 1000 classes in eval mode, built once for this file (not to be changed)."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = MODELS[name]().eval()
        return cache[name]

    return get


def test_the_tables_name_the_same_four_models():
    assert list(MODELS) == list(PUBLISHED_PARAMETERS) == ["alexnet", "vgg16", "resnet50", "mobilenet_v2"]


@pytest.mark.parametrize("name", list(MODELS))
def test_parameter_count_is_the_published_total(name, built):
    assert sum(p.numel() for p in built(name).parameters()) == PUBLISHED_PARAMETERS[name]


@pytest.mark.parametrize("name", list(MODELS))
def test_one_image_gives_one_score_per_class(name, built):
    image = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert built(name)(image).shape == (1, 1000)
        assert MODELS[name](num_classes=10).eval()(image).shape == (1, 10)


def test_each_call_builds_a_fresh_model():
    first, second = MODELS["mobilenet_v2"](), MODELS["mobilenet_v2"]()
    assert not torch.equal(first.features[0][0].weight, second.features[0][0].weight)


# --- the names and shapes users rely on --------------------------------------------------------------


def test_alexnet_layout(built):
    net = built("alexnet")
    conv1 = net.features[0]
    assert (conv1.kernel_size, conv1.stride, conv1.padding, conv1.out_channels) == ((11, 11), (4, 4), (2, 2), 64)
    assert [m.out_channels for m in net.features if isinstance(m, nn.Conv2d)] == [64, 192, 384, 256, 256]
    assert len(net.features) == 13 and net.avgpool.output_size == (6, 6)
    assert net.classifier[1].in_features == 256 * 6 * 6 and net.classifier[-1].out_features == 1000


def test_vgg16_layout(built):
    net = built("vgg16")
    convs = [m for m in net.features if isinstance(m, nn.Conv2d)]
    pools = [m for m in net.features if isinstance(m, nn.MaxPool2d)]
    assert len(convs) == 13 and len(pools) == 5 and len(net.features) == 31
    assert all(c.kernel_size == (3, 3) and c.padding == (1, 1) for c in convs)
    assert [c.out_channels for c in convs] == [64] * 2 + [128] * 2 + [256] * 3 + [512] * 6
    assert net.classifier[0].in_features == 512 * 7 * 7 and net.classifier[-1].out_features == 1000


def test_resnet50_layout(built):
    net = built("resnet50")
    assert [len(stage) for stage in (net.layer1, net.layer2, net.layer3, net.layer4)] == [3, 4, 6, 3]
    assert all(isinstance(block, Bottleneck) for block in net.layer3)
    assert net.layer3[0].conv2.stride == (2, 2) and net.layer3[0].conv1.stride == (1, 1)  # v1.5: stride on the 3×3
    assert net.layer3[0].downsample[0].stride == (2, 2) and net.layer3[1].downsample is None
    assert net.layer1[0].downsample[0].stride == (1, 1)  # 64 → 256 channels: a shortcut conv, but no stride
    assert net.conv1.bias is None and all(m.bias is None for m in net.modules() if isinstance(m, nn.Conv2d))
    assert net.layer4[-1].conv3.out_channels == net.fc.in_features == 2048


def test_resnet50_v1_puts_the_stride_on_the_first_1x1():
    """The 2015 paper's layout: same parameters, the larger receptive field of the published tables
    (483, not 427), and fewer MACs (the first 1×1 of each downsampling block runs on the smaller map)."""
    with torch.device("meta"):
        v1, v15 = models.resnet50(stride_on="1x1"), models.resnet50()
    assert v1.layer3[0].conv1.stride == (2, 2) and v1.layer3[0].conv2.stride == (1, 1)
    assert sum(p.numel() for p in v1.parameters()) == sum(p.numel() for p in v15.parameters())
    assert [receptive_field(spatial_layers(m))[-1].size for m in (v1, v15)] == [483, 427]
    saved = sum(conv_macs_at(block.conv1, side) for block, side in
                ((v15.layer2[0], 56), (v15.layer3[0], 28), (v15.layer4[0], 14))) * 3 // 4  # 1×1 at ½ the side: ¼ MACs
    assert macs(v15) - macs(v1) == saved
    with pytest.raises(ValueError, match="stride_on must be '3x3'.*got '2x2'"):
        models.resnet50(stride_on="2x2")


def conv_macs_at(conv, side):
    return conv.in_channels * conv.out_channels * side * side  # a 1×1 convolution, stride 1


def macs(model):
    return costs.measure(model, (3, 224, 224), device="meta").macs


def test_alexnet_of_the_2012_paper():
    with torch.device("meta"):
        paper = models.alexnet(two_gpu=True)
    convs = [m for m in paper.features if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [96, 256, 384, 384, 256]
    assert [c.groups for c in convs] == [1, 2, 1, 2, 2]
    assert sum(p.numel() for p in paper.parameters()) == 60_965_224
    assert receptive_field(spatial_layers(paper))[-1] == receptive_field(spatial_layers(models.alexnet()))[-1]


def test_inception_3a_and_the_separable_block():
    module = models.Inception(192, 64, 96, 128, 16, 32, 32)
    naive = models.Inception(192, 64, 96, 128, 16, 32, 32, reduce=False)
    with torch.no_grad():
        x = torch.rand(1, 192, 28, 28)
        assert module(x).shape == (1, 256, 28, 28) and naive(x).shape == (1, 64 + 128 + 32 + 192, 28, 28)
    block = models.depthwise_separable(32, 64, stride=2)
    assert block[0].groups == 32 and block[3].kernel_size == (1, 1)
    assert block(torch.rand(1, 32, 16, 16)).shape == (1, 64, 8, 8)


def test_mobilenet_v2_layout(built):
    net = built("mobilenet_v2")
    assert len(net.features) == 19  # first conv, 17 inverted residuals, last 1×1 conv
    blocks = list(net.features)[1:-1]
    assert all(isinstance(block, InvertedResidual) for block in blocks)
    assert [b.conv[-1].num_features for b in blocks] == [16] + [24] * 2 + [32] * 3 + [64] * 4 + [96] * 3 + [160] * 3 + [
        320]
    first, repeated = net.features[1], net.features[3]
    assert not first.use_res_connect and len(first.conv) == 3  # t = 1: no expansion, and 32 → 16 channels
    assert repeated.use_res_connect and len(repeated.conv) == 4  # 24 → 24 at stride 1
    depthwise = repeated.conv[1][0]
    assert depthwise.groups == depthwise.in_channels == depthwise.out_channels == 24 * 6
    assert net.features[-1][0].out_channels == 1280 and net.classifier[0].p == 0.2


def test_shortcuts_are_added_in_forward(built):
    """With the last batch norm of the main path set to zero, a block passes on only its shortcut."""
    x = torch.randn(1, 256, 8, 8, generator=torch.Generator().manual_seed(0))
    block = copy.deepcopy(built("resnet50").layer1[1])
    nn.init.zeros_(block.bn3.weight)
    with torch.no_grad():
        torch.testing.assert_close(block(x), torch.relu(x))
        inverted = copy.deepcopy(built("mobilenet_v2").features[3])
        torch.testing.assert_close(inverted(x[:, :24]) - x[:, :24], inverted.conv(x[:, :24]))


def test_main_paths_list_the_layers_in_forward_order(built):
    block = built("resnet50").layer2[0]
    assert [m for m in block.main_path if isinstance(m, nn.Conv2d)] == [block.conv1, block.conv2, block.conv3]
    assert receptive_field([block]) == receptive_field([(1, 1, 0, 1), (3, 2, 1, 1), (1, 1, 0, 1)])
    inverted = built("mobilenet_v2").features[2]
    assert receptive_field([inverted]) == receptive_field([(1, 1, 0, 1), (3, 2, 1, 1), (1, 1, 0, 1)])


# --- receptive fields -------------------------------------------------------------------------------


@pytest.mark.parametrize("name, layers_with_a_field", [("alexnet", 8), ("vgg16", 18), ("resnet50", 2 + 16 * 3),
                                                        ("mobilenet_v2", 1 + 2 + 16 * 3 + 1)])
def test_receptive_field_of_the_whole_network_has_jump_32(name, layers_with_a_field, built):
    fields = receptive_field(spatial_layers(built(name)))
    assert len(fields) == layers_with_a_field  # one per conv or pool, along the main paths
    assert fields[-1].jump == 32


def test_spatial_layers_refuses_other_models():
    with pytest.raises(TypeError, match="model must be one of .* got a Linear"):
        spatial_layers(nn.Linear(2, 2))


def cut_points(name, model):
    """The modules of `model` one can cut the network after, in order: the spatial layers, with
    ResNet's stages opened up into their blocks."""
    units = spatial_layers(model)
    if name == "resnet50":
        units = units[:4] + [block for stage in units[4:] for block in stage]
    return units


def linear_and_positive(net):
    """A copy of `net` whose input gradient shows only geometry: every conv an average (positive
    weights, no bias), max-pools replaced by average pools of the same shape, no ReLU, batch norm in
    eval mode with its default statistics (a positive scale). No weight is zero and nothing
    cancels, so an input pixel has a non-zero gradient exactly when some path leads to it."""
    net = copy.deepcopy(net).eval().requires_grad_(False)
    for parent in list(net.modules()):
        for name, child in parent.named_children():
            if isinstance(child, (nn.ReLU, nn.ReLU6)):
                setattr(parent, name, nn.Identity())
            elif isinstance(child, nn.MaxPool2d):
                setattr(parent, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding, child.ceil_mode))
            elif isinstance(child, nn.Conv2d):
                nn.init.constant_(child.weight, 1 / child.weight[0].numel())
                if child.bias is not None:
                    nn.init.zeros_(child.bias)
    return net


def output_size(net, size):
    """The spatial output size of `net` on a size × size input (residual adds keep the main path's size)."""
    for (k, _), (s, _), (p, _), (d, _) in layer_geometry(net):
        size = conv_output_size(size, k, stride=s, padding=p, dilation=d)
    return size


def unit_inside(net, field):
    """An input size, and an output unit whose whole receptive field lies inside that input (and so
    does its right-hand neighbour's)."""
    half = (field.size - 1) / 2
    unit = max(0, math.ceil((half - field.start) / field.jump))
    size = int(field.start + (unit + 1) * field.jump + half) + 1
    while output_size(net, size) <= unit + 1:
        size += 1
    return size, unit


# how far along each network the gradients are checked (how many cut points): AlexNet to the end,
# VGG-16 its first three blocks, ResNet-50 its stem, layer1 and layer2, MobileNetV2 up to its first
# block at jump 32 (further on, the inputs needed to hold a whole field make the test slow)
CUTS = {"alexnet": 13, "vgg16": 17, "resnet50": 11, "mobilenet_v2": 15}


@pytest.mark.parametrize("name", list(MODELS))
def test_receptive_field_formula_matches_the_gradient(name, built, one_torch_thread):
    """For each cut of the network, the input pixels that reach one output unit (measured by its
    gradient) form exactly the square of the formula's size, centred at start + unit·jump, and the
    neighbouring unit's square sits one jump further on.

    Residual blocks add a second path, the shortcut, which the formula leaves out. Its field lies
    inside the main path's: the shortcut (identity, or a 1×1 conv with the block's stride) reads the
    block's input at the same centre as the main path, whose centred 3×3 conv (padding 1) reaches
    one block-input unit further on every side. With positive weights nothing cancels, so the
    gradient's support is the union of both fields, which is the main path's field.
    """
    units = cut_points(name, built(name))
    checked = 0
    for cut in range(CUTS[name]):
        if not layer_geometry(units[cut]):
            continue  # a ReLU or batch norm: the field is that of the layer before
        net = linear_and_positive(nn.Sequential(*units[: cut + 1]))
        field = receptive_field(net)[-1]
        size, unit = unit_inside(net, field)
        grad, _ = gradient_map(net, size, unit=(unit, unit + 1), channels=3)
        rows, cols = np.nonzero(grad)
        top = field.start + unit * field.jump - (field.size - 1) / 2
        where = f"{name} cut after {cut} ({type(units[cut]).__name__}), {field}, input {size}, unit {unit}"
        assert (rows.min(), rows.max() + 1) == (top, top + field.size), where
        assert (cols.min(), cols.max() + 1) == (top + field.jump, top + field.jump + field.size), where
        assert len(rows) == field.size ** 2, where  # a full square: no holes inside the field
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("name", list(MODELS))
def test_named_layers_line_up_with_the_receptive_fields(name):
    with torch.device("meta"):  # shapes only: nothing to allocate
        model = MODELS[name]()
    named = named_layers(model)
    assert len(named) == len(receptive_field(spatial_layers(model)))
    assert all(dict(model.named_modules())[n] is module for n, module in named)
