"""A catalogue of candidate backwards for the lesson's network: known bugs and correct rewrites.

The network is the lesson's (one hidden ReLU layer, a sigmoid output) and the loss the
canonical one, ``mean(logaddexp(0, z2) - y * z2)``, whose exact ``dz2`` is ``(sigmoid(z2) - y) / N``:

    z1 = X @ W1 + b1        # (N, H)
    a1 = relu(z1)           # (N, H)
    z2 = a1 @ W2 + b2       # (N, 1)
    y_hat = sigmoid(z2)     # (N, 1)

Every candidate is ``backward(params, X, y) -> grads`` or ``-> (loss, grads)`` (DESIGN.md,
contract 2) and is written the way a person writes the lesson's code: its own forward inside
it, the lesson's names, one equation per line. None imports the reference, or it would share
its bugs. ``MUTANTS`` each carry one mistake a person makes; ``CORRECT`` are rewrites that must
give the exact gradient. Each :class:`Entry` says which gradients the bug makes wrong, the ids of
the mistakes it contains (the grammar's, ``oracles/mistakes.py``), and which stage of the harness should find it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

FOUND_BY = ("point", "generic", "fuzz")


@dataclass(frozen=True)
class Entry:
    """One candidate backward and what is known about it.

    ``params``: the parameters whose gradient the bug makes wrong (``()`` for correct ones).
    ``mistakes``: the ids (``oracles/mistakes.py``) of the mistakes it contains; a diagnosis names
    the bug when it names these ids and no others.
    ``activation``: the network's hidden activation (the lesson's relu unless said otherwise).
    ``found_by``: ``"point"`` (the lesson's init or the generic point with non-zero biases),
    ``"generic"`` (only with non-zero biases or another scale), ``"fuzz"`` (only at other
    batch sizes, saturated logits, ...).
    """

    name: str
    description: str
    backward: Callable
    params: tuple = ()
    mistakes: tuple = ()
    found_by: str = "point"
    activation: str = "relu"  # the hidden activation the entry's network uses
    # the head and layout its code is written for (properties/head_catalogue.py); the lesson's by default
    loss: str = "bce"
    convention: str = "lesson"
    l2: float = 0.0  # as the convention's code writes it (cs231n reg, deeplearning-ai lambd, weight_decay)
    reduction: str = "mean"

    @property
    def lesson(self) -> bool:
        """Written for the lesson's head and layout (the catalogue below)."""
        return (self.loss, self.convention, self.l2, self.reduction) == ("bce", "lesson", 0.0, "mean")

    def setting(self) -> str:
        """``softmax cs231n reg=0.05``: the head and layout, for the kill matrix."""
        from oracles.conventions import L2_FORM

        parts = [self.loss, self.convention] + ([f"{L2_FORM[self.convention]}={self.l2:g}"] if self.l2 else [])
        return " ".join(parts + (["sum"] if self.reduction == "sum" else []))

    def __post_init__(self):
        if self.found_by not in FOUND_BY:
            raise ValueError(f"{self.name}: found_by must be one of {', '.join(FOUND_BY)}, got {self.found_by!r}")


ALL = ("W1", "b1", "W2", "b2")


# ================================================================ mutants: one mistake each

def missing_1_over_n(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = y_hat - y  # (N, 1)  BUG: no / N
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def flipped_sign(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y - y_hat) / N  # (N, 1)  BUG: y - y_hat
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def missing_relu_mask(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1  # (N, H)  BUG: no * (z1 > 0)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mask_wrong_side(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 < 0)  # (N, H)  BUG: z1 < 0
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def db1_wrong_axis(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=1, keepdims=True)  # (N, 1)  BUG: axis=1
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def db1_no_keepdims(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0)  # (H,)  BUG: no keepdims=True
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def db2_scalar(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2)  # ()  BUG: a NumPy scalar, not a (1, 1) array
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def db2_mean(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.mean(dz2, axis=0, keepdims=True)  # (1, 1)  BUG: mean, not sum
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def z1_for_a1(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = z1.T @ dz2  # (H, 1)  BUG: z1 where a1 belongs
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def updated_too_early(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    W2 = W2 - 0.1 * dW2  # (H, 1)  BUG: the step taken before da1 uses W2
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def in_place_update(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    params["W2"] -= 0.1 * dW2  # BUG: writes into the caller's array (read-only: raises)
    params["b2"] -= 0.1 * db2
    params["W1"] -= 0.1 * dW1
    params["b1"] -= 0.1 * db1
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def replaces_caller_weights(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    for k in params:
        params[k] = params[k] - 0.1 * grads[k]  # BUG: rebinds the caller's dict entries (no array write)
    return grads


def hard_coded_n(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / 768  # (N, 1)  BUG: the lesson's N, not X.shape[0]
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def forgets_b1(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1  # (N, H)  BUG: no + b1
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def nan_when_saturated(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    with np.errstate(all="ignore"):  # the non-finite values come back silently
        z1 = X @ W1 + b1  # (N, H)
        a1 = np.maximum(0, z1)  # (N, H)
        z2 = a1 @ W2 + b2  # (N, 1)
        y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

        dy_hat = (-y / y_hat + (1 - y) / (1 - y_hat)) / N  # (N, 1)  BUG: 0/0 once y_hat rounds to 0 or 1
        dz2 = dy_hat * y_hat * (1 - y_hat)  # (N, 1)
        dW2 = a1.T @ dz2  # (H, 1)
        db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
        da1 = dz2 @ W2.T  # (N, H)
        dz1 = da1 * (z1 > 0)  # (N, H)
        dW1 = X.T @ dz1  # (D, H)
        db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def dw1_uses_da1(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ da1  # (D, H)  BUG: da1 where dz1 belongs
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def db1_uses_da1(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(da1, axis=0, keepdims=True)  # (1, H)  BUG: da1 where dz1 belongs
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def dw2_divided_by_n_twice(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2 / N  # (H, 1)  BUG: dz2 is already divided by N
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mse_chain_on_bce(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) * y_hat * (1 - y_hat) / N  # (N, 1)  BUG: the MSE chain, sigmoid' applied twice
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def logit_for_y_hat(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (z2 - y) / N  # (N, 1)  BUG: the logit z2 where y_hat belongs
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def sigmoid_derivative_in_hidden(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * a1 * (1 - a1)  # (N, H)  BUG: sigmoid's derivative on a ReLU layer
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


_CACHE = {}  # the stale cache: filled on the first call, never invalidated


def stale_cache(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    if not _CACHE:  # BUG: "run the forward once to save time", whatever params and X are now
        z1 = X @ W1 + b1  # (N, H)
        a1 = np.maximum(0, z1)  # (N, H)
        z2 = a1 @ W2 + b2  # (N, 1)
        y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)
        _CACHE.update(z1=z1, a1=a1, y_hat=y_hat)
    z1, a1, y_hat = _CACHE["z1"], _CACHE["a1"], _CACHE["y_hat"]

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


stale_cache.reset = _CACHE.clear  # call before a run that must start from an empty cache


def dw1_transposed(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = dz1.T @ X  # (H, D)  BUG: operands swapped
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def dw2_transposed(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = dz2.T @ a1  # (1, H)  BUG: operands swapped
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def loss_summed(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)
    loss = -np.sum(y * np.log(y_hat + 1e-8) + (1 - y) * np.log(1 - y_hat + 1e-8))  # BUG: sum, not mean

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# ================================================================ correct rewrites

def einsum_everywhere(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = np.einsum("nd,dh->nh", X, W1) + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = np.einsum("nh,ho->no", a1, W2) + b2  # (N, 1)
    e = np.exp(-np.abs(z2))  # (N, 1)
    y_hat = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = np.einsum("nh,no->ho", a1, dz2)  # (H, 1)
    db2 = np.einsum("no->o", dz2)[None, :]  # (1, 1)
    da1 = np.einsum("no,ho->nh", dz2, W2)  # (N, H)
    dz1 = np.einsum("nh,nh->nh", da1, (z1 > 0).astype(z1.dtype))  # (N, H)
    dW1 = np.einsum("nd,nh->dh", X, dz1)  # (D, H)
    db1 = np.einsum("nh->h", dz1)[None, :]  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def per_example_loop(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    dW1, db1 = np.zeros_like(W1), np.zeros_like(b1)  # (D, H), (1, H)
    dW2, db2 = np.zeros_like(W2), np.zeros_like(b2)  # (H, 1), (1, 1)
    for i in range(N):
        x = X[i:i + 1]  # (1, D)
        z1 = x @ W1 + b1  # (1, H)
        a1 = np.maximum(0, z1)  # (1, H)
        z2 = a1 @ W2 + b2  # (1, 1)
        e = np.exp(-np.abs(z2))  # (1, 1)
        y_hat = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))  # (1, 1)

        dz2 = y_hat - y[i:i + 1]  # (1, 1): this sample's loss, not yet averaged
        dW2 += a1.T @ dz2  # (H, 1)
        db2 += dz2  # (1, 1)
        da1 = dz2 @ W2.T  # (1, H)
        dz1 = da1 * (z1 > 0)  # (1, H)
        dW1 += x.T @ dz1  # (D, H)
        db1 += dz1  # (1, H)
    return {"W1": dW1 / N, "b1": db1 / N, "W2": dW2 / N, "b2": db2 / N}


def fortran_keys_reordered(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    e = np.exp(-np.abs(z2))  # (N, 1)
    y_hat = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = np.asfortranarray(a1.T @ dz2)  # (H, 1)
    db2 = np.asfortranarray(dz2.sum(axis=0, keepdims=True))  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = np.asfortranarray(X.T @ dz1)  # (D, H)
    db1 = np.asfortranarray(dz1.sum(axis=0, keepdims=True))  # (1, H)
    return {"b2": db2, "W2": dW2, "b1": db1, "W1": dW1}


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = np.exp(-np.logaddexp(0, -z2))  # (N, 1): 1 / (1 + exp(-z2)) without overflow
    loss = np.mean(np.logaddexp(0, z2) - y * z2)  # ()

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def stable_sigmoid_where(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    e = np.exp(-np.abs(z2))  # (N, 1): never overflows
    y_hat = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mask_from_a1(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.where(z1 > 0, z1, 0)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    e = np.exp(-np.abs(z2))  # (N, 1)
    y_hat = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = (a1 * dz2).sum(axis=0)[:, None]  # (H, 1)
    db2 = dz2.sum(axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 * W2.T  # (N, H): one output, so an outer product by broadcasting
    dz1 = np.where(a1 > 0, da1, 0)  # (N, H): a1 > 0 exactly where z1 > 0
    dW1 = X.T.dot(dz1)  # (D, H)
    db1 = dz1.sum(axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def any_depth(params, X, y):
    L = sum(1 for k in params if k.startswith("W"))
    N = X.shape[0]
    a, z = {0: X}, {}
    for l in range(1, L + 1):
        z[l] = a[l - 1] @ params[f"W{l}"] + params[f"b{l}"]  # (N, H_l)
        if l < L:
            a[l] = np.maximum(0, z[l])  # (N, H_l)
    e = np.exp(-np.abs(z[L]))  # (N, 1)
    y_hat = np.where(z[L] >= 0, 1 / (1 + e), e / (1 + e))  # (N, 1)

    grads = {}
    dz = (y_hat - y) / N  # dzL: (N, 1)
    for l in range(L, 0, -1):
        grads[f"W{l}"] = a[l - 1].T @ dz  # dWl: (H_{l-1}, H_l)
        grads[f"b{l}"] = np.sum(dz, axis=0, keepdims=True)  # dbl: (1, H_l)
        if l > 1:
            da = dz @ params[f"W{l}"].T  # da_{l-1}: (N, H_{l-1})
            dz = da * (z[l - 1] > 0)  # dz_{l-1}: (N, H_{l-1})
    return {k: grads[k] for k in params}


# ================================================================ relu'(0): any value in [0, 1] is right

def mask_at_zero_one(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    e = np.exp(-np.abs(z2))  # (N, 1)
    y_hat = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (z1 >= 0)  # (N, H): relu'(0) = 1, a subgradient
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def heaviside_half(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    e = np.exp(-np.abs(z2))  # (N, 1)
    y_hat = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * np.heaviside(z1, 0.5)  # (N, H): relu'(0) = 1/2, a subgradient
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def leaky_at_zero_one(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.where(z1 >= 0, z1, 0.01 * z1)  # (N, H): leaky relu as jax.nn.leaky_relu writes it
    z2 = a1 @ W2 + b2  # (N, 1)
    e = np.exp(-np.abs(z2))  # (N, 1)
    y_hat = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * np.where(z1 >= 0, 1.0, 0.01)  # (N, H): slope 1 at 0, in [0.01, 1]
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def leaky_at_zero_half(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.where(z1 > 0, z1, 0.01 * z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    e = np.exp(-np.abs(z2))  # (N, 1)
    y_hat = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * (0.01 + 0.99 * np.heaviside(z1, 0.5))  # (N, H): slope (1 + 0.01) / 2 at 0
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def heaviside_two(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    e = np.exp(-np.abs(z2))  # (N, 1)
    y_hat = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))  # (N, 1)

    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ W2.T  # (N, H)
    dz1 = da1 * np.heaviside(z1, 2.0)  # (N, H)  BUG: relu'(0) = 2, outside [0, 1]
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# ================================================================ the catalogue

MUTANTS = [
    Entry("missing-1-over-N", "dz2 = y_hat - y: forgot to divide by N",
          missing_1_over_n, ALL, ("factor:N",), "point"),
    Entry("flipped-sign", "dz2 = (y - y_hat) / N: the sign of the output error flipped",
          flipped_sign, ALL, ("factor:-1",), "point"),
    Entry("missing-relu-mask", "dz1 = da1: forgot the ReLU derivative (z1 > 0)",
          missing_relu_mask, ("W1", "b1"), ("mask:missing",), "point"),
    Entry("mask-wrong-side", "dz1 = da1 * (z1 < 0): the ReLU mask on the wrong side of 0",
          mask_wrong_side, ("W1", "b1"), ("mask:inverted",), "point"),
    Entry("db1-wrong-axis", "db1 = sum(dz1, axis=1, keepdims=True): summed over the wrong axis, shape (N, 1)",
          db1_wrong_axis, ("b1",), ("contract:shape",), "point"),
    Entry("db1-no-keepdims", "db1 = sum(dz1, axis=0): forgot keepdims=True, shape (H,)",
          db1_no_keepdims, ("b1",), ("contract:shape",), "point"),
    Entry("db2-scalar", "db2 = np.sum(dz2): no axis and no keepdims, a NumPy scalar instead of (1, 1)",
          db2_scalar, ("b2",), ("contract:shape",), "point"),
    Entry("db2-mean", "db2 = mean(dz2): mean instead of sum, divides by N a second time",
          db2_mean, ("b2",), ("factor:1/N",), "point"),
    Entry("z1-for-a1", "dW2 = z1.T @ dz2: the pre-activation z1 used where the cached a1 belongs",
          z1_for_a1, ("W2",), ("cache:z-for-a",), "point"),
    Entry("updated-too-early", "W2 = W2 - 0.1 * dW2 before da1 = dz2 @ W2.T: updated before the backward finished",
          updated_too_early, ("W1", "b1"), ("order:updated-too-early",), "point"),
    Entry("in-place-update", "params['W2'] -= 0.1 * dW2 inside backward: writes into the caller's weights",
          in_place_update, ALL, ("contract:inputs",), "point"),
    Entry("replaces-caller-weights", "params[k] = params[k] - 0.1 * grads[k] inside backward: "
          "rebinds the caller's dict entries (gradients right, the caller's weights moved)",
          replaces_caller_weights, ALL, ("contract:inputs",), "point"),
    Entry("hard-coded-N", "dz2 = (y_hat - y) / 768: the lesson's batch size hard-coded",
          hard_coded_n, ALL, ("factor:hard-coded-N",), "fuzz"),
    Entry("forgets-b1", "z1 = X @ W1: the candidate's own forward drops + b1 (invisible while biases are zero)",
          forgets_b1, ALL, ("bias:missing-in-forward",), "generic"),
    Entry("nan-when-saturated", "dz2 = dL/dy_hat * y_hat * (1 - y_hat) with a naive sigmoid: "
          "0/0 once y_hat rounds to 0 or 1",
          nan_when_saturated, ALL, ("contract:non-finite",), "fuzz"),
    Entry("dW1-uses-da1", "dW1 = X.T @ da1: da1 where dz1 belongs (the mask skipped for dW1 only)",
          dw1_uses_da1, ("W1",), ("step:da-for-dz",), "point"),
    Entry("db1-uses-da1", "db1 = sum(da1): da1 where dz1 belongs (the mask skipped for db1 only)",
          db1_uses_da1, ("b1",), ("step:da-for-dz",), "point"),
    Entry("dW2-divided-by-N-twice", "dW2 = a1.T @ dz2 / N: divided by N again though dz2 already is",
          dw2_divided_by_n_twice, ("W2",), ("factor:1/N",), "point"),
    Entry("mse-chain-on-bce", "dz2 = (y_hat - y) * y_hat * (1 - y_hat) / N: the MSE chain applied to cross-entropy",
          mse_chain_on_bce, ALL, ("head:sigmoid-mse",), "point"),
    Entry("logit-for-y_hat", "dz2 = (z2 - y) / N: the logit z2 used where y_hat belongs",
          logit_for_y_hat, ALL, ("head:mse",), "point"),
    Entry("sigmoid-derivative-in-hidden", "dz1 = da1 * a1 * (1 - a1): the sigmoid's derivative on the ReLU layer",
          sigmoid_derivative_in_hidden, ("W1", "b1"), ("derivative:sigmoid",),
          "point"),
    Entry("stale-cache", "the forward cached in a module-level dict on the first call and reused ever after",
          stale_cache, ALL, ("state:previous-call",), "point"),
    Entry("dW1-transposed", "dW1 = dz1.T @ X: operands swapped, shape (H, D)",
          dw1_transposed, ("W1",), ("contract:shape",), "point"),
    Entry("dW2-transposed", "dW2 = dz2.T @ a1: operands swapped, shape (1, H)",
          dw2_transposed, ("W2",), ("contract:shape",), "point"),
    Entry("loss-summed", "returns the lesson's -sum(y log(y_hat + 1e-8) + ...): the loss summed, not averaged "
          "(gradients right)", loss_summed, (), ("loss:summed",), "point"),
    Entry("relu-prime-2-at-0", "dz1 = da1 * np.heaviside(z1, 2.0): relu'(0) = 2, outside the subgradient [0, 1]",
          heaviside_two, ("W1", "b1"), ("kink:outside-subgradient",), "fuzz"),
]

CORRECT = [
    Entry("einsum-everywhere", "every product and sum written with np.einsum", einsum_everywhere),
    Entry("per-example-loop", "a loop over samples accumulating per-sample gradients, averaged at the end",
          per_example_loop),
    Entry("fortran-keys-reordered", "grads returned in the order b2, W2, b1, W1 as Fortran-ordered arrays",
          fortran_keys_reordered),
    Entry("loss-and-grads", "returns (loss, grads) with loss = mean(logaddexp(0, z2) - y * z2)", loss_and_grads),
    Entry("stable-sigmoid-where", "a stable sigmoid: np.where on the sign of z2 with exp(-|z2|)",
          stable_sigmoid_where),
    Entry("mask-from-a1", "the ReLU mask taken from a1 > 0, da1 as a broadcast outer product, np.where and .dot",
          mask_from_a1),
    Entry("any-depth", "a loop over layers: works for any number of hidden ReLU layers", any_depth),
    Entry("mask-at-zero-one", "dz1 = da1 * (z1 >= 0): relu'(0) = 1, a valid subgradient", mask_at_zero_one),
    Entry("heaviside-half", "dz1 = da1 * np.heaviside(z1, 0.5): relu'(0) = 1/2, a valid subgradient", heaviside_half),
    Entry("leaky-at-zero-one", "leaky relu with slope 1 at 0 (np.where(z1 >= 0, ...), as jax.nn.leaky_relu)",
          leaky_at_zero_one, activation="leaky_relu"),
    Entry("leaky-at-zero-half", "leaky relu with slope (1 + 0.01) / 2 at 0, inside [0.01, 1]",
          leaky_at_zero_half, activation="leaky_relu"),
]

_BY_NAME = {e.name: e for e in MUTANTS + CORRECT}
assert len(_BY_NAME) == len(MUTANTS) + len(CORRECT), "entry names must be unique"


def by_name(name: str) -> Entry:
    """The entry called ``name`` (a mutant or a correct rewrite, of the lesson or of another head)."""
    from properties import head_catalogue

    if len(_BY_NAME) == len(MUTANTS) + len(CORRECT):
        _BY_NAME.update({e.name: e for e in head_catalogue.MUTANTS + head_catalogue.CORRECT})
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no catalogue entry {name!r}; known: {', '.join(_BY_NAME)}") from None
