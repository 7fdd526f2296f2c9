"""The reference's backward written in each course's layout: correct code in every convention.

``speaking_reference(convention, activation, head)`` is a function ``backward(params, X, y)`` that
receives arrays as ``convention`` lays them out (``oracles/conventions.py``), turns them into
the canonical layout *by its own code* (not the judge's converters: transposes, reshapes and an
argmax of a one-hot), runs the reference and returns its gradients in the candidate's layout
under ``dW1`` keys (``W1`` keys when ``keys="W1"``). Wrapped in :class:`Conventional`, it is a
correct candidate that goes through both converters on every call: what the no-false-alarm
fuzz runs across conventions, and the zoo's correct rewrite in each convention.
"""
from __future__ import annotations

import numpy as np

from oracles.conventions import Conventional, layout
from oracles.isolation import InProcess
from reference.heads import LESSON, OUTPUTS, Head
from reference.model import backward


def _canonical_inputs(L, params: dict, X, y, loss: str):
    """Candidate's layout -> canonical, written independently of ``Layout``'s own converters."""
    canonical = {}
    for k, v in params.items():
        v = np.asarray(v)
        if k.startswith("W"):
            canonical[k] = v if L.w_in_out else v.T
        else:
            canonical[k] = v.reshape(1, -1)
    X = np.asarray(X)
    X = X if L.rows else X.T
    y = np.asarray(y)
    if OUTPUTS[loss].indexed:
        y = np.argmax(y, axis=0).astype(np.int64) if L.y_softmax == "one-hot" else y.astype(np.int64)
    else:  # bce, mse: (N, C) laid out like X; one target's flat or row vector is one column
        y = (y if L.rows else y.T).reshape(X.shape[0], -1)
    return canonical, X, y


def speaking_reference(convention: str, activation: str = "relu", head: Head = LESSON, keys: str = "dW1"):
    L = layout(convention)

    def reference_in_convention(params, X, y):
        canonical, Xc, yc = _canonical_inputs(L, params, X, y, head.loss)
        grads = backward(canonical, Xc, yc, activation, head=head)
        out = {}
        for k, g in grads.items():
            given = np.asarray(params[k])
            g = g.T if (k.startswith("W") and not L.w_in_out) else g
            out[("d" + k) if keys == "dW1" else k] = np.ascontiguousarray(g).reshape(given.shape)
        return out

    reference_in_convention.__name__ = f"reference_in_{convention.replace('-', '_')}"
    return reference_in_convention


def speaking_candidate(convention: str, activation: str = "relu", head: Head = LESSON, keys: str = "dW1"):
    """The handle the judge sees: :func:`speaking_reference` behind the convention's converters."""
    fn = speaking_reference(convention, activation, head, keys)
    return Conventional(InProcess(fn.__name__, fn), convention, head.loss)
