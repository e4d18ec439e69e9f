"""The 1-D explorers of notebook 10. Conv1dExplorer: its row lengths are PyTorch's, its path counts are
autograd's gradient of one output of the same stack with kernels of ones, a causal stack never reads
the future, and WaveNet's schedule reaches every past sample once. PaddingExplorer: each convention's
padding gives PyTorch's output size, PyTorch's padding="same" is offered exactly where PyTorch takes it
and equals it, TensorFlow's SAME gives ⌈n / stride⌉, and a refused convention is one PyTorch refuses."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convlab import bench
from convlab.explorers import Conv1dExplorer, PaddingExplorer


def torch_paths(st):
    """Autograd: the gradient of the chosen output of the stack (kernels of ones, one channel) with
    respect to the input, and the lengths of the rows."""
    x = torch.zeros(1, 1, st["length"], dtype=torch.float64, requires_grad=True)
    y, lengths = x, []
    for (left, right), d in zip(st["pads"], st["dilations"], strict=True):
        y = F.conv1d(F.pad(y, (left, right)), torch.ones(1, 1, st["kernel_size"], dtype=torch.float64),
                     stride=st["stride"], dilation=d)
        lengths.append(y.shape[-1])
    y[0, 0, st["position"]].backward()
    return x.grad[0, 0].numpy(), lengths


def walk(e, steps, rng):
    for _ in range(steps):
        bench.random_change(e, rng)
        yield e.state


def test_the_path_counts_are_autograds_gradient_and_the_lengths_pytorchs():
    e, rng = Conv1dExplorer.example(), np.random.default_rng(0)
    for st in walk(e, 60, rng):
        grad, lengths = torch_paths(st)
        left = st["pads"][0][0]
        np.testing.assert_array_equal(st["paths"], grad)
        np.testing.assert_array_equal(st["counts"][0][left:left + st["length"]], grad)
        assert list(st["output_lengths"]) == lengths
    assert not e.errors.outputs


def run(st, weights, signal):
    """The chosen output of the state's stack with these kernels, by PyTorch."""
    for ((left, right), d), w in zip(zip(st["pads"], st["dilations"], strict=True), weights, strict=True):
        signal = F.conv1d(F.pad(signal, (left, right)), w, stride=st["stride"], dilation=d)
    return signal[0, 0, st["position"]]


def test_a_causal_stack_never_reads_the_future():
    e, rng = Conv1dExplorer(length=12, kernel_size=3, dilations=(1, 2, 3)), np.random.default_rng(1)
    for st in walk(e, 40, rng):
        if not st["causal"] or st["fed"] is None:
            continue
        assert st["output_lengths"][-1] == st["length"] or st["stride"] > 1  # causal, stride 1: the length stays
        # perturb every input after the output's time: the output does not move (PyTorch, random weights)
        x = torch.randn(1, 1, st["length"], dtype=torch.float64)
        later = x.clone()
        later[..., st["time"] + 1:] += 5.0
        weights = [torch.randn(1, 1, st["kernel_size"], dtype=torch.float64) for _ in st["dilations"]]

        assert torch.equal(run(st, weights, x), run(st, weights, later))
        assert st["fed"][1] <= st["time"] and not st["paths"][st["time"] + 1:].any()
    e.set_values({"causal": True, "stride": 1})
    assert e.state["fed"][1] == e.state["time"]  # a causal output reads its own time step


def test_wavenets_schedule_reaches_every_past_sample_once_and_a_repeated_dilation_leaves_holes():
    e = Conv1dExplorer(length=16, kernel_size=2, dilations=(1, 2, 4, 8))
    st = e.state
    assert st["receptive_field"] == 16 and st["fed"] == (0, 15) and (st["paths"] == 1).all() and st["holes"] == 0
    assert (st["params"], st["plain_layers"], st["plain_params"]) == (8, 15, 30)
    assert "1 + 1·(1 + 2 + 4 + 8) = <b>16</b>" in e.readout.value
    bad = Conv1dExplorer(length=16, kernel_size=2, dilations=(2, 2, 2)).state
    assert bad["fed"] == (9, 15) and bad["holes"] == 3 and bad["receptive_field"] == 7


def test_padding_applies_only_when_not_causal_and_frozen_layers_keep_their_dilation():
    e = Conv1dExplorer(length=10, kernel_size=3, dilations=(1, 2), causal=True)
    assert e.controls["padding"].disabled and e.state["pads"] == ((2, 0), (4, 0))
    e.controls["causal"].value = False
    assert not e.controls["padding"].disabled
    e.controls["padding"].value = 1
    assert e.state["pads"] == ((1, 1), (1, 1))
    assert e.controls["dilation_3"].disabled and e.controls["dilation_4"].disabled


@pytest.mark.parametrize("start, match", [(dict(dilations=(1, 2, 3, 4, 5)), "dilations"),
                                          (dict(length=3, kernel_size=4, causal=False, dilations=(1,)), "length"),
                                          (dict(x=np.zeros((2, 5))), "x must be"), (dict(stride=3), "stride"),
                                          (dict(causal="yes"), "causal")])
def test_conv1d_explorer_refuses_bad_starting_values(start, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Conv1dExplorer(**start)


def test_a_readers_signal_is_shown():
    e = Conv1dExplorer(x=np.arange(10), length=10, kernel_size=2, dilations=(1,))
    np.testing.assert_array_equal(e.state["x"], np.arange(10))


# -- PaddingExplorer ------------------------------------------------------------------------

def torch_length(n, k, s, d, pad):
    return F.conv1d(F.pad(torch.zeros(1, 1, n), pad), torch.zeros(1, 1, k), stride=s, dilation=d).shape[-1]


SETTINGS = list(itertools.product((1, 2, 3, 4, 7, 8, 12), range(1, 6), range(1, 4), range(1, 4)))


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # PyTorch's note on a copy
def test_each_convention_gives_pytorchs_output_size_and_is_refused_where_pytorch_refuses():
    e = PaddingExplorer()
    for n, k, s, d in SETTINGS:
        e.set_values(dict(input_size=n, kernel_size=k, stride=s, dilation=d))
        st = e.state
        assert (st["input_size"], st["kernel_size"], st["stride"], st["dilation"]) == (n, k, s, d)
        for name, pad in st["pads"].items():
            if isinstance(pad, str):
                with pytest.raises(RuntimeError):
                    if name == "PyTorch 'same'":
                        F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, dilation=d, padding="same")
                    else:
                        torch_length(n, k, s, d, {"k // 2": (k // 2, k // 2), "valid": (0, 0)}[name])
                continue
            assert st["outputs"][name] == torch_length(n, k, s, d, tuple(pad)), (name, n, k, s, d)
        same = st["pads"]["PyTorch 'same'"]
        if not isinstance(same, str):  # offered: PyTorch's own padding="same", cell for cell
            x, w = torch.randn(1, 1, n), torch.randn(1, 1, k)
            torch.testing.assert_close(F.conv1d(F.pad(x, tuple(same)), w, dilation=d),
                                       F.conv1d(x, w, dilation=d, padding="same"))
        assert st["outputs"]["TensorFlow SAME"] == -(-n // s)


def test_the_readout_says_why_a_convention_is_unavailable():
    e = PaddingExplorer(input_size=7, kernel_size=3, stride=2)
    assert "PyTorch 'same': not available — PyTorch refuses padding='same' with stride 2" in e.readout.value
    e = PaddingExplorer(input_size=2, kernel_size=5, dilation=2)
    assert "valid: not available — the window (9 cells) is longer than the padded input (2)" in e.readout.value


def test_where_tensorflow_and_pytorch_same_differ_from_k_over_2():
    st = PaddingExplorer(input_size=7, kernel_size=4).state  # an even kernel: k // 2 pads one cell too many
    assert st["pads"]["PyTorch 'same'"] == (1, 2) == tuple(st["pads"]["TensorFlow SAME"])
    assert st["pads"]["k // 2"] == (2, 2) and st["outputs"]["k // 2"] == 8 != 7
    st = PaddingExplorer(input_size=8, kernel_size=3, stride=2).state  # stride 2: TF pads by the input size
    assert tuple(st["pads"]["TensorFlow SAME"]) == (0, 1) and st["pads"]["k // 2"] == (1, 1)
    assert st["outputs"]["TensorFlow SAME"] == st["outputs"]["k // 2"] == 4


def test_turning_causal_off_pads_enough_and_is_refused_where_nothing_would_fit():
    e = Conv1dExplorer(length=4, kernel_size=4, dilations=(1, 2))
    e.controls["causal"].value = False  # with no padding the second layer would have no output
    assert e.state["padding"] == 2 and e.state["output_lengths"] == (5, 3)
    assert torch_paths(e.state)[1] == [5, 3]
    stuck = Conv1dExplorer(length=2, kernel_size=4, dilations=(8, 8))  # no padding the slider offers would fit
    assert stuck.controls["causal"].disabled and stuck.state["causal"]
