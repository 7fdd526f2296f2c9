"""Affine layer as CS231n writes it (assignment 2, layers.py), and realistic bugs."""
import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def affine_backward_dx_not_reshaped(dout, cache):
    """dx left as (N, D): not x's shape (N, d_1, ..., d_k)."""
    x, w, b = cache
    dx = dout.dot(w.T)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def affine_backward_db_mean(dout, cache):
    """db averaged over the batch instead of summed."""
    dx, dw, db = affine_backward(dout, cache)
    return dx, dw, np.mean(dout, axis=0)


def affine_forward_no_bias(x, w, b):
    """A wrong forward: the bias forgotten (its backward, the gradient of this forward, matches it)."""
    out = x.reshape(x.shape[0], -1).dot(w)
    return out, (x, w, b)


def affine_backward_no_bias(dout, cache):
    dx, dw, db = affine_backward(dout, cache)
    return dx, dw, np.zeros_like(db)


_DW = {}  # a buffer kept between calls


def affine_backward_accumulates(dout, cache):
    """dw added into a buffer kept at module level and never reset: right at the first call only."""
    x, w, b = cache
    dx, dw, db = affine_backward(dout, cache)
    key = w.shape
    _DW[key] = _DW.get(key, 0) + dw
    return dx, _DW[key], db


def affine_backward_clipped(dout, cache):
    """dout clipped to [-3, 3] first ("gradient clipping" inside the layer): no longer linear in dout."""
    return affine_backward(np.clip(dout, -3, 3), cache)


def affine_backward_clipped_wide(dout, cache):
    """dout clipped to [-4.5, 4.5]: 2 dout reaches the clip only where some |dout| > 2.25 (a few points)."""
    return affine_backward(np.clip(dout, -4.5, 4.5), cache)
