"""A NaN's origin read from the worker's trace (oracles/nan_origin.py): which operation, at which line,
and when the head's saturation story may still be told beside it."""
from __future__ import annotations

import pytest

from oracles.nan_origin import MADE_HERE, NAN_IDS, ORIGINS, head_story_fits, origin_finding, traced


def failure(warning: str, code: str | None = "z = np.exp(s)", where: str | None = "net.py:12") -> str:
    """A traced failure as the harness holds it (the candidate's crash, the worker's trace words)."""
    at = f" at {where}" if where else ""
    inside = f" in `{code}`" if code is not None else ""
    return f"the candidate crashed{at}: FloatingPointError: {MADE_HERE}{inside}: {warning}"


@pytest.mark.parametrize("warning, cause", [
    ("overflow encountered in exp", "nan_exp_overflow"),
    ("divide by zero encountered in log", "nan_log_of_zero"),
    ("divide by zero encountered in divide", "nan_division_by_zero"),
    ("divide by zero encountered in scalar divide", "nan_division_by_zero"),
    ("invalid value encountered in divide", "nan_division_by_zero"),
    ("invalid value encountered in true_divide", "nan_division_by_zero"),
])
def test_each_warning_on_the_traced_line_names_its_operation_as_a_cause(warning, cause):
    found = origin_finding(failure(warning))
    assert found.ids == (cause,)
    assert found.kind == "cause" and found.cause and found.params == ()


def test_the_origin_names_the_line_and_the_code_of_the_trace():
    found = origin_finding(failure("divide by zero encountered in log", code="w = np.log(p.sum())", where="mine.py:41"))
    assert "at mine.py:41" in found.text
    assert "(`w = np.log(p.sum())`)" in found.text
    assert found.text.startswith("the NaN or inf comes from ")


def test_an_origin_without_a_line_or_code_is_still_named_and_says_neither():
    found = origin_finding(failure("overflow encountered in exp", code=None, where=None))
    assert found.ids == ("nan_exp_overflow",)
    assert " at " not in found.text and "`" not in found.text


@pytest.mark.parametrize("warning", [warning for warning, _, _ in ORIGINS])
@pytest.mark.parametrize("code", [None, "z = np.exp(s)"])
def test_an_origin_without_a_line_says_the_same_as_with_one_less_the_line(warning, code):
    with_line = origin_finding(failure(warning, code=code, where="net.py:12"))
    without = origin_finding(failure(warning, code=code, where=None))
    assert " at net.py:12" in with_line.text
    assert without.text == with_line.text.replace(" at net.py:12", "")
    assert without.ids == with_line.ids


def test_an_exp_that_overflowed_is_named_before_the_division_it_led_to_on_the_same_line():
    both = failure("overflow encountered in exp; invalid value encountered in divide", code="p = np.exp(s) / np.exp(s).sum()")
    assert origin_finding(both).ids == ("nan_exp_overflow",)
    assert origin_finding(failure("invalid value encountered in divide; divide by zero encountered in log")).ids == \
        ("nan_log_of_zero",)


def test_a_trace_with_no_known_warning_or_no_trace_names_no_origin():
    assert origin_finding(failure("no NumPy warning on that line")) is None
    assert origin_finding(failure("overflow encountered in multiply")) is None
    assert origin_finding("the candidate crashed at x.py:3: FloatingPointError: divide by zero encountered in log") is None
    assert origin_finding("") is None and origin_finding(None) is None


def test_traced_is_the_workers_words_and_nothing_else():
    assert traced(failure("overflow encountered in exp")) is True
    assert traced("FloatingPointError: overflow encountered in exp") is False
    assert traced("") is False and traced(None) is False


def test_every_origin_id_is_a_known_nan_id_and_each_known_id_has_an_origin():
    assert {id_ for _, id_, _ in ORIGINS} == set(NAN_IDS)


def test_the_heads_story_is_told_where_no_operation_was_traced():
    assert head_story_fits(None) is True
    assert head_story_fits("the candidate crashed at x.py:3: FloatingPointError: overflow encountered in exp") is True
    assert head_story_fits(failure("no NumPy warning on that line")) is True


def test_the_heads_story_fits_an_exp_overflow_on_a_line_that_subtracts_no_max():
    assert head_story_fits(failure("overflow encountered in exp", code="e = np.exp(scores)")) is True
    assert head_story_fits(failure("overflow encountered in exp", code=None)) is True


def test_the_heads_story_is_not_told_beside_a_shifted_exp_a_log_or_a_division():
    assert head_story_fits(failure("overflow encountered in exp", code="e = np.exp(s - s.max(axis=1))")) is False
    assert head_story_fits(failure("divide by zero encountered in log", code="l = np.log(p)")) is False
    assert head_story_fits(failure("invalid value encountered in divide", code="p = e / e.sum()")) is False
