"""The PyTorch oracle: the network written again as PyTorch code, ``loss.backward()``.

It never calls reference code: only the spec (sizes, activation, dtype, head) and the arrays cross over.
"""
from __future__ import annotations

import numpy as np

LEAKY_SLOPE = 0.01  # F.leaky_relu's default
# THREADS: the oracle runs on one intra-op thread. These networks are too small to gain from more,
# and when another process holds the other core (a CI runner, a gradebook's --jobs 2, the fuzz's
# worker) two threads that wait on each other made one call 40x slower (76 ms against 1.6 ms).


def _activation(name):
    import torch
    import torch.nn.functional as F

    return {"relu": F.relu, "identity": lambda z: z, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
            "leaky_relu": lambda z: F.leaky_relu(z, LEAKY_SLOPE)}[name]


def l2_coefficient(spec, N: int) -> float:
    """``c`` in ``+ c * sum W^2``: torch's ``weight_decay`` adds ``wd / 2 * ||W||^2`` to the loss,
    CS231n's ``reg`` adds ``reg * sum W^2``, deeplearning.ai's ``lambd`` adds ``lambd / (2 m) * sum W^2``.
    The convention's reading of the user's number, shared by the framework oracles (the reference
    keeps its own, ``reference.heads.Head.l2_coefficient``)."""
    return {"weight_decay": spec.l2 / 2, "reg": spec.l2, "lambd": spec.l2 / (2 * N)}[spec.l2_form]


def _target(torch, y, z):
    return torch.as_tensor(np.asarray(y), dtype=z.dtype).reshape(z.shape)


def _bce(torch, F, z, y, reduction):
    return F.binary_cross_entropy_with_logits(z, _target(torch, y, z), reduction=reduction)


def _softmax(torch, F, z, y, reduction):
    labels = torch.as_tensor(np.asarray(y).reshape(-1).astype(np.int64))
    return F.cross_entropy(z, labels, reduction=reduction)


def _mse(torch, F, z, y, reduction):
    return F.mse_loss(z, _target(torch, y, z), reduction=reduction)


def _quadratic(torch, F, z, y, reduction):  # Nielsen's network.py: 1/(2n) sum ||sigmoid(z) - y||^2
    rows = 0.5 * F.mse_loss(torch.sigmoid(z), _target(torch, y, z), reduction="none").sum(dim=1)
    return rows.mean() if reduction == "mean" else rows.sum()


# each head in torch's words: (torch, F, logits z (N, C), y, reduction) -> the data term of the loss
HEADS = {"bce": _bce, "softmax": _softmax, "mse": _mse, "quadratic": _quadratic}


def torch_oracle(spec, params: dict, X, y):
    """``(loss, grads)`` from ``torch.autograd``; grads as float64 NumPy arrays.

    The head in torch's own words: ``F.binary_cross_entropy_with_logits`` (bce), ``F.cross_entropy``
    on integer labels (softmax), ``F.mse_loss`` (mse), each with ``reduction=spec.reduction``; the
    L2 term as ``c * W.pow(2).sum()`` over the weights only.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # see THREADS
    try:
        return _loss_and_grads(torch, spec, params, X, y)
    finally:
        torch.set_num_threads(threads)  # the user's process keeps its own setting


def _loss_and_grads(torch, spec, params: dict, X, y):
    import torch.nn.functional as F

    dtype = getattr(torch, spec.dtype)
    act = _activation(spec.activation)
    weights = {k: torch.tensor(np.asarray(v), dtype=dtype, requires_grad=True) for k, v in params.items()}
    a = torch.as_tensor(np.asarray(X), dtype=dtype)
    n_layers = len(spec.sizes) - 1
    for l in range(1, n_layers + 1):
        z = a @ weights[f"W{l}"] + weights[f"b{l}"] if spec.bias else a @ weights[f"W{l}"]  # nn.Linear(bias=False)
        a = act(z) if l < n_layers else z
    loss = HEADS[spec.loss](torch, F, z, y, spec.reduction)
    if spec.l2:
        c = l2_coefficient(spec, z.shape[0])
        loss = loss + c * sum(w.pow(2).sum() for k, w in weights.items() if k.startswith("W"))
    loss.backward()
    return float(loss.item()), {k: w.grad.numpy().astype(np.float64) for k, w in weights.items()}
