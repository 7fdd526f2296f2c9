"""Fuzz a candidate backward: draw problems, run every law, shrink the first failure.

:func:`fuzz` is the library call behind ``compare-frameworks --fuzz N``; it returns a
:class:`FuzzResult` and prints nothing (a ``progress`` callback may draw a bar).
"""
from __future__ import annotations

import atexit
import shlex
import tempfile
import time
from dataclasses import dataclass, field, replace

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.configuration import set_hypothesis_home_dir

from oracles import registry

from properties.laws import LAWS, check_laws
from properties.strategies import Problem, problems


@dataclass
class FuzzResult:
    examples: int  # how many problems ran (shrinking included)
    passed: bool
    seconds: float
    counterexample: dict | None = None  # the shrunk problem, its failed laws and a repro command
    shown_at: int | None = field(default=None, repr=False, compare=False)  # the notebook cell that showed it

    def to_dict(self) -> dict:
        return {"examples": self.examples, "passed": self.passed, "seconds": round(self.seconds, 3),
                "examples_per_second": round(self.examples / self.seconds, 1) if self.seconds else None,
                "counterexample": self.counterexample, "summary": self.summary()}

    def _repr_pretty_(self, printer, cycle) -> None:
        """In a terminal IPython: the summary, the counterexample on short lines."""
        printer.text(f"fuzz: {self.summary()}")

    def mimebundle(self) -> dict:
        """What a notebook shows: the HTML, and the summary as its plain text."""
        return {"text/plain": f"fuzz: {self.summary()}", "text/html": self._repr_html_()}

    def _ipython_display_(self) -> None:
        """Shown as :meth:`mimebundle`, except by the cell whose progress line already became it."""
        from IPython import get_ipython
        from IPython.display import display

        if self.shown_at is not None and getattr(get_ipython(), "execution_count", None) == self.shown_at:
            return
        display(self.mimebundle(), raw=True)

    def _repr_html_(self) -> str:
        """In a notebook: the verdict, and for a failure the counterexample, each law and the replay command."""
        import html

        colour = "#1a7f37" if self.passed else "#cf222e"
        head = f'<h3 style="color:{colour}">fuzz: {"PASS" if self.passed else "FAIL"}</h3>'
        if self.passed:
            return head + f"<p>{html.escape(self.summary())}</p>"
        c = self.counterexample
        laws = "".join(f"<li>law {html.escape(v['law'])}: {html.escape(v['message'])}</li>" for v in c["laws"])
        return (head + f"<p>failed after {self.examples} examples ({self.seconds:.1f} s); the shrunk counterexample:</p>"
                f"<pre>{html.escape(c['problem'])}</pre><ul>{laws}</ul>"
                f"<p>reproduce:</p><pre>{html.escape(c['repro'])}</pre>")

    def summary(self) -> str:
        rate = f"{self.examples / self.seconds:.0f}/s" if self.seconds else ""
        if self.passed:
            return f"{self.examples} examples, every law held ({self.seconds:.1f} s, {rate})"
        c = self.counterexample
        laws = [f"  law {v['law']}: {part}" if i == 0 else f"    {part}"
                for v in c["laws"] for i, part in enumerate(v["lines"])]
        return "\n".join([f"FAILED after {self.examples} examples ({self.seconds:.1f} s); the shrunk counterexample:",
                          f"  {c['problem']}", *laws, f"reproduce: {c['repro']}"])


_HOME = []


def _home() -> str:
    """One temporary directory per process for hypothesis's own files, removed at exit."""
    if not _HOME:
        _HOME.append(tempfile.TemporaryDirectory(prefix="backprop-hypothesis-"))
        atexit.register(_HOME[0].cleanup)
    return _HOME[0].name


def fuzz(candidate, examples: int | None, strategy=None, laws=None, oracles=registry.NAMES,
         seed: int | None = 0, progress=None, candidate_arg: str | None = None, profile=None,
         database_key: bytes | None = None, convention: str | None = None) -> FuzzResult:
    """Draw ``examples`` problems; on a failure hypothesis shrinks it and the minimal one is kept.

    ``candidate`` is called as ``candidate(problem)`` -> a backward for that problem (so the
    reference can follow the drawn activation); ``candidate_arg`` goes into the repro command.
    ``profile``: hypothesis settings to start from (the pytest plugin passes the user's own
    profile: its example count, database and randomness; ``examples`` and ``seed`` are then
    None); only the deadline is lifted and the slow-data health checks suppressed.
    ``database_key``: the key failures are saved under in that profile's database.
    ``convention``: the candidate's layout, named in the repro command when not the lesson's.
    This is the one hypothesis driver: the CLI, the notebook API and the pytest plugin all call it.
    """
    strategy = problems() if strategy is None else strategy
    laws = tuple(laws or LAWS)
    state = {"count": 0, "failure": None}

    def test(problem: Problem):
        state["count"] += 1
        if progress:
            progress(state["count"])
        violations = check_laws(candidate(problem), problem, laws, oracles)
        if violations:
            state["failure"] = (problem, violations)
            raise AssertionError(str(violations[0]))

    if profile is None:
        chosen = _plain(examples)
    else:
        chosen = settings(profile, deadline=None, suppress_health_check=set(profile.suppress_health_check)
                          | {HealthCheck.too_slow, HealthCheck.data_too_large})
    run = chosen(given(strategy)(test))
    if database_key is not None:
        run.hypothesis.inner_test._hypothesis_internal_add_digest = database_key
    if seed is not None:  # the same seed draws the same problems; None draws new ones every run
        run = hypothesis_seed(seed)(run)
    start = time.perf_counter()
    if profile is None:  # hypothesis caches constants under .hypothesis/: not in the user's cwd
        set_hypothesis_home_dir(_home())
    error = None
    try:
        run()
    except Exception as exc:  # AssertionError, or hypothesis's Flaky* for a candidate that keeps state
        if state["failure"] is None:
            raise
        error = exc
    finally:
        if profile is None:
            set_hypothesis_home_dir(None)
    seconds = time.perf_counter() - start
    if state["failure"] is None:
        return FuzzResult(state["count"], True, seconds)
    problem, violations = state["failure"]
    violations = _told_apart(candidate, problem, violations, tuple(oracles))
    counterexample = _counterexample(problem, violations, candidate_arg, convention)
    if error is not None and not isinstance(error, AssertionError):
        counterexample["flaky"] = f"{type(error).__name__}: the failure did not reproduce every time"
    return FuzzResult(state["count"], False, seconds, counterexample)


def _plain(examples: int):
    """The settings of a fuzz run without a user's profile: no deadline, no database, and random
    draws unless a seed is given, even where a CI variable makes hypothesis's default derandomized."""
    return settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                    derandomize=False, print_blob=False, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])


def draw(strategy, examples: int, seed: int = 0) -> list:
    """``examples`` problems drawn as :func:`fuzz` draws them (the same settings, ``strategy`` and
    ``seed``), in order, with no candidate involved: a gradebook draws them once and every candidate
    meets the same ones (:func:`fuzz_drawn`)."""
    drawn = []

    def test(problem: Problem):
        drawn.append(problem)

    run = hypothesis_seed(seed)(_plain(examples)(given(strategy)(test)))
    set_hypothesis_home_dir(_home())
    try:
        run()
    finally:
        set_hypothesis_home_dir(None)
    return drawn


def fuzz_drawn(candidate, drawn: list, points: dict | None = None, laws=None, oracles=registry.NAMES,
               candidate_arg: str | None = None, convention: str | None = None) -> FuzzResult:
    """Every law on each problem of ``drawn`` in order (:func:`draw`), up to the first that fails.

    ``candidate`` as :func:`fuzz`'s; ``points``: ``{problem: its oracles}``, computed once for every
    candidate that meets the same problems. The failure is the drawn problem itself, not shrunk:
    its repro line, with ``--fuzz`` on that one candidate, shrinks it."""
    laws = tuple(laws or LAWS)
    points = points or {}
    start = time.perf_counter()
    for count, problem in enumerate(drawn, 1):
        violations = check_laws(candidate(problem), problem, laws, oracles, point=points.get(problem))
        if violations:
            return FuzzResult(count, False, time.perf_counter() - start,
                              _counterexample(problem, violations, candidate_arg, convention))
    return FuzzResult(len(drawn), True, time.perf_counter() - start)


def _counterexample(problem: Problem, violations: list, candidate_arg, convention) -> dict:
    repro = f"compare-frameworks --replay '{problem.describe()}'" + (
        f" --candidate {shlex.quote(candidate_arg)}" if candidate_arg else "") + (
        f" --convention {convention}" if candidate_arg and convention not in (None, "lesson") else "")
    return {"problem": problem.describe(), "spec": problem.spec.to_dict(), "N": problem.N,
            "seed": problem.seed, "scale": problem.scale,
            "laws": [{"law": v.law, "message": v.message, "lines": list(v.lines)} for v in violations], "repro": repro}


def telling(problem: Problem) -> Problem:
    """The shrunk ``problem`` grown just enough for the diagnosis to tell its factors apart.

    Shrinking ends at sizes like N = 2, D = 1, H = 1, where a missing 1/N, a factor D, a stray 2
    and a hidden width all give the same number. Here D and every width become distinct from each
    other, from 1, 2 and the class count, and N from all of those, their neighbours (N - 1 and
    N + 1 name factors of their own) and their doubles; everything else (activation, head, seed,
    kink, saturation, labels) stays the shrunk problem's.
    """
    taken = {0, 1, 2, problem.sizes[-1]}

    def pick(at_least: int, fits=lambda v: True) -> int:
        value = max(at_least, 3)
        while value in taken or not fits(value):
            value += 1
        taken.add(value)
        return value

    D = pick(problem.sizes[0])
    widths = tuple(pick(h) for h in problem.sizes[1:-1])
    sizes = (D, *widths, problem.sizes[-1])
    N = pick(max(problem.N, 2 * max(sizes) + 1),
             lambda v: not ({v - 1, v + 1} & taken) and all(v != 2 * t for t in taken) and v != 768)
    return replace(problem, sizes=sizes, N=N)


def _told_apart(candidate, problem: Problem, violations: list, oracles: tuple) -> list:
    """The agreement law's violation on the shrunk ``problem``, with its diagnosis narrowed to the
    causes that also hold on :func:`telling`'s larger problem, when that names fewer (the shrunk
    report never names more causes than a problem where they can be told apart); else unchanged."""
    from oracles.session import Session
    from properties.laws import LawViolation, prepared

    at = next((i for i, v in enumerate(violations) if v.law == "agreement"), None)
    if at is None or violations[at].result is None or len(violations[at].result.diagnosis) < 2:
        return violations
    grown = telling(problem)
    results = []
    try:  # advisory: whatever goes wrong here, the shrunk problem's own words stand
        for drawn in (problem, grown):
            results += Session.of(candidate(drawn)).check([prepared(drawn, oracles)], repeat=False, across=False)
    except Exception:
        return violations
    narrowed = narrow(*results)
    if narrowed is None:
        return violations
    lines = narrowed.verdict_lines() + [
        f"note: the diagnosis held also on {grown.describe()}, where its causes can be told apart"]
    return [*violations[:at], LawViolation("agreement", *lines, result=narrowed), *violations[at + 1:]]


def narrow(shrunk, grown):
    """``shrunk`` (a PointResult) with only the causes that also held at ``grown``, where the
    candidate was wrong too, when that leaves fewer causes and at least one; else None."""
    import copy

    from oracles.diagnosis import reconcile

    before = [f for f in shrunk.findings if f.cause]
    if grown.passed or len(before) < 2:
        return None
    result = copy.deepcopy(shrunk)
    reconcile([result, copy.deepcopy(grown)])
    kept = [f for f in result.findings if f.cause]
    if not kept or len(kept) >= len(before):
        return None
    if len(kept) == 1:  # one cause left: no longer "either ... or"
        text = kept[0].text.removeprefix("either ").removeprefix("or ")
        result.diagnosis = [text if t == kept[0].text else t for t in result.diagnosis]
    return result


def replay(problem: Problem, candidate, oracles=registry.NAMES):
    """One problem, as a fuzz failure prints it: the point checks and every law, as a Report."""
    import numpy as np

    from oracles.harness import Point, check_point, versions
    from oracles.report import Report

    params, X, y = problem.arrays()
    result = check_point(problem.spec, Point("replay", params, problem.describe()), X, y, candidate, oracles)
    if sum(f.cause for f in result.findings) > 1:  # as the fuzz said it: told apart on a larger problem
        grown = telling(problem)
        g_params, g_X, g_y = grown.arrays()
        narrowed = narrow(result, check_point(grown.spec, Point("replay", g_params, grown.describe()), g_X, g_y,
                                              candidate, oracles, repeat=False))
        if narrowed is not None:
            from oracles.mistakes import Finding

            result = narrowed
            result.findings.append(Finding((), f"the diagnosis held also on {grown.describe()}, where its causes "
                                               f"can be told apart", (), "note"))
    violations = check_laws(candidate, problem, [law for law in LAWS if law != "agreement"])
    result.diagnosis += [f"law {v}" for v in violations]
    if violations and result.violation is None:
        result.violation = "; ".join(str(v) for v in violations)
    data = {"source": "replay", "rows": problem.N, "features": problem.sizes[0], "outcome_counts": None}
    if not problem.spec.head.output.labelled:
        data["target_range"] = [float(np.min(y)), float(np.max(y))]
    else:
        labels, counts = np.unique(y, return_counts=True)
        data["outcome_counts"] = {str(int(k)): int(v) for k, v in zip(labels, counts)}
    return Report(data=data, spec=problem.spec.to_dict(), candidate=candidate.name, oracles=list(oracles),
                  points=[result], timings_s={}, versions=versions())
