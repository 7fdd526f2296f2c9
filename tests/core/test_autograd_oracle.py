"""HIPS autograd as a fourth oracle of the network: opt in with --oracles, one registry entry."""
from __future__ import annotations

import json

import numpy as np
import pytest

from oracles import registry
from oracles.shells.cli import main
from properties import catalogue
from reference.heads import Head
from reference.model import Spec, backward, loss, random_params

ALL = "finite-differences,torch,jax,autograd"


def test_autograd_is_opt_in_and_checks_the_lesson_beside_the_other_three(capsys):
    assert "autograd" not in registry.NAMES and "autograd" in registry.BY_NAME
    assert main(["--oracles", ALL, "--format", "json", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["oracles"] == ALL.split(",")
    for point in report["points"]:
        assert all(p["checks"]["autograd"]["passed"] for p in point["parameters"])


def test_autograd_alone_finds_a_classic_bug_and_names_the_parameter(capsys):
    code = main(["--oracles", "autograd", "--candidate", f"{catalogue.__file__}:db2_mean", "--format", "json", "--quiet"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    for point in report["points"]:
        failed = {p["name"] for p in point["parameters"] if not p["checks"]["autograd"]["passed"]}
        assert failed == {"b2"}


HEADS = [("bce", 1, "relu", "weight_decay"), ("softmax", 3, "tanh", "reg"), ("mse", 2, "sigmoid", "lambd"),
         ("quadratic", 2, "leaky_relu", "weight_decay"), ("bce", 1, "identity", "reg")]


@pytest.mark.parametrize("head,C,activation,l2_form", HEADS)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_autograd_gives_the_loss_and_gradient_of_every_head_activation_and_l2_form(head, C, activation, l2_form,
                                                                                   reduction):
    spec = Spec((4, 6, 5, C), activation, "float64", head, reduction, 0.3, l2_form)
    params = random_params(spec, seed=11, scale=1.0)
    rng = np.random.default_rng(11)
    X = rng.standard_normal((9, 4))
    y = rng.integers(0, C, 9).astype(np.int64) if head == "softmax" else rng.random((9, C))
    value, grads = registry.get("autograd").load()(spec, params, X, y)
    h = Head(head, reduction, 0.3, l2_form)
    assert value == pytest.approx(loss(params, X, y, activation, h), rel=1e-12)
    ours = backward(params, X, y, activation, head=h)
    for k in ours:
        np.testing.assert_allclose(grads[k], ours[k], rtol=1e-10, atol=1e-14)


def test_autograd_takes_relus_gradient_at_zero_as_zero_like_torch_not_half():
    spec = Spec((1, 1, 1), "relu", "float64")
    params = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]]), "W2": np.array([[1.0]]), "b2": np.array([[0.0]])}
    X, y = np.array([[0.0]]), np.array([[1.0]])  # z1 = 0 exactly
    _, grads = registry.get("autograd").load()(spec, params, X, y)
    assert grads["b1"][0, 0] == 0.0


def test_autograd_computes_a_float32_problem_in_float32_and_a_float64_one_in_float64():
    from oracles import policy

    def representable_in_float32(a):
        a = np.asarray(a, dtype=np.float64)
        return bool(np.array_equal(a.astype(np.float32).astype(np.float64), a))

    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((9, 4)), (rng.random((9, 1)) < 0.4).astype(np.float64)
    for dtype in ("float32", "float64"):
        spec = Spec((4, 6, 1), "tanh", dtype)
        params = {k: v.astype(dtype) for k, v in random_params(spec, seed=3, scale=1.0).items()}
        value, grads = registry.get("autograd").load()(spec, params, X.astype(dtype), y.astype(dtype))
        in_float32 = [representable_in_float32(value), *(representable_in_float32(g) for g in grads.values())]
        assert all(in_float32) if dtype == "float32" else not any(in_float32), dtype
        P64 = {k: v.astype(np.float64) for k, v in params.items()}
        exact = backward(P64, X.astype(dtype).astype(np.float64), y, "tanh")
        tol = policy.tolerance("torch", dtype)
        assert all(tol.close_array(grads[k], exact[k]).all() for k in exact), dtype  # the right gradient, to that dtype
