"""Real pictures for the notebooks and explorers: the sample portrait that ships with matplotlib (no downloads), or
the reader's own file, cropped square and resized by area averaging; every picture is channels first, like torch."""

import io
import os
import struct
import warnings
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from convlab.checks import ParameterTypeError, positive_int, positive_pair

__all__ = ["grace_hopper", "load", "resize", "to_gray", "PictureError", "MAX_BYTES", "MAX_PIXELS", "MAX_SIDE"]

MAX_BYTES, MAX_PIXELS = 20 * 2 ** 20, 40_000_000  # larger files are refused: a teaching picture needs far less
UPLOADED = "the uploaded file"  # how a message names a file given as bytes
MAX_SIDE = 1024  # the largest side `load` and `grace_hopper` return: a larger square is shrunk to this or under

LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 weights of red, green and blue


class PictureError(ValueError):
    """Why a reader's file cannot be used: a ValueError whose message is `form` filled in with `values`, so
    that an explorer can say it in the reader's language (`convlab.zh` holds each form in Chinese)."""

    def __init__(self, form, **values):
        super().__init__(form.format(**values))
        self.form, self.values = form, values


@cache
def _portrait():
    from matplotlib import cbook
    from matplotlib import image as mpimage

    with cbook.get_sample_data("grace_hopper.jpg") as file:
        photo = mpimage.imread(file)  # 600 rows, 512 columns, RGB, uint8
    photo = np.ascontiguousarray(photo[20:468, 32:480].transpose(2, 0, 1)) / 255.0  # (3, 448, 448) around the face
    photo.flags.writeable = False
    return photo


def _as_float(image):
    try:
        return np.asarray(image, dtype=float)
    except (TypeError, ValueError):
        raise ParameterTypeError(f"image must be an array of numbers, got {type(image).__name__}") from None


def _area_weights(n_out, n_in):
    """(n_out, n_in) matrix whose row i averages the input pixels that output pixel i covers
    (fractions of a pixel at the edges)."""
    edges = np.linspace(0.0, n_in, n_out + 1)
    left, right, pixel = edges[:-1, None], edges[1:, None], np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(right, pixel + 1) - np.maximum(left, pixel), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def resize(image, size):
    """Resize the last two axes of an image, (H, W) or channels first (C, H, W) (or with a batch axis in front), to
    `size` (an int, or (h, w)) by area averaging."""
    h, w = positive_pair(size, "size")
    image = _as_float(image)
    if image.ndim < 2 or 0 in image.shape[-2:]:
        raise ValueError(f"image must be (H, W) or (C, H, W) with at least one row and column, got shape {image.shape}")
    rows, cols = _area_weights(h, image.shape[-2]), _area_weights(w, image.shape[-1])
    return np.einsum("ih,...hw,jw->...ij", rows, image, cols, optimize=True)


def to_gray(image):
    """Luminance of a channels-first RGB image: (3, H, W) → (H, W), and (N, 3, H, W) → (N, H, W)."""
    image = _as_float(image)
    if image.ndim < 3 or image.shape[-3] != 3:
        raise ValueError(f"image must be RGB channels first, (3, H, W) or (N, 3, H, W), got shape {image.shape}")
    return np.moveaxis(image, -3, -1) @ LUMA  # the same sums, to the last bit, as the channels-last version had


def _side(size):
    side = positive_int(size, "size")
    if side > MAX_SIDE:
        raise ValueError(f"size must be at most {MAX_SIDE} (MAX_SIDE), got {size!r}")
    return side


def grace_hopper(size=64, gray=False):
    """The matplotlib sample portrait of Grace Hopper, a square around the face, resized to
    size×size: floats in [0, 1], channels first (3, size, size), or (size, size) if gray."""
    return _grace_hopper(_side(size), bool(gray)).copy()  # a copy: the cached array stays as it is


@lru_cache(maxsize=64)
def _grace_hopper(size, gray):
    picture = np.clip(resize(_portrait(), size), 0.0, 1.0)
    picture = to_gray(picture) if gray else picture
    picture.flags.writeable = False
    return picture


def load(source, size=None, gray=False):
    """A picture from a file: a path, or the bytes of an uploaded file, in the layout of `grace_hopper`.

    The centred square, upright as its EXIF orientation says, transparency shown on white, resized by area averaging
    to size×size. With `size=None`, the square at its own size if it is at most MAX_SIDE pixels a side, else shrunk
    by the smallest whole factor (block means) that brings it to MAX_SIDE or under. Floats in [0, 1], channels first:
    (3, size, size), or (size, size) if gray. A JPEG is decoded at reduced scale and the picture is shrunk in 8 bits
    before it becomes floats, so a 24-megapixel photo costs a few MB. A missing, empty, oversized or unreadable file
    raises a ValueError that says which and why."""
    side = None if size is None else _side(size)
    data, name = _read(source)
    small = np.asarray(_decode(data, name, side)).transpose(2, 0, 1)  # 8 bits until here, under twice `size` a side
    rgb = np.ascontiguousarray(small) / 255.0
    if side is not None and rgb.shape[-1] != side:
        rgb = np.clip(resize(rgb, side), 0.0, 1.0)  # the last step by area averaging, as for the portrait
    return to_gray(rgb) if gray else rgb


def _read(source):
    """The bytes of `source` and how to name it in a message, refusing a missing, empty or oversized file."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), UPLOADED
    elif isinstance(source, (str, os.PathLike)):
        path, name = Path(source), Path(source).name
        if not path.is_file():
            raise PictureError("path={path!r} is not a file", path=str(source))
        if (n_bytes := path.stat().st_size) > MAX_BYTES:  # refused before it is read
            raise _too_big(name, n_bytes)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise PictureError("{name} could not be read: {why}", name=name,
                               why=error.strerror or type(error).__name__) from None
    else:
        raise ParameterTypeError(f"source must be a path or the bytes of a file, got {type(source).__name__}")
    if not data:
        raise PictureError("{name} is empty", name=name)
    if len(data) > MAX_BYTES:
        raise _too_big(name, len(data))
    return data, name


def _too_big(name, n_bytes):
    return PictureError("{name} is {mb:.0f} MB; pictures of up to {most} MB are accepted", name=name,
                        mb=n_bytes / 2 ** 20, most=MAX_BYTES // 2 ** 20)


def _decode(data, name, side):
    """The file's centred square as an 8-bit RGB Pillow image (see `load`), refusing too many pixels or a file that
    is not a readable picture."""
    from PIL import Image

    unreadable = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, Image.DecompressionBombError)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below with a clearer message
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours
        raise PictureError("{name} has too many pixels; up to {most:,} are accepted", name=name,
                           most=MAX_PIXELS) from None
    except unreadable as error:
        raise _unreadable(name, error) from None
    with image:
        if image.width * image.height > MAX_PIXELS:  # read from the header: nothing decoded yet
            raise PictureError("{name} is {width}×{height} pixels; up to {most:,} are accepted", name=name,
                               width=image.width, height=image.height, most=MAX_PIXELS)
        try:
            return _square(image, side)
        except unreadable as error:
            raise _unreadable(name, error) from None


def _unreadable(name, error):
    return PictureError("{name} is not a picture that can be read (PNG, JPEG, GIF, BMP, …): {why}", name=name,
                        why=type(error).__name__)


def _square(image, side):
    """The centred square, decoded at reduced scale and shrunk by a whole factor to between `side` and twice that
    (or to at most MAX_SIDE), then turned upright and shown on white: the full-size picture is never copied."""
    from PIL import ImageOps

    image.draft("RGB", (side or MAX_SIDE,) * 2)  # JPEG: decode at 1/2, 1/4 or 1/8 scale, never below the target
    image = _eight_bit(image)
    width, height = image.size
    full = min(width, height)
    factor = max(1, full // side) if side else -(-full // MAX_SIDE)
    kept = full // factor * factor  # drop the last few (under `factor`) rows and columns, half on each side
    left, top = (width - kept) // 2, (height - kept) // 2
    small = image.reduce(factor, (left, top, left + kept, top + kept))  # exact means of factor×factor blocks
    ImageOps.exif_transpose(small, in_place=True)  # a centred square commutes with turning, so turn the small one
    return _on_white(small)


def _eight_bit(image):
    """The decoded picture in a mode that resizes correctly: L or RGB, LA or RGBA if it has transparency (resized
    with its alpha premultiplied), 16-bit grey scaled to 8 bits rather than clipped."""
    if image.has_transparency_data:
        return image if image.mode in ("LA", "RGBA") else image.convert("RGBA")
    if image.mode.startswith("I;16"):
        return image.convert("I").point(lambda value: value / 257).convert("L")
    return image if image.mode in ("L", "RGB") else image.convert("RGB")


def _on_white(image):
    from PIL import Image

    if image.mode in ("LA", "RGBA"):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", image.size, "white")
        white.paste(rgba, mask=rgba)
        return white
    return image if image.mode == "RGB" else image.convert("RGB")
