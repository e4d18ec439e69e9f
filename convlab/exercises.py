"""Self-checks for the notebooks' exercises: `check(answer, expected)` prints "correct" or a hint
that does not give the answer away, `check_design` tests a design against an exercise's conditions
and `attempt` runs a reader's function. Whatever the reader passes (text, None, a dict, NaN, a
half-finished tuple…) gets a friendly message, never a traceback; a mistake in what the lesson's
author passes (`expected`, the tolerances, the conditions) raises a ValueError or TypeError naming it."""

import numbers
from collections.abc import Mapping

import numpy as np

from convlab.checks import ParameterTypeError, short

__all__ = ["check", "verdict", "check_design", "design_verdict", "attempt", "Failed", "is_number"]

UNFINISHED = "not answered yet (replace ... with your code)"
RTOL, ATOL = 1e-6, 1e-9  # the default tolerance: exact for integers, float rounding for the rest
TEXT_HINT = "write the number itself, without quotes (for example 15, not '15'), or an expression such as 1/256 + 1/9"


class Failed:
    """What `attempt` returns when the reader's function raised or is not written yet."""

    def __init__(self, message):
        self.message = message

    def __repr__(self):
        return f"Failed({self.message!r})"


def attempt(function, *args, **kwargs):
    """function(*args, **kwargs), or a `Failed` saying what went wrong (which `check` reports): a
    function that returns `...` or trips over a `...` left in its code is not answered yet."""
    if function is Ellipsis or function is None:
        return Failed(UNFINISHED)
    if not callable(function):
        return Failed(f"not yet: {short(function)} is not a function (write it with def, or as a lambda)")
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
    rtol, atol = _tolerance(rtol, "rtol"), _tolerance(atol, "atol")
    if isinstance(expected, str):
        return _unusable(answer) or _text_verdict(answer, expected)
    theirs = _expected(expected)
    problem = _unusable(answer) or _not_numbers(answer, expected)
    if problem:
        return problem
    if isinstance(expected, (bool, np.bool_)):
        return "correct ✓" if answer == expected else f"not yet: not {answer!r}"
    ours, problem = _as_floats(answer)
    if problem:
        return problem
    if ours.shape != theirs.shape:
        return f"not yet: the shape is {ours.shape}, which is not the shape of the result"
    if not np.isfinite(ours).all():
        return "not yet: the answer holds nan or inf"
    close = np.isclose(ours, theirs, rtol=rtol, atol=atol)
    if close.all():
        return "correct ✓" + (f" (within {rtol:.1%})" if rtol > RTOL and not np.array_equal(ours, theirs) else "")
    if theirs.ndim == 0:
        return f"not yet: {short(answer)} is too {'large' if ours > theirs else 'small'}"
    wrong = np.flatnonzero(~close)
    return f"not yet: {len(wrong)} of {theirs.size} values differ (the first at flat index {wrong[0]})"


def _tolerance(value, name):
    if not (isinstance(value, numbers.Real) and not isinstance(value, bool)):
        raise ParameterTypeError(f"{name} must be a non-negative number, got {short(value)}")
    if not 0 <= value < float("inf"):
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return float(value)


def _expected(expected):
    """The author's expected value as a float array (finite), or an error naming `expected`."""
    theirs, problem = _as_floats(expected)
    if problem or isinstance(expected, (bytes, Failed)) or expected is None or expected is Ellipsis:
        raise ParameterTypeError(f"expected must be a number, a list or array of numbers, or a text, "
                                 f"got {short(expected)}")
    if not np.isfinite(theirs).all():
        raise ValueError(f"expected must hold finite numbers, got {short(expected)}")
    return theirs


def _unusable(answer):
    """A message when the answer is missing, still holds `...` or None, or comes from a failed attempt."""
    if answer is Ellipsis or answer is None:
        return "not answered yet (replace ... with your answer)"
    if isinstance(answer, Failed):
        return answer.message
    if isinstance(answer, (tuple, list)) and any(_holds(a, lambda v: v is Ellipsis) for a in answer):
        return "not finished: part of the answer is still ..."
    if isinstance(answer, (tuple, list)) and any(_holds(a, lambda v: v is None) for a in answer):
        return "not finished: part of the answer is None (a function that returns nothing?)"
    return None


def _holds(item, test):
    """True if `item`, or anything in the nested tuples and lists of `item`, passes `test`."""
    return test(item) or (isinstance(item, (tuple, list)) and any(_holds(a, test) for a in item))


def _not_numbers(answer, expected):
    """A message for text, truth values or complex numbers where numbers are expected."""
    if isinstance(answer, (str, bytes)):
        return f"not yet: {short(answer)} is text; {TEXT_HINT}"
    if isinstance(answer, (tuple, list)) and _holds(answer, lambda v: isinstance(v, (str, bytes))):
        return f"not yet: part of {short(answer)} is text; {TEXT_HINT}"
    if isinstance(answer, np.ndarray) and answer.dtype.kind in "US":
        return f"not yet: {short(answer)} holds text; {TEXT_HINT}"
    if isinstance(expected, (bool, np.bool_)) != isinstance(answer, (bool, np.bool_)):
        wanted = "True or False" if isinstance(expected, (bool, np.bool_)) else "a number, not True or False"
        return f"not yet: the answer should be {wanted}, got {short(answer)}"
    if isinstance(answer, complex) or (isinstance(answer, np.ndarray) and answer.dtype.kind == "c"):
        return f"not yet: {short(answer)} is a complex number; the answer is real"
    return None


def _as_floats(value):
    """(value as a float array, None), or (None, a message saying why it is not numbers)."""
    if hasattr(value, "detach") and callable(value.detach):  # a torch tensor, perhaps one that requires grad
        try:
            value = value.detach().cpu()
        except Exception:  # a meta tensor has no values
            return None, f"not yet: {short(value)} holds no values (a tensor on the meta device?)"
    try:
        array = np.asarray(value)
        if array.dtype.kind in "USc":
            raise TypeError("text or complex numbers")
        return array.astype(float), None
    except OverflowError:
        return None, f"not yet: {short(value)} holds a number too large to compare (over 1.8e308)"
    except Exception:  # ragged lists, dicts, sets, objects, complex numbers: not real numbers
        return None, f"not yet: {short(value)} is not a number or a list of numbers"


def _text_verdict(answer, expected):
    if not isinstance(answer, str):
        return f"not yet: answer with text, such as {expected[:1]!r}…, in quotes"
    return "correct ✓" if answer.strip().lower() == expected.strip().lower() else f"not yet: not {answer!r}"


def check_design(answer, conditions, name="design"):
    """Test a design (a list of dilations, a layer, a network…) against `conditions`, a dict
    from what is asked ("receptive field ≥ 61") to a function of the answer returning True or
    False. Prints every condition with ✓ or ✗, then the verdict."""
    print(f"{name}: {design_verdict(answer, conditions)}")


def design_verdict(answer, conditions):
    """The verdict of `check_design`, as text."""
    if not (isinstance(conditions, Mapping) and conditions and all(callable(t) for t in conditions.values())):
        raise ParameterTypeError(f"conditions must be a non-empty dict from what is asked to a function of the "
                                 f"answer, got {short(conditions)}")
    problem = _unusable(answer)
    if problem:
        return problem
    lines, met = [], 0
    for wanted, test in conditions.items():
        try:
            ok = bool(test(answer))
        except Exception as error:  # a malformed design: say what could not be tested
            hint = " (text in quotes: write it without them?)" if isinstance(answer, str) else ""
            return f"not yet: could not test {wanted!r} on {short(answer)}{hint} ({type(error).__name__}: {error})"
        met += ok
        lines.append(f"  {'✓' if ok else '✗'} {wanted}")
    head = "correct ✓ (every condition holds)" if met == len(conditions) else \
        f"not yet: {met} of {len(conditions)} conditions hold"
    return "\n".join([head, *lines])


def is_number(value):
    """True for ints and floats (Python or NumPy), not for bools: for design conditions."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
