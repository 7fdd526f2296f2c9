"""The PyTorch tutorial's names, torch layout on Pima: grad_w1 takes grad_h_relu (before the mask), not grad_h."""
import numpy as np

EXPECTED = {"mistakes": ["step:da-for-dz"], "wrong": ["W1"], "convention": "torch"}


def backward(params, x, y):
    w1, b1, w2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    y = y[:, None]
    h = x @ w1.T + b1
    h_relu = np.maximum(h, 0)
    y_pred = 1 / (1 + np.exp(-(h_relu @ w2.T + b2)))
    grad_y_pred = (y_pred - y) / len(x)
    grad_w2 = grad_y_pred.T @ h_relu
    grad_b2 = grad_y_pred.sum(0)
    grad_h_relu = grad_y_pred @ w2
    grad_h = grad_h_relu.copy()
    grad_h[h < 0] = 0
    grad_w1 = grad_h_relu.T @ x  # BUG: grad_h belongs here
    grad_b1 = grad_h.sum(0)
    return {"W1": grad_w1, "b1": grad_b1, "W2": grad_w2, "b2": grad_b2}
