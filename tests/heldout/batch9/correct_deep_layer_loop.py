"""Correct: hidden 64,64 as a list of (W, b) layers, forward and backward as loops, the mask taken from each layer's a."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "hidden": [64, 64]}


def backward(params, X, y):
    L = len(params) // 2
    layers = [(params[f"W{l}"], params[f"b{l}"]) for l in range(1, L + 1)]
    acts = [X]
    for W, b in layers[:-1]:
        acts.append(np.maximum(0, acts[-1] @ W + b))
    W, b = layers[-1]
    y_hat = 1 / (1 + np.exp(-(acts[-1] @ W + b)))
    delta = (y_hat - y) / len(X)  # dz_L
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = acts[l - 1].T @ delta
        grads[f"b{l}"] = delta.sum(axis=0, keepdims=True)
        if l > 1:
            delta = (delta @ layers[l - 1][0].T) * (acts[l - 1] > 0)
    return grads
