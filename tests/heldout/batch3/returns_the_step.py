"""Returns the SGD step lr * grad (lr = 0.1) instead of the gradient."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/10"], "wrong": ["W1", "b1", "W2", "b2"]}

LEARNING_RATE = 0.1


def backward(params, X, y):
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    dz2 = (y_hat - y) / N
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True)}
    return {k: LEARNING_RATE * g for k, g in grads.items()}  # BUG: the step, not the gradient
