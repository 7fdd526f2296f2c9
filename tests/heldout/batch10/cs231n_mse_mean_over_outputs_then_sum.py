"""CS231n-style regression on diabetes progression: loss = np.sum(np.mean((scores - y) ** 2, axis=1)), the mean over the outputs where the batch's belongs; dscores = 2 * (scores - y) / scores.shape[1]."""
import numpy as np

EXPECTED = {"mistakes": ["factor:N", "loss:summed"], "wrong": ["W1", "b1", "W2", "b2"], "data": "diabetes_progression",
            "convention": "cs231n"}


def backward(params, X, y):
    hidden = np.maximum(0, X.dot(params["W1"]) + params["b1"])
    scores = hidden.dot(params["W2"]) + params["b2"]  # (N, 1)
    target = y.reshape(scores.shape)
    loss = np.sum(np.mean((scores - target) ** 2, axis=1))  # BUG: mean over axis=0 (the examples)
    dscores = 2 * (scores - target) / scores.shape[1]
    dhidden = dscores.dot(params["W2"].T)
    dhidden[hidden <= 0] = 0
    return loss, {"W1": X.T.dot(dhidden), "b1": dhidden.sum(axis=0),
                  "W2": hidden.T.dot(dscores), "b2": dscores.sum(axis=0)}
