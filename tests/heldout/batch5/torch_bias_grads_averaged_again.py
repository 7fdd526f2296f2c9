"""torch layout on Pima: grad_output is already / N, and the bias grads take .mean(0) of it."""
import numpy as np

EXPECTED = {"mistakes": ["factor:1/N"], "wrong": ["b1", "b2"], "convention": "torch"}


def backward(params, input, target):
    weight1, bias1, weight2, bias2 = params["W1"], params["b1"], params["W2"], params["b2"]
    target = target[:, None]
    pre = input @ weight1.T + bias1
    hid = np.maximum(pre, 0.0)
    out = 1.0 / (1.0 + np.exp(-(hid @ weight2.T + bias2)))
    grad_output = (out - target) / input.shape[0]
    grad_hid = (grad_output @ weight2) * (pre > 0)
    return {"W1": grad_hid.T @ input, "b1": grad_hid.mean(0),  # BUG: .sum(0)
            "W2": grad_output.T @ hid, "b2": grad_output.mean(0)}  # BUG: .sum(0)
