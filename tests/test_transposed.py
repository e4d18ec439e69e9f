"""Transposed convolution against PyTorch, by property tests: `conv_transpose2d` and
`conv_transpose2d_naive` equal ``torch.nn.functional.conv_transpose2d`` (values, shapes,
refusals), `conv_transpose_output_size` equals the shape PyTorch computes and refuses what it
refuses, and the transposed convolution is the adjoint of `conv2d`: the gradient autograd
computes for a convolution's input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import event, given
from hypothesis import strategies as st

from convlab.arithmetic import conv_output_size, conv_transpose_output_size
from convlab.receptive import receptive_field
from convlab.reference import conv2d, conv_transpose2d, conv_transpose2d_naive

TORCH_ERRORS = (RuntimeError, ValueError, TypeError, IndexError)
CONVLAB_ERRORS = (ValueError, TypeError)
pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tiny tensors: one torch thread

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}
# A parameter PyTorch refuses, and a word convlab's message must name for it.
FLAWS = {
    "padding 'same'": "padding",
    "float stride": "stride",
    "negative output_padding": "output_padding",
    "output_padding as large as stride and dilation": "output_padding",
    "x channels mismatch": "channels",
    "in_channels not a multiple of groups": "in_channels",
    "bias of wrong length": "bias",
    "dilation 0": "dilation",
}


def pairs(lo, hi):
    n = st.integers(lo, hi)
    return st.one_of(n, st.tuples(n, n))


@st.composite
def cases(draw, flaw=None):
    """(x, weight, bias, keyword arguments, dtype, flaw): one conv_transpose2d call, well-formed
    unless `flaw` (or, when None, a random one a fifth of the time)."""
    if flaw is None:
        flaw = draw(st.one_of(st.none(), st.none(), st.none(), st.none(), st.sampled_from(sorted(FLAWS))))
    groups = draw(st.integers(1, 3))
    c_in, c_out_g = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    batch = draw(st.sampled_from([None, 1, 2] if flaw else [None, 0, 1, 2]))  # torch checks little on an empty one
    low = 2 if flaw == "dilation 0" else 1  # torch does not look at the dilation of a 1×1 kernel
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    kh, kw = draw(st.integers(low, 4)), draw(st.integers(low, 4))
    kwargs = {"stride": draw(pairs(1, 3)), "padding": draw(pairs(0, 3)), "dilation": draw(pairs(1, 3)),
              "groups": groups}
    s, d = np.broadcast_to(kwargs["stride"], 2), np.broadcast_to(kwargs["dilation"], 2)
    kwargs["output_padding"] = tuple(draw(st.integers(0, max(a, b) - 1)) for a, b in zip(s, d, strict=True))
    x_channels, weight_in, bias_len = c_in, c_in, c_out_g * groups
    if flaw == "padding 'same'":
        kwargs["padding"] = "same"
    elif flaw == "float stride":
        kwargs["stride"] = 2.0
    elif flaw == "negative output_padding":
        kwargs["output_padding"] = -1
    elif flaw == "output_padding as large as stride and dilation":
        kwargs["output_padding"] = int(max(s.max(), d.max()))
    elif flaw == "x channels mismatch":
        x_channels = c_in + 1
    elif flaw == "in_channels not a multiple of groups":
        kwargs["groups"], weight_in, x_channels = 2, 3, 3
    elif flaw == "bias of wrong length":
        bias_len += 1
    elif flaw == "dilation 0":
        kwargs["dilation"] = 0
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x_shape = (x_channels, h, w) if batch is None else (batch, x_channels, h, w)
    x = rng.standard_normal(x_shape).astype(dtype)
    weight = rng.standard_normal((weight_in, c_out_g, kh, kw)).astype(dtype)
    bias = rng.standard_normal(bias_len).astype(dtype) if draw(st.booleans()) or flaw == "bias of wrong length" \
        else None
    return x, weight, bias, kwargs, dtype, flaw


def torch_transposed(x, weight, bias, kwargs):
    tensors = [None if a is None else torch.from_numpy(a) for a in (x, weight, bias)]
    return F.conv_transpose2d(*tensors, **kwargs).numpy()


@pytest.mark.parametrize("function", [conv_transpose2d, conv_transpose2d_naive])
@given(case=cases())
def test_conv_transpose2d_matches_torch(function, case):
    x, weight, bias, kwargs, dtype, flaw = case
    try:
        expected = torch_transposed(x, weight, bias, kwargs)
    except TORCH_ERRORS:
        event(f"torch raises: {flaw}" if flaw else "torch raises on geometry")
        with pytest.raises(CONVLAB_ERRORS, match=FLAWS[flaw] if flaw else "padding"):
            function(x, weight, bias, **kwargs)
        return
    if 0 in expected.shape[-2:] or (x.ndim == 4 and len(x) == 0):
        # torch checks little on an empty batch, and on some paths returns an empty output where its others
        # refuse one; convlab checks the same always
        try:
            result = function(x, weight, bias, **kwargs)
        except ValueError:
            event("torch skips a check on an empty batch that convlab makes")
            return
        assert result.shape == expected.shape
        return
    assert flaw is None, f"torch accepted {flaw}"
    event("torch accepts")
    result = function(x, weight, bias, **kwargs)
    assert result.shape == expected.shape and result.dtype == dtype
    np.testing.assert_allclose(result, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("flaw", sorted(FLAWS))
@given(data=st.data())
def test_each_flaw_is_refused_by_both_with_a_message_naming_it(flaw, data):
    x, weight, bias, kwargs, _, _ = data.draw(cases(flaw=flaw))
    with pytest.raises(TORCH_ERRORS):
        torch_transposed(x, weight, bias, kwargs)
    with pytest.raises(CONVLAB_ERRORS, match=FLAWS[flaw]):
        conv_transpose2d(x, weight, bias, **kwargs)


@given(size=pairs(1, 9), kernel_size=pairs(1, 5), stride=pairs(1, 4), padding=pairs(0, 4),
       output_padding=pairs(0, 3), dilation=pairs(1, 3))
def test_conv_transpose_output_size_matches_torch(size, kernel_size, stride, padding, output_padding, dilation):
    h, w = np.broadcast_to(size, 2)
    kh, kw = np.broadcast_to(kernel_size, 2)
    try:
        shape = F.conv_transpose2d(torch.zeros(1, 1, h, w), torch.zeros(1, 1, kh, kw), stride=stride, padding=padding,
                                   output_padding=output_padding, dilation=dilation).shape[-2:]
    except RuntimeError:
        shape = None
    if shape is None or 0 in shape:  # torch returns an empty output on some paths, where others refuse it
        with pytest.raises(ValueError, match="output_padding|padding"):
            conv_transpose_output_size(size, kernel_size, stride, padding, output_padding, dilation)
        return
    result = conv_transpose_output_size(size, kernel_size, stride, padding, output_padding, dilation)
    every_int = all(isinstance(a, int) for a in (size, kernel_size, stride, padding, output_padding, dilation))
    assert result == (shape[0] if every_int else tuple(shape))


@given(case=cases(flaw=False))
def test_the_transposed_convolution_is_the_gradient_of_conv2d_for_its_input(case):
    """conv2d with weight W maps x to y; its adjoint — the gradient of ⟨conv2d(x, W), g⟩ for x —
    is conv_transpose2d(g, W) with the same arguments, the output_padding giving x's shape back."""
    z, weight, _, kwargs, dtype, _ = case
    kwargs = {k: kwargs[k] for k in ("stride", "padding", "dilation", "groups")}
    # read the same weight as a conv2d's (out = weight.shape[0], in/groups = weight.shape[1]), from x
    x = torch.from_numpy(np.random.default_rng(0).standard_normal(
        (2, weight.shape[1] * kwargs["groups"], 7, 6)).astype(dtype)).requires_grad_()
    try:
        y = F.conv2d(x, torch.from_numpy(weight), **kwargs)
    except RuntimeError:
        event("the kernel does not fit the input")
        return
    g = torch.from_numpy(np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(dtype))
    y.backward(g)
    made = conv_transpose_output_size(tuple(y.shape[-2:]), weight.shape[-2:], kwargs["stride"], kwargs["padding"], 0,
                                      kwargs["dilation"])
    output_padding = (7 - made[0], 6 - made[1])  # the rows and columns the stride left over
    result = conv_transpose2d(g.numpy(), weight, output_padding=output_padding, **kwargs)
    np.testing.assert_allclose(result, x.grad.numpy(), rtol=1e-4, atol=1e-4)
    # and the adjoint identity itself: <conv2d(x), g> = <x, conv_transpose2d(g)>
    forward = conv2d(x.detach().numpy(), weight, **kwargs)
    np.testing.assert_allclose(np.vdot(forward, g.numpy()), np.vdot(x.detach().numpy(), result), rtol=1e-4)


@pytest.mark.parametrize("size, kernel_size, stride, padding", [(n, k, s, p) for n in range(1, 16)
                                                                for k in (1, 2, 3, 4, 5) for s in (1, 2, 3)
                                                                for p in (0, 1, 2) if 2 * p + n >= k])
def test_a_transposed_convolution_with_the_same_arguments_maps_the_output_shape_back(size, kernel_size, stride,
                                                                                     padding):
    out = conv_output_size(size, kernel_size, stride, padding)
    left_over = size - ((out - 1) * stride - 2 * padding + kernel_size)  # rows the stride skipped at the end
    assert 0 <= left_over < stride  # the stride made these sizes collide; output_padding picks one
    assert conv_transpose_output_size(out, kernel_size, stride, padding, output_padding=left_over) == size


def test_receptive_field_refuses_a_transposed_convolution_saying_why():
    layers = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1))
    with pytest.raises(ValueError, match=r"ConvTranspose2d.*1/stride = 1/2 input pixels apart"):
        receptive_field(layers)
    assert receptive_field(layers[:1])[-1].size == 3  # the layers before it still have a field
