"""The PyTorch oracle: the network written again as PyTorch code, ``loss.backward()``.

It never calls reference code: only the spec (sizes, activation, dtype) and the arrays cross over.
"""
from __future__ import annotations

import numpy as np

LEAKY_SLOPE = 0.01  # F.leaky_relu's default


def _activation(name):
    import torch
    import torch.nn.functional as F

    return {"relu": F.relu, "identity": lambda z: z, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
            "leaky_relu": lambda z: F.leaky_relu(z, LEAKY_SLOPE)}[name]


def torch_oracle(spec, params: dict, X, y):
    """``(loss, grads)`` from ``torch.autograd``; grads as float64 NumPy arrays."""
    import torch
    import torch.nn.functional as F

    dtype = getattr(torch, spec.dtype)
    act = _activation(spec.activation)
    weights = {k: torch.tensor(np.asarray(v), dtype=dtype, requires_grad=True) for k, v in params.items()}
    a = torch.as_tensor(np.asarray(X), dtype=dtype)
    target = torch.as_tensor(np.asarray(y), dtype=dtype)
    n_layers = len(spec.sizes) - 1
    for l in range(1, n_layers + 1):
        z = a @ weights[f"W{l}"] + weights[f"b{l}"]
        a = act(z) if l < n_layers else z
    loss = F.binary_cross_entropy_with_logits(z, target)
    loss.backward()
    return float(loss.item()), {k: w.grad.numpy().astype(np.float64) for k, w in weights.items()}
