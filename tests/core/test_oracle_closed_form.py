"""The framework oracles (torch, JAX, autograd) against the network's gradient in closed form.

The closed form is written here in plain NumPy from the heads' textbook derivatives (dL/dz of a
sigmoid cross-entropy is sigmoid(z) - y, of a softmax cross-entropy softmax(z) - onehot(y), of a
squared error 2 (z - y), of Nielsen's quadratic cost (sigmoid(z) - y) sigmoid'(z)) and the chain
rule through each layer; it shares no code with the reference or with any oracle. Every head,
reduction, hidden activation, L2 form, with and without biases, in float64 and float32."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from oracles import policy
from reference.model import Spec

HEADS = {"bce": 1, "softmax": 3, "mse": 2, "quadratic": 2}  # head -> C, its outputs
ACTIVATIONS = ("relu", "identity", "tanh", "sigmoid", "leaky_relu")
L2_FORMS = ("weight_decay", "reg", "lambd")
LEAKY = 0.01  # the slope of torch's F.leaky_relu and jax.nn.leaky_relu by default
N = 9


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _act(name, z):
    """(a, da/dz) of the hidden activation."""
    if name == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(float)
    if name == "identity":
        return z, np.ones_like(z)
    if name == "tanh":
        return np.tanh(z), 1.0 - np.tanh(z) ** 2
    if name == "sigmoid":
        s = _sigmoid(z)
        return s, s * (1.0 - s)
    return np.where(z > 0, z, LEAKY * z), np.where(z > 0, 1.0, LEAKY)


def _head(name, z, y):
    """(row losses summed over the batch, dL/dz of that sum, how many terms the mean divides by)."""
    n, c = z.shape
    if name == "bce":
        return float(np.sum(np.logaddexp(0.0, z) - y * z)), _sigmoid(z) - y, n
    if name == "softmax":
        labels = y.reshape(-1).astype(int)
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        onehot = np.eye(c)[labels]
        return float(-np.sum(onehot * log_p)), np.exp(log_p) - onehot, n
    if name == "mse":
        return float(np.sum((z - y) ** 2)), 2.0 * (z - y), n * c
    s = _sigmoid(z)  # quadratic: 1/2 sum ||sigmoid(z) - y||^2 per row
    return float(0.5 * np.sum((s - y) ** 2)), (s - y) * s * (1.0 - s), n


def closed_form(spec, params, X, y):
    """``(loss, grads)`` of ``spec``'s network by the chain rule, in float64."""
    P = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    L = len(spec.sizes) - 1
    a, cache = np.asarray(X, dtype=np.float64), []
    for l in range(1, L + 1):
        z = a @ P[f"W{l}"] + (P[f"b{l}"] if spec.bias else 0.0)
        cache.append((a, z))
        a = _act(spec.activation, z)[0] if l < L else z
    total, dz, count = _head(spec.loss, z, np.asarray(y, dtype=np.float64).reshape(z.shape[0], -1))
    divide = count if spec.reduction == "mean" else 1
    value, dz = total / divide, dz / divide
    rows = np.shape(X)[0]
    c = {"weight_decay": spec.l2 / 2, "reg": spec.l2, "lambd": spec.l2 / (2 * rows)}[spec.l2_form]
    value += c * sum(np.sum(P[f"W{l}"] ** 2) for l in range(1, L + 1))
    grads = {}
    for l in range(L, 0, -1):
        a_prev, z = cache[l - 1]
        if l < L:
            dz = dz * _act(spec.activation, z)[1]
        grads[f"W{l}"] = a_prev.T @ dz + 2 * c * P[f"W{l}"]
        if spec.bias:
            grads[f"b{l}"] = dz.sum(axis=0, keepdims=True)
        dz = dz @ P[f"W{l}"].T
    return value, grads


def problem(head, activation="tanh", reduction="mean", l2=0.0, l2_form="weight_decay", bias=True, dtype="float64",
            seed=0):
    C = HEADS[head]
    spec = Spec((4, 6, 5, C), activation, dtype, head, reduction, l2, l2_form, bias)
    rng = np.random.default_rng(seed)
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:]), start=1):
        params[f"W{l}"] = (rng.standard_normal((fan_in, fan_out)) * 0.9).astype(dtype)
        if bias:
            params[f"b{l}"] = (rng.standard_normal((1, fan_out)) * 0.5).astype(dtype)
    X = rng.standard_normal((N, 4)).astype(dtype)
    if head == "softmax":
        y = rng.integers(0, C, (N, 1)).astype(np.int64)
    elif head == "mse":
        y = rng.standard_normal((N, C)).astype(dtype)
    else:
        y = (rng.random((N, C)) < 0.5).astype(dtype)
    return spec, params, X, y


def _oracle(name):
    if name == "torch":
        from oracles.torch_oracle import torch_oracle
        return torch_oracle
    if name == "jax":
        from oracles.jax_oracle import jax_oracle
        return jax_oracle
    from oracles.autograd_oracle import autograd_oracle
    return autograd_oracle


ORACLES = ("torch", "jax", "autograd")


def assert_matches_closed_form(name, spec, params, X, y):
    value, grads = _oracle(name)(spec, params, X, y)
    expected, ours = closed_form(spec, params, X, y)
    unit = 1.0 if spec.reduction == "mean" else N * (spec.sizes[-1] if spec.loss == "mse" else 1)  # summed: N mean losses
    assert policy.tolerance("loss", spec.dtype, unit=unit).close(value, expected), (value, expected)
    assert sorted(grads) == sorted(params)
    tol = policy.tolerance(name, spec.dtype, unit=unit)
    for k in params:
        assert grads[k].dtype == np.float64 and grads[k].shape == params[k].shape, k
        assert np.all(tol.close_array(grads[k], ours[k])), (k, grads[k], ours[k])
    return grads


# every head with either reduction, with and without biases; the activations and L2 forms in turn
CASES = [(head, ACTIVATIONS[i % 5], reduction, 0.0 if i % 4 == 3 else 0.3, L2_FORMS[i % 3], bias)
         for i, (head, reduction, bias) in enumerate(itertools.product(HEADS, ("mean", "sum"), (True, False)))]


@pytest.mark.parametrize("name", ORACLES)
@pytest.mark.parametrize("head, activation, reduction, l2, l2_form, bias", CASES,
                         ids=["-".join(map(str, c)) for c in CASES])
def test_the_oracle_gives_the_closed_form_loss_and_gradient(name, head, activation, reduction, l2, l2_form, bias):
    assert_matches_closed_form(name, *problem(head, activation, reduction, l2, l2_form, bias))


@pytest.mark.parametrize("name", ORACLES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_hidden_activation_has_its_own_derivative_in_the_oracle(name, activation):
    spec, params, X, y = problem("bce", activation, seed=3)
    assert_matches_closed_form(name, spec, params, X, y)


@pytest.mark.parametrize("name", ORACLES)
@pytest.mark.parametrize("head", list(HEADS))
def test_in_float32_the_oracle_gives_the_closed_form_within_float32s_tolerance(name, head):
    spec, params, X, y = problem(head, "leaky_relu", "mean", 0.3, "lambd", dtype="float32", seed=5)
    assert_matches_closed_form(name, spec, params, X, y)


@pytest.mark.parametrize("name", ORACLES)
@pytest.mark.parametrize("l2_form, coefficient", [("weight_decay", 0.5 / 2), ("reg", 0.5), ("lambd", 0.5 / (2 * N))])
def test_each_l2_form_adds_its_own_coefficient_times_the_sum_of_squared_weights_and_no_bias(name, l2_form,
                                                                                             coefficient):
    bare = problem("bce", "relu", seed=7)
    spec, params, X, y = problem("bce", "relu", "mean", 0.5, l2_form, seed=7)
    oracle = _oracle(name)
    value0, grads0 = oracle(*bare)
    value, grads = oracle(spec, params, X, y)
    squares = sum(np.sum(params[k] ** 2) for k in params if k.startswith("W"))
    assert value - value0 == pytest.approx(coefficient * squares, rel=1e-9)
    for k in params:
        extra = 2 * coefficient * params[k] if k.startswith("W") else np.zeros_like(params[k])
        np.testing.assert_allclose(grads[k] - grads0[k], extra, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ORACLES)
def test_a_summed_loss_is_n_times_the_mean_and_so_are_its_gradients(name):
    mean = _oracle(name)(*problem("mse", "sigmoid", "mean", seed=9))
    summed = _oracle(name)(*problem("mse", "sigmoid", "sum", seed=9))
    assert summed[0] == pytest.approx(N * HEADS["mse"] * mean[0], rel=1e-12)
    for k in mean[1]:
        np.testing.assert_allclose(summed[1][k], N * HEADS["mse"] * mean[1][k], rtol=1e-10, atol=1e-14)


def test_the_torch_oracle_runs_on_one_thread_and_gives_the_process_its_own_setting_back(monkeypatch):
    import torch

    import oracles.torch_oracle as torch_oracle

    seen, original = [], torch_oracle._loss_and_grads

    def watched(*args):
        seen.append(torch.get_num_threads())
        return original(*args)

    before = torch.get_num_threads()
    monkeypatch.setattr(torch_oracle, "_loss_and_grads", watched)
    torch.set_num_threads(2)
    try:
        torch_oracle.torch_oracle(*problem("bce"))
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("name", ORACLES)
@pytest.mark.parametrize("head", ["bce", "quadratic"])
def test_labels_given_as_integers_are_read_as_the_same_numbers(name, head):
    spec, params, X, y = problem(head, "relu", seed=13)
    as_floats = _oracle(name)(spec, params, X, y)
    as_integers = _oracle(name)(spec, params, X, y.astype(np.int64))
    assert as_integers[0] == pytest.approx(as_floats[0], rel=1e-12)
    for k in params:
        np.testing.assert_allclose(as_integers[1][k], as_floats[1][k], rtol=1e-12, atol=0)


@pytest.mark.parametrize("n, least, bucket", [(1, 16, 16), (16, 16, 16), (17, 16, 32), (32, 16, 32), (33, 16, 64),
                                              (255, 256, 256), (256, 256, 256), (257, 256, 512), (1000, 32, 1024)])
def test_the_jax_oracle_pads_to_the_next_power_of_two_and_at_least_the_floor(n, least, bucket):
    from oracles.jax_oracle import _bucket

    assert _bucket(n, least) == bucket


def test_the_jax_oracle_pads_with_zeros_after_the_values_in_the_dtype_asked():
    from oracles.jax_oracle import _pad

    out = _pad(np.array([[1.5, 2.5]]), (3, 4), "float32")
    assert out.dtype == np.float32 and out.shape == (3, 4)
    np.testing.assert_array_equal(out, [[1.5, 2.5, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])


@pytest.mark.parametrize("N", [1, 255, 257])
def test_the_jax_oracle_gives_the_closed_form_whatever_the_rows_padding(N):
    import oracles.jax_oracle as jax_oracle

    spec = Spec((3, 4, 1), "tanh", "float64", "bce", "mean")
    rng = np.random.default_rng(N)
    params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal((1, 4)),
              "W2": rng.standard_normal((4, 1)), "b2": rng.standard_normal((1, 1))}
    X, y = rng.standard_normal((N, 3)), (rng.random((N, 1)) < 0.5).astype(float)
    value, grads = jax_oracle.jax_oracle(spec, params, X, y)
    expected, ours = closed_form(spec, params, X, y)
    assert policy.tolerance("loss", "float64").close(value, expected)
    for k in params:
        assert np.all(policy.tolerance("jax", "float64").close_array(grads[k], ours[k])), k


@pytest.mark.parametrize("name", ORACLES)
@pytest.mark.parametrize("head", list(HEADS))
def test_the_oracle_computes_in_the_specs_dtype_whatever_the_dtype_of_the_arrays_given(name, head):
    spec, params, X, y = problem(head, "tanh", dtype="float32", seed=17)
    wide = ({k: v.astype(np.float64) for k, v in params.items()}, X.astype(np.float64),
            y if head == "softmax" else y.astype(np.float64))
    value32, grads32 = _oracle(name)(spec, params, X, y)
    value64, grads64 = _oracle(name)(spec, *wide)
    assert value64 == value32 and all(np.array_equal(grads64[k], grads32[k]) for k in grads32)
    assert np.float32(value32) == value32  # a float32 number: computed in float32
