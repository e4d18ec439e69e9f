"""The output size of a pooling (issue 16's first piece): `pool_output_size` equals the shape PyTorch's max and
average pooling compute (floor and ceil mode, the dropped last window, stride defaulting to the
kernel size) and refuses what they refuse, naming the parameter."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import event, given
from hypothesis import strategies as st

from convlab.arithmetic import pool_output_size


def pairs(lo, hi):
    n = st.integers(lo, hi)
    return st.one_of(n, st.tuples(n, n))


def torch_shape(pool, size, **kwargs):
    h, w = (size, size) if isinstance(size, int) else size
    try:
        return tuple(pool(torch.zeros(1, 1, h, w), **kwargs).shape[-2:])
    except (RuntimeError, TypeError):  # TypeError: a float stride, an int ceil_mode
        return None


@given(size=pairs(1, 12), kernel_size=pairs(1, 5), stride=st.one_of(st.none(), pairs(1, 4)), padding=pairs(0, 3),
       dilation=pairs(1, 3), ceil_mode=st.booleans())
def test_pool_output_size_matches_max_pool2d(size, kernel_size, stride, padding, dilation, ceil_mode):
    shape = torch_shape(F.max_pool2d, size, kernel_size=kernel_size, stride=stride, padding=padding,
                        dilation=dilation, ceil_mode=ceil_mode)
    if shape is None:
        event("torch refuses")
        with pytest.raises(ValueError, match="padding|larger than the padded input"):
            pool_output_size(size, kernel_size, stride, padding, dilation, ceil_mode)
        return
    event("torch accepts")
    result = pool_output_size(size, kernel_size, stride, padding, dilation, ceil_mode)
    every_int = all(isinstance(a, int) for a in (size, kernel_size, padding, dilation)) and \
        (stride is None or isinstance(stride, int))
    assert result == (shape[0] if every_int else shape)


@given(size=pairs(1, 12), kernel_size=pairs(1, 5), stride=st.one_of(st.none(), pairs(1, 4)), padding=pairs(0, 3),
       ceil_mode=st.booleans())
def test_pool_output_size_matches_avg_pool2d(size, kernel_size, stride, padding, ceil_mode):
    shape = torch_shape(F.avg_pool2d, size, kernel_size=kernel_size, stride=stride, padding=padding,
                        ceil_mode=ceil_mode)
    if shape is None:
        with pytest.raises(ValueError, match="padding|larger than the padded input"):
            pool_output_size(size, kernel_size, stride, padding, ceil_mode=ceil_mode)
        return
    assert tuple(pool_output_size((size, size) if isinstance(size, int) else size, kernel_size, stride, padding,
                                  ceil_mode=ceil_mode)) == shape


def test_ceil_mode_drops_a_last_window_that_would_start_past_the_input():
    # 5 rows, kernel 2, stride 2, padding 1: windows start at −1, 1, 3 and (rounding up) 5 — past the input
    assert pool_output_size(5, 2, stride=2, padding=1) == 3
    assert pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True) == 3
    assert pool_output_size(6, 2, stride=2, padding=1, ceil_mode=True) == 4  # there it starts on the last row
    assert torch_shape(F.max_pool2d, 5, kernel_size=2, stride=2, padding=1, ceil_mode=True) == (3, 3)


@pytest.mark.parametrize("kwargs, word", [
    (dict(stride=0), "stride"), (dict(dilation=0), "dilation"), (dict(padding=-1), "padding"),
    (dict(padding=2), "padding"), (dict(stride=1.5), "stride"), (dict(ceil_mode=1), "ceil_mode"),
])
def test_refusals_name_the_parameter(kwargs, word):
    assert torch_shape(F.max_pool2d, 7, kernel_size=3, **kwargs) is None  # torch refuses it too
    with pytest.raises(ValueError, match=word):
        pool_output_size(7, 3, **kwargs)


def test_stride_defaults_to_the_kernel_size_also_as_an_empty_list():
    assert pool_output_size(8, 2) == pool_output_size(8, 2, stride=[]) == pool_output_size(8, 2, stride=2) == 4
    assert torch_shape(F.max_pool2d, 8, kernel_size=2, stride=[]) == (4, 4)
