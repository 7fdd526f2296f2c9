"""The forward family's diagnosis (oracles/families/forward/diagnosis.py): causes that need no
knowledge of the network, each named only where it reproduces the candidate's gradient."""
from __future__ import annotations

import numpy as np
import pytest

from oracles import policy
from oracles.families.forward.diagnosis import diagnose, shape_factors
from oracles.families.forward.judge import Found
from properties.forward_heldout import measure

FD = "finite-differences"
TOL = policy.tolerance(FD, "float64")


def test_the_held_out_cases_get_their_causes_and_no_wrong_cause():
    """tests/heldout/forward: realistic bugs written before the diagnosis (docs/diagnosis.md)."""
    rows = measure()
    grades = {name: g for name, g, _, _ in rows}
    assert len(rows) >= 15
    assert [n for n, g in grades.items() if g == "wrong cause"] == []
    assert [n for n, g in grades.items() if g in ("false alarm", "missed")] == []
    assert [n for n, g in grades.items() if g != "right"] == []


def _point(seed=0):
    rng = np.random.default_rng(seed)
    inputs = {"X": rng.normal(size=(12, 3)), "y": rng.normal(size=(12, 1))}
    oracle = {"W": rng.normal(size=(3, 3)), "V": rng.normal(size=(3, 3)), "b": rng.normal(size=(1, 3))}
    return inputs, oracle


def _named(grads, oracle, inputs, kinks=None):
    wrong = [k for k in grads if not np.allclose(grads[k], oracle[k], rtol=1e-12, atol=0)]
    return {c.param: c.kind for c in diagnose(grads, oracle, kinks or {}, inputs, wrong, TOL, FD)}


@pytest.mark.parametrize("kind, transform", [
    ("factor N", lambda o, other: 12 * o), ("factor 1/N", lambda o, other: o / 12),
    ("factor N-1", lambda o, other: o * 12 / 11), ("factor D", lambda o, other: 3 * o),
    ("factor N/D", lambda o, other: o * 12 / 3), ("factor 2", lambda o, other: 2 * o),
    ("factor 1/2", lambda o, other: o / 2), ("sign", lambda o, other: -o), ("transpose", lambda o, other: o.T),
    ("copy of V", lambda o, other: other.copy()), ("constant", lambda o, other: 1.37 * o),
])
def test_each_cause_is_named_from_the_inputs_shapes_alone(kind, transform):
    inputs, oracle = _point()
    grads = dict(oracle, W=transform(oracle["W"], oracle["V"]))
    assert _named(grads, oracle, inputs) == {"W": kind}


def test_n_and_d_are_read_from_the_inputs_shapes():
    factors = {kind: value for kind, value, _ in shape_factors({"X": np.ones((20, 5)), "w": np.ones(20),
                                                                "seed": np.array(3)})}
    assert factors["factor N"] == 20 and factors["factor D"] == 5 and factors["factor N/D"] == 4


def test_a_near_miss_is_never_named_as_the_factor_it_is_near():
    """2.001x is not "a stray 2": the guess does not reproduce the gradient within the tolerance."""
    inputs, oracle = _point()
    assert _named(dict(oracle, W=2.001 * oracle["W"]), oracle, inputs) == {"W": "constant"}


def test_a_gradient_unrelated_to_the_oracle_s_gets_no_cause():
    inputs, oracle = _point()
    for seed in range(20):
        other = np.random.default_rng(100 + seed).normal(size=(3, 3))
        assert _named(dict(oracle, W=other), oracle, inputs) == {}


def test_an_error_in_a_few_entries_names_them_and_whether_they_are_kinks():
    inputs, oracle = _point()
    W = oracle["W"].copy()
    W[:, 1] = 0.0
    found = Found(oracle["W"].copy(), oracle["W"].copy())
    [cause] = diagnose(dict(oracle, W=W), oracle, {"W": found}, inputs, ["W"], TOL, FD)
    assert cause.kind == "entries" and "3 of 9 entries, column 1 of W" in cause.text and "none at a kink" in cause.text
    lo, hi = oracle["W"].copy(), oracle["W"].copy()
    lo[:, 1], hi[:, 1] = 5.0, 6.0  # kinks at column 1, their interval far from 0
    [cause] = diagnose(dict(oracle, W=W), oracle, {"W": Found(lo, hi)}, inputs, ["W"], TOL, FD)
    assert cause.kind == "entries at kinks"


def test_a_factor_is_named_where_an_entry_at_a_kink_takes_a_one_sided_slope_times_the_factor():
    """At a kink the candidate may give any slope of the interval: times N, the interval is N times wider."""
    inputs, oracle = _point()
    lo, hi = oracle["W"].copy(), oracle["W"].copy()
    lo[0, 0], hi[0, 0] = oracle["W"][0, 0] - 1.0, oracle["W"][0, 0] + 1.0  # a kink at W[0, 0]
    W = 12 * oracle["W"]
    W[0, 0] = 12 * (oracle["W"][0, 0] + 0.8)  # within N times the interval, far from N times the central value
    assert _named(dict(oracle, W=W), oracle, inputs, {"W": Found(lo, hi)}) == {"W": "factor N"}


def test_the_report_says_the_cause_of_a_square_weight_written_transposed(capsys):
    from oracles.shells.cli import main
    from test_forward import target

    heldout = str(__import__("pathlib").Path(__file__).parent.parent / "heldout" / "forward" / "skip_w0_transposed.py")
    assert main(["--forward", target("skip_connection", "loss"), "--init", target("skip_connection", "init"),
                 "--candidate", heldout + ":backward"]) == 1
    out = capsys.readouterr().out
    assert "diagnosis: W0: dW0 is the transpose of the oracle's" in out
