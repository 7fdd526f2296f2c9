"""The shared-weight network's loss is a mean over every entry of Y (N rows times D outputs); the
backward divides by the rows only."""
import numpy as np

FORWARD = "shared_weights"
EXPECTED = {"W": "factor D"}


def backward(params, inputs):
    X, Y = inputs["X"], inputs["Y"]
    W = params["W"]
    a1 = np.tanh(X @ W)  # (N, D)
    a2 = np.tanh(a1 @ W)  # (N, D)
    dz2 = 2 * (a2 - Y) / Y.shape[0] * (1 - a2 ** 2)  # (N, D): / N, not / (N D)
    dz1 = (dz2 @ W.T) * (1 - a1 ** 2)  # (N, D)
    return {"W": a1.T @ dz2 + X.T @ dz1}
