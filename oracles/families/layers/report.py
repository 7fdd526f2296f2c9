"""A layer check's report: the forward family's rows (one per gradient and oracle), and before them
whether the user's forward computes the layer it claims to be (its outputs against torch's and
JAX's on the same arrays)."""
from __future__ import annotations

from dataclasses import dataclass, field

from oracles.families.forward.report import ForwardPoint, ForwardReport
from oracles.registry import DIFFERENCES
from oracles.report import _finite

TIES = "dx over tied maxima"  # oracles.families.layers.ties.NAME

PATH = ("a layer (the layers family: finite differences of your forward, and the layer itself in torch and "
        "JAX: its output and its vector-Jacobian product)")


@dataclass
class LayerPoint(ForwardPoint):
    LOSS_BASE = "forward"
    kind: str = ""
    forward_checks: dict = field(default_factory=dict)  # output name -> oracle -> Check
    forward_shape: str | None = None  # the forward's outputs are not the layer's shapes
    laws: list = field(default_factory=list)  # the laws the backward broke here (--fuzz), one line each
    answered: dict | None = field(default=None, repr=False)  # the backward's gradients by name
    differenced: dict = field(default_factory=dict)  # array -> how finite differences treated it (.structure.summary)

    @property
    def not_the_layer(self) -> bool:
        """The forward's outputs differ from the frameworks' (in shape or value)."""
        return self.forward_shape is not None or any(not c.passed for per in self.forward_checks.values()
                                                     for c in per.values())

    @property
    def passed(self) -> bool:
        return super().passed and not self.not_the_layer and not self.laws

    def failure_lines(self) -> list:
        lines = []
        if self.forward_shape:
            lines.append(f"forward: your forward is not the layer {self.kind}: {self.forward_shape}")
        for name, per in self.forward_checks.items():
            failed = [c for c in per.values() if not c.passed]
            if failed:
                others = ", ".join(c.oracle for c in failed[1:])
                lines.append(f"forward: your forward is not the layer {self.kind}: {failed[0].line()}"
                             + (f" (also against {others})" if others else ""))
        lines += super().failure_lines()
        lines += self.laws
        tied = self.checks.get(TIES, {}).get(DIFFERENCES)
        if tied is not None and not tied.passed:
            lines.append("note: the sum of dx over a window's tied maxima is that window's dout (any shares); "
                         "a gradient sent to every tied maximum gives it several times")
        return lines

    def consensus_line(self) -> str:
        if not self.not_the_layer:
            return super().consensus_line()
        fd_agrees = all(c.passed for per in self.checks.values() for o, c in per.items() if o == DIFFERENCES)
        if fd_agrees:
            return ("finite differences of your forward agree with your backward: it is the gradient of your "
                    "forward, and torch and jax differ because your forward is not the layer")
        return "your backward is not the gradient of your own forward either (finite differences disagree)"

    def table(self) -> dict:
        """The forward's outputs against the frameworks', then the gradients."""
        return {**self.forward_checks, **self.checks}

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["kind"] = self.kind
        d["forward_shape"] = self.forward_shape
        d["forward"] = {name: {o: c.to_dict() for o, c in per.items()} for name, per in self.forward_checks.items()}
        d["not_the_layer"] = self.not_the_layer
        d["laws"] = list(self.laws)
        d["differenced"] = {k: dict(v) for k, v in self.differenced.items()}
        return d


@dataclass
class LayerReport(ForwardReport):
    kind: str = ""
    signalled: bool = False  # a worker died of a signal the judge did not send (a neighbour's): not in the JSON

    def header(self) -> str:
        hyper = "; ".join(f"{p.name}: {p.about}" for p in self.points)
        return (f"layer {self.kind} | forward {self.forward} | candidate {self.candidate} | {hyper} | "
                f"path {PATH}")

    def to_dict(self) -> dict:
        d = super().to_dict()
        d.update(_finite({"family": "layers", "layer": self.kind, "path": PATH, "fuzz": self.fuzz}))
        return d
