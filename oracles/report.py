"""The report: one object, rendered as a terminal table, JSON, Markdown or a PNG plot."""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field

PLOT_FLOOR = 1e-6  # the plot's log axis starts here: an exact match draws as this short bar
ORACLE_WORDS = {"finite-differences": "finite differences", "torch": "torch", "jax": "jax"}


@dataclass
class PointResult:
    name: str
    about: str = ""
    losses: dict = field(default_factory=dict)  # source -> loss
    loss_agrees: dict = field(default_factory=dict)  # source -> agrees with the reference's loss
    checks: dict = field(default_factory=dict)  # param -> oracle -> Check
    agreement: list = field(default_factory=list)  # (oracle, oracle, agree)
    violation: str | None = None  # the candidate broke its contract
    diagnosis: list = field(default_factory=list)
    fd_mode: str = "exhaustive (every entry)"
    findings: list = field(default_factory=list)  # oracles.mistakes.Finding: ids, words, kind
    hypotheses: object = None  # the diagnosis's evidence (oracles.diagnosis.Diagnosis), for reconcile
    accepted: bool = False  # every failed check is explained by a convention of the lesson's (a note)

    @property
    def passed(self) -> bool:
        return (self.violation is None and all(self.loss_agrees.values())
                and (self.accepted or all(c.passed for per in self.checks.values() for c in per.values())))

    @property
    def notes(self) -> list:
        return [f.text for f in self.findings if f.kind == "note"]

    def add(self, found) -> None:
        """Record a finding, or a whole diagnosis: its findings' words go into ``diagnosis`` (notes
        into ``notes``); a diagnosis that is only notes accepts the failed checks."""
        if hasattr(found, "held"):
            self.hypotheses = found
            items = found.findings
            self.accepted = bool(items) and all(f.kind == "note" for f in items)
        else:
            items = [found]
        self.findings += items
        self.diagnosis += [f.text for f in items if f.kind != "note" and f.text not in self.diagnosis]

    def failures(self) -> list:
        return [c for per in self.checks.values() for c in per.values() if not c.passed]

    def verdict_lines(self) -> list:
        """What went wrong and why, in words (empty when the point passes)."""
        lines = []
        if self.violation:
            lines.append(f"contract: {self.violation}")
        for source, ok in self.loss_agrees.items():
            if not ok:
                lines.append(f"loss: {source} {self.losses[source]:.12g} vs reference "
                             f"{self.losses['reference']:.12g}")
        failures = self.failures()
        for param, per in self.checks.items():
            failed = [c for c in per.values() if not c.passed]
            if failed:  # one line per parameter: the worst entry against the first failing oracle
                others = ", ".join(c.oracle for c in failed[1:])
                lines.append(failed[0].line() + (f" (also against {others})" if others else ""))
        if failures:
            lines.append(self.consensus_line())
        lines.extend(f"diagnosis: {d}" for d in self.diagnosis)
        lines.extend(f"note: {n}" for n in self.notes)
        return lines

    def consensus_line(self) -> str:
        failed = {c.oracle for c in self.failures()}
        oracles = {o for per in self.checks.values() for o in per}
        if self.agreement and all(ok for *_, ok in self.agreement) and failed == oracles:
            names = ", ".join(ORACLE_WORDS[o] for o in sorted(oracles))
            return f"{names} agree with each other but not with the candidate: the candidate is wrong"
        split = [f"{ORACLE_WORDS[a]} vs {ORACLE_WORDS[b]}" for a, b, ok in self.agreement if not ok]
        if split:
            return f"the oracles disagree among themselves ({', '.join(split)}): suspect the spec or the harness"
        return f"disagrees with: {', '.join(ORACLE_WORDS[o] for o in sorted(failed))}"

    def to_dict(self) -> dict:
        return {
            "name": self.name, "about": self.about, "passed": self.passed,
            "loss": {k: v for k, v in self.losses.items()},
            "loss_agrees": self.loss_agrees,
            "violation": self.violation,
            "parameters": [{"name": k, "shape": None, "checks": {o: c.to_dict() for o, c in per.items()}}
                           for k, per in self.checks.items()],
            "agreement": [{"oracles": [a, b], "agree": ok} for a, b, ok in self.agreement],
            "diagnosis": self.diagnosis,
            "findings": [f.to_dict() for f in self.findings],
            "accepted": self.accepted,
        }


def _verdict(check, point, fail: str = "FAIL") -> str:
    """A check's verdict word: OK, FAIL, or "OK (note)" where a convention of the lesson's explains it."""
    return "OK" if check.passed else ("OK (note)" if point.accepted else fail)


def _finite(obj):
    """JSON has no inf/nan: write them as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


@dataclass
class Report:
    data: dict
    spec: dict
    candidate: str
    oracles: list
    points: list
    timings_s: dict
    versions: dict
    fuzz: dict | None = None
    bug_zoo: dict | None = None
    notes: list = field(default_factory=list)
    fd_mode: str | None = None  # which finite-difference mode ran, if any

    @property
    def passed(self) -> bool:
        return (all(p.passed for p in self.points)
                and (self.fuzz is None or self.fuzz.get("passed", False))
                and (self.bug_zoo is None or self.bug_zoo.get("passed", False)))

    def exit_code(self) -> int:
        return 0 if self.passed else 1

    # ------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        from reference.model import Spec

        shapes = Spec(**self.spec).shapes()
        points = []
        for p in self.points:
            d = p.to_dict()
            for row in d["parameters"]:
                row["shape"] = list(shapes[row["name"]])
            points.append(d)
        return _finite({
            "passed": self.passed, "candidate": self.candidate, "data": self.data, "spec": self.spec,
            "oracles": self.oracles, "fd_mode": self.fd_mode, "points": points, "fuzz": self.fuzz, "bug_zoo": self.bug_zoo,
            "timings_s": self.timings_s, "versions": self.versions, "notes": self.notes,
        })

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    # ------------------------------------------------------------ text
    def header(self) -> str:
        d, s = self.data, self.spec
        counts = ", ".join(f"{k}: {v}" for k, v in d["outcome_counts"].items())
        return (f"candidate {self.candidate} | data {d['source']} ({d['rows']} rows, {d['features']} "
                f"features; outcome {counts}) | network {'-'.join(map(str, s['sizes']))} "
                f"{s['activation']} {s['dtype']}")

    def verdict(self) -> str:
        if self.passed:
            return "PASS: every check agrees"
        failed = [f"point {p.name}" for p in self.points if not p.passed]
        if self.fuzz is not None and not self.fuzz.get("passed"):
            failed.append("fuzz")
        if self.bug_zoo is not None and not self.bug_zoo.get("passed"):
            failed.append("bug zoo")
        return "FAIL: " + ", ".join(failed)

    def to_text(self, width: int = 120) -> str:
        """The terminal report: a table per point, then what failed and why."""
        from rich.console import Console
        from rich.table import Table

        buffer = io.StringIO()
        console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
        console.print(self.header())
        if self.fd_mode:
            console.print(f"finite differences: {self.fd_mode}")
        for note in self.notes:
            console.print(f"note: {note}")
        for p in self.points:
            console.print(f"\npoint {p.name}: {p.about}")
            console.print("loss  " + "   ".join(
                f"{k} {v:.12g}" + ("" if k == "reference" else (" ok" if p.loss_agrees.get(k) else " DIFFERS"))
                for k, v in p.losses.items()))
            if p.checks:
                table = Table(show_edge=False, pad_edge=False, box=None)
                for col in ("param", "oracle", "verdict", "max abs err", "max rel err", "worst entry",
                            "candidate", "oracle value", "over tol", "kinks"):
                    table.add_column(col, justify="left" if col in ("param", "oracle", "verdict", "worst entry") else "right")
                for k, per in p.checks.items():
                    for o, c in per.items():
                        table.add_row(k, o, _verdict(c, p), f"{c.max_abs_err:.2e}",
                                      f"{c.max_rel_err:.2e}", f"{k}{c.worst_index}", f"{c.candidate_value:.6g}",
                                      f"{c.oracle_value:.6g}", str(c.over_tolerance), str(c.kinks))
                console.print(table)
                kinks = {k: max(c.kinks for c in per.values()) for k, per in p.checks.items()}
                if any(kinks.values()):
                    n = sum(kinks.values())
                    console.print(f"kinks excused: {n} entr{'y' if n == 1 else 'ies'} ("
                                  + ", ".join(f"{k} {n}" for k, n in kinks.items() if n)
                                  + ") whose +-h evaluations cross a ReLU kink, counted and not failed")
            for line in p.verdict_lines():
                console.print(f"  {line}", soft_wrap=True)
        if self.fuzz is not None:
            console.print(f"\nfuzz: {self.fuzz.get('summary', self.fuzz)}", soft_wrap=True)
        if self.bug_zoo is not None:
            console.print("\n" + self.bug_zoo.get("matrix_text", ""), soft_wrap=True)
        console.print("\ntimings (s): " + ", ".join(f"{k} {v:.3f}" for k, v in self.timings_s.items()))
        console.print("versions: " + ", ".join(f"{k} {v}" for k, v in self.versions.items()))
        console.print(self.verdict())
        return buffer.getvalue()

    # ------------------------------------------------------------ Markdown
    def to_markdown(self) -> str:
        out = [f"# compare-frameworks: {'PASS' if self.passed else 'FAIL'}", "", self.header(), ""]
        if self.fd_mode:
            out += [f"finite differences: {self.fd_mode}", ""]
        out += [f"> note: {n}" for n in self.notes]
        for p in self.points:
            out += [f"## {p.name}", "", p.about, "",
                    "| source | loss | agrees |", "|---|---|---|"]
            out += [f"| {k} | {v:.12g} | {'' if k == 'reference' else ('yes' if p.loss_agrees.get(k) else 'NO')} |"
                    for k, v in p.losses.items()]
            if p.checks:
                out += ["", "| param | oracle | verdict | max abs err | max rel err | worst entry | candidate | oracle value | over tol | kinks |",
                        "|---|---|---|---|---|---|---|---|---|---|"]
                for k, per in p.checks.items():
                    for o, c in per.items():
                        out.append(f"| {k} | {o} | {_verdict(c, p, '**FAIL**')} | {c.max_abs_err:.2e} | "
                                   f"{c.max_rel_err:.2e} | {k}{c.worst_index} | {c.candidate_value:.6g} | "
                                   f"{c.oracle_value:.6g} | {c.over_tolerance} | {c.kinks} |")
            lines = p.verdict_lines()
            if lines:
                out += [""] + [f"- {line}" for line in lines]
            out.append("")
        if self.fuzz is not None:
            out += ["## fuzz", "", str(self.fuzz.get("summary", "")), ""]
        if self.bug_zoo is not None:
            out += ["## bug zoo", "", self.bug_zoo.get("matrix_markdown", ""), ""]
        out += ["timings (s): " + ", ".join(f"{k} {v:.3f}" for k, v in self.timings_s.items()), "",
                "versions: " + ", ".join(f"{k} {v}" for k, v in self.versions.items()), ""]
        return "\n".join(out)

    # ------------------------------------------------------------ plot
    def plot(self, path) -> None:
        """Per-parameter worst error over tolerance, per oracle and point (1 is the line to stay under)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        points = [p for p in self.points if p.checks]
        fig, axes = plt.subplots(1, max(1, len(points)), figsize=(6 * max(1, len(points)), 4), squeeze=False)
        for ax, p in zip(axes[0], points):
            params = list(p.checks)
            oracles = list(p.checks[params[0]])
            width = 0.8 / len(oracles)
            for i, o in enumerate(oracles):
                ratios = [max(p.checks[k][o].worst_ratio, PLOT_FLOOR) for k in params]
                ax.bar([x + i * width for x in range(len(params))], ratios, width, label=o)
            ax.axhline(1.0, color="red", linestyle="--", label="tolerance")
            ax.set_yscale("log")
            ax.set_xticks([x + width * (len(oracles) - 1) / 2 for x in range(len(params))], params)
            ax.set_ylabel("worst |g - o| / (atol + rtol |o|)")
            ax.set_title(f"{p.name}: {'pass' if p.passed else 'FAIL'}")
            ax.legend(fontsize="small")
        fig.suptitle(f"{self.candidate} vs oracles ({'-'.join(map(str, self.spec['sizes']))} "
                     f"{self.spec['activation']} {self.spec['dtype']})")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
