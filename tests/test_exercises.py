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
