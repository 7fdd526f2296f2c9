"""The two workers of a layer check, on the forward family's generic path: the user's forward in
one (the losses of ``sum(out * dout)`` at perturbed arrays, for finite differences), the user's
forward and backward as a pair in the candidate's (the backward needs the cache its own forward
made, so both run there). Ops: :func:`oracles.worker.layer_losses`, :func:`oracles.worker.layer_pair`."""
from __future__ import annotations

import numpy as np

from oracles.families.forward.points import ForwardError
from oracles.families.forward.sides import BackwardSide, ForwardSide
from oracles.isolation import Outcome


def _failed(reply: dict, who: str) -> str:
    """``forward f.py:fn raised at f.py:12: ValueError: ...``: one line for a forward that raised."""
    where = f" at {reply['where']}" if reply.get("where") else ""
    message = f": {reply['message']}" if reply.get("message") else ""
    return f"{who} raised{where}: {reply['type']}{message}"


class LayerForwardSide(ForwardSide):
    """The forward's worker of :class:`ForwardSide`, asked for ``sum(out * dout)`` instead of a loss."""

    def __init__(self, source, layer: dict, **worker_options):
        super().__init__(source, **worker_options)
        self.layer = layer

    def losses(self, params: dict, inputs: dict, perturb: list, base: int = 0) -> np.ndarray:
        reply = self._ask({"op": "layer_losses", "layer": self.layer, "params": params, "inputs": inputs,
                           "perturb": perturb, "base": base}, "during the forward")
        if reply["kind"] == "failed":
            raise ForwardError(_failed(reply, f"forward {self.name}"))
        if reply["kind"] == "not-a-loss":
            raise ForwardError(f"forward {self.name} returned {reply['type']}, not a number")
        return np.asarray(reply["losses"], dtype=np.float64)


class PairSide(BackwardSide):
    """The candidate's worker: the user's forward, then the backward on its cache (a loss kind: the loss alone)."""

    def __init__(self, source, forward, layer: dict, **worker_options):
        super().__init__(source, **worker_options)
        self.forward, self.layer = forward, layer

    def pair(self, arrays: dict, douts: list) -> Outcome:
        message = {"op": "layer_pair", "layer": self.layer, "arrays": arrays, "douts": douts,
                   "forward": None if self.forward is None else self.forward.message()}
        outcome = self.worker.ask(message, "during the call")
        returned = outcome.returned
        if returned is not None and returned["kind"] == "failed":
            raise ForwardError(_failed(returned, f"forward {self.forward.name}"))
        return outcome
