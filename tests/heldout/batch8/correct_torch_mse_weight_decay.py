"""Correct: torch layout on diabetes progression, MSELoss plus weight_decay / 2 * sum W^2, loss and grads."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "diabetes_progression", "convention": "torch", "l2": 0.01}

weight_decay = 0.01


def backward(params, x, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    target = y.reshape(-1, 1)
    h_pre = x @ W1.T + b1
    h = np.maximum(h_pre, 0)
    out = h @ W2.T + b2
    loss = np.mean((out - target) ** 2) + weight_decay / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    g_out = 2 * (out - target) / out.size
    g_h = g_out @ W2 * (h_pre > 0)
    return loss, {"W1": g_h.T @ x + weight_decay * W1, "b1": g_h.sum(0),
                  "W2": g_out.T @ h + weight_decay * W2, "b2": g_out.sum(0)}
