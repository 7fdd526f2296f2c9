"""The reference written in each course's layout (properties/speakers.py): it takes that layout's arrays,
returns that layout's gradients under the keys asked for, and they are the reference's own gradients."""
from __future__ import annotations

import numpy as np
import pytest

from oracles.conventions import CONVENTIONS, Conventional, layout
from oracles.isolation import InProcess
from properties.speakers import speaking_candidate, speaking_reference
from reference.heads import Head
from reference.model import Spec, backward, random_params

N, D, H = 7, 4, 5
HEADS = {"bce": (Head("bce"), 1), "softmax": (Head("softmax"), 3), "mse": (Head("mse"), 1),
         "mse-two": (Head("mse", "sum"), 2)}


def problem(head: Head, C: int, activation: str, hidden=(H,), seed: int = 0):
    """Canonical params, X and y (the head's canonical targets) of a small network."""
    spec = Spec((D, *hidden, C), activation, "float64", head.loss, head.reduction)
    rng = np.random.default_rng(seed + 10)
    X = rng.standard_normal((N, D))
    if head.loss == "softmax":
        y = np.array([0, 1, 2, 1, 0, 2, 2])
    elif head.loss == "bce":
        y = np.array([[0.0], [1], [1], [0], [1], [0], [0]])
    else:
        y = rng.standard_normal((N, C))
    return random_params(spec, seed, 1.0), X, y


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("head_name", list(HEADS))
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_the_reference_in_a_layout_returns_the_references_gradients_in_that_layout(convention, head_name, activation):
    head, C = HEADS[head_name]
    P, X, y = problem(head, C, activation)
    L = layout(convention)
    given = L.params(P)
    grads = speaking_reference(convention, activation, head)(given, L.X(X), L.y(y, head.loss, C))
    right = backward(P, X, y, activation, head=head)
    assert sorted(grads) == sorted(f"d{k}" for k in P)
    for k in P:
        assert grads[f"d{k}"].shape == given[k].shape, (k, convention)
        np.testing.assert_allclose(L.grad(k, grads[f"d{k}"], P[k].shape), right[k], rtol=1e-12, atol=1e-15, err_msg=k)


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_keys_w1_names_the_gradients_as_the_parameters(convention):
    head, C = HEADS["bce"]
    P, X, y = problem(head, C, "relu", hidden=(H, 3))
    L = layout(convention)
    grads = speaking_reference(convention, "relu", head, keys="W1")(L.params(P), L.X(X), L.y(y, head.loss, C))
    assert sorted(grads) == sorted(P) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    right = backward(P, X, y, "relu", head=head)
    for k in P:
        np.testing.assert_allclose(L.grad(k, grads[k], P[k].shape), right[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_the_activation_given_is_the_one_the_reference_runs():
    head, C = HEADS["bce"]
    P, X, y = problem(head, C, "sigmoid")
    L = layout("cs231n")
    grads = speaking_reference("cs231n", "sigmoid", head)(L.params(P), L.X(X), L.y(y, head.loss, C))
    relu = backward(P, X, y, "relu", head=head)
    np.testing.assert_allclose(grads["dW1"], backward(P, X, y, "sigmoid", head=head)["W1"], rtol=1e-12, atol=1e-15)
    assert not np.allclose(grads["dW1"], relu["W1"])


def test_the_default_is_the_lessons_head_on_a_relu_network():
    head, C = HEADS["bce"]
    P, X, y = problem(head, C, "relu")
    L = layout("torch")
    grads = speaking_reference("torch")(L.params(P), L.X(X), L.y(y, "bce", 1))
    np.testing.assert_allclose(L.grad("W1", grads["dW1"], P["W1"].shape), backward(P, X, y, "relu")["W1"],
                               rtol=1e-12, atol=1e-15)


def test_each_speaker_is_named_after_its_convention():
    assert speaking_reference("deeplearning-ai").__name__ == "reference_in_deeplearning_ai"
    assert speaking_reference("lesson").__name__ == "reference_in_lesson"


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("head_name", ["bce", "softmax", "mse-two"])
def test_the_speaking_candidate_is_a_handle_in_that_convention_that_the_judge_reads_as_the_reference(convention, head_name):
    head, C = HEADS[head_name]
    P, X, y = problem(head, C, "tanh")
    handle = speaking_candidate(convention, "tanh", head)
    assert isinstance(handle, Conventional) and handle.convention == convention and handle.loss == head.loss
    assert isinstance(handle.inner, InProcess) and handle.name == f"reference_in_{convention.replace('-', '_')}"
    outcome = handle.evaluate(P, X, y)
    assert outcome.failure is None
    got = {str(k): v["array"] for k, v in outcome.returned["grads"]}
    right = backward(P, X, y, "tanh", head=head)
    assert sorted(got) == sorted(P)
    for k in P:
        np.testing.assert_allclose(got[k], right[k], rtol=1e-12, atol=1e-15, err_msg=k)


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("head_name", ["bce", "mse-two"])
def test_the_targets_reach_the_reference_as_one_column_per_output(convention, head_name, monkeypatch):
    import properties.speakers as speakers

    head, C = HEADS[head_name]
    P, X, y = problem(head, C, "relu")
    L = layout(convention)
    seen = []
    monkeypatch.setattr(speakers, "backward", lambda params, X, y, *a, **k: seen.append(y) or backward(params, X, y, *a, **k))
    speaking_reference(convention, "relu", head)(L.params(P), L.X(X), L.y(y, head.loss, C))
    assert seen[0].shape == (N, C) and np.array_equal(seen[0], y.reshape(N, C))
