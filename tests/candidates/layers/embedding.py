"""Word embedding and temporal affine as CS231n writes them (assignment 3), and realistic bugs."""
import numpy as np


def word_embedding_forward(x, W):
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    np.add.at(dW, x, dout)
    return dW


def word_embedding_backward_overwrites(dout, cache):
    """dW[x] = dout: a word repeated in the batch keeps only its last gradient."""
    x, shape = cache
    dW = np.zeros(shape)
    dW[x] = dout
    return dW


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    out = x.reshape(N * T, D).dot(w).reshape(N, T, -1) + b
    return out, (x, w, b)


def temporal_affine_backward(dout, cache):
    x, w, b = cache
    N, T, D = x.shape
    M = b.shape[0]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T.dot(dout.reshape(N * T, M))
    return dx, dw, dout.sum(axis=(0, 1))


def temporal_affine_backward_db_last_step(dout, cache):
    """db from the last time step only."""
    dx, dw, db = temporal_affine_backward(dout, cache)
    return dx, dw, dout[:, -1].sum(axis=0)
