"""CS231n on iris with reg (loss + reg * sum W^2): the gradient adds reg * W, the derivative's 2 dropped."""
import numpy as np

EXPECTED = {"mistakes": ["l2:no-2"], "wrong": ["W1", "W2"], "data": "iris", "convention": "cs231n", "l2": 0.1}

reg = 0.1


class TwoLayerNet:
    def __init__(self, params):
        self.params = params

    def loss(self, X, y):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        N = X.shape[0]
        h = np.maximum(0, X.dot(W1) + b1)
        scores = h.dot(W2) + b2
        scores -= np.max(scores, axis=1, keepdims=True)
        p = np.exp(scores)
        p /= np.sum(p, axis=1, keepdims=True)
        loss = -np.log(p[np.arange(N), y]).mean() + reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        dscores = p
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {"W2": h.T.dot(dscores) + reg * W2, "b2": dscores.sum(axis=0)}  # BUG: 2 * reg * W2
        dh = dscores.dot(W2.T) * (h > 0)
        grads["W1"] = X.T.dot(dh) + reg * W1  # BUG: 2 * reg * W1
        grads["b1"] = dh.sum(axis=0)
        return loss, grads


def backward(params, X, y):
    return TwoLayerNet(params).loss(X, y)
