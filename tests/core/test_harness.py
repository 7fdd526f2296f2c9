"""The harness's own bookkeeping (oracles/harness.py): which oracles agree, what counts as non-finite,
what the report says about how the candidate ran. Expected values are worked by hand."""
from __future__ import annotations

import numpy as np
import pytest

from oracles.harness import _agreement, _non_finite, run
from oracles.isolation import Outcome
from reference.model import Spec, backward, init_params


def test_every_pair_of_oracles_is_compared_once_in_order_and_one_outlier_fails_both_its_pairs():
    right = {"W1": np.array([[0.5, -0.25]]), "b1": np.array([[0.125, 0.0]])}
    off = {"W1": np.array([[0.5, -0.35]]), "b1": right["b1"]}  # 0.1 off: far beyond every tolerance
    pairs = _agreement({"finite-differences": right, "torch": off, "jax": right}, "float64", {})
    assert pairs == [("finite-differences", "torch", False), ("finite-differences", "jax", True), ("torch", "jax", False)]
    # two oracles: one pair
    assert _agreement({"torch": right, "jax": right}, "float64", {}) == [("torch", "jax", True)]


def test_oracle_agreement_uses_the_finite_difference_tolerance_when_finite_differences_are_in_the_pair():
    o = {"W1": np.array([[0.5]])}
    near = {"W1": np.array([[0.5 + 2e-6]])}  # within FD's rtol 1e-5, far outside torch's 1e-7
    assert _agreement({"finite-differences": near, "torch": o}, "float64", {}) == [("finite-differences", "torch", True)]
    assert _agreement({"jax": near, "torch": o}, "float64", {}) == [("jax", "torch", False)]


def test_a_non_finite_loss_or_gradient_counts_as_non_finite_and_nothing_else_does():
    grads = [["W1", {"array": np.ones((2, 2))}], ["b1", {"array": np.zeros((1, 2))}]]
    ok = Outcome(returned={"kind": "loss+grads", "loss": {"float": 0.5}, "grads": grads})
    assert not _non_finite(ok)
    assert _non_finite(Outcome(returned={"kind": "loss+grads", "loss": {"float": float("inf")}, "grads": grads}))
    assert _non_finite(Outcome(returned={"kind": "grads", "grads": [["W1", {"array": np.array([np.nan])}]]}))
    # a value that is not an array (the worker's description of it) is the contract's business, not this one's
    assert not _non_finite(Outcome(returned={"kind": "grads", "grads": [["W1", {"type": "list"}]]}))


def test_the_report_warns_when_the_candidate_ran_in_the_judges_process_and_only_then(real):
    def mine(params, X, y):
        return backward(params, X, y, "relu")

    note = "--no-isolation: the candidate ran inside the judge's own process"
    own = run(Spec(), real, mine, ("torch",))
    assert any(n.startswith(note) for n in own.notes)
    assert own.candidate.endswith("mine")

    class Isolated:  # a handle that says it ran in its worker
        name, isolated = "isolated", True

        def evaluate(self, params, X, y, **options):
            from oracles.isolation import InProcess
            return InProcess("x", mine).evaluate(params, X, y, **options)

    assert not any(n.startswith(note) for n in run(Spec(), real, Isolated(), ("torch",)).notes)


def test_make_spec_defaults_to_the_lessons_relu_float64_bce_network(real):
    from oracles.harness import make_spec

    spec = make_spec(real, (16,))
    assert (spec.sizes, spec.activation, spec.dtype, spec.loss) == ((8, 16, 1), "relu", "float64", "bce")


def test_the_report_names_the_convention_the_candidate_spoke(real):
    from oracles.harness import make_spec

    def zeros_dlai(params, X, y):  # deeplearning-ai layout: W (out, in), b (out, 1)
        return {f"d{k}": np.zeros(v.shape) for k, v in params.items()}

    spec = make_spec(real, (16,), convention="deeplearning-ai")
    report = run(spec, real, zeros_dlai, ("torch",), convention="deeplearning-ai")
    assert report.convention["name"] == "deeplearning-ai"
    assert report.convention["key_style"] == "dW1"
    assert report.convention["parameters"]["W1"] == ("dW1", (16, 8))


def test_the_convention_note_is_said_only_when_the_candidate_differs_from_the_lessons_own_names(real):
    """The lesson's layout with W1 keys needs no note; dW1 keys (read from what came back) do."""
    def lesson_keys(params, X, y):
        return backward(params, X, y, "relu")

    def d_keys(params, X, y):
        return {f"d{k}": v for k, v in backward(params, X, y, "relu").items()}

    said = "the candidate speaks the lesson convention"
    plain = run(Spec(), real, lesson_keys, ("torch",), convention="lesson")
    assert plain.passed and not any(n.startswith(said) for n in plain.notes)
    assert plain.convention["key_style"] == "W1"  # still in the JSON
    renamed = run(Spec(), real, d_keys, ("torch",), convention="lesson")
    assert renamed.passed and any(n.startswith(said) and "dW1 (8, 16)" in n for n in renamed.notes)


def test_directional_finite_differences_are_timed_like_every_oracle(real):
    # README, "The JSON report": timings_s holds each oracle's seconds, whichever FD mode ran
    def mine(params, X, y):
        return backward(params, X, y, "relu")

    report = run(Spec(), real, mine, ("finite-differences",), mode="directions", directions=2)
    assert report.fd_mode == "directions (2 per parameter)"
    assert report.timings_s["finite-differences"] > 0
    assert report.passed


def test_check_point_times_each_oracle_and_the_candidate_into_the_dict_it_is_given(real):
    from oracles.harness import check_point, lesson_point

    timings, spec = {}, Spec()
    check_point(spec, lesson_point(spec), real.X, real.y, lambda p, X, y: backward(p, X, y, "relu"),
                ("finite-differences", "torch"), timings=timings)
    assert set(timings) == {"finite-differences", "torch", "candidate"}
    assert all(t > 0 for t in timings.values())


def test_check_point_differences_along_random_directions_when_asked_and_every_entry_by_default():
    from oracles.harness import Point, check_point

    spec = Spec((3, 4, 1))
    params = init_params(spec)
    X, y = np.random.default_rng(0).standard_normal((6, 3)), np.array([[0.0], [1.0]] * 3)
    mine = lambda p, X, y: backward(p, X, y, "relu")  # noqa: E731
    along = check_point(spec, Point("p", params, ""), X, y, mine, ("finite-differences",), mode="directions")
    every = check_point(spec, Point("p", params, ""), X, y, mine, ("finite-differences",))
    assert along.fd_mode.startswith("directions") and every.fd_mode == "exhaustive (every entry)"


def test_the_points_follow_the_seed_and_the_report_lists_the_oracles_it_ran(real):
    from oracles.harness import make_spec, prepare_points

    spec = make_spec(real, (16,))
    seeded = prepare_points(spec, real, ("finite-differences",), seed=3)
    assert all(np.array_equal(seeded[0].point.params[k], v) for k, v in init_params(spec, 3).items())
    assert not np.array_equal(seeded[0].point.params["W1"], init_params(spec, 0)["W1"])
    from oracles.candidate import reference_candidate

    report = run(spec, real, reference_candidate("relu"), ("finite-differences", "jax"))
    assert report.to_dict()["oracles"] == ["finite-differences", "jax"]


def test_the_lesson_point_by_default_is_the_lessons_own_draw_from_seed_0():
    from oracles.harness import lesson_point

    rng = np.random.RandomState(0)  # the lesson: np.random.seed(0); W1 = randn(8, 16) * 0.1, then W2
    W1, W2 = rng.randn(8, 16) * 0.1, rng.randn(16, 1) * 0.1
    params = lesson_point(Spec()).params
    assert np.array_equal(params["W1"], W1) and np.array_equal(params["W2"], W2)
    assert not params["b1"].any() and not params["b2"].any()


def _calls_counted(answer):
    """A candidate answering ``answer(call number, params, X, y)``: 0 the first call, 1 the second, ..."""
    calls = []

    def counted(params, X, y):
        calls.append(1)
        return answer(len(calls) - 1, params, X, y)
    return counted


def test_a_second_call_that_breaks_the_contract_is_not_deterministic_and_says_how(real):
    from oracles.harness import check_point, lesson_point

    def drops_b2_the_second_time(n, params, X, y):
        grads = backward(params, X, y, "relu")
        return {k: v for k, v in grads.items() if n == 0 or k != "b2"}

    spec = Spec()
    result = check_point(spec, lesson_point(spec), real.X, real.y, _calls_counted(drops_b2_the_second_time), ("torch",))
    assert result.nondeterministic == ("not deterministic: a second call on the same point broke the contract: the "
                                       "candidate's grads have the wrong keys: missing b2 (expected W1, b1, W2, b2)")


def test_two_calls_that_return_different_losses_are_not_deterministic_naming_both(real):
    from oracles.harness import check_point, lesson_point
    from reference.model import loss

    def loss_grows(n, params, X, y):
        return loss(params, X, y, "relu") + n, backward(params, X, y, "relu")

    spec = Spec()
    point = lesson_point(spec)
    result = check_point(spec, point, real.X, real.y, _calls_counted(loss_grows), ("torch",))
    first = loss(point.params, real.X, real.y, "relu")
    assert result.nondeterministic == (f"not deterministic: two calls on the same point return losses {first:.12g} "
                                       f"and {first + 1:.12g}")


def test_with_directional_differences_alone_a_wrong_candidate_is_told_to_add_a_framework_oracle(real):
    def doubled(params, X, y):
        return {k: 2 * v for k, v in backward(params, X, y, "relu").items()}

    report = run(Spec(), real, doubled, ("finite-differences",), mode="directions", directions=2)
    assert not report.passed
    assert report.points[0].diagnosis == ["directional differences say which parameters are wrong, not which "
                                          "entries or why: add the torch or jax oracle for a diagnosis"]


def _logits_point(loss, logits):
    """A prepared point whose one row's logits are ``logits`` exactly (a 1-1-C identity network whose
    hidden unit is -1: a relu forward would give logits of 0, so the network's own forward is needed)."""
    from oracles.harness import Point, prepare

    C = len(logits)
    spec = Spec((1, 1, C), "identity", loss=loss)
    params = {"W1": -np.ones((1, 1)), "b1": np.zeros((1, 1)), "W2": -np.array([logits], dtype=float),
              "b2": np.zeros((1, C))}
    y = np.array([[0]]) if loss == "softmax" else np.zeros((1, 1))
    return prepare(spec, Point("p", params, ""), np.ones((1, 1)), y, ("torch",))


@pytest.mark.parametrize("loss, logits, excused", [
    ("bce", [37.0], "a logit reaches |z| = 37 (beyond 36.04), so y_hat or 1 - y_hat rounds to 0"),
    ("bce", [-37.0], "a logit reaches |z| = 37 (beyond 36.04), so y_hat or 1 - y_hat rounds to 0"),
    ("bce", [30.0], ""),
    ("softmax", [700.0, -10.0], "a row's logits span 710 (beyond 708.4), so exp(z - max z) underflows to 0"),
    ("softmax", [700.0, 690.0], ""),  # large, but a spread of 10: every probability is a normal number
])
def test_a_non_finite_loss_is_excused_exactly_where_a_probability_rounds_to_0(loss, logits, excused):
    from oracles.harness import loss_overflow_excused

    found = loss_overflow_excused(_logits_point(loss, logits))
    assert found.startswith(excused) and bool(found) == bool(excused)


def test_the_softmax_hint_names_an_overflow_past_exp_and_an_underflow_past_the_spread_and_nothing_else():
    from oracles.harness import saturation_hint

    assert saturation_hint(_logits_point("softmax", [720.0, 0.0])).startswith(
        "a logit reaches 720, past 709.78 where exp overflows: softmax without subtracting the row max?")
    assert saturation_hint(_logits_point("softmax", [700.0, -10.0])) == (
        "some class's probability underflows to 0 at these logits: a log(probs) or a division by it?")
    assert saturation_hint(_logits_point("softmax", [700.0, 690.0])) == ""


def test_a_tanh_candidate_returning_the_lessons_loss_gets_the_lessons_note_from_a_tanh_forward(real):
    from oracles.harness import check_point, lesson_point
    from reference.model import forward

    spec = Spec((8, 16, 1), "tanh")
    point = lesson_point(spec)

    def lessons_loss(params, X, y):  # -mean(y log(y_hat + 1e-8) + (1 - y) log(1 - y_hat + 1e-8)), the tanh network's
        y_hat = forward(params, X, "tanh")[0]
        value = -np.mean(y * np.log(y_hat + 1e-8) + (1 - y) * np.log(1 - y_hat + 1e-8))
        return value, backward(params, X, y, "tanh")

    result = check_point(spec, point, real.X, real.y, lessons_loss, ("torch",))
    assert result.passed and result.loss_agrees["candidate"]
    assert [f.ids for f in result.findings] == [("convention:lesson-loss",)]


def test_the_reports_timings_are_each_stages_own_seconds_within_the_total(real):
    report = run(Spec(), real, lambda p, X, y: backward(p, X, y, "relu"), ("finite-differences", "torch"))
    t = report.timings_s
    assert {"finite-differences", "torch", "candidate", "total"} <= set(t)
    assert 0 < t["finite-differences"] < t["total"] and 0 < t["torch"] < t["total"] and 0 < t["candidate"] < t["total"]


def test_along_random_directions_a_valid_slope_at_an_exact_kink_passes_within_the_projected_interval():
    # DESIGN: relu'(0) is any value in [0, 1]; along directions, the interval is projected on each
    # direction (Interval.project), else a one-sided difference would hold the candidate to 0 or 1
    from oracles.harness import Point, check_point
    from properties.strategies import Problem
    from reference.model import forward

    problem = Problem.parse("sizes=3,4,1 activation=relu dtype=float64 N=6 seed=0 scale=1.0 labels=both kink=on "
                            "saturate=0")
    params, X, y = problem.arrays()
    assert (forward(params, X, "relu")[1]["z1"] == 0).any()  # an exact kink

    def half_at_zero(P, X, y):  # relu'(0) = 1/2: a subgradient
        _, c = forward(P, X, "relu")
        dz2 = (c["y_hat"] - y) / len(X)
        dz1 = dz2 @ P["W2"].T * np.where(c["z1"] > 0, 1.0, np.where(c["z1"] < 0, 0.0, 0.5))
        return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": c["a1"].T @ dz2, "b2": dz2.sum(0, keepdims=True)}

    result = check_point(problem.spec, Point("kink", params, ""), X, y, half_at_zero, ("finite-differences",),
                         mode="directions", directions=4)
    assert result.passed, result.verdict_lines()
    assert sum(c.subgradient for per in result.checks.values() for c in per.values()) > 0  # an interval decided


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_non_finite_gradient_names_where_its_first_nan_is_made_without_repeating_crashed(real):
    from oracles.harness import check_point, lesson_point

    def zero_over_zero(params, X, y):
        grads = backward(params, X, y, "relu")
        grads["b2"] = grads["b2"] * (np.zeros(1) / np.zeros(1))  # 0/0
        return grads

    spec = Spec()
    result = check_point(spec, lesson_point(spec), real.X, real.y, zero_over_zero, ("torch",))
    assert "; where the first NaN or inf is made: at test_harness.py:" in result.violation
    assert "invalid value" in result.violation and "crashed" not in result.violation


def test_a_deterministic_candidate_is_called_exactly_determinism_calls_times_at_a_point(real):
    """With ``repeat``, the first call and ``policy.DETERMINISM_CALLS - 1`` more on the same inputs:
    a candidate that always answers the same is asked DETERMINISM_CALLS times in all, no more."""
    from oracles import policy
    from oracles.harness import Point, evaluate, prepare
    from oracles.isolation import InProcess

    spec = Spec()
    calls = []

    def mine(params, X, y):
        calls.append(1)
        return backward(params, X, y, "relu")

    inner = InProcess("mine", mine)

    class Counting:
        name, isolated = "mine", True

        def evaluate(self, params, X, y, **options):
            return inner.evaluate(params, X, y, **options)

    prepared = prepare(spec, Point("p", init_params(spec, seed=0), "p"), real.X, real.y, ("torch",))
    first, again = evaluate(prepared, Counting())
    assert first.failure is None and again is not None
    assert len(calls) == policy.DETERMINISM_CALLS == 8
    calls.clear()
    evaluate(prepared, Counting(), repeat=False)
    assert len(calls) == 1


def test_the_consensus_line_names_the_oracles_that_agree_against_the_candidate(real):
    """When every oracle run agrees with the others and all reject the candidate, the line says which
    oracles they are, in the registry's words and sorted by name (here finite differences and torch)."""
    from oracles.candidate import InProcess
    from properties import catalogue

    report = run(Spec(), real, InProcess("missing-relu-mask", catalogue.missing_relu_mask),
                 oracles=("torch", "finite-differences"))
    point = report.points[0]
    assert {c.oracle for c in point.failures()} == {"finite-differences", "torch"}
    line = point.consensus_line()
    names = line.split(" agree with each other")[0]
    assert names == "finite differences, torch", line
