"""CS231n on wine: dscores[:, y] -= 1 subtracts 1 from every column that is some row's label, in every row."""
import numpy as np

EXPECTED = {"mistakes": ["softmax_minus_one_every_column"], "wrong": ["W1", "b1", "W2", "b2"], "data": "wine",
            "convention": "cs231n"}


def backward(params, X, y):
    N = X.shape[0]
    hidden = np.maximum(0, X @ params["W1"] + params["b1"])
    scores = hidden @ params["W2"] + params["b2"]
    exp_scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    dscores = exp_scores / exp_scores.sum(axis=1, keepdims=True)
    dscores[:, y] -= 1  # BUG: dscores[range(N), y] -= 1
    dscores /= N
    dhidden = dscores @ params["W2"].T
    dhidden[hidden <= 0] = 0
    return {"W1": X.T @ dhidden, "b1": dhidden.sum(axis=0), "W2": hidden.T @ dscores, "b2": dscores.sum(axis=0)}
