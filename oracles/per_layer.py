"""Hidden-derivative mistakes at one hidden layer of several (the grammar's whole-network ones, one layer at a time).

The grammar's derivative mistakes (``mask:*``, ``derivative:*`` in :mod:`oracles.mistakes`) put
the wrong step on every hidden layer at once. A deep backward written layer by layer more often
gets one layer wrong: the second of two masks forgotten, the first layer left from a ReLU
template. :func:`per_layer_hypotheses` builds each such mistake at one hidden layer ``l`` only
(the others right), through a view of the pieces whose ``backprop`` swaps the derivative at that
layer alone. The search stays bounded: (suspect layers) x (derivative mistakes), each one backward
(at most 24 at hidden 64,64 on a ReLU network; none where the layers above the first wrong one
are not right up to a factor), measured in ``docs/diagnosis.md``.
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


def suspects(p: Pieces, g: dict) -> list:
    """The hidden layers a derivative mistake can sit at, given ``g``: a wrong derivative at layer
    ``l`` leaves every layer above it right (up to one factor on the head's step, as a stray 2
    there scales them all) and makes dW_l wrong other than by a constant factor."""
    out = []
    for l in range(1, p.L):
        W = f"W{l}"
        if p.close(g[W], p.true[W], W) or p.ratio(g[W], p.true[W], key=W) is not None:
            continue
        above = [k for k in p.P if int(k[1:]) > l]
        if all(p.close(g[k], p.true[k], k) or p.ratio(g[k], p.true[k], single=True, key=k) is not None for k in above):
            out.append(l)
    return out


def per_layer_hypotheses(p: Pieces, g: dict):
    """``(id, words, grads)`` for every hidden-derivative mistake at one hidden layer of two or
    more, at the layers :func:`suspects` leaves (the rest cannot reproduce ``g``). An identity
    network has none: the grammar's derivative mistakes build nothing there (``mistakes._hidden``)."""
    if p.L < 3:
        return
    layers = suspects(p, g)
    for m in MISTAKES.values():
        if not m.id.startswith(FAMILY) or not m.fits(p.head.loss):
            continue
        for l in layers:
            others = ", ".join(str(k) for k in range(1, p.L) if k != l)
            for words, h in m.build(one_layer(p, l), g):
                yield m.id, f"on hidden layer {l} only (layer{'s' if p.L > 3 else ''} {others} right): " \
                            f"{_at_layer(words, l)}", h
