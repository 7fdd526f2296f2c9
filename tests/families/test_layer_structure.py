"""Finite differences of a layer spend evaluations by the kind's declared structure (one per entry
of an array the layer is linear in, two of one it is smooth in), only for a forward that is the
layer, and search again in full wherever a shortcut difference disagrees with a gradient it should
equal (oracles.families.layers.structure, oracles.families.forward.judge.search).

The stub sides below evaluate a known function in this process: what the forward's worker does,
without a worker."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oracles import check_layer, policy
from oracles.compare import compare
from oracles.families.forward.judge import LINEAR, SCREENED, SEARCHED, SMOOTH, differences, summary, verify
from oracles.families.layers.kinds import KINDS
from oracles.families.layers.structure import declared

CASES = Path(__file__).resolve().parent.parent / "candidates" / "layers"
FD_TOL = policy.tolerance("finite-differences", "float64")


class Stub:
    """A forward side for ``loss(w)`` of one param ``w``: :meth:`losses` as the worker answers it."""

    limit = 30.0
    last_seconds = 1e-4

    def __init__(self, loss):
        self.loss, self.calls = loss, 0

    def losses(self, params, inputs, perturb, base=0, extended=False):
        w = np.asarray(params["w"], dtype=np.float64)
        out = [self.loss(w)] * base
        for _, index, values in perturb:
            for i, v in zip(np.asarray(index).tolist(), np.asarray(values).tolist()):
                moved = w.copy().reshape(-1)
                moved[i] = v
                out.append(self.loss(moved.reshape(w.shape)))
        self.calls += base + sum(len(index) for _, index, _ in perturb)
        return np.asarray(out, dtype=np.float64)


RNG = np.random.default_rng(3)
W0 = RNG.standard_normal(12)
A = RNG.standard_normal(12)  # the layer's gradient at W0: the linear part


def test_a_linear_array_is_differenced_once_per_entry_and_exactly():
    side = Stub(lambda w: float(A @ w) + 1e6)  # a large constant: rounding is the only error
    found = differences(side, {"w": W0}, {}, structure={"w": LINEAR})
    assert side.calls == 2 + W0.size  # the point twice (determinism), then one evaluation per entry
    assert found.evaluations == {"w": W0.size}
    assert compare("dw", "fd", A, found.central["w"], FD_TOL).passed
    assert not found.kinks["w"].mask.any()


def test_a_smooth_array_is_differenced_twice_per_entry():
    side = Stub(lambda w: float(np.sum(np.tanh(w) * A)))
    found = differences(side, {"w": W0}, {}, structure={"w": SMOOTH})
    assert side.calls == 2 + 2 * W0.size
    assert compare("dw", "fd", A / np.cosh(W0) ** 2, found.central["w"], FD_TOL).passed


def test_without_a_structure_every_entry_costs_four_evaluations_as_before():
    side = Stub(lambda w: float(A @ w))
    found = differences(side, {"w": W0}, {})
    assert side.calls == 2 + 4 * W0.size and found.evaluations == {"w": 4 * W0.size}


def test_the_linear_step_keeps_rounding_inside_the_tolerance_where_the_default_step_would_not():
    """An exactly linear loss with a constant of 1e7 (a large layer's sum(out * dout)): one-sided at
    policy.fd_linear_step it is within the finite-difference tolerance; at the central step the
    same one-sided difference is not (rounding eps * 1e7 / h)."""
    loss = lambda w: float(A @ w) + 1e7  # noqa: E731
    at_linear = Stub(loss)
    found = differences(at_linear, {"w": W0}, {}, structure={"w": LINEAR})
    assert compare("dw", "fd", A, found.central["w"], FD_TOL).passed
    h = (W0 + policy.fd_step(W0)) - W0
    naive = np.array([(loss(W0 + h[i] * np.eye(W0.size)[i]) - loss(W0)) / h[i] for i in range(W0.size)])
    assert not compare("dw", "fd", A, naive, FD_TOL).passed


@pytest.mark.parametrize("structure", [LINEAR, SMOOTH])
def test_a_hidden_kink_at_the_point_is_searched_and_found(structure):
    """The layer's value at W0 and a kink there (slope A on one side, A + 0.5 on the other): the
    shortcut difference is off the layer's gradient, the entry is searched again in full, and the
    kink's interval is what a gradient is held to."""
    side = Stub(lambda w: float(A @ w + 0.5 * np.maximum(w - W0, 0.0).sum()))
    found = differences(side, {"w": W0}, {}, structure={"w": structure})
    assert not compare("dw", "fd", A, found.central["w"], FD_TOL).passed  # the shortcut alone: off the layer
    searched = verify(side, {"w": W0}, {}, found, [{"w": A}], FD_TOL)
    assert searched == W0.size and found.searched["w"].all()
    kinks = found.kinks["w"]
    assert kinks.mask.all()
    assert np.all(kinks.lo <= A + 1e-7) and np.all(kinks.hi >= A + 0.5 - 1e-7)  # both sides' slopes inside
    assert not compare("dw", "fd", A + 2.0, found.central["w"], FD_TOL, subgradient=kinks).passed


def test_a_hidden_curvature_under_a_linear_declaration_is_searched_and_the_central_value_kept():
    """The layer's value and gradient at W0 plus 40 (w - W0)^2: not linear; the one-sided difference
    at the linear step is off by 40 h_lin, the full search's central difference is exact for it."""
    side = Stub(lambda w: float(A @ w + 40.0 * np.sum((w - W0) ** 2)))
    found = differences(side, {"w": W0}, {}, structure={"w": LINEAR})
    off = np.abs(found.central["w"] - A)
    assert np.all(off > 100 * FD_TOL.bound(A))
    assert verify(side, {"w": W0}, {}, found, [{"w": A}], FD_TOL) == W0.size
    assert compare("dw", "fd", A, found.central["w"], FD_TOL).passed and not found.kinks["w"].mask.any()


def test_entries_that_agree_are_not_searched_again_and_a_disagreeing_gradient_searches_its_entries():
    side = Stub(lambda w: float(A @ w))
    found = differences(side, {"w": W0}, {}, structure={"w": LINEAR})
    assert verify(side, {"w": W0}, {}, found, [{"w": A}], FD_TOL) == 0
    wrong = A.copy()
    wrong[[2, 7]] += 1.0  # a backward wrong at two entries
    before = side.calls
    assert verify(side, {"w": W0}, {}, found, [{"w": wrong}, {"w": A}], FD_TOL) == 2
    assert side.calls - before == 2 * 4  # the full search's four evaluations, at those two entries only
    assert found.searched["w"].tolist() == [i in (2, 7) for i in range(W0.size)]



def test_the_summary_says_each_arrays_way_evaluations_and_entries_searched_again_under_the_reports_name():
    """After a backward wrong at two entries of a linear array: the report names it as the layer calls
    it, differenced as linear, the forward evaluations spent on it counted by the stub side itself (all
    but the point's two),
    and 2 entries searched again; an array with no declaration is searched, none of it again."""
    side = Stub(lambda w: float(A @ w))
    found = differences(side, {"w": W0}, {}, structure={"w": LINEAR})
    wrong = A.copy()
    wrong[[2, 7]] += 1.0
    assert verify(side, {"w": W0}, {}, found, [{"w": wrong}], FD_TOL) == 2
    assert summary(found, {"w": "weight"}) == {
        "weight": {"as": LINEAR, "evaluations": side.calls - 2, "searched_again": 2}}  # less the point's 2
    assert side.calls - 2 >= W0.size + 2 * 4  # one per entry at least, and the two searches' four each

    plain = Stub(lambda w: float(A @ w))
    searched = differences(plain, {"w": W0}, {}, structure={})
    assert summary(searched) == {"w": {"as": SEARCHED, "evaluations": plain.calls - 2, "searched_again": 0}}

# the arrays each kind's mathematics makes linear (sum(out * dout) with the others held), written out
# here from the layers' formulas rather than read from the kinds; every other array is screened
EXPECTED = {
    "affine": dict.fromkeys(("x", "w", "b"), LINEAR),
    "conv": dict.fromkeys(("x", "w", "b"), LINEAR),
    "temporal_affine": dict.fromkeys(("x", "w", "b"), LINEAR),
    "avg_pool": {"x": LINEAR},
    "embedding": {"W": LINEAR},
    "batchnorm": {"x": SCREENED, "gamma": LINEAR, "beta": LINEAR},
    "spatial_batchnorm": {"x": SCREENED, "gamma": LINEAR, "beta": LINEAR},
    "layernorm": {"x": SCREENED, "gamma": LINEAR, "beta": LINEAR},
    "sigmoid": {"x": SCREENED}, "tanh": {"x": SCREENED}, "softmax_loss": {"x": SCREENED},
    "temporal_softmax_loss": {"x": SCREENED},
    "rnn_step": dict.fromkeys(("x", "prev_h", "Wx", "Wh", "b"), SCREENED),
    "lstm_step": dict.fromkeys(("x", "prev_h", "prev_c", "Wx", "Wh", "b"), SCREENED),
    "rnn": dict.fromkeys(("x", "h0", "Wx", "Wh", "b"), SCREENED),
    "lstm": dict.fromkeys(("x", "h0", "Wx", "Wh", "b"), SCREENED),
    # kinked (ReLU, max, hinge): screened too; a mask read from the forward's own output: no shortcut
    "relu": {"x": SCREENED}, "leaky_relu": {"x": SCREENED}, "max_pool": {"x": SCREENED}, "svm_loss": {"x": SCREENED},
    "dropout": {},
}


def test_each_kind_declares_the_structure_its_formula_has():
    assert set(EXPECTED) == set(KINDS)
    for name, kind in KINDS.items():
        assert declared(kind) == EXPECTED[name], name
        assert declared(kind, the_layer=False) == {k: SCREENED for k in EXPECTED[name]}, name  # nothing linear


def test_a_forward_that_is_not_the_layer_gets_no_linear_shortcut_only_the_screen_and_the_search():
    """conv followed by a ReLU, given as the conv layer: torch and JAX say it is not the layer, so
    nothing the conv layer's formula promises is used for it: every array is screened, and the
    entries the conv's gradients disagree with are searched in full."""
    report = check_layer("conv", f"{CASES / 'conv.py'}:conv_forward_relu", f"{CASES / 'conv.py'}:conv_backward_naive")
    assert not report.passed
    for p in report.points:
        assert p.not_the_layer
        assert {k: v["as"] for k, v in p.differenced.items()} == dict.fromkeys(("x", "w", "b"), SCREENED)
        assert all(v["searched_again"] > 0 for v in p.differenced.values())
        for k, v in p.differenced.items():
            assert v["evaluations"] >= np.prod(p.shapes[f"d{k}"][0]) + 4 * v["searched_again"]
