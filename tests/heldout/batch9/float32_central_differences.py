"""A 'backward' that is a central-difference estimate computed in float32 (h = 1e-3), the gradient-check code reused."""
import numpy as np

EXPECTED = {"mistakes": ["finite_difference_estimate", "float32_precision"], "wrong": ["W1", "b1", "W2", "b2"]}


def loss(params, X, y):
    a1 = np.maximum(0, X @ params["W1"] + params["b1"])
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    return -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))


def backward(params, X, y):
    h = np.float32(1e-3)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    grads = {}
    for k in p32:
        g = np.zeros(p32[k].shape)
        it = np.nditer(p32[k], flags=["multi_index"])
        while not it.finished:
            i = it.multi_index
            old = p32[k][i]
            p32[k][i] = old + h
            up = loss(p32, X32, y32)
            p32[k][i] = old - h
            down = loss(p32, X32, y32)
            p32[k][i] = old
            g[i] = (up - down) / (2 * h)  # BUG: a float32 estimate where the exact gradient belongs
            it.iternext()
        grads[k] = g
    return grads
