"""Hidden 64,64: dW3 built from the first hidden layer's activations (a1.T @ dz3), the same shape as a2's."""
import numpy as np

EXPECTED = {"mistakes": ["cache:wrong-layer"], "wrong": ["W3"], "hidden": [64, 64]}


def backward(params, X, y):
    N = X.shape[0]
    cache = {"a0": X}
    a = X
    for l in (1, 2):
        cache[f"z{l}"] = a @ params[f"W{l}"] + params[f"b{l}"]
        a = cache[f"a{l}"] = np.maximum(0, cache[f"z{l}"])
    y_hat = 1 / (1 + np.exp(-(a @ params["W3"] + params["b3"])))
    dz3 = (y_hat - y) / N
    grads = {"W3": cache["a1"].T @ dz3, "b3": dz3.sum(axis=0, keepdims=True)}  # BUG: cache["a2"]
    dz2 = dz3 @ params["W3"].T * (cache["z2"] > 0)
    grads["W2"], grads["b2"] = cache["a1"].T @ dz2, dz2.sum(axis=0, keepdims=True)
    dz1 = dz2 @ params["W2"].T * (cache["z1"] > 0)
    grads["W1"], grads["b1"] = X.T @ dz1, dz1.sum(axis=0, keepdims=True)
    return grads
