"""Bring your own picture in an explorer: the explorers that show a picture take it from a path or
the upload button (convlab.images.load, tested in test_images.py), and a bad file never costs the reader
the current view."""

import copy
import datetime
import io

import numpy as np
import pytest
from PIL import Image

from convlab.explorers import FCEquivalenceExplorer, ReceptiveFieldExplorer
from convlab.images import MAX_BYTES


def png(width, height, seed=0):
    pixels = (np.random.default_rng(seed).random((height, width, 3)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "png")
    return buffer.getvalue()


@pytest.mark.parametrize("make", [lambda **kw: FCEquivalenceExplorer(input_size=38, **kw),
                                  lambda **kw: ReceptiveFieldExplorer(network="AlexNet", **kw)])
def test_explorers_take_a_path_and_an_upload(make, tmp_path):
    (tmp_path / "mine.png").write_bytes(png(64, 48, seed=1))
    portrait, mine = make(), make(path=tmp_path / "mine.png")
    assert portrait.png() != mine.png()
    upload = portrait.upload
    upload.value = ({"name": "other.png", "type": "image/png", "size": 1, "content": memoryview(png(40, 40, seed=2)),
                     "last_modified": datetime.datetime(2026, 1, 1)},)
    assert portrait.png() not in (mine.png(), make().png())
    assert "Showing other.png" in portrait.readout.value


@pytest.mark.parametrize("make", [lambda: FCEquivalenceExplorer(input_size=38), lambda: ReceptiveFieldExplorer()])
@pytest.mark.parametrize("bad", [b"", b"GIF89a broken", bytes(MAX_BYTES + 1)])
def test_a_bad_upload_keeps_the_view_and_says_why(make, bad):
    e = make()
    before_png, before_state = e.png(), copy.deepcopy(e.state)
    assert not e.use_picture(bad, "bad.gif")
    assert e.png() == before_png
    np.testing.assert_equal(e.state, before_state)
    assert "Could not use bad.gif" in e.readout.value and "unchanged" in e.readout.value
    assert not e.errors.outputs  # no traceback anywhere
