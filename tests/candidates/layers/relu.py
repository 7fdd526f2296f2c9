"""ReLU, sigmoid, tanh and leaky ReLU layers in CS231n's style, and realistic bugs."""
import numpy as np


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    x = cache
    return dout * (x > 0)


def relu_backward_ge(dout, cache):
    """relu'(0) = 1: still a subgradient at an exact zero (0 and 1 both bound it)."""
    return dout * (cache >= 0)


def relu_backward_passes_x(dout, cache):
    """Multiplies by x instead of the mask."""
    return dout * np.maximum(0, cache)


def relu_backward_no_mask(dout, cache):
    """The gradient passed through unchanged."""
    return dout.copy()


def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x))
    return out, out


def sigmoid_backward(dout, cache):
    s = cache
    return dout * s * (1 - s)


def sigmoid_backward_of_x(dout, cache):
    """sigmoid'(x) taken as s(x) (1 - s(x)) of the *output* again: s(s)(1 - s(s))."""
    s = 1 / (1 + np.exp(-cache))
    return dout * s * (1 - s)


def tanh_forward(x):
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    return dout * (1 - cache ** 2)


def tanh_backward_missing_square(dout, cache):
    return dout * (1 - cache)


def leaky_relu_forward(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x), (x, alpha)


def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha)


def leaky_relu_backward_zero_slope(dout, cache):
    """The negative side's slope forgotten: ReLU's backward."""
    x, alpha = cache
    return dout * (x > 0)
