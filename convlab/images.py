"""Real pictures for the notebooks and explorers: the sample portrait that ships with
matplotlib (no downloads), or the reader's own file, cropped square and resized by area
averaging to the small sizes a lesson can show cell by cell."""

import io
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from matplotlib import cbook
from matplotlib import image as mpimage

__all__ = ["grace_hopper", "load", "resize", "to_gray", "MAX_BYTES", "MAX_PIXELS"]

MAX_BYTES, MAX_PIXELS = 20 * 2 ** 20, 40_000_000  # larger files are refused: a teaching picture needs far less

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


def load(source, size=None, gray=False):
    """A picture from a file: a path, or the bytes of an uploaded file. It is cropped to a
    centred square and, with `size`, resized to size×size by area averaging. Floats in
    [0, 1]: (size, size, 3), or (size, size) if gray. A missing, empty, oversized or
    unreadable file raises a ValueError that says which and why."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), "the uploaded file"
    else:
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"path={str(source)!r} is not a file")
        data, name = path.read_bytes(), path.name
    if not data:
        raise ValueError(f"{name} is empty")
    if len(data) > MAX_BYTES:
        raise ValueError(f"{name} is {len(data) / 2 ** 20:.0f} MB; pictures of up to {MAX_BYTES // 2 ** 20} MB "
                         f"are accepted")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:  # read from the header: nothing decoded yet
                raise ValueError(f"{name} is {image.width}×{image.height} pixels; up to {MAX_PIXELS:,} are accepted")
            picture = np.asarray(image.convert("RGB"), dtype=float) / 255.0
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValueError(f"{name} is not a picture that can be read (PNG, JPEG, GIF, BMP, …): "
                         f"{type(error).__name__}") from None
    h, w = picture.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    picture = picture[top: top + side, left: left + side]
    if size is not None:
        picture = np.clip(resize(picture, size), 0.0, 1.0)
    return to_gray(picture) if gray else picture
