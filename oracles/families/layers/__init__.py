"""The ``layers`` family: the layers of a from-scratch course (CS231n), each a forward and a
backward the user wrote, ``layer_forward(x, *params, [hyper]) -> (out, cache)`` and
``layer_backward(dout, cache) -> (dx, *dparams)`` (a loss: ``(x, y) -> (loss, dx)``).

On the forward family's generic path: finite differences of ``sum(out * dout)`` through the user's
forward (kinks found) in a worker of its own; the forward and backward as a pair in the candidate's
worker; and, in the judge, the same layer in torch and JAX (:mod:`.frameworks`): whether the user's
forward is the layer it claims to be, and the frameworks' vjp as two more gradient oracles.
"""
from oracles.families.forward.points import ForwardError
from oracles.families.layers.kinds import KINDS, NAMES
from oracles.families.layers.run import check_layer

__all__ = ["ForwardError", "KINDS", "NAMES", "check_layer"]
