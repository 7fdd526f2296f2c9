"""Correct: a CS231n FullyConnectedNet-style loop over layers with a cache list, softmax on wine, reg."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "wine", "convention": "cs231n", "l2": 0.02}

reg = 0.02


def affine_forward(x, w, b):
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def backward(params, X, y):
    L = len(params) // 2
    caches, relu_masks, out = [], [], X
    for l in range(1, L + 1):
        out, cache = affine_forward(out, params[f"W{l}"], params[f"b{l}"])
        caches.append(cache)
        if l < L:
            relu_masks.append(out > 0)
            out = out * relu_masks[-1]
    scores = out - out.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    N = X.shape[0]
    loss = -np.log(probs[np.arange(N), y]).mean()
    dout = probs.copy()
    dout[np.arange(N), y] -= 1
    dout /= N
    grads = {}
    for l in range(L, 0, -1):
        loss += reg * np.sum(params[f"W{l}"] ** 2)
        dout, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dout, caches[l - 1])
        grads[f"W{l}"] += 2 * reg * params[f"W{l}"]
        if l > 1:
            dout = dout * relu_masks[l - 2]
    return loss, grads
