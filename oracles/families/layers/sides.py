"""The two workers of a layer check, on the forward family's generic path: the user's forward in
one (the losses of ``sum(out * dout)`` at perturbed arrays, for finite differences), the user's
forward and backward as a pair in the candidate's (the backward needs the cache its own forward
made, so both run there). Ops: :func:`oracles.worker.layer_losses`, :func:`oracles.worker.layer_pair`."""
from __future__ import annotations

from oracles.families.forward.points import ForwardError
from oracles.families.forward.sides import BackwardSide, ForwardSide, failed_words
from oracles.isolation import Outcome


class LayerForwardSide(ForwardSide):
    """The forward's worker of :class:`ForwardSide`, asked for ``sum(out * dout)`` instead of a loss."""

    def __init__(self, source, layer: dict, **worker_options):
        super().__init__(source, **worker_options)
        self.layer = layer

    not_a_loss = "not a number"

    def loss_op(self) -> dict:
        return {"op": "layer_losses", "layer": self.layer}


class PairSide(BackwardSide):
    """The candidate's worker: the user's forward, then the backward on its cache (a loss kind: the loss alone)."""

    def __init__(self, source, forward, layer: dict, **worker_options):
        super().__init__(source, **worker_options)
        self.forward, self.layer = forward, layer
        self.seconds = 0.0  # spent in the candidate's calls (the round trips to its worker), summed

    def pair(self, arrays: dict, douts: list, forward_only: bool = False) -> Outcome:
        message = {"op": "layer_pair", "layer": self.layer, "arrays": arrays, "douts": douts,
                   "forward": None if self.forward is None else self.forward.message(), "forward_only": forward_only}
        outcome = self.worker.ask(message, "during the call")
        self.seconds += outcome.seconds
        returned = outcome.returned
        if returned is not None and returned["kind"] == "failed":
            raise ForwardError(failed_words(returned, f"forward {self.forward.name}"))
        return outcome
