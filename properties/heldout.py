"""Measure the diagnosis on held-out buggy backwards it was not built from (``tests/heldout/``).

Each case file defines ``backward`` and ``EXPECTED = {"mistakes": [...], "wrong": [...]}``
(optionally ``"activation"``; and for another head or course, ``"data"``: a file of :data:`HEADS`
found beside the Pima file, ``"convention"``, ``"l2"``, ``"reduction"``; for a deeper network,
``"hidden"``, the widths as ``--hidden`` takes them; ``"scale"``, the generic point's weight scale
where a bug shows only once the logits saturate, as a trained network's do: the one departure from
the CLI's points), written from what the bug is. A case is run exactly as the CLI
runs a candidate (:func:`oracles.harness.run` on the data, both points, every oracle) and graded:

- ``right``: a correct case passes; a buggy one fails on exactly the expected parameters and
  names only expected mistake ids (at least one), or, for a bug outside the grammar (no
  expected ids), names no cause; an expected id the grammar does not know yet (``NEW_IDS.md``)
  is graded like any other: naming nothing is ``vague``, naming another id a ``wrong cause``;
- ``wrong cause``: a named mistake id that the case does not contain;
- ``false alarm``: a correct case that fails;
- ``missed``: a buggy case that passes; ``vague``: fails on the right parameters, names no
  cause though one exists, or fails on other parameters than expected (where a point's gradients
  could not be compared at all, a contract violation such as a NaN, the parameters failed
  elsewhere need only lie among the expected ones).
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

from oracles.candidate import InProcess
from oracles.harness import run
from oracles.mistakes import same
from reference.model import Spec

ROOT = Path(__file__).resolve().parent.parent / "tests" / "heldout"
# the other heads' files (a case's "data"): target column and loss, looked up beside the Pima file
# (or in $BACKPROP_SHARED_DATA)
HEADS = {"iris": ("species", "softmax"), "wine": ("cultivar", "softmax"), "digits": ("digit", "softmax"),
         "diabetes_progression": ("progression", "mse")}
GRADES = ("right", "wrong cause", "false alarm", "missed", "vague")


@dataclass
class Case:
    name: str
    expected: dict
    backward: object


@dataclass
class Graded:
    name: str
    grade: str
    expected: dict
    named: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    words: list = field(default_factory=list)


def load_cases(folder: str | Path) -> list:
    """Every ``*.py`` in ``folder`` (relative to ``tests/heldout``), each module loaded afresh."""
    folder = ROOT / folder if not Path(folder).is_absolute() else Path(folder)
    cases = []
    for path in sorted(folder.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"heldout_{folder.name}_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases.append(Case(path.stem, module.EXPECTED, module.backward))
    return cases


def named_causes(report) -> list:
    """The mistake ids the report names as causes, over every point, in order, each once."""
    out = []
    for point in report.points:
        for finding in point.findings:
            if finding.cause:
                out += [i for i in finding.ids if i not in out]
    return out


def grade(case: Case, report, named: list) -> Graded:
    """The case's grade (one of :data:`GRADES`) from the report and the ids it named."""
    expected = case.expected
    failed = sorted({k for p in report.points for k, per in p.checks.items()
                     if not all(c.passed for c in per.values())})
    uncompared = any(p.violation and not p.checks for p in report.points)  # no values: which failed is unknown
    words = [d for p in report.points for d in p.diagnosis] + [p.violation for p in report.points if p.violation]
    out = Graded(case.name, "", expected, named, failed, words)
    if not expected["wrong"]:
        out.grade = "right" if report.passed else "false alarm"
    elif report.passed:
        out.grade = "missed"
    elif any(not any(same(n, e) for e in expected["mistakes"]) for n in named):
        out.grade = "wrong cause"
    elif set(failed) != set(expected["wrong"]) and not (uncompared and set(failed) <= set(expected["wrong"])):
        out.grade = "vague"
    elif not expected["mistakes"]:
        out.grade = "right" if not named else "wrong cause"
    else:
        out.grade = "right" if named else "vague"
    return out


def head_data(name: str, beside, heads=None) -> "Dataset":
    """The file ``name`` (a key of :data:`HEADS`) in ``heads``, else in $BACKPROP_SHARED_DATA, else
    the packaged data set of that name (``beside``: the Pima data, kept for the callers)."""
    from reference.data import load_csv, load_packaged

    folder = heads or os.environ.get("BACKPROP_SHARED_DATA")
    target, loss = HEADS[name]
    if not folder:
        return load_packaged(name, target, loss)
    return load_csv(Path(folder) / f"{name}.csv", target, loss)


def points_for(spec: Spec, scale: float | None) -> list | None:
    """The points a case is checked at: the harness's default (None), or with ``scale`` the
    lesson's init and a generic point whose weights are drawn at that scale."""
    from oracles.harness import Point, lesson_point
    from reference.model import random_params

    if scale is None:
        return None
    return [lesson_point(spec), Point("generic", random_params(spec, 1, scale),
                                      f"seeded default_rng(1) weights at scale {scale}/sqrt(fan_in), non-zero biases")]


def measure(data, folder: str | Path = "batch1", causes=named_causes, heads=None) -> list:
    """Grade every case in ``folder``: a list of :class:`Graded`. ``data``: the Pima file; the
    other heads' files are read from ``heads`` (a folder; see :func:`head_data`)."""
    from oracles.harness import make_spec

    graded, loaded = [], {}
    for case in load_cases(folder):
        e = case.expected
        if any(k in e for k in ("data", "convention", "l2", "reduction", "hidden", "scale")):
            if e.get("data") and e["data"] not in loaded:
                loaded[e["data"]] = head_data(e["data"], data, heads)
            here = loaded[e["data"]] if e.get("data") else data
            convention = e.get("convention", "lesson")
            spec = make_spec(here, tuple(e.get("hidden", (16,))), e.get("activation", "relu"), "float64", here.loss,
                             e.get("reduction", "mean"), e.get("l2", 0.0), convention)
            report = run(spec, here, InProcess(case.name, case.backward), points=points_for(spec, e.get("scale")),
                         convention=convention)
        else:
            spec = Spec((data.features, 16, 1), e.get("activation", "relu"))
            report = run(spec, data, InProcess(case.name, case.backward))
        graded.append(grade(case, report, causes(report)))
    return graded


def summary(graded: list) -> dict:
    """Counts by grade, and the share of right diagnoses over buggy cases and over all cases."""
    counts = {g: sum(x.grade == g for x in graded) for g in GRADES}
    buggy = [x for x in graded if x.expected["wrong"]]
    return {"cases": len(graded), "buggy": len(buggy), "correct": len(graded) - len(buggy), **counts,
            "right_share_buggy": sum(x.grade == "right" for x in buggy) / len(buggy) if buggy else 1.0,
            "right_share_all": counts["right"] / len(graded) if graded else 1.0}


def table(graded: list) -> str:
    lines = [f"{'case':<34} {'grade':<12} expected / named / failed"]
    for x in graded:
        lines.append(f"{x.name:<34} {x.grade:<12} {x.expected['mistakes']} / {x.named} / {x.failed}")
    s = summary(graded)
    lines.append(f"right {s['right']}/{s['cases']} (buggy {s['right_share_buggy']:.0%}), wrong causes "
                 f"{s['wrong cause']}, false alarms {s['false alarm']}, missed {s['missed']}, vague {s['vague']}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    from reference.data import load

    data = load(sys.argv[2] if len(sys.argv) > 2 else None)
    graded = measure(data, sys.argv[1] if len(sys.argv) > 1 else "batch1")
    print(table(graded))
    for x in graded:
        if x.grade != "right":
            print(f"\n{x.name} ({x.grade}):\n  " + "\n  ".join(x.words))
