"""Kinks are subgradients, checked (DESIGN.md, contract 6): every entry gets a verdict.

At an exact kink any relu'(0) in [0, 1] (leaky: [0.01, 1]) is right and nothing else is; next to
a kink the function is differentiable, so every oracle compares exactly.
"""
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import assert_agrees
from oracles import policy
from oracles.candidate import InProcess
from oracles.shells.cli import main
from oracles.harness import Point, check_point
from oracles.kinks import subgradients
from properties.fuzz import fuzz
from properties.laws import check_laws
from properties.strategies import Problem, problems, specs
from reference.model import KINKED, LEAKY_SLOPE, forward

CANDIDATES = Path(__file__).resolve().parent.parent / "candidates" / "kinks.py"
sys.path.insert(0, str(CANDIDATES.parent))
import kinks  # noqa: E402  (tests/candidates/kinks.py: backwards as a user writes them)

RIGHT = {"relu": ("relu_at_zero_zero", "relu_at_zero_one", "relu_at_zero_half"),
         "leaky_relu": ("leaky_at_zero_one", "leaky_at_zero_half")}
WRONG = {"relu": "relu_at_zero_two", "leaky_relu": "leaky_at_zero_minus_one"}
# kink=on: z1[0, 0] is exactly 0; deeper layer l gets one too when bit l - 2 of the seed is set
SIZES = {1: (4, 5, 1), 2: (4, 5, 3, 1), 3: (3, 4, 4, 3, 1)}
SEEDS = {1: (1,), 2: (3,), 3: (2, 7)}  # 3: layers 1 and 2; 2: layers 1 and 3; 7: all three


def kink_problems(activation, depth, dtype="float64"):
    return [Problem(SIZES[depth], activation, dtype, N=9, seed=seed, scale=1.0, kink="on") for seed in SEEDS[depth]]


def run_point(problem, fn, mode="auto"):
    params, X, y = problem.arrays()
    return check_point(problem.spec, Point("kink", params, problem.describe()), X, y,
                       InProcess(fn.__name__, fn), mode=mode)


# ---------------------------------------------------------------- the interval itself

def _backward_with_slopes(params, X, y, activation, slopes):
    """The gradient with slope ``slopes[(l, r, j)]`` at each exact kink, plain NumPy (the brute force)."""
    L = sum(1 for k in params if k.startswith("W"))
    a, z = {0: X}, {}
    for l in range(1, L + 1):
        z[l] = a[l - 1] @ params[f"W{l}"] + params[f"b{l}"]
        if l < L:
            a[l] = np.maximum(z[l], 0) if activation == "relu" else np.where(z[l] > 0, z[l], LEAKY_SLOPE * z[l])
    dz = (1 / (1 + np.exp(-z[L])) - y) / X.shape[0]
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"], grads[f"b{l}"] = a[l - 1].T @ dz, dz.sum(axis=0, keepdims=True)
        if l > 1:
            d = np.where(z[l - 1] > 0, 1.0, 0.0 if activation == "relu" else LEAKY_SLOPE)
            for (m, r, j), s in slopes.items():
                if m == l - 1:
                    d[r, j] = s
            dz = (dz @ params[f"W{l}"].T) * d
    return grads


@pytest.mark.parametrize("activation", KINKED)
@pytest.mark.parametrize("depth, seed", [(1, 1), (2, 1), (2, 3), (3, 2), (3, 7)])
def test_the_interval_holds_every_choice_of_slopes_and_is_their_exact_range_for_one_layer(activation, depth, seed):
    """Brute force over every vertex of [alpha, 1]^K: the gradient is multilinear in the slopes, so
    its range is spanned by the vertices; the interval contains them all and, exact here (every
    row's kinks in one layer, or at most 10 of them), its ends are attained."""
    problem = Problem(SIZES[depth], activation, "float64", N=6, seed=seed, scale=1.0, kink="on")
    params, X, y = problem.arrays()
    _, cache = forward(params, X, activation)
    at = [(l, int(r), int(j)) for l in range(1, depth + 1) for r, j in zip(*np.nonzero(cache[f"z{l}"] == 0))]
    assert 1 <= len(at) <= 10
    kinks_ = subgradients(problem.spec, params, X, y)
    alpha = 0.0 if activation == "relu" else LEAKY_SLOPE
    values = {k: [] for k in params}
    for choice in itertools.product((alpha, 1.0), repeat=len(at)):
        g = _backward_with_slopes(params, X, y, activation, dict(zip(at, choice)))
        for k in params:
            values[k].append(g[k])
    assert kinks_.count == len(at) and kinks_.exact  # at most 10 kinks per row: exact in any layers
    tol = policy.tolerance("torch", "float64")
    for k in params:
        lo, hi = np.min(values[k], axis=0), np.max(values[k], axis=0)
        interval = kinks_.get(k)
        assert np.all(interval.lo <= lo + tol.atol) and np.all(hi <= interval.hi + tol.atol), k
        assert tol.close(interval.lo, lo).all() and tol.close(interval.hi, hi).all(), k


def test_a_single_relu_kink_allows_any_share_in_0_1_of_its_upstream_gradient():
    """z1[0, 0] = 0 with X[0] = 0: only db1[0, 0] moves, by relu'(0) * da1[0, 0]."""
    problem = Problem((4, 5, 1), "relu", "float64", N=7, seed=1, scale=1.0, kink="on")
    params, X, y = problem.arrays()
    z1 = X @ params["W1"] + params["b1"]
    z2 = np.maximum(z1, 0) @ params["W2"] + params["b2"]
    da1 = ((1 / (1 + np.exp(-z2)) - y) / 7) @ params["W2"].T  # (N, H)
    interval = subgradients(problem.spec, params, X, y).get("b1")
    at_zero = np.maximum(z1, 0) > 0
    base = (da1 * at_zero).sum(axis=0)  # relu'(0) = 0
    tol = policy.tolerance("torch", "float64")
    assert tol.close(interval.lo[0, 0], base[0] + min(0, da1[0, 0]))
    assert tol.close(interval.hi[0, 0], base[0] + max(0, da1[0, 0]))
    assert interval.mask.sum() == 1 and interval.mask[0, 0]


def test_no_exact_zero_means_no_interval_the_lesson_point(real, lesson_params):
    from reference.model import Spec

    assert subgradients(Spec(), lesson_params, real.X, real.y).intervals == {}


# ---------------------------------------------------------------- candidates at exact kinks

@pytest.mark.parametrize("activation", KINKED)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_every_value_at_0_in_the_subdifferential_passes_every_check(activation, depth):
    for problem in kink_problems(activation, depth):
        for name in RIGHT[activation]:
            fn = getattr(kinks, name)
            result = run_point(problem, fn)
            assert result.passed, (name, problem.describe(), result.verdict_lines())
            assert sum(c["subgradient"] for c in result.kink_counts().values()) > 0
            violations = check_laws(InProcess(name, fn), problem, [law for law in ("relu-gating", "descent", "permutation")])
            assert not violations, (name, problem.describe(), violations)


@pytest.mark.parametrize("activation", KINKED)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_a_value_at_0_outside_the_subdifferential_fails(activation, depth):
    fn = getattr(kinks, WRONG[activation])
    for problem in kink_problems(activation, depth):
        result = run_point(problem, fn)
        assert not result.passed, problem.describe()
        failed = result.failures()
        assert {c.oracle for c in failed} == {"finite-differences", "torch", "jax"}
        assert any(c.interval is not None and "subgradient interval" in c.line() for c in failed)


def test_float32_kinks_are_subgradients_too():
    for activation in KINKED:
        for problem in kink_problems(activation, 2, "float32"):
            for name in RIGHT[activation]:
                assert run_point(problem, getattr(kinks, name)).passed, (name, problem.describe())
            assert not run_point(problem, getattr(kinks, WRONG[activation])).passed, problem.describe()


def test_the_gating_law_allows_relu_prime_1_at_0_and_rejects_2():
    """The shrunk false alarm of the old law (z <= 0 => no gradient) now passes; a 2 at 0 does not."""
    problem = Problem.parse("sizes=1,1,1 activation=relu dtype=float64 N=1 seed=0 scale=1.0 labels=both kink=on saturate=0")
    assert not check_laws(InProcess("one", kinks.relu_at_zero_one), problem, ["relu-gating"])
    assert not check_laws(InProcess("half", kinks.relu_at_zero_half), problem, ["relu-gating"])
    (violation,) = check_laws(InProcess("two", kinks.relu_at_zero_two), problem, ["relu-gating"])
    assert "outside its subgradient interval" in str(violation)


def test_directional_finite_differences_check_the_projected_interval():
    for problem in kink_problems("relu", 2):
        assert run_point(problem, kinks.relu_at_zero_one, mode="directions").passed, problem.describe()
        result = run_point(problem, kinks.relu_at_zero_two, mode="directions")
        assert not result.checks["b1"]["finite-differences"].passed, problem.describe()


def test_the_report_counts_entries_decided_by_intervals_and_reads_the_value_at_0(capsys):
    line = "sizes=4,5,3,1 activation=relu dtype=float64 N=9 seed=1 scale=1.0 labels=both kink=on saturate=0"
    import json

    for name, value in (("relu_at_zero_zero", "0"), ("relu_at_zero_one", "1"), ("relu_at_zero_half", "1/2")):
        code = main(["--replay", line, "--candidate", f"{CANDIDATES}:{name}", "--format", "json"])
        report = json.loads(capsys.readouterr().out)
        assert code == 0, name
        counts = report["points"][0]["kinks"]
        # z1[0, 0] = 0 moves db1[0, 0] only (X[0] = 0); z2[0, 0] = 0 moves the two live entries of
        # W2's column 0 (a1[0] has 2 non-zero units) and b2[0, 0]
        assert {k: c["subgradient"] for k, c in counts.items()} == {"W1": 0, "b1": 1, "W2": 2, "b2": 1, "W3": 0, "b3": 0}
        assert counts["W2"]["kink_value"] == value and counts["b2"]["kink_value"] == value
        check = report["points"][0]["parameters"][3]["checks"]["torch"]
        assert check["subgradient"] == 1 and check["kinks"] == 1 and check["near_kink"] == 0
    code = main(["--replay", line, "--candidate", f"{CANDIDATES}:relu_at_zero_two"])
    out = capsys.readouterr().out
    assert code == 1 and "outside the subgradient interval" in out and "reads as 2" in out


# ---------------------------------------------------------------- next to a kink: compared exactly

def test_the_candidates_near_kink_entries_are_the_ones_finite_differences_flags(real, lesson_params):
    from oracles.finite_differences import fd_gradients
    from reference.model import Spec

    fd = fd_gradients(Spec(), lesson_params, real.X, real.y)
    flagged = {k: [tuple(int(i) for i in e) for e in zip(*np.nonzero(v))] for k, v in fd.near_kink.items() if v.any()}
    assert flagged == kinks.NEAR_KINK_ENTRIES


def test_an_error_confined_to_the_near_kink_entries_fails_at_the_lessons_init(capsys, real_path):
    """50% too large on exactly the entries whose step crosses the kink: every oracle catches each."""
    import json

    code = main(["--data", str(real_path), "--candidate", f"{CANDIDATES}:near_kink_entries_times_1_5",
                 "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    lesson = report["points"][0]
    assert lesson["name"] == "lesson-init" and not lesson["passed"]
    for row in lesson["parameters"]:
        for oracle, check in row["checks"].items():
            wrong = len(kinks.NEAR_KINK_ENTRIES.get(row["name"], []))
            assert check["over_tolerance"] == wrong, (row["name"], oracle)


# ---------------------------------------------------------------- fuzz with exact kinks

@pytest.mark.parametrize("value", ["one", "half"])
def test_fuzzing_exact_kinks_finds_no_fault_in_a_value_at_0_inside_the_subdifferential(value):
    """Every law on 100 exact-kink problems (relu and leaky, depths 1-3), the agreement law against
    finite differences and the interval; torch and jax meet the same candidates at exact kinks in
    the tests above, and in the 10,000-example run the README reports."""
    pick = {"one": {"relu": kinks.relu_at_zero_one, "leaky_relu": kinks.leaky_at_zero_one},
            "half": {"relu": kinks.relu_at_zero_half, "leaky_relu": kinks.leaky_at_zero_half}}[value]
    found = fuzz(lambda problem: InProcess(value, pick[problem.activation]), 100,
                 problems(specs(activations=KINKED), kinks=("on",)), seed=0, oracles=("finite-differences",))
    assert found.passed and found.examples == 100, found.summary()


def test_fuzzing_exact_kinks_finds_relu_prime_2_at_0_and_shrinks_it():
    found = fuzz(lambda problem: InProcess("two", kinks.relu_at_zero_two), 100,
                 problems(specs(activations=("relu",)), kinks=("on",)), seed=0, oracles=("finite-differences",))
    assert not found.passed
    assert found.counterexample["problem"].startswith("sizes=1,1,1 ")
    assert {law["law"] for law in found.counterexample["laws"]} >= {"relu-gating", "agreement"}


def test_rows_next_to_a_kink_on_either_side_take_their_own_step():
    """A fuzz find: every row of a width-1 leaky layer sits within 1.3% of h of its kink, row 0
    exactly on it, on both sides. Row by row each finds a step or a side that does not cross, and
    finite differences agree with torch on every entry."""
    from oracles.finite_differences import fd_gradients
    from oracles.torch_oracle import torch_oracle

    problem = Problem.parse("sizes=6,1,2,1,1 activation=leaky_relu dtype=float64 N=61 seed=4294967295 "
                            "scale=1.0 labels=both kink=on saturate=1")
    params, X, y = problem.arrays()
    fd = fd_gradients(problem.spec, params, X, y)
    _, exact = torch_oracle(problem.spec, params, X, y)
    assert fd.near_kink["W3"][1, 0] and fd.near_kink["b3"][0, 0]
    assert_agrees(fd.grads, exact, "torch", row="finite-differences", against="finite-differences")
    assert run_point(problem, kinks.leaky_at_zero_half).passed


@pytest.mark.parametrize("activation", sorted(KINKED))
def test_every_interval_field_mirrors_its_parameter_and_its_ends_are_the_all_alpha_and_all_one_gradients(activation):
    # README, "Kinks are subgradients": intervals entry by entry; at_low / at_one the gradient with every
    # kink at slope alpha / at slope 1, worked out here by the brute-force backward above
    problem = kink_problems(activation, 2)[0]
    params, X, y = problem.arrays()
    kinks = subgradients(problem.spec, params, X, y)
    assert kinks.count > 0
    L = 3
    _, cache = forward(params, X, activation)
    at = [(l, r, j) for l in range(1, L) for r, j in zip(*np.nonzero(cache[f"z{l}"] == 0))]
    alpha = LEAKY_SLOPE if activation == "leaky_relu" else 0.0
    low = _backward_with_slopes(params, X, y, activation, {k: alpha for k in at})
    one = _backward_with_slopes(params, X, y, activation, {k: 1.0 for k in at})
    for key, p in params.items():
        interval = kinks.get(key)
        for field in ("lo", "hi", "at_low", "at_one"):
            assert getattr(interval, field).shape == p.shape, (key, field)
        np.testing.assert_allclose(interval.at_low, low[key], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(interval.at_one, one[key], rtol=1e-12, atol=1e-15)


def test_an_entry_moved_by_kinks_in_two_layers_is_not_read_as_a_uniform_slope_and_one_layers_entries_are():
    # Interval.readable (oracles/kinks.py): an entry reads as a uniform relu'(0) only where it is
    # linear in that slope. Row 0 sits at a kink in layer 1 (unit 0) and in layer 2 (unit 0): dz1[0, 0]
    # carries s * s, so dW1[:, 0] and db1[0] are quadratic in s; dW2, db2 see layer 2's kink alone.
    from oracles.kinks import subgradients
    from reference.model import Spec, forward

    P = {"W1": np.array([[1.0, 1.0], [0.5, 1.0]]), "b1": np.array([[-1.0, 0.5]]),
         "W2": np.array([[0.3, 1.0], [1.0, 1.0]]), "b2": np.array([[-1.5, 0.2]]),
         "W3": np.array([[1.0], [1.0]]), "b3": np.zeros((1, 1))}
    X, y = np.array([[1.0, 0.0], [2.0, 1.0], [0.5, -2.0]]), np.array([[1.0], [0.0], [1.0]])
    _, cache = forward(P, X, "relu")
    assert list(zip(*np.nonzero(cache["z1"] == 0))) == [(0, 0)] and list(zip(*np.nonzero(cache["z2"] == 0))) == [(0, 0)]

    def with_slope(s):  # the backward with relu'(0) = s at every kink
        d = lambda z: np.where(z > 0, 1.0, np.where(z < 0, 0.0, s))  # noqa: E731
        dz3 = (cache["y_hat"] - y) / len(X)
        dz2 = dz3 @ P["W3"].T * d(cache["z2"])
        dz1 = dz2 @ P["W2"].T * d(cache["z1"])
        return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": cache["a1"].T @ dz2,
                "b2": dz2.sum(0, keepdims=True)}

    g0, half, g1 = with_slope(0.0), with_slope(0.5), with_slope(1.0)
    intervals = subgradients(Spec((2, 2, 2, 1), "relu"), P, X, y).intervals
    for k in ("W1", "b1", "W2", "b2"):
        linear = policy.tolerance("hypothesis", "float64").close(half[k], (g0[k] + g1[k]) / 2)
        moved = intervals[k].mask
        read = moved & intervals[k].readable
        assert not (read & ~linear).any(), k  # nothing read as a slope that is not linear in it
        if k in ("W1", "b1"):
            assert moved[0, 0] and not linear[0, 0], k  # the quadratic entry is there to be refused
        else:
            assert (read == moved).all() and moved.any(), k  # one layer's kink: every moved entry reads


@pytest.mark.parametrize("l2_form", ["weight_decay", "reg", "lambd"])
def test_at_a_kink_with_l2_the_interval_carries_the_exact_l2_term_in_each_form(l2_form):
    # the L2 term has no kink: the interval of dW is the data term's, moved by 2 c W (c per the form,
    # lambd's counted for this batch of N rows)
    from dataclasses import replace

    from oracles.kinks import subgradients
    from properties.strategies import Problem
    from reference.model import backward

    problem = Problem.parse("sizes=3,4,1 activation=relu dtype=float64 N=5 seed=2 scale=1.0 labels=both kink=on "
                            f"saturate=0 l2=0.3 l2_form={l2_form}")
    params, X, y = problem.arrays()
    intervals = subgradients(problem.spec, params, X, y).intervals
    assert any(i.mask.any() for i in intervals.values())  # some entry sits at a kink
    plain = subgradients(replace(problem.spec, l2=0.0), params, X, y).intervals  # the data term's alone
    decay = problem.spec.head.l2_grads(params, len(X))
    for k in params:
        same = policy.tolerance("hypothesis", "float64").close_array  # two float64 routes to one number
        assert same(intervals[k].lo, plain[k].lo + decay.get(k, 0)).all()
        assert same(intervals[k].hi, plain[k].hi + decay.get(k, 0)).all()
        assert intervals[k].contains(backward(params, X, y, head=problem.spec.head)[k],
                                     policy.tolerance("torch", "float64")).all()
