"""Per-example accumulation that never divides by the batch size at the end."""
import numpy as np

EXPECTED = {"mistakes": ["factor:N"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    acc = {name: np.zeros_like(value) for name, value in params.items()}
    for x_i, y_i in zip(X, y):
        h_in = x_i @ params["W1"] + params["b1"][0]
        h = np.maximum(h_in, 0)
        out = h @ params["W2"][:, 0] + params["b2"][0, 0]
        p = 1.0 / (1.0 + np.exp(-out))
        err = p - y_i[0]
        acc["W2"][:, 0] += err * h
        acc["b2"][0, 0] += err
        back = err * params["W2"][:, 0] * (h_in > 0)
        acc["W1"] += np.outer(x_i, back)
        acc["b1"][0] += back
    return acc  # BUG: the sums, not the means
