"""CS231n on iris: db2 = np.sum(dscores), one number where the three classes' sums (axis=0) belong."""
import numpy as np

EXPECTED = {"mistakes": ["contract:shape", "bias_summed_over_every_axis"], "wrong": ["b2"], "data": "iris",
            "convention": "cs231n"}


def backward(params, X, y):
    N = X.shape[0]
    hidden = np.maximum(0, X @ params["W1"] + params["b1"])
    scores = hidden @ params["W2"] + params["b2"]
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    dscores = probs
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dhidden = dscores @ params["W2"].T
    dhidden[hidden <= 0] = 0
    return {"W1": X.T @ dhidden, "b1": dhidden.sum(axis=0), "W2": hidden.T @ dscores,
            "b2": np.sum(dscores)}  # BUG: np.sum(dscores, axis=0)
