"""Per-example loop that stops one example short (range(N - 1)), still dividing by N."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    g = {k: np.zeros_like(v) for k, v in params.items()}
    for i in range(N - 1):  # BUG: the last example never contributes
        x, t = X[i:i + 1], y[i:i + 1]
        z1 = x @ W1 + b1
        a1 = np.maximum(0, z1)
        p = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
        dz2 = p - t
        dz1 = dz2 @ W2.T * (z1 > 0)
        g["W2"] += a1.T @ dz2
        g["b2"] += dz2
        g["W1"] += x.T @ dz1
        g["b1"] += dz1
    return {k: v / N for k, v in g.items()}
