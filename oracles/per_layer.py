"""Hidden-derivative mistakes at one hidden layer of several (the grammar's whole-network ones, one layer at a time).

The grammar's derivative mistakes (``mask:*``, ``derivative:*`` in :mod:`oracles.mistakes`) put
the wrong step on every hidden layer at once. A deep backward written layer by layer more often
gets one layer wrong: the second of two masks forgotten, the first layer left from a ReLU
template. :func:`per_layer_hypotheses` builds each such mistake at one hidden layer ``l`` only
(the others right), through a view of the pieces whose ``backprop`` swaps the derivative at that
layer alone. The search stays bounded: (hidden layers) x (derivative mistakes), each one backward
(24 at hidden 64,64 on a ReLU network), measured in ``docs/diagnosis.md``.
"""
from __future__ import annotations

import copy
import re

from oracles.mistakes import MISTAKES, Pieces
from reference.model import activation_grad

FAMILY = ("mask:", "derivative:")  # the ids whose mistake is a hidden layer's derivative


def one_layer(p: Pieces, l: int) -> Pieces:
    """``p`` with a ``backprop`` that applies a mistaken ``derivative`` at hidden layer ``l`` only."""
    view = copy.copy(p)

    def backprop(dzL=None, derivative=None, cache=None, params=None):
        if derivative is None:
            return Pieces.backprop(p, dzL, None, cache, params)
        target = (p.cache if cache is None else cache)[f"z{l}"]

        def mixed(z, a):
            return activation_grad(z, a, derivative if z is target else p.act)

        return Pieces.backprop(p, dzL, mixed, cache, params)

    view.backprop = backprop
    return view


def _at_layer(words: str, l: int) -> str:
    """The grammar's words for every layer (``dz_l = da_l * (z_l > 0)``) written at layer ``l``."""
    return re.sub(r"(?<=[a-z])_l\b", str(l), words)


def per_layer_hypotheses(p: Pieces, g: dict):
    """``(id, words, grads)`` for every hidden-derivative mistake at one hidden layer of two or more."""
    if p.L < 3 or p.act == "identity":
        return
    for m in MISTAKES.values():
        if not m.id.startswith(FAMILY) or not m.fits(p.head.loss):
            continue
        for l in range(1, p.L):
            others = ", ".join(str(k) for k in range(1, p.L) if k != l)
            for words, h in m.build(one_layer(p, l), g):
                yield m.id, f"on hidden layer {l} only (layer{'s' if p.L > 3 else ''} {others} right): " \
                            f"{_at_layer(words, l)}", h
