"""The stacked-kernel explorer (notebook 06): a stack of small kernels, the receptive field
it grows, and — without nonlinearities — the single large kernel it equals; with ReLUs in
between, the kernel the stack applies to one particular input, which changes with it."""

import numpy as np

from convlab import draw
from convlab.arithmetic import conv_macs, conv_params
from convlab.explorers.base import Explorer, Int, Toggle, call, freeze, per_layer
from convlab.receptive import receptive_field
from convlab.stacking import compose, dilate

__all__ = ["StackedKernelExplorer"]

MAX_LAYERS, MAX_DILATION, SAMPLES = 4, 3, 10
# the labels of the layers' dilations, each a text of convlab.zh
LAYER_DILATIONS = ("layer 1 dilation", "layer 2 dilation", "layer 3 dilation", "layer 4 dilation")
CHANNELS, MAP = 64, 640  # the layer whose cost the readout quotes: 64 → 64 channels on a 640×640 map


def local_kernel(kernels, dilations, patch, relu):
    """The weights one output unit gives the input pixels of `patch` (its receptive field):
    the gradient of the unit, by hand. Without ReLUs it is the composed kernel, whatever
    the patch; with ReLUs it keeps only the paths through units that were active."""
    taps = [dilate(k, d) for k, d in zip(kernels, dilations, strict=True)]
    masks, x = [], patch
    for n, k in enumerate(taps):  # forward, valid convolutions, remembering which units passed their ReLU
        h, w = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1
        x = np.array([[np.sum(x[i: i + k.shape[0], j: j + k.shape[1]] * k) for j in range(w)] for i in range(h)])
        if relu and n < len(taps) - 1:
            masks.append(x > 0)
            x = np.maximum(x, 0)
        else:
            masks.append(np.ones_like(x, bool))
    grad = np.ones((1, 1))
    for k, mask in zip(reversed(taps), reversed(masks), strict=True):  # backward: spread over the taps
        grad = compose(grad * mask, k)
    return grad


class StackedKernelExplorer(Explorer):
    """Stacked k×k single-channel convolutions (stride 1) with small integer weights.
    Starting values: `layers` (1–4), `kernel_size`, `dilations` (one per layer), `relu`
    (ReLU between the layers) and `sample` (which random input the ReLU stack is shown on)."""

    MAX_KERNEL = 5

    def __init__(self, layers=2, kernel_size=3, dilations=(1, 1, 1, 1), relu=False, sample=0, seed=0):
        rng = np.random.default_rng(seed)
        # small integers, a little more often positive: with ReLUs between, units are active often but not always
        self._kernels = rng.choice([-1, 0, 1, 1], (MAX_LAYERS, self.MAX_KERNEL, self.MAX_KERNEL))
        self._inputs = np.random.default_rng(seed + 1).random((SAMPLES, 64, 64))  # like pixel values: in [0, 1)
        super().__init__(layers=layers, kernel_size=kernel_size, relu=relu, sample=sample,
                         **per_layer(dilations, "dilations", MAX_LAYERS))

    @classmethod
    def example(cls):
        return cls(layers=2, kernel_size=3)

    def declare(self):
        return dict(
            layers=Int("layers", 2, 1, MAX_LAYERS),
            kernel_size=Int("kernel size", 3, 2, self.MAX_KERNEL),
            relu=Toggle("ReLU between layers"),
            sample=Int("input sample", 0, 0, SAMPLES - 1),
            **{f"dilation_{i + 1}": Int(label, 1, 1, MAX_DILATION, argument="dilations")
               for i, label in enumerate(LAYER_DILATIONS)},
        )

    def constrain(self):
        v, c = self.values(), self.controls
        for i in range(MAX_LAYERS):  # a layer that is not in the stack keeps its dilation, frozen
            freeze(c[f"dilation_{i + 1}"], i >= v["layers"], 1, MAX_DILATION)
        freeze(c["sample"], not v["relu"], 0, SAMPLES - 1)  # without ReLU the input does not matter

    def compute(self):
        v = self.values()
        n, k = v["layers"], v["kernel_size"]
        dilations = tuple(v[f"dilation_{i + 1}"] for i in range(n))
        kernels = [self._kernels[i, :k, :k] for i in range(n)]
        fields = receptive_field([(k, 1, 0, d) for d in dilations])
        size = fields[-1].size
        patch = self._inputs[v["sample"], :size, :size]
        weights = local_kernel(kernels, dilations, patch, v["relu"])
        return dict(
            layers=n, kernel_size=k, dilations=dilations, relu=v["relu"], sample=v["sample"], kernels=kernels,
            fields=fields, size=size, kernel=weights, linear_kernel=compose(*[dilate(kr, d) for kr, d in
                                                                             zip(kernels, dilations, strict=True)]),
            stack_weights=n * k * k, single_weights=size * size,
            stack_params=n * conv_params(CHANNELS, CHANNELS, k, bias=False),
            single_params=conv_params(CHANNELS, CHANNELS, size, bias=False),
            stack_macs=n * conv_macs(CHANNELS, CHANNELS, k, MAP), single_macs=conv_macs(CHANNELS, CHANNELS, size, MAP),
        )

    def code(self):
        st = self.state
        layers = [call("nn.Conv2d", 1, 1, st["kernel_size"], dilation=d, bias=False) for d in st["dilations"]]
        joint = ", nn.ReLU(), " if st["relu"] else ", "
        size = st["size"]
        code = (f"stack = nn.Sequential({joint.join(layers)})\n"
                f"out = stack(torch.randn(1, 1, {size}, {size}))  # one unit, whose field is {size}×{size}")
        return code, (1, 1, 1, 1)

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        st, scene = self.state, self.scene
        k, size, n = st["kernel_size"], st["size"], st["layers"]
        scale = max(1.0, size / 9.0)  # the big grid is drawn at most about 9 layer kernels high…
        side = size / scale  # …so it is this many cells wide
        gap = 1.6
        lefts = [i * (k + gap) for i in range(n)]
        right = lefts[-1] + k + 2 * gap
        height = max(k, side)
        cell_px = scene.fit(right + side, height)
        scene.clear()

        numbers = draw.labels(np.array(st["kernels"]))
        size_small = draw.font_size(cell_px, self.dpi, numbers)
        for i, (x, kernel) in enumerate(zip(lefts, st["kernels"], strict=True)):
            y = (height - k) / 2
            scene.stack(draw.diverging_colors(kernel[None], 1.5), (x, y), numbers[i],
                        size=size_small)
            if i:
                scene.text(["⊛"], [(x - gap / 2, height / 2)], size=14)
        scene.text(["="], [(right - gap, height / 2)], size=16)

        # the input pixels around one output unit, each with its weight; boxes: the field after each layer
        weights, y0 = st["kernel"], scene.anchor("kernel", right, (height - side) / 2, 1 / scale)[1]
        rgba = draw.diverging_colors(weights, span=(0.2, 0.8))
        rgba[weights == 0] = draw.EMPTY_COLOR
        scene.fill(draw.squares(size, size) * (1 / scale) + (right, y0), rgba.reshape(-1, 4), draw.EDGE_COLOR,
                   0.5 if cell_px / scale > 6 else 0.0)
        labels = np.where(weights != 0, draw.labels(np.round(weights, 2)), "")
        r, c = np.mgrid[0:size, 0:size]
        scene.text(labels.ravel(), np.stack([right + (c.ravel() + 0.5) / scale, y0 + (r.ravel() + 0.5) / scale], -1),
                   size=draw.font_size(cell_px / scale, self.dpi, labels))
        colors = [draw.OUTPUT_COLOR, "#9467bd", "#ff7f0e", draw.WINDOW_COLOR]
        for field, color in zip(st["fields"], colors, strict=False):
            inset = (size - field.size) / 2 / scale
            scene.box(right + inset, y0 + inset, field.size / scale, field.size / scale, color, 2.0)

        tr, dil = self.tr_figure, ", ".join(map(str, st["dilations"]))
        titles = [(tr("{n} layers: {k}×{k} kernels" if n > 1 else "{n} layer: {k}×{k} kernels", n=n, k=k),
                   tr("dilations {dilations}", dilations=dil)),
                  (tr("{size}×{size}: what the stack does to input sample {sample}", size=size, sample=st["sample"])
                   if st["relu"] else tr("{size}×{size}: the one equivalent kernel", size=size),
                   tr("boxes: receptive field after each layer"))]
        centres = [lefts[-1] / 2 + k / 2, right + side / 2]
        scene.titles(titles, centres)

    def describe(self):
        st = self.state
        k, n, size = st["kernel_size"], st["layers"], st["size"]
        steps = " → ".join(str(f.size) for f in st["fields"])
        saving = 1 - st["stack_weights"] / st["single_weights"]
        tr = self.tr
        weights = dict(n=n, k=k, stack=st["stack_weights"], size=size, single=st["single_weights"], saving=saving)
        lines = [tr("receptive field {sizes} (each layer adds (k − 1)·d = {k1}·d)", sizes=steps, k1=k - 1),
                 tr("weights per channel pair: {n} × {k}·{k} = <b>{stack}</b> against one {size}×{size} kernel's "
                    "<b>{single}</b> ({saving:.0%} saved)", **weights) if saving >= 0 else
                 tr("weights per channel pair: {n} × {k}·{k} = <b>{stack}</b> against one {size}×{size} kernel's "
                    "<b>{single}</b> (the stack costs more)", **weights),
                 tr("{c}→{c} channels on {m}×{m}: stack {params:,} params / {macs:,} MACs; one {size}×{size} conv "
                    "{one_params:,} / {one_macs:,}", c=CHANNELS, m=MAP, params=st["stack_params"],
                    macs=st["stack_macs"], size=size, one_params=st["single_params"], one_macs=st["single_macs"])]
        if st["relu"]:
            same = np.allclose(st["kernel"], st["linear_kernel"])
            lines.append(tr("with ReLU the stack is not one convolution: the right shows its gradient for this input "
                            "(equal to the linear kernel here: every unit was active)") if same else
                         tr("with ReLU the stack is not one convolution: the right shows its gradient for this input "
                            "(it differs from the linear kernel, and changes with the input sample)"))
        else:
            lines.append(tr("without a nonlinearity the stack is one linear map: one convolution with the kernel on "
                            "the right, W₁ ⊛ W₂ ⊛ … (full 2-D convolutions of the layer kernels)"))
        holes = int((st["linear_kernel"] == 0).sum()) if any(d > 1 for d in st["dilations"]) else 0
        if holes:
            lines.append(tr("{holes} pixels of the field get no weight at all (gaps left by the dilations)",
                            holes=holes))
        return lines

