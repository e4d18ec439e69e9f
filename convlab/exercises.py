"""Self-checks for the notebooks' exercises: `check(answer, expected)` prints "correct" or a
hint about what is off, without giving the answer away; `check_design` tests a design against
the conditions an exercise sets; `attempt` runs a reader's function. None of them ever raises:
a reader's unfinished, mistyped or malformed answer gets a friendly message, not a traceback."""

import numbers

import numpy as np

__all__ = ["check", "verdict", "check_design", "design_verdict", "attempt", "Failed", "is_number"]

UNFINISHED = "not answered yet (replace ... with your code)"
RTOL, ATOL = 1e-6, 1e-9  # the default tolerance: exact for integers, float rounding for the rest


class Failed:
    """What `attempt` returns when the reader's function raised or is not written yet."""

    def __init__(self, message):
        self.message = message

    def __repr__(self):
        return f"Failed({self.message!r})"


def attempt(function, *args, **kwargs):
    """function(*args, **kwargs), or a `Failed` saying what went wrong (which `check` reports): a
    function that returns `...` or trips over a `...` left in its code is not answered yet."""
    try:
        result = function(*args, **kwargs)
    except Exception as error:  # the reader's code: any error becomes a message
        if isinstance(error, TypeError) and "ellipsis" in str(error):  # a `...` still in the code, used
            return Failed(UNFINISHED)
        return Failed(f"not yet: your function raised {type(error).__name__}: {error}")
    if result is Ellipsis or result is None:
        return Failed(UNFINISHED)
    return result


def check(answer, expected, name="answer", rtol=RTOL, atol=ATOL):
    """Compare a reader's answer (a number, a tuple, a list, an array or a short text) with the
    expected one and print the verdict. `rtol`/`atol`: how close a number must be (relative,
    absolute); e.g. rtol=0.005 accepts 0.119 for 0.118924."""
    print(f"{name}: {verdict(answer, expected, rtol, atol)}")


def verdict(answer, expected, rtol=RTOL, atol=ATOL):
    """'correct ✓', or what is off (without the expected value)."""
    problem = _unusable(answer)
    if problem:
        return problem
    if isinstance(expected, str):
        return _text_verdict(answer, expected)
    if isinstance(answer, str):
        return (f"not yet: {answer!r} is text; write the number itself, without quotes "
                "(for example 15, not '15'), or an expression such as 1/256 + 1/9")
    try:
        ours = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return f"not yet: {_short(answer)} is not a number or a list of numbers"
    theirs = np.asarray(expected, dtype=float)
    if ours.shape != theirs.shape:
        return f"not yet: the shape is {ours.shape}, which is not the shape of the result"
    if not np.isfinite(ours).all():
        return "not yet: the answer holds nan or inf"
    close = np.isclose(ours, theirs, rtol=rtol, atol=atol)
    if close.all():
        return "correct ✓" + (f" (within {rtol:.1%})" if rtol > RTOL and not np.array_equal(ours, theirs) else "")
    if theirs.ndim == 0:
        return f"not yet: {_short(answer)} is too {'large' if ours > theirs else 'small'}"
    wrong = np.flatnonzero(~close)
    return f"not yet: {len(wrong)} of {theirs.size} values differ (the first at flat index {wrong[0]})"


def _unusable(answer):
    """A message when the answer is missing, still holds `...`, or comes from a failed attempt."""
    if answer is Ellipsis or answer is None:
        return "not answered yet (replace ... with your answer)"
    if isinstance(answer, Failed):
        return answer.message
    if isinstance(answer, (tuple, list)) and any(_holds_ellipsis(a) for a in answer):
        return "not finished: part of the answer is still ..."
    return None


def _holds_ellipsis(item):
    return item is Ellipsis or (isinstance(item, (tuple, list)) and any(_holds_ellipsis(a) for a in item))


def _text_verdict(answer, expected):
    if not isinstance(answer, str):
        return f"not yet: answer with text, such as {expected[:1]!r}…, in quotes"
    return "correct ✓" if answer.strip().lower() == expected.strip().lower() else f"not yet: not {answer!r}"


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def check_design(answer, conditions, name="design"):
    """Test a design (a list of dilations, a layer, a network…) against `conditions`, a dict
    from what is asked ("receptive field ≥ 61") to a function of the answer returning True or
    False. Prints every condition with ✓ or ✗, then the verdict."""
    print(f"{name}: {design_verdict(answer, conditions)}")


def design_verdict(answer, conditions):
    problem = _unusable(answer)
    if problem:
        return problem
    lines, met = [], 0
    for wanted, test in conditions.items():
        try:
            ok = bool(test(answer))
        except Exception as error:  # a malformed design: say what could not be tested
            return f"not yet: could not test {wanted!r} on {_short(answer)} ({type(error).__name__}: {error})"
        met += ok
        lines.append(f"  {'✓' if ok else '✗'} {wanted}")
    head = "correct ✓ (every condition holds)" if met == len(conditions) else \
        f"not yet: {met} of {len(conditions)} conditions hold"
    return "\n".join([head, *lines])


def is_number(value):
    """True for ints and floats (Python or NumPy), not for bools: for design conditions."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
