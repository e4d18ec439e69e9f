"""Fuzz test of the public maths API (arithmetic, reference, receptive, stacking, costs, exercises):
each parameter of each public function gets the same table of bad values (0, −1, 2.5, True, "3",
None, NaN, (), (1, 2, 3), 2**70, arrays of the wrong shape or dtype, …). A call either raises a
ValueError or TypeError whose message names the parameter, or returns the right answer: what
PyTorch returns (for torch.nn.functional.conv2d's arguments), the answer for the plain value it is
equivalent to (a NumPy int, a one-element tuple, an [h, w] list), or the exact big-int answer.
Never another exception, never None, never an answer for a value that has no meaning."""

import math
import re
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convlab import arithmetic, costs, exercises, receptive, reference, stacking
from convlab.receptive import RF

HUGE = 2**70  # past int64: PyTorch overflows, Python ints do not
BAD = {
    "0": 0, "-1": -1, "2.5": 2.5, "2.0": 2.0, "True": True, "'3'": "3", "None": None, "nan": float("nan"),
    "()": (), "(1, 2, 3)": (1, 2, 3), "2**70": HUGE, "np.int64(3)": np.int64(3), "(3,)": (3,), "[3, 3]": [3, 3],
    "3-D array": np.ones((2, 2, 2)), "text array": np.array([["a", "b"], ["c", "d"]]),
    "bool array": np.ones((3, 3), bool), "complex array": np.ones((3, 3), complex), "empty array": np.zeros((0, 3)),
    "ragged list": [[1, 2], [3]], "dict": {"a": 1}, "object": object(),
}
SELF = object()  # accepted as it is (a legitimate value, such as iterations=0)
KINDS = {  # which bad values a kind of parameter accepts, and the plain value each one stands for
    "int": {"np.int64(3)": 3},
    "count": {"np.int64(3)": 3, "0": SELF},  # a non-negative int
    "size": {"np.int64(3)": 3, "(3,)": 3, "[3, 3]": (3, 3)},  # an int or an (h, w) pair, as PyTorch takes them
    "padding": {"np.int64(3)": 3, "(3,)": 3, "[3, 3]": (3, 3), "0": SELF},
    "flag": {"True": SELF},
    "none": {"None": SELF},  # an optional argument whose default is None
    "seed": {"np.int64(3)": 3, "0": SELF, "None": SELF, "2**70": SELF},
    "seeds": {"(1, 2, 3)": SELF, "(3,)": SELF, "[3, 3]": SELF},
    "unit": {"[3, 3]": (3, 3), "None": SELF},
    "shape": {},  # (C, H, W) tuples: none of the bad values is one a layer can take
    "steps": {"()": SELF, "empty array": SELF},  # no steps: an empty table
    "layers": {"()": SELF},  # no layers: no receptive field to report
    "module layers": {"()": SELF, "empty array": SELF},  # no layers: no activations
    "device": {"None": SELF, **({"0": SELF} if torch.cuda.is_available() else {})},
    "other": {},
}


class Case(NamedTuple):
    """A valid call, the kind of each parameter fuzzed, and what a huge int must give (else it must raise)."""

    name: str
    function: Any
    kwargs: dict
    kinds: dict
    huge: dict = {}  # parameter → the exact answer for 2**70
    oracles: dict = {}  # parameter → a function of the value giving the answer, for values without a plain twin
    also: tuple = ()  # other names an error may give for the parameter (the real argument behind a helper)


rng = np.random.default_rng(0)
X, W, B = rng.standard_normal((1, 5, 5)), rng.standard_normal((2, 1, 3, 3)), rng.standard_normal(2)
CONV = nn.Conv2d(1, 2, 3)
CASCADE = stacking.compose(rng.standard_normal((3, 3)), rng.standard_normal((3, 3)))


def out_size(size=9, kernel_size=3, stride=2, padding=1, dilation=1):
    """The output-size formula in Python ints: the oracle for sizes past int64."""
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def field_after(kernel_size=3, stride=2, padding=1, dilation=1):
    """receptive_field of a 3×3 layer followed by the fuzzed one."""
    return receptive.receptive_field([(3, 1, 1, 1), (kernel_size, stride, padding, dilation)])


def paths_after(kernel_size=3, stride=2, padding=1, dilation=1):
    """coverage of a 3×3 layer followed by the fuzzed one."""
    return receptive.coverage([(3, 1, 1, 1), (kernel_size, stride, padding, dilation)])


def second_weight(weights):
    """compose with the fuzzed value as its second weight."""
    return stacking.compose(np.ones((2, 2)), weights)


def half_rf(k):
    """RF of a 3×3 layer then a k-tap layer (stride 2, padding 1): exact ints, start (k − 1)/2 − 1."""
    return [RF(3, 1, 0.0), RF(3 + k - 1, 2, (k - 1) / 2 - 1)]


LAYER = dict(kernel_size="size", stride="size", padding="padding", dilation="size")
CASES = [
    Case("conv_output_size", arithmetic.conv_output_size, dict(size=9, kernel_size=3, stride=2, padding=1, dilation=1),
         dict(size="size", **LAYER),
         huge=dict(size=out_size(size=HUGE), stride=out_size(stride=HUGE), padding=out_size(padding=HUGE))),
    Case("effective_kernel_size", arithmetic.effective_kernel_size, dict(kernel_size=3, dilation=2),
         dict(kernel_size="size", dilation="size"),
         huge=dict(kernel_size=HUGE + (HUGE - 1), dilation=3 + 2 * (HUGE - 1))),
    Case("conv_params", arithmetic.conv_params, dict(in_channels=4, out_channels=8, kernel_size=3, groups=2, bias=True),
         dict(in_channels="int", out_channels="int", kernel_size="size", groups="int", bias="flag"),
         huge=dict(in_channels=8 * (HUGE // 2) * 9 + 8, out_channels=HUGE * 2 * 9 + HUGE,
                   kernel_size=8 * 2 * HUGE * HUGE + 8)),
    Case("conv_macs", arithmetic.conv_macs, dict(in_channels=4, out_channels=8, kernel_size=3, output_size=5, groups=2),
         dict(in_channels="int", out_channels="int", kernel_size="size", output_size="size", groups="int"),
         huge=dict(in_channels=8 * 25 * (HUGE // 2) * 9, out_channels=HUGE * 25 * 2 * 9,
                   kernel_size=8 * 25 * 2 * HUGE * HUGE, output_size=8 * HUGE * HUGE * 2 * 9)),
    Case("im2col", reference.im2col, dict(x=X, kernel_size=3, stride=1, padding=1, dilation=1),
         dict(x="other", **LAYER), huge=dict(stride=reference.im2col(X, 3, stride=100, padding=1)),
         oracles=dict(x=lambda x: F.unfold(torch.as_tensor(x)[None], 3, padding=1)[0].numpy())),
    Case("receptive_field (layer tuple)", field_after, dict(kernel_size=3, stride=2, padding=1, dilation=1), LAYER,
         huge=dict(kernel_size=half_rf(HUGE), stride=[RF(3, 1, 0.0), RF(5, HUGE, 0.0)],
                   padding=[RF(3, 1, 0.0), RF(5, 2, 1.0 - HUGE)],
                   dilation=[RF(3, 1, 0.0), RF(3 + 2 * HUGE, 2, HUGE - 1.0)]), also=("layers",)),
    Case("receptive_field", receptive.receptive_field, dict(layers=[(3, 1, 1, 1)]), dict(layers="layers")),
    Case("layer_geometry", receptive.layer_geometry, dict(layer=(3, 1, 1, 1)), dict(layer="other")),
    Case("coverage (layer tuple)", paths_after, dict(kernel_size=3, stride=2, padding=1, dilation=1), LAYER,
         huge=dict(stride=paths_after(stride=5), padding=paths_after(padding=0)), also=("layers",)),
    Case("coverage", receptive.coverage, dict(layers=[(3, 1, 1, 1)]), dict(layers="layers")),
    Case("gradient_map", receptive.gradient_map, dict(module=CONV, input_size=7, unit=None, channels=1, inputs=None),
         dict(module="other", input_size="size", unit="unit", channels="int", inputs="none")),
    Case("effective_receptive_field", receptive.effective_receptive_field,
         dict(make_network=lambda: nn.Conv2d(1, 1, 3), input_size=7, seeds=range(2), channels=1),
         dict(make_network="other", input_size="size", seeds="seeds", channels="int")),
    Case("spread", receptive.spread, dict(weights=np.ones((5, 5))), dict(weights="other")),
    Case("uniform_spread", receptive.uniform_spread, dict(size=9), dict(size="int"),
         huge=dict(size=pytest.approx(HUGE / math.sqrt(12), rel=1e-12))),
    Case("dilate", stacking.dilate, dict(weight=np.ones((2, 2)), dilation=2), dict(weight="other", dilation="size")),
    Case("compose", second_weight, dict(weights=np.ones((3, 3))), dict(weights="other")),
    Case("closest_cascade", stacking.closest_cascade, dict(target=CASCADE, k=3, restarts=1, iterations=3, seed=0),
         dict(target="other", k="int", restarts="int", iterations="count", seed="seed")),
    Case("measure", costs.measure, dict(layer=CONV, input_shape=(1, 5, 5), device=None),
         dict(layer="other", input_shape="shape", device="device")),
    Case("cost_table", costs.cost_table, dict(steps=[("conv", CONV)], input_shape=(1, 5, 5), width=10),
         dict(steps="steps", input_shape="shape", width="count")),
    Case("activations", costs.activations, dict(layers=[CONV, nn.ReLU()], input_shape=(1, 5, 5)),
         dict(layers="module layers", input_shape="shape")),
    Case("branch_table", costs.branch_table,
         dict(module=SimpleNamespace(branches=[nn.Conv2d(1, 2, 3), nn.Conv2d(1, 3, 3)]),
              input_shape=(1, 5, 5), width=10),
         dict(module="other", input_shape="shape", width="count")),
]


def names_the_parameter(error, names):
    return any(re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", str(error)) for name in names)


def assert_same(result, expected):
    """Equal, where an int and an (h, w) pair of that int count as the same answer."""
    if isinstance(expected, np.ndarray) or isinstance(result, np.ndarray):
        np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)
    elif isinstance(result, (tuple, list)) and isinstance(expected, (tuple, list)) and len(result) == len(expected):
        for r, e in zip(result, expected, strict=True):
            assert_same(r, e)
    elif isinstance(result, (tuple, list)) and len(result) == 2 and not isinstance(expected, (tuple, list)):
        assert_same(result[0], expected)
        assert_same(result[1], expected)
    else:
        assert result == expected, f"{result!r} != {expected!r}"


def outcome(function, kwargs):
    """('result', value), or ('error', the ValueError or TypeError raised)."""
    try:
        return "result", function(**kwargs)
    except (ValueError, TypeError) as error:
        return "error", error


def problems(case, param, label, value):
    """What is wrong with case.function called with param=value, as a list of sentences."""
    kind, result = outcome(case.function, {**case.kwargs, param: value})  # any other exception fails the test here
    if kind == "error":
        if not names_the_parameter(result, (param, *case.also)):
            return [f"{param}={label}: the message does not name {param}: {result}"]
        return []
    if result is None:
        return [f"{param}={label}: returned None"]
    if label == "2**70" and param in case.huge:
        assert_same(result, case.huge[param])
        return []
    if param in case.oracles:
        assert_same(result, case.oracles[param](value))
        return []
    twin = KINDS[case.kinds[param]].get(label)
    if twin is None:
        return [f"{param}={label}: accepted a value that has no meaning here, returned {result!r:.80}"]
    if twin is not SELF:
        kind, expected = outcome(case.function, {**case.kwargs, param: twin})
        if kind == "error":
            return [f"{param}={label}: accepted, but the plain {twin!r} is refused ({expected})"]
        assert_same(result, expected)
    return []


@pytest.mark.parametrize("case, param", [(c, p) for c in CASES for p in c.kinds], ids=lambda v: getattr(v, "name", v))
def test_bad_values_raise_naming_the_parameter_or_give_the_right_answer(case, param, capsys):
    found = []
    for label, value in BAD.items():
        try:
            found += problems(case, param, label, value)
        except AssertionError as error:
            found.append(f"{param}={label}: a wrong answer: {error}")
    capsys.readouterr()  # the tables print
    assert not found, "\n".join(found)


# --- the arguments of torch.nn.functional.conv2d: accepted and refused exactly as PyTorch does ----------------------


def tensor(value):
    """value as a tensor, or None for None; what torch cannot hold raises TypeError or ValueError."""
    return None if value is None else torch.as_tensor(np.asarray(value))


def torch_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """F.conv2d on whatever it is given, with NumPy's promotion of the dtypes (convlab's one documented
    difference); bools are left as they are, so that torch refuses them."""
    arrays = [tensor(v) for v in (x, weight, bias)]
    present = [a for a in arrays if a is not None]
    if not any(a.dtype == torch.bool for a in present):
        dtype = torch.from_numpy(np.zeros(0, np.result_type(*[a.numpy() for a in present]))).dtype
        arrays = [a if a is None else a.to(dtype) for a in arrays]
    return F.conv2d(*arrays, stride=stride, padding=padding, dilation=dilation, groups=groups).numpy()


CONV_ARGS = dict(x=X, weight=W, bias=B, stride=1, padding=1, dilation=1, groups=1)


@pytest.mark.parametrize("conv", [reference.conv2d, reference.conv2d_naive], ids=["conv2d", "conv2d_naive"])
@pytest.mark.parametrize("param", list(CONV_ARGS))
def test_conv2d_accepts_and_refuses_what_torch_does(conv, param):
    found = []
    for label, value in BAD.items():
        kwargs = {**CONV_ARGS, param: value}
        kind, result = outcome(conv, kwargs)
        if label == "2**70" and param == "stride":  # past int64 torch overflows; any stride past the input is one step
            np.testing.assert_allclose(result, torch_conv2d(**{**kwargs, "stride": 100}), rtol=1e-12)
            continue
        try:
            expected = torch_conv2d(**kwargs)
        except (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError):
            if kind == "result":
                found.append(f"{param}={label}: torch refuses it, convlab returned {result!r:.60}")
            elif not names_the_parameter(result, [param]):
                found.append(f"{param}={label}: the message does not name {param}: {result}")
            continue
        if kind == "error":
            found.append(f"{param}={label}: torch accepts it, convlab raised {result}")
        else:
            np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)
    assert not found, "\n".join(found)


def test_conv_output_size_agrees_with_torch_on_every_bad_stride_padding_and_dilation():
    x, w = torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, 3, 3)  # on the CPU: the meta kernels divide by a zero stride
    for param in ("stride", "padding", "dilation"):
        for label, value in BAD.items():
            if label == "2**70":
                continue  # past int64: convlab computes exactly (tested above), torch overflows
            kind, result = outcome(arithmetic.conv_output_size, {"size": 9, "kernel_size": 3, param: value})
            try:
                expected = F.conv2d(x, w, **{param: value}).shape[-1]
            except (RuntimeError, ValueError, TypeError):
                assert kind == "error", f"{param}={label}: torch refuses it, convlab returned {result!r}"
                continue
            assert kind == "result", f"{param}={label}: torch accepts it, convlab raised {result}"
            assert_same(result, expected)


# --- exercises: the reader's answer never raises; the author's arguments are checked ----------------------------------


ANSWERS = {**BAD, "Ellipsis": ..., "(15, ...)": (15, ...), "(15, None)": (15, None), "10**400": 10**400,
           "15+0j": 15 + 0j, "b'15'": b"15", "['15']": ["15"], "np.array(['15'])": np.array(["15"]),
           "a tensor that requires grad": torch.ones(2, requires_grad=True),
           "a meta tensor": torch.ones(2, device="meta"),
           "a set": {15}, "a generator": (i for i in range(2)), "a Failed": exercises.Failed("not yet: broken")}


@pytest.mark.parametrize("expected", [15, [1, 2], "b", True, np.arange(4).reshape(2, 2)], ids=repr)
def test_no_answer_raises_and_no_bad_answer_is_correct(expected, capsys):
    for label, answer in ANSWERS.items():
        message = exercises.verdict(answer, expected)
        assert isinstance(message, str) and message, label
        if not (label == "True" and expected is True):
            assert not message.startswith("correct"), f"{label} passed for {expected!r}: {message}"
        design = exercises.design_verdict(answer, {"is 15": lambda a: a == 15, "has two parts": lambda a: len(a) == 2})
        assert isinstance(design, str) and not design.startswith("correct"), (label, design)
        exercises.check(answer, expected)
        exercises.check_design(answer, {"positive": lambda a: a > 0})
        failed = exercises.attempt(answer, 3)  # the answer used as a function
        assert isinstance(failed, exercises.Failed), label
        assert isinstance(exercises.is_number(answer), bool)
    assert capsys.readouterr().out.count("answer: ") == len(ANSWERS)


@pytest.mark.parametrize("param", ["expected", "rtol", "atol"])
def test_the_authors_arguments_raise_naming_themselves_or_are_used(param):
    kwargs = {"answer": 15, "expected": 15, "rtol": exercises.RTOL, "atol": exercises.ATOL}
    for label, value in BAD.items():
        kind, result = outcome(exercises.verdict, {**kwargs, param: value})
        if kind == "error":
            assert names_the_parameter(result, [param]), f"{param}={label}: {result}"
        else:
            assert isinstance(result, str), f"{param}={label}"
    for value in BAD.values():
        with pytest.raises((ValueError, TypeError), match="conditions"):
            exercises.design_verdict(15, value)
