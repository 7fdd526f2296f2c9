"""The residual block, every path right, but dW0 written as dx^T X (the outer product the wrong way
round; W0 is square, so the shape does not say)."""
import numpy as np

FORWARD = "skip_connection"
EXPECTED = {"W0": "transpose"}


def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    x = X @ params["W0"]  # (N, D)
    a = np.tanh(x @ params["W1"])  # (N, H)
    h = x + a @ params["W2"]  # (N, D)
    dout = 2 * (h @ params["V"] - y) / len(X)  # (N, 1)
    dh = dout @ params["V"].T  # (N, D)
    dz = dh @ params["W2"].T * (1 - a * a)  # (N, H)
    dx = dh + dz @ params["W1"].T  # (N, D)
    return {"W0": dx.T @ X, "W1": x.T @ dz, "W2": a.T @ dh, "V": h.T @ dout}
