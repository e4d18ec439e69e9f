"""The contract every explorer keeps (DESIGN.md, "Explorers"), checked on each class that
`Explorer.registry()` finds, so a new explorer is tested the moment it exists: an `example()`, a
real first picture whose pixels show what the state says, every control changes state and picture
synchronously, every value a reader can give a control ends in a valid state, bad starting values
are clear errors, errors are shown and then cleared, a static PNG for readers without a kernel, and
the in-place update beats a redraw from scratch."""

import base64
import inspect
import io
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import IN_CI, WALKS
from PIL import Image

from convlab import bench, draw
from convlab.explorers import Explorer, GroupConvExplorer
from convlab.explorers.controls import Choice, Int, Toggle, choices, every_value

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import stride_explorer  # noqa: E402, F401  (CONTRIBUTING.md's example: held to the same contract)

EXPLORERS = Explorer.registry()


@pytest.fixture(params=EXPLORERS, ids=lambda cls: cls.__name__, scope="module")
def cls(request):
    return request.param


def decoded(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_the_registry_finds_every_explorer_and_each_has_an_example():
    names = {c.__name__ for c in EXPLORERS}
    assert {"SlidingKernelExplorer", "PointwiseExplorer", "FCEquivalenceExplorer", "DilationExplorer",
            "GroupConvExplorer", "StackedKernelExplorer", "ReceptiveFieldExplorer", "FunctionExplorer",
            "StrideExplorer"} <= names
    for c in EXPLORERS:
        assert c.example.__func__ is not Explorer.example.__func__, f"{c.__name__} has no example()"


def test_a_new_subclass_is_registered_and_one_without_example_is_caught():
    class Unfinished(Explorer):
        pass

    assert Unfinished in Explorer.registry()
    with pytest.raises(NotImplementedError, match="Unfinished has no example"):
        Unfinished.example()
    del Unfinished


def test_first_picture_is_a_real_picture(cls):
    e = cls.example()
    assert isinstance(e, cls)
    picture = decoded(e.png())
    assert picture.shape == (round(e.figsize[1] * e.dpi), round(e.figsize[0] * e.dpi), 4)
    np.testing.assert_array_equal(picture, np.asarray(e.fig.canvas.buffer_rgba()))
    assert (picture[..., :3] < 250).any(axis=-1).mean() > 0.05  # drawn, not blank
    assert e.state and e.readout.value


def other_value(control):
    return next(v for v in reversed(choices(control)) if v != control.value)


def differs(a, b):
    try:
        np.testing.assert_equal(a, b)
    except AssertionError:
        return True
    return False


def test_every_control_changes_state_and_picture(cls):
    e = cls.example()
    for name, control in e.controls.items():
        if len(choices(control)) < 2:
            continue
        before_state, before_png = dict(e.state), e.png()
        control.value = other_value(control)
        assert e.png() != before_png, f"{name} did not change the picture"
        assert differs(e.state, before_state), f"{name} did not change the state"


def test_arrays_in_the_state_are_read_only(cls):
    e = cls.example()
    for key, value in e.state.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, np.ndarray):
                assert not item.flags.writeable, f"state[{key!r}] is writable"


def test_every_value_a_reader_can_give_ends_in_a_valid_state(cls):
    """A seeded random walk; at every state every integer of every slider's range is tried, also
    between its steps (typed into the readout): the explorer snaps it onto the steps or the
    dependency holds, and never fails."""
    e, rng = cls.example(), np.random.default_rng(1)
    for _ in range(WALKS):
        for control in e.controls.values():
            start = control.value
            for value in every_value(control):
                control.value = value
                if hasattr(control, "step") and not control.disabled:
                    assert (control.value - control.min) % control.step == 0
            control.value = start
        bench.random_change(e, rng)
    assert not e.errors.outputs


@pytest.mark.parametrize("channels, groups, name, value", [(8, 8, "out_channels", 9), (8, 4, "in_channels", 6),
                                                           (6, 3, "out_channels", 7)])
def test_a_value_between_the_steps_is_snapped_and_said(channels, groups, name, value):
    """GroupConvExplorer's channel sliders step by the groups; a value between the steps (typed,
    or set from Python) moves to the nearest step and the readout says so."""
    e = GroupConvExplorer(in_channels=channels, out_channels=channels, groups=groups)
    e.controls[name].value = value
    assert e.state[name] % groups == 0 and abs(e.state[name] - value) <= groups / 2
    assert e.state["groups"] == groups and not e.errors.outputs
    assert f"{name} = {value} is not offered here" in e.readout.value
    e.controls[name].value = groups if e.state[name] != groups else 2 * groups  # on the steps: the notice goes
    assert "is not offered" not in e.readout.value


def bad_values(spec):
    if isinstance(spec, Int):
        return [spec.lo - 1, spec.hi + 1, 2.5, "3", True]
    if isinstance(spec, Choice):
        return ["no such thing", 99.5, None, [spec.default], np.array([spec.default])]
    if isinstance(spec, Toggle):
        return ["yes", 1, None]
    raise AssertionError(spec)


def test_bad_starting_values_are_clear_errors(cls):
    """Fuzz every keyword argument a control comes from: each bad value is a ValueError or
    TypeError naming the argument, never another exception and never silently accepted."""
    e = cls.example()
    parameters = inspect.signature(cls.__init__).parameters
    for name, spec in e.declared.items():
        argument = spec.argument or name
        if argument not in parameters:
            continue
        for bad in bad_values(spec):
            value = (bad,) if argument == "dilations" else bad
            with pytest.raises((ValueError, TypeError), match=argument):
                cls(**{argument: value})


def test_errors_are_shown_and_cleared_by_the_next_good_update(cls, monkeypatch):
    e = cls.example()

    def broken():
        raise RuntimeError("drawing failed")

    control = next(c for c in e.controls.values() if len(choices(c)) > 1)
    with monkeypatch.context() as patch:
        patch.setattr(e, "draw", broken)
        with pytest.raises(RuntimeError):
            control.value = other_value(control)
        assert "RuntimeError: drawing failed" in "".join(o.get("text", "") for o in e.errors.outputs)
    control.value = other_value(control)
    assert not e.errors.outputs


def test_changes_from_two_threads_end_in_the_state_of_the_last_values():
    """JupyterLab may deliver widget messages on a kernel subshell while a cell runs: updates from
    two threads are taken one at a time, and the state ends matching the controls."""
    import threading

    from convlab.explorers import SlidingKernelExplorer

    e = SlidingKernelExplorer(input_size=8, kernel_size=3, in_channels=2, out_channels=2)

    def drag(name, values):
        for value in values:
            e.controls[name].value = value

    threads = [threading.Thread(target=drag, args=("position", [n % 30 for n in range(60)])),
               threading.Thread(target=drag, args=("stride", [1 + n % 3 for n in range(60)]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    oh, ow = e.state["output_size"]
    assert e.state["stride"] == e.controls["stride"].value
    assert e.state["position"] == divmod(e.controls["position"].value, ow) and not e.errors.outputs


def test_display_bundle_carries_a_static_png(cls):
    e = cls.example()
    bundle = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == e.png()
    assert bundle["text/plain"].startswith(type(e).__name__ + "(")


def test_animation_steps_through_what_the_control_offers_and_leaves_the_explorer_as_it_was(cls):
    e = cls.example()
    name, control = next((n, c) for n, c in e.controls.items() if len(choices(c)) > 1)
    before, frames = dict(e.state), choices(control)
    page = e.animate(name, frames=frames[:3]).data
    assert page.count("data:image/png;base64") == min(3, len(frames))
    assert "font-awesome" not in page and "http" not in page.split("<script", 1)[0]
    np.testing.assert_equal(e.state, before)
    assert control.value == before.get(name, control.value)


@pytest.mark.parametrize("cls", [c for c in EXPLORERS if c.in_place], ids=lambda c: c.__name__)
def test_update_beats_a_redraw_from_scratch(cls):
    """The ratio as `python -m convlab.bench` measures it (fewer steps), in the same run, and a
    loose ceiling that only catches gross regressions: no absolute budget on a shared machine."""
    update, plain, _ = bench.time_explorer(cls.example, steps=5 if IN_CI else 15)  # the ratio is tens, the budget 3
    print(f"{cls.__name__}: update {update:.1f} ms, redraw {plain:.1f} ms, {plain / update:.1f}×")
    assert plain / update >= bench.SPEEDUP_BUDGET
    assert update <= 10 * bench.UPDATE_BUDGET_MS


# -- the pictures show what the state says: colours at computed cell centres ------------------

def colour(e, x, y):
    """RGB in [0, 1] of the picture (its PNG, drawn by Agg) at the point (x, y) in cells."""
    key = (id(e), tuple(e.values().items()))
    if key not in PICTURES:
        PICTURES.clear()
        PICTURES[key] = decoded(e.png())
    row, col = e.pixel(x, y)
    return PICTURES[key][row, col, :3] / 255.0


PICTURES = {}  # the last picture decoded, by explorer and settings


def corner(e, block, row, col, scale=None):
    """A point inside cell (row, col) of a block, between its corner and its centre: clear of the
    outlines drawn on the cell's edges and of the number in its middle."""
    x, y, s = e.scene.anchors[block]
    s = scale or s
    return x + (col + 0.25) * s, y + (row + 0.25) * s


def tinted_cells(e, block, rows, cols):
    """The cells of a block whose colour changes when the window moves elsewhere."""
    return {(r, c) for r in range(rows) for c in range(cols)}, [colour(e, *corner(e, block, r, c))
                                                               for r in range(rows) for c in range(cols)]


def assert_window_cells(e, position_control, taps_of, rows, cols, block="input"):
    """Move the window between two positions: exactly the cells it reads change colour."""
    control = e.controls[position_control]
    first, second = 0, control.max
    control.value = first
    taps_first = taps_of(e.state)
    cells, before = tinted_cells(e, block, rows(e.state), cols(e.state))
    control.value = second
    taps_second = taps_of(e.state)
    _, after = tinted_cells(e, block, rows(e.state), cols(e.state))
    changed = {cell for cell, a, b in zip(sorted(cells), before, after, strict=True) if np.abs(a - b).max() > 0.02}
    assert changed == (taps_first ^ taps_second) & cells


def probe_sliding(e):
    def taps(st):
        top, left = st["window_origin"]
        (kh, kw), d = st["kernel_size"], st["dilation"]
        return {(top + u * d, left + v * d) for u in range(kh) for v in range(kw)}

    assert_window_cells(e, "position", taps, lambda st: st["padded_size"][0], lambda st: st["padded_size"][1])
    e.controls["position"].value = 2
    oh, ow = e.state["output_size"]
    for n in range(oh * ow):  # the output fills in up to the current position
        white = colour(e, *corner(e, "output", *divmod(n, ow))).min() > 0.99
        assert white == (n > 2), n


def probe_dilation(e):
    def taps(st):
        return set(map(tuple, st["taps"]))

    side = lambda st: st["input_size"] + 2 * st["padding"]  # noqa: E731
    assert_window_cells(e, "position", taps, side, side)


def probe_pointwise(e):
    e.controls["row"].value, e.controls["col"].value = 0, 0
    before = colour(e, *corner(e, "input", 0, 0))
    e.controls["row"].value, e.controls["col"].value = 2, 3
    assert np.abs(colour(e, *corner(e, "input", 0, 0)) - before).max() > 0.02  # the window left (0, 0)…
    after = colour(e, *corner(e, "input", 2, 3))
    e.controls["row"].value = 1
    assert np.abs(colour(e, *corner(e, "input", 2, 3)) - after).max() > 0.02  # …and sits on (2, 3)


def probe_groups(e):
    connected = e.state["connections"]
    for o in range(connected.shape[0]):
        for c in range(connected.shape[1]):
            white = colour(e, *corner(e, "matrix", o, c)).min() > 0.99
            assert white == (not connected[o, c]), (o, c)


def probe_stacked(e):
    kernel = e.state["kernel"]
    for r in range(kernel.shape[0]):
        for c in range(kernel.shape[1]):
            x, y, s = e.scene.anchors["kernel"]
            white = colour(e, x + (c + 0.5) * s, y + (r + 0.5) * s).min() > 0.99
            if not white:
                assert kernel[r, c] != 0, (r, c)


def is_red(rgb):
    return rgb[0] > 0.6 and rgb[1] < 0.45 and rgb[2] < 0.45


def probe_fc(e):
    i, j = e.state["entry"]
    x, y, cell = e.scene.anchors["scores"]
    assert is_red(colour(e, x + j * cell, y + (i + 0.5) * cell))  # the left edge of the framed entry
    far = (j + 2) % e.state["scores"].shape[2]
    assert not is_red(colour(e, x + (far + 0.5) * cell, y + (i + 0.5) * cell))


def probe_receptive(e):
    top, left = e.state["box"]
    size = e.state["field"].size
    x, y, _ = e.scene.anchors["picture 1"]  # the right panel: the path counts, framed
    assert is_red(colour(e, x + left + size / 2, y + top))


def probe_function(e):
    n = 8 // e.state["stride"] + (8 % e.state["stride"] > 0)
    assert colour(e, 0, 0).mean() > colour(e, n - 1, n - 1).mean() + 0.3  # light first cell, dark last


def probe_stride(e):
    def taps(st):
        return {(0, st["start"] + v) for v in range(st["kernel_size"])}

    assert_window_cells(e, "position", taps, lambda st: 1, lambda st: st["size"])


def probe_transposed(e):
    def taps(st):  # the chosen pixel's stamp, in cells of the output before cropping
        (i, j), s, d, k = st["pixel"], st["stride"], st["dilation"], st["kernel_size"]
        return {(i * s + a * d, j * s + b * d) for a in range(k) for b in range(k)}

    side = lambda st: len(st["full"])  # noqa: E731
    assert_window_cells(e, "pixel", taps, side, side, block="full output")
    e.controls["view"].value = "zero insertion"  # the inserted zeros yellow, the padding grey, the pixels blue
    z, s, k, d, p, n = (e.state[name] for name in ("inserted", "stride", "kernel_size", "dilation", "padding",
                                                   "input_size"))
    where = np.arange(len(z)) - (d * (k - 1) - p)
    (i, j), m = e.state["pixel"], e.state["output_size"]
    top, left = (int(np.clip(v * s - p, 0, m - 1)) for v in (i, j))
    window = {(top + a * d, left + b * d) for a in range(k) for b in range(k)}  # tinted red: not looked at
    for r in range(len(z)):
        for c in range(len(z)):
            if (r, c) in window:
                continue
            inside = all(0 <= w <= (n - 1) * s for w in (where[r], where[c]))
            real = inside and where[r] % s == 0 and where[c] % s == 0
            red, green, blue = colour(e, *corner(e, "input", r, c))
            if not inside:
                assert abs(red - blue) < 0.03 and abs(red - 0.88) < 0.05, (r, c)  # grey padding
            elif not real:
                assert red > 0.95 and blue < 0.85, (r, c)  # an inserted zero
            else:
                assert blue > red + 0.05, (r, c)  # an input pixel


def probe_pooling(e):
    def taps(st):
        (top, left), k, d = st["window_origin"], st["kernel_size"], st["dilation"]
        return {(top + a * d, left + b * d) for a in range(k) for b in range(k)}

    side = lambda st: st["padded_size"]  # noqa: E731
    assert_window_cells(e, "position", taps, side, side)
    p, n = e.state["padding"], e.state["input_size"]
    for position in range(e.controls["position"].max + 1):  # each maximum's cell framed green, at its position
        e.controls["position"].value = position
        row, col = divmod(int(e.state["indices"][divmod(position, e.state["output_size"])]), n)
        x, y, _ = e.scene.anchors["input"]
        red, green, blue = colour(e, x + col + p + 0.16, y + row + p + 0.5)
        assert green > red + 0.15 and green > blue + 0.1, (position, row, col)
    e.set_values({"ceil_mode": True, "position": 0})  # the cells the last windows hang over: white, no number
    side = e.state["padded_size"]
    assert e.state["hanging"] == 1
    for r in range(side):
        for c in range(side):
            white = colour(e, *corner(e, "input", r, c)).min() > 0.99
            assert white == (max(r, c) >= n + 2 * p), (r, c)
    e.controls["shift"].value = True  # the outputs the shift changed framed pink, the others not
    x, y, _ = e.scene.anchors["output"]
    for (r, c), changed in np.ndenumerate(e.state["changed"]):
        red, green, blue = colour(e, x + c + 0.04, y + r + 0.5)
        assert (red > 0.8 and green < 0.6 and blue > 0.6) == changed, (r, c)  # pink, not the orange of ceil_mode


def is_orange(rgb):
    return rgb[0] > rgb[2] + 0.15


def is_pad_grey(rgb):
    return abs(rgb[0] - rgb[2]) < 0.03 and abs(rgb[0] - 0.88) < 0.05


def probe_conv1d(e):
    """Every cell of every row: orange where paths from the chosen output reach it (the numbers are the
    counts), white on a real cell none reaches, grey on padding; the signal's own row blue."""
    for position in (0, e.controls["position"].max):
        e.controls["position"].value = position
        st = e.state
        for r, (n, _, jump) in enumerate(st["rows"]):
            left = st["pads"][r][0] if r < len(st["pads"]) else 0
            for block in (f"row {r}",) if r else ("row 0", "paths"):
                for i, count in enumerate(st["counts"][r]):
                    rgb = colour(e, *corner(e, block, 0, i * jump))
                    real = 0 <= i - left < n
                    if block == "row 0":
                        assert is_pad_grey(rgb) if not real else rgb[2] > rgb[0] + 0.05, (block, i)
                    elif not real:
                        assert is_pad_grey(rgb), (block, i)
                    else:
                        assert is_orange(rgb) == (count > 0) and (count > 0 or rgb.min() > 0.99), (block, i, count)


def probe_padding(e):
    """Each convention's row: its padding cells grey, its input cells blue, outside the two windows and the
    unread cells; a convention that is unavailable draws no row."""
    for stride in (1, 2):
        e.controls["stride"].value = stride
        st = e.state
        for name, pad in st["pads"].items():
            if isinstance(pad, str):
                assert name not in e.scene.anchors
                continue
            (left, right), m, n = pad, st["outputs"][name], st["input_size"]
            k, s, d = st["kernel_size"], st["stride"], st["dilation"]
            taps = {j * d for j in range(k)} | {(m - 1) * s + j * d for j in range(k)}
            read_to = (m - 1) * s + st["span"]
            for cell in range(left + n + right):
                if cell in taps or cell >= read_to:
                    continue
                rgb = colour(e, *corner(e, name, 0, cell))
                assert is_pad_grey(rgb) == (not left <= cell < left + n), (name, cell)
                assert is_pad_grey(rgb) or rgb[2] > rgb[0] + 0.1, (name, cell)


PROBES = {"SlidingKernelExplorer": probe_sliding, "DilationExplorer": probe_dilation,
          "PointwiseExplorer": probe_pointwise, "GroupConvExplorer": probe_groups,
          "StackedKernelExplorer": probe_stacked, "FCEquivalenceExplorer": probe_fc,
          "ReceptiveFieldExplorer": probe_receptive, "FunctionExplorer": probe_function,
          "StrideExplorer": probe_stride, "TransposedConvExplorer": probe_transposed,
          "PoolingExplorer": probe_pooling, "Conv1dExplorer": probe_conv1d, "PaddingExplorer": probe_padding}


def test_the_picture_shows_what_the_state_says(cls):
    assert cls.__name__ in PROBES, f"write a picture probe for {cls.__name__}"
    PROBES[cls.__name__](cls.example())


def test_a_window_drawn_one_cell_off_is_caught(monkeypatch):
    """The probe is not blind: shift the sliding explorer's window by one cell and it fails."""
    from convlab.explorers import SlidingKernelExplorer

    window = draw.Scene.window
    monkeypatch.setattr(draw.Scene, "window", lambda self, x, y, *a, **k: window(self, x + 1, y, *a, **k))
    with pytest.raises(AssertionError):
        probe_sliding(SlidingKernelExplorer.example())
