"""Finite differences: from cached activations, equal to plain forwards, right next to a kink too."""
import hashlib

import numpy as np
import pytest

from helpers import assert_agrees, assert_disagrees
from oracles import policy
from oracles.finite_differences import answer_digest, direction_entropy, fd_gradients, perturbed_losses
from reference.model import ACTIVATIONS, Spec, backward, forward, loss, random_params


def input_reach(params, X, activation, key, index) -> float:
    """What the policy's step divides by: the largest |input| over the rows that entry ``index`` of
    ``key`` multiplies (column i of a_{l-1} for W_l[i, j]; 1 for a bias), from a plain forward."""
    if key.startswith("b"):
        return 1.0
    _, cache = forward(params, np.asarray(X, dtype=np.float64), activation)
    l = int(key[1:])
    below = np.asarray(X, dtype=np.float64) if l == 1 else cache[f"a{l - 1}"]
    return float(np.abs(below[:, index[0]]).max())


@pytest.mark.parametrize("activation", ["tanh", "relu", "leaky_relu"])  # relu: the piecewise-linear shortcut
def test_perturbed_losses_equal_plain_forwards_on_sampled_entries(small_problem, activation):
    spec, params, X, y = small_problem(sizes=(5, 6, 4, 1), activation=activation)
    tol = policy.tolerance("fd-loss", "float64")
    rng = np.random.default_rng(0)
    for key, p in params.items():
        for _ in range(3):
            index = tuple(int(rng.integers(n)) for n in p.shape)
            plus, minus, h = perturbed_losses(spec, params, X, y, key, index)
            for sign, fast in ((1, plus), (-1, minus)):
                moved = {k: v.copy() for k, v in params.items()}
                moved[key][index] += sign * h
                assert tol.close(fast, loss(moved, X, y, spec.activation)), (key, index, sign)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sizes", [(4, 1), (5, 7, 1), (3, 4, 5, 1)])
def test_finite_differences_agree_with_the_reference_backward(small_problem, activation, sizes):
    spec, params, X, y = small_problem(sizes=sizes, activation=activation)
    fd = fd_gradients(spec, params, X, y)
    assert_agrees(backward(params, X, y, activation), fd.grads, "finite-differences", near_kink=fd.near_kink)


def test_fd_loss_is_the_canonical_loss(small_problem):
    spec, params, X, y = small_problem()
    assert fd_gradients(spec, params, X, y).loss == pytest.approx(loss(params, X, y), rel=1e-15)


def test_the_oracle_form_is_the_canonical_loss_and_the_differences(small_problem):
    from oracles.finite_differences import finite_differences

    spec, params, X, y = small_problem()
    value, grads = finite_differences(spec, params, X, y)
    assert value == pytest.approx(loss(params, X, y), rel=1e-15)
    assert_agrees(backward(params, X, y), grads, "finite-differences")


def test_near_kink_flags_are_exactly_the_entries_whose_steps_change_a_side(small_problem):
    """Brute force: perturb each entry with a plain forward and compare every ReLU pre-activation's
    side at w + h and at w - h with its side at w."""
    from oracles.finite_differences import crossing_sides

    spec, params, X, y = small_problem(sizes=(3, 4, 3, 1), N=6)
    # put rows right next to the kink so some entries cross it
    _, cache = forward(params, X)
    params["b1"] = params["b1"] - cache["z1"][0:1] + 1e-7
    fd = fd_gradients(spec, params, X, y)
    _, c0 = forward(params, X)
    base = np.concatenate([(c0["z1"] > 0).ravel(), (c0["z2"] > 0).ravel()])
    for key, p in params.items():
        for index in np.ndindex(p.shape):
            h = policy.fd_step(p[index], input_reach(params, X, "relu", key, index))
            sides = []
            for sign in (1, -1):
                moved = {k: v.copy() for k, v in params.items()}
                moved[key][index] += sign * h
                _, c = forward(moved, X)
                sides.append(bool((np.concatenate([(c["z1"] > 0).ravel(), (c["z2"] > 0).ravel()]) != base).any()))
            assert crossing_sides(spec, params, X, y, key, index) == tuple(sides), (key, index)
            assert fd.near_kink[key][index] == any(sides), (key, index)
    assert fd.near_kink["W1"].any()


def test_near_kink_entries_on_the_real_data_match_torch_within_the_fd_tolerance(real, lesson_params):
    """At the lesson's init two samples sit within 3.3e-6 of unit 13's kink, and b1[0, 13]'s step
    crosses it: a naive central difference there is off by about 1.8e-4 relative, past the policy's
    1e-5; the near-kink step agrees with torch like every other entry, and no entry is left out.
    (W1's steps, divided by the reach of the standardized inputs, 3.6 to 6.7, no longer cross.)"""
    from oracles.torch_oracle import torch_oracle

    spec = Spec()
    fd = fd_gradients(spec, lesson_params, real.X, real.y)
    _, exact = torch_oracle(spec, lesson_params, real.X, real.y)
    near = {k: int(v.sum()) for k, v in fd.near_kink.items()}
    assert near == {"W1": 0, "b1": 1, "W2": 0, "b2": 0}
    assert_agrees(fd.grads, exact, "torch", row="finite-differences", against="finite-differences")
    # the naive quotient at the default step on exactly those entries: the false alarm avoided
    naive = []
    for key in ("W1", "b1"):
        for index in zip(*np.nonzero(fd.near_kink[key])):
            plus, minus, h = perturbed_losses(spec, lesson_params, real.X, real.y, key, index)
            naive.append(abs((plus - minus) / (2 * h) - exact[key][index]) / abs(exact[key][index]))
    assert max(naive) > 10 * policy.tolerance("finite-differences", "float64").rtol


def test_a_one_sided_step_decides_an_entry_1e_9_from_its_kink(small_problem):
    """b1[0, 0] puts z1[0, 0] 1e-9 from 0 (X[0] = 0): every central step down to h/64 crosses, the
    one-sided second-order difference on the far side matches the exact gradient."""
    spec, params, X, y = small_problem(sizes=(4, 5, 1), N=7)
    X[0] = 0.0
    params["b1"][0, 0] = 1e-9
    fd = fd_gradients(spec, params, X, y)
    grads = backward(params, X, y)
    assert fd.near_kink["b1"][0, 0]
    assert_agrees(grads, fd.grads, "finite-differences", keys=["b1"])


def test_float32_weights_are_differenced_in_float64(small_problem):
    spec, params, X, y = small_problem(dtype="float32")
    fd = fd_gradients(spec, params, X, y)
    assert all(g.dtype == np.float64 for g in fd.grads.values())
    exact = backward({k: v.astype(np.float64) for k, v in params.items()}, X.astype(np.float64),
                     y.astype(np.float64))
    assert_agrees(exact, fd.grads, "finite-differences", near_kink=fd.near_kink)


def test_the_piecewise_linear_shortcut_gives_the_full_paths_kinks_and_derivatives(small_problem, monkeypatch):
    """Same near-kink flags exactly; derivatives equal to the rounding of a difference quotient, well
    inside the finite-difference tolerance (the losses themselves are compared to 1e-12 above)."""
    from oracles import finite_differences

    spec, params, X, y = small_problem(sizes=(3, 5, 4, 1), N=12)
    _, cache = forward(params, X)
    params["b2"] = params["b2"] - cache["z2"][1:2] + 1e-7  # row 1 sits next to every layer-2 kink
    fast = fd_gradients(spec, params, X, y)
    monkeypatch.setattr(finite_differences._Point, "linear", lambda self, l: None)
    full = fd_gradients(spec, params, X, y)
    for k in params:
        np.testing.assert_array_equal(fast.near_kink[k], full.near_kink[k])
    assert_agrees(fast.grads, full.grads, "full path", row="finite-differences", against="shortcut")
    assert fast.near_kink["W1"].any()


def test_a_network_wider_than_one_memory_block_is_handled(small_problem, monkeypatch):
    monkeypatch.setattr(policy, "FD_MEMORY_BYTES", 1)  # one entry per block
    spec, params, X, y = small_problem(sizes=(4, 5, 1))
    fd = fd_gradients(spec, params, X, y)
    assert_agrees(backward(params, X, y), fd.grads, "finite-differences", near_kink=fd.near_kink)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_directional_derivatives_match_the_reference_projected_on_the_directions(small_problem, activation):
    from oracles.finite_differences import fd_directions

    spec, params, X, y = small_problem(sizes=(4, 6, 5, 1), activation=activation)
    fd = fd_directions(spec, params, X, y, count=8, seed=3)
    along = fd.project(backward(params, X, y, activation))
    assert all(fd.derivatives[k].shape == (8,) for k in params)
    assert_agrees(along, fd.derivatives, "finite-differences", near_kink=fd.near_kink)


@pytest.mark.parametrize("l2_form", ["weight_decay", "reg", "lambd"])
def test_directional_derivatives_carry_the_l2_terms_exact_derivative(small_problem, l2_form):
    from dataclasses import replace

    from oracles.finite_differences import fd_directions

    spec, params, X, y = small_problem(sizes=(4, 6, 1))
    spec = replace(spec, l2=0.3, l2_form=l2_form)
    fd = fd_directions(spec, params, X, y, count=4, seed=1)
    assert_agrees(fd.project(backward(params, X, y, head=spec.head)), fd.derivatives, "finite-differences",
                  near_kink=fd.near_kink)
    without = fd.project(backward(params, X, y))  # the same network without its L2 term: the weights differ
    close = policy.tolerance("finite-differences", "float64").close_array
    assert not close(fd.derivatives["W1"], without["W1"]).all() and close(fd.derivatives["b1"], without["b1"]).all()


def test_directional_mode_catches_a_wrong_gradient(small_problem):
    from oracles.finite_differences import fd_directions
    from properties import catalogue

    spec, params, X, y = small_problem(sizes=(4, 6, 1))
    fd = fd_directions(spec, params, X, y, count=4)
    along = fd.project(catalogue.missing_relu_mask(params, X, y))
    assert_disagrees(along, fd.derivatives, "finite-differences", "W1", near_kink=fd.near_kink)


def test_auto_mode_switches_to_directions_above_the_parameter_budget():
    from oracles.harness import fd_mode

    assert fd_mode(Spec((8, 16, 1))) == "exhaustive"
    assert Spec((8, 256, 192, 1)).n_params() > policy.FD_EXHAUSTIVE_BUDGET
    assert fd_mode(Spec((8, 256, 192, 1))) == "directions"
    assert fd_mode(Spec((8, 256, 192, 1)), "exhaustive") == "exhaustive"


def test_the_report_says_which_finite_difference_mode_ran(capsys, real_path):
    import json

    from oracles.shells.cli import main

    main(["--data", str(real_path), "--fd-mode", "directions", "--directions", "4", "--format", "json",
          "--oracles", "finite-differences"])
    report = json.loads(capsys.readouterr().out)
    assert report["fd_mode"] == "directions (4 per parameter)" and report["passed"] is True


def test_a_row_is_differenced_centrally_unless_a_side_crosses_then_one_sided_on_the_side_that_does_not():
    from oracles.finite_differences import _decide_rows

    # loss changes at +t, -t, +2t, -2t for four rows; t = 0.5. By hand:
    # central (plus - minus) / 2t = (1 + 3) / 1 = 4; right (4 plus - plus2) / 2t = (4 - 4) / 1 = 0;
    # left -(4 minus - minus2) / 2t = -(-12 + 2) / 1 = 10
    n = 4
    changes = tuple(np.full(n, v) for v in (1.0, -3.0, 4.0, -2.0))
    no = np.zeros(n, dtype=bool)
    cp = np.array([False, False, True, True])   # rows 2, 3 cross on the + side
    cm = np.array([False, True, False, True])   # rows 1, 3 on the - side
    rows = np.full(n, np.nan)
    todo = np.ones(n, dtype=bool)
    decided = _decide_rows(rows, todo, np.full(n, 0.5), changes, (cp, cm, no, no))
    assert decided.tolist() == [True, True, True, False]   # row 3 crosses both ways: not decided at this step
    assert rows[:3].tolist() == [4.0, 0.0, 10.0]
    # a row already decided is left alone
    rows2 = np.full(n, 7.0)
    _decide_rows(rows2, np.array([False, True, True, True]), np.full(n, 0.5), changes, (cp, cm, no, no))
    assert rows2[0] == 7.0


def test_the_relu_shortcut_is_the_exact_derivative_of_the_logit_in_the_layer_before_last():
    from oracles.finite_differences import _Point

    rng = np.random.default_rng(3)
    spec = Spec((4, 5, 6, 1), "relu", "float64")
    params = {"W1": rng.standard_normal((4, 5)), "b1": rng.standard_normal((1, 5)),
              "W2": rng.standard_normal((5, 6)), "b2": rng.standard_normal((1, 6)),
              "W3": rng.standard_normal((6, 1)), "b3": rng.standard_normal((1, 1))}
    X = rng.standard_normal((7, 4))
    y = (rng.random((7, 1)) < 0.5).astype(float)
    point = _Point(spec, params, X, y)
    shortcut = point.linear(1)  # layer 1 feeds one relu layer, then the logit
    assert shortcut is not None and point.linear(1) is shortcut  # computed once
    G, T = shortcut
    assert point.linear(2) is None  # the logit's own input layer: no layer between

    def logit(a1):  # by hand, from a1 on
        return np.maximum(a1 @ params["W2"] + params["b2"], 0) @ params["W3"] + params["b3"]

    a1 = np.maximum(X @ params["W1"] + params["b1"], 0)
    d = 1e-7
    for j in range(5):
        moved = a1.copy()
        moved[:, j] += d
        np.testing.assert_allclose(G[:, j], (logit(moved) - logit(a1))[:, 0] / d, rtol=1e-5, atol=1e-7)
        # T: the shift of a1[:, j] at which the first unit of z2 reaches 0
        z2 = a1 @ params["W2"] + params["b2"]
        np.testing.assert_allclose(T[:, j], (np.abs(z2) / np.abs(params["W2"][j])).min(axis=1))


@pytest.mark.parametrize("loss_name, C", [("softmax", 3), ("mse", 2)])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])  # the piecewise-linear shortcut with C logits
@pytest.mark.parametrize("near", [False, True])  # row 1 next to every layer-2 kink: the shortcut's full path
def test_finite_differences_of_a_deep_net_with_several_outputs_agree_with_the_reference(loss_name, C, activation, near):
    spec = Spec((4, 6, 5, C), activation, "float64", loss_name)
    rng = np.random.default_rng(5)
    params = random_params(spec, 5, 1.0)
    X = rng.standard_normal((15, 4))
    y = rng.integers(0, C, 15) if loss_name == "softmax" else rng.standard_normal((15, C))
    y = spec.head.targets(y, spec.dtype)
    if near:
        _, cache = forward(params, X, activation)
        params["b2"] = params["b2"] - cache["z2"][1:2] + 1e-7
    fd = fd_gradients(spec, params, X, y)
    assert_agrees(fd.grads, backward(params, X, y, activation, head=spec.head), "finite-differences",
                  against="reference", near_kink=fd.near_kink)
    assert fd.near_kink["W1"].any() == near


def _hidden_from_seed_0(small_problem, count=4):
    """A problem, the reference's gradients, and a backward whose W1 is wrong by 30% of its norm in
    the orthogonal complement of the directions a fixed ``default_rng(0)`` draws (the old draw)."""
    from oracles.finite_differences import fd_directions

    spec, params, X, y = small_problem((5, 7, 1), "tanh")
    right = backward(params, X, y, "tanh")
    V = fd_directions(spec, params, X, y, count=count, seed=0).directions["W1"].reshape(count, -1)  # (K, n)
    e = np.random.default_rng(99).standard_normal(V.shape[1])
    e -= V.T @ np.linalg.lstsq(V.T, e, rcond=None)[0]  # the part of e no seed-0 direction sees
    e *= 0.3 * np.linalg.norm(right["W1"]) / np.linalg.norm(e)
    assert np.abs(V @ e).max() < 1e-12 * np.linalg.norm(e)  # invisible to the old directions

    def hidden(P, X_, y_):
        g = backward(P, X_, y_, "tanh")
        return dict(g, W1=g["W1"] + e.reshape(g["W1"].shape))

    return spec, params, X, y, hidden


def test_an_error_orthogonal_to_the_seed_0_directions_fails_along_directions_drawn_after_the_answer(small_problem):
    from oracles.harness import Point, check_point

    spec, params, X, y, hidden = _hidden_from_seed_0(small_problem)
    result = check_point(spec, Point("lesson-init", params, ""), X, y, hidden, ("finite-differences",),
                         mode="directions", directions=4)
    assert not result.passed
    assert [k for k, per in result.checks.items() if not per["finite-differences"].passed] == ["W1"]


def test_the_same_candidate_seed_and_data_give_the_same_directions_and_another_seed_or_answer_others(small_problem):
    from oracles.harness import Point, directional, prepare

    spec, params, X, y, hidden = _hidden_from_seed_0(small_problem)
    answer = hidden(params, X, y)

    def drawn(seed, grads=answer, name="lesson-init"):
        p = prepare(spec, Point(name, params, ""), X, y, ("finite-differences",), mode="directions",
                    directions=4, seed=seed)
        return directional(p, grads).directions

    first, again = drawn(3), drawn(3)
    assert all(np.array_equal(first[k], again[k]) for k in params)
    for other in (drawn(4), drawn(3, backward(params, X, y, "tanh")), drawn(3, name="generic")):
        assert all(not np.allclose(first[k], other[k]) for k in params)


# ---------------------------------------------------------------- an independent slow reference

def _slow_fd(spec, params, X, y):
    """The finite-difference oracle written plainly: every entry on its own, every loss a full forward
    of the canonical loss. Central at ``h = policy.fd_step(w, reach)`` (:func:`input_reach`); where some hidden ReLU-type
    pre-activation of a row lies on another side of 0 at ``w + h`` or ``w - h`` than at ``w``, row by
    row with ``h`` times each near-kink factor: central where neither ``+t`` nor ``-t`` changes a side
    of that row, else ``(4 s(t) - s(2t)) / 2t`` on the side where neither ``t`` nor ``2t`` does; a row
    no factor decides keeps the central quotient at the last. The L2 term by central differences of
    the penalty itself. Returns ``(grads, near_kink)``."""
    from reference.model import KINKED, n_layers

    head = spec.head
    P = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    X = np.asarray(X, dtype=np.float64)
    y = head.targets(y, np.float64)
    L, N = n_layers(P), X.shape[0]
    divisor = head.divisor(N, P[f"W{L}"].shape[1])

    def rows_and_sides(moved):
        _, cache = forward(moved, X, spec.activation)
        sides = [cache[f"z{l}"] > 0 for l in range(1, L)]
        return head.row_loss(cache[f"z{L}"], y), (np.hstack(sides) if sides else np.zeros((N, 0), dtype=bool))

    base, base_sides = rows_and_sides(P)
    grads, near = {}, {}
    for key, w in P.items():
        grads[key], near[key] = np.empty(w.shape), np.zeros(w.shape, dtype=bool)
        for index in np.ndindex(w.shape):
            def at(t):
                moved = dict(P, **{key: w.copy()})
                moved[key][index] += t
                rows, sides = rows_and_sides(moved)
                crossed = (sides != base_sides).any(axis=1) if spec.activation in KINKED else np.zeros(N, dtype=bool)
                return rows - base, crossed, head.penalty(moved, N)

            h = float(policy.fd_step(w[index], input_reach(P, X, spec.activation, key, index)))
            (plus, cp, pen_plus), (minus, cm, pen_minus) = at(h), at(-h)
            l2 = (pen_plus - pen_minus) / (2 * h)
            if not (cp.any() or cm.any()):
                grads[key][index] = (plus.sum() - minus.sum()) / (2 * h * divisor) + l2
                continue
            near[key][index] = True
            per_row, todo = np.zeros(N), np.ones(N, dtype=bool)
            for f in policy.FD_NEAR_KINK_FACTORS:
                t = h * f
                (p1, c1, _), (m1, d1, _), (p2, c2, _), (m2, d2, _) = at(t), at(-t), at(2 * t), at(-2 * t)
                for r in np.flatnonzero(todo):
                    per_row[r] = (p1[r] - m1[r]) / (2 * t)
                    if not c1[r] and not d1[r]:
                        todo[r] = False
                    elif not c1[r] and not c2[r]:
                        per_row[r], todo[r] = (4 * p1[r] - p2[r]) / (2 * t), False
                    elif not d1[r] and not d2[r]:
                        per_row[r], todo[r] = -(4 * m1[r] - m2[r]) / (2 * t), False
                if not todo.any():
                    break
            grads[key][index] = per_row.sum() / divisor + l2
    return grads, near


def _slow_problem(loss_name, activation, sizes, near, l2_form=None, reduction="mean", N=12, bias=True):
    from dataclasses import replace

    spec = Spec(sizes, activation, "float64", loss_name, reduction, bias=bias)
    if l2_form:
        spec = replace(spec, l2=0.3, l2_form=l2_form)
    rng = np.random.default_rng(11)
    params = random_params(spec, 7, 1.0)
    X = rng.standard_normal((N, sizes[0]))
    C = sizes[-1]
    y = {"softmax": lambda: rng.integers(0, C, N), "mse": lambda: rng.standard_normal((N, C))}.get(
        loss_name, lambda: (rng.random((N, C)) < 0.5).astype(float))()
    y = spec.head.targets(y, np.float64)
    if near:  # row 0 1e-9 from the first unit's kink; row 1 1e-7 from the last hidden layer's (the others)
        X[0] = 0.0
        params["b1"][0, 0] = 1e-9
        _, cache = forward(params, X, activation)
        last = len(sizes) - 2
        shift = cache[f"z{last}"][1:2] - 1e-7
        if last == 1:
            shift[0, 0] = 0.0
        params[f"b{last}"] = params[f"b{last}"] - shift
    return spec, params, X, y


def _equals_the_plain_loop(spec, params, X, y) -> dict:
    """fd_gradients within the finite-difference tolerance of :func:`_slow_fd` entry by entry, the
    same entries flagged near a kink; returns the flags."""
    fd = fd_gradients(spec, params, X, y)
    grads, near = _slow_fd(spec, params, X, y)
    assert_agrees(fd.grads, grads, "finite-differences", against="the batched oracle",
                  unit=spec.head.unit(X.shape[0], spec.sizes[-1]))
    for k in params:
        np.testing.assert_array_equal(fd.near_kink[k], near[k], err_msg=k)
    return near


@pytest.mark.parametrize("loss_name, C", [("bce", 1), ("softmax", 3), ("mse", 2), ("quadratic", 2)])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
@pytest.mark.parametrize("hidden", [(5,), (5, 4), (4, 3, 3)])
def test_fd_gradients_equal_a_plain_per_entry_loop_near_kinks_too_for_every_head(loss_name, C, activation, hidden):
    """The batched oracle against :func:`_slow_fd` (the kinked cases have rows 1e-7 and 1e-9 from kinks)."""
    kinked = activation != "tanh"
    near = _equals_the_plain_loop(*_slow_problem(loss_name, activation, (4, *hidden, C), near=kinked))
    assert any(v.any() for v in near.values()) == kinked


@pytest.mark.parametrize("l2_form", ["weight_decay", "reg", "lambd"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fd_gradients_equal_a_plain_per_entry_loop_with_l2_in_each_form(l2_form, reduction):
    near = _equals_the_plain_loop(*_slow_problem("bce", "relu", (4, 5, 4, 1), near=True, l2_form=l2_form,
                                                 reduction=reduction))
    assert near["b1"][0, 0] and near["W2"].any()


@pytest.mark.parametrize("loss_name, C", [("bce", 1), ("softmax", 3)])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_fd_gradients_equal_a_plain_per_entry_loop_without_biases(loss_name, C, activation):
    spec, params, X, y = _slow_problem(loss_name, activation, (4, 5, 4, C), near=False, bias=False)
    assert not any(k.startswith("b") for k in params)
    _equals_the_plain_loop(spec, params, X, y)


def test_inputs_near_a_thousand_leave_the_central_difference_within_the_policy_at_a_saturated_sigmoid():
    """A fuzz draw where the quadratic cost's logit was moved by 0.2 by a step of |w|'s scale: the
    third layer's activations reach about a thousand (weights at 10 / sqrt(fan_in)), one output is
    at -11.8, and W4's differences missed by 1.6e-4 relative. The step divided by the input's reach
    holds every entry to the policy against the exact backward."""
    from properties.strategies import Problem

    problem = Problem.parse("sizes=1,4,8,19,3 activation=relu dtype=float64 N=1 seed=6 scale=10.0 labels=both "
                            "kink=none saturate=0 loss=quadratic")
    params, X, y = problem.arrays()
    _, cache = forward(params, X, "relu")
    assert np.abs(cache["a3"]).max() > 500  # the regime: inputs of the last layer far above 1
    fd = fd_gradients(problem.spec, params, X, y)
    exact = backward(params, X, y, "relu", head=problem.spec.head)
    assert_agrees(exact, fd.grads, "finite-differences")



def test_at_an_exact_kink_of_the_last_hidden_layer_only_entries_whose_steps_change_a_side_are_flagged(small_problem):
    """Row 0's z2 is exactly 0 in its first unit and 0.5 in its second (0 < z <= 1); layer-1 unit 3 is
    off in row 0, so its entries move other rows only. Brute force (a plain forward at w + h and
    w - h) says which entries put some pre-activation on another side of 0; the shortcut over the
    last hidden layer flags exactly those: unit 3's entries are not near a kink, units 0-2's are."""
    spec, params, X, y = small_problem(sizes=(3, 4, 3, 1), N=6, seed=2)
    _, cache = forward(params, X)
    params["b2"] = params["b2"] - cache["z2"][0:1] + np.array([[0.0, 0.5, -2.0]])
    _, cache = forward(params, X)
    params["b2"][0, 0] = -(cache["a1"][0] @ params["W2"][:, 0])
    _, c0 = forward(params, X)
    assert c0["z2"][0, 0] == 0.0 and 0 < c0["z2"][0, 1] <= 1
    assert c0["z1"][0, 3] < 0 and (c0["z1"][0, :3] > 0).all()
    fd = fd_gradients(spec, params, X, y)
    base = np.concatenate([(c0["z1"] > 0).ravel(), (c0["z2"] > 0).ravel()])
    for key in ("W1", "b1"):
        for index in np.ndindex(params[key].shape):
            h = policy.fd_step(params[key][index], input_reach(params, X, "relu", key, index))
            sides = []
            for sign in (1, -1):
                moved = {k: v.copy() for k, v in params.items()}
                moved[key][index] += sign * h
                _, c = forward(moved, X)
                sides.append(bool((np.concatenate([(c["z1"] > 0).ravel(), (c["z2"] > 0).ravel()]) != base).any()))
            assert fd.near_kink[key][index] == any(sides), (key, index)
    assert not fd.near_kink["W1"][:, 3].any() and not fd.near_kink["b1"][0, 3]
    assert fd.near_kink["W1"][:, :3].all()


def test_the_directions_entropy_is_the_whole_sha256_digest_as_eight_32_bit_words():
    answer = answer_digest({"W1": np.array([[1.0, -2.0]]), "b1": np.array([0.5])})
    words = direction_entropy(7, "p0", "W1", answer)
    assert len(words) == 8 and all(0 <= w < 2 ** 32 for w in words)
    # the words, read back as little-endian bytes, are the SHA-256 of seed, point, parameter and answer
    expected = hashlib.sha256(b"\0".join([b"7", b"p0", b"W1", answer])).digest()
    assert b"".join(w.to_bytes(4, "little") for w in words) == expected
    # each input moves the seed: another answer, parameter, point or --seed draws other directions
    other = answer_digest({"W1": np.array([[1.0, -2.0]]), "b1": np.array([0.25])})
    moved = [direction_entropy(7, "p0", "W1", other), direction_entropy(7, "p0", "b1", answer),
             direction_entropy(7, "p1", "W1", answer), direction_entropy(8, "p0", "W1", answer)]
    assert len({tuple(words), *map(tuple, moved)}) == 5
