"""The shared weight's gradient keeps only its first use (the first layer's), as if the second
layer had a W of its own: no constant factor, transpose or copy explains it."""
import numpy as np

FORWARD = "shared_weights"
EXPECTED = {"W": None}


def backward(params, inputs):
    X, Y = inputs["X"], inputs["Y"]
    W = params["W"]
    a1 = np.tanh(X @ W)  # (N, D)
    a2 = np.tanh(a1 @ W)  # (N, D)
    dz2 = 2 * (a2 - Y) / Y.size * (1 - a2 ** 2)  # (N, D)
    dz1 = (dz2 @ W.T) * (1 - a1 ** 2)  # (N, D)
    return {"W": X.T @ dz1}
