"""compare(): one candidate gradient against one oracle's, entry by entry, worked by hand.

Every expected number below follows from the rule ``|g - o| <= atol * S + rtol * |o|`` with
``S = max(1, max |o|)`` (README, "Numerical policy") and from the interval rule at exact kinks
(README, "Kinks are subgradients"); none is read back from the code under test.
"""
from __future__ import annotations

import numpy as np
import pytest

from oracles.compare import Check, agrees, compare, ratio_words
from oracles.kinks import Interval
from oracles.policy import Tolerance

TOL = Tolerance(atol=0.1, rtol=0.0)


def test_an_entry_exactly_at_the_bound_passes_and_one_beyond_fails_with_counts_and_errors():
    o = np.array([[0.5, -0.25], [0.0, 0.75]])
    ok = compare("W1", "torch", o + [[0.1, 0.0], [0.0, -0.1]], o, TOL)
    assert ok.passed and ok.over_tolerance == 0
    bad = compare("W1", "torch", o + [[0.0, 0.2], [0.3, 0.0]], o, TOL)
    assert not bad.passed and bad.over_tolerance == 2
    assert bad.max_abs_err == pytest.approx(0.3)
    assert bad.max_rel_err == pytest.approx(0.2 / 0.25)  # entry [0, 1]; [1, 0] has o = 0 and no relative error
    assert bad.worst_index == [1, 0] and bad.oracle_value == 0.0 and bad.candidate_value == pytest.approx(0.3)
    assert bad.worst_over_tolerance == pytest.approx(3.0)  # 0.3 over a bound of 0.1
    assert (bad.param, bad.oracle, bad.atol, bad.rtol, bad.scale) == ("W1", "torch", 0.1, 0.0, 1.0)
    assert bad.kinks == 0 and bad.subgradient == 0 and bad.kink_value is None and bad.interval is None


def test_the_worst_entry_is_the_one_furthest_over_its_own_tolerance_not_the_largest_error():
    tol = Tolerance(atol=0.0, rtol=0.01)
    o = np.array([100.0, 1.0])
    g = np.array([101.5, 1.1])  # errors 1.5 (1.5x its bound of 1.0) and 0.1 (10x its bound of 0.01)
    check = compare("b1", "jax", g, o, tol)
    assert check.worst_index == [1]
    assert check.worst_over_tolerance == pytest.approx(10.0)
    assert check.max_abs_err == pytest.approx(1.5)
    assert check.max_rel_err == pytest.approx(0.1)
    assert check.scale == 100.0


def test_atol_is_counted_in_the_largest_oracle_magnitude():
    o = np.array([0.0, -40.0])
    assert compare("W2", "fd", np.array([3.9, -40.0]), o, TOL).passed        # bound 0.1 * 40 = 4
    assert not compare("W2", "fd", np.array([4.1, -40.0]), o, TOL).passed


def test_a_nan_or_infinite_entry_fails_and_is_the_worst():
    o = np.array([1.0, 2.0, 3.0])
    for bad in (np.nan, np.inf):
        check = compare("b2", "torch", np.array([1.0, bad, 3.5]), o, TOL)
        assert not check.passed and check.over_tolerance == 2
        assert check.worst_index == [1]


def test_a_summed_losss_gradients_are_held_to_atol_in_its_unit_where_they_are_smaller_than_it():
    # policy.tolerance(unit=N): the scale is max(unit, max |o|), so atol counts in the summed loss's units
    summed = Tolerance(atol=0.1, rtol=0.0, unit=10.0)
    o = np.array([0.5, -0.25])
    assert compare("W1", "torch", o + [0.95, 0.0], o, summed).passed  # bound 0.1 * 10 = 1.0
    assert not compare("W1", "torch", o + [1.05, 0.0], o, summed).passed
    assert not compare("W1", "torch", o + [0.15, 0.0], o, TOL).passed  # the mean's unit: bound 0.1 * 1


def test_an_empty_parameter_passes_with_zero_errors():
    check = compare("b0", "torch", np.zeros((0,)), np.zeros((0,)), TOL)
    assert check.passed and check.max_abs_err == 0.0 and check.worst_index == [] and check.over_tolerance == 0


def _interval(lo, hi, alpha=0.0):
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    return Interval(lo=lo, hi=hi, at_low=lo.copy(), at_one=hi.copy(), alpha=alpha)


def test_at_an_exact_kink_any_value_in_the_interval_passes_and_outside_it_is_measured_from_its_nearest_end():
    o = np.array([0.0, 0.5])
    kink = _interval([0.0, 0.5], [2.0, 0.5])  # entry 0: [0, 2]; entry 1 is differentiable
    for inside in (0.0, 1.0, 2.0):
        check = compare("W1", "fd", np.array([inside, 0.5]), o, TOL, subgradient=kink)
        assert check.passed, inside
        assert check.subgradient == 1 and check.kinks == 1
    outside = compare("W1", "fd", np.array([2.5, 0.5]), o, TOL, subgradient=kink)
    # the scale counts the interval's ends: max(1, 2) = 2, so the bound is 0.2 and the error 0.5
    assert not outside.passed and outside.scale == 2.0
    assert outside.max_abs_err == pytest.approx(0.5) and outside.worst_over_tolerance == pytest.approx(2.5)
    assert outside.interval == [0.0, 2.0] and outside.oracle_value == 0.0
    below = compare("W1", "fd", np.array([-0.5, 0.5]), o, TOL, subgradient=kink)
    assert not below.passed and below.max_abs_err == pytest.approx(0.5)
    # the differentiable entry is still held to the oracle
    assert not compare("W1", "fd", np.array([1.0, 0.9]), o, TOL, subgradient=kink).passed


def test_outside_an_interval_the_relative_tolerance_is_taken_on_its_nearest_end():
    # policy: |g - nearest| <= atol * scale + rtol * |nearest|, the scale max(1, |lo|, |hi|); the
    # comparison and the gating law's Interval.contains apply the same rule
    tol = Tolerance(atol=0.01, rtol=0.1)
    o = np.array([0.0])
    wide = _interval([0.0], [10.0])  # bound 0.01 * 10 + 0.1 * 10 = 1.1 above 10
    at_zero = _interval([-0.5], [0.0])  # nearest end 0: the bound is atol * 1 = 0.01 alone
    for interval, scale, inside, outside in ((wide, 10.0, 11.05, 11.15), (at_zero, 1.0, 0.009, 0.011)):
        assert compare("W1", "fd", np.array([inside]), o, tol, subgradient=interval).passed
        assert not compare("W1", "fd", np.array([outside]), o, tol, subgradient=interval).passed
        assert interval.contains(np.array([inside, outside]), tol, scale).tolist() == [True, False]


def test_the_value_at_0_is_read_from_where_the_candidate_sits_in_the_interval():
    o = np.zeros(3)
    tol = Tolerance(atol=1e-6, rtol=0.0)  # spans far wider than the tolerance: readable
    kink = _interval([0.0, 0.0, 0.0], [10.0, 20.0, 30.0])  # slope s gives s * hi
    assert compare("W1", "fd", np.array([0.0, 0.0, 0.0]), o, tol, subgradient=kink).kink_value == "0"
    assert compare("W1", "fd", np.array([10.0, 20.0, 30.0]), o, tol, subgradient=kink).kink_value == "1"
    assert compare("W1", "fd", np.array([5.0, 10.0, 15.0]), o, tol, subgradient=kink).kink_value == "1/2"
    assert compare("W1", "fd", np.array([0.0, 20.0, 15.0]), o, tol, subgradient=kink).kink_value == "mixed"
    # a span within 10 tolerances of nothing cannot be read
    assert compare("W1", "fd", np.zeros(3), o, TOL, subgradient=kink).kink_value is None


def test_near_kink_entries_are_counted_once_and_not_where_an_interval_decided():
    o = np.array([1.0, 2.0, 3.0])
    near = np.array([True, True, False])
    check = compare("W1", "fd", o.copy(), o, TOL, near_kink=near)
    assert check.near_kink == 2 and check.kinks == 2 and check.passed
    kink = _interval([0.0, 2.0, 3.0], [1.0, 2.0, 3.0])  # entry 0 is at a kink
    both = compare("W1", "fd", o.copy(), o, TOL, subgradient=kink, near_kink=near)
    assert both.subgradient == 1 and both.near_kink == 1 and both.kinks == 2


def test_a_point_interval_is_no_kink():
    o = np.array([1.0, 2.0])
    check = compare("W1", "fd", o + 0.05, o, TOL, subgradient=_interval(o, o))
    assert check.passed and check.subgradient == 0 and check.kink_value is None


def test_the_line_names_the_oracle_first_both_values_the_ratio_and_the_count():
    check = compare("W1", "torch", np.array([[0.0, 0.0], [0.0615, 0.0]]), np.array([[0.0, 0.0], [0.0123, 0.0]]), TOL)
    # 0.0615 - 0.0123 < 0.1: inside tolerance, but the line still reads the worst entry
    assert check.line() == "torch vs candidate: W1[1, 0]: torch 0.0123, yours 0.0615 (5x), 0 entries over tolerance"
    one = compare("b1", "jax", np.array([3.0]), np.array([1.0]), TOL)
    assert one.line() == "jax vs candidate: b1[0]: jax 1, yours 3 (3x), 1 entry over tolerance"
    assert one.line(against="torch") == "jax vs torch: b1[0]: jax 1, torch 3 (3x), 1 entry over tolerance"
    zero = compare("b1", "jax", np.array([0.5]), np.array([0.0]), TOL)
    assert zero.line() == "jax vs candidate: b1[0]: jax 0, yours 0.5, 1 entry over tolerance"  # no ratio to 0


def test_the_line_at_a_kink_names_the_interval_and_the_value_read():
    kink = _interval([0.0], [2.0])
    check = compare("W1", "fd", np.array([3.0]), np.array([0.0]), Tolerance(atol=1e-3, rtol=0.0), subgradient=kink)
    text = check.line()
    assert text.startswith("fd vs candidate: W1[0]: yours 3, outside the subgradient interval [0, 2] at a kink")
    assert text.endswith(", 1 entry over tolerance")
    # 3 on a span 0..2 reads as a slope of 1.5: not a named value, the mean of the slopes read
    assert "the candidate's reads as 1.5" in text


def test_to_dict_keeps_the_verdict_drops_the_arrays_and_adds_the_ratio():
    check = compare("b1", "jax", np.array([3.0]), np.array([1.5]), TOL)
    d = check.to_dict()
    assert "param" not in d and "oracle" not in d and "ratios" not in d and "at_kink" not in d
    assert d["passed"] is False and d["candidate_over_oracle"] == 2.0 and d["worst_index"] == [0]
    zero = compare("b1", "jax", np.array([3.0]), np.array([0.0]), TOL).to_dict()
    assert zero["candidate_over_oracle"] is None


def test_ratio_words():
    assert ratio_words(96.0) == "96x"
    assert ratio_words(-1.0) == "-1x"
    assert ratio_words(1.0) == "1x"
    assert ratio_words(float("inf")) == "infx"
    assert ratio_words(768 / 767) == "1.0013x (0.13% too large)"
    assert ratio_words(0.95) == "0.95x (5% too small)"
    assert ratio_words(1.2) == "1.2x"  # 20% off: no percentage
    assert ratio_words(1 - 2.9e-8) == "0.999999971x (2.9e-06% too small)"


def test_check_is_a_plain_record():
    check = compare("b1", "jax", np.array([1.0]), np.array([1.0]), TOL)
    assert isinstance(check, Check) and check.passed and check.max_rel_err == 0.0


def test_the_plot_gets_each_entrys_excess_and_where_an_interval_decided():
    # README, "The JSON report" / --plot: the heat map colours |g - o| over the entry's tolerance and
    # marks the entries a subgradient interval decided
    kink = _interval([0.0, 1.0, 2.0], [2.0, 1.0, 2.0])  # entry 0 only
    check = compare("W1", "fd", np.array([2.2, 1.05, 2.0]), np.array([0.0, 1.0, 2.0]), TOL, subgradient=kink)
    assert check.at_kink.tolist() == [True, False, False]
    # scale max(1, 2) = 2: bounds 0.2; excesses 0.2 / 0.2, 0.05 / 0.2, 0
    np.testing.assert_allclose(check.ratios, [1.0, 0.25, 0.0])
    plain = compare("W1", "fd", np.array([1.0, 2.0]), np.array([1.0, 2.0]), TOL)
    assert plain.at_kink.tolist() == [False, False]


def test_agrees_is_the_verdict_of_the_same_rule_worked_by_hand():
    o = np.array([[0.5, -0.25], [0.0, 0.75]])
    assert agrees(o + [[0.1, 0.0], [0.0, -0.1]], o, TOL)  # every entry exactly at its bound
    assert not agrees(o + [[0.0, 0.0], [0.0, 0.11]], o, TOL)  # one entry of four just beyond
    assert not agrees(np.where([[True, False], [False, False]], np.nan, o), o, TOL)  # NaN is never within
    assert agrees(np.zeros((0,)), np.zeros((0,)), TOL)
    kink = _interval([0.0, 0.5], [2.0, 0.5])  # entry 0: anything in [0, 2] (bound 0.2 on the scale 2)
    assert agrees(np.array([2.15, 0.5]), np.array([0.0, 0.5]), TOL, kink)
    assert not agrees(np.array([2.25, 0.5]), np.array([0.0, 0.5]), TOL, kink)
    assert not agrees(np.array([1.0, 0.75]), np.array([0.0, 0.5]), TOL, kink)  # the other entry: the oracle's


def test_a_line_outside_an_interval_names_the_interval_counts_the_entries_and_the_slope_only_when_readable():
    kink = _interval([0.0, 0.0], [2.0, 2.0])  # both entries at a kink: anything in [0, 2]
    o = np.zeros(2)
    # spans of 2 against a bound of 0.2 (scale 2): too narrow to read a slope from
    unread = compare("W1", "fd", np.array([2.5, 3.0]), o, TOL, subgradient=kink)
    assert unread.kink_value is None
    assert unread.line() == ("fd vs candidate: W1[1]: yours 3, outside the subgradient interval [0, 2] at a kink "
                             "(the slope at 0 is out of range), 2 entries over tolerance")
    read = compare("W1", "fd", np.array([3.0, 3.0]), o, Tolerance(atol=1e-6, rtol=0.0), subgradient=kink)
    assert read.line("jax") == ("fd vs jax: W1[0]: jax 3, outside the subgradient interval [0, 2] at a kink "
                                "(the slope at 0 is out of range, the candidate's reads as 1.5), 2 entries over tolerance")
