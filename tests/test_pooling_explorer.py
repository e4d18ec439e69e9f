"""The pooling explorer: its outputs, indices and divisors are PyTorch's in every setting its sliders
reach, the sliders stop exactly where PyTorch would refuse, ceil_mode's hanging (and dropped) windows
and the one-pixel shift are shown as they happen, and bad starting values are clear errors."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convlab.arithmetic import pool_output_size
from convlab.explorers import PoolingExplorer
from convlab.explorers.controls import every_value


def torch_pool(st, x=None):
    """PyTorch's pooling of the state's input (or `x`) with the state's arguments: (output, indices or None)."""
    t = torch.tensor(st["x"] if x is None else x, dtype=torch.float64)[None, None]
    common = dict(kernel_size=st["kernel_size"], stride=st["stride"], padding=st["padding"], ceil_mode=st["ceil_mode"])
    if st["kind"] == "max":
        out, indices = F.max_pool2d(t, dilation=st["dilation"], return_indices=True, **common)
        return out[0, 0].numpy(), indices[0, 0].numpy()
    return F.avg_pool2d(t, count_include_pad=st["count_include_pad"], **common)[0, 0].numpy(), None


def valid(n, k, s, p, d, ceil_mode):
    try:
        pool_output_size(n, k, s, p, d, ceil_mode)
    except ValueError:
        return False
    return True


MAX_SETTINGS = [c for c in itertools.product((1, 2, 5), (1, 2, 3), (1, 2, 3), (0, 1), (1, 2), (False, True))
                if valid(*c)]
AVERAGE_SETTINGS = [c for c in itertools.product((1, 4, 5), (1, 2, 3), (1, 2), (0, 1), (False, True), (False, True))
                    if valid(c[0], c[1], c[2], c[3], 1, c[4])]


def reach(e, **values):
    """Move the controls to `values` as a reader would, one at a time (a few rounds, as one control may
    wait for another); they must get there."""
    for _ in range(3):
        e.set_values(values)
    assert {name: e.controls[name].value for name in values} == values


def test_max_pooling_shows_pytorchs_values_and_indices():
    e = PoolingExplorer(kind="max")
    for n, k, s, p, d, ceil_mode in MAX_SETTINGS:
        reach(e, input_size=n, kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)
        st = e.state
        out, indices = torch_pool(st)
        np.testing.assert_array_equal(st["output"], out)
        np.testing.assert_array_equal(st["indices"], indices)
        assert st["output_size"] == pool_output_size(n, k, s, p, d, ceil_mode)
        for position in {0, e.controls["position"].max}:  # the readout's maximum is the window's, where it says
            e.controls["position"].value = position
            i, j = e.state["position"]
            value = out[i, j]
            if np.isfinite(value):
                r, c = divmod(int(indices[i, j]), n)
                assert f"= <b>{value:g}</b>, at input row {r}, column {c}" in e.readout.value
                assert e.state["x"][r, c] == value


def test_average_pooling_shows_pytorchs_values_and_divisors():
    e = PoolingExplorer(kind="average")
    for n, k, s, p, ceil_mode, count_include_pad in AVERAGE_SETTINGS:
        reach(e, input_size=n, kernel_size=k, stride=s, padding=p, ceil_mode=ceil_mode)
        if p:
            reach(e, count_include_pad=count_include_pad)
        st = e.state
        np.testing.assert_allclose(st["output"], torch_pool(st)[0], rtol=1e-12)
        # the divisors the picture frames are PyTorch's: the sums of a tensor of ones over the means
        ones = torch.ones(1, 1, n, n, dtype=torch.float64)
        sums = F.avg_pool2d(ones, k, s, p, ceil_mode, st["count_include_pad"], divisor_override=1)
        means = F.avg_pool2d(ones, k, s, p, ceil_mode, st["count_include_pad"])
        _, divisors = e.sums_and_divisors()
        np.testing.assert_allclose(divisors, (sums / means)[0, 0].numpy())
        i, j = st["position"]
        assert f"/ {divisors[i, j]} = <b>{st['value']:.4g}</b>" in e.readout.value


def test_every_value_each_slider_offers_is_one_pytorch_takes_and_gives_its_numbers():
    """A seeded walk through the explorer: at every state, every value of every control is set; the
    state's numbers are PyTorch's, so no slider reaches a setting PyTorch refuses."""
    e, rng = PoolingExplorer(), np.random.default_rng(3)
    for _ in range(25):
        for name, control in e.controls.items():
            if name == "position":
                continue
            start = control.value
            for value in every_value(control):
                control.value = value
                st = e.state
                assert st["padding"] <= st["kernel_size"] // 2
                out, indices = torch_pool(st)
                np.testing.assert_allclose(st["output"], out, rtol=1e-12)
            control.value = start
        name = rng.choice([n for n in e.controls if n != "position" and not e.controls[n].disabled])
        values = every_value(e.controls[name])
        e.controls[name].value = values[rng.integers(len(values))]
    assert not e.errors.outputs


@pytest.mark.parametrize("kind", ["max", "average"])
def test_every_setting_pytorch_takes_is_reachable(kind):
    """The other way round: each setting within the sliders' bounds that PyTorch accepts can be started
    with (and so reached), and each it refuses is refused with PyTorch's reason."""
    dilations = (1, PoolingExplorer.MAX_DILATION) if kind == "max" else [1]
    for n, k, s, p, d, ceil_mode in itertools.product((1, 3), range(1, PoolingExplorer.MAX_KERNEL + 1), (1, 3),
                                                      range(PoolingExplorer.MAX_PADDING + 1), dilations, (False, True)):
        start = dict(kind=kind, input_size=n, kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)
        if valid(n, k, s, p, d, ceil_mode):
            e = PoolingExplorer(**start)
            np.testing.assert_allclose(e.state["output"], torch_pool(e.state)[0], rtol=1e-12)
            # ceil_mode can be turned off exactly where PyTorch would take that too
            assert e.controls["ceil_mode"].disabled == (ceil_mode and not valid(n, k, s, p, d, False))
        else:
            with pytest.raises(ValueError, match="padding|window is larger"):
                PoolingExplorer(**start)


def test_stride_defaults_to_the_kernel_size_as_in_pytorch():
    e = PoolingExplorer(kernel_size=3, input_size=7)
    assert e.state["stride"] == 3 and "PyTorch's default" in e.readout.value
    assert PoolingExplorer(kernel_size=3, stride=1).state["stride"] == 1


def test_only_the_controls_that_apply_can_move():
    e = PoolingExplorer(kind="max", input_size=5, kernel_size=3, stride=2, padding=1, dilation=2)
    assert not e.controls["dilation"].disabled and e.controls["count_include_pad"].disabled  # max has no divisor
    e.controls["kind"].value = "average"  # PyTorch's average pooling has no dilation
    assert e.controls["dilation"].disabled and e.state["dilation"] == 1
    assert not e.controls["count_include_pad"].disabled
    e.controls["padding"].value = 0  # no padding: count_include_pad changes nothing
    assert e.controls["count_include_pad"].disabled
    e.controls["kind"].value = "max"
    assert not e.controls["dilation"].disabled and e.controls["dilation"].max > 1


def test_ceil_mode_hangs_a_window_over_the_edge():
    e = PoolingExplorer(input_size=5, kernel_size=2)
    assert (e.state["output_size"], e.state["uncovered"], e.state["hanging"]) == (2, 1, 0)
    assert "⌊3 / 2⌋ + 1 = 1 + 1 = <b>2</b>" in e.readout.value and "never pooled" in e.readout.value
    e.controls["ceil_mode"].value = True
    st = e.state
    assert (st["output_size"], st["floor_size"], st["uncovered"], st["hanging"]) == (3, 2, 0, 1)
    assert "⌈3 / 2⌉ + 1 = 2 + 1 = <b>3</b>" in e.readout.value and "hanging over the edge" in e.readout.value
    e.controls["position"].value = 8  # the corner window reads one input cell, the rest hangs past the edge
    assert e.state["window"].size == 4 and np.isnan(e.state["window"]).sum() == 3
    assert f"max({e.state['value']:g})" in e.readout.value


def test_the_window_pytorch_drops_is_said():
    """ceil_mode's extra window would start in the right padding: PyTorch drops it, and so does the explorer."""
    e = PoolingExplorer(input_size=4, kernel_size=2, stride=3, padding=1, ceil_mode=True)
    assert e.state["output_size"] == 2 == e.state["floor_size"]
    assert "⌈4 / 3⌉ + 1 = 2 + 1 = 3, but that last window would start at 6 ≥ n + padding = 5" in e.readout.value
    assert "PyTorch drops it → <b>2</b>" in e.readout.value
    assert torch_pool(e.state)[0].shape == (2, 2)


def test_count_include_pad_sets_the_divisor_at_the_border():
    kept = PoolingExplorer(kind="average", input_size=5, kernel_size=3, stride=2, padding=1)
    dropped = PoolingExplorer(kind="average", input_size=5, kernel_size=3, stride=2, padding=1,
                              count_include_pad=False)
    assert kept.sums_and_divisors()[1][0, 0] == 9 and dropped.sums_and_divisors()[1][0, 0] == 4  # the corner
    assert "padding zeros count" in kept.readout.value and "padding does not count" in dropped.readout.value
    np.testing.assert_allclose(kept.state["output"][0, 0] * 9, dropped.state["output"][0, 0] * 4)


def test_a_window_of_padding_only_gives_minus_infinity_as_in_pytorch():
    e = PoolingExplorer(kind="max", input_size=1, kernel_size=2, padding=1, dilation=2)  # taps on padding only
    assert np.isneginf(e.state["output"]).all()
    assert np.isneginf(torch_pool(e.state)[0]).all()
    assert "reads padding only" in e.readout.value and e.png()


def test_the_shift_moves_the_input_one_column_right_and_marks_what_changed():
    e = PoolingExplorer(input_size=6, kernel_size=2)
    still = e.state["x"]
    e.controls["shift"].value = True
    st = e.state
    np.testing.assert_array_equal(st["x"][:, 1:], still[:, :-1])  # a new column comes in on the left
    np.testing.assert_array_equal(st["before"], torch_pool(st, still)[0])
    np.testing.assert_array_equal(st["changed"], torch_pool(st)[0] != torch_pool(st, still)[0])
    assert 0 < st["changed"].sum() and f"{int(st['changed'].sum())} of 9 outputs changed" in e.readout.value


def test_a_readers_own_numbers_are_pooled():
    x = np.arange(36.0).reshape(6, 6)
    e = PoolingExplorer(x=x, input_size=6, kernel_size=2)
    np.testing.assert_array_equal(e.state["output"], [[7, 9, 11], [19, 21, 23], [31, 33, 35]])
    e.controls["shift"].value = True
    np.testing.assert_array_equal(e.state["x"][:, 0], x[:, 0])  # shifted, its first column repeats
    small = PoolingExplorer(x=np.ones((3, 7)))  # the whole of a small input, and no more
    assert small.state["input_size"] == 3 == small.controls["input_size"].max


@pytest.mark.parametrize("start, match", [(dict(kind="average", dilation=2), "dilation=2 is not possible"),
                                          (dict(kernel_size=2, padding=2), "padding 2 .* at most half"),
                                          (dict(input_size=1, kernel_size=3, stride=1), "window is larger"),
                                          (dict(x=np.zeros((2, 2, 2, 2))), "x must be"),
                                          (dict(stride=0), "stride"), (dict(kind="min"), "kind")])
def test_bad_starting_values_say_what_is_wrong(start, match):
    with pytest.raises((ValueError, TypeError), match=match):
        PoolingExplorer(**start)
