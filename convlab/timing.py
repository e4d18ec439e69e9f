"""Honest CPU timings for the notebooks: each function is warmed up, then timed by
`torch.utils.benchmark` in many blocks of repeats at a fixed number of threads, and the fastest
block is kept (a busy machine can only make a block slower, never faster). Notebooks print the
ratios of such times and assert the claim they make, so a disturbed run fails instead of being
committed."""

from torch.utils import benchmark

__all__ = ["best_time", "speedup"]


def best_time(function, threads=1, min_run_time=0.3):
    """Seconds per call of `function()`: the fastest block of repeats, at `threads` PyTorch threads."""
    function()  # warm up: first calls allocate, pick kernels, fill caches
    timer = benchmark.Timer(stmt="function()", globals={"function": function}, num_threads=threads)
    return min(timer.blocked_autorange(min_run_time=min_run_time).times)


def speedup(slow, fast, threads=1, min_run_time=0.3):
    """How many times faster `fast()` runs than `slow()`, both timed by `best_time`."""
    return best_time(slow, threads, min_run_time) / best_time(fast, threads, min_run_time)
