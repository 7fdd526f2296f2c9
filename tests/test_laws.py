"""The laws name themselves when they fail (properties/laws.py), checked on backwards written here."""
from __future__ import annotations

import numpy as np

from oracles.candidate import InProcess
from properties.laws import check_laws
from properties.strategies import Problem
from reference.model import forward


def _uses_z_for_a(params, X, y):
    """One hidden relu layer, with dW2 = z1.T @ dz2: the pre-activation where the activation belongs."""
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    z2 = a1 @ params["W2"] + params["b2"]
    dz2 = (1 / (1 + np.exp(-z2)) - y) / X.shape[0]
    dz1 = (dz2 @ params["W2"].T) * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": z1.T @ dz2,
            "b2": dz2.sum(axis=0, keepdims=True)}


def test_a_gradient_through_a_unit_that_is_off_on_the_whole_batch_is_a_relu_gating_violation():
    problem = Problem.parse("sizes=2,3,1 activation=relu dtype=float64 N=1 seed=4 scale=1.0 labels=both "
                            "kink=none saturate=0")
    params, X, y = problem.arrays()
    _, cache = forward(params, X, "relu")
    assert (cache["z1"] < 0).any()  # some unit is off on the one row: its row of dW2 must be 0
    violations = check_laws(InProcess("z-for-a", _uses_z_for_a), problem, ["relu-gating"])
    assert [v.law for v in violations] == ["relu-gating"]
    assert "has z1 <= 0 on" in violations[0].message and "dW2 is non-zero in its row" in violations[0].message


def test_a_value_at_0_outside_the_subdifferential_is_a_relu_gating_violation():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent / "candidates"))
    import kinks  # tests/candidates/kinks.py

    problem = Problem.parse("sizes=1,1,1 activation=relu dtype=float64 N=1 seed=0 scale=1.0 labels=both "
                            "kink=on saturate=0")
    (violation,) = check_laws(InProcess("two", kinks.relu_at_zero_two), problem, ["relu-gating"])
    assert violation.law == "relu-gating"
    assert "sits exactly at 0" in violation.message
