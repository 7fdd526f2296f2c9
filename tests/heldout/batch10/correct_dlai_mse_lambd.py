"""Correct: deeplearning.ai layout on diabetes progression with lambd: dZ2 = 2 (A2 - Y) / m, dW += lambd / m * W."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "diabetes_progression", "convention": "deeplearning-ai", "l2": 0.3}

lambd = 0.3


def backward(parameters, X, Y):
    m = X.shape[1]
    caches = []
    A = X
    for l in (1, 2):
        Z = parameters["W" + str(l)] @ A + parameters["b" + str(l)]
        caches.append((A, Z))
        A = np.maximum(0, Z) if l == 1 else Z
    grads = {}
    dZ = 2 * (A - Y) / m
    for l in (2, 1):
        A_prev, _ = caches[l - 1]
        grads["dW" + str(l)] = dZ @ A_prev.T + lambd / m * parameters["W" + str(l)]
        grads["db" + str(l)] = dZ.sum(axis=1, keepdims=True)
        if l == 2:
            dZ = (parameters["W2"].T @ dZ) * (caches[0][1] > 0)
    return grads
