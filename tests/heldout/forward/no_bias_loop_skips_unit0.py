"""The bias-free network's backward written unit by unit, the loop starting at 1 (a MATLAB habit):
the first hidden unit's weights get no gradient."""
import numpy as np

FORWARD = "no_bias"
EXPECTED = {"W1": "entries", "W2": "entries"}


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    N, H = X.shape[0], params["W1"].shape[1]
    z1 = X @ params["W1"]  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"])))  # (N, 1)
    dz2 = (y_hat - y) / N  # (N, 1)
    dW1, dW2 = np.zeros_like(params["W1"]), np.zeros_like(params["W2"])
    for j in range(1, H):
        dW2[j, 0] = a1[:, j] @ dz2[:, 0]
        dz1_j = dz2[:, 0] * params["W2"][j, 0] * (z1[:, j] > 0)  # (N,)
        dW1[:, j] = X.T @ dz1_j
    return {"W1": dW1, "W2": dW2}
