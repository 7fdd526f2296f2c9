"""The quadratic head (sigmoid output, half the squared error: Nielsen's network.py): Nielsen's own
backprop passes as the book writes it, its classic slip fails where it enters, and each oracle
writes the cost in its own words."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from oracles.shells.cli import main
from reference.heads import Head
from reference.model import Spec, backward, loss, random_params

NIELSEN = Path(__file__).parent.parent / "candidates" / "nielsen.py"
BOOK = ["--loss", "quadratic", "--reduction", "sum", "--activation", "sigmoid", "--convention", "deeplearning-ai"]


def _report(capsys, *argv):
    code = main([*BOOK, *argv, "--format", "json", "--quiet"])
    return code, json.loads(capsys.readouterr().out)


def test_nielsens_backprop_as_the_book_writes_it_passes_on_the_pima_data_and_under_fuzz(capsys):
    code, report = _report(capsys, "--candidate", f"{NIELSEN}:backward", "--fuzz", "20")
    assert code == 0 and report["passed"]
    assert report["spec"]["loss"] == "quadratic" and report["fuzz"]["passed"]


def test_the_cross_entropy_delta_kept_with_the_quadratic_cost_fails_at_every_parameter_and_point(capsys):
    code, report = _report(capsys, "--candidate", f"{NIELSEN}:backward_cross_entropy_delta", "--oracles", "torch,jax")
    assert code == 1 and not report["passed"]
    for point in report["points"]:  # sigmoid'(z2) missing: every gradient is scaled by 1/sigmoid'(z2) per row
        failing = {p["name"] for p in point["parameters"] if not all(c["passed"] for c in p["checks"].values())}
        assert failing == {"W1", "b1", "W2", "b2"}


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_the_quadratic_loss_and_its_gradient_are_nielsens_cost_and_its_backprop(reduction):
    """Independent of the head's code: the cost written out as the book defines it, and its gradient
    by the book's equations (BP1-BP4) for one hidden sigmoid layer."""
    spec = Spec((3, 4, 2), "sigmoid", "float64", "quadratic", reduction)
    params = random_params(spec, seed=5, scale=1.0)
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((6, 3)), rng.random((6, 2))
    a1 = _sigmoid(X @ params["W1"] + params["b1"])
    a2 = _sigmoid(a1 @ params["W2"] + params["b2"])
    n = 6 if reduction == "mean" else 1
    head = Head("quadratic", reduction)
    assert loss(params, X, y, "sigmoid", head) == pytest.approx(0.5 * np.sum((a2 - y) ** 2) / n, rel=1e-13)
    delta2 = (a2 - y) * a2 * (1 - a2) / n  # BP1
    delta1 = (delta2 @ params["W2"].T) * a1 * (1 - a1)  # BP2
    expected = {"W2": a1.T @ delta2, "b2": delta2.sum(0, keepdims=True), "W1": X.T @ delta1,
                "b1": delta1.sum(0, keepdims=True)}  # BP3, BP4
    got = backward(params, X, y, "sigmoid", head=head)
    for k in expected:
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["torch", "jax"])
def test_each_framework_writes_the_quadratic_head_in_its_own_words_and_agrees_with_the_reference(name):
    from oracles import registry

    spec = Spec((3, 5, 2), "tanh", "float64", "quadratic", "mean", 0.3, "reg")
    params = random_params(spec, seed=2, scale=1.0)
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((7, 3)), rng.random((7, 2))
    value, grads = registry.get(name).load()(spec, params, X, y)
    head = Head("quadratic", "mean", 0.3, "reg")
    assert value == pytest.approx(loss(params, X, y, "tanh", head), rel=1e-12)
    ours = backward(params, X, y, "tanh", head=head)
    for k in ours:
        np.testing.assert_allclose(grads[k], ours[k], rtol=1e-10, atol=1e-14)


def test_a_target_outside_a_sigmoids_range_is_refused_with_one_line_naming_the_file_and_line(tmp_path, capsys):
    data = tmp_path / "scores.csv"
    data.write_text("a,b,score\n0.1,0.2,0.5\n0.3,0.1,1.5\n")
    before = data.read_bytes()
    assert main(["--loss", "quadratic", "--data", str(data), "--target", "score", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(data) in err[0] and "[0, 1]" in err[0] and "line 3" in err[0]
    assert data.read_bytes() == before


def test_the_head_is_listed_by_the_loss_option_as_it_is_declared():
    from oracles import options

    assert "quadratic" in options.SETTINGS["loss"].choices
    assert Head("quadratic").output.name == "quadratic"
