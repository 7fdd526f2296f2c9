"""The classic mistakes of the softmax and mse heads, L2 and the layouts: each written as the courses
write it, killed by at least two checks, and diagnosed by its mistake id."""
from __future__ import annotations

import pytest

from oracles import registry
from oracles.candidate import handle_for
from oracles.harness import make_spec, run
from reference.data import load_csv

from test_conventions import courses
from test_data_heads import shared

ORACLES = registry.NAMES
IRIS = ("iris", "species", "softmax")
PIMA = ("diabetes", "Outcome", "bce")
PROGRESSION = ("diabetes_progression", "progression", "mse")

# function, data, convention, l2, the id a diagnosis must name where the candidate is wrong
MUTANTS = {
    "cs231n_bug_no_minus_one": (IRIS, "cs231n", 0.05, "softmax:no-minus-one"),
    "cs231n_bug_wrong_axis": (IRIS, "cs231n", 0.05, "softmax:wrong-axis"),
    "cs231n_bug_index_as_one_hot": (IRIS, "cs231n", 0.05, "labels:one-hot-vs-index"),
    "cs231n_bug_l2_no_2": (IRIS, "cs231n", 0.05, "l2:no-2"),
    "cs231n_bug_l2_on_biases": (IRIS, "cs231n", 0.05, "l2:on-biases"),
    "dlai_bug_l2_gradient_only": (PIMA, "deeplearning-ai", 0.7, "l2:missing-in-loss"),
    "mse_bug_half": (PROGRESSION, "lesson", 0.0, "mse:no-2"),
}
CORRECT = {
    "cs231n_two_layer_net": (IRIS, "cs231n", 0.05),
    "dlai_softmax_backward": (IRIS, "deeplearning-ai", 0.0),
    "mse_backward": (PROGRESSION, "lesson", 0.0),
}


def _report(name, where, convention, l2):
    file, target, loss = where
    data = load_csv(shared(file), target, loss)
    spec = make_spec(data, (16,), "relu", "float64", loss, "mean", l2, convention)
    return run(spec, data, handle_for(getattr(courses, name), isolate=False), ORACLES, convention=convention)


def _failed_checks(report) -> set:
    failed = set()
    for p in report.points:
        failed |= {(p.name, "loss")} if not p.loss_agrees.get("candidate", True) else set()
        failed |= {(p.name, o) for per in p.checks.values() for o, c in per.items() if not c.passed}
    return failed


@pytest.mark.parametrize("name", list(MUTANTS))
def test_each_head_mistake_is_killed_by_two_checks_and_named_by_its_id(name):
    where, convention, l2, mistake = MUTANTS[name]
    report = _report(name, where, convention, l2)
    assert len(_failed_checks(report)) >= 2, report.to_text()
    wrong = [p for p in report.points if not p.passed]
    assert wrong
    for p in wrong:
        named = {i for f in p.findings for i in f.ids}
        assert mistake in named, (p.name, named, report.to_text())


@pytest.mark.parametrize("name", list(CORRECT))
def test_correct_rewrites_in_each_convention_pass(name):
    where, convention, l2 = CORRECT[name]
    report = _report(name, where, convention, l2)
    assert report.passed, report.to_text()


def test_mse_at_half_the_oracle_is_named_the_half_convention_not_a_stray_factor():
    report = _report("mse_bug_half", PROGRESSION, "lesson", 0.0)
    named = {i for p in report.points for f in p.findings for i in f.ids}
    assert "mse:no-2" in named and "factor:1/2" not in named


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the candidate's own overflow, in-process, is the point
def test_softmax_without_the_max_shift_is_killed_on_saturated_logits_by_two_laws():
    from oracles.conventions import Conventional
    from oracles.isolation import InProcess
    from properties.laws import check_laws
    from properties.strategies import Problem

    candidate = Conventional(InProcess("no-max-shift", courses.cs231n_bug_no_max_shift), "cs231n", "softmax")
    saturated = Problem((4, 16, 3), "relu", "float64", 12, seed=1, scale=1.0, saturate=True, loss="softmax",
                        l2=0.05, l2_form="reg")
    violated = {v.law for v in check_laws(candidate, saturated, ["finite", "agreement"], oracles=("finite-differences",))}
    assert violated == {"finite", "agreement"}
    moderate = Problem((4, 16, 3), "relu", "float64", 12, seed=1, scale=1.0, loss="softmax", l2=0.05, l2_form="reg")
    assert not check_laws(candidate, moderate, ["finite", "agreement"], oracles=("finite-differences",))


def dlai_l2_without_its_2(parameters, X, Y):
    """lambd / (2m) * W added to dW where the cost's lambd / (2m) * sum(W ** 2) gives lambd / m * W."""
    cost, grads = courses.dlai_backward_with_regularization(parameters, X, Y)
    m = Y.shape[1]
    for key in [k for k in grads if k.startswith("dW")]:
        grads[key] = grads[key] - 0.7 / (2 * m) * parameters[key[1:]]
    return cost, grads


def test_an_l2_gradient_without_its_2_in_the_per_batch_lambd_form_is_named():
    # the deeplearning-ai form lambd / (2m) * sum(W ** 2) is the one whose coefficient depends on N
    file, target, loss = PIMA
    data = load_csv(shared(file), target, loss)
    spec = make_spec(data, (16,), "relu", "float64", loss, "mean", 0.7, "deeplearning-ai")
    report = run(spec, data, handle_for(dlai_l2_without_its_2, isolate=False), ("torch",), convention="deeplearning-ai")
    wrong = [p for p in report.points if not p.passed]
    assert wrong
    for p in wrong:
        assert "l2:no-2" in {i for f in p.findings for i in f.ids}, report.to_text()
