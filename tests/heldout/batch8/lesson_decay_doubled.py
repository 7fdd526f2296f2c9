"""The lesson's layout with weight_decay (loss + weight_decay / 2 * sum W^2): the gradient adds 2 * weight_decay * W."""
import numpy as np

EXPECTED = {"mistakes": ["l2_doubled"], "wrong": ["W1", "W2"], "l2": 0.05}

weight_decay = 0.05


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))  # (N, 1)
    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2 + 2 * weight_decay * W2  # BUG: d/dW of weight_decay / 2 * W^2 is weight_decay * W
    db2 = np.sum(dz2, axis=0, keepdims=True)
    dz1 = dz2 @ W2.T * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1 + 2 * weight_decay * W1  # BUG: same
    db1 = np.sum(dz1, axis=0, keepdims=True)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
