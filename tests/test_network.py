"""convlab.network.summary: shapes, parameters, MACs (against FlopCounterMode) and receptive fields
along the graph, checked against the input gradients of the networks cut after a layer: the four
reference networks, branches, Inception, a small U-Net, upsampling, random branched networks;
and the refusals (different jumps at a merge, a forward torch.fx and the hooks cannot follow)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convlab import models
from convlab.arithmetic import conv_macs, conv_output_size
from convlab.network import summary
from convlab.receptive import RF, field_step, gradient_map, receptive_field

# --- helpers: a network cut after a layer, with weights that show only geometry ----------------------


def cut(graph_module, node_name):
    """The graph of `graph_module` up to and including the node `node_name`, returning its value
    summed over the channels (a field covers them all), as a CPU module whose input gradient is
    non-zero exactly where a path leads (nothing cancels): every weight positive, biases zero,
    batch norm at its defaults in eval mode, no ReLU, and max-pools (modules, functions, adaptive)
    turned into average pools of the same shape (a max passes the gradient to one pixel)."""
    graph, copies = torch.fx.Graph(), {}
    for node in graph_module.graph.nodes:
        copies[node] = graph.node_copy(node, copies.__getitem__)
        if node.target is F.max_pool2d:
            assert len(node.args) < 5 and node.kwargs.get("dilation", 1) == 1  # avg_pool2d has no dilation
            copies[node].target = F.avg_pool2d
            copies[node].kwargs = {k: v for k, v in node.kwargs.items() if k in ("stride", "padding", "ceil_mode")}
        if node.name == node_name:
            break
    graph.output(graph.call_method("sum", (copies[node], 1), {"keepdim": True}))
    net = torch.fx.GraphModule(graph_module, graph).to_empty(device="cpu").requires_grad_(False)
    for name, param in net.named_parameters():  # those of functions (F.conv2d) too
        nn.init.constant_(param, 0 if name.endswith("bias") else 1 / param[0].numel())
    for parent in list(net.modules()):
        for name, child in parent.named_children():
            if isinstance(child, (nn.ReLU, nn.ReLU6)):
                setattr(parent, name, nn.Identity())
            elif isinstance(child, nn.MaxPool2d):
                setattr(parent, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding, child.ceil_mode))
            elif isinstance(child, nn.AdaptiveMaxPool2d):
                setattr(parent, name, nn.AdaptiveAvgPool2d(child.output_size))
            elif isinstance(child, nn.BatchNorm2d):
                child.reset_parameters()
                child.reset_running_stats()
    return net.eval()


def call_nodes(model, s):
    """The fx nodes of `model` that summary `s` made its rows from, in the same order (the calls
    whose module path, or node name for a function, is the row's name; others, such as x.size(0)
    or picking one output of several, make no row)."""
    nodes = (n for n in torch.fx.symbolic_trace(model).graph.nodes if n.op.startswith("call"))
    return [next(n for n in nodes if (n.target if n.op == "call_module" else n.name) == row["name"])
            for row in s.rows]


def assert_gradient_fields(model, input_size, checks):
    """For each (row, units) in `checks`, the input pixels that reach each unit of that row's
    output (its gradient with the network cut there) span exactly the rows and columns
    `Summary.field` gives; every field checked lies inside the input."""
    s = summary(model, input_size)
    graph_module, nodes = torch.fx.symbolic_trace(model), call_nodes(model, s)
    (channels, height, width), checked = input_size, 0
    for row, units in checks:
        net = cut(graph_module, nodes[row].name)
        for unit in units:
            (top, bottom), (left, right) = s.field(row, unit)
            where = f"row {row} ({s.rows[row]['name']}, {s.rows[row]['rf']}), unit {unit}, input {input_size}"
            assert 0 <= top <= bottom < height and 0 <= left <= right < width, where
            grad, _ = gradient_map(net, (height, width), unit=unit, channels=channels)
            rows, cols = np.nonzero(grad)
            assert (rows.min(), rows.max(), cols.min(), cols.max()) == (top, bottom, left, right), where
            checked += 1
    return checked


def first_inside(rf):
    """The first unit whose whole (uniform) field lies right of the input's left edge."""
    return max(0, math.ceil(((rf.size - 1) / 2 - rf.start) / rf.jump))


@pytest.fixture(scope="module")
def meta_model():
    """meta_model(name): the reference network built on the meta device (no weights), once per file."""
    cache = {}

    def get(name):
        if name not in cache:
            with torch.device("meta"):
                cache[name] = models.MODELS[name]()
        return cache[name]

    return get


def flop_counter_macs(model, input_shape, device="meta"):
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(input_shape, device=device))
    return counter.get_total_flops() // 2


# --- a plain chain: every number by hand ------------------------------------------------------------


def test_a_chain_gives_one_row_per_layer_with_its_numbers():
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, stride=2),
                        nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
    s = summary(net, (3, 32, 32))
    assert [(r["name"], r["type"], r["output_shape"]) for r in s.rows] == [
        ("0", "Conv2d", (1, 8, 32, 32)), ("1", "ReLU", (1, 8, 32, 32)), ("2", "MaxPool2d", (1, 8, 16, 16)),
        ("3", "Conv2d", (1, 16, 7, 7)), ("4", "Flatten", (1, 784)), ("5", "Linear", (1, 10))]
    assert [r["params"] for r in s.rows] == [3 * 8 * 9 + 8, 0, 0, 8 * 16 * 9 + 16, 0, 784 * 10 + 10]
    assert [r["macs"] for r in s.rows] == [conv_macs(3, 8, 3, 32), 0, 0, conv_macs(8, 16, 3, 7), 0, 7840]
    fields = receptive_field([net[0], net[2], net[3]])
    assert [r["rf"] for r in s.rows] == [fields[0], fields[0], fields[1], fields[2], None, None]
    assert s.total_params == sum(p.numel() for p in net.parameters()) == sum(r["params"] for r in s.rows)
    assert s.total_macs == sum(r["macs"] for r in s.rows) == flop_counter_macs(net.to("meta"), (1, 3, 32, 32))


def test_a_batch_keeps_its_axis_and_multiplies_the_macs():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.ConvTranspose2d(4, 2, 3, stride=2), nn.Flatten(),
                        nn.Linear(2 * 13 * 13, 5))
    one, four = summary(net, (3, 8, 8)), summary(net, (4, 3, 8, 8))
    assert [r["output_shape"][0] for r in four.rows] == [4] * 5 and four.rows[2]["output_shape"] == (4, 2, 13, 13)
    assert [4 * r["macs"] for r in one.rows] == [r["macs"] for r in four.rows]
    assert four.total_macs == flop_counter_macs(net.to("meta"), (4, 3, 8, 8)) and four.rows[4]["macs"] == 4 * 338 * 5


def test_the_models_modes_and_weights_stay_as_they_were():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout()).train()
    net[2].eval()
    weights = net[0].weight.clone()
    s = summary(net, (1, 5, 5))
    assert [m.training for m in net.modules()] == [True, True, True, False]
    assert net[0].weight.device.type == "cpu" and torch.equal(net[0].weight, weights)
    assert net[1].num_batches_tracked == 0 and s.rows[1]["rf"] == RF(3, 1, 1.0)


def test_one_layer_on_its_own_is_a_table_of_one_row():
    s = summary(nn.Conv2d(1, 1, 3, stride=2), (1, 9, 9))
    assert [(r["name"], r["type"], r["rf"]) for r in s.rows] == [("Conv2d", "Conv2d", RF(3, 2, 1.0))]
    assert s.field(0, (1, 2)) == ((2, 4), (4, 6)) and s.field("Conv2d", (0, 0)) == ((0, 2), (0, 2))


def test_rectangular_layers_give_pairs():
    s = summary(nn.Sequential(nn.Conv2d(1, 1, (3, 5), stride=(1, 2), padding=(1, 0))), (1, 9, 9))
    assert s.rows[0]["rf"] == RF((3, 5), (1, 2), (0.0, 2.0)) == receptive_field([((3, 5), (1, 2), (1, 0), 1)])[0]


layer = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3))


@settings(max_examples=40)
@given(st.lists(layer, min_size=1, max_size=5))
def test_a_chain_has_the_fields_of_receptive_field(layers):
    """The recurrence on a Sequential, row by row (on the meta device: any size fits)."""
    with torch.device("meta"):
        net = nn.Sequential(*(nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d) for k, s, p, d in layers))
    assert [r["rf"] for r in summary(net, (1, 4000, 4000)).rows] == receptive_field(layers)


def test_field_step_is_one_layer_of_the_recurrence():
    assert field_step(1, 1, 0, 11, 4, 2, 1) == (11, 4, 6)  # AlexNet's first layer: start 3
    assert field_step(11, 4, 6, 3, 2, 0, 1) == (19, 8, 14)  # then its pooling: start 7
    assert field_step(5, 2, 2, 3, 1, 4, 4) == (21, 2, 2 + (8 - 8) * 2)
    assert receptive_field([(11, 4, 2, 1), (3, 2, 0, 1)]) == [RF(11, 4, 3.0), RF(19, 8, 7.0)]


# --- the reference networks ------------------------------------------------------------------------


@pytest.mark.parametrize("name, field", [("alexnet", 195), ("vgg16", 212), ("resnet50", 427),
                                         ("mobilenet_v2", 491)])
def test_the_reference_networks_fields_parameters_and_macs(name, field, meta_model):
    model = meta_model(name)
    s = summary(model, (3, 224, 224))
    spatial = [r["rf"] for r in s.rows if r["rf"] is not None]
    assert spatial[-1].size == field and spatial[-1].jump == 32
    assert s.rows[-1]["rf"] is None and s.rows[-1]["type"] == "Linear" and s.rows[-1]["output_shape"] == (1, 1000)
    assert s.total_params == sum(p.numel() for p in model.parameters()) == models.PUBLISHED_PARAMETERS[name]
    assert sum(r["params"] for r in s.rows) == s.total_params
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, 224, 224, device="meta"))
    assert 2 * s.total_macs == counter.get_total_flops()  # FLOPs = 2·MACs
    # the conv and pool layers of the main path have the fields of convlab.receptive's recurrence
    first = {}
    for row in s.rows:
        first.setdefault(row["name"], row["rf"])
    assert [first[n] for n, _ in models.named_layers(model)] == receptive_field(models.spatial_layers(model))


def test_resnet50_rows_name_its_modules_and_its_additions(meta_model):
    s = summary(meta_model("resnet50"), (3, 224, 224))
    names = [r["name"] for r in s.rows]
    assert names[:5] == ["conv1", "bn1", "relu", "maxpool", "layer1.0.conv1"]
    assert names[names.index("layer1.0.bn3"):][:4] == ["layer1.0.bn3", "layer1.0.downsample.0",
                                                        "layer1.0.downsample.1", "add"]
    add = s.rows[names.index("add")]
    assert add["type"] == "add" and add["output_shape"] == (1, 256, 56, 56) and add["rf"] == RF(19, 4, 0.0)
    assert names.count("layer1.0.relu") == 3 and [r["type"] for r in s.rows[-3:]] == ["AdaptiveAvgPool2d",
                                                                                     "flatten", "Linear"]
    assert s.rows[0]["macs"] == conv_macs(3, 64, 7, 112) and s.rows[-1]["macs"] == 2048 * 1000


# the layers whose fields are checked against gradients: a few of each network, early enough that the
# input holding their fields stays small
GRADIENT_CUTS = {"alexnet": ["features.0", "features.2", "features.5", "features.7"],
                 "vgg16": ["features.2", "features.4", "features.9", "features.12"],
                 "resnet50": ["conv1", "maxpool", "layer1.0.conv2", "add", "add_2", "layer2.0.conv2"],
                 "mobilenet_v2": ["features.1.conv.0.0", "features.2.conv.1.0", "add", "features.4.conv.1.0"]}


@pytest.mark.parametrize("name", list(models.MODELS))
def test_the_reference_networks_fields_match_the_gradients(name, meta_model, one_torch_thread):
    model = meta_model(name)
    s = summary(model, (3, 224, 224))
    nodes = call_nodes(model, s)
    index = {n.target if n.op == "call_module" else n.name: i for i, n in reversed(list(enumerate(nodes)))}
    rows = [index[n] for n in GRADIENT_CUTS[name]]
    deepest = max((s.rows[i]["rf"] for i in rows), key=lambda rf: rf.size)
    unit = first_inside(deepest)
    size = int(deepest.start + (unit + 1) * deepest.jump + (deepest.size - 1) / 2) + 1
    checks = [(i, [(first_inside(s.rows[i]["rf"]), first_inside(s.rows[i]["rf"]) + 1)]) for i in rows]
    assert assert_gradient_fields(model, (3, size, size), checks) == len(rows)


# --- branches, merges and upsampling -----------------------------------------------------------------


class TwoBranches(nn.Module):
    """A 3×3 branch and a 7×7 branch of the same input, added."""

    def __init__(self):
        super().__init__()
        self.small, self.large = nn.Conv2d(1, 2, 3, padding=1), nn.Conv2d(1, 2, 7, padding=3)

    def forward(self, x):
        return self.small(x) + self.large(x)


def test_two_branches_added_have_the_larger_branchs_field(one_torch_thread):
    s = summary(TwoBranches(), (1, 16, 16))
    assert [(r["name"], r["type"], r["rf"]) for r in s.rows] == [
        ("small", "Conv2d", RF(3, 1, 0.0)), ("large", "Conv2d", RF(7, 1, 0.0)), ("add", "add", RF(7, 1, 0.0))]
    assert assert_gradient_fields(TwoBranches(), (1, 16, 16), [(2, [(3, 3), (8, 12)]), (0, [(1, 5)])]) == 3


def test_the_union_of_off_centre_branches_is_the_interval_covering_both(one_torch_thread):
    class OffCentre(nn.Module):
        def __init__(self):
            super().__init__()
            self.right, self.left = nn.Conv2d(1, 1, 3, stride=3), nn.Conv2d(1, 1, 3, stride=3, padding=1)

        def forward(self, x):
            return self.right(x) * self.left(x)  # pixels 0–2 and −1–1 for unit 0: together −1–2

    s = summary(OffCentre(), (1, 9, 9))
    assert [r["rf"] for r in s.rows] == [RF(3, 3, 1.0), RF(3, 3, 0.0), RF(4, 3, 0.5)]
    assert s.field(2, (1, 2)) == ((2, 5), (5, 8))
    assert assert_gradient_fields(OffCentre(), (1, 9, 9), [(2, [(1, 1), (1, 2), (2, 1)])]) == 3


def test_inception_concatenates_its_branches_fields(one_torch_thread):
    module = models.Inception(4, 2, 2, 3, 2, 3, 2)
    s = summary(module, (4, 14, 14))
    assert s.rows[-1]["type"] == "cat" and s.rows[-1]["output_shape"] == (1, 10, 14, 14)
    assert s.rows[-1]["rf"] == RF(5, 1, 0.0) and {r["rf"].size for r in s.rows} == {1, 3, 5}
    assert s.total_macs == flop_counter_macs(module, (1, 4, 14, 14), device="cpu")
    last = len(s.rows) - 1
    assert assert_gradient_fields(module, (4, 14, 14), [(last, [(2, 2), (6, 9)]), (last - 2, [(4, 4)])]) == 3


class TinyUNet(nn.Module):
    """Two 3×3 convs, a 2×2 max-pool, two 3×3 convs, a 2×2 transposed conv back up, concatenated
    with the skip connection, then a 3×3 and a 1×1 conv."""

    def __init__(self):
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU())
        self.down = nn.MaxPool2d(2)
        self.enc2 = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.dec = nn.Sequential(nn.Conv2d(8, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 1, 1))

    def forward(self, x):
        skip = self.enc1(x)
        return self.dec(torch.cat([self.up(self.enc2(self.down(skip))), skip], dim=1))


def test_a_unet_follows_the_transposed_convolution_and_the_skip(one_torch_thread):
    s = summary(TinyUNet(), (1, 32, 32))
    by_name = {r["name"]: r for r in s.rows}
    assert by_name["enc2.3"]["rf"] == RF(14, 2, 0.5)
    assert by_name["up"]["rf"] == RF(14, 1, 0.5) and by_name["up"]["output_shape"] == (1, 4, 32, 32)
    assert by_name["cat"]["rf"] == RF(14, 1, 0.5) and s.rows[-1]["rf"] == RF(16, 1, -0.5)
    # the upsampled units come in pairs that see the same pixels: the field moves 2 pixels every 2 units
    assert [s.field("up", (0, u))[1] for u in range(4)] == [(-6, 7), (-6, 7), (-4, 9), (-4, 9)]
    assert [s.field(len(s.rows) - 1, (0, u))[1] for u in range(4)] == [(-8, 7), (-6, 9), (-6, 9), (-4, 11)]
    assert "≤16" in str(s) and "depends on where the unit sits" in str(s)
    assert s.total_macs == flop_counter_macs(TinyUNet(), (1, 1, 32, 32), device="cpu")
    units = [(r, c) for r in (12, 13) for c in (14, 15, 16)]
    last, up = len(s.rows) - 1, [r["name"] for r in s.rows].index("up")
    assert assert_gradient_fields(TinyUNet(), (1, 32, 32), [(last, units), (up, units[:3])]) == 9


class Upsampled(nn.Module):
    """A 3×3 conv, one upsampling layer, and a 3×3 conv."""

    def __init__(self, layer):
        super().__init__()
        self.first, self.layer, self.last = nn.Conv2d(1, 1, 3), layer, nn.Conv2d(1, 1, 3, padding=1)

    def forward(self, x):
        return self.last(self.layer(self.first(x)))


class Functional(nn.Module):
    """The functional forms: F.conv2d with a parameter, F.max_pool2d, F.interpolate, F.relu."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(2, 1, 3, 3))

    def forward(self, x):
        x = F.max_pool2d(F.conv2d(x, self.weight, stride=2, padding=1), 3, stride=1)
        return F.relu(F.interpolate(x, scale_factor=2, mode="bilinear"))


UPSAMPLING = [nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1), nn.ConvTranspose2d(1, 1, 4, stride=2, padding=1),
              nn.ConvTranspose2d(1, 1, 3, stride=3, dilation=2), nn.ConvTranspose2d(1, 1, 5, stride=1, padding=1),
              nn.Upsample(scale_factor=2), nn.Upsample(scale_factor=3, mode="bilinear"),
              nn.Upsample(scale_factor=2, mode="bilinear"), nn.AdaptiveAvgPool2d(9), nn.AdaptiveMaxPool2d(5)]


@pytest.mark.parametrize("layer", UPSAMPLING, ids=lambda m: " ".join(repr(m).split()))
def test_upsampling_fields_unit_by_unit_match_the_gradients(layer, one_torch_thread):
    s = summary(Upsampled(layer), (1, 11, 11))
    assert s.rows[1]["rf"] is not None and s.notes == []
    height = s.rows[-1]["output_shape"][2]
    units = [(r, c) for r in range(height) for c in range(height) if r == c or c == r + 1]
    inside = [u for u in units if s.field(2, u)[0][0] >= 0 and s.field(2, u)[0][1] < 11 and s.field(2, u)[1][1] < 11]
    assert len(inside) >= 3
    assert assert_gradient_fields(Upsampled(layer), (1, 11, 11), [(2, inside), (1, inside[:2])]) == len(inside) + 2


def test_the_functional_forms_are_followed(one_torch_thread):
    s = summary(Functional(), (1, 16, 16))
    assert [r["type"] for r in s.rows] == ["conv2d", "max_pool2d", "interpolate", "relu"]
    assert s.rows[0]["params"] == 18 and s.rows[0]["macs"] == conv_macs(1, 2, 3, 8)
    assert s.rows[1]["rf"] == RF(7, 2, 2.0) and s.rows[2]["rf"].jump == 1
    inside = [(u, u + 1) for u in range(3, 8)]
    assert assert_gradient_fields(Functional(), (1, 16, 16), [(3, inside), (1, [(2, 3)])]) == 6


class Padded(nn.Module):
    """Padding layers and F.pad (a negative amount crops), a max-pool that also returns its indices,
    and the classic flatten by view (x.size(0) is a number, not a row)."""

    def __init__(self):
        super().__init__()
        self.pad, self.conv = nn.ZeroPad2d((1, 2, 3, 0)), nn.Conv2d(1, 2, 3)
        self.pool = nn.MaxPool2d(2, return_indices=True)

    def forward(self, x):
        x, _ = self.pool(self.conv(F.pad(self.pad(x), (0, 0, -1, 2))))
        return x, x.view(x.size(0), -1)


def test_padding_shifts_the_field_and_cropping_too(one_torch_thread):
    s = summary(Padded(), (1, 12, 12))
    assert [r["type"] for r in s.rows] == ["ZeroPad2d", "pad", "Conv2d", "MaxPool2d", "view"]
    assert s.rows[0]["rf"] == RF((1, 1), (1, 1), (-3.0, -1.0)) and s.rows[1]["rf"] == RF((1, 1), (1, 1), (-2.0, -1.0))
    assert s.rows[2]["rf"] == RF((3, 3), (1, 1), (-1.0, 0.0)) and s.rows[4]["rf"] is None
    assert s.rows[3]["output_shape"] == ((1, 2, 7, 6), (1, 2, 7, 6)) and s.rows[3]["rf"] == RF((4, 4), (2, 2),
                                                                                                 (-0.5, 0.5))
    assert assert_gradient_fields(Padded(), (1, 12, 12), [(2, [(4, 5), (5, 4)])]) == 2


def test_what_has_no_field_says_so():
    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 2, 3)
            self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(2, 2, 1), nn.Sigmoid())
            self.sparse = nn.ConvTranspose2d(2, 2, 1, stride=2)

        def forward(self, x):
            y = self.conv(x)
            gated = y * self.gate(y)  # squeeze-and-excitation: every unit sees the whole input
            flipped = torch.flip(y, [3])
            return gated, flipped, self.sparse(y), F.interpolate(y, size=(7, 9)), y[:, :1], y[..., 1:]

    s = summary(Odd(), (2, 8, 8))
    rf = {r["name"]: r["rf"] for r in s.rows}
    assert rf["conv"] == RF(3, 1, 1.0) and rf["gate.0"] is None and rf["mul"] is None and rf["getitem"] == rf["conv"]
    assert rf["flip"] is None and rf["sparse"] is None and rf["interpolate"] is None and rf["getitem_1"] is None
    notes = "\n".join(s.notes)
    assert len(s.notes) == 4 and "'flip' (flip): convlab does not know how it moves pixels" in notes
    assert "'sparse' (a ConvTranspose2d): its stride 2 is larger than its kernel reaches" in notes
    assert "resizes 6 to 7 pixels, not by a whole factor" in notes and "'getitem_1'" in notes
    assert "(flip)" in str(s) and "(flip)" in s._repr_html_()


def test_a_module_called_twice_counts_its_parameters_once():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 2, 3, padding=1)
            self.gamma = nn.Parameter(torch.ones(1, 2, 1, 1))

        def forward(self, x):
            return self.conv(torch.relu(self.conv(x))) * self.gamma

    s = summary(Twice(), (2, 6, 6))
    assert [(r["name"], r["params"]) for r in s.rows] == [("conv", 38), ("relu", 0), ("conv", 0), ("mul", 2)]
    assert s.rows[0]["macs"] == s.rows[2]["macs"] == conv_macs(2, 2, 3, 6)
    assert [r["rf"].size for r in s.rows] == [3, 3, 5, 5] and s.total_params == 40
    with pytest.raises(ValueError, match="row must name one row, but 'conv' names 2 .*rows \\[0, 2\\]"):
        s.field("conv", (0, 0))


def test_merging_fields_of_different_jumps_is_refused():
    class Mismatch(nn.Module):
        def __init__(self):
            super().__init__()
            self.strided, self.wide = nn.Conv2d(1, 1, 1, stride=2), nn.Conv2d(1, 1, 5)

        def forward(self, x):
            return self.strided(x) + self.wide(x)  # both 4×4 from 8×8, but 2 and 1 input pixels apart

    with pytest.raises(ValueError, match="'add' \\(add\\) merges tensors whose receptive fields have different "
                                         "jumps \\(strided 2, wide 1 input pixels"):
        summary(Mismatch(), (1, 8, 8))


# --- random branched networks against the gradients --------------------------------------------------


@st.composite
def branched_networks(draw):
    """(network, input size): a trunk, two branches with the same strides (the second one's last padding
    chosen so the sizes agree) merged by add, mul or cat, and a tail; one channel, some layers dilated."""
    size = draw(st.integers(10, 24))
    trunk, tail = draw(st.lists(layer, max_size=2)), draw(st.lists(layer, max_size=1))
    first = draw(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(0, 2), st.integers(1, 2)),
                          min_size=1, max_size=2))
    second = [(draw(st.integers(1, 5)), s, draw(st.integers(0, 2)), draw(st.integers(1, 2))) for _, s, _, _ in first]
    after_trunk = sizes(size, trunk)
    assume(after_trunk is not None)
    target, before_last = sizes(after_trunk, first), sizes(after_trunk, second[:-1])
    assume(target is not None and before_last is not None)
    k, s, _, d = second[-1]
    paddings = [p for p in range(0, 5) if sizes(before_last, [(k, s, p, d)]) == target]
    assume(paddings)
    second[-1] = (k, s, paddings[0], d)
    merge = draw(st.sampled_from(["add", "mul", "cat"]))
    assume(sizes(target, tail) is not None)
    return Branched(trunk, first, second, merge, tail), size


def sizes(size, layers):
    """The output size after `layers` (k, s, p, d), or None where a kernel does not fit."""
    for k, s, p, d in layers:
        if size + 2 * p < d * (k - 1) + 1:
            return None
        size = conv_output_size(size, k, stride=s, padding=p, dilation=d)
    return size


class Branched(nn.Module):
    def __init__(self, trunk, first, second, merge, tail):
        super().__init__()

        def convs(layers, channels=1):
            return nn.Sequential(*(nn.Conv2d(channels if i == 0 else 1, 1, k, stride=s, padding=p, dilation=d)
                                   for i, (k, s, p, d) in enumerate(layers)))

        self.trunk, self.first, self.second = convs(trunk), convs(first), convs(second)
        self.merge, self.tail = merge, convs(tail, 2 if merge == "cat" else 1)

    def forward(self, x):
        x = self.trunk(x)
        a, b = self.first(x), self.second(x)
        merged = a + b if self.merge == "add" else a * b if self.merge == "mul" else torch.cat([a, b], dim=1)
        return self.tail(merged)


@settings(max_examples=30)
@given(branched_networks())
def test_random_branched_networks_have_the_fields_of_their_gradients(example):
    net, size = example
    s = summary(net, (1, size, size))
    last, out = len(s.rows) - 1, s.rows[-1]["output_shape"][2]
    inside = [(u, u) for u in range(out) if 0 <= s.field(last, (u, u))[0][0] and s.field(last, (u, u))[0][1] < size]
    assume(inside)
    assert assert_gradient_fields(net, (1, size, size), [(last, inside[:2])]) == len(inside[:2])


# --- what summary refuses ------------------------------------------------------------------------------


class Gate(nn.Module):
    """Control flow on the values of a tensor: neither torch.fx nor the meta device can follow it."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        if x.sum() > 0:
            return self.conv(x)
        return x


def test_a_forward_with_control_flow_on_values_is_refused_naming_the_module():
    with pytest.raises(ValueError, match="summary cannot follow Sequential: torch.fx cannot trace it in its "
                                         "submodule '1' \\(a Gate\\) \\(TraceError: symbolically traced variables "
                                         "cannot be used as inputs to control flow\\); and it cannot run on the "
                                         "meta device with hooks either"):
        summary(nn.Sequential(nn.Conv2d(3, 3, 1), Gate()), (3, 8, 8))
    with pytest.raises(ValueError, match="summary cannot follow Gate: torch.fx cannot trace it \\(TraceError"):
        summary(Gate(), (3, 8, 8))


class Fit(nn.Module):
    """Each layer applied only where the map is large enough: control flow on shapes, which torch.fx
    cannot trace, but a plain chain the hooks follow."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Conv2d(1, 2, 3), nn.Conv2d(2, 2, 3, stride=2), nn.Conv2d(2, 1, 5)])

    def forward(self, x):
        for conv in self.layers:
            if x.shape[-1] >= conv.kernel_size[0]:
                x = conv(x)
        return x


def test_a_plain_chain_fx_cannot_trace_is_followed_with_hooks():
    s = summary(Fit(), (1, 16, 16))
    assert [(r["name"], r["output_shape"]) for r in s.rows] == [("layers.0", (1, 2, 14, 14)),
                                                                ("layers.1", (1, 2, 6, 6)), ("layers.2", (1, 1, 2, 2))]
    assert [r["rf"] for r in s.rows] == receptive_field(list(Fit().layers))
    assert s.total_params == 20 + 38 + 51 and s.total_macs == flop_counter_macs(Fit(), (1, 1, 16, 16), "cpu")
    assert [r["name"] for r in summary(Fit(), (1, 6, 6)).rows] == ["layers.0", "layers.1"]  # 6 → 4 → 1: no 5×5


def test_a_branched_forward_fx_cannot_trace_is_refused_naming_the_module():
    class Skip(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 2, 3, padding=1)

        def forward(self, x):
            y = self.conv(x)
            return y + x if y.shape == x.shape else y

    with pytest.raises(ValueError, match="summary cannot follow Skip: .*; and its layers are no plain chain for "
                                         "the hooks to follow: its output is not the output of its last layer"):
        summary(Skip(), (2, 8, 8))


@pytest.mark.parametrize("model, input_size, error, match", [
    ("conv", (3, 8, 8), TypeError, "model must be a torch.nn.Module, got 'conv'"),
    (nn.Conv2d(3, 1, 3), (8, 8), ValueError, "input_size must be \\(C, H, W\\) or \\(N, C, H, W\\) .* got \\(8, 8\\)"),
    (nn.Conv2d(3, 1, 3), (3, 0, 8), ValueError, "sizes of at least 1, got \\(3, 0, 8\\)"),
    (nn.Conv2d(3, 1, 3), (3, 8.0, 8), TypeError, "input_size must be a tuple of integers"),
    (nn.Conv2d(3, 1, 3), "3, 8, 8", TypeError, "input_size must be a tuple of integers"),
    (nn.Conv2d(3, 1, 3), (1, 8, 8), ValueError, "Conv2d cannot take an input of shape \\(1, 1, 8, 8\\): 'Conv2d' "
                                                "\\(a Conv2d\\) fails: RuntimeError"),
    (nn.Conv2d(3, 1, 5), (3, 4, 4), ValueError, "cannot take an input of shape \\(1, 3, 4, 4\\)"),
])
def test_bad_arguments_are_refused(model, input_size, error, match):
    with pytest.raises(error, match=match):
        summary(model, input_size)


def test_field_refuses_rows_and_units_it_has_no_answer_for():
    s = summary(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten()), (1, 5, 5))
    for row, unit, error, match in [(2, (0, 0), ValueError, "row must be an index into the 2 rows, got 2"),
                                    ("9", (0, 0), ValueError, "row must name one row, but '9' names 0"),
                                    (1.0, (0, 0), TypeError, "row must be an index or a name"),
                                    (0, (0,), TypeError, "unit must be a \\(row, col\\) pair of integers"),
                                    (1, (0, 0), ValueError, "row 1 \\(Flatten\\) has no receptive field")]:
        with pytest.raises(error, match=match):
            s.field(row, unit)
    assert s.field(-2, (2, 0)) == ((2, 4), (0, 2))


# --- the tables -----------------------------------------------------------------------------------------


def test_the_text_and_html_tables_show_every_row_and_the_totals():
    s = summary(TwoBranches(), (1, 16, 16))
    lines = str(s).splitlines()
    assert lines[0] == "TwoBranches on an input of shape 1×1×16×16"
    assert lines[1].split() == ["Layer", "Type", "Output", "shape", "Params", "MACs", "RF", "size", "jump", "start"]
    assert lines[3].split() == ["small", "Conv2d", "1×2×16×16", "20", "4,608", "3", "1", "0"]
    assert lines[-1].split() == ["Total", f"{s.total_params:,}", f"{s.total_macs:,}"] == ["Total", "120", "29,696"]
    page = s._repr_html_()
    assert page.startswith('<table class="convlab-summary">') and page.count("<tr>") == 5
    assert "<td style=\"text-align:left\">large</td>" in page and "29,696" in page
    assert repr(s) == "<Summary of TwoBranches: 3 rows, 120 parameters, 29,696 MACs>"
    flat = summary(nn.Sequential(nn.Flatten()), (1, 2, 2))
    assert str(flat).splitlines()[3].split()[-3:] == ["—", "—", "—"]
