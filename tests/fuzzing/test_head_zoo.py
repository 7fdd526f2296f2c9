"""The bug zoo for the other heads and layouts: each head's mutants killed by at least two checks and
diagnosed by their own mistake ids, each head's correct rewrites (in every convention) passing; the
CLI's selection; the non-finite hint and the non-finite loss per head."""
from __future__ import annotations

import json

import numpy as np
import pytest

from oracles.shells.cli import main
from properties import head_catalogue
from properties.zoo import MIN_KILLS, entries, run_zoo
from reference.data import load_csv

from test_data_heads import shared

HEADS = {"softmax": ("iris", "species"), "mse": ("diabetes_progression", "progression"), "bce": ("diabetes", "Outcome")}


@pytest.fixture(scope="module")
def zoos():
    """One zoo per head: every entry written for it, in its own convention, L2 and reduction."""
    out = {}
    for loss, (file, target) in HEADS.items():
        data = load_csv(shared(file), target, loss)
        mutants = [e for e in head_catalogue.MUTANTS if e.loss == loss]
        correct = [e for e in head_catalogue.CORRECT if e.loss == loss]
        out[loss] = run_zoo(data, mutants=mutants, correct=correct)
    return out


def test_every_head_and_convention_has_mutants_and_correct_rewrites():
    for loss in HEADS:
        assert [e for e in head_catalogue.MUTANTS if e.loss == loss]
        assert [e for e in head_catalogue.CORRECT if e.loss == loss]
    conventions = {e.convention for e in head_catalogue.CORRECT}
    assert conventions == {"lesson", "cs231n", "deeplearning-ai", "torch"}
    assert {e.reduction for e in head_catalogue.CORRECT} == {"mean", "sum"}
    ids = {i for e in head_catalogue.MUTANTS for i in e.mistakes}
    assert {"softmax:no-minus-one", "softmax:wrong-axis", "labels:one-hot-vs-index", "l2:no-2", "l2:on-biases",
            "l2:missing-in-loss", "mse:no-2", "contract:shape", "contract:non-finite"} <= ids


@pytest.mark.parametrize("name", [e.name for e in head_catalogue.MUTANTS])
def test_each_head_mutant_is_killed_by_two_checks_and_diagnosed_by_its_own_ids(zoos, name):
    entry = next(e for e in head_catalogue.MUTANTS if e.name == name)
    outcome = next(m for m in zoos[entry.loss].mutants if m.name == name)
    assert len(outcome.killed_by) >= MIN_KILLS, (outcome.killed_by, outcome.diagnosis)
    assert outcome.diagnosis_right, (entry.mistakes, outcome.named, outcome.diagnosis)


@pytest.mark.parametrize("name", [e.name for e in head_catalogue.CORRECT])
def test_each_heads_correct_rewrites_pass_every_check(zoos, name):
    entry = next(e for e in head_catalogue.CORRECT if e.name == name)
    outcome = next(c for c in zoos[entry.loss].correct if c.name == name)
    assert outcome.passed, (outcome.killed_by, outcome.diagnosis)


def test_the_matrix_names_each_entrys_head_and_layout(zoos):
    report = zoos["softmax"].to_dict()
    assert report["passed"] is True
    assert "cs231n-no-minus-one (softmax cs231n reg=0.05)" in report["matrix_text"]
    assert {m["setting"] for m in report["mutants"]} >= {"softmax cs231n reg=0.05", "softmax deeplearning-ai"}


def test_the_zoo_picks_its_entries_from_the_head_flags():
    from properties import catalogue

    assert entries() == (catalogue.MUTANTS, catalogue.CORRECT)  # the lesson's, as before
    mutants, correct = entries("softmax")
    assert {e.loss for e in mutants + correct} == {"softmax"} and len({e.convention for e in correct}) >= 3
    mutants, correct = entries("softmax", "deeplearning-ai")
    assert mutants and {e.convention for e in mutants + correct} == {"deeplearning-ai"}
    mutants, correct = entries("bce", reduction="sum")
    assert [e.name for e in correct] == ["per-example"] and [e.name for e in mutants] == ["per-example-averaged"]
    assert all(e.l2 > 0 for e in sum(entries("mse", l2=0.1), []))


def test_bug_zoo_without_entries_for_the_flags_is_one_line_exit_2(capsys):
    code = main(["--bug-zoo", "--convention", "cs231n", "--data", str(shared("diabetes"))])
    err = capsys.readouterr().err
    assert code == 2 and "--bug-zoo has no entries written for --loss bce" in err and len(err.splitlines()) == 1


def test_bug_zoo_from_the_cli_in_a_convention_gives_the_kill_matrix(capsys):
    code = main(["--bug-zoo", "--convention", "deeplearning-ai", "--data", str(shared("diabetes")), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report["bug_zoo"]["matrix_text"]
    zoo = report["bug_zoo"]
    assert {m["name"] for m in zoo["mutants"]} == {"dlai-l2-gradient-only", "dlai-bias-wrong-axis"}
    assert all(len(m["killed_by"]) >= 2 and m["diagnosis_right"] for m in zoo["mutants"])
    assert {c["name"] for c in zoo["correct"]} == {"dlai-backward", "dlai-backward-l2"}


# ---------------------------------------------------------------- non-finite values, per head

def _prepared(loss, saturate=True, sizes=(4, 8, 3), l2=0.0, l2_form="weight_decay"):
    from oracles.harness import Point, prepare
    from properties.strategies import Problem

    problem = Problem(sizes if loss != "bce" else sizes[:-1] + (1,), "relu", "float64", 12, seed=1, scale=1.0,
                      saturate=saturate, loss=loss, l2=l2, l2_form=l2_form)
    params, X, y = problem.arrays()
    return problem, prepare(problem.spec, Point("p", params, problem.describe()), X, y, ("torch",))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_non_finite_hint_names_the_softmax_max_shift_not_a_sigmoid():
    from oracles.conventions import Conventional
    from oracles.harness import evaluate, judge
    from oracles.isolation import InProcess

    _, point = _prepared("softmax", l2=0.05, l2_form="reg")
    candidate = Conventional(InProcess("no-max-shift", head_catalogue.cs231n_no_max_shift), "cs231n", "softmax")
    result = judge(point, *evaluate(point, candidate, repeat=False))
    assert not result.passed
    assert "softmax without subtracting the row max" in result.violation and "sigmoid" not in result.violation
    candidate.speak(result)  # as run() does: the non-finite entry named in the candidate's layout
    assert "db2 holds 1 non-finite value, first at b2[1]" in result.violation


def test_the_non_finite_hint_keeps_the_sigmoid_for_bce_and_says_nothing_of_saturation_for_mse():
    from oracles.harness import saturation_hint

    assert "sigmoid saturates" in saturation_hint(_prepared("bce")[1])
    assert saturation_hint(_prepared("mse", sizes=(4, 8, 2))[1]) == ""
    assert saturation_hint(_prepared("softmax", saturate=False)[1]) == ""


def _cs231n_style(params, X, y):
    """CS231n's loss -log(probs[range(N), y]), and the exact gradient from probs - onehot."""
    grads = head_catalogue.cs231n_two_layer_net(params, X, y)[1]
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    scores = np.maximum(0, X @ W1 + b1) @ W2 + b2
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        loss = -np.sum(np.log(probs[np.arange(X.shape[0]), y])) / X.shape[0]
    return loss + 0.05 * (np.sum(W1 * W1) + np.sum(W2 * W2)), grads


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_an_infinite_log_probs_loss_on_saturated_logits_is_a_note_when_the_gradients_are_right():
    from oracles.conventions import Conventional
    from oracles.harness import evaluate, judge
    from oracles.isolation import InProcess
    from properties.laws import check_laws

    problem, point = _prepared("softmax", l2=0.05, l2_form="reg")
    candidate = Conventional(InProcess("cs231n", _cs231n_style), "cs231n", "softmax")
    first, second = evaluate(point, candidate)
    assert first.returned["loss"]["float"] == np.inf  # the canonical loss is finite here
    result = judge(point, first, second)
    assert result.passed, result.verdict_lines()
    assert any("non-finite loss (inf)" in n and "underflows" in n for n in result.notes)
    assert not check_laws(candidate, problem)  # every law, agreement included


def test_an_infinite_loss_where_no_probability_rounds_to_0_fails_with_a_clear_message():
    from oracles.conventions import Conventional
    from oracles.harness import evaluate, judge
    from oracles.isolation import InProcess

    def inf_loss(params, X, y):
        return float("inf"), head_catalogue.cs231n_two_layer_net(params, X, y)[1]

    _, point = _prepared("softmax", saturate=False, l2=0.05, l2_form="reg")
    result = judge(point, *evaluate(point, Conventional(InProcess("inf", inf_loss), "cs231n", "softmax")))
    assert not result.passed
    assert "non-finite loss (inf) where the canonical loss is" in result.violation
    assert "no probability is near 0 or 1" in result.violation
