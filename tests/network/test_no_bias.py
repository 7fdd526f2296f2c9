"""Networks without biases (``--no-bias``, ``bias=False``, ``backprop_bias``): params W1, ..., WL only,
as six public warm-up notebooks write them (``z1 = X @ W1; a1 = relu(z1); z2 = a1 @ W2``)."""
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from helpers import assert_agrees
from test_pytest_plugin import FD_ONLY, QUIET, warm_frameworks  # noqa: F401 (torch and jax before pytester)
from oracles import options
from oracles.autograd_oracle import autograd_oracle
from oracles.finite_differences import fd_gradients
from oracles.jax_oracle import jax_oracle
from oracles.kinks import subgradients
from oracles.shells.cli import main
from oracles.torch_oracle import torch_oracle
from properties.strategies import Problem, problems, specs
from reference.model import Spec, backward, forward, init_params

CANDIDATES = Path(__file__).parent.parent / "candidates"
NO_BIAS = CANDIDATES / "no_bias.py"
LESSON = CANDIDATES / "lesson.py"
pytest_plugins = ["pytester"]


def run_json(capsys, *argv):
    code = main(["--format", "json", "--quiet", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def violations(report) -> list:
    return [p["violation"] for p in report["points"]]


# ---------------------------------------------------------------- the reference and the spec

def test_a_spec_without_biases_has_only_weights_in_its_shapes_and_its_init():
    spec = Spec((8, 16, 1), bias=False)
    assert spec.shapes() == {"W1": (8, 16), "W2": (16, 1)}
    assert sorted(init_params(spec)) == ["W1", "W2"]
    assert spec.to_dict()["bias"] is False and "bias" not in Spec().to_dict()


def test_a_spec_refuses_a_bias_that_is_not_true_or_false():
    with pytest.raises(TypeError, match="bias must be True or False"):
        Spec((2, 3, 1), bias="no")


def test_the_reference_backward_without_biases_is_the_warm_up_formula():
    """dW2 = a1.T @ dz2 and dW1 = X.T @ (dz2 @ W2.T * (z1 > 0)), written here from the warm-up's lines."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((9, 4)), (rng.random((9, 1)) < 0.5).astype(float)
    W1, W2 = rng.standard_normal((4, 5)), rng.standard_normal((5, 1))
    grads = backward({"W1": W1, "W2": W2}, X, y)
    z1 = X @ W1
    dz2 = (1 / (1 + np.exp(-np.maximum(z1, 0) @ W2)) - y) / 9
    assert sorted(grads) == ["W1", "W2"]
    np.testing.assert_allclose(grads["W2"], np.maximum(z1, 0).T @ dz2, rtol=1e-12)
    np.testing.assert_allclose(grads["W1"], X.T @ ((dz2 @ W2.T) * (z1 > 0)), rtol=1e-12)


# ---------------------------------------------------------------- the oracles, against a closed form

def _closed_form(loss, X, y, W):
    """The gradient of a one-layer network without bias, ``z = X @ W``, from each head's formula."""
    N, z = X.shape[0], X @ W
    if loss == "bce":
        dz = (1 / (1 + np.exp(-z)) - y) / N
    elif loss == "mse":
        dz = 2 * (z - y) / (N * z.shape[1])
    else:
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        dz = (p - np.eye(z.shape[1])[y.reshape(-1)]) / N
    return {"W1": X.T @ dz}


@pytest.mark.parametrize("loss, C", [("bce", 1), ("mse", 2), ("softmax", 3)])
def test_every_oracle_gives_the_closed_form_gradient_of_one_layer_without_bias(loss, C):
    rng = np.random.default_rng(11)
    N, D = 13, 4
    spec = Spec((D, C), loss=loss, bias=False)
    X = rng.standard_normal((N, D))
    y = (rng.integers(0, C, N) if loss == "softmax" else
         rng.standard_normal((N, C)) if loss == "mse" else (rng.random((N, 1)) < 0.5).astype(float))
    params = {"W1": rng.standard_normal((D, C))}
    exact = _closed_form(loss, X, y, params["W1"])
    targets = spec.head.targets(y, "float64")
    for name, grads in (("torch", torch_oracle(spec, params, X, targets)[1]),
                        ("jax", jax_oracle(spec, params, X, targets)[1]),
                        ("autograd", autograd_oracle(spec, params, X, targets)[1]),
                        ("finite-differences", fd_gradients(spec, params, X, targets).grads)):
        assert sorted(grads) == ["W1"], name
        assert_agrees(grads, exact, name, against=name)


@pytest.mark.parametrize("kink", ["none", "on"])
def test_the_framework_oracles_agree_with_finite_differences_on_a_two_layer_network_without_biases(kink):
    problem = Problem((3, 5, 4, 1), "relu", "float64", 17, 5, 1.0, kink=kink, bias=False)
    params, X, y = problem.arrays()
    fd = fd_gradients(problem.spec, params, X, y)
    intervals = subgradients(problem.spec, params, X, y)
    assert sorted(fd.grads) == ["W1", "W2", "W3"]
    for name, oracle in (("torch", torch_oracle), ("jax", jax_oracle), ("autograd", autograd_oracle)):
        _, grads = oracle(problem.spec, params, X, y)
        assert sorted(grads) == ["W1", "W2", "W3"]
        assert_agrees(grads, fd.grads, "finite-differences", against=name, near_kink=fd.near_kink, intervals=intervals)


# ---------------------------------------------------------------- drawn problems

@settings(max_examples=40, deadline=None)
@given(problems(specs(max_width=6, max_inputs=5, biases=(False,)), max_n=12))
def test_problems_drawn_without_biases_have_no_bias_and_no_saturation(problem):
    params, _, _ = problem.arrays()
    assert all(k.startswith("W") for k in params) and not problem.saturate


@pytest.mark.parametrize("D", [1, 3])
def test_a_kink_drawn_without_biases_puts_z1_exactly_at_0_where_a_gradient_sees_it(D):
    """Without b1 the kink is W1[0, 0] = 0 with X[0] = (1, 0, ...): z1[0, 0] = 0 exactly, and the
    subgradient interval of dW1 is not a point (a zero row of X would hide every kink it made)."""
    problem = Problem((D, 4, 1), "relu", "float64", 6, 2, 1.0, kink="on", bias=False)
    params, X, y = problem.arrays()
    _, cache = forward(params, X)
    assert cache["z1"][0, 0] == 0.0 and problem.has_kink
    assert subgradients(problem.spec, params, X, y).get("W1").mask.any()


@pytest.mark.parametrize("D", [1, 3])
def test_a_near_kink_drawn_without_biases_leaves_the_loss_smooth_enough_to_descend(D):
    """A weight near 0 would put a whole unit near its kink on every row when D = 1 (no bias to
    move it), and no rate would descend; the near kink is row 0's alone (a fuzz once shrank to this)."""
    from oracles.candidate import reference_candidate
    from properties.laws import descent

    problem = Problem((D, 1, 1), "relu", "float64", 109, 1, 1.0, kink="near", bias=False)
    _, cache = forward(*problem.arrays()[:2])
    assert 0 < abs(cache["z1"][0, 0]) <= 1e-9 * D and np.all(np.abs(cache["z1"][1:]) > 1e-6)
    assert descent(reference_candidate("relu"), problem) is None


def test_a_problem_without_biases_replays_from_its_line():
    problem = Problem((3, 4, 1), "relu", "float64", 6, 2, 1.0, kink="near", bias=False)
    line = problem.describe()
    assert "bias=0" in line and Problem.parse(line) == problem
    with pytest.raises(ValueError, match="saturate=1 goes with biases"):
        Problem.parse(line.replace("saturate=0", "saturate=1"))


# ---------------------------------------------------------------- compare-frameworks --no-bias

def test_a_correct_bias_free_backward_passes_on_the_real_pima_data(capsys):
    code, report, _ = run_json(capsys, "--no-bias", "--candidate", f"{NO_BIAS}:backward")
    assert code == 0 and report["passed"] is True
    assert report["spec"]["bias"] is False and report["data"]["rows"] == 768
    for point in report["points"]:
        assert [row["name"] for row in point["parameters"]] == ["W1", "W2"]
        assert all(set(row["checks"]) == {"finite-differences", "torch", "jax"} for row in point["parameters"])


def test_a_correct_bias_free_backward_passes_50_fuzzed_problems(capsys):
    code, report, _ = run_json(capsys, "--no-bias", "--fuzz", "50", "--candidate", f"{NO_BIAS}:backward")
    assert code == 0 and report["fuzz"]["passed"] is True and report["fuzz"]["examples"] == 50


def test_a_missing_relu_mask_without_biases_fails_at_W1_alone(capsys):
    code, report, _ = run_json(capsys, "--no-bias", "--candidate", f"{NO_BIAS}:backward_no_mask")
    assert code == 1
    for point in report["points"]:
        failed = {row["name"] for row in point["parameters"]
                  if not all(c["passed"] for c in row["checks"].values())}
        assert failed == {"W1"}


def test_a_missing_relu_mask_without_biases_breaks_a_law_under_the_fuzz(capsys):
    code, report, _ = run_json(capsys, "--no-bias", "--fuzz", "50", "--oracles", "torch",
                               "--candidate", f"{NO_BIAS}:backward_no_mask")
    assert code == 1 and report["fuzz"]["passed"] is False
    assert "bias=0" in report["fuzz"]["counterexample"]["problem"]


def test_bias_gradients_returned_without_biases_are_a_contract_failure_naming_them(capsys):
    code, report, _ = run_json(capsys, "--no-bias", "--oracles", "torch",
                               "--candidate", f"{NO_BIAS}:backward_with_bias_grads")
    assert code == 1
    for violation in violations(report):
        assert "wrong keys: extra b1, b2 (expected W1, W2: the network has no biases)" in violation


def test_the_lessons_backward_with_biases_is_refused_under_no_bias_with_the_reason(capsys):
    code, report, _ = run_json(capsys, "--no-bias", "--oracles", "torch", "--candidate", f"{LESSON}:backward")
    assert code == 1
    for violation in violations(report):
        assert "KeyError: 'b1'" in violation and "the network has no biases (its params are W1, W2)" in violation


@pytest.mark.parametrize("convention, fn", [("torch", "backward_torch"), ("deeplearning-ai", "backward_dlai")])
def test_a_bias_free_backward_in_another_course_layout_passes(capsys, convention, fn):
    code, report, _ = run_json(capsys, "--no-bias", "--convention", convention, "--oracles", "torch",
                               "--candidate", f"{NO_BIAS}:{fn}")
    assert code == 0, violations(report)


@pytest.mark.parametrize("argv, words", [
    (["--bug-zoo"], "--bug-zoo's catalogue is written for networks with biases"),
    (["--forward", "f.py:loss", "--candidate", "f.py:backward"], "--no-bias does not apply with --forward"),
    (["--replay", "sizes=3,4,1 N=6 seed=1"], "--replay: the line's network has biases (it has no bias=0)"),
])
def test_an_option_that_makes_no_sense_without_biases_is_refused_in_one_line(capsys, argv, words):
    code = main(["--no-bias", *argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and words in err and "Traceback" not in err


# ---------------------------------------------------------------- the API and the plugin

def test_the_api_checks_and_fuzzes_a_bias_free_backward_with_bias_false():
    from oracles import check, fuzz
    from candidates.no_bias import backward as warm_up

    assert check(warm_up, bias=False, oracles="torch").passed
    assert not check(warm_up, oracles="torch").passed  # with biases it misses db1, db2
    assert fuzz(warm_up, 10, bias=False, oracles="torch", progress=False).passed


def test_bias_is_one_setting_for_the_cli_the_api_and_the_ini_key():
    setting = options.SETTINGS["bias"]
    assert (setting.flag, setting.ini_key, setting.default) == ("--no-bias", "backprop_bias", True)
    assert options.validate(bias="false") == {"bias": False}
    with pytest.raises(ValueError, match="bias takes True or False"):
        options.validate(bias=2)


PLUGIN_TEST = """\
import mybackward
def test_warm_up(backprop_check):
    backprop_check(mybackward.{fn}, hidden=(16,))
"""


def test_the_ini_key_backprop_bias_false_checks_a_bias_free_backward(pytester, monkeypatch):
    monkeypatch.delenv("BACKPROP_DATA", raising=False)
    pytester.makepyfile(mybackward=NO_BIAS.read_text())
    pytester.makeini("[pytest]\nbackprop_bias = false\n")
    pytester.makepyfile(test_mine=PLUGIN_TEST.format(fn="backward"))
    pytester.runpytest(*QUIET, *FD_ONLY).assert_outcomes(passed=1)


def test_the_plugin_names_no_bias_in_the_command_of_a_failure(pytester, monkeypatch):
    monkeypatch.delenv("BACKPROP_DATA", raising=False)
    pytester.makepyfile(mybackward=NO_BIAS.read_text())
    pytester.makepyfile(test_mine=PLUGIN_TEST.format(fn="backward_no_mask").replace("hidden=(16,)",
                                                                                      "hidden=(16,), bias=False"))
    result = pytester.runpytest(*QUIET, *FD_ONLY)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the full table: compare-frameworks --candidate *backward_no_mask*--no-bias*"])
