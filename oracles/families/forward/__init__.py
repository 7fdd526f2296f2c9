"""The ``forward`` family: a backward the user wrote, checked against the gradient of a forward the
user wrote.

Contract: ``loss(params, inputs) -> float`` (or ``-> (loss, cache)``) and ``backward(params,
inputs) -> grads`` (or ``-> (loss, grads)``), ``params`` a dict of float arrays (differentiated),
``inputs`` a dict of arrays (held fixed). The user's code runs only in workers: the backward in the
candidate's, the forward (and ``init``, and autograd's trace of the forward) in one of its own that
never loads the backward. The judge sends points and perturbed params, and receives losses and
gradients by value; the finite-difference arithmetic, the comparisons and the verdict are its own.
"""
from oracles.families.forward.points import ForwardError
from oracles.families.forward.run import check

__all__ = ["ForwardError", "check"]
