"""Different names: the hidden pre-activation used to form the output weight gradient."""
import numpy as np

EXPECTED = {"mistakes": ["cache:z-for-a"], "wrong": ["W2"]}


def backward(params, X, y):
    hidden_in = X.dot(params["W1"]) + params["b1"]
    hidden_out = np.maximum(hidden_in, 0.0)
    score = hidden_out.dot(params["W2"]) + params["b2"]
    prob = np.exp(-np.logaddexp(0.0, -score))
    delta = (prob - y) / X.shape[0]
    grad_W2 = hidden_in.T.dot(delta)  # BUG: hidden_in where hidden_out belongs
    back = delta.dot(params["W2"].T) * (hidden_in > 0)
    return {"W1": X.T.dot(back), "b1": back.sum(0, keepdims=True), "W2": grad_W2, "b2": delta.sum(0, keepdims=True)}
