"""convlab.images: one layout, channels first, for the sample portrait and for the reader's own file;
`load` turns a path or uploaded bytes into a small picture, upright and on white, or refuses it with a
ValueError that says why; bad sizes and arrays are refused by name."""

import io
import re
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from convlab.images import MAX_BYTES, MAX_SIDE, grace_hopper, load, resize, to_gray

RED, GREEN, BLUE, YELLOW = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)


def encode(image, file_format="png", **options):
    buffer = io.BytesIO()
    image.save(buffer, file_format, **options)
    return buffer.getvalue()


def png(width, height, mode="RGB", seed=0):
    pixels = (np.random.default_rng(seed).random((height, width, 3)) * 255).astype(np.uint8)
    return encode(Image.fromarray(pixels).convert(mode))


def flat_png(width, height):
    return encode(Image.new("L", (width, height)))


def claims(width, height):
    """A small PNG whose header claims width×height pixels (its data is for 8×8)."""
    data = flat_png(8, 8)
    header = b"IHDR" + struct.pack(">II", width, height) + data[24:29]
    return data[:12] + header + struct.pack(">I", zlib.crc32(header)) + data[33:]


def quadrants(width, height):
    """An upright (height, width, 3) picture: red top left, green top right, blue bottom left, yellow bottom right."""
    pixels = np.empty((height, width, 3), np.uint8)
    top, left = np.arange(height)[:, None] < height // 2, np.arange(width)[None, :] < width // 2
    for colour, where in ((RED, top & left), (GREEN, top & ~left), (BLUE, ~top & left), (YELLOW, ~top & ~left)):
        pixels[where] = colour
    return pixels


def test_load_crops_square_resizes_and_converts(tmp_path):
    data = png(50, 30)
    picture = load(data, 16)
    assert picture.shape == (3, 16, 16) and 0 <= picture.min() and picture.max() <= 1
    assert picture.dtype == np.float64 and picture.flags.c_contiguous
    assert load(data, 16, gray=True).shape == (16, 16)
    assert load(data).shape == (3, 30, 30)  # the centred square, full size
    (tmp_path / "grey.png").write_bytes(png(20, 20, mode="L"))
    assert load(tmp_path / "grey.png", 8).shape == (3, 8, 8)  # grey files come back as RGB too


def test_the_portrait_and_a_loaded_picture_share_one_layout():
    portrait = grace_hopper(32)
    saved = encode(Image.fromarray(np.round(portrait.transpose(1, 2, 0) * 255).astype(np.uint8)))
    np.testing.assert_allclose(load(saved), portrait, atol=0.5 / 255)  # channels first both ways
    np.testing.assert_allclose(load(saved, gray=True), grace_hopper(32, gray=True), atol=0.5 / 255)
    np.testing.assert_allclose(to_gray(portrait), grace_hopper(32, gray=True), atol=1e-12)


def test_load_keeps_exact_pixels_and_averages_areas():
    pixels = (np.random.default_rng(3).random((6, 9, 3)) * 255).astype(np.uint8)
    data = encode(Image.fromarray(pixels))
    square = pixels[:, 1:7].transpose(2, 0, 1) / 255.0  # 9 - 6 = 3 spare columns: 1 left, 2 right
    np.testing.assert_equal(load(data), square)
    np.testing.assert_allclose(load(data, 3), resize(square, 3), atol=0.5 / 255 + 1e-12)  # Pillow rounds to 8 bits
    np.testing.assert_allclose(load(data, 3, gray=True), to_gray(resize(square, 3)), atol=0.5 / 255 + 1e-12)


def test_without_a_size_a_large_square_shrinks_by_a_whole_factor_to_max_side_or_under():
    assert load(png(MAX_SIDE + 10, MAX_SIDE)).shape == (3, MAX_SIDE, MAX_SIDE)  # at most MAX_SIDE: as it is
    picture = load(encode(Image.fromarray(quadrants(2200, 2100)), compress_level=1))
    assert MAX_SIDE == 1024 and picture.shape == (3, 700, 700)  # 2100 / 3: the smallest whole factor
    np.testing.assert_equal(picture.transpose(1, 2, 0) * 255, quadrants(700, 700))  # 3×3 means, each in one colour


@pytest.mark.parametrize("orientation, turn", [(1, 0), (3, 2), (6, 1), (8, -1)])
@pytest.mark.parametrize("width, height, size", [(48, 32, 8), (960, 640, 16)])
def test_a_rotated_phone_photo_arrives_upright(orientation, turn, width, height, size):
    # the camera stores the pixels turned; the EXIF tag says how to turn them back (6: 90° clockwise)
    stored = np.ascontiguousarray(np.rot90(quadrants(width, height), turn))  # rot90: counter-clockwise
    exif = Image.Exif()
    exif[0x0112] = orientation
    picture = load(encode(Image.fromarray(stored), "jpeg", quality=95, exif=exif), size)
    corners = picture[:, [0, 0, -1, -1], [0, -1, 0, -1]].T * 255
    np.testing.assert_allclose(corners, [RED, GREEN, BLUE, YELLOW], atol=30)


def test_a_rotated_photo_is_upright_at_full_size_too():
    stored = np.ascontiguousarray(np.rot90(quadrants(30, 20), 1))
    exif = Image.Exif()
    exif[0x0112] = 6
    picture = load(encode(Image.fromarray(stored), "png", exif=exif))
    np.testing.assert_equal(picture.transpose(1, 2, 0) * 255, quadrants(30, 20)[:, 5:25])  # lossless: exact


def transparent(mode):
    """A 4×4 file: left half fully transparent over black, right half opaque red (grey 128 for L)."""
    alpha = np.repeat([[0, 0, 255, 255]], 4, axis=0).astype(np.uint8)
    if mode == "LA":
        return encode(Image.fromarray(np.stack([alpha // 255 * 128, alpha], -1), "LA"))
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = alpha, alpha
    if mode == "RGBA":
        return encode(Image.fromarray(rgba, "RGBA"))
    palette = Image.fromarray(rgba[..., 0] // 255, "P")
    palette.putpalette([0, 0, 0, 255, 0, 0])
    return encode(palette, "png" if mode == "P" else "gif", transparency=0)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "GIF"])
def test_transparency_is_shown_on_white(mode):
    picture = load(transparent(mode)) * 255
    np.testing.assert_allclose(picture[:, :, :2], 255)  # not the black underneath
    right = [128, 128, 128] if mode == "LA" else [255, 0, 0]
    np.testing.assert_allclose(picture[:, :, 2:].reshape(3, -1).T, np.tile(right, (8, 1)))


def test_half_transparent_blue_is_light_blue_when_resized():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 2], rgba[..., 3] = 255, 128
    picture = load(encode(Image.fromarray(rgba, "RGBA")), 4)
    np.testing.assert_allclose(picture.reshape(3, -1).mean(axis=1), [127 / 255, 127 / 255, 1.0], atol=2 / 255)


def test_sixteen_bit_grey_is_scaled_not_clipped():
    half = Image.fromarray(np.full((4, 4), 32896, np.uint16))  # 128·257: mid grey in 16 bits
    np.testing.assert_allclose(load(encode(half)), 128 / 255)


@pytest.mark.parametrize("gray", [False, True])
def test_the_cached_portrait_is_never_handed_out(gray):
    expected, handed = grace_hopper(16, gray), grace_hopper(16, gray)
    assert handed.flags.writeable and not np.shares_memory(expected, handed)
    handed[...] = 0.0
    np.testing.assert_equal(grace_hopper(16, gray), expected)  # the zeros did not reach the cache


@pytest.mark.parametrize("size", [0, -3, 2.0, True, (0, 4), (4, -1), "8", None])
def test_resize_refuses_sizes_that_are_not_positive(size):
    with pytest.raises(ValueError, match=f"size must be .*, got {re.escape(repr(size))}"):
        resize(np.zeros((4, 4)), size)


def test_resize_keeps_leading_axes_and_refuses_an_empty_image():
    rng = np.random.default_rng(5)
    batch = rng.random((2, 3, 6, 4))
    out = resize(batch, (3, 2))
    assert out.shape == (2, 3, 3, 2)
    np.testing.assert_allclose(out[1, 2], batch[1, 2].reshape(3, 2, 2, 2).mean(axis=(1, 3)))
    for bad in (np.zeros((0, 4)), np.zeros(5), np.zeros((3, 4, 0))):
        with pytest.raises(ValueError, match="image must be"):
            resize(bad, 2)
    with pytest.raises(TypeError, match="image must be an array of numbers"):
        resize([["a", "b"]], 2)


def test_to_gray_takes_channels_first():
    rng = np.random.default_rng(6)
    rgb = rng.random((3, 5, 7))
    np.testing.assert_allclose(to_gray(rgb), 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2])
    np.testing.assert_allclose(to_gray(rgb[None])[0], to_gray(rgb))  # a batch axis in front is kept
    for bad in (rgb.transpose(1, 2, 0), rgb[0], np.zeros((4, 5, 5))):
        with pytest.raises(ValueError, match=r"image must be RGB channels first, \(3, H, W\)"):
            to_gray(bad)


@pytest.mark.parametrize("size", [0, -1, 1.5, True, "16", (16, 16), MAX_SIDE + 1])
@pytest.mark.parametrize("function", [lambda size: load(png(8, 8), size), grace_hopper])
def test_picture_sizes_are_checked(function, size):
    with pytest.raises(ValueError, match=f"size must be .*, got {re.escape(repr(size))}"):
        function(size)


@pytest.mark.parametrize("data, match", [
    (b"", "empty"),
    (b"not a picture at all", "not a picture"),
    (bytes(MAX_BYTES + 1), "MB"),
    (flat_png(7000, 7000), "pixels"),  # small file, too many pixels to decode
    (claims(12000, 12000), "12000×12000 pixels"),  # past Pillow's warning: our message, no warning
    (claims(20000, 20000), "too many pixels"),  # past Pillow's own decompression-bomb error: still our message
    (encode(Image.fromarray(quadrants(64, 64)), "jpeg")[:400], "not a picture"),  # truncated
])
def test_load_refuses_bad_files_clearly(data, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=match):
            load(data, 16)


def test_a_missing_path_is_a_clear_error():
    with pytest.raises(ValueError, match="not a file"):
        load("no/such/picture.png")


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path):
    with open(tmp_path / "huge.jpg", "wb") as file:
        file.truncate(MAX_BYTES + 1)  # sparse: refused from its size alone
    with pytest.raises(ValueError, match="huge.jpg is 20 MB; pictures of up to 20 MB"):
        load(tmp_path / "huge.jpg")


@pytest.mark.parametrize("source", [3, None, ["a.png"]])
def test_a_source_that_is_neither_path_nor_bytes_is_refused(source):
    with pytest.raises(TypeError, match="source must be a path or the bytes of a file"):
        load(source)
