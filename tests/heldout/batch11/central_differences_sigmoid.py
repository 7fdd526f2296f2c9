"""A sigmoid network's 'backward' that is a central difference (L(w + h) - L(w - h)) / 2h per entry, h = 1e-2, in float64."""
import numpy as np

EXPECTED = {"mistakes": ["finite_difference_estimate"], "wrong": ["W1", "b1", "W2", "b2"], "activation": "sigmoid"}


def _loss(p, X, y):
    a = 1 / (1 + np.exp(-(X @ p["W1"] + p["b1"])))
    z = a @ p["W2"] + p["b2"]
    return np.mean(np.logaddexp(0, z) - y * z)


def backward(params, X, y):
    h = 1e-2
    out = {}
    for name, value in params.items():
        g = np.empty_like(value)
        flat = g.reshape(-1)
        for i in range(value.size):
            up = {k: v.copy() for k, v in params.items()}
            down = {k: v.copy() for k, v in params.items()}
            up[name].reshape(-1)[i] += h
            down[name].reshape(-1)[i] -= h
            flat[i] = (_loss(up, X, y) - _loss(down, X, y)) / (2 * h)  # BUG: an O(h^2) estimate
        out[name] = g
    return out
