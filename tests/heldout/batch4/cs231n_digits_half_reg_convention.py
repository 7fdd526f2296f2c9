"""CS231n style on digits with the 0.5 * reg * sum(W ** 2) habit: loss and gradient both use it, so the
gradient is reg * W where the checked loss reg * sum(W ** 2) gives 2 * reg * W."""
import numpy as np

EXPECTED = {"mistakes": ["l2:no-2"], "wrong": ["W1", "W2"], "data": "digits", "convention": "cs231n", "l2": 0.01}

reg = 0.01


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    num_train = X.shape[0]
    hidden = np.maximum(0, X @ W1 + b1)
    scores = hidden @ W2 + b2
    scores = scores - scores.max(axis=1)[:, None]
    probs = np.exp(scores) / np.exp(scores).sum(axis=1)[:, None]
    data_loss = -np.log(probs[np.arange(num_train), y]).sum() / num_train
    loss = data_loss + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))  # BUG: the 0.5 convention
    dscores = probs
    dscores[np.arange(num_train), y] -= 1
    dscores /= num_train
    dhidden = dscores @ W2.T
    dhidden[hidden <= 0] = 0
    return loss, {"W1": X.T @ dhidden + reg * W1, "b1": dhidden.sum(axis=0),
                  "W2": hidden.T @ dscores + reg * W2, "b2": dscores.sum(axis=0)}
