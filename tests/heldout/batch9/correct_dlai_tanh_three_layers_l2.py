"""Correct: deeplearning.ai L-layer model, tanh hidden layers (16,16,16), L2 with lambd, caches as tuples."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "activation": "tanh", "hidden": [16, 16, 16],
            "convention": "deeplearning-ai", "l2": 0.7}

lambd = 0.7


def backward(parameters, X, Y):
    m = X.shape[1]
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L):
        A_prev = A
        A = np.tanh(np.dot(parameters["W" + str(l)], A_prev) + parameters["b" + str(l)])
        caches.append((A_prev, A))
    AL = 1 / (1 + np.exp(-(np.dot(parameters["W" + str(L)], A) + parameters["b" + str(L)])))
    grads = {}
    dZ = AL - Y
    A_prev = A
    for l in reversed(range(1, L + 1)):
        grads["dW" + str(l)] = 1. / m * np.dot(dZ, A_prev.T) + lambd / m * parameters["W" + str(l)]
        grads["db" + str(l)] = 1. / m * np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            A_prev, A_l = caches[l - 2]
            dZ = np.dot(parameters["W" + str(l)].T, dZ) * (1 - np.power(A_l, 2))
    return grads
