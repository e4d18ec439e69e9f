"""Self-checks for the notebooks' exercises: `check(answer, expected)` prints "correct" or a
hint about what is off, without giving the answer away."""

import numpy as np

__all__ = ["check", "verdict"]


def check(answer, expected, name="answer"):
    """Compare a reader's answer (a number, a tuple or an array) with the expected one and
    print the verdict."""
    print(f"{name}: {verdict(answer, expected)}")


def verdict(answer, expected):
    """'correct ✓', or what is off (without the expected value)."""
    if answer is Ellipsis or answer is None:
        return "not answered yet (replace ... with your answer)"
    if np.shape(answer) != np.shape(expected):
        return f"not yet: the shape is {np.shape(answer)}, which is not the shape of the result"
    ours, theirs = np.asarray(answer, dtype=float), np.asarray(expected, dtype=float)
    if np.allclose(ours, theirs, rtol=1e-6, atol=1e-9):
        return "correct ✓"
    if np.ndim(expected) == 0:
        return f"not yet: {answer} is too {'large' if ours > theirs else 'small'}"
    wrong = np.flatnonzero(~np.isclose(ours, theirs, rtol=1e-6, atol=1e-9))
    return f"not yet: {len(wrong)} of {np.size(expected)} values differ (the first at flat index {wrong[0]})"
