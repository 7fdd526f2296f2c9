"""deeplearning.ai layout, dAL 'simplified' to (AL - Y) / (AL * (1 - AL)) then multiplied back by AL * (1 - AL): x / 0 once AL rounds to 0 or 1."""
import numpy as np

EXPECTED = {"mistakes": ["nan_division_by_zero"], "wrong": ["W1", "b1", "W2", "b2"], "convention": "deeplearning-ai",
            "scale": 10.0}


def backward(parameters, X, Y):
    m = X.shape[1]
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    AL = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    dAL = (AL - Y) / (AL * (1 - AL))  # BUG: AL * (1 - AL) is 0 where AL saturates
    dZ2 = dAL * AL * (1 - AL)
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    return {"dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m,
            "dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m}
