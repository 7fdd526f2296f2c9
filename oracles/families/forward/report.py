"""The forward family's report: the project's Report and PointResult (text, JSON, Markdown, HTML),
with a header that names the forward, the candidate, the points and the path that ran."""
from __future__ import annotations

from dataclasses import dataclass, field

from oracles.report import PointResult, Report, _finite

PATH = "your forward (the forward family: finite differences and autograd of your own code, not the built-in network)"


@dataclass
class ForwardPoint(PointResult):
    LOSS_BASE = "forward"
    KINK_WORDS = {"subgradient": "by the interval between the one-sided differences (a kink found in your forward)"}
    autograd: str | None = None  # why autograd gave no gradient here (the line that stopped its trace)
    shapes: dict = field(default_factory=dict)  # param -> (shape, dtype)
    causes: dict = field(default_factory=dict)  # param -> the cause the diagnosis named ("factor N", "transpose", ...)
    batch: str | None = None  # the batch law broken here (mean_over_rows: rows permuted, batch doubled)
    batch_asserted: bool = False  # the batch law was asserted here (held, or broken: ``batch``)
    differenced: dict = field(default_factory=dict)  # param -> how finite differences treated it (judge.summary)
    imprecise: dict = field(default_factory=dict)  # param -> entries held to long double differences (judge.extended)

    @property
    def passed(self) -> bool:
        return super().passed and self.batch is None

    def failure_lines(self) -> list:
        return super().failure_lines() + ([f"batch law: {self.batch}"] if self.batch else [])

    def verdict_lines(self) -> list:
        lines = super().verdict_lines()
        if self.autograd:
            lines.append(f"note: {self.autograd}")
        if self.imprecise:
            where = ", ".join(f"{k} {n}" for k, n in self.imprecise.items())
            lines.append(f"note: your forward loses precision at this point: at {sum(self.imprecise.values())} "
                         f"entries ({where}) its finite differences in float64 differ from the same differences "
                         f"in long double by more than the tolerance, and are held to the long double ones "
                         f"(autograd, the same float64 arithmetic, too, and held to their tolerance at this "
                         f"point); look for log(1 - sigmoid(z)), exp of a large number or the difference of "
                         f"two close ones")
        return lines

    def to_dict(self) -> dict:
        d = super().to_dict()
        for row in d["parameters"]:
            shape, dtype = self.shapes[row["name"]]
            row["shape"], row["dtype"] = list(shape), dtype
        d["autograd"] = self.autograd
        d["causes"] = dict(self.causes)
        d["batch"] = self.batch
        d["batch_asserted"] = self.batch_asserted
        d["differenced"] = {k: dict(v) for k, v in self.differenced.items()}
        d["imprecise"] = dict(self.imprecise)
        return d


@dataclass
class ForwardReport(Report):
    forward: str = ""
    points_from: str = ""

    def header(self) -> str:
        shapes = self.points[0].shapes if self.points else {}
        params = ", ".join(f"{k} {tuple(s)} {d}" for k, (s, d) in shapes.items())
        return (f"forward {self.forward} | candidate {self.candidate} | points {self.points_from} | "
                f"params {params} | path {PATH}")

    def to_dict(self) -> dict:
        return _finite({
            "passed": self.passed, "family": "forward", "forward": self.forward, "candidate": self.candidate,
            "points_from": self.points_from, "path": PATH, "data": self.data, "spec": self.spec,
            "oracles": self.oracles, "fd_mode": self.fd_mode, "points": [p.to_dict() for p in self.points],
            "fuzz": self.fuzz,
            "timings_s": self.timings_s, "versions": self.versions, "notes": self.notes,
        })

    def plot_title(self) -> str:
        return f"{self.verdict()} | forward {self.forward}, candidate {self.candidate}"
