"""Head options everywhere: ``oracles.fuzz`` takes loss, reduction, l2 and convention like ``check``;
reports name entries as the candidate wrote them; the summed loss's tolerance unit."""
from __future__ import annotations

import numpy as np
import pytest

import oracles
from oracles.conventions import Conventional
from oracles.harness import make_spec, run
from oracles.isolation import InProcess
from properties import head_catalogue
from reference.data import load_csv

from test_data_heads import shared

FD = ("finite-differences",)


# ---------------------------------------------------------------- oracles.fuzz with a head

def test_fuzz_keeps_the_head_and_speaks_the_convention():
    result = oracles.fuzz(head_catalogue.cs231n_two_layer_net, 8, data=str(shared("iris")), loss="softmax", l2=0.05,
                          convention="cs231n", oracles=FD, progress=False, isolate=False)
    assert result.passed, result.summary()


def test_fuzz_with_a_head_finds_that_heads_mistake_and_its_repro_names_the_convention():
    result = oracles.fuzz(head_catalogue.cs231n_l2_no_2, 20, data=str(shared("iris")), loss="softmax", l2=0.05,
                          convention="cs231n", oracles=FD, progress=False, isolate=False)
    assert not result.passed
    c = result.counterexample
    assert "loss=softmax" in c["problem"] and "l2=0.05" in c["problem"] and "l2_form=reg" in c["problem"]
    assert "--convention cs231n" in c["repro"]


def test_fuzz_of_a_summed_per_example_backward_needs_reduction_sum():
    kwargs = dict(data=str(shared("diabetes")), oracles=FD, progress=False, isolate=False)
    assert oracles.fuzz(head_catalogue.per_example, 6, reduction="sum", **kwargs).passed
    assert not oracles.fuzz(head_catalogue.per_example, 6, **kwargs).passed


def test_fuzz_validates_the_head_options_like_check():
    with pytest.raises(ValueError, match="convention"):
        oracles.fuzz(head_catalogue.per_example, 5, convention="keras", progress=False)
    with pytest.raises(ValueError, match="l2"):
        oracles.fuzz(head_catalogue.per_example, 5, l2=-1, progress=False)


# ---------------------------------------------------------------- entries named as written

def _one_entry_wrong(parameters, X, Y):
    """deeplearning.ai's backward with one entry of dW1 (out, in) doubled: dW1[0, 2]."""
    cost, grads = head_catalogue.dlai_backward(parameters, X, Y)
    grads["dW1"] = grads["dW1"].copy()
    grads["dW1"][0, 2] *= 2
    return cost, grads


def test_a_report_names_the_wrong_entry_as_the_candidate_wrote_it():
    data = load_csv(shared("diabetes"), "Outcome", "bce")
    spec = make_spec(data, (16,), "relu", "float64", "bce", "mean", 0.0, "deeplearning-ai")
    report = run(spec, data, InProcess("one-entry", _one_entry_wrong), ("finite-differences", "torch"),
                 convention="deeplearning-ai")
    text = report.to_text(width=200)
    assert "finite-differences vs candidate: dW1[0, 2]:" in text  # canonical W1[2, 0]
    assert "W1[2, 0]" not in text
    rows = report.points[0].rows()
    assert {r[0] for r in rows} == {"dW1", "db1", "dW2", "db2"}
    assert any(r[5].startswith("db1[") and r[5].endswith(", 0]") for r in rows)  # b (out, 1)
    params = report.to_dict()["points"][0]["parameters"]
    w1 = next(p for p in params if p["name"] == "W1")
    assert w1["as_written"] == {"name": "dW1", "shape": [16, 8]} and w1["checks"]["torch"]["as_written"] == "dW1[0, 2]"


@pytest.mark.parametrize("convention, key, index, written", [
    ("torch", "W1", [3, 1], "W1[1, 3]"), ("torch", "b2", [0, 4], "b2[4]"), ("cs231n", "W2", [3, 1], "W2[3, 1]"),
    ("cs231n", "b1", [0, 2], "b1[2]"), ("deeplearning-ai", "b1", [0, 2], "b1[2, 0]")])
def test_each_convention_names_a_canonical_entry_in_its_own_layout(convention, key, index, written):
    assert Conventional(None, convention).written(key, index) == written


def test_fuzz_law_messages_name_the_entry_as_written():
    from properties.laws import check_laws
    from properties.strategies import Problem

    def wrong(parameters, X, Y):
        cost, grads = head_catalogue.dlai_backward(parameters, X, Y)
        return cost, dict(grads, dW1=grads["dW1"] * 3)

    problem = Problem((3, 4, 1), "relu", "float64", 9, seed=2, scale=1.0)
    v = check_laws(Conventional(InProcess("x3", wrong), "deeplearning-ai"), problem, ["agreement"], FD)
    assert v and "dW1[" in str(v[0])


# ---------------------------------------------------------------- the summed loss's tolerance unit

def test_a_summed_loss_counts_atol_on_the_means_scale_in_the_sums_units():
    from oracles import policy

    mean, summed = policy.tolerance("torch", "float64"), policy.tolerance("torch", "float64", unit=256)
    assert summed.atol == mean.atol and summed.rtol == mean.rtol and summed.unit == 256
    o = np.full(3, 0.5)  # the mean's gradient 0.5 / 256 each: the scale is N, not N x max(1, |o|)
    assert policy.gradient_scale(o, 256) == 256 and policy.gradient_scale(o * 1000, 256) == 500
    # a gradient summed over N = 256 rows is held exactly as its mean would be, entry by entry
    g = np.array([1e-3, 0.2, -3.0])
    err = np.array([1.5e-10, 0.0, 0.0])
    assert mean.close_array(g + err, g).all() == summed.close_array(256 * (g + err), 256 * g).all()
    err = np.array([5e-10, 0.0, 0.0])
    assert not mean.close_array(g + err, g).all() and not summed.close_array(256 * (g + err), 256 * g).all()


def test_the_diagnosis_does_not_crash_where_the_kink_slopes_differences_underflow():
    # held-out find: a summed softmax problem with exact kinks, a backward x(1 + 1e-3): the slope fit
    # at the kinks divided by |d|^2 = 0 (differences whose squares underflow) and the judge crashed
    from oracles.candidate import InProcess
    from properties.laws import check_laws
    from properties.strategies import Problem
    from reference.model import backward

    problem = Problem((1, 16, 16, 22, 2), "relu", "float64", 30, seed=39916799, scale=5.021565115720249,
                      labels="ones", kink="on", loss="softmax", reduction="sum", l2=0.7)

    def scaled(params, X, y):
        return {k: v * (1 + 1e-3) for k, v in backward(params, X, y, "relu", head=problem.spec.head).items()}

    violations = check_laws(InProcess("x1.001", scaled), problem, ["agreement"])
    assert [v.law for v in violations] == ["agreement"]


def test_the_l2_bound_is_where_the_steepest_l2_gradient_reaches_the_policys_ratio_to_the_data_term(real):
    # docs/heads-and-conventions.md: at the lesson's init the L2 gradient of CS231n's reg (2 reg W)
    # is L2_DATA_RATIO times the data term's at reg = L2_DATA_RATIO * min ||dW|| / ||W|| / 2, rounded down
    import numpy as np
    from oracles import options, policy
    from oracles.harness import lesson_point, make_spec
    from reference.model import backward

    spec = make_spec(real, (16,))
    point = lesson_point(spec)
    g = backward(point.params, real.X, real.y)
    smallest = min(np.linalg.norm(g[k]) / np.linalg.norm(point.params[k]) for k in ("W1", "W2"))
    assert np.floor(policy.L2_DATA_RATIO * smallest / 2) == policy.MAX_L2 == options.MAX_L2
    assert policy.L2_DATA_RATIO == 1 / policy.tolerance("torch", "float32").rtol


@pytest.mark.parametrize("value", [8.0000001, 9, "1e11", 1e11])
def test_an_l2_beyond_the_bound_is_one_value_error_in_the_api_and_the_plugins_options(value):
    from oracles import options

    with pytest.raises(ValueError, match=r"l2 takes a number from 0 to 8, got .*drowns the data term"):
        options.l2(value, "l2")
    with pytest.raises(ValueError, match="l2 takes a number from 0 to 8"):
        oracles.check(lambda p, X, y: None, l2=value)


def test_an_l2_at_the_bound_is_accepted():
    from oracles import options

    assert options.l2("8", "--l2") == 8.0 and options.l2(0, "l2") == 0.0


def test_a_replay_line_with_an_l2_beyond_the_bound_is_refused():
    from properties.strategies import Problem

    with pytest.raises(ValueError, match="--replay l2 takes a number from 0 to 8"):
        Problem.parse("sizes=2,3,1 activation=relu dtype=float64 N=4 seed=0 scale=1.0 l2=1e11")
