"""The two workers of a forward check: the user's forward (and init, and autograd's trace of it) in
one, the candidate's backward in the other. Both are :class:`oracles.isolation.Worker`, spoken to
with the worker's family ops (:data:`oracles.worker.FAMILY_OPS`)."""
from __future__ import annotations

import os

import numpy as np

from oracles import policy
from oracles.isolation import CandidateError, Outcome, Source, Worker, function_source, parse_target
from oracles.families.forward.points import ForwardError


def source_of(value, flag: str) -> Source:
    """``file.py:function``, ``module:function`` or a function -> a Source; ForwardError (exit 2) naming ``flag``."""
    if callable(value):
        try:
            return function_source(value, by_value=True)  # the function and globals the caller holds now
        except CandidateError as exc:
            raise ForwardError(f"{flag}: {exc}") from None
    file = value.rpartition(":")[0]
    if (file.endswith(".py") or os.sep in file) and not os.path.isfile(file):
        raise ForwardError(f"{file}: {flag} file not found")
    try:
        return parse_target(value)
    except CandidateError as exc:
        raise ForwardError(f"{flag}: {exc}") from None


def failed_words(reply: dict, who: str) -> str:
    """``forward f.py:fn raised at f.py:12: ValueError: ...``: one line for user code that raised."""
    where = f" at {reply['where']}" if reply.get("where") else ""
    message = f": {reply['message']}" if reply.get("message") else ""
    return f"{who} raised{where}: {reply['type']}{message}"


class ForwardSide:
    """The user's forward in a worker of its own: losses at many params per message, its init, its trace."""

    not_a_loss = "not one number (the loss)"  # what a forward returned that is not its loss

    def loss_op(self) -> dict:
        """The worker's op that returns losses (a family asks for another quantity with its own)."""
        return {"op": "losses"}

    def __init__(self, source: Source, **worker_options):
        self.source, self.name = source, source.name
        self.worker = Worker(source, **worker_options)
        self.limit = self.worker.timeout or policy.WORKER_CALL_TIMEOUT_S  # seconds per message

    def start(self):
        try:
            self.worker.start()
        except CandidateError as exc:
            raise ForwardError(f"--forward {exc}") from None
        return self

    def close(self):
        self.worker.close()

    def _ask(self, message: dict, when: str) -> dict:
        outcome: Outcome = self.worker.ask(message, when)
        self.last_seconds = outcome.seconds
        if outcome.failure is not None:
            raise ForwardError(f"forward {self.name}: {outcome.failure.replace('the candidate', 'the forward', 1)}")
        return outcome.returned

    def init(self, source: Source, seed: int) -> dict:
        reply = self._ask({"op": "init", "source": source.message(), "seed": seed}, "during init")
        if reply["kind"] == "failed":
            raise ForwardError(failed_words(reply, f"init {source.name}({seed})"))
        if reply["kind"] != "point":
            raise ForwardError(f"init {source.name} returned {reply['type']}; expected params or (params, inputs), "
                               f"dicts of arrays")
        return reply

    def losses(self, params: dict, inputs: dict, perturb: list, base: int = 0, extended: bool = False) -> np.ndarray:
        """The loss at ``params`` ``base`` times, then at each perturbation of ``perturb``: blocks
        ``(name, flat indices, values)``, one entry changed at a time (:func:`oracles.worker.forward_losses`);
        ``extended``: in ``np.longdouble``, the losses too."""
        reply = self._ask({**self.loss_op(), "params": params, "inputs": inputs, "perturb": perturb, "base": base,
                           **({"extended": True} if extended else {})}, "during the forward")
        if reply["kind"] == "failed":
            raise ForwardError(failed_words(reply, f"forward {self.name}"))
        if reply["kind"] == "not-a-loss":
            raise ForwardError(f"forward {self.name} returned {reply['type']}, {self.not_a_loss}")
        losses = np.asarray(reply["losses"], dtype=np.longdouble if extended else np.float64)
        # the forward's own seconds per evaluation, timed in its worker (the round trip left out)
        self.per_evaluation = reply["seconds"] / losses.size if reply.get("seconds") and losses.size else None
        return losses

    def autograd(self, params: dict, inputs: dict) -> dict:
        """``{"kind": "grads", "loss", "grads"}`` or ``{"kind": "untraceable", "type", "message", "where"}``."""
        return self._ask({"op": "autograd", "source": self.source.message(), "params": params, "inputs": inputs},
                         "while autograd traced the forward")


class BackwardSide:
    """The candidate's backward in its worker: ``backward(params, inputs)`` as an Outcome."""

    def __init__(self, source: Source, **worker_options):
        self.name = source.name
        self.worker = Worker(source, **worker_options)

    def start(self):
        try:
            self.worker.start()
        except CandidateError as exc:
            raise ForwardError(str(exc)) from None
        return self

    def close(self):
        self.worker.close()

    def evaluate(self, params: dict, inputs: dict) -> Outcome:
        return self.worker.ask({"op": "backward", "params": params, "inputs": inputs}, "during the call")
