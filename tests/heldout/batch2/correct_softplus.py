"""Correct: the loss from softplus, the sigmoid through tanh, grads built in reverse layer order."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": []}


def backward(params, X, y):
    zs, acts = [], [X]
    for l in (1, 2):
        zs.append(acts[-1] @ params[f"W{l}"] + params[f"b{l}"])
        if l == 1:
            acts.append(np.maximum(zs[-1], 0))
    logit = zs[-1]
    loss = np.mean(np.logaddexp(0, logit) - y * logit)
    prob = 0.5 * (1 + np.tanh(0.5 * logit))
    grads, delta = {}, (prob - y) / len(X)
    for l in (2, 1):
        grads[f"W{l}"] = acts[l - 1].T @ delta
        grads[f"b{l}"] = delta.sum(axis=0, keepdims=True)
        if l == 2:
            delta = (delta @ params["W2"].T) * (zs[0] > 0)
    return float(loss), grads
