"""The lesson's layout with weight_decay: the decay is subtracted from the gradient (dW -= weight_decay * W), the update's sign carried into the gradient."""
import numpy as np

EXPECTED = {"mistakes": ["l2_sign_flipped"], "wrong": ["W1", "W2"], "l2": 0.05}

weight_decay = 0.05


def backward(params, X, y):
    N = len(X)
    cache = {"a0": X}
    a = X
    for l in (1, 2):
        z = a @ params[f"W{l}"] + params[f"b{l}"]
        a = np.maximum(0, z) if l == 1 else 1 / (1 + np.exp(-z))
        cache[f"z{l}"], cache[f"a{l}"] = z, a
    grads = {}
    dz = (cache["a2"] - y) / N
    for l in (2, 1):
        grads[f"W{l}"] = cache[f"a{l - 1}"].T @ dz - weight_decay * params[f"W{l}"]  # BUG: + weight_decay * W
        grads[f"b{l}"] = dz.sum(axis=0, keepdims=True)
        if l > 1:
            dz = (dz @ params[f"W{l}"].T) * (cache[f"z{l - 1}"] > 0)
    return grads
