"""Real architectures (AlexNet, VGG-16, ResNet-50, MobileNetV2) and building blocks (GoogLeNet's
Inception module, a depthwise separable block) in plain torch.nn, without weights, for the notebooks'
receptive-field and cost tables and block diagrams; module names follow torchvision's layouts, and
`spatial_layers(model)` lists the layers on the spatial map for `convlab.receptive.receptive_field`.
"""

import torch
from torch import nn

__all__ = ["alexnet", "vgg16", "resnet50", "mobilenet_v2", "spatial_layers", "named_layers", "Bottleneck",
           "InvertedResidual", "Inception", "depthwise_separable", "PUBLISHED_PARAMETERS", "MODELS"]

# parameter totals of torchvision's implementations of these layouts (1000 classes); the 2012
# AlexNet paper's two-GPU layout (`alexnet(two_gpu=True)`) has 60,965,224 ("60 million" in the paper)
PUBLISHED_PARAMETERS = {"alexnet": 61_100_840, "vgg16": 138_357_544, "resnet50": 25_557_032,
                        "mobilenet_v2": 3_504_872}


# --- AlexNet and VGG-16: a stack of convs and pools, then fully connected layers ------------------


class AlexNet(nn.Module):
    """AlexNet. By default the one-GPU layout torchvision uses (64-192-384-256-256 channels, no
    groups); with `two_gpu` the 2012 paper's: 96-256-384-384-256 channels, and conv2, conv4 and
    conv5 split into two groups (each GPU held half of the channels and read only its own half)."""

    def __init__(self, num_classes=1000, two_gpu=False):
        super().__init__()
        (c1, c2, c3, c4, c5), g = ((96, 256, 384, 384, 256), 2) if two_gpu else ((64, 192, 384, 256, 256), 1)
        self.features = nn.Sequential(
            nn.Conv2d(3, c1, kernel_size=11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(c1, c2, kernel_size=5, padding=2, groups=g), nn.ReLU(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(c2, c3, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(c3, c4, kernel_size=3, padding=1, groups=g), nn.ReLU(),
            nn.Conv2d(c4, c5, kernel_size=3, padding=1, groups=g), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


# VGG-16 ("configuration D"): output channels of each 3×3 conv, "M" for a 2×2 max-pool
VGG16_LAYOUT = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class VGG(nn.Module):
    """VGG without batch norm: 3×3 convs (padding 1) and 2×2 max-pools as `layout` says."""

    def __init__(self, layout, num_classes=1000):
        super().__init__()
        layers, channels = [], 3
        for item in layout:
            if item == "M":
                layers.append(nn.MaxPool2d(2, stride=2))
            else:
                layers += [nn.Conv2d(channels, item, kernel_size=3, padding=1), nn.ReLU()]
                channels = item
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


# --- ResNet-50: a stem, then four stages of bottleneck blocks with shortcuts -----------------------


STRIDE_ON = ("3x3", "1x1")  # where a downsampling bottleneck puts its stride: ResNet v1.5, or v1


class Bottleneck(nn.Module):
    """1×1 (reduce to `width`), 3×3, 1×1 (expand to 4·width), each followed by batch norm; the input
    is added back (through `downsample` where the shape changes). The stride sits on the 3×3
    (`stride_on="3x3"`: ResNet v1.5, torchvision's layout) or on the first 1×1 (`"1x1"`: the
    original ResNet of the 2015 paper)."""

    expansion = 4

    def __init__(self, in_channels, width, stride=1, downsample=None, stride_on="3x3"):
        super().__init__()
        first, middle = (1, stride) if stride_on == "3x3" else (stride, 1)
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=1, stride=first, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, stride=middle, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, width * self.expansion, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(width * self.expansion)
        self.relu = nn.ReLU()
        self.downsample = downsample

    @property
    def main_path(self):
        """The layers of the main path in forward order (the shortcut is left out)."""
        return [self.conv1, self.bn1, self.relu, self.conv2, self.bn2, self.relu, self.conv3, self.bn3]

    @property
    def shortcut(self):
        """What is added to the main path's output: the input itself, or its 1×1 projection."""
        return nn.Identity() if self.downsample is None else self.downsample

    after_sum = "ReLU"  # applied to the sum

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


def resnet_stage(in_channels, width, blocks, stride, stride_on="3x3"):
    """`blocks` bottlenecks; the first one changes the stride and the channel count."""
    out_channels = width * Bottleneck.expansion
    downsample = None
    if stride != 1 or in_channels != out_channels:
        downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                                   nn.BatchNorm2d(out_channels))
    layers = [Bottleneck(in_channels, width, stride, downsample, stride_on)]
    layers += [Bottleneck(out_channels, width) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


class ResNet(nn.Module):
    """A bottleneck ResNet: stem (7×7/2 conv, 3×3/2 max-pool), four stages, global pooling, fc."""

    def __init__(self, blocks=(3, 4, 6, 3), num_classes=1000, stride_on="3x3"):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = resnet_stage(64, 64, blocks[0], 1, stride_on)
        self.layer2 = resnet_stage(256, 128, blocks[1], 2, stride_on)
        self.layer3 = resnet_stage(512, 256, blocks[2], 2, stride_on)
        self.layer4 = resnet_stage(1024, 512, blocks[3], 2, stride_on)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512 * Bottleneck.expansion, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# --- MobileNetV2: inverted residuals (expand, depthwise, project) ----------------------------------


def conv_bn_relu6(in_channels, out_channels, kernel_size, stride=1, groups=1):
    """Conv (padding keeps the size at stride 1, no bias), batch norm, ReLU6."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=(kernel_size - 1) // 2,
                  groups=groups, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU6())


class InvertedResidual(nn.Module):
    """1×1 expand by `expand_ratio` (left out when it is 1), 3×3 depthwise with the stride, 1×1
    project without activation; the input is added back when the shape stays the same."""

    def __init__(self, in_channels, out_channels, stride, expand_ratio):
        super().__init__()
        hidden = in_channels * expand_ratio
        layers = [conv_bn_relu6(in_channels, hidden, 1)] if expand_ratio != 1 else []
        layers += [conv_bn_relu6(hidden, hidden, 3, stride=stride, groups=hidden),
                   nn.Conv2d(hidden, out_channels, kernel_size=1, bias=False), nn.BatchNorm2d(out_channels)]
        self.conv = nn.Sequential(*layers)
        self.use_res_connect = stride == 1 and in_channels == out_channels

    @property
    def main_path(self):
        """The layers of the main path in forward order (the shortcut is left out)."""
        return list(self.conv)

    @property
    def shortcut(self):
        """The input, added back when the shape stays; None (no sum) otherwise."""
        return nn.Identity() if self.use_res_connect else None

    after_sum = None  # nothing applied to the sum: the projection is linear

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


# (expansion t, output channels c, repeats n, stride s of the first repeat), from the paper's Table 2
MOBILENET_V2_STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1)]


class MobileNetV2(nn.Module):
    """MobileNetV2 at width 1.0: a 3×3/2 conv to 32 channels, 17 inverted residuals, a 1×1 conv to
    1280 channels, global average pooling, dropout and a linear classifier."""

    def __init__(self, num_classes=1000):
        super().__init__()
        layers, channels = [conv_bn_relu6(3, 32, 3, stride=2)], 32
        for t, c, n, s in MOBILENET_V2_STAGES:
            for i in range(n):
                layers.append(InvertedResidual(channels, c, s if i == 0 else 1, t))
                channels = c
        layers.append(conv_bn_relu6(channels, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


# --- building blocks for the notebooks' diagrams ----------------------------------------------------


class Inception(nn.Module):
    """GoogLeNet's Inception module: four branches side by side, concatenated along the channels
    (padding keeps every branch at the input's height and width): a 1×1 convolution to `c1`; a 1×1
    reduction to `c3_reduce` then a 3×3 to `c3`; a 1×1 reduction to `c5_reduce` then a 5×5 to `c5`;
    a 3×3 max-pool (stride 1, padding 1) then a 1×1 projection to `pool_proj`. `reduce=False` is
    the "naive" module: no reductions, and the pooled input passed on as it is. Every convolution
    is followed by a ReLU, as in the paper. Inception 3a is `Inception(192, 64, 96, 128, 16, 32, 32)`."""

    def __init__(self, in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj, reduce=True):
        super().__init__()

        def conv(c_in, c_out, k):
            return [nn.Conv2d(c_in, c_out, k, padding=k // 2), nn.ReLU()]

        def branch(c_reduce, c_out, k):
            return nn.Sequential(*conv(in_channels, c_reduce, 1), *conv(c_reduce, c_out, k)) if reduce \
                else nn.Sequential(*conv(in_channels, c_out, k))

        pool = [nn.MaxPool2d(3, stride=1, padding=1)] + (conv(in_channels, pool_proj, 1) if reduce else [])
        self.branches = nn.ModuleList([nn.Sequential(*conv(in_channels, c1, 1)), branch(c3_reduce, c3, 3),
                                       branch(c5_reduce, c5, 5), nn.Sequential(*pool)])

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], dim=1)  # stack the branches along the channels


def depthwise_separable(in_channels, out_channels, kernel_size=3, stride=1):
    """MobileNet's block: a k×k depthwise convolution (one kernel per channel, carrying the stride),
    batch norm, ReLU, then a 1×1 pointwise convolution to `out_channels`, batch norm, ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, in_channels, kernel_size, stride=stride, padding=kernel_size // 2,
                  groups=in_channels, bias=False), nn.BatchNorm2d(in_channels), nn.ReLU(),
        nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU())


# --- the public builders ----------------------------------------------------------------------------


def alexnet(num_classes=1000, two_gpu=False):
    """AlexNet: torchvision's one-GPU layout, 61,100,840 parameters with 1000 classes; with
    `two_gpu=True` the 2012 paper's grouped layout, 60,965,224 parameters."""
    return AlexNet(num_classes, two_gpu)


def vgg16(num_classes=1000):
    """VGG-16 without batch norm, 138,357,544 parameters with 1000 classes."""
    return VGG(VGG16_LAYOUT, num_classes)


def resnet50(num_classes=1000, stride_on="3x3"):
    """ResNet-50, 25,557,032 parameters with 1000 classes. `stride_on="3x3"`: v1.5, torchvision's
    layout (each stage's first 3×3 carries the stride; receptive field 427); `"1x1"`: the 2015
    paper's v1 (the first 1×1 carries it; receptive field 483, fewer MACs). Same parameters."""
    if stride_on not in STRIDE_ON:
        raise ValueError(f"stride_on must be '3x3' (ResNet v1.5) or '1x1' (ResNet v1), got {stride_on!r}")
    return ResNet((3, 4, 6, 3), num_classes, stride_on)


def mobilenet_v2(num_classes=1000):
    """MobileNetV2 at width 1.0, 3,504,872 parameters with 1000 classes."""
    return MobileNetV2(num_classes)


MODELS = {"alexnet": alexnet, "vgg16": vgg16, "resnet50": resnet50, "mobilenet_v2": mobilenet_v2}


def spatial_layers(model):
    """The modules of `model` that work on the spatial map, in order, up to (not including) the
    global pooling: the children of `features`, or for a ResNet its stem and its four stages."""
    if isinstance(model, ResNet):
        return [model.conv1, model.bn1, model.relu, model.maxpool, model.layer1, model.layer2, model.layer3,
                model.layer4]
    if isinstance(model, (AlexNet, VGG, MobileNetV2)):
        return list(model.features)
    raise TypeError(f"model must be one of the networks built by convlab.models ({', '.join(MODELS)}), "
                    f"got a {type(model).__name__}")


def named_layers(model):
    """(name, module) of every convolution and pooling on the main path of `model`, in
    order: the layers `receptive_field(spatial_layers(model))` gives one RF each for."""
    names = {id(module): name for name, module in model.named_modules()}
    found = []

    def walk(module):
        if hasattr(module, "main_path"):
            for part in module.main_path:
                walk(part)
        elif isinstance(module, (nn.Sequential, nn.ModuleList)):
            for part in module:
                walk(part)
        elif isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            found.append((names[id(module)], module))

    for module in spatial_layers(model):
        walk(module)
    return found
