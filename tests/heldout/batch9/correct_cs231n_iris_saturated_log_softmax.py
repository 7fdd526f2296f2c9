"""Correct at saturated logits: CS231n on iris, log-softmax loss and probs - onehot, at a point where exp underflows."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "iris", "convention": "cs231n", "scale": 20.0}


def backward(params, X, y):
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(params["W1"]) + params["b1"])
    scores = hidden.dot(params["W2"]) + params["b2"]
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_probs[range(N), y])
    dscores = np.exp(log_probs)
    dscores[range(N), y] -= 1
    dscores /= N
    dhidden = dscores.dot(params["W2"].T)
    dhidden[hidden <= 0] = 0
    return loss, {"W1": X.T.dot(dhidden), "b1": np.sum(dhidden, axis=0), "W2": hidden.T.dot(dscores),
                  "b2": np.sum(dscores, axis=0)}
