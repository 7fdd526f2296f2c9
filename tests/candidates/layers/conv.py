"""Naive convolution (NCHW, conv_param stride and pad) as CS231n writes it, and realistic bugs."""
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho = 1 + (H + 2 * pad - HH) // stride
    Wo = 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    window = xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    N, _, Ho, Wo = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    hs, ws = i * stride, j * stride
                    dw[f] += xp[n, :, hs:hs + HH, ws:ws + WW] * dout[n, f, i, j]
                    dxp[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    return dx, dw, db


def conv_backward_flipped_kernel(dout, cache):
    """dx through the kernel flipped in both spatial axes (true convolution's adjoint written twice)."""
    x, w, b, conv_param = cache
    dx, dw, db = conv_backward_naive(dout, (x, w[:, :, ::-1, ::-1], b, conv_param))
    dw = conv_backward_naive(dout, cache)[1]
    return dx, dw, db


def conv_backward_padding_not_cropped(dout, cache):
    """dx returned with the padding still on: (N, C, H + 2 pad, W + 2 pad)."""
    x, w, b, conv_param = cache
    pad = conv_param["pad"]
    dx, dw, db = conv_backward_naive(dout, cache)
    return np.pad(dx, ((0, 0), (0, 0), (pad, pad), (pad, pad))), dw, db


def conv_backward_stride_ignored(dout, cache):
    """The backward walks the windows with stride 1 whatever conv_param says."""
    x, w, b, conv_param = cache
    return conv_backward_naive(dout, (x, w, b, dict(conv_param, stride=1)))


def conv_forward_no_padding(x, w, b, conv_param):
    """A wrong forward: pad ignored."""
    return conv_forward_naive(x, w, b, dict(conv_param, pad=0))[0], (x, w, b, conv_param)


def conv_backward_crop_negative(dout, cache):
    """The padding cropped as dxp[:, :, pad:-pad, pad:-pad]: right with padding, empty without it."""
    x, w, b, conv_param = cache
    pad = conv_param["pad"]
    dx, dw, db = conv_backward_naive(dout, (x, w, b, conv_param))
    dxp = np.pad(dx, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return dxp[:, :, pad:-pad, pad:-pad], dw, db


def _patches(xp, HH, WW, stride):
    """The windows of the padded input, (N, C, Ho, Wo, HH, WW), a view (no copy)."""
    windows = np.lib.stride_tricks.sliding_window_view(xp, (HH, WW), axis=(2, 3))
    return windows[:, :, ::stride, ::stride]


def conv_forward_fast(x, w, b, conv_param):
    """The same layer without Python loops (CS231n's conv_forward_fast does it with im2col)."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.einsum("nchwij,fcij->nfhw", _patches(xp, HH, WW, stride), w, optimize=True) + b[None, :, None, None]
    return out, (x, w, b, conv_param)


def conv_backward_fast(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    N, _, Ho, Wo = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.einsum("nchwij,nfhw->fcij", _patches(xp, HH, WW, stride), dout, optimize=True)
    db = dout.sum(axis=(0, 2, 3))
    dxp = np.zeros_like(xp)
    for i in range(HH):  # each kernel offset scatters every window at once
        for j in range(WW):
            dxp[:, :, i:i + stride * Ho:stride, j:j + stride * Wo:stride] += np.einsum("nfhw,fc->nchw", dout, w[:, :, i, j])
    return dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]], dw, db


def conv_forward_relu(x, w, b, conv_param):
    """A wrong forward: the convolution followed by a ReLU (conv_relu_forward given as the conv layer):
    a kink the conv layer has not, and not linear in any array."""
    out, cache = conv_forward_naive(x, w, b, conv_param)
    return np.maximum(out, 0), cache
