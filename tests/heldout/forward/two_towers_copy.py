"""Two towers of the same shape whose outputs multiply (a bilinear score), mean squared error; the
second tower's gradient line was copied from the first's and never edited: dWb is dWa.

Its own forward (no case in tests/candidates/forwards has two params of one shape)."""
import numpy as np

FORWARD = None  # this file: loss and init
EXPECTED = {"Wb": "copy of Wa"}


def init(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(10, 3))  # (N, D)
    y = rng.normal(size=(10, 1))  # (N, 1)
    return {"Wa": rng.normal(size=(3, 2)), "Wb": rng.normal(size=(3, 2))}, {"X": X, "y": y}


def loss(params, inputs):
    X, y = inputs["X"], inputs["y"]
    s = np.sum((X @ params["Wa"]) * (X @ params["Wb"]), axis=1, keepdims=True)  # (N, 1)
    return np.mean((s - y) ** 2)


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    A, B = X @ params["Wa"], X @ params["Wb"]  # (N, K)
    ds = 2 * (np.sum(A * B, axis=1, keepdims=True) - y) / len(X)  # (N, 1)
    dWa = X.T @ (ds * B)  # (D, K)
    dWb = X.T @ (ds * B)  # (D, K): copied from dWa, A never put in
    return {"Wa": dWa, "Wb": dWb}
