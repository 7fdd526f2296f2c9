"""CS231n on wine, the 'stable' softmax shifted by the row min instead of the row max: exp(scores - min) overflows, inf / inf."""
import numpy as np

EXPECTED = {"mistakes": ["nan_exp_overflow"], "wrong": ["W1", "b1", "W2", "b2"], "data": "wine",
            "convention": "cs231n", "scale": 30.0}


def backward(params, X, y):
    N = X.shape[0]
    h = np.maximum(0, X.dot(params["W1"]) + params["b1"])
    scores = h.dot(params["W2"]) + params["b2"]
    exp_scores = np.exp(scores - np.min(scores, axis=1, keepdims=True))  # BUG: np.max; every shift is >= 0 here
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    dscores = probs
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dh = dscores.dot(params["W2"].T) * (h > 0)
    return {"W1": X.T.dot(dh), "b1": dh.sum(axis=0), "W2": h.T.dot(dscores), "b2": dscores.sum(axis=0)}
