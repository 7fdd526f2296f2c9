"""Errors that are no formula (oracles/precision.py): a finite-difference estimate, float32 rounding,
noise from a generator seeded each call; each told from a backward's own numbers computed here."""
from __future__ import annotations

import numpy as np
import pytest

from oracles import policy, precision
from oracles.mistakes import Pieces
from oracles.precision import (MIN_ENTRIES, ROUNDING, SAMPLE, _entries, _Estimates, _fd_words, _same,
                               finite_differences, float32_pattern, precision_finding, residuals, same_noise)
from reference.model import Spec, backward, loss, random_params

N, D = 50, 4


def pieces(hidden=(6,), activation="tanh", seed=0, loss_name="bce") -> Pieces:
    C = 3 if loss_name == "softmax" else 1
    spec = Spec((D, *hidden, C), activation, "float64", loss_name)
    rng = np.random.default_rng(seed + 1)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N) if loss_name == "softmax" else (rng.random((N, 1)) < 0.4).astype(float)
    return Pieces(spec, random_params(spec, seed, 1.0), X, y)


def differences(p: Pieces, h: float, scheme: str, dtype=np.float64) -> dict:
    """Every entry's difference quotient of the reference's loss, written here, in ``dtype``."""
    P = {k: v.astype(dtype) for k, v in p.P.items()}
    X = p.X.astype(dtype)
    y = p.y.astype(dtype) if p.y.dtype.kind == "f" else p.y
    base = loss(P, X, y, p.act, p.head)
    out = {}
    for k, W in P.items():
        out[k] = np.zeros(W.shape)
        for i in range(W.size):
            up, down = W.copy(), W.copy()
            up.flat[i] += dtype(h)
            down.flat[i] -= dtype(h)
            hi = loss(dict(P, **{k: up}), X, y, p.act, p.head)
            if scheme == "forward":
                out[k].flat[i] = (hi - base) / h
            else:
                out[k].flat[i] = (hi - loss(dict(P, **{k: down}), X, y, p.act, p.head)) / (2 * h)
    return out


# ---------------------------------------------------------------- the estimates computed here

def test_the_loss_here_is_the_references_loss():
    p = pieces()
    assert precision._loss(p, p.P, p.X, p.y) == loss(p.P, p.X, p.y, p.act, p.head)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_estimate_is_the_difference_quotient_of_the_loss_in_its_dtype(dtype):
    p = pieces()
    est = _Estimates(p, dtype)
    assert est.eps == float(np.finfo(dtype).eps) and est.X.dtype == dtype and est.P["W1"].dtype == dtype
    assert est.y.dtype == dtype and est.base == loss(est.P, est.X, est.y, p.act, p.head)
    for scheme, h in (("forward", 1e-3), ("central", 1e-2)):
        want = differences(p, h, scheme, dtype)
        assert est.at("W1", 5, h, scheme) == want["W1"].flat[5]
        assert est.at("b2", 0, h, scheme) == want["b2"].flat[0]


def test_integer_labels_stay_integers_in_an_estimate():
    p = pieces(loss_name="softmax")
    est = _Estimates(p, np.float32)
    assert est.y.dtype.kind == "i" and np.array_equal(est.y, p.y)


def test_an_estimates_slack_is_its_rounding_over_the_step():
    p = pieces()
    est = _Estimates(p, np.float64)
    assert est.slack(1e-4) == ROUNDING * np.finfo(np.float64).eps * abs(est.base) / 1e-4
    est.base = 0.0
    assert est.slack(1.0) == ROUNDING * np.finfo(np.float64).eps * 1e-300


def test_the_entries_are_the_worst_first_then_ones_spread_over_the_rest():
    p = pieces()
    g, error = {k: v.copy() for k, v in p.true.items()}, {}  # error: (param, index) -> |g - right| / scale
    for k, offset in (("W1", 0.0), ("b1", 0.5e-3)):
        scale = policy.gradient_scale(p.true[k])
        for i in range(g[k].size):
            error[(k, i)] = {("W1", 3): 5.0, ("W1", 7): 3.0, ("b1", 2): 4.0}.get((k, i), (i + 1) * 1e-3 + offset)
            g[k].flat[i] += error[(k, i)] * scale
    picked = _entries(p, g, ["W1", "b1"], 6)
    assert picked[:3] == [("W1", 3), ("b1", 2), ("W1", 7)]  # the worst, over each parameter's own scale
    rest = sorted((e for e in error if e not in picked[:3]), key=error.get, reverse=True)
    assert len(rest) == 27 and picked[3:] == [rest[0], rest[9], rest[18]]  # every 27 // 3-th of the rest
    assert _entries(p, g, ["W1"], 2)[0] == ("W1", 3) and len(_entries(p, g, ["W1"], 2)) == 2
    assert len(_entries(p, g, ["W1", "b1"], SAMPLE)) == SAMPLE
    assert len(_entries(p, g, ["b2"], SAMPLE)) == 1  # a lone bias: one entry to take


def test_the_worst_entries_are_ranked_by_error_over_their_own_parameters_scale():
    from types import SimpleNamespace

    true = {"W1": np.linspace(-100.0, 100.0, 8), "b1": np.linspace(-0.5, 0.5, 8)}  # scales 100 and 1
    assert policy.gradient_scale(true["W1"]) == 100.0 and policy.gradient_scale(true["b1"]) == 1.0
    g = {k: v.copy() for k, v in true.items()}
    g["W1"][3] += 50.0  # 0.5 of W1's scale
    g["b1"][2] += 0.9  # 0.9 of b1's scale: the worse, though 50 is the larger number
    assert _entries(SimpleNamespace(true=true), g, ["W1", "b1"], 2)[0] == ("b1", 2)


# ---------------------------------------------------------------- finite differences

@pytest.mark.parametrize("scheme, h", [("forward", 1e-4), ("forward", 1e-6), ("central", 1e-2), ("central", 1e-3)])
def test_a_float64_difference_estimate_is_named_with_its_scheme_and_step(scheme, h):
    p = pieces()
    g = differences(p, h, scheme)
    wrong = list(p.P)
    ids, words = finite_differences(p, g, wrong)
    assert ids == ("finite_difference_estimate",)
    assert f"{scheme} differences" in words and f"h = {h:g}" in words and "float64" in words
    assert ("O(h)" in words) == (scheme == "forward") and ("O(h^2)" in words) == (scheme == "central")
    assert f"on {SAMPLE} entries" in words


def test_a_float32_forward_difference_is_told_by_its_spacing():
    p = pieces()
    g = differences(p, 1e-3, "forward", np.float32)
    ids, words = finite_differences(p, g, list(p.P))
    assert ids == ("finite_difference_estimate", "float32_precision")
    assert "forward differences" in words and "in float32 at h = 0.001 " in words and "spacing" in words
    assert "over h," in words and "a step 0.001 apart" in words


def test_a_float32_forward_difference_of_one_spacing_per_entry_is_read_at_its_step():
    """Each quotient one float32 spacing of the loss over h = 1e-3: the smallest a forward difference
    can be without being 0, read as forward differences at that step."""
    p = pieces()
    ulp = float(np.spacing(np.float32(abs(_Estimates(p, np.float32).base))))
    sample = [("W1", i) for i in range(8)]
    g = {k: v.copy() for k, v in p.true.items()}
    for n, (k, i) in enumerate(sample):
        g[k].flat[i] = (-1) ** n * ulp / float(np.float32(1e-3))
    ids, words = precision._float32_quantized(p, g, sample)
    assert ids == ("finite_difference_estimate", "float32_precision")
    assert "forward differences" in words and "at h = 0.001 " in words


def test_a_float32_central_difference_is_told_by_its_spacing_over_2h():
    p = pieces()
    g = differences(p, 1e-3, "central", np.float32)
    ids, words = finite_differences(p, g, list(p.P))
    assert ids == ("finite_difference_estimate", "float32_precision")
    assert "central differences" in words and "in float32 at h = 0.001 " in words
    assert "over 2h," in words and "a step 0.002 apart" in words and "O(h^2)" in words


def test_no_estimate_is_claimed_for_a_right_backward_a_formula_or_too_few_entries():
    p = pieces()
    assert finite_differences(p, p.true, list(p.P)) is None  # nothing off
    doubled = {k: 2 * v for k, v in p.true.items()}
    assert finite_differences(p, doubled, list(p.P)) is None
    g = differences(p, 1e-4, "forward")
    assert finite_differences(p, g, ["b2"]) is None  # a lone bias: a few numbers fit some step by chance


def test_noise_of_the_size_of_a_difference_estimates_error_is_no_estimate():
    p = pieces()
    rng = np.random.default_rng(3)
    g = {k: v + rng.normal(0, 1e-4, v.shape) for k, v in p.true.items()}
    assert finite_differences(p, g, list(p.P)) is None


def test_the_words_of_an_estimate_give_its_formula_dtype_and_evidence():
    ids, words = _fd_words("forward", np.float64, 1e-5, "EVIDENCE")
    assert ids == ("finite_difference_estimate",)
    assert "(L(w + h) - L(w)) / h" in words and "float64" in words and "h = 1e-05 EVIDENCE" in words
    ids, words = _fd_words("central", np.float32, 0.01, "E")
    assert ids == ("finite_difference_estimate", "float32_precision")
    assert "(L(w + h) - L(w - h)) / 2h" in words and "float32" in words and "h = 0.01 E" in words


# ---------------------------------------------------------------- float32 rounding

def float32_backward(p: Pieces) -> dict:
    p32 = {k: v.astype(np.float32) for k, v in p.P.items()}
    g = backward(p32, p.X.astype(np.float32), p.y.astype(np.float32), p.act, head=p.head)
    return {k: v.astype(np.float64) for k, v in g.items()}


def test_a_backward_in_float32_is_named_as_float32_rounding_with_its_parameters():
    p = pieces((8, 8), "sigmoid")
    g = float32_backward(p)
    wrong = [k for k in p.P if not np.array_equal(g[k], p.true[k])]
    ids, words = float32_pattern(p, g, wrong)
    assert ids == ("float32_precision",)
    assert ", ".join(f"d{k}" for k in wrong) in words and " are off by " in words
    ids, words = float32_pattern(p, g, ["W1"])
    assert "dW1 is off by" in words


def test_an_error_larger_or_smaller_than_float32s_is_not_float32():
    p = pieces((8, 8), "sigmoid")
    g32 = float32_backward(p)
    for times in (100.0, 0.001):
        g = {k: p.true[k] + times * (g32[k] - p.true[k]) for k in p.P}
        assert float32_pattern(p, g, ["W1", "W2"]) is None, times


def test_a_float32_sized_error_on_a_few_entries_only_is_not_float32():
    p = pieces((8, 8), "sigmoid")
    g32 = float32_backward(p)
    g = {k: v.copy() for k, v in p.true.items()}
    g["W1"].flat[:3] = g32["W1"].flat[:3]
    g["W1"].flat[0] += 30 * (g32["W1"].flat[0] - p.true["W1"].flat[0])
    assert float32_pattern(p, g, ["W1"]) is None  # sparse: most entries do not differ


def test_float32_is_not_claimed_on_fewer_significant_entries_than_the_minimum():
    p = pieces()
    g32 = float32_backward(p)
    assert p.true["b2"].size < MIN_ENTRIES
    assert float32_pattern(p, g32, ["b2"]) is None


def test_the_finding_names_the_wrong_parameters_or_is_none():
    p = pieces((8, 8), "sigmoid")
    g = float32_backward(p)
    found = precision_finding(p, g, ["W1", "W2"])
    assert found.ids == ("float32_precision",) and found.params == ("W1", "W2") and found.kind == "cause"
    assert found.text.endswith("(wrong: dW1, dW2)")
    fd = precision_finding(p, differences(p, 1e-5, "forward"), list(p.P))
    assert fd.ids == ("finite_difference_estimate",)
    assert precision_finding(p, {k: 2 * v for k, v in p.true.items()}, list(p.P)) is None


# ---------------------------------------------------------------- seeded noise across points

def test_residuals_are_the_added_and_the_relative_error_where_the_right_value_is_read():
    p = pieces()
    g = {k: v * 1.5 + 1e-3 for k, v in p.true.items()}
    out = residuals(p, g)
    assert sorted(out) == sorted(p.P)
    added, relative, sig = out["W1"]
    assert np.allclose(added, 0.5 * p.true["W1"] + 1e-3)
    assert np.array_equal(sig, p.significant(p.true["W1"]))
    assert np.allclose(relative[sig], g["W1"][sig] / p.true["W1"][sig] - 1) and np.all(relative[~sig] == 0)
    zero = pieces()
    zero.true["b2"][...] = 0.0  # a right value of 0: no relative error is read there, and no warning is raised
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        added, relative, sig = residuals(zero, {k: v + 1.0 for k, v in zero.true.items()})["b2"]
    assert not sig.any() and np.all(relative == 0) and np.all(added == 1.0)


def test_same_is_two_equal_error_vectors_of_both_signs():
    x = np.array([1e-3, -2e-3, 5e-4])
    assert _same(x, x.copy())
    assert _same(x, x * (1 + 1e-9))
    assert not _same(x, x * 1.5)
    assert not _same(np.abs(x), np.abs(x))  # one sign: a formula's offset could do that
    assert not _same(-np.abs(x), -np.abs(x))
    assert not _same(x[:1], x[:1])  # one number matches anything


def noisy(p: Pieces, e: dict, how: str) -> dict:
    return {k: p.true[k] + e[k] if how == "added" else p.true[k] * (1 + e[k]) for k in p.P}


@pytest.mark.parametrize("how, words", [("added", "added to"), ("relative", "multiplying")])
def test_the_same_noise_at_two_points_is_named_with_how_it_enters(how, words):
    a, b = pieces(seed=0), pieces(seed=4)
    rng = np.random.default_rng(9)
    e = {k: rng.uniform(-1e-3, 1e-3, v.shape) for k, v in a.P.items()}
    ra, rb = residuals(a, noisy(a, e, how)), residuals(b, noisy(b, e, how))
    ids, text = same_noise(ra, rb, ["W1", "W2"])
    assert ids == ("gradient_noise",) and words in text and "(wrong: dW1, dW2)" in text
    if how == "added":
        assert f"e of spread {np.std(np.concatenate([e['W1'].ravel(), e['W2'].ravel()])):.2g}" in text
    fresh = {k: rng.uniform(-1e-3, 1e-3, v.shape) for k, v in a.P.items()}
    assert same_noise(ra, residuals(b, noisy(b, fresh, how)), ["W1", "W2"]) is None


def test_no_noise_is_named_for_a_parameter_missing_at_a_point_or_of_another_shape():
    a, b = pieces(seed=0), pieces(seed=4)
    e = {k: np.random.default_rng(1).uniform(-1e-3, 1e-3, v.shape) for k, v in a.P.items()}
    ra, rb = residuals(a, noisy(a, e, "added")), residuals(b, noisy(b, e, "added"))
    assert same_noise(ra, {k: v for k, v in rb.items() if k != "W2"}, ["W1", "W2"]) is None
    wide = pieces((7,), seed=4)
    assert same_noise(ra, residuals(wide, wide.true), ["W1"]) is None
    assert same_noise(ra, rb, ["W1"])[0] == ("gradient_noise",)
