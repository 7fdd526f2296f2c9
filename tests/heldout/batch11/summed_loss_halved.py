"""The gradient of 0.5 * sum over examples (a squared-error template's 1/2 kept, the mean dropped): N/2 times every gradient."""
import numpy as np

EXPECTED = {"mistakes": ["factor:N", "factor:1/2"], "wrong": ["W1", "b1", "W2", "b2"]}


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    hidden = np.maximum(X @ W1 + b1, 0.0)
    prob = 1.0 / (1.0 + np.exp(-(hidden @ W2 + b2)))
    err = 0.5 * (prob - y)  # BUG: (prob - y) / len(X)
    d_hidden = (err @ W2.T) * (hidden > 0)
    return {"W1": X.T @ d_hidden, "b1": d_hidden.sum(axis=0, keepdims=True),
            "W2": hidden.T @ err, "b2": err.sum(axis=0, keepdims=True)}
