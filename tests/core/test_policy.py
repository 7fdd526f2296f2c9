"""The numerical policy's functions hold the rule the README states: ``|g - o| <= atol * S + rtol * |o|``.

Expected values are worked by hand from that rule (and from the step's definition,
``h = cbrt(eps) * max(1, |w|)``), not read back from the functions under test.
"""
from __future__ import annotations

import numpy as np
import pytest

from oracles import policy
from oracles.policy import Tolerance, call_timeout, fd_step, gradient_scale, tolerance


def test_close_is_inclusive_at_the_bound_and_counts_atol_in_the_scale():
    tol = Tolerance(atol=0.5, rtol=0.25)
    # bound at o = 2, scale 1: 0.5 + 0.25 * 2 = 1.0
    assert tol.close(3.0, 2.0).item() is True         # |3 - 2| = 1.0 <= 1.0: the bound itself passes
    assert tol.close(1.0, 2.0).item() is True         # the error's sign does not matter
    assert tol.close(3.0 + 1e-9, 2.0).item() is False  # just beyond it fails
    # scale 4: 0.5 * 4 + 0.25 * 2 = 2.5
    assert tol.close(4.5, 2.0, scale=4.0).item() is True
    assert tol.close(4.6, 2.0, scale=4.0).item() is False
    # rtol counts |o|, not o: at o = -2 the bound is again 1.0
    assert tol.close(-3.0, -2.0).item() is True
    assert tol.close(-3.1, -2.0).item() is False


def test_close_array_counts_atol_in_the_largest_oracle_entry():
    tol = Tolerance(atol=0.1, rtol=0.0)
    o = np.array([0.0, -40.0])
    # scale = max(1, 40) = 40: atol 0.1 becomes 4.0 for every entry, the small one included
    assert tol.close_array(np.array([3.9, -40.0]), o).tolist() == [True, True]
    assert tol.close_array(np.array([4.1, -40.0]), o).tolist() == [False, True]
    # gradients at most 1: plain atol
    small = np.array([0.5, -0.25])
    assert tol.close_array(small + [0.09, 0.0], small).tolist() == [True, True]
    assert tol.close_array(small + [0.11, 0.0], small).tolist() == [False, True]


def test_gradient_scale_is_one_below_one_the_largest_magnitude_above_and_one_for_an_empty_array():
    assert gradient_scale(np.array([0.25, -0.5])) == 1.0
    assert gradient_scale(np.array([3.0, -7.5, 2.0])) == 7.5
    assert gradient_scale(np.zeros((0, 3))) == 1.0
    assert isinstance(gradient_scale(np.array([2.0])), float)


def test_a_summed_loss_counts_atol_on_the_means_scale_in_the_sums_units_and_overrides_replace_either_field():
    base = tolerance("torch", "float64")
    summed = tolerance("torch", "float64", unit=768.0)
    assert summed.atol == base.atol and summed.rtol == base.rtol and summed.unit == 768.0  # rtol is already relative
    # gradients of at most 768 in size: atol counts in 768 (the mean's max(1, |o| / 768) = 1, times 768);
    # at o = 0 the bound is atol * 768 alone
    o = np.array([0.0, 3.0, -500.0])
    assert summed.close_array(o + [0.99 * 768 * base.atol, 0, 0], o).all()
    assert not summed.close_array(o + [1.01 * 768 * base.atol, 0, 0], o)[0]
    # beyond 768 the largest gradient sets the scale, as max |o| does for a mean
    big = np.array([0.0, 4 * 768.0])
    assert summed.close_array(big + [0.99 * 4 * 768 * base.atol, 0], big).all()
    assert not summed.close_array(big + [1.01 * 4 * 768 * base.atol, 0], big)[0]
    assert tolerance("torch", "float64", atol=0.5) == Tolerance(0.5, base.rtol)
    assert tolerance("torch", "float64", rtol=0.5) == Tolerance(base.atol, 0.5)
    assert tolerance("torch", "float64", atol=0.5, unit=768.0) == Tolerance(0.5, base.rtol, 768.0)
    # the dtype may be given as a NumPy dtype as well as its name
    assert tolerance("jax", np.float32) == tolerance("jax", "float32")


def test_the_finite_difference_step_is_cbrt_eps_times_max_one_and_the_weight():
    h = np.cbrt(2.0**-52)  # float64 machine epsilon
    steps = fd_step(np.array([0.0, 0.5, -3.0, 100.0], dtype=np.float32))
    assert steps.dtype == np.float64
    np.testing.assert_allclose(steps, [h, h, 3 * h, 100 * h], rtol=1e-15)


def test_the_step_is_divided_by_the_reach_of_the_inputs_it_multiplies_above_one():
    h = np.cbrt(2.0**-52)
    steps = fd_step(np.array([0.5, -3.0, 2.0, 2.0]), np.array([0.2, 1.0, 4.0, 1000.0]))
    np.testing.assert_allclose(steps, [h, 3 * h, 2 * h / 4, 2 * h / 1000], rtol=1e-15)


def test_the_linear_step_is_one_64th_of_max_one_and_the_weight():
    steps = policy.fd_linear_step(np.array([0.0, 0.5, -3.0, 100.0], dtype=np.float32))
    assert steps.dtype == np.float64
    assert steps.tolist() == [1 / 64, 1 / 64, 3 / 64, 100 / 64]


def test_a_call_may_take_the_fixed_limit_or_a_thousand_reference_backwards_whichever_is_longer():
    assert call_timeout(0.0) == policy.WORKER_CALL_TIMEOUT_S
    assert call_timeout(0.001) == policy.WORKER_CALL_TIMEOUT_S  # 1 s < the fixed limit
    assert call_timeout(0.1) == pytest.approx(100.0)           # 1000 x 0.1 s


def test_a_row_with_no_whole_parameter_rule_bounds_nothing_its_whole_bound_is_infinite():
    tol = tolerance("torch", "float64")
    assert tol.whole_rtol is None  # the float64 rows hold each entry alone
    o = np.array([[1.0, -2.0], [3.0, 1e150]])
    assert tol.whole_bound(o) == np.inf
    assert tol.whole_bound(o, scale=1e-12) > np.linalg.norm(o)  # larger than any distance there is
    # a row with the rule: a finite bound, worked by hand (atol * scale * sqrt(4) + rtol * ||o||)
    ruled = Tolerance(atol=0.0, rtol=0.0, whole_atol=0.5, whole_rtol=0.25)
    assert ruled.whole_bound(np.array([3.0, 4.0, 0.0, 0.0]), scale=2.0) == pytest.approx(0.5 * 2.0 * 2.0 + 0.25 * 5.0)


def test_the_screen_s_tolerance_is_the_share_of_every_bound_of_the_row():
    for row in (policy.tolerance("finite-differences", "float64"), policy.tolerance("finite-differences", "float32")):
        narrow = policy.screen_tolerance(row)
        assert (narrow.atol, narrow.rtol) == (row.atol * policy.SCREEN_SHARE, row.rtol * policy.SCREEN_SHARE)
        for k in ("whole_atol", "whole_rtol"):
            assert getattr(narrow, k) == (None if getattr(row, k) is None else getattr(row, k) * policy.SCREEN_SHARE)
    assert 0 < policy.SCREEN_SHARE < 1
    assert policy.tolerance("finite-differences", "float32").whole_atol is not None  # both forms are exercised


def test_the_screen_s_step_is_the_square_root_of_eps_scaled_by_the_entry_beyond_one():
    root = np.sqrt(np.finfo(np.float64).eps)  # the step that balances a one-sided difference's two errors
    w = np.array([0.25, -1.0, -3.0, 8.0])
    assert np.array_equal(policy.fd_screen_step(w), root * np.array([1.0, 1.0, 3.0, 8.0]))
