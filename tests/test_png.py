"""convlab.png, the hand-written PNG encoder the explorers send their pictures with: what it
writes decodes (by Pillow and by zlib) to exactly the pixels given, at any size, and it refuses
what is not an RGBA picture."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from convlab import bench, png


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (5, 1), (3, 7), (311, 800), (312, 800)])
def test_pillow_decodes_exactly_the_pixels_given(shape):
    rgba = np.random.default_rng(sum(shape)).integers(0, 256, (*shape, 4), dtype=np.uint8)
    with Image.open(io.BytesIO(png.encode(rgba))) as image:
        assert image.mode == "RGBA" and image.size == (shape[1], shape[0])
        np.testing.assert_array_equal(np.asarray(image), rgba)


def chunks(data):
    assert data[:8] == png.SIGNATURE
    at, found = 8, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at: at + 4])
        kind, body = data[at + 4: at + 8], data[at + 8: at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length: at + 12 + length])
        assert crc == zlib.crc32(kind + body)
        found.append((kind, body))
        at += 12 + length
    return found


def test_the_file_is_well_formed_and_its_stream_inflates_to_the_rows():
    rgba = np.arange(6 * 5 * 4, dtype=np.uint8).reshape(6, 5, 4)
    found = chunks(png.encode(rgba))
    assert [kind for kind, _ in found] == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">IIBBBBB", found[0][1]) == (5, 6, 8, 6, 0, 0, 0)
    rows = np.frombuffer(zlib.decompress(found[1][1]), np.uint8).reshape(6, 1 + 5 * 4)
    assert (rows[:, 0] == 0).all()  # filter type 0 on every row
    np.testing.assert_array_equal(rows[:, 1:].reshape(6, 5, 4), rgba)


def test_a_reused_buffer_does_not_leak_between_pictures():
    a, b = np.zeros((4, 4, 4), np.uint8), np.full((4, 4, 4), 255, np.uint8)
    first, _, again = png.encode(a), png.encode(b), png.encode(a)
    assert first == again


def test_it_agrees_with_pillow_on_an_explorer_picture():
    from convlab.explorers import SlidingKernelExplorer

    e = SlidingKernelExplorer.example()
    e.png()  # drawn by Agg
    rgba = np.asarray(e.fig.canvas.buffer_rgba()).copy()
    ours, theirs = (np.asarray(Image.open(io.BytesIO(data))) for data in (png.encode(rgba), bench.pillow_png(rgba)))
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4, 4), np.float32),
                                 np.zeros((0, 4, 4), np.uint8), np.zeros((4, 4), np.uint8)])
def test_it_refuses_what_is_not_an_rgba_picture(bad):
    with pytest.raises(ValueError, match="rgba must be"):
        png.encode(bad)
