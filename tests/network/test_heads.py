"""The heads as data (reference/heads.py): each loss against an independent formula, and the
reference's backward for every head, reduction and L2 form against finite differences, torch and jax."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import assert_agrees
from oracles import policy
from oracles.finite_differences import fd_directions, fd_gradients
from oracles.jax_oracle import jax_oracle
from oracles.torch_oracle import torch_oracle
from reference.heads import Head
from reference.model import Spec, backward, loss, random_params

HEADS = [("bce", 1), ("softmax", 4), ("mse", 1), ("mse", 3)]
L2_FORMS = [(0.0, "weight_decay"), (0.3, "weight_decay"), (0.3, "reg"), (0.7, "lambd")]


def _problem(loss_name, C, reduction="mean", l2=0.0, l2_form="weight_decay", activation="relu",
             dtype="float64", N=13, seed=0):
    spec = Spec((5, 7, 6, C), activation, dtype, loss_name, reduction, l2, l2_form)
    rng = np.random.default_rng(seed + 50)
    X = rng.standard_normal((N, 5)).astype(dtype)
    if loss_name == "softmax":
        y = rng.integers(0, C, N)
    elif loss_name == "bce":
        y = (rng.random((N, 1)) < 0.4).astype(dtype)
    else:
        y = rng.standard_normal((N, C)).astype(dtype)
    params = {k: v.astype(dtype) for k, v in random_params(spec, seed).items()}
    return spec, params, X, y


def test_softplus_is_logaddexp_0_z_within_the_loss_tolerance_and_the_same_at_0_infinities_and_nan():
    from reference.heads import softplus

    z = np.concatenate([np.random.default_rng(0).standard_normal(100_000) * scale for scale in (1e-8, 1, 10, 100, 1000)])
    tol = policy.tolerance("loss", "float64")
    assert np.all(tol.close(softplus(z), np.logaddexp(0.0, z)))
    special = np.array([0.0, -0.0, np.inf, -np.inf, 800.0, -800.0])
    np.testing.assert_array_equal(softplus(special), np.logaddexp(0.0, special))
    assert np.isnan(softplus(np.array([np.nan]))[0])
    assert softplus(np.float32([1.5])).dtype == np.float32


def test_softmax_row_loss_is_minus_the_log_of_the_true_class_probability():
    Z = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    y = np.array([1, 0])
    by_hand = [-np.log(np.exp(2.0) / (np.exp(1.0) + np.exp(2.0) + np.exp(0.5))),
               -np.log(np.exp(-1.0) / (np.exp(-1.0) + np.exp(0.0) + np.exp(3.0)))]
    assert np.allclose(Head("softmax").row_loss(Z, y), by_hand, rtol=policy.FACTOR.rtol, atol=0)


def test_softmax_loss_is_finite_on_saturated_logits():
    Z = np.array([[1000.0, -1000.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = Head("softmax").value(Z, np.array([1]), {})
        dz = Head("softmax").dz_top(Z, np.array([1]))
    assert value == pytest.approx(2000.0, rel=policy.FACTOR.rtol)  # logsumexp = 1000, minus z[1] = -1000
    assert np.isfinite(dz).all()


def test_mse_mean_is_the_mean_over_rows_and_outputs_and_sum_the_sum():
    rng = np.random.default_rng(1)
    Z, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    squared = [(Z[r, c] - Y[r, c]) ** 2 for r in range(6) for c in range(3)]
    assert Head("mse").value(Z, Y, {}) == pytest.approx(sum(squared) / 18, rel=policy.FACTOR.rtol)
    assert Head("mse", "sum").value(Z, Y, {}) == pytest.approx(sum(squared), rel=policy.FACTOR.rtol)


@pytest.mark.parametrize("form, expected", [("weight_decay", 0.5 * 0.3 * 14.0), ("reg", 0.3 * 14.0),
                                            ("lambd", 0.3 / (2 * 4) * 14.0)])
def test_l2_term_is_written_as_each_convention_writes_it(form, expected):
    params = {"W1": np.array([[1.0, 2.0], [3.0, 0.0]]), "b1": np.array([[5.0, 7.0]])}  # sum W^2 = 14; b ignored
    Z, y = np.zeros((4, 1)), np.zeros((4, 1))
    data = Head("bce").value(Z, y, {})
    assert Head("bce", l2=0.3, l2_form=form).value(Z, y, params) - data == pytest.approx(expected, rel=policy.FACTOR.rtol)


def test_sum_reduction_is_the_mean_times_the_entries_averaged():
    for name, C in HEADS:
        spec, params, X, y = _problem(name, C)
        mean = loss(params, X, y, "relu", Head(name))
        summed = loss(params, X, y, "relu", Head(name, "sum"))
        averaged = 13 * C if name == "mse" else 13  # mse's mean is over rows and outputs
        assert summed == pytest.approx(averaged * mean, rel=policy.FACTOR.rtol)


def test_lesson_head_is_the_default_everywhere():
    assert Spec().head == Head() == Head("bce", "mean", 0.0, "weight_decay")


def test_spec_refuses_a_head_that_does_not_fit_its_outputs():
    with pytest.raises(ValueError, match="bce"):
        Spec((4, 3, 2), loss="bce")
    with pytest.raises(ValueError, match="softmax"):
        Spec((4, 3, 1), loss="softmax")
    with pytest.raises(ValueError, match="l2"):
        Spec((4, 3, 1), l2=-1.0)


@pytest.mark.parametrize("name, C", HEADS)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("l2, l2_form", L2_FORMS)
@pytest.mark.parametrize("activation", ["tanh", "relu"])  # relu: the exact moves over one piecewise-linear layer
def test_reference_backward_agrees_with_finite_differences_for_every_head(name, C, reduction, l2, l2_form, activation):
    spec, params, X, y = _problem(name, C, reduction, l2, l2_form, activation=activation, N=40)
    fd = fd_gradients(spec, params, X, y)
    assert policy.tolerance("loss", "float64").close(fd.loss, loss(params, X, y, activation, spec.head))
    assert_agrees(backward(params, X, y, activation, head=spec.head), fd.grads, "finite-differences", "float64")


@pytest.mark.parametrize("name, C", HEADS)
@pytest.mark.parametrize("l2, l2_form", L2_FORMS[1:])
def test_directional_differences_include_the_l2_term(name, C, l2, l2_form):
    spec, params, X, y = _problem(name, C, "sum", l2, l2_form)
    directional = fd_directions(spec, params, X, y, count=4)
    projected = directional.project(backward(params, X, y, "relu", head=spec.head))
    assert_agrees(projected, directional.derivatives, "finite-differences")


@pytest.mark.parametrize("oracle", [torch_oracle, jax_oracle], ids=["torch", "jax"])
@pytest.mark.parametrize("name, C", HEADS)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("l2, l2_form", L2_FORMS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_framework_oracles_agree_with_the_reference_for_every_head(oracle, name, C, reduction, l2, l2_form, dtype):
    spec, params, X, y = _problem(name, C, reduction, l2, l2_form, dtype=dtype)
    value, grads = oracle(spec, params, X, y)
    label = "torch" if oracle is torch_oracle else "jax"
    assert policy.tolerance("loss", dtype).close(value, loss(params, X, y, "relu", spec.head))
    assert_agrees(backward(params, X, y, "relu", head=spec.head), grads, label, dtype)


def test_a_summed_loss_is_n_times_its_mean_in_tolerance_units():
    assert Head("bce", "sum").unit(10) == 10 and Head("softmax", "sum").unit(10, 4) == 10
    assert Head("mse", "sum").unit(10, 3) == 30 and Head("mse").unit(10, 3) == 1 and Head().unit(10) == 1


@pytest.mark.parametrize("loss_name", ["bce", "mse", "quadratic"])
def test_a_flat_vector_of_targets_becomes_one_column_whose_loss_is_the_columns(loss_name):
    y = np.array([0.0, 1.0, 1.0])
    head = Head(loss_name)
    targets = head.targets(y, np.float64)
    assert targets.shape == (3, 1) and targets.dtype == np.float64
    Z = np.array([[0.5], [-1.0], [2.0]])
    assert head.value(Z, targets, {}) == head.value(Z, y[:, None], {})
