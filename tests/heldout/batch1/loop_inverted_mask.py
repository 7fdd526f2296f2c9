"""A per-example loop with the mask written as z <= 0."""
import numpy as np

EXPECTED = {"mistakes": ["mask:inverted"], "wrong": ["W1", "b1"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    n = X.shape[0]
    for i in range(n):
        x = X[i]
        z = x @ W1 + b1[0]
        h = np.maximum(z, 0)
        o = h @ W2[:, 0] + b2[0, 0]
        p = 1 / (1 + np.exp(-o))
        e = (p - y[i, 0]) / n
        grads["W2"][:, 0] += e * h
        grads["b2"][0, 0] += e
        dh = e * W2[:, 0] * (z <= 0)  # BUG: the inactive units
        grads["W1"] += np.outer(x, dh)
        grads["b1"][0] += dh
    return grads
