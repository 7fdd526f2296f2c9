"""Nielsen-style per-example loop on Pima: every sum divided by n at the end except db2's."""
import numpy as np

EXPECTED = {"mistakes": ["factor:N"], "wrong": ["b2"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    nabla_W1, nabla_b1 = np.zeros_like(W1), np.zeros_like(b1)
    nabla_W2, nabla_b2 = np.zeros_like(W2), np.zeros_like(b2)
    n = len(X)
    for x, t in zip(X, y):
        x = x.reshape(1, -1)
        z1 = x @ W1 + b1
        a1 = np.maximum(z1, 0)
        out = 1.0 / (1.0 + np.exp(-(a1 @ W2 + b2)))
        delta2 = out - t
        delta1 = (delta2 @ W2.T) * (z1 > 0)
        nabla_W2 += a1.T @ delta2
        nabla_b2 += delta2
        nabla_W1 += x.T @ delta1
        nabla_b1 += delta1
    return {"W1": nabla_W1 / n, "b1": nabla_b1 / n, "W2": nabla_W2 / n, "b2": nabla_b2}  # BUG: nabla_b2 not / n
