"""The bug zoo: every catalogue entry through every check, and the kill matrix.

Checks (the matrix's columns): the three oracles and the loss, each at the data's two points
and on a fixed sample of drawn problems; each law on that sample; and a hypothesis fuzz with
every law. A mutant is *killed* by a check that fails on it. The harness proves its own
sensitivity when every mutant is killed by at least two checks and every correct rewrite
passes everything.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from oracles.candidate import InProcess
from oracles import registry
from oracles.conventions import Conventional
from oracles.harness import Point, default_points, make_spec, prepare
from oracles.mistakes import CONTRACT_IDS, NAN_ORIGIN_IDS, same
from oracles.session import Session
from properties import catalogue, head_catalogue
from properties.fuzz import fuzz
from properties.laws import LAWS, LawViolation
from properties.strategies import Problem, candidate_problems, problems, specs
from reference.model import Spec

ORACLE_CHECKS = registry.NAMES + ("loss",)
LAW_CHECKS = ("shapes", "finite", "relu-gating", "descent", "permutation")  # "identity" needs identity layers
CHECKS = ORACLE_CHECKS + LAW_CHECKS + ("fuzz",)
MIN_KILLS = 2

# Problems every entry meets besides the data's points: other batch sizes, widths and scales,
# saturated logits, a pre-activation on the kink, one-class labels.
SAMPLE = (
    Problem((8, 16, 1), "relu", "float64", N=5, seed=1, scale=1.0),
    Problem((3, 4, 1), "relu", "float64", N=32, seed=2, scale=3.0, saturate=True),
    Problem((5, 7, 1), "relu", "float64", N=17, seed=3, scale=0.1, kink="on"),
    Problem((2, 3, 1), "relu", "float64", N=9, seed=4, scale=1.0, labels="ones"),
    Problem((16, 32, 1), "relu", "float64", N=256, seed=5, scale=10.0),
)


@dataclass
class Outcome:
    name: str
    description: str
    killed_by: list = field(default_factory=list)
    diagnosis: str = ""
    counterexample: str | None = None
    diagnosis_right: bool | None = None  # mutants only: names the entry's mistake ids and no others
    named: list = field(default_factory=list)  # the mistake ids the diagnoses named, over every point
    setting: str = ""  # the head and layout, for an entry that is not the lesson's ("softmax cs231n reg=0.05")

    @property
    def label(self) -> str:
        return f"{self.name} ({self.setting})" if self.setting else self.name

    @property
    def passed(self) -> bool:  # for correct rewrites
        return not self.killed_by


def _reset(entry):
    reset = getattr(entry.backward, "reset", None)
    if reset:
        reset()


def _first_words(result) -> str:
    """The report's account of a failed point: contract, then diagnosis, then the failures."""
    if result.violation:
        return result.violation
    at_kink = [c.line() for c in result.failures() if c.interval is not None]
    if at_kink:  # an entry outside its subgradient interval: the line names the kink and relu'(0)
        return at_kink[0]
    lines = result.diagnosis or result.verdict_lines()
    return "; ".join(lines)


def entry_spec(entry, data) -> Spec:
    """The network an entry is checked on: the data's inputs, 16 hidden units, the entry's head."""
    if entry.lesson:
        return Spec((data.features, 16, 1), entry.activation)
    return make_spec(data, (16,), entry.activation, "float64", entry.loss, entry.reduction, entry.l2, entry.convention)


def sample(spec: Spec) -> list:
    """The SAMPLE problems on ``spec``'s activation and head (C outputs: ``spec.sizes[-1]``)."""
    head = dict(loss=spec.loss, reduction=spec.reduction, l2=spec.l2, l2_form=spec.l2_form)
    return [replace(p, activation=spec.activation, sizes=p.sizes[:-1] + (spec.sizes[-1],), **head) for p in SAMPLE]


def _points(data, spec: Spec) -> list:
    """The data's two points and the sample's problems, their oracles prepared (once per spec)."""
    points = [prepare(spec, p, data.X, data.y) for p in default_points(spec)]
    for problem in sample(spec):
        params, X, y = problem.arrays()
        points.append(prepare(problem.spec, Point(problem.describe(), params, problem.describe()), X, y))
    return points


def _speaking(entry):
    """The entry's handle: in its own convention when it is not the lesson's."""
    candidate = InProcess(entry.name, entry.backward)
    return candidate if entry.lesson else Conventional(candidate, entry.convention, entry.loss)


def evaluate(entry, data, fuzz_examples: int = 40, prepared: dict | None = None) -> Outcome:
    """Run one entry through every check; ``prepared``: points already prepared, by activation."""
    _reset(entry)
    outcome = Outcome(entry.name, entry.description, setting="" if entry.lesson else entry.setting())
    candidate = _speaking(entry)
    killed, words = set(), []
    prepared = {} if prepared is None else prepared
    spec = entry_spec(entry, data)
    if spec not in prepared:
        prepared[spec] = _points(data, spec)
    problems_ = sample(spec)
    results = Session(candidate).check(prepared[spec])  # reconciled: a cause must hold at every wrong point
    for result in results:
        for per in result.checks.values():
            killed.update(o for o, c in per.items() if not c.passed)
        if not result.loss_agrees.get("candidate", True):  # the candidate's own loss
            killed.add("loss")
        if not result.passed:
            words.append(_first_words(result))
    for law in LAW_CHECKS:
        for problem in problems_:
            try:
                LAWS[law](candidate, problem)
            except LawViolation as exc:
                killed.add(law)
                words.append(str(exc))
                break
    _reset(entry)
    strategy = (problems(specs(min_depth=1, max_depth=1, activations=(entry.activation,))) if entry.lesson
                else candidate_problems(spec))  # the entry's head and layout kept, the rest drawn
    found = fuzz(lambda problem: candidate, fuzz_examples, strategy, seed=0)
    if not found.passed:
        killed.add("fuzz")
        outcome.counterexample = found.counterexample["problem"]
        words.append(found.counterexample["laws"][0]["message"])
    outcome.killed_by = [c for c in CHECKS if c in killed]
    outcome.diagnosis = words[0] if words else ""
    # where a point's non-finite gradient was made (a 0/0 at the candidate's line) explains that
    # point's contract violation, beside the mistake named where the values are finite
    outcome.named = [i for r in results for f in r.findings if f.cause for i in f.ids
                     if not (r.violation and i in NAN_ORIGIN_IDS)]
    outcome.named = list(dict.fromkeys(outcome.named))
    if entry in catalogue.MUTANTS or entry in head_catalogue.MUTANTS:
        outcome.diagnosis_right = names_the_bug(outcome.named, any(r.violation for r in results), entry)
    return outcome


def names_the_bug(named: list, violated: bool, entry) -> bool:
    """Right when the diagnosis names the entry's mistake ids and no others; a mistake of the
    contract's (a shape, a write into the inputs, a non-finite value) is named by the contract
    check itself, which runs before any diagnosis."""
    if any(m in CONTRACT_IDS for m in entry.mistakes):
        return violated
    return bool(named) and all(any(same(n, m) for m in entry.mistakes) for n in named)


@dataclass
class Zoo:
    mutants: list
    correct: list
    seconds: float

    @property
    def passed(self) -> bool:
        return (all(len(m.killed_by) >= MIN_KILLS for m in self.mutants)
                and all(c.passed for c in self.correct))

    def right_share(self) -> float:
        killed = [m for m in self.mutants if m.killed_by]
        return sum(bool(m.diagnosis_right) for m in killed) / len(killed) if killed else 0.0

    def matrix_rows(self):
        for o in self.mutants + self.correct:
            yield o, ["x" if c in o.killed_by else "." for c in CHECKS]

    def matrix_text(self) -> str:
        width = max(len(o.label) for o in self.mutants + self.correct)
        head = " " * width + "  " + " ".join(f"{i + 1:>2}" for i in range(len(CHECKS)))
        lines = ["bug zoo: kill matrix (x = the check fails on this entry)",
                 "checks: " + ", ".join(f"{i + 1} {c}" for i, c in enumerate(CHECKS)), head]
        for o, marks in self.matrix_rows():
            tag = "" if o in self.mutants else ("   correct: passes" if o.passed else "   correct: FALSE ALARM")
            if o in self.mutants:
                n = len(o.killed_by)
                tag = f"   {n} kill{'' if n == 1 else 's'}" + ("" if n >= MIN_KILLS else " (TOO FEW)")
                tag += "" if o.diagnosis_right else "; diagnosis misses"
            lines.append(f"{o.label:<{width}}  " + " ".join(f"{m:>2}" for m in marks) + tag)
        lines.append(f"right diagnoses: {self.right_share():.0%} of killed mutants "
                     f"({sum(bool(m.diagnosis_right) for m in self.mutants)}/{sum(bool(m.killed_by) for m in self.mutants)}); "
                     f"{len(self.mutants)} mutants, {len(self.correct)} correct rewrites, {self.seconds:.1f} s")
        return "\n".join(lines)

    def matrix_markdown(self) -> str:
        lines = ["| entry | " + " | ".join(CHECKS) + " | kills | diagnosis right |",
                 "|---|" + "---|" * (len(CHECKS) + 2)]
        for o, marks in self.matrix_rows():
            right = "" if o.diagnosis_right is None else ("yes" if o.diagnosis_right else "no")
            kills = len(o.killed_by) if o in self.mutants else ("passes" if o.passed else "FALSE ALARM")
            lines.append(f"| {o.label} | " + " | ".join(m if m == "x" else "" for m in marks) + f" | {kills} | {right} |")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "passed": self.passed, "checks": list(CHECKS), "min_kills": MIN_KILLS,
            "mutants": [{"name": m.name, "setting": m.setting or None, "description": m.description, "killed_by": m.killed_by,
                         "diagnosis": m.diagnosis, "named": m.named, "mistakes": list(catalogue.by_name(m.name).mistakes),
                         "diagnosis_right": m.diagnosis_right,
                         "counterexample": m.counterexample} for m in self.mutants],
            "correct": [{"name": c.name, "setting": c.setting or None, "passed": c.passed, "failed": c.killed_by}
                        for c in self.correct],
            "right_diagnosis_share": round(self.right_share(), 3),
            "seconds": round(self.seconds, 2),
            "matrix_text": self.matrix_text(), "matrix_markdown": self.matrix_markdown(),
        }


def entries(loss: str = "bce", convention: str = "lesson", reduction: str = "mean", l2: float = 0.0) -> tuple:
    """``(mutants, correct)`` for a check's head flags: the lesson's catalogue when every flag is the
    lesson's; else the head catalogue's entries for ``loss``, narrowed by each other flag given
    other than its default (``l2``: entries with L2, each at the strength its own code writes)."""
    if (loss, convention, reduction, l2) == ("bce", "lesson", "mean", 0.0):
        return catalogue.MUTANTS, catalogue.CORRECT
    return head_catalogue.select(loss, None if convention == "lesson" else convention,
                                 None if reduction == "mean" else reduction, bool(l2))


def run_zoo(data, fuzz_examples: int = 40, progress=None, mutants=None, correct=None) -> Zoo:
    """Every mutant and every correct rewrite through every check (the lesson's catalogue unless
    ``mutants`` and ``correct`` are given: :func:`entries`)."""
    start = time.perf_counter()
    mutants = catalogue.MUTANTS if mutants is None else list(mutants)
    correct = catalogue.CORRECT if correct is None else list(correct)
    outcomes, prepared = [], {}
    for i, entry in enumerate(mutants + correct):
        outcomes.append(evaluate(entry, data, fuzz_examples, prepared))
        if progress:
            progress(i + 1)
    n = len(mutants)
    return Zoo(outcomes[:n], outcomes[n:], time.perf_counter() - start)
