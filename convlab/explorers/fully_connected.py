"""The fully-connected-equals-convolution explorer (notebook 03): a small classifier (two
conv + pool stages, then two fully connected layers) turned into an all-convolutional
network by reshaping its FC weights. On a larger picture the convolutional version returns
a map of scores; pick an entry and compare it with the classifier run on the matching crop.
"""

import numpy as np

from convlab import draw, reference
from convlab.arithmetic import conv_params
from convlab.explorers.base import Explorer, Int, limit
from convlab.images import grace_hopper, load, resize, to_gray

__all__ = ["FCEquivalenceExplorer", "TinyClassifier"]

CROP, STRIDE, HIDDEN, CLASSES = 34, 4, 32, 10  # 34×34 input → 7×7 features; two 2×2 poolings


def relu(x):
    return np.maximum(x, 0.0)


def max_pool(x):
    """2×2 max pooling with stride 2 of a (C, H, W) array (odd edges dropped, as in PyTorch)."""
    c, h, w = x.shape
    return x[:, : h // 2 * 2, : w // 2 * 2].reshape(c, h // 2, 2, w // 2, 2).max(axis=(2, 4))


class TinyClassifier:
    """A 34×34 grey picture → 10 class scores, in NumPy with random weights:
    conv 3×3 (1→C) · ReLU · pool 2 · conv 3×3 (C→C) · ReLU · pool 2 → C×7×7, flatten,
    fc (C·49 → 32) · ReLU · fc (32 → 10): the shape of a VGG head (7×7×512 → 4096 → 1000)
    at a size that runs in milliseconds. No padding, so a crop sees exactly what the same
    region of a larger picture sees."""

    def __init__(self, channels, seed=0):
        rng = np.random.default_rng(seed)
        self.conv1 = rng.normal(0, 1 / 3, (channels, 1, 3, 3))
        self.conv2 = rng.normal(0, 1 / np.sqrt(9 * channels), (channels, channels, 3, 3))
        self.fc1 = rng.normal(0, 1 / np.sqrt(49 * channels), (HIDDEN, channels * 49))
        self.fc2 = rng.normal(0, 3 / np.sqrt(HIDDEN), (CLASSES, HIDDEN))
        self.bias1, self.bias2 = rng.normal(0, 0.1, HIDDEN), rng.normal(0, 0.1, CLASSES)

    def features(self, picture):
        """(H, W) picture → (C, H', W') feature map."""
        x = max_pool(relu(reference.conv2d(picture[None], self.conv1)))
        return max_pool(relu(reference.conv2d(x, self.conv2)))

    def classify(self, crop):
        """The classifier: a 34×34 crop → 10 scores, through flatten and two FC layers."""
        flat = self.features(crop).reshape(-1)  # (C·7·7,) in channel, row, column order, like torch.flatten
        return self.fc2 @ relu(self.fc1 @ flat + self.bias1) + self.bias2

    def score_map(self, picture):
        """The convolutionalized net on a larger picture: fc1 as a 7×7 conv, fc2 as a 1×1
        conv, the same weights reshaped → a (10, S, S) map of scores."""
        channels = self.conv1.shape[0]
        x = relu(reference.conv2d(self.features(picture), self.fc1.reshape(HIDDEN, channels, 7, 7), self.bias1))
        return reference.conv2d(x, self.fc2.reshape(CLASSES, HIDDEN, 1, 1), self.bias2)


class FCEquivalenceExplorer(Explorer):
    """A fully connected head is a convolution: slide it, and every entry of the score map is
    the classifier applied to one crop. Starting values: `channels` (of the feature map,
    2–16), `input_size` (34 + 4·m, up to 70), the entry (`row`, `col`) and `score_class`;
    `path` (or the upload button) shows the reader's own picture instead of the portrait."""

    accepts_picture = True
    view_controls = ("row", "col")  # the scene holds every entry's crop: the browser picks the entry itself

    def __init__(self, channels=8, input_size=46, row=0, col=0, score_class=0, path=None, seed=0):
        self._seed, self._cache = seed, {}
        self._source = None if path is None else load(path, 256)  # None: the sample portrait
        super().__init__(channels=channels, input_size=input_size, row=row, col=col, score_class=score_class)

    @classmethod
    def example(cls):
        return cls(channels=4, input_size=46, row=1, col=2, score_class=0)

    def declare(self):
        most = (CROP + 9 * STRIDE - CROP) // STRIDE  # the largest map row or column
        return dict(
            channels=Int("feature channels", 8, 2, 16),
            input_size=Int("input size", 46, CROP, CROP + 9 * STRIDE, step=STRIDE),
            score_class=Int("score of class", 0, 0, CLASSES - 1),
            row=Int("map row", 0, 0, most),
            col=Int("map column", 0, 0, most),
        )

    def constrain(self):
        side = (self.controls["input_size"].value - CROP) // STRIDE + 1
        limit(self.controls["row"], 0, side - 1)
        limit(self.controls["col"], 0, side - 1)

    def set_picture(self, source):
        self._source = load(source, 256)
        self._cache.clear()

    def computed(self, channels, size):
        """Model, picture and score map for one setting (cached: moving the entry is free)."""
        if (channels, size) not in self._cache:
            model = TinyClassifier(channels, self._seed)
            picture = grace_hopper(size, gray=True) if self._source is None else to_gray(
                np.clip(resize(self._source, size), 0.0, 1.0))
            self._cache[channels, size] = model, picture, model.score_map(picture)
        return self._cache[channels, size]

    def compute(self):
        v = self.values()
        model, picture, scores = self.computed(v["channels"], v["input_size"])
        i, j, k = v["row"], v["col"], v["score_class"]
        top, left = i * STRIDE, j * STRIDE
        crop = picture[top: top + CROP, left: left + CROP]
        direct = model.classify(crop)
        channels = v["channels"]
        return dict(
            channels=channels, input_size=v["input_size"], entry=(i, j), score_class=k, picture=picture,
            scores=scores, crop_origin=(top, left), crop=crop, conv_scores=scores[:, i, j], crop_scores=direct,
            difference=float(np.abs(scores[:, i, j] - direct).max()),
            fc1_params=HIDDEN * channels * 49 + HIDDEN, conv7_params=conv_params(channels, HIDDEN, 7),
        )

    def code(self):
        st = self.state
        c, n, side = st["channels"], st["input_size"], st["scores"].shape[1]
        code = (f"features = nn.Sequential(nn.Conv2d(1, {c}, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d({c}, {c}, 3), "
                f"nn.ReLU(), nn.MaxPool2d(2))\n"
                f"head = nn.Sequential(nn.Conv2d({c}, {HIDDEN}, 7), nn.ReLU(), nn.Conv2d({HIDDEN}, {CLASSES}, 1))"
                f"  # fc1, fc2 as convolutions\n"
                f"out = head(features(torch.randn(1, 1, {n}, {n})))  # a {side}×{side} map of {CLASSES} scores")
        return code, (1, CLASSES, side, side)

    # -- picture --------------------------------------------------------------------------
    def draw(self):
        st, scene = self.state, self.scene
        n, k = st["input_size"], st["score_class"]
        side, cell = st["scores"].shape[1], 7.0  # one score-map cell drawn 7 input pixels wide
        gap = 8.0
        width, height = n + gap + side * cell, float(max(n, side * cell))
        cell_px = scene.fit(width, height)
        scene.clear()

        # the picture, pixel by pixel, and the crop the classifier sees for entry (i, j)
        y0 = scene.anchor("input", 0.0, (height - n) / 2)[1]
        scene.picture(np.repeat(st["picture"][..., None], 3, axis=-1), 0.0, y0)
        # every entry's crop and frame at once (view value row·side + column): the browser picks the entry itself
        rows, cols = np.divmod(np.arange(side * side), self.view_strides()[0])
        with scene.moving(draw.by_row(side, STRIDE), draw.by_column(side, STRIDE)):
            scene.box(0.0, y0, CROP, CROP, draw.WINDOW_COLOR)

        # the score map of one class, entry (i, j) framed
        x1, y1 = scene.anchor("scores", n + gap, (height - side * cell) / 2, cell)
        scores = st["scores"][k]
        numbers = np.array([[f"{v:.2f}" for v in row] for row in scores])
        size = draw.font_size(cell_px * cell, self.dpi, numbers)
        colors = draw.diverging_colors(scores, span=(0.25, 0.75))  # zero is white
        scene.fill(draw.squares(side, side) * cell + (x1, y1), colors.reshape(-1, 4), draw.EDGE_COLOR, 0.6)
        r, c = np.mgrid[0:side, 0:side]
        scene.text(numbers.ravel(), np.stack([x1 + (c.ravel() + 0.5) * cell, y1 + (r.ravel() + 0.5) * cell], -1),
                   size=size)
        with scene.moving(draw.by_row(side, cell), draw.by_column(side, cell)):
            scene.box(x1, y1, cell, cell, draw.WINDOW_COLOR)  # the colour of its crop

        tr = self.tr_figure
        titles = [(tr("input {c}×{h}×{w}", c=1, h=n, w=n), ""),
                  (tr("score map {side}×{side}, class {k}", side=side, k=k), tr("the conv net: every crop at once"))]
        centres = [n / 2, x1 + side * cell / 2]
        scene.titles(titles, centres)
        crops = [tr("crop ({top}, {left}) of size {crop}×{crop}, stride {stride}", top=r * STRIDE, left=c * STRIDE,
                    crop=CROP, stride=STRIDE) for r, c in zip(rows, cols, strict=True)]
        scene.text(crops, [(centres[0], draw.TITLE_ROWS[1])] * len(rows), size=10, title=True,
                   shown=np.stack([np.arange(len(rows))] * 2, axis=-1))

    def describe(self):
        st = self.state
        (i, j), k, (top, left) = st["entry"], st["score_class"], st["crop_origin"]
        conv, crop = st["conv_scores"][k], st["crop_scores"][k]
        tr = self.tr
        return [
            tr("entry ({i}, {j}) of the score map ↔ the crop at rows {top}–{bottom}, columns {left}–{right} "
               "(effective stride {stride} = two 2×2 poolings)", i=i, j=j, top=top, bottom=top + CROP - 1, left=left,
               right=left + CROP - 1, stride=STRIDE),
            tr("class {k}: conv net <b>{conv:.12f}</b> · classifier on the crop <b>{crop:.12f}</b> · "
               "difference {difference:.1e}", k=k, conv=conv, crop=crop, difference=abs(conv - crop)),
            tr("all {n} classes: largest difference {difference:.1e} (floating-point rounding only)", n=CLASSES,
               difference=st["difference"]),
            tr("fc1 ({c}·7·7 → {hidden}) as a 7×7 conv {c}→{hidden}: params {fc1:,} = {conv7:,}, the same numbers "
               "reshaped", c=st["channels"], hidden=HIDDEN, fc1=st["fc1_params"], conv7=st["conv7_params"]),
        ]
