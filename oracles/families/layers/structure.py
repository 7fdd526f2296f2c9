"""How many evaluations of the user's forward each array of a layer is worth, from the kind's
declared mathematics, and the checks that earn the right to use it.

A kind declares (:class:`oracles.families.layers.kinds.Kind`) in which arrays ``sum(out * dout)``
is linear (``linear``: affine, conv and temporal_affine in x, w and b each; the norms in gamma and
beta; avg_pool in x; embedding in W). Per array (:func:`declared`):

- linear, where the forward is shown to be the layer: the one-sided difference
  ``(L(w + h_lin) - L(w)) / h_lin`` sharing the point's loss, one evaluation per entry, exact up to
  rounding (:func:`oracles.policy.fd_linear_step`);
- every other array (smooth or kinked, and every array of a forward that is not the layer): the
  one-sided screen, one evaluation per entry at ``sqrt(eps)`` (:func:`oracles.policy.fd_screen_step`),
  which promises nothing about the layer;
- dropout, whose mask the harness reads from the forward's own output (its forward is never
  checked independently): the full search, four evaluations per entry and kinks found
  (:func:`oracles.families.forward.judge.differences`).

The linear declaration is about the layer, not about the forward the user wrote, so it is used
only where that forward is shown to be the layer, twice over:

1. at the point, before any difference: the forward's outputs agree with torch's and JAX's own
   layer (``LayerPoint.not_the_layer`` is False); otherwise every array is screened;
2. after, entry by entry (:func:`oracles.families.forward.judge.verify`): a shortcut difference that
   disagrees with torch's vjp, JAX's vjp or the candidate's gradient (under the finite-difference
   tolerance for a linear array, under half of it for a screened one) is differenced again with
   the full search (:func:`oracles.families.forward.judge.search`). A forward that equals the layer
   at the point but hides a kink or a curvature within a step of it moves its shortcut difference
   away from the layer's gradient, and the entry is searched as if nothing had been declared; a
   wrong backward disagrees with it, and the entry is searched too, so the value it is held to is
   the full search's wherever it fails.
"""
from __future__ import annotations

import numpy as np

from oracles.families.forward.judge import LINEAR, SCREENED

def declared(kind, the_layer: bool = True) -> dict:
    """``{array: LINEAR or SCREENED}`` for the arrays differenced with one evaluation per entry
    (LINEAR only where ``the_layer``: the forward agreed with torch's and JAX's layer); the arrays
    left out (dropout's) get the full search."""
    if kind.statistical:
        return {}
    return {k: LINEAR if k in kind.linear and the_layer else SCREENED for k in kind.grads}
