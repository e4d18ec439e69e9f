"""A 24-megapixel photo cannot hurt: loading one raises a fresh Python's peak memory by at most 150 MB, where
decoding it to floats at full size took about 800 MB. Measured in a child process, so nothing else in the test run
counts, as the rise of its peak resident size over its size just before the call."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from convlab.images import MAX_BYTES

BUDGET_MB = 150
WIDTH, HEIGHT = 6000, 4000  # 24 megapixels, as from a phone or a camera

# The child reads Linux's VmHWM (peak resident size of this process image), reset to the current size just before
# the call. Not ru_maxrss: Linux carries it across fork and exec, so a child of a large pytest process starts with
# the parent's peak and a rise below that would not show. Elsewhere it falls back to ru_maxrss.
CHILD = """
import json, re, resource, sys
from convlab.images import load

def kilobytes(field):
    with open("/proc/self/status") as status:
        return int(re.search(field + r":\\s+(\\d+) kB", status.read()).group(1))

load(sys.argv[2], 8)  # a small picture first: libraries, decoders and first-use buffers are not the photo's cost
try:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak starts again from the current size
    peak, before = (lambda: kilobytes("VmHWM")), kilobytes("VmRSS")
except OSError:
    unit = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, kilobytes on Linux
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit / 1024
    before = peak()
picture = load(sys.argv[1], None if sys.argv[3] == "None" else int(sys.argv[3]))
rise = (peak() - before) / 1024
print(json.dumps(dict(shape=picture.shape, corner=picture[:, 0, 0].tolist(), rise_mb=rise)))
"""


def photo(noise):
    """A 6000×4000 picture with smooth gradients, a checkerboard and (for a JPEG) some noise like a camera's."""
    y, x = np.ogrid[:HEIGHT, :WIDTH]
    pixels = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    pixels[..., 0], pixels[..., 1] = x * 255 // WIDTH, y * 255 // HEIGHT
    pixels[..., 2] = (x // 250 + y // 250) % 2 * 200
    if noise:
        pixels += np.random.default_rng(0).integers(0, 24, (HEIGHT, WIDTH, 1), dtype=np.uint8)
    return Image.fromarray(pixels)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    photo(noise=True).save(folder / "photo.jpg", quality=90)
    photo(noise=False).save(folder / "photo.png", compress_level=1)
    Image.new("RGB", (40, 30), "white").save(folder / "small.jpg")
    return folder


@pytest.mark.parametrize("name, size, shape", [("photo.jpg", 64, (3, 64, 64)), ("photo.jpg", 256, (3, 256, 256)),
                                                ("photo.jpg", None, (3, 1000, 1000)),  # 4000 / 4: at most MAX_SIDE
                                                ("photo.png", 64, (3, 64, 64))])  # no reduced decoding for a PNG
def test_a_24_megapixel_photo_raises_peak_memory_by_at_most_150_mb(files, name, size, shape):
    path = files / name
    assert path.stat().st_size <= MAX_BYTES  # a file `load` accepts (the JPEG is about 9 MB, like a camera's)
    with Image.open(path) as image:
        assert image.size == (WIDTH, HEIGHT)
    run = subprocess.run([sys.executable, "-c", CHILD, str(path), str(files / "small.jpg"), str(size)],
                         capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(run.stdout)
    print(f"{name} at size {size}: peak memory +{result['rise_mb']:.0f} MB (budget {BUDGET_MB} MB)")
    assert tuple(result["shape"]) == shape
    np.testing.assert_allclose(result["corner"], [0.18, 0.02, 0.02], atol=0.06)  # the square's corner, x = 1000
    assert result["rise_mb"] <= BUDGET_MB
