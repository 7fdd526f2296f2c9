"""Correct: CS231n on wine with a summed loss and reg: dscores without / N, dW += 2 * reg * W."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "wine", "convention": "cs231n", "reduction": "sum", "l2": 0.05}

reg = 0.05


def backward(params, X, y):
    N = X.shape[0]
    hidden = np.maximum(0, X @ params["W1"] + params["b1"])
    scores = hidden @ params["W2"] + params["b2"]
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), y]).sum() + reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    dscores = probs
    dscores[np.arange(N), y] -= 1
    dhidden = dscores @ params["W2"].T * (hidden > 0)
    return loss, {"W1": X.T @ dhidden + 2 * reg * params["W1"], "b1": dhidden.sum(axis=0),
                  "W2": hidden.T @ dscores + 2 * reg * params["W2"], "b2": dscores.sum(axis=0)}
