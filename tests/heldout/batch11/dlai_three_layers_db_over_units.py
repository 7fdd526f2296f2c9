"""deeplearning.ai L-layer loop (relu 16,16): db = np.sum(dZ, axis=0, keepdims=True), the units summed where axis=1 (the examples) belongs: shape (1, m)."""
import numpy as np

EXPECTED = {"mistakes": ["contract:shape", "bias_summed_over_units"], "wrong": ["b1", "b2", "b3"],
            "convention": "deeplearning-ai", "hidden": [16, 16]}


def backward(parameters, X, Y):
    m = X.shape[1]
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        Z = parameters["W" + str(l)] @ A + parameters["b" + str(l)]
        caches.append((A, Z))
        A = np.maximum(0, Z) if l < L else 1 / (1 + np.exp(-Z))
    grads, dZ = {}, A - Y
    for l in range(L, 0, -1):
        A_prev, Z = caches[l - 1]
        grads["dW" + str(l)] = dZ @ A_prev.T / m
        grads["db" + str(l)] = np.sum(dZ, axis=0, keepdims=True) / m  # BUG: axis=1 in this layout
        if l > 1:
            dZ = (parameters["W" + str(l)].T @ dZ) * (caches[l - 2][1] > 0)
    return grads
