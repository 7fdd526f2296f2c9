"""Per-example loop with weight_decay: each example's gradient carries the whole weight_decay * W, summed N times."""
import numpy as np

EXPECTED = {"mistakes": ["l2_times_N"], "wrong": ["W1", "W2"], "l2": 0.001}

weight_decay = 0.001


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for i in range(N):
        x_i, y_i = X[i:i + 1], y[i:i + 1]  # (1, D), (1, 1)
        z1 = x_i @ W1 + b1
        a1 = np.maximum(0, z1)
        y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
        dz2 = (y_hat - y_i) / N
        dz1 = dz2 @ W2.T * (z1 > 0)
        grads["W2"] += a1.T @ dz2 + weight_decay * W2  # BUG: the decay belongs once, not once per example
        grads["b2"] += dz2
        grads["W1"] += x_i.T @ dz1 + weight_decay * W1  # BUG: same
        grads["b1"] += dz1
    return grads
