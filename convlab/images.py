"""Real pictures for the notebooks and explorers, from data that ships with matplotlib (no
downloads), resized by area averaging to the small sizes a lesson can show cell by cell."""

from functools import cache, lru_cache

import numpy as np
from matplotlib import cbook
from matplotlib import image as mpimage

__all__ = ["grace_hopper", "resize", "to_gray"]

LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 weights of red, green and blue


@cache
def _portrait():
    with cbook.get_sample_data("grace_hopper.jpg") as file:
        photo = mpimage.imread(file)  # 600 rows, 512 columns, RGB, uint8
    photo = photo[20:468, 32:480] / 255.0  # a 448×448 square around the face
    photo.flags.writeable = False
    return photo


def _area_weights(n_out, n_in):
    """(n_out, n_in) matrix whose row i averages the input pixels that output pixel i covers
    (fractions of a pixel at the edges)."""
    edges = np.linspace(0.0, n_in, n_out + 1)
    left, right, pixel = edges[:-1, None], edges[1:, None], np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(right, pixel + 1) - np.maximum(left, pixel), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def resize(image, size):
    """Resize an (H, W) or (H, W, C) image to `size` (int or (h, w)) by area averaging."""
    h, w = (size, size) if np.ndim(size) == 0 else size
    image = np.asarray(image, dtype=float)
    rows, cols = _area_weights(h, image.shape[0]), _area_weights(w, image.shape[1])
    return np.einsum("ih,hw...,jw->ij...", rows, image, cols, optimize=True)


def to_gray(image):
    """Luminance of an (H, W, 3) RGB image."""
    return np.asarray(image)[..., :3] @ LUMA


def grace_hopper(size=64, gray=False):
    """The matplotlib sample portrait of Grace Hopper, a square around the face, resized to
    size×size: floats in [0, 1], channels first (3, size, size), or (size, size) if gray."""
    return _grace_hopper(size, gray).copy()


@lru_cache(maxsize=64)
def _grace_hopper(size, gray):
    picture = np.clip(resize(_portrait(), size), 0.0, 1.0)
    return to_gray(picture) if gray else picture.transpose(2, 0, 1)
