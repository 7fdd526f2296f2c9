"""How many evaluations of the user's forward each array of a layer is worth, from the kind's
declared mathematics, and the checks that earn the right to use it.

A kind declares (:class:`oracles.families.layers.kinds.Kind`) whether its forward is smooth
(``smooth``: no ReLU, max or abs anywhere) and in which arrays ``sum(out * dout)`` is linear
(``linear``: affine, conv and temporal_affine in x, w and b each; the norms in gamma and beta;
avg_pool in x; embedding in W). From that, per array (:func:`declared`):

- linear: the one-sided difference ``(L(w + h_lin) - L(w)) / h_lin`` sharing the point's loss, one
  evaluation per entry, exact up to rounding (:func:`oracles.policy.fd_linear_step`);
- smooth: the central difference at ``w +- h``, two evaluations per entry, no kink looked for;
- anything else (ReLU, leaky ReLU, max pooling, the hinge loss; dropout, whose mask the harness
  reads from the forward's own output, so its forward is never checked independently): the full
  search, four evaluations per entry and kinks found (:func:`oracles.families.forward.judge.differences`).

The declaration is about the layer, not about the forward the user wrote, so it is used only
where that forward is shown to be the layer, twice over:

1. at the point, before any difference: the forward's outputs agree with torch's and JAX's own
   layer (``LayerPoint.not_the_layer`` is False); otherwise every array gets the full search;
2. after, entry by entry (:func:`oracles.families.forward.judge.verify`): a shortcut difference that disagrees, under the
   finite-difference tolerance, with torch's vjp, JAX's vjp or the candidate's gradient is
   differenced again with the full search (:func:`oracles.families.forward.judge.search`). A
   forward that equals the layer at the point but hides a kink or a curvature within a step of it
   moves its shortcut difference away from the layer's gradient, and the entry is searched as if
   nothing had been declared; a wrong backward disagrees with it, and the entry is searched too, so
   the value it is held to is the full search's wherever it fails.
"""
from __future__ import annotations

import numpy as np

from oracles.families.forward.judge import LINEAR, SMOOTH

def declared(kind) -> dict:
    """``{array: LINEAR or SMOOTH}`` for the arrays the kind's mathematics lets be differenced
    with fewer evaluations; the arrays left out get the full search."""
    if kind.statistical:
        return {}
    out = {}
    for k in kind.grads:
        if k in kind.linear:
            out[k] = LINEAR
        elif kind.smooth:
            out[k] = SMOOTH
    return out
