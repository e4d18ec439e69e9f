"""The exercises' self-checks: right answers pass, wrong ones get a hint without the answer,
and nothing a reader types (text, a half-finished tuple, a function that raises) makes a
traceback."""

import numpy as np
import pytest
import torch

from convlab.exercises import attempt, check, check_design, design_verdict, verdict


def test_right_answers_are_correct():
    assert verdict(15, 15).startswith("correct")
    assert verdict((36, 81), (36, 81)).startswith("correct")
    assert verdict(np.arange(6).reshape(2, 3), np.arange(6).reshape(2, 3)).startswith("correct")
    assert verdict([1, 2, 3, 6], [1, 2, 3, 6]).startswith("correct")
    assert verdict(1 / 256 + 1 / 9, 0.11501736111111112).startswith("correct")


def test_a_tolerance_accepts_sensible_precision_and_says_so():
    exact = 1 / 256 + 1 / 9
    assert verdict(0.115, exact).startswith("not yet")  # the default asks for float precision
    assert verdict(0.115, exact, rtol=0.005) == "correct ✓ (within 0.5%)"
    assert verdict(0.12, exact, rtol=0.005).startswith("not yet: 0.12 is too large")


def test_wrong_answers_get_a_hint_without_the_answer():
    assert verdict(14, 15) == "not yet: 14 is too small"
    assert verdict(16, 15) == "not yet: 16 is too large"
    message = verdict((36, 80), (36, 81))
    assert "1 of 2 values differ" in message and "81" not in message
    assert "shape" in verdict((1, 2, 3), (1, 2))


@pytest.mark.parametrize("answer, words", [
    (..., "not answered yet"),
    (None, "not answered yet"),
    ((36, ...), "part of the answer is still ..."),
    ("15", "without quotes"),
    ("fifteen", "is text"),
    ({"a": 1}, "not a number"),
    (float("nan"), "nan"),
    (object(), "not a number"),
])
def test_malformed_answers_get_a_friendly_message(answer, words):
    message = verdict(answer, 15)
    assert message.startswith("not")
    assert words in message


def test_text_answers():
    assert verdict(" B ", "b").startswith("correct")
    assert verdict("c", "b") == "not yet: not 'c'"
    assert "text" in verdict(2, "b")


def test_attempt_turns_errors_into_messages():
    def unfinished(x):
        return ...

    def broken(x):
        return x[10]

    def half_written(x):
        return x.reshape(...)  # a `...` the reader has not replaced yet

    assert verdict(attempt(unfinished, [1]), [1]) == "not answered yet (replace ... with your code)"
    assert verdict(attempt(broken, [1]), [1]).startswith("not yet: your function raised IndexError")
    assert verdict(attempt(half_written, torch.zeros(2)), [1]) == "not answered yet (replace ... with your code)"
    assert verdict(attempt(..., 3), [1]) == "not answered yet (replace ... with your code)"  # answer = ... called
    assert attempt(lambda x: x * 2, 3) == 6


def test_check_design_lists_every_condition():
    conditions = {"at least 3 layers": lambda d: len(d) >= 3, "starts with 1": lambda d: d[0] == 1}
    assert design_verdict([1, 2, 5], conditions).startswith("correct ✓")
    message = design_verdict([2, 2], conditions)
    assert message.startswith("not yet: 0 of 2") and "✗ starts with 1" in message
    assert "could not test" in design_verdict(5, conditions)  # len(5) raises: a message, not a traceback
    assert design_verdict(..., conditions).startswith("not answered")


def test_check_prints_one_line_per_answer(capsys):
    check(15, 15, "exercise 1")
    check_design([1], {"one layer": lambda d: len(d) == 1}, "exercise 2")
    out = capsys.readouterr().out
    assert out.startswith("exercise 1: correct ✓\nexercise 2: correct ✓")


@pytest.mark.parametrize("answer, expected, words", [
    (b"15", 15, "is text"),  # NumPy reads bytes as a number: this used to be "correct"
    ([1, "2"], [1, 2], "part of [1, '2'] is text"),  # and this too
    (np.array(["15"]), 15, "holds text"),
    ((1, None), (1, 2), "part of the answer is None"),
    (10**400, 15, "too large to compare"),  # an OverflowError before
    (15 + 0j, 15, "complex"),
    ([1 + 2j, 2], [1, 2], "not a number"),
    (True, 1, "should be a number, not True or False"),
    (1, True, "should be True or False"),
    (False, True, "not False"),
    (torch.ones(2, device="meta"), [1, 1], "holds no values"),
])
def test_more_malformed_answers_get_a_friendly_message(answer, expected, words):
    message = verdict(answer, expected)
    assert message.startswith("not") and words in message


def test_a_tensor_that_requires_grad_is_an_answer_like_any_other():
    x = torch.tensor([36.0, 81.0], requires_grad=True)
    assert verdict(x * 1, (36, 81)) == "correct ✓"  # np.asarray raised a RuntimeError on it before


@pytest.mark.parametrize("kwargs, match", [
    (dict(expected=None), "expected must be a number"),
    (dict(expected=float("nan")), "expected must hold finite numbers"),
    (dict(expected=[1 + 1j]), "expected must be a number"),
    (dict(rtol=-0.1), "rtol must be a non-negative"),
    (dict(atol="0"), "atol must be a non-negative number"),
    (dict(rtol=True), "rtol must be a non-negative number"),
])
def test_the_authors_mistakes_raise_naming_them(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        verdict(15, **{"expected": 15, **kwargs})


def test_conditions_must_be_a_dict_of_functions():
    for conditions in ({}, [lambda d: True], {"at least 3": 3}, None):
        with pytest.raises(TypeError, match="conditions must be a non-empty dict"):
            design_verdict([1, 2, 3], conditions)
    assert "(text in quotes: write it without them?)" in design_verdict("3", {"odd": lambda d: d % 2 == 1})


def test_attempt_on_something_that_is_not_a_function():
    assert verdict(attempt(15, 3), 15) == "not yet: 15 is not a function (write it with def, or as a lambda)"
    assert verdict(attempt(None), 15) == "not answered yet (replace ... with your code)"
