"""deeplearning.ai L_model_backward, three hidden layers (16,16,16): dZL = (AL - Y) / m and linear_backward's 1/m again."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/N"], "wrong": ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"],
            "hidden": [16, 16, 16], "convention": "deeplearning-ai"}


def backward(parameters, X, Y):
    m = X.shape[1]
    L = len(parameters) // 2
    caches, A = [], X
    for l in range(1, L):
        Z = parameters["W" + str(l)] @ A + parameters["b" + str(l)]
        caches.append((A, Z))
        A = np.maximum(0, Z)
    AL = 1 / (1 + np.exp(-(parameters["W" + str(L)] @ A + parameters["b" + str(L)])))
    grads = {}
    dZ = (AL - Y) / m  # BUG: linear_backward divides by m below
    A_prev = A
    for l in reversed(range(1, L + 1)):
        grads["dW" + str(l)] = 1. / m * dZ @ A_prev.T
        grads["db" + str(l)] = 1. / m * np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            A_prev, Z = caches[l - 2]
            dZ = (parameters["W" + str(l)].T @ dZ) * (Z > 0)
    return grads
