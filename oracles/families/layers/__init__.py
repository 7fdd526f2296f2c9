"""The ``layers`` family: the layers of a from-scratch course (CS231n), each a forward and a
backward the user wrote, ``layer_forward(x, *params, [hyper]) -> (out, cache)`` and
``layer_backward(dout, cache) -> (dx, *dparams)`` (a loss: ``(x, y) -> (loss, dx)``).

On the forward family's generic path: finite differences of ``sum(out * dout)`` through the user's
forward (kinks found) in a worker of its own; the forward and backward as a pair in the candidate's
worker; and, in the judge, the same layer in torch and JAX (:mod:`.frameworks`): whether the user's
forward is the layer it claims to be, and the frameworks' vjp as two more gradient oracles.
"""
from oracles.families.layers.names import NAMES

__all__ = ["ForwardError", "KINDS", "NAMES", "check_layer"]


def __getattr__(name):  # the options read NAMES (no NumPy); the kinds and the run load on first use
    if name == "KINDS":
        from oracles.families.layers.kinds import KINDS

        return KINDS
    if name == "check_layer":
        from oracles.families.layers.run import check_layer

        return check_layer
    if name == "ForwardError":
        from oracles.families.forward.points import ForwardError

        return ForwardError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
