"""torch layout on diabetes progression with weight_decay: the decay is added to the output layer's weight only (fc2), fc1 forgotten."""
import numpy as np

EXPECTED = {"mistakes": ["l2_missing_from_gradient"], "wrong": ["W1"], "data": "diabetes_progression",
            "convention": "torch", "l2": 0.01}

weight_decay = 0.01


def backward(params, x, y):
    fc1_w, fc1_b, fc2_w, fc2_b = params["W1"], params["b1"], params["W2"], params["b2"]
    target = y[:, None]
    hidden_pre = x @ fc1_w.T + fc1_b
    hidden = np.where(hidden_pre > 0, hidden_pre, 0.0)
    pred = hidden @ fc2_w.T + fc2_b
    loss = ((pred - target) ** 2).mean() + weight_decay / 2 * ((fc1_w ** 2).sum() + (fc2_w ** 2).sum())
    d_pred = 2.0 * (pred - target) / pred.size
    d_fc2_w = d_pred.T @ hidden + weight_decay * fc2_w
    d_fc2_b = d_pred.sum(axis=0)
    d_hidden = (d_pred @ fc2_w) * (hidden_pre > 0)
    d_fc1_w = d_hidden.T @ x  # BUG: + weight_decay * fc1_w
    d_fc1_b = d_hidden.sum(axis=0)
    return loss, {"W1": d_fc1_w, "b1": d_fc1_b, "W2": d_fc2_w, "b2": d_fc2_b}
