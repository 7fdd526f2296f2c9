"""Naive max and average pooling (NCHW, pool_param) as CS231n writes them, and realistic bugs."""
import numpy as np


def _windows(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    for i in range(1 + (H - ph) // s):
        for j in range(1 + (W - pw) // s):
            yield i, j, (slice(None), slice(None), slice(i * s, i * s + ph), slice(j * s, j * s + pw))


def _out_shape(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    return N, C, 1 + (H - ph) // s, 1 + (W - pw) // s


def max_pool_forward_naive(x, pool_param):
    out = np.zeros(_out_shape(x, pool_param))
    for i, j, win in _windows(x, pool_param):
        out[:, :, i, j] = x[win].max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    """The gradient to the first maximum of each window (np.argmax), as torch does."""
    x, pool_param = cache
    dx = np.zeros_like(x)
    N, C = x.shape[:2]
    for i, j, win in _windows(x, pool_param):
        region = x[win]
        for n in range(N):
            for c in range(C):
                k = np.unravel_index(np.argmax(region[n, c]), region[n, c].shape)
                dx[win][n, c][k] += dout[n, c, i, j]
    return dx


def max_pool_backward_every_position(dout, cache):
    """The gradient sent to every position of the window."""
    x, pool_param = cache
    dx = np.zeros_like(x)
    for i, j, win in _windows(x, pool_param):
        dx[win] += dout[:, :, i, j][:, :, None, None]
    return dx


def max_pool_backward_every_tie(dout, cache):
    """The gradient to every position equal to the maximum (a mask): right without ties."""
    x, pool_param = cache
    dx = np.zeros_like(x)
    for i, j, win in _windows(x, pool_param):
        region = x[win]
        mask = region == region.max(axis=(2, 3), keepdims=True)
        dx[win] += mask * dout[:, :, i, j][:, :, None, None]
    return dx


def avg_pool_forward_naive(x, pool_param):
    out = np.zeros(_out_shape(x, pool_param))
    for i, j, win in _windows(x, pool_param):
        out[:, :, i, j] = x[win].mean(axis=(2, 3))
    return out, (x, pool_param)


def avg_pool_backward_naive(dout, cache):
    x, pool_param = cache
    dx = np.zeros_like(x)
    size = pool_param["pool_height"] * pool_param["pool_width"]
    for i, j, win in _windows(x, pool_param):
        dx[win] += dout[:, :, i, j][:, :, None, None] / size
    return dx


def avg_pool_backward_not_divided(dout, cache):
    """The window's size forgotten."""
    x, pool_param = cache
    dx = np.zeros_like(x)
    for i, j, win in _windows(x, pool_param):
        dx[win] += dout[:, :, i, j][:, :, None, None]
    return dx
