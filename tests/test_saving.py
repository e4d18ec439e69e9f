"""Slides from the explorers: `save` writes PNG (the explorer's own pixels, at the dpi asked), SVG, PDF
and animated GIFs (one frame per value the control offers, the explorer left as it was), refuses bad
paths and controls clearly, and the Save button writes the files under names that say the settings."""

import base64
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from convlab.explorers import Choice, Explorer, FunctionExplorer, PoolingExplorer, SlidingKernelExplorer, Toggle, saving
from convlab.explorers.controls import choices


def decoded(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def snapshot(explorer):
    return explorer.values(), dict(explorer.state)


def assert_unchanged(explorer, before):
    values, state = before
    assert explorer.values() == values
    np.testing.assert_equal(dict(explorer.state), state)


@pytest.mark.parametrize("cls", Explorer.registry(), ids=lambda c: c.__name__)
def test_a_png_at_the_explorers_dpi_has_the_pixels_of_its_picture(cls, tmp_path):
    e = cls.example()
    path = e.save(tmp_path / "slide.png", dpi=e.dpi)
    assert path == tmp_path / "slide.png"
    np.testing.assert_equal(np.asarray(Image.open(path).convert("RGBA")), decoded(e.png()))


def test_the_default_png_is_fit_for_a_projector_and_dpi_changes_it(tmp_path):
    e = SlidingKernelExplorer.example()
    with Image.open(e.save(tmp_path / "a.png")) as big:
        assert big.size == (2000, 780)
        assert big.info["dpi"] == pytest.approx((200, 200), abs=0.01)
    with Image.open(e.save(tmp_path / "b.PNG", dpi=120)) as small:
        assert small.size == (1200, 468)


def test_a_png_at_twice_the_dpi_is_the_same_picture_twice_as_large():
    """Drawn again from the scene at 160 dpi, shrunk back to 80: mostly the same colours as the 80 dpi picture."""
    e = PoolingExplorer.example()
    small = saving.pixels(e)[..., :3].astype(int)
    large = saving.pixels(e, 2 * e.dpi)[..., :3].astype(int)
    assert large.shape == (2 * small.shape[0], 2 * small.shape[1], 3)
    shrunk = large.reshape(small.shape[0], 2, small.shape[1], 2, 3).mean(axis=(1, 3))
    assert np.mean(np.abs(shrunk - small) < 40) > 0.97
    assert e.fig.dpi == e.dpi


def test_svg_and_pdf_are_written_and_leave_the_picture_as_it_was(tmp_path):
    e = SlidingKernelExplorer.example()
    before = e.png()
    svg = e.save(tmp_path / "slide.svg")
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == "720pt" and root.get("height") == "280.8pt"
    pdf = e.save(tmp_path / "slide.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert e.save(tmp_path / "again.pdf").read_bytes() == pdf.read_bytes()  # no date in it: the same file
    assert e.png() == before


def gif_frames(path):
    with Image.open(path) as gif:
        durations, pictures = [], []
        for n in range(gif.n_frames):
            gif.seek(n)
            durations.append(gif.info["duration"])
            pictures.append(np.asarray(gif.convert("RGB")))
        return gif.info.get("loop"), durations, pictures


def test_a_gif_of_the_play_control_has_one_frame_per_position_and_leaves_the_explorer_as_it_was(tmp_path):
    e = SlidingKernelExplorer.example()
    e.controls["position"].value = 2
    before, shown = snapshot(e), e.png()
    loop, durations, pictures = gif_frames(e.save(tmp_path / "slide.gif", fps=4))
    positions = choices(e.controls["position"])
    assert len(pictures) == len(positions) == 4
    assert loop == 0 and durations == [250] * 4
    assert_unchanged(e, before)
    assert e.png() == shown
    for n, value in enumerate(positions):  # each frame the explorer's picture there, up to the palette
        e.controls["position"].value = value
        expected = saving.pixels(e)[..., :3].astype(int)
        assert pictures[n].shape == expected.shape
        assert np.mean(np.abs(pictures[n].astype(int) - expected).max(axis=-1) <= 24) > 0.99


def test_a_gif_of_a_named_control_of_a_pooling_explorer(tmp_path):
    e = PoolingExplorer.example()
    control = next(name for name, c in e.controls.items() if name not in e.plays and 2 <= len(choices(c)) <= 4)
    before = snapshot(e)
    _, durations, pictures = gif_frames(e.save(tmp_path / "pool.gif", control=control, fps=2, dpi=40))
    assert len(pictures) == len(choices(e.controls[control]))
    assert durations == [500] * len(pictures)
    assert pictures[0].shape == (156, 400, 3)
    assert_unchanged(e, before)


def test_the_gif_shows_a_colour_the_same_in_every_frame_and_stays_small(tmp_path):
    """One palette for the whole film: where a frame's picture equals the first one, so does the GIF's."""
    e = SlidingKernelExplorer.example()
    path = e.save(tmp_path / "slide.gif")
    pictures = saving.frames(e, "position")
    _, _, shown = gif_frames(path)
    assert len(shown) == len(pictures) == 4
    for picture, frame in zip(pictures[1:], shown[1:], strict=True):
        same = (picture == pictures[0]).all(axis=-1)
        assert 0.5 < same.mean() < 1
        np.testing.assert_equal(frame[same], shown[0][same])
    assert path.stat().st_size < 2 * len(e.png())


def test_an_explorer_without_play_needs_a_control_and_says_which_can_animate(tmp_path):
    e = FunctionExplorer.example()
    assert not e.plays
    with pytest.raises(ValueError, match=r"FunctionExplorer has no Play control.*control= one of \['stride'\]"):
        e.save(tmp_path / "f.gif")
    _, _, pictures = gif_frames(e.save(tmp_path / "f.gif", control="stride"))
    assert len(pictures) == 4
    assert e.values() == {"stride": 2}


def test_bad_paths_and_arguments_are_clear_errors(tmp_path):
    e = SlidingKernelExplorer.example()
    before = snapshot(e)
    with pytest.raises(ValueError, match=r"path must end in \.png, \.svg, \.pdf or \.gif, got '.*slide\.jpg'"):
        e.save(tmp_path / "slide.jpg")
    with pytest.raises(ValueError, match="path must end in"):
        e.save(tmp_path / "slide")
    with pytest.raises(FileNotFoundError, match="the directory '.*nowhere' does not exist"):
        e.save(tmp_path / "nowhere" / "slide.png")
    with pytest.raises(TypeError, match="path must be a str or a path, got 3"):
        e.save(3)
    with pytest.raises(ValueError, match=r"control must name one of this SlidingKernelExplorer's controls \["
                                         r"'height', .*'position'\], got 'positon'"):
        e.save(tmp_path / "slide.gif", control="positon")
    with pytest.raises(ValueError, match="control only applies to an animation"):
        e.save(tmp_path / "slide.png", control="position")
    with pytest.raises(ValueError, match="fps must be a positive number up to 50, got 0"):
        e.save(tmp_path / "slide.gif", fps=0)
    with pytest.raises(TypeError, match="dpi must be a positive number, got '200'"):
        e.save(tmp_path / "slide.png", dpi="200")
    with pytest.raises(ValueError, match="dpi must be a positive number up to 1000, got -1"):
        e.save(tmp_path / "slide.png", dpi=-1)
    assert not list(tmp_path.iterdir())
    assert_unchanged(e, before)


def test_file_names_say_the_settings_in_safe_characters():
    e = SlidingKernelExplorer.example()
    stem = saving.file_stem(e)
    assert stem.startswith("SlidingKernelExplorer-height-6-width-6-kernel_height-3-kernel_width-3-stride-2-")
    assert stem.endswith("-position-0")
    assert "position" not in saving.file_stem(e, ("position",))
    f = FunctionExplorer(lambda ax, mode, on: ax.set_title(mode), mode=Choice("mode", "a b/c", ("a b/c", "d")),
                         on=Toggle("on"))
    assert saving.file_stem(f) == "FunctionExplorer-mode-a_b_c-on-off"
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", saving.file_stem(f))


def test_the_save_button_is_in_the_widget_and_writes_the_picture_and_the_animation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    e = SlidingKernelExplorer.example()
    assert e.saver in e.widget.children
    button, link = e.saver.children
    assert button.description == "Save"
    before = snapshot(e)
    button.click()
    png, gif = f"{saving.file_stem(e)}.png", f"{saving.file_stem(e, ('position',))}.gif"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([png, gif])
    for name, media in ((png, "image/png"), (gif, "image/gif")):  # each link carries its file
        data = re.search(rf'<a href="data:{media};base64,([^"]+)" download="{re.escape(name)}">{re.escape(name)}</a>',
                         link.value)
        assert data and base64.b64decode(data[1]) == (tmp_path / name).read_bytes()
    assert Image.open(tmp_path / png).size == (2000, 780)
    assert len(gif_frames(tmp_path / gif)[2]) == len(choices(e.controls["position"]))
    assert_unchanged(e, before)
    assert not button.disabled


def test_the_save_button_of_an_explorer_without_play_writes_only_the_picture(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    e = FunctionExplorer.example()
    button, link = e.saver.children
    button.click()
    assert [p.name for p in tmp_path.iterdir()] == ["FunctionExplorer-stride-2.png"]
    assert link.value.count("<a ") == 1


def test_a_failed_save_is_shown_beside_the_button_not_raised(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    e = SlidingKernelExplorer.example()
    button, link = e.saver.children

    def refuse(*args, **kwargs):
        raise OSError("[Errno 30] Read-only file system")

    monkeypatch.setattr(saving, "save", refuse)
    before = snapshot(e)
    button.click()
    assert "Could not save" in link.value and "Read-only file system" in link.value
    assert "<a " not in link.value
    assert not list(tmp_path.iterdir()) and not e.errors.outputs
    assert_unchanged(e, before)
    assert not button.disabled
