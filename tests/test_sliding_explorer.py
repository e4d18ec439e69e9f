"""Explorer tests: controls change `state` and the picture, synchronously; the numbers shown
agree with PyTorch; no sequence of slider moves reaches an invalid configuration."""

import io

import numpy as np
import pytest
import torch
from conftest import WALKS
from PIL import Image

from convlab.arithmetic import conv_macs, conv_output_size, conv_params
from convlab.explorers import SlidingKernelExplorer


def torch_output(state):
    """What PyTorch computes for the input and weights the explorer shows."""
    x = torch.tensor(state["x"], dtype=torch.float64)
    w = torch.tensor(state["weight"], dtype=torch.float64)
    return torch.nn.functional.conv2d(x, w, stride=state["stride"], padding=state["padding"],
                                      dilation=state["dilation"]).numpy()


def decoded(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def check_consistent(e):
    """Everything the reader sees agrees with itself and with PyTorch."""
    st = e.state
    out = torch_output(st)
    np.testing.assert_array_equal(st["output"], out)
    assert st["output_size"] == out.shape[1:]
    assert st["output_size"] == conv_output_size(st["input_size"], st["kernel_size"], st["stride"], st["padding"],
                                                 st["dilation"])
    i, j = st["position"]
    assert st["value"] == out[st["filter"], i, j] == st["partial_sums"].sum()
    assert e.controls["position"].max == out.shape[1] * out.shape[2] - 1 == e.plays["position"].max
    assert e.controls["filter"].max == st["out_channels"] - 1
    assert st["params"] == conv_params(st["in_channels"], st["out_channels"], st["kernel_size"], bias=False)
    assert st["macs"] == conv_macs(st["in_channels"], st["out_channels"], st["kernel_size"], st["output_size"])


def test_first_picture_is_drawn_and_correct():
    e = SlidingKernelExplorer(input_size=(7, 6), kernel_size=3, stride=2, padding=1, in_channels=3, out_channels=2)
    check_consistent(e)
    assert e.state["output_size"] == (4, 3)
    picture = decoded(e.png())
    assert picture.shape == (312, 800, 4)
    assert (picture[..., :3] < 250).any(axis=-1).mean() > 0.1  # a real picture, not a blank canvas
    np.testing.assert_array_equal(picture, np.asarray(e.fig.canvas.buffer_rgba()))


@pytest.mark.parametrize("name, value", [("stride", 2), ("padding", 2), ("dilation", 2), ("height", 9), ("width", 4),
                                         ("kernel_height", 2), ("kernel_width", 4), ("in_channels", 3),
                                         ("out_channels", 4), ("position", 5)])
def test_each_control_changes_state_and_picture_synchronously(name, value):
    e = SlidingKernelExplorer(input_size=(7, 7), kernel_size=3)
    before_state, before_png = dict(e.state), e.png()
    e.controls[name].value = value
    assert e.controls[name].value == value
    changed = [k for k in ("stride", "padding", "dilation", "input_size", "kernel_size", "in_channels",
                           "out_channels", "position") if np.any(np.asarray(before_state[k]) != np.asarray(e.state[k]))]
    assert changed, f"setting {name} changed nothing in state"
    assert e.png() != before_png
    check_consistent(e)


def test_filter_picks_the_output_channel():
    e = SlidingKernelExplorer(input_size=5, kernel_size=3, in_channels=2, out_channels=3)
    values = []
    for f in range(3):
        e.controls["filter"].value = f
        values.append(e.state["value"])
        assert e.state["value"] == torch_output(e.state)[f, 0, 0]
    assert len(set(values)) > 1


def test_floor_division_drops_a_row_and_says_so():
    e = SlidingKernelExplorer(input_size=(7, 6), kernel_size=3, stride=2, padding=0)
    # (7 - 3) / 2 = 2 exactly; (6 - 3) / 2 = 1.5 → the last column is never covered
    assert e.state["output_size"] == (3, 2)
    assert e.state["uncovered"] == (0, 1)
    assert "never covered" in e.readout.value
    assert "⌊3 / 2⌋ + 1 = 1 + 1 = <b>2</b>" in e.readout.value


def test_readout_shows_the_multiply_add_of_the_current_cell():
    x = np.arange(16).reshape(1, 4, 4)
    w = np.array([[[[1, 0], [0, -1]]]])
    e = SlidingKernelExplorer(x=x, weight=w)
    e.controls["position"].value = 4  # output row 1, column 1: window rows 1-2, columns 1-2
    assert e.state["position"] == (1, 1)
    assert e.state["value"] == 5 * 1 + 6 * 0 + 9 * 0 + 10 * -1
    assert "5·1 + 6·0 + 9·0 + 10·(-1) = -5" in e.readout.value


def test_rectangular_input_and_kernel():
    e = SlidingKernelExplorer(input_size=(5, 9), kernel_size=(3, 2), stride=1, padding=1)
    assert e.state["output_size"] == (5, 10)
    check_consistent(e)


def test_user_arrays_set_the_starting_sizes():
    e = SlidingKernelExplorer(x=np.ones((2, 6, 5)), weight=np.ones((3, 2, 2, 2)))
    assert (e.state["in_channels"], e.state["out_channels"]) == (2, 3)
    assert e.state["input_size"] == (6, 5) and e.state["kernel_size"] == (2, 2)
    assert e.controls["height"].max == 6  # cannot grow past the array it was given
    assert np.all(e.state["output"] == 8)


@pytest.mark.parametrize("kwargs, match", [
    (dict(input_size=0), "input_size"),
    (dict(input_size=11), "input_size"),
    (dict(stride=0), "stride"),
    (dict(stride=1.5), "stride"),
    (dict(padding=-1), "padding"),
    (dict(dilation=9), "dilation"),
    (dict(kernel_size=(3, 6)), "kernel_size"),
    (dict(in_channels=5), "in_channels"),
    (dict(input_size=3, kernel_size=5), "kernel_size 5"),  # larger than the (unpadded) input
])
def test_bad_starting_values_are_clear_errors(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):  # TypeError for a wrong type, as PyTorch
        SlidingKernelExplorer(**kwargs)


def test_sliders_only_offer_valid_values():
    """From many reachable states, every value every slider offers gives a valid state."""
    e = SlidingKernelExplorer(input_size=4, kernel_size=3, padding=1, in_channels=2, out_channels=2)
    rng = np.random.default_rng(0)
    names = list(e.controls)
    for _ in range(3 * WALKS):
        for name in names:
            control = e.controls[name]
            start = control.value
            for value in range(control.min, control.max + 1):
                control.value = value
                check_consistent(e)
            control.value = start
        control = e.controls[names[rng.integers(len(names))]]
        control.value = int(rng.integers(control.min, control.max + 1))


def test_ranges_follow_the_other_controls():
    e = SlidingKernelExplorer(input_size=4, kernel_size=3, padding=0)
    assert e.controls["dilation"].max == 1  # dilation 2 would span 5 pixels of a 4-pixel input
    assert e.controls["kernel_height"].max == 4 and e.controls["height"].min == 3
    e.controls["padding"].value = 1
    assert e.controls["dilation"].max == 2  # now 4 + 2·1 = 6 ≥ 5
    e.controls["dilation"].value = 2
    assert e.controls["padding"].min == 1 and e.controls["height"].min == 3  # 5 ≤ n + 2


def test_out_of_range_values_are_clamped_not_drawn():
    e = SlidingKernelExplorer(input_size=5, kernel_size=3)
    e.controls["position"].value = 1000
    assert e.state["position"] == (2, 2)
    e.controls["stride"].value = 2  # output 2×2: the position follows
    assert e.controls["position"].max == 3 and e.state["position"] == (1, 1)


def test_animation_steps_through_positions_offline():
    e = SlidingKernelExplorer(input_size=4, kernel_size=3)
    e.controls["position"].value = 2
    page = e.animate("position").data
    assert page.count("data:image/png;base64") == 4  # one frame per output position
    assert "font-awesome" not in page and "anim" in page and "▶" in page
    assert e.controls["position"].value == 2  # restored
