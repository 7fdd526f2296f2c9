"""CS231n on iris: dscores = (probs - onehot) then multiplied elementwise by probs * (1 - probs), the sigmoid habit."""
import numpy as np

EXPECTED = {"mistakes": ["softmax_extra_jacobian"], "wrong": ["W1", "b1", "W2", "b2"], "data": "iris",
            "convention": "cs231n"}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    exp_scores = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    dscores = probs.copy()
    dscores[range(N), y] -= 1
    dscores *= probs * (1 - probs)  # BUG: the softmax's derivative is already in probs - onehot
    dscores /= N
    dhidden = dscores.dot(W2.T)
    dhidden[hidden <= 0] = 0
    return {"W1": X.T.dot(dhidden), "b1": dhidden.sum(axis=0), "W2": hidden.T.dot(dscores), "b2": dscores.sum(axis=0)}
