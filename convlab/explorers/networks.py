"""The receptive-field explorer for real networks (notebook 07): pick AlexNet, VGG-16,
ResNet-50 or MobileNetV2, a layer and a unit; see the unit's receptive field on the sample
picture at 224×224, and how the weight of that field is spread (the effective field)."""

from functools import cache, lru_cache

import numpy as np
from matplotlib import colormaps

from convlab import draw
from convlab.arithmetic import conv_output_size
from convlab.checks import is_int
from convlab.explorers.base import Choice, Explorer, Int, call, limit
from convlab.images import grace_hopper, load
from convlab.receptive import coverage, layer_geometry, receptive_field, spread, uniform_spread

__all__ = ["ReceptiveFieldExplorer"]

SIZE = 224
NETWORKS = {"AlexNet": "alexnet", "VGG-16": "vgg16", "ResNet-50": "resnet50", "MobileNetV2": "mobilenet_v2"}


@cache
def network_layers(network):
    """For one network: (name, (k, s, p, d), output side at 224, RF) of every convolution
    and pooling on its main path, in order. The model is built on PyTorch's meta device:
    shapes only, no weights to allocate."""
    import torch

    from convlab import models

    with torch.device("meta"):
        model = models.MODELS[NETWORKS[network]]()
    named = models.named_layers(model)
    fields = receptive_field([module for _, module in named])
    layers, side = [], SIZE
    for (name, module), field in zip(named, fields, strict=True):
        (k, _), (s, _), (p, _), (d, _) = layer_geometry(module)[0]
        side = conv_output_size(side, k, stride=s, padding=p, dilation=d)
        layers.append((name, (k, s, p, d), side, field))
    return layers


@cache
def layer_calls(network):
    """For one network: the source of each main-path layer (as `network_layers` lists them), e.g.
    'nn.Conv2d(64, 64, kernel_size=3, stride=1, padding=1, bias=False)', with its input and output channels."""
    import torch

    from convlab import models

    with torch.device("meta"):
        model = models.MODELS[NETWORKS[network]]()
    calls, channels = [], 3
    for _, module in models.named_layers(model):
        (k, _), (s, _), (p, _), (d, _) = layer_geometry(module)[0]
        if hasattr(module, "out_channels"):
            groups = module.groups if module.groups > 1 else None
            source = call("nn.Conv2d", module.in_channels, module.out_channels, kernel_size=k, stride=s, padding=p,
                          dilation=d if d > 1 else None, groups=groups, bias=module.bias is not None)
            calls.append((source, module.in_channels, module.out_channels))
            channels = module.out_channels  # what a pooling after it takes and gives
        else:
            calls.append((call(f"nn.{type(module).__name__}", k, stride=s, padding=p), channels, channels))
    return calls


@lru_cache(maxsize=256)
def paths(network, index):
    """Equal-weight path counts from one unit of layer `index` back to the input (main path);
    read-only, as it is cached."""
    counts = coverage([(k, s, p, d) for _, (k, s, p, d), _, _ in network_layers(network)[: index + 1]])
    counts.flags.writeable = False
    return counts


@lru_cache(maxsize=64)
def heat_maps(network, index):
    """The path counts in colour, as RGBA bytes: opaque, and see-through where few paths lead
    (at most 60 % opaque), to lay over the picture."""
    weights = paths(network, index) / paths(network, index).max()
    heat = colormaps["magma"](weights, bytes=True)
    see_through = heat.copy()
    see_through[..., 3] = 153 * weights  # 0.6 · 255
    return heat, see_through


class Names(Choice):
    """A choice of names (the networks'), shown as they are in every language: only its label is translated."""

    def widget(self, value, tr=str):
        control = super().widget(value)
        control.description = tr(self.label)
        return control


def as_bytes(picture):
    """A (3, H, W) picture in [0, 1] as (H, W, 4) RGBA bytes, converted once rather than on every draw."""
    rgba = np.full((*picture.shape[1:], 4), 255, np.uint8)
    rgba[..., :3] = np.round(np.clip(picture.transpose(1, 2, 0), 0.0, 1.0) * 255)
    return rgba


class ReceptiveFieldExplorer(Explorer):
    """Starting values: `network` ("AlexNet", "VGG-16", "ResNet-50" or "MobileNetV2"),
    `layer` (index among its convolutions and poolings, default the last), and the unit
    (`row`, `col`; default the centre of that layer's output map); `path` (or the upload
    button) shows the reader's own picture instead of the portrait."""

    figsize = (10.0, 4.6)

    accepts_picture = True

    def __init__(self, network="AlexNet", layer=None, row=None, col=None, path=None):
        if not isinstance(network, str) or network not in NETWORKS:  # before anything is built for it
            error = ValueError if isinstance(network, str) else TypeError
            raise error(f"network must be one of {list(NETWORKS)}, got {network!r}")
        layers = network_layers(network)
        layer = len(layers) - 1 if layer is None else layer
        side = layers[layer][2] if is_int(layer) and 0 <= layer < len(layers) else 1
        self._picture = as_bytes(grace_hopper(SIZE) if path is None else load(path, SIZE))
        super().__init__(network=network, layer=layer, row=side // 2 if row is None else row,
                         col=side // 2 if col is None else col)

    @classmethod
    def example(cls):
        return cls(network="ResNet-50", layer=len(network_layers("ResNet-50")) - 1)

    def set_picture(self, source):
        self._picture = as_bytes(load(source, SIZE))

    view_controls = ("row", "col")  # every unit's field is in the scene: the browser moves it by itself

    def declare(self):
        deepest = max(len(network_layers(name)) for name in NETWORKS)
        return dict(
            network=Names("network", "AlexNet", tuple(NETWORKS), dropdown=True),
            layer=Int("layer", 0, 0, deepest - 1),
            row=Int("unit row", 0, 0, SIZE - 1),
            col=Int("unit column", 0, 0, SIZE - 1),
        )

    def constrain(self):
        c, v = self.controls, self.values()
        layers = network_layers(v["network"])
        limit(c["layer"], 0, len(layers) - 1)
        _, _, side, field = layers[c["layer"].value]
        limit(c["row"], 0, side - 1)
        limit(c["col"], 0, side - 1)
        before = self.state
        if before and (before["network"], before["layer"]) != (v["network"], c["layer"].value):
            # another layer: pick its unit centred nearest to where the last one was, so the box stays put
            for name, centre in zip(("row", "col"), before["centre"], strict=True):
                c[name].value = int(np.clip(round((centre - field.start) / field.jump), 0, side - 1))

    def compute(self):
        v = self.values()
        layers = network_layers(v["network"])
        name, (k, s, p, d), side, field = layers[v["layer"]]
        centre = (field.start + v["row"] * field.jump, field.start + v["col"] * field.jump)
        half = (field.size - 1) / 2
        box = (centre[0] - half, centre[1] - half)  # top-left input pixel of the field (may be < 0)
        inside = [max(0.0, min(SIZE, b + field.size) - max(0.0, b)) for b in box]
        counts = paths(v["network"], v["layer"])
        return dict(
            network=v["network"], layer=v["layer"], layers=len(layers), name=name, geometry=(k, s, p, d), side=side,
            unit=(v["row"], v["col"]), field=field, centre=centre, box=box,
            inside=inside[0] * inside[1] / field.size ** 2, paths=counts, spread=spread(counts),
            uniform_spread=uniform_spread(field.size),
        )

    def code(self):
        st = self.state
        source, c_in, c_out = layer_calls(st["network"])[st["layer"]]
        side = network_layers(st["network"])[st["layer"] - 1][2] if st["layer"] else SIZE  # its input's side
        code = (f"layer = {source}  # {st['name']} of {st['network']}\n"
                f"out = layer(torch.randn(1, {c_in}, {side}, {side}))  # its input, at {SIZE}×{SIZE}")
        return code, (1, c_out, st["side"], st["side"])

    # -- picture --------------------------------------------------------------------------
    picture_top = 0.86  # the picture's axes end here; the titles sit above

    def draw(self):
        st, scene = self.state, self.scene
        field, side = st["field"], st["side"]
        size, half = field.size, (field.size - 1) / 2
        first = field.start - half  # the top-left input pixel of unit (0, 0)'s field (may be < 0)
        last = first + (side - 1) * field.jump  # … and of the last unit's
        # both panels show the same square of input pixels: the picture and every unit's whole field
        low, high = min(0.0, first) - 4, max(float(SIZE), last + size) + 4
        span, gap = high - low, 0.08 * (high - low)
        scene.fit(2 * span + gap, span)
        scene.clear()
        heat, see_through = heat_maps(st["network"], st["layer"])
        # drawn for unit (0, 0) and moved by the row and column sliders: the browser moves them by itself
        by_unit = draw.by_row(side, field.jump), draw.by_column(side, field.jump)
        for x0 in (0.0, span + gap):
            origin = scene.anchor(f"picture {int(x0 > 0)}", x0 - low, -low)  # where input pixel (0, 0) sits
            if x0 == 0.0:
                scene.picture(self._picture, *origin)
            else:
                scene.box(origin[0], origin[1], SIZE, SIZE, "0.3", 1.0)  # the picture's border
            with scene.moving(*by_unit):
                scene.picture(see_through if x0 == 0.0 else heat, origin[0] + first, origin[1] + first)
                scene.box(origin[0] + first, origin[1] + first, size, size, draw.WINDOW_COLOR, 1.5)
                cy, cx = origin[1] + field.start + 0.5, origin[0] + field.start + 0.5
                arm = 0.03 * span
                scene.line(np.array([[(cx - arm, cy), (cx + arm, cy)], [(cx, cy - arm), (cx, cy + arm)]]), "cyan",
                           1.5)
        (k, s, _, _), tr = st["geometry"], self.tr_figure
        titles = [(tr("{network} · {name} ({k}×{k}, stride {s})", network=st["network"], name=st["name"], k=k, s=s),
                   tr("{side}×{side} units, each with a {size}×{size} field on the 224×224 picture", side=side,
                      size=size)),
                  (tr("paths from each pixel to the unit"),
                   tr("equal weights, main path: the effective field's shape"))]
        centres = [span / 2, span + gap + span / 2]
        scene.titles(titles, centres, rows=(0.96, 0.91))

    def describe(self):
        st = self.state
        f, (r, c), (top, left), tr = st["field"], st["unit"], st["box"], self.tr
        return [
            tr("layer {layer} (counting from 0) of the {layers} convolutions and poolings on the main path: "
               "<b>{name}</b>, output {side}×{side} for a {size}×{size} input", layer=st["layer"], layers=st["layers"],
               name=st["name"], side=st["side"], size=SIZE),
            tr("receptive field <b>{size}×{size}</b> · jump (effective stride) <b>{jump}</b> · start {start:g}",
               size=f.size, jump=f.jump, start=f.start),
            tr("unit ({r}, {c}) is centred on pixel ({y:g}, {x:g}) = start + index·jump; its field covers rows "
               "{top:g}…{bottom:g}, columns {left:g}…{right:g} ({inside:.0%} of it on the picture, the rest on "
               "padding)",
               r=r, c=c, y=st["centre"][0], x=st["centre"][1], top=top, bottom=top + f.size - 1, left=left,
               right=left + f.size - 1, inside=st["inside"]),
            tr("spread of the path counts {spread:.1f} px against {uniform:.1f} px for a uniform field of that size: "
               "the weight sits in the middle", spread=st["spread"], uniform=st["uniform_spread"]),
        ]
