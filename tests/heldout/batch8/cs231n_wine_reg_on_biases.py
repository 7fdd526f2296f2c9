"""CS231n on wine with reg: the regularization loop runs over every parameter, biases included."""
import numpy as np

EXPECTED = {"mistakes": ["l2:on-biases"], "wrong": ["b1", "b2"], "data": "wine", "convention": "cs231n", "l2": 0.02}

reg = 0.02


def backward(params, X, y):
    N = X.shape[0]
    hidden = np.maximum(0, X @ params["W1"] + params["b1"])
    scores = hidden @ params["W2"] + params["b2"]
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    dscores = probs
    dscores[np.arange(N), y] -= 1
    dscores /= N
    grads = {"W2": hidden.T @ dscores, "b2": dscores.sum(axis=0)}
    dhidden = (dscores @ params["W2"].T) * (hidden > 0)
    grads["W1"] = X.T @ dhidden
    grads["b1"] = dhidden.sum(axis=0)
    for name in grads:  # BUG: only the weights are regularized
        grads[name] += 2 * reg * params[name]
    return grads
