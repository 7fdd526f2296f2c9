"""A bias gradient of a shape no fix mends, compared by value (oracles/bias_contract.py): one number
that is every axis's sum, or one per example that is each row's sum over the units."""
from __future__ import annotations

import numpy as np
import pytest

from oracles import policy
from oracles.bias_contract import bias_finding
from oracles.isolation import Outcome
from oracles.worker import describe
from reference.model import Spec, backward, random_params

N, D, H = 12, 3, 5


def problem(loss="bce", C=1, seed=0):
    spec = Spec((D, H, C), "tanh", "float64", loss)
    rng = np.random.default_rng(seed + 2)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N) if loss == "softmax" else (rng.random((N, 1)) < 0.5).astype(float)
    params = random_params(spec, seed, 1.0)
    steps = {}
    grads = backward(params, X, y, spec.activation, steps, head=spec.head)
    return spec, params, X, y, grads, steps


def returned(grads: dict) -> Outcome:
    """The call as the worker describes it, refused by the contract (its grads are still in ``returned``)."""
    return Outcome(describe(grads), failure="contract")


def unmended(grads: dict) -> Outcome:
    """A layout's grads whose shape no fix mends, kept for their values (oracles.conventions)."""
    return Outcome(None, failure="shape", unmended={k: describe({k: v})["grads"][0][1] for k, v in grads.items()})


def test_a_scalar_bias_that_is_every_axiss_sum_is_named_in_the_lessons_axes():
    spec, params, X, y, grads, steps = problem()
    total = float(steps["dz1"].sum())
    found = bias_finding(returned({**grads, "b1": total}), spec, params, X, y, "db1 has shape ()")
    assert found.ids == ("contract:shape", "bias_summed_over_every_axis")
    assert found.params == ("b1", "b2") and found.kind == "cause"
    assert found.text.startswith("db1 is sum(dz1) over every axis")
    assert f"the sum of the {H} right entries, {total:.6g}" in found.text
    assert found.text.endswith("np.sum(dz, axis=0, keepdims=True) belongs")


def test_a_scalar_that_is_not_the_sum_or_not_a_bias_names_nothing():
    spec, params, X, y, grads, steps = problem()
    total = float(steps["dz1"].sum())
    assert bias_finding(returned({**grads, "b1": total * 1.01}), spec, params, X, y) is None
    assert bias_finding(returned({**grads, "W1": float(steps["dz1"].sum())}), spec, params, X, y) is None
    assert bias_finding(returned({**grads, "b7": total}), spec, params, X, y) is None  # no such layer


def test_a_scalar_bias_of_a_one_unit_layer_is_its_right_value_not_a_mistake():
    spec, params, X, y, grads, steps = problem()
    assert bias_finding(returned({**grads, "b2": float(steps["dz2"].sum())}), spec, params, X, y) is None


def test_a_scalar_of_a_sum_that_is_zero_everywhere_cannot_be_told_from_a_literal_zero():
    spec, params, X, y, grads, steps = problem("softmax", 3)
    assert abs(float(steps["dz2"].sum())) < 1e-12  # softmax's rows of dz sum to 0
    assert bias_finding(returned({**grads, "b2": 0.0}), spec, params, X, y) is None


def test_a_scalar_sum_that_is_zero_at_the_scale_of_the_right_bias_gradient_is_not_named():
    spec, params, X, y, _, _ = problem()
    # every hidden unit the same, and output weights R, -R, 0, 0, delta: the right db1's entries are
    # about R times the head's step, while their sum (and each example's sum over the units) is delta's
    params["W1"] = np.repeat(params["W1"][:, :1], H, axis=1)
    params["b1"] = np.full_like(params["b1"], 0.3)
    R, delta = 1e4, 1e-8
    params["W2"] = np.array([[R], [-R], [0.0], [0.0], [delta]])
    steps = {}
    grads = backward(params, X, y, spec.activation, steps, head=spec.head)
    total, right = float(steps["dz1"].sum()), steps["dz1"].sum(axis=0)
    atol = policy.tolerance("hypothesis", spec.dtype).atol
    assert atol < abs(total) <= atol * np.abs(right).max()  # not 0 by itself, but 0 at db1's scale
    for value in (total, 0.0):  # np.sum(dz) cannot be told from a literal 0 there
        assert bias_finding(returned({**grads, "b1": value}), spec, params, X, y, "db1 has shape ()") is None


def test_a_scalar_given_as_a_numpy_number_is_read_too():
    spec, params, X, y, grads, steps = problem()
    found = bias_finding(returned({**grads, "b1": np.float32(steps["dz1"].sum())}), spec, params, X, y)
    assert found is not None and found.ids[-1] == "bias_summed_over_every_axis"


@pytest.mark.parametrize("convention, units, right", [
    ("deeplearning-ai", "axis=0", "np.sum(dZ, axis=1, keepdims=True)"),
    ("cs231n", "axis=1", "dz.sum(axis=0)"),
    ("torch", "axis=1", "dz.sum(axis=0)"),
    ("lesson", "axis=1", "np.sum(dz, axis=0, keepdims=True)"),
])
def test_one_number_per_example_that_is_each_rows_sum_over_the_units_is_named_in_the_layouts_axes(convention, units, right):
    spec, params, X, y, grads, steps = problem()
    per_example = steps["dz1"].sum(axis=1)
    violation = f"db1 has shape ({N}, 1) in the {convention} convention"
    found = bias_finding(unmended({"db1": per_example.reshape(-1, 1), "dW1": grads["W1"]}), spec, params, X, y, violation)
    assert found.ids == ("contract:shape", "bias_summed_over_units") and found.params == ("b1",)
    assert found.text == (f"db1 sums dz1 over the units ({units}) where {right} (the examples) belongs: "
                          f"one number per example, each the right row sum")


def test_an_unknown_layout_is_read_as_the_lessons():
    spec, params, X, y, grads, steps = problem()
    found = bias_finding(unmended({"b1": steps["dz1"].sum(axis=1)}), spec, params, X, y, "in the fortran convention")
    assert "(axis=1) where np.sum(dz, axis=0, keepdims=True)" in found.text


def test_per_example_numbers_that_are_not_the_row_sums_or_not_one_per_example_name_nothing():
    spec, params, X, y, grads, steps = problem()
    rows = steps["dz1"].sum(axis=1)
    assert bias_finding(unmended({"b1": rows * 2}), spec, params, X, y) is None
    assert bias_finding(unmended({"b1": rows[:-1]}), spec, params, X, y) is None
    assert bias_finding(unmended({"b1": grads["b1"] * 3}), spec, params, X, y) is None  # one per unit: not this


def test_both_mistakes_at_once_are_said_together_each_id_once():
    spec, params, X, y, grads, steps = problem()
    deeper = Spec((D, H, 4, 1), "tanh")
    params = random_params(deeper, 1, 1.0)
    steps = {}
    backward(params, X, y, "tanh", steps)
    found = bias_finding(unmended({"b1": float(steps["dz1"].sum()), "b2": steps["dz2"].sum(axis=1)}), deeper,
                         params, X, y)
    assert found.ids == ("contract:shape", "bias_summed_over_every_axis", "bias_summed_over_units")
    assert found.params == ("b1", "b2") and "; " in found.text
    twice = bias_finding(unmended({"b1": float(steps["dz1"].sum()), "db2": float(steps["dz2"].sum())}), deeper,
                         params, X, y)
    assert twice.ids == ("contract:shape", "bias_summed_over_every_axis") and twice.text.count("over every axis") == 2


def test_nothing_kept_names_nothing():
    spec, params, X, y, grads, steps = problem()
    assert bias_finding(Outcome(None, failure="crashed"), spec, params, X, y) is None
    assert bias_finding(Outcome({"kind": "other", "type": "list"}, failure="not a dict"), spec, params, X, y) is None
