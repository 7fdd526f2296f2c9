"""torch layout, MSELoss on diabetes progression: the residual written target - output in the gradient."""
import numpy as np

EXPECTED = {"mistakes": ["factor:-1"], "wrong": ["W1", "b1", "W2", "b2"], "data": "diabetes_progression",
            "convention": "torch"}


def backward(params, inputs, targets):
    targets = targets.reshape(-1, 1)
    hidden_pre = inputs @ params["W1"].T + params["b1"]
    hidden = np.where(hidden_pre > 0, hidden_pre, 0.0)
    outputs = hidden @ params["W2"].T + params["b2"]
    d_outputs = 2 * (targets - outputs) / len(inputs)  # BUG: d/d(outputs) of (outputs - targets)^2 is 2 (outputs - targets)
    d_hidden = (d_outputs @ params["W2"]) * (hidden_pre > 0)
    return {"W1": d_hidden.T @ inputs, "b1": d_hidden.sum(axis=0),
            "W2": d_outputs.T @ hidden, "b2": d_outputs.sum(axis=0)}
