"""The contract every explorer keeps (DESIGN.md, "Explorers"), checked on each of them: a real
first picture, every control changes state and picture synchronously, no control offers an
invalid value, errors are shown, a static PNG for readers without a kernel, and the speed
budget of `python -m convlab.bench`."""

import base64
import io

import numpy as np
import pytest
from conftest import IN_CI, WALKS
from PIL import Image

from convlab import bench
from convlab.explorers.base import choices

CASES = dict(bench.explorer_cases())


@pytest.fixture(params=list(CASES), scope="module")
def make(request):
    return CASES[request.param]


def decoded(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_first_picture_is_a_real_picture(make):
    e = make()
    picture = decoded(e.image.value)
    assert picture.shape == (round(e.figsize[1] * e.dpi), round(e.figsize[0] * e.dpi), 4)
    np.testing.assert_array_equal(picture, np.asarray(e.fig.canvas.buffer_rgba()))
    assert (picture[..., :3] < 250).any(axis=-1).mean() > 0.05  # drawn, not blank
    assert e.state and e.readout.value


def other_value(control):
    return next(v for v in reversed(choices(control)) if v != control.value)


def test_every_control_changes_state_and_picture(make):
    e = make()
    for name, control in e.controls.items():
        if len(choices(control)) < 2:
            continue
        before_state, before_png = repr(e.state), e.image.value
        control.value = other_value(control)
        assert e.image.value != before_png, f"{name} did not change the picture"
        assert repr(e.state) != before_state, f"{name} did not change the state"


def test_no_control_offers_an_invalid_value(make):
    """A random walk over the controls; at every state every value of every slider is tried.
    An invalid combination would raise (the explorers compute with convlab's checks)."""
    e, rng = make(), np.random.default_rng(1)
    for _ in range(WALKS):
        for control in e.controls.values():
            start = control.value
            for value in choices(control):
                control.value = value
            control.value = start
        bench.random_change(e, rng)


def test_errors_in_a_callback_are_shown_not_lost(make, monkeypatch):
    e = make()

    def broken():
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(e, "draw", broken)
    control = next(c for c in e.controls.values() if len(choices(c)) > 1)
    with pytest.raises(RuntimeError):
        control.value = other_value(control)
    assert "RuntimeError: drawing failed" in "".join(o.get("text", "") for o in e.errors.outputs)


def test_display_bundle_carries_a_static_png(make):
    e = make()
    bundle = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == e.image.value
    assert bundle["text/plain"].startswith(type(e).__name__ + "(")


def test_update_is_fast_and_beats_a_redraw(make):
    """The budget, measured as in `python -m convlab.bench` (fewer steps)."""
    update, plain, _ = bench.time_explorer(make, steps=9 if IN_CI else 15)
    assert update <= bench.UPDATE_BUDGET_MS
    assert plain / update >= bench.SPEEDUP_BUDGET
