"""The half squared error on the raw output, with np.dot."""
import numpy as np

EXPECTED = {"mistakes": ["head:mse"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    h_lin = np.dot(X, params["W1"]) + params["b1"]
    h = h_lin * (h_lin > 0)
    out = np.dot(h, params["W2"]) + params["b2"]
    d_out = (out - y) / X.shape[0]  # BUG: d/d out of 0.5 * mean((out - y)**2)
    d_h_lin = np.dot(d_out, params["W2"].T) * (h_lin > 0)
    return {"W1": np.dot(X.T, d_h_lin), "b1": np.sum(d_h_lin, axis=0, keepdims=True),
            "W2": np.dot(h.T, d_out), "b2": np.sum(d_out, axis=0, keepdims=True)}
