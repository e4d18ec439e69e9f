"""Honest CPU timings for the notebooks: each function is warmed up, then run in many short
blocks of repeats at a fixed number of PyTorch threads, and the fastest block is kept (a busy
machine can only make a block slower, never faster; short blocks give a busy spell fewer chances
to spoil them all). Notebooks print the ratios of such times and assert the claim they make, so a
disturbed run fails instead of being committed."""

import math
import time
from contextlib import contextmanager

import torch

__all__ = ["best_time", "speedup", "torch_threads"]


@contextmanager
def torch_threads(threads):
    """PyTorch's intra-op thread count set to `threads` inside the block, restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def best_time(function, threads=1, min_run_time=0.3, block_time=0.002, min_blocks=3):
    """Seconds per call of `function()`: the fastest of many blocks of repeats (each block about
    `block_time` long, at least `min_blocks` of them, `min_run_time` seconds in all), at `threads`
    PyTorch threads, after a warm-up call."""
    with torch_threads(threads):
        start = time.perf_counter()
        function()  # warm up: first calls allocate, pick kernels, fill caches
        once = time.perf_counter() - start
        number = max(1, math.floor(block_time / max(once, 1e-9)))
        best, spent, blocks = math.inf, 0.0, 0
        while spent < min_run_time or blocks < min_blocks:
            start = time.perf_counter()
            for _ in range(number):
                function()
            taken = time.perf_counter() - start
            best, spent, blocks = min(best, taken / number), spent + taken, blocks + 1
    return best


def speedup(slow, fast, threads=1, min_run_time=0.3):
    """How many times faster `fast()` runs than `slow()`, both timed by `best_time`."""
    return best_time(slow, threads, min_run_time) / best_time(fast, threads, min_run_time)
