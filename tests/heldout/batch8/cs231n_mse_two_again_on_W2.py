"""CS231n-style regression on diabetes progression: dscores = 2 (scores - y) / N, and the 2 written again in dW2."""
import numpy as np

EXPECTED = {"mistakes": ["factor:2"], "wrong": ["W2"], "data": "diabetes_progression", "convention": "cs231n"}


def backward(params, X, y):
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(params["W1"]) + params["b1"])
    scores = hidden.dot(params["W2"]) + params["b2"]  # (N, 1)
    loss = np.mean((scores[:, 0] - y) ** 2)
    dscores = 2 * (scores - y[:, None]) / N
    grads = {"W2": 2 * hidden.T.dot(dscores), "b2": dscores.sum(axis=0)}  # BUG: the 2 is in dscores already
    dhidden = dscores.dot(params["W2"].T) * (hidden > 0)
    grads["W1"] = X.T.dot(dhidden)
    grads["b1"] = dhidden.sum(axis=0)
    return loss, grads
