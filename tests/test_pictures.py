"""Bring your own picture: convlab.images.load turns a file (path or uploaded bytes) into a
small teaching picture or refuses it clearly; the explorers that show a picture take it from
a path or the upload button, and a bad file never costs the reader the current view."""

import datetime
import io

import numpy as np
import pytest
from PIL import Image

from convlab.explorers import FCEquivalenceExplorer, ReceptiveFieldExplorer
from convlab.images import MAX_BYTES, load


def png(width, height, mode="RGB", seed=0):
    pixels = (np.random.default_rng(seed).random((height, width, 3)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(buffer, "png")
    return buffer.getvalue()


def flat_png(width, height):
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, "png")
    return buffer.getvalue()


def test_load_crops_square_resizes_and_converts(tmp_path):
    data = png(50, 30)
    picture = load(data, 16)
    assert picture.shape == (16, 16, 3) and 0 <= picture.min() and picture.max() <= 1
    assert load(data, 16, gray=True).shape == (16, 16)
    assert load(data).shape == (30, 30, 3)  # the centred square, full size
    (tmp_path / "grey.png").write_bytes(png(20, 20, mode="L"))
    assert load(tmp_path / "grey.png", 8).shape == (8, 8, 3)  # grey files come back as RGB too


@pytest.mark.parametrize("data, match", [
    (b"", "empty"),
    (b"not a picture at all", "not a picture"),
    (bytes(MAX_BYTES + 1), "MB"),
    (flat_png(7000, 7000), "pixels"),  # small file, too many pixels to decode
])
def test_load_refuses_bad_files_clearly(data, match):
    with pytest.raises(ValueError, match=match):
        load(data, 16)


def test_a_missing_path_is_a_clear_error():
    with pytest.raises(ValueError, match="not a file"):
        load("no/such/picture.png")


@pytest.mark.parametrize("make", [lambda **kw: FCEquivalenceExplorer(input_size=38, **kw),
                                  lambda **kw: ReceptiveFieldExplorer(network="AlexNet", **kw)])
def test_explorers_take_a_path_and_an_upload(make, tmp_path):
    (tmp_path / "mine.png").write_bytes(png(64, 48, seed=1))
    portrait, mine = make(), make(path=tmp_path / "mine.png")
    assert portrait.image.value != mine.image.value
    upload = portrait.upload
    upload.value = ({"name": "other.png", "type": "image/png", "size": 1, "content": memoryview(png(40, 40, seed=2)),
                     "last_modified": datetime.datetime(2026, 1, 1)},)
    assert portrait.image.value not in (mine.image.value, make().image.value)
    assert "Showing other.png" in portrait.readout.value


@pytest.mark.parametrize("make", [lambda: FCEquivalenceExplorer(input_size=38), lambda: ReceptiveFieldExplorer()])
@pytest.mark.parametrize("bad", [b"", b"GIF89a broken", bytes(MAX_BYTES + 1)])
def test_a_bad_upload_keeps_the_view_and_says_why(make, bad):
    e = make()
    before_png, before_state = e.image.value, repr(e.state)
    assert not e.use_picture(bad, "bad.gif")
    assert e.image.value == before_png and repr(e.state) == before_state
    assert "Could not use bad.gif" in e.readout.value and "unchanged" in e.readout.value
    assert not e.errors.outputs  # no traceback anywhere
