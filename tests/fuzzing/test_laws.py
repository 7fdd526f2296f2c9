"""The laws name themselves when they fail (properties/laws.py), checked on backwards written here."""
from __future__ import annotations

import numpy as np
import pytest

from oracles import policy
from oracles.candidate import InProcess
from properties.laws import GATING_ROWS, _permuted, check_laws
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

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "candidates"))
    import kinks  # tests/candidates/kinks.py

    problem = Problem.parse("sizes=1,1,1 activation=relu dtype=float64 N=1 seed=0 scale=1.0 labels=both "
                            "kink=on saturate=0")
    (violation,) = check_laws(InProcess("two", kinks.relu_at_zero_two), problem, ["relu-gating"])
    assert violation.law == "relu-gating"
    assert "sits exactly at 0" in violation.message


def test_a_weight_entry_outside_its_interval_at_a_kink_is_named_by_its_own_row_and_column():
    from reference.model import backward

    def one_entry_off(params, X, y):  # right everywhere but dW1[1, 0], whose unit sits at its kink on row 0
        grads = backward(params, X, y)
        grads["W1"][1, 0] += 1.0
        return grads

    problem = Problem.parse("sizes=3,2,1 activation=relu dtype=float64 N=4 seed=0 scale=1.0 labels=both "
                            "kink=on saturate=0")
    (violation,) = check_laws(InProcess("one-entry-off", one_entry_off), problem, ["relu-gating"])
    # row 0 of X is zero, so every entry of dW1's column 0 has the interval [0, 0] on that one-row batch
    assert violation.message == ("unit 0 of layer 1 sits exactly at 0 on the one-row batch X[0]: dW1[1, 0] = 1 lies "
                                 "outside its subgradient interval [0, 0] (relu'(0) must be in [0, 1])")


class _Counting:
    """A handle that counts the inputs it is asked about (one batch or one call each)."""

    def __init__(self, fn, isolated=False):
        self.inner = InProcess("counted", fn)
        self.name, self.isolated, self.asked, self.errstate, self.trips = "counted", isolated, 0, 0, 0

    def evaluate(self, params, X, y, **options):
        self.asked += 1
        self.trips += 1
        self.errstate += bool(options.get("errstate"))
        return self.inner.evaluate(params, X, y, **options)

    def evaluate_many(self, inputs, timeout=None):
        self.asked += len(inputs)
        self.trips += 1
        return self.inner.evaluate_many(inputs, timeout=timeout)


def _reference(params, X, y):
    from reference.model import backward
    return backward(params, X, y, "relu")


def test_the_candidate_is_asked_only_the_inputs_the_chosen_laws_need():
    # properties/laws.py, check_laws: "asked once per distinct input"; the one-row gating batches
    # belong to the relu-gating law only
    problem = Problem.parse("sizes=2,3,1 activation=relu dtype=float64 N=5 seed=4 scale=1.0 labels=both "
                            "kink=none saturate=0")
    handle = _Counting(_reference)
    assert check_laws(handle, problem, ["shapes", "finite", "descent"]) == []
    assert handle.asked == 1
    gating = _Counting(_reference)
    assert check_laws(gating, problem, ["relu-gating"]) == []
    assert gating.asked == 1 + GATING_ROWS  # the point and one-row batches of its first rows
    assert gating.trips == 1  # all of them in one round trip
    short = _Counting(_reference)
    assert check_laws(short, Problem.parse(problem.describe().replace("N=5", "N=2")), ["relu-gating"]) == []
    assert short.asked == 1 + 2  # a batch of two rows has two one-row batches


def test_a_session_keeps_the_handles_name_and_isolation():
    from oracles.session import Session

    assert Session(_Counting(_reference, isolated=True)).isolated is True
    assert Session(_Counting(_reference, isolated=False)).isolated is False
    assert Session(_Counting(_reference)).name == "counted"

    class Bare:  # a handle that does not say: it runs where it is called, not isolated
        name = "bare"

        def evaluate(self, params, X, y, **options):
            return _Counting(_reference).evaluate(params, X, y)

    assert Session(Bare()).isolated is False


@pytest.mark.filterwarnings("ignore:invalid value encountered")  # the candidate's own 0/0, on purpose
def test_a_non_finite_gradient_is_asked_again_under_errstate_for_its_first_floating_point_error():
    def nan_in_W1(params, X, y):
        grads = _reference(params, X, y)
        grads["W1"] = grads["W1"] * (np.zeros(1) / np.zeros(1))  # 0/0: invalid value
        return grads

    problem = Problem.parse("sizes=2,3,1 activation=relu dtype=float64 N=5 seed=4 scale=1.0 labels=both "
                            "kink=none saturate=0")
    handle = _Counting(nan_in_W1)
    (violation,) = check_laws(handle, problem, ["agreement"], oracles=("torch",))
    assert handle.errstate == 1
    assert "invalid value" in violation.message and "test_laws.py" in violation.message


def _order_dependent(params, X, y):
    """The reference's gradients with the first row's weight doubled: a batch order that matters."""
    from reference.model import backward

    grads = backward(params, np.vstack([X[:1], X]), np.vstack([y[:1], y]), "identity")
    return grads


def test_an_order_dependent_backward_breaks_the_permutation_law_naming_both_orders():
    problem = Problem.parse("sizes=2,3,1 activation=identity dtype=float64 N=6 seed=2 scale=1.0 labels=both "
                            "kink=none saturate=0")
    (violation,) = check_laws(InProcess("first-row-twice", _order_dependent), problem, ["permutation"])
    assert violation.law == "permutation"
    assert "permuted batch" in violation.message and "the original order" in violation.message


@pytest.mark.parametrize("law", ["shapes", "finite", "relu-gating", "descent", "permutation", "identity"])
def test_a_contract_break_met_by_a_law_is_named_by_that_law(law):
    activation = "relu" if law == "relu-gating" else "identity"
    problem = Problem.parse(f"sizes=2,3,2,1 activation={activation} dtype=float64 N=4 seed=1 scale=1.0 labels=both "
                            "kink=none saturate=0")
    (violation,) = check_laws(InProcess("no-b1", lambda p, X, y: {k: np.zeros_like(v) for k, v in p.items()
                                                                   if k != "b1"}), problem, [law])
    assert violation.law == law and "missing b1" in violation.message


def test_a_contract_break_met_only_on_the_permuted_batch_is_named_by_the_permutation_law():
    from reference.model import backward

    problem = Problem.parse("sizes=2,3,1 activation=identity dtype=float64 N=6 seed=2 scale=1.0 labels=both "
                            "kink=none saturate=0")
    _, X0, _ = problem.arrays()

    def right_only_in_the_original_order(params, X, y):
        grads = backward(params, X, y, "identity")
        return grads if np.array_equal(X, X0) else {k: v for k, v in grads.items() if k != "b1"}

    (violation,) = check_laws(InProcess("order-bound", right_only_in_the_original_order), problem, ["permutation"])
    assert violation.law == "permutation" and "missing b1" in violation.message


def test_the_permutation_law_reorders_a_problem_the_same_way_every_time():
    problem = Problem.parse("sizes=3,4,1 activation=relu dtype=float64 N=9 seed=5 scale=1.0 labels=both "
                            "kink=none saturate=0")
    _, X, y = problem.arrays()
    first, again = _permuted(problem, X, y), _permuted(problem, X, y)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))  # a failure replays with its own order
    assert not np.array_equal(first[0], X) and sorted(map(tuple, first[0])) == sorted(map(tuple, X))


# sizes=2,3,1 seed=0 N=2: hidden unit 2 has z1 < 0 on both rows (checked in _off_unit)
OFF = "sizes=2,3,1 activation=relu dtype=float64 N=2 seed=0 scale=1.0 labels=both kink=none saturate=0"


def _off_unit(problem):
    params, X, y = problem.arrays()
    _, cache = forward(params, X, "relu")
    assert np.flatnonzero((cache["z1"] < 0).all(axis=0)).tolist() == [2]
    return params, X, y


def test_a_bias_gradient_through_a_unit_off_on_the_whole_batch_is_a_relu_gating_violation_naming_it():
    from reference.model import backward

    def unmasked_db1(params, X, y):  # the mask applied to dW1 but not to db1
        grads = backward(params, X, y)
        z2 = np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
        grads["b1"] = ((1 / (1 + np.exp(-z2)) - y) / X.shape[0] @ params["W2"].T).sum(axis=0, keepdims=True)
        return grads

    problem = Problem.parse(OFF)
    params, X, y = _off_unit(problem)
    (violation,) = check_laws(InProcess("unmasked-db1", unmasked_db1), problem, ["relu-gating"])
    value = unmasked_db1(params, X, y)["b1"][0, 2]
    assert value != 0
    assert violation.message == (f"unit 2 of layer 1 has z1 < 0 on the whole batch, yet db1 is non-zero there "
                                 f"({value:.3g})")


def test_with_l2_a_gated_row_carries_exactly_2cW_and_a_backward_without_the_l2_term_is_named():
    from reference.heads import Head
    from reference.model import backward

    problem = Problem.parse(OFF + " l2=0.5 l2_form=reg")  # 0.5 * sum(W ** 2): the L2 gradient 2 c W is W itself
    params, X, y = _off_unit(problem)
    with_l2 = Head(l2=0.5, l2_form="reg")
    assert check_laws(InProcess("right", lambda p, X, y: backward(p, X, y, head=with_l2)), problem,
                      ["relu-gating"]) == []
    (violation,) = check_laws(InProcess("no-l2", lambda p, X, y: backward(p, X, y)), problem, ["relu-gating"])
    assert violation.message == ("unit 2 of layer 1 has z1 <= 0 on the whole batch, yet dW2 is not the L2 term 2 c W "
                                 f"alone in its row (0 where 2 c W is {params['W2'][2, 0]:.3g})")


def _dlai_one_entry_off(params, X, Y):
    """The deeplearning-ai layout (W (out, in), b (out, 1), X (D, N), Y (1, N)): the right gradients
    but dW1[1, 2] (canonical W1[2, 1]) 1.0 too large."""
    from reference.model import backward

    canonical = backward({k: v.T for k, v in params.items()}, X.T, Y.T)
    grads = {f"d{k}": g.T.copy() for k, g in canonical.items()}
    grads["dW1"][1, 2] += 1.0
    return grads


def test_the_agreement_law_names_a_wrong_entry_as_the_candidate_wrote_it():
    from oracles.conventions import Conventional

    problem = Problem.parse("sizes=3,4,1 activation=relu dtype=float64 N=6 seed=1 scale=1.0 labels=both "
                            "kink=none saturate=0")
    handle = Conventional(InProcess("dlai", _dlai_one_entry_off), "deeplearning-ai", "bce")
    (violation,) = check_laws(handle, problem, ["agreement"], oracles=("torch",))
    assert violation.law == "agreement"
    assert "dW1[1, 2]" in violation.message and "W1[2, 1]" not in violation.message.replace("dW1[1, 2]", "")


def test_the_permutation_law_counts_a_summed_multi_output_loss_in_units_of_n_times_c():
    # policy.tolerance: a loss summed over N rows and C outputs (mse) is N C times its mean, and so
    # is the rounding in its gradients. A candidate whose order-dependence is 0.8 of that bound
    # passes (counted in units of N alone, 3 times smaller here, it would not); 1.25 of it fails.
    from reference.model import backward

    problem = Problem.parse("sizes=2,3,3 activation=relu dtype=float64 N=4 seed=29 scale=1.0 labels=both "
                            "kink=none saturate=0 loss=mse reduction=sum")
    params, X, y = problem.arrays()
    _, cache = forward(params, X, "relu")
    assert (cache["z1"][:, 1] < 0).all()  # unit 1 is off: dW1[:, 1] is exactly 0, so rtol adds nothing there
    grads = backward(params, X, y, "relu", head=problem.spec.head)
    assert np.abs(grads["W1"]).max() < 4  # the scale of dW1 is the unit: N C = 12, not its entries
    moved = abs(X[0, 0] - _permuted(problem, X, y)[0][0, 0])  # how far the first row's X[., 0] moves
    bound = policy.tolerance("torch", "float64").atol * 4 * 3

    def order_dependent(share):  # right, but dW1[0, 1] moves with the first row by ``share`` of the bound
        def first_row_weighs(params, X, y):
            g = backward(params, X, y, "relu", head=problem.spec.head)
            g["W1"][0, 1] += share * bound / moved * X[0, 0]
            return g
        return InProcess(f"order {share}", first_row_weighs)

    assert check_laws(order_dependent(0.8), problem, ["permutation"]) == []
    assert [v.law for v in check_laws(order_dependent(1.25), problem, ["permutation"])] == ["permutation"]


def test_a_backward_whose_second_call_differs_breaks_the_determinism_law_naming_where():
    from reference.model import backward

    calls = []

    def drifting(params, X, y):  # db2 grows by 1.0 with every call
        calls.append(1)
        grads = backward(params, X, y, "relu")
        grads["b2"] = grads["b2"] + len(calls)
        return grads

    problem = Problem.parse("sizes=2,3,1 activation=relu dtype=float64 N=4 seed=1 scale=1.0 labels=both "
                            "kink=none saturate=0")
    (violation,) = check_laws(InProcess("drifting", drifting), problem, ["determinism"])
    assert violation.law == "determinism"
    assert violation.message.startswith("not deterministic: two calls on the same point differ at b2[0, 0]")
    assert check_laws(InProcess("broken", lambda p, X, y: {}), problem, ["determinism"]) == []  # the contract's to say


def test_the_descent_law_holds_a_gradient_short_of_1_over_armijo_c_times_too_large_and_fails_one_past_it():
    # properties/laws.py, descent: to first order g = k G lowers the loss by lr k |G|^2 and Armijo asks
    # ARMIJO_C lr k^2 |G|^2, so the line is at k = 1 / ARMIJO_C (10^4): 5,000x passes, 20,000x fails
    from reference.model import backward

    problem = Problem.parse("sizes=3,4,1 activation=relu dtype=float64 N=6 seed=1 scale=1.0 labels=both "
                            "kink=none saturate=0")

    def scaled(k):
        return InProcess(f"{k:g}x", lambda p, X, y: {n: k * v for n, v in backward(p, X, y).items()})

    assert check_laws(scaled(0.5 / policy.ARMIJO_C), problem, ["descent"]) == []
    (violation,) = check_laws(scaled(2 / policy.ARMIJO_C), problem, ["descent"])
    assert violation.law == "descent" and "g points uphill, or is some 10000 times too large" in violation.message


def test_a_finite_gradient_whose_square_overflows_fails_descent_naming_the_exact_gradients_finite_square():
    # |g|^2 past float64 (1e200 times the gradient) while the exact gradient's is small: far too large,
    # and said with the exact |G|^2 the law computed on the problem's own inputs
    from reference.model import backward

    problem = Problem.parse("sizes=3,4,1 activation=tanh dtype=float64 N=6 seed=1 scale=1.0 labels=both "
                            "kink=none saturate=0")
    params, X, y = problem.arrays()
    exact = sum(float((g * g).sum()) for g in backward(params, X, y, "tanh", head=problem.spec.head).values())
    huge = InProcess("1e200x", lambda p, X_, y_: {n: 1e200 * v for n, v in backward(p, X_, y_, "tanh").items()})
    (violation,) = check_laws(huge, problem, ["descent"])
    assert violation.law == "descent" and "overflows" in violation.message
    assert f"{exact:.3g}" in violation.message


@pytest.mark.parametrize("dtype, l2_form", [("float32", "reg"), ("float64", "lambd")])
def test_the_gating_law_holds_the_reference_with_l2_in_float32_and_in_the_per_batch_lambd_form(dtype, l2_form):
    # the gated rows carry exactly 2 c W: held to the policy's tolerance for the problem's dtype, with
    # c counted for the batch asked about (lambd: l2 / (2 m), m the one-row batch's 1 or the whole batch's N)
    from reference.heads import Head
    from reference.model import backward

    problem = Problem.parse(OFF.replace("float64", dtype) + f" l2=0.5 l2_form={l2_form}")
    _off_unit(problem)
    head = Head(l2=0.5, l2_form=l2_form)
    assert check_laws(InProcess("right", lambda p, X, y: backward(p, X, y, head=head)), problem, ["relu-gating"]) == []


def test_a_float32_gated_row_is_held_to_2cW_within_the_float32_tolerance():
    # policy: float32 torch rtol 2e-3 (float64: 1e-7). A gated row of dW2 carrying 2 c W 1e-5 off
    # (float32 rounding's order) passes; 1e-2 off does not.
    from reference.heads import Head
    from reference.model import backward

    problem = Problem.parse(OFF.replace("float64", "float32") + " l2=0.5 l2_form=reg")
    _off_unit(problem)
    head = Head(l2=0.5, l2_form="reg")

    def off_by(share):
        def scaled_decay(p, X, y):
            g = backward(p, X, y, head=head)
            g["W2"] = g["W2"] * np.float32(1 + share)
            return g
        return InProcess(f"off by {share:g}", scaled_decay)

    assert check_laws(off_by(1e-5), problem, ["relu-gating"]) == []
    (violation,) = check_laws(off_by(1e-2), problem, ["relu-gating"])
    assert "dW2 is not the L2 term 2 c W alone in its row" in violation.message


def test_the_descent_law_tries_rates_halving_from_its_first_step_down_to_the_floor(monkeypatch):
    """Against an uphill gradient (-G, which no rate accepts) the law tries lr0 = DESCENT_STEP
    max(1, |w|) / sqrt(|g|^2), then each half of the one before, every rate with lr |g|^2 above
    DESCENT_FLOOR max(1, loss), and none below: read back from the points the loss is evaluated at."""
    from properties import laws
    from reference.model import backward

    problem = Problem.parse("sizes=4,5,1 activation=tanh dtype=float64 N=9 seed=1 scale=1.0 labels=both "
                            "kink=none saturate=0")
    params, X, y = problem.arrays()
    G = {k: -v for k, v in backward(params, X, y, "tanh", head=problem.spec.head).items()}
    seen = []
    real_loss = laws.reference_loss

    def spy(P, *args, **kwargs):
        seen.append({k: np.array(v, dtype=np.float64) for k, v in P.items()})
        return real_loss(P, *args, **kwargs)

    monkeypatch.setattr(laws, "reference_loss", spy)
    with pytest.raises(laws.LawViolation):
        laws.descent(lambda p, X_, y_: {k: v.copy() for k, v in G.items()}, problem)
    base_params, tried = seen[0], seen[1:]
    s = sum(float((g * g).sum()) for g in G.values())
    norm = np.sqrt(sum(float((v.astype(np.float64) ** 2).sum()) for v in params.values()))
    base = real_loss(base_params, X.astype(np.float64), problem.spec.head.targets(y, np.float64),
                     "tanh", problem.spec.head)
    floor = policy.DESCENT_FLOOR * max(1.0, abs(base))
    lr0 = policy.DESCENT_STEP * max(1.0, norm) / np.sqrt(s)
    expected = []
    lr = lr0
    while lr * s > floor:
        expected.append(lr)
        lr /= 2
    assert len(expected) > 10  # a grid long enough that a different ratio would show
    # the rate of each try, read off the largest entry of the step (moved = w - lr g)
    k = max(G, key=lambda key: float(np.abs(G[key]).max()))
    i = np.unravel_index(np.argmax(np.abs(G[k])), G[k].shape)
    rates = [float((base_params[k][i] - m[k][i]) / G[k][i]) for m in tried]
    assert len(rates) == len(expected)  # every rate of the grid above the floor, none below
    assert [round(a / b) for a, b in zip(rates, rates[1:])] == [2] * (len(rates) - 1)  # each try halves the last
    assert round(rates[0] / lr0, 6) == 1.0  # the first step: the rate is read back to ~1e-13 there
