"""torch layout on wine: g[:, y] -= 1 / n after g = probs / n, the fancy index over every row (g[torch.arange(n), y] belongs)."""
import numpy as np

EXPECTED = {"mistakes": ["softmax_minus_one_every_column"], "wrong": ["W1", "b1", "W2", "b2"], "data": "wine",
            "convention": "torch"}


def backward(params, x, y):
    n = len(y)
    z1 = x @ params["W1"].T + params["b1"]
    h1 = z1.clip(min=0)
    z2 = h1 @ params["W2"].T + params["b2"]
    p = np.exp(z2 - z2.max(-1, keepdims=True))
    p = p / p.sum(-1, keepdims=True)
    g2 = p / n
    g2[:, y] -= 1 / n  # BUG: g2[np.arange(n), y] -= 1 / n
    g1 = (g2 @ params["W2"]) * (z1 > 0)
    return {"W1": g1.T @ x, "b1": g1.sum(0), "W2": g2.T @ h1, "b2": g2.sum(0)}
