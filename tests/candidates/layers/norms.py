"""Batch normalization (training mode) and layer normalization as CS231n writes them, and realistic bugs."""
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param, swap_momentum=False):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    if swap_momentum:
        momentum = 1 - momentum
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        std = np.sqrt(var + eps)
        x_hat = (x - mu) / std
        out = gamma * x_hat + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        cache = (x_hat, gamma, std)
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_forward_momentum_swapped(x, gamma, beta, bn_param):
    """The running averages kept with 1 - momentum: the batch weighs 0.9, the history 0.1."""
    return batchnorm_forward(x, gamma, beta, bn_param, swap_momentum=True)


def batchnorm_backward_alt(dout, cache):
    x_hat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (N * std)
    return dx, dgamma, dbeta


def batchnorm_backward_no_mean_terms(dout, cache):
    """dx as if the batch's mean and variance were constants: dout * gamma / std."""
    x_hat, gamma, std = cache
    return dout * gamma / std, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def batchnorm_forward_unbiased(x, gamma, beta, bn_param):
    """A wrong forward: the variance with N - 1 (torch's and the course's batch norm use N)."""
    eps = bn_param.get("eps", 1e-5)
    mu = x.mean(axis=0)
    std = np.sqrt(x.var(axis=0, ddof=1) + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def layernorm_backward(dout, cache):
    x_hat, gamma, std = cache
    D = dout.shape[1]
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * gamma
    dx = (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)
          - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True)) / (D * std)
    return dx, dgamma, dbeta


def layernorm_backward_batch_axis(dout, cache):
    """Batch norm's backward pasted in: the mean-of-gradient terms over the batch, not the features."""
    x_hat, gamma, std = cache
    N = dout.shape[0]
    dx_hat = dout * gamma
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (N * std)
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def batchnorm_forward_eps_outside(x, gamma, beta, bn_param):
    """A wrong forward: eps added to the standard deviation, not to the variance."""
    eps = bn_param.get("eps", 1e-5)
    mu = x.mean(axis=0)
    std = np.sqrt(x.var(axis=0)) + eps
    x_hat = (x - mu) / std
    bn_param["running_mean"] = 0.1 * mu
    bn_param["running_var"] = 0.1 * x.var(axis=0)
    return gamma * x_hat + beta, (x_hat, gamma, std)


def batchnorm_forward_batch_statistics_in_test(x, gamma, beta, bn_param):
    """A wrong forward: bn_param["mode"] ignored, test mode normalized with the batch's own statistics."""
    mode, bn_param["mode"] = bn_param["mode"], "train"
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["mode"] = mode
    return out, cache


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Each channel normalized over N, H and W: the channels last, batchnorm_forward, back (CS231n's)."""
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, C), gamma, beta, bn_param)
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = batchnorm_backward_alt(dout.transpose(0, 2, 3, 1).reshape(-1, C), cache)
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta


def spatial_batchnorm_forward_no_transpose(x, gamma, beta, bn_param):
    """A wrong forward: x.reshape(-1, C) without moving the channels last, so each column mixes channels."""
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(x.reshape(-1, C), gamma, beta, bn_param)
    return out.reshape(N, C, H, W), cache


def spatial_batchnorm_backward_no_transpose(dout, cache):
    """The backward of that forward (the same reshape): the gradient of the wrong forward."""
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = batchnorm_backward_alt(dout.reshape(-1, C), cache)
    return dx.reshape(N, C, H, W), dgamma, dbeta


def spatial_batchnorm_backward_dgamma_of_first_image(dout, cache):
    """dgamma and dbeta summed over the first image's positions alone (a slice where the sum is over N too)."""
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    x_hat = cache[0]
    N, C, H, W = dout.shape
    first = dout[:1].transpose(0, 2, 3, 1).reshape(-1, C)
    return dx, np.sum(first * x_hat[:H * W], axis=0), first.sum(axis=0)
