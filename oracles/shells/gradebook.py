"""Grading many candidates: one worker each, the oracles computed once, one row per candidate.

:func:`grade` is the library call behind ``compare-frameworks --candidate 'submissions/*.py:backward'``
(or a repeated ``--candidate``): every candidate is checked exactly as a single one is, at the
same points against the same oracles, each in its own worker process; ``jobs`` run at once.
One candidate's crash, hang or import error is its own row and never stops the others.
With ``fuzz`` (``--fuzz N``) the judge draws N problems once, from ``seed``, and computes their
oracles once; every candidate meets those same problems, in the same order (:class:`Fuzzed`).
"""
from __future__ import annotations

import csv
import io
import json
import os
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field

from oracles.harness import prepare_points, run, versions
from oracles.registry import NAMES as ORACLES


@dataclass(frozen=True)
class Row:
    """One candidate's line in the gradebook."""

    candidate: str
    passed: bool
    verdict: str  # PASS, FAIL or ERROR (could not be loaded)
    first_failure: str = ""
    diagnosis: str = ""
    seconds: float = 0.0  # the whole check of this candidate
    candidate_seconds: float = 0.0  # time spent inside the candidate's calls
    fuzz: str = ""  # with --fuzz: "N held", or the first broken law and its problem's replay line


@dataclass(frozen=True)
class Fuzzed:
    """The drawn problems every candidate meets, in order, and their oracles (computed once)."""

    problems: tuple
    points: dict  # {problem: its prepared oracles}

    def describe(self) -> list:
        return [p.describe() for p in self.problems]


@dataclass
class Gradebook:
    data: dict
    spec: dict
    oracles: list
    rows: list
    timings_s: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    interrupted: bool = False  # Ctrl-C: the rows are those finished before it
    fuzz: dict | None = None  # with --fuzz: the examples asked, the seed and every drawn problem's description

    KIND = "gradebook"  # what oracles.formats renders it as (oracles.formats.GRADEBOOK)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows) and not self.interrupted

    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def verdict(self) -> str:
        failed = sum(not r.passed for r in self.rows)
        n = len(self.rows)
        if self.interrupted:
            return f"INTERRUPTED: {n} candidate{'s' if n != 1 else ''} graded before Ctrl-C, {failed} failing"
        if not failed:
            return f"PASS: all {n} candidate{'s' if n != 1 else ''} agree with every check"
        return f"FAIL: {failed} of {n} candidate{'s' if n != 1 else ''} fail"

    def to_dict(self) -> dict:
        return {"passed": self.passed, "data": self.data, "spec": self.spec, "oracles": self.oracles,
                "candidates": [asdict(r) for r in self.rows], "timings_s": self.timings_s,
                "versions": self.versions, "interrupted": self.interrupted, "fuzz": self.fuzz}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    COLUMNS = ("candidate", "verdict", "first_failure", "diagnosis", "seconds", "candidate_seconds")

    @property
    def columns(self) -> tuple:
        """:attr:`COLUMNS`, and ``fuzz`` when the gradebook fuzzed."""
        return self.COLUMNS + (("fuzz",) if self.fuzz else ())

    def _cells(self, r: Row) -> list:
        cells = [r.candidate, r.verdict, r.first_failure, r.diagnosis, f"{r.seconds:.3f}", f"{r.candidate_seconds:.3f}"]
        return cells + ([r.fuzz] if self.fuzz else [])

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self._cells(r) for r in self.rows)
        return buffer.getvalue()

    def _header(self) -> str:
        if self.spec.get("family") == "layers":
            return self._layers_header()
        s, d = self.spec, self.data
        fuzz = f" | fuzz {self.fuzz['examples']} drawn problems (seed {self.fuzz['seed']})" if self.fuzz else ""
        return (f"gradebook: {len(self.rows)} candidates | data {d['source']} ({d['rows']} rows) | network "
                f"{'-'.join(map(str, s['sizes']))} {s['activation']} {s['dtype']}{'' if s.get('bias', True) else ' no biases'} | oracles {', '.join(self.oracles)}"
                f"{fuzz}")

    def _layers_header(self) -> str:
        """A layers gradebook (:mod:`oracles.shells.layerbook`): the kind, whose forward, the points."""
        s = self.spec
        fixed = f" {json.dumps(s['layer_args'])}" if s.get("layer_args") else ""
        forward = (f"forward {s['forward']} in each candidate's own file" if s.get("forward")
                   else "each candidate its own loss")
        fuzz = f" | fuzz {self.fuzz['examples']} more points ({self.fuzz['points']})" if self.fuzz else ""
        return (f"gradebook: {len(self.rows)} candidates | layer {s['layer']}{fixed} | {forward} | points "
                f"{self.data['source']} | oracles {', '.join(self.oracles)}{fuzz}")

    def to_markdown(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        out = [f"# compare-frameworks gradebook: {'PASS' if self.passed else 'FAIL'}", "", self._header(), "",
               "| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        out += ["| " + " | ".join(cell(c) for c in self._cells(r)) + " |" for r in self.rows]
        return "\n".join(out + ["", self.verdict(), ""])

    def to_text(self, width: int = 120) -> str:
        from rich.table import Table

        from oracles.report import text_console

        buffer = io.StringIO()
        console = text_console(buffer, width)  # every string is data: a candidate's [/x] prints as is
        console.print(self._header())
        table = Table(show_edge=False, pad_edge=False, box=None)
        for col in ("candidate", "verdict", "first failure", "diagnosis", "s") + (("fuzz",) if self.fuzz else ()):
            table.add_column(col, overflow="fold")
        for r in self.rows:
            table.add_row(r.candidate, r.verdict, r.first_failure, r.diagnosis, f"{r.seconds:.2f}",
                          *([r.fuzz] if self.fuzz else []))
        console.print(table)
        console.print(self.verdict())
        return buffer.getvalue()


def _row(target: str, report=None, error: str | None = None, seconds: float = 0.0, fuzzed=None,
         fuzz: bool = False) -> Row:
    """``fuzzed``: the candidate's FuzzResult on the drawn problems, or None (no --fuzz, or ``fuzz``
    asked but not run: the points failed)."""
    if error is not None:
        return Row(target, False, "ERROR", error, "", seconds)
    failed = next((p for p in report.points if not p.passed), None)
    first = next(iter(failed.failure_lines()), "") if failed else ""
    diagnosis = failed.diagnosis[0] if failed and failed.diagnosis else ""
    passed = report.passed and (fuzzed is None or fuzzed.passed)
    cell = _fuzz_cell(fuzzed) if fuzzed is not None else ("not run: the checks at the points failed" if fuzz else "")
    if not first and fuzzed is not None and not fuzzed.passed:
        first = cell.partition(" | ")[0]
    return Row(target, passed, "PASS" if passed else "FAIL", first, diagnosis, seconds,
               report.timings_s.get("candidate", 0.0), cell)


def _fuzz_cell(fuzzed) -> str:
    """``20 held``, or the first broken law on the drawn problem and that problem's replay line."""
    if fuzzed.passed:
        return f"{fuzzed.examples} held"
    c = fuzzed.counterexample
    law = c["laws"][0]
    words = " ".join(" ".join(law["lines"][:1] or [law["message"]]).split())[:200]
    return f"law {law['law']} broken at drawn problem {fuzzed.examples}: {words} | {c['repro']}"


def grade_one(spec, data, target: str, prepared: list, oracles, convention: str | None = None, fuzz=None,
              **worker_options) -> Row:
    """One candidate's row: loaded in its own worker, checked against the prepared points (and
    ``fuzz``'s drawn problems, a :class:`Fuzzed`)."""
    return _graded(spec, data, target, prepared, oracles, convention, fuzz=fuzz, **worker_options)[0]


def _graded(spec, data, target: str, prepared: list, oracles, convention: str | None = None, stop=None,
            fuzz=None, **worker_options) -> tuple:
    """``(row, signalled)``: the row, and whether its worker died of (or was stopped by) a signal
    the judge did not send, which a neighbour may have sent. ``stop``: an Event set when the
    gradebook is interrupted (no new worker is started then). Any failure of the judge's own
    while judging this candidate is this row's (:func:`guarded`), never the others'."""
    return guarded(lambda t: _judged(spec, data, t, prepared, oracles, convention, stop, fuzz, **worker_options),
                   target)


def _judged(spec, data, target: str, prepared: list, oracles, convention: str | None = None, stop=None,
            fuzz=None, **worker_options) -> tuple:
    """:func:`_graded`'s work: load the candidate, run every check, make its row."""
    from oracles.candidate import CandidateError, load_candidate

    start = time.perf_counter()
    if stop is not None and stop.is_set():
        return _row(target, error="not graded: the gradebook was interrupted"), False
    try:
        handle = load_candidate(target, **worker_options)
    except CandidateError as exc:
        return _row(target, error=str(exc), seconds=time.perf_counter() - start), False
    with handle:
        report = run(spec, data, handle, oracles, prepared=prepared, convention=convention)
        # the drawn problems only after the points held: a row that fails there fails already, and a
        # candidate that hangs would wait out its time limit at every drawn problem
        fuzzed = _fuzzed(handle, target, fuzz, oracles, convention) if fuzz is not None and report.passed else None
    seconds = time.perf_counter() - start
    offence = getattr(handle, "offence", None)  # read when its worker ended: the candidate signalled the judge
    if offence:
        return Row(target, False, "FAIL", offence, "", seconds, report.timings_s.get("candidate", 0.0)), False
    return _row(target, report, seconds=seconds, fuzzed=fuzzed, fuzz=fuzz is not None), getattr(handle, "signalled", None) is not None


def _fuzzed(handle, target: str, fuzz: Fuzzed, oracles, convention: str | None):
    """Every law on each of ``fuzz``'s problems, in order, with their oracles as the judge computed them."""
    from oracles.conventions import Conventional
    from properties.fuzz import fuzz_drawn

    speaking = convention or "lesson"
    return fuzz_drawn(lambda problem: Conventional(handle, speaking, problem.loss), list(fuzz.problems), fuzz.points,
                      oracles=tuple(oracles), candidate_arg=target, convention=convention)


def draw_fuzz(spec, examples: int, seed: int, oracles, prepare: bool = True, timings: dict | None = None) -> Fuzzed:
    """The ``examples`` problems every candidate meets (drawn from ``seed`` as ``--fuzz`` draws a
    user's candidate's: its depth, activation and head kept) and, with ``prepare``, each distinct
    problem's oracles, computed here once."""
    from properties.fuzz import draw
    from properties.laws import prepared
    from properties.strategies import candidate_problems

    start = time.perf_counter()
    problems = tuple(draw(candidate_problems(spec), examples, seed))
    points = {p: prepared(p, tuple(oracles)) for p in dict.fromkeys(problems)} if prepare else {}
    if timings is not None:
        timings["fuzz_oracles"] = time.perf_counter() - start
    return Fuzzed(problems, points)


def guarded(grade_row, target: str) -> tuple:
    """``grade_row(target)`` (a row and whether it was signalled), or an ERROR row naming the
    judge's own exception in one line: one candidate that breaks the judge (an overflow, a
    renderer, anything) costs its row only."""
    start = time.perf_counter()
    try:
        return grade_row(target)
    except Exception as exc:  # noqa: BLE001  (any failure is this candidate's row, never the others')
        words = " ".join(str(exc).split())[:300]
        return Row(target, False, "ERROR", f"internal error while judging this candidate: "
                                           f"{type(exc).__name__}: {words}", "", time.perf_counter() - start), False


def grade(spec, data, targets: list, oracles=ORACLES, seed: int = 0, jobs: int = 1, mode: str = "auto",
          directions: int | None = None, convention: str | None = None, progress=None, results=None,
          scheduler: str | None = None, status=None, fuzz: int | None = None, **worker_options) -> Gradebook:
    """Check every target (``file.py:fn`` or ``module:fn``) at the same points; ``jobs`` at once.
    ``progress(n)`` is called as each candidate's row is done (n of ``len(targets)``);
    ``status(snapshot)`` on every change of the counts (done, running, failed, rate, time left:
    :mod:`oracles.shells.progress`), which a results folder also keeps, as ``progress.json``.

    ``results``: a folder (:mod:`oracles.shells.results`) where each row is written as it arrives, keyed
    by the candidate's content and the options; a candidate whose row is there already is not
    graded again, and the rows returned are read back from it. ``scheduler``: ``"local"`` (a Dask
    ``LocalCluster`` of ``jobs`` workers on 127.0.0.1) or a Dask scheduler's address
    (``tcp://host:8786``) grades on Dask (:mod:`oracles.shells.cluster`); None grades on this machine.

    With ``jobs`` > 1 (or on Dask), a candidate whose worker died of a signal the judge did not
    send (a neighbour's SIGKILL, say) is graded again alone once the others are done, and that
    row is kept. Ctrl-C (KeyboardInterrupt) ends every worker at once and returns the rows
    finished so far, with ``interrupted`` set.

    ``fuzz``: N problems drawn once from ``seed`` (:func:`draw_fuzz`), their oracles computed once;
    each candidate meets all of them, in order, and its row fails at the first law it breaks."""
    from oracles.shells.results import problem_key

    start = time.perf_counter()
    timings = {}
    ledger = Ledger(targets, results, lambda: problem_key(spec, data, oracles, seed, mode, directions, convention,
                                                          worker_options, fuzz), status, progress)
    drawn = draw_fuzz(spec, fuzz, seed, oracles, bool(ledger.todo), timings) if fuzz else None
    interrupted = False
    if ledger.todo:
        prepared = prepare_points(spec, data, oracles, seed, mode=mode, directions=directions, timings=timings)
        interrupted = ledger.grade(
            scheduler, jobs, (spec, data, prepared, oracles, convention, worker_options, drawn),
            lambda todo, arrived, busy: _on_threads(spec, data, targets, todo, prepared, oracles, convention, jobs,
                                                    arrived, worker_options, busy, drawn))
    timings["total"] = time.perf_counter() - start
    rows = ledger.close(interrupted)
    return Gradebook(data.describe(), spec.to_dict(), list(oracles), rows,
                     {k: round(v, 6) for k, v in timings.items()}, versions(), interrupted,
                     {"examples": fuzz, "seed": seed, "problems": drawn.describe()} if drawn is not None else None)


class Ledger:
    """A gradebook's rows as they arrive, for :func:`grade` and the layers'
    (:func:`oracles.shells.layerbook.grade_layers`).

    ``results``: a results folder (:mod:`oracles.shells.results`) or None; ``problem()``: the
    problem's key (:func:`oracles.shells.results.problem_key`), asked only with a folder. A row
    already in the folder is found now and not graded again (:attr:`todo` holds the others); each
    row is written there as it arrives, counted (:class:`oracles.shells.progress.Tally`, whose
    ``progress.json`` goes in the folder) and reported to ``progress(n)``."""

    def __init__(self, targets: list, results, problem, status=None, progress=None):
        from oracles.shells.progress import Tally
        from oracles.shells.results import Results, candidate_key

        self.targets, self.progress = list(targets), progress
        self.folder = Results(results) if results is not None else None
        self.keys, self.rows = {}, {}
        if self.folder is not None:
            key = problem()
            for i, target in enumerate(self.targets):
                self.keys[i] = candidate_key(key, target)
                row = self.folder.load(self.keys[i], target)
                if row is not None:
                    self.rows[i] = row
        self.todo = [i for i in range(len(self.targets)) if i not in self.rows]
        self.tally = Tally(len(self.targets), list(self.rows.values()),
                           self.folder.root if self.folder is not None else None, status)
        if progress and self.rows:
            progress(len(self.rows))

    def arrived(self, i: int, row: Row) -> None:
        """A row is final: kept, written to the folder, counted."""
        self.rows[i] = row
        if self.folder is not None:
            self.folder.store(self.keys[i], row)
        self.tally.arrived(row)
        if self.progress:
            self.progress(len(self.rows))

    def stored(self, i: int) -> tuple:
        """Candidate ``i``'s ``(results folder, key)``, for its Dask task
        (:func:`oracles.shells.cluster.grade_task`)."""
        return os.path.abspath(self.folder.root), self.keys[i]

    def grade(self, scheduler: str | None, jobs: int, shared: tuple, here, task=None) -> bool:
        """Grade :attr:`todo`: on this machine, ``here(todo, arrived, busy)`` (:func:`on_threads`); on
        Dask with a ``scheduler``, ``jobs`` workers for a LocalCluster, one ``task`` per candidate with
        ``shared`` (:func:`oracles.shells.cluster.on_dask`; its ``grade_task`` when None). True when
        Ctrl-C ended it."""
        try:
            if scheduler is None:
                here(self.todo, self.arrived, self.tally.busy)
            else:
                from oracles.shells.cluster import on_dask

                more = {"task": task} if task is not None else {}
                on_dask(scheduler, jobs, shared, self.targets, self.todo, self.arrived, busy=self.tally.busy,
                        stored=self.stored if self.folder is not None else None, **more)
        except KeyboardInterrupt:
            return True
        return False

    def close(self, interrupted: bool) -> list:
        """The rows in the targets' order. With a folder, every row read back from it, with any row that a
        Dask task wrote itself (:func:`oracles.shells.cluster.grade_task`) while Ctrl-C reached the judge."""
        rows = self.rows
        if self.folder is not None:
            found = ((i, self.folder.load(self.keys[i], t) or rows.get(i)) for i, t in enumerate(self.targets))
            rows = {i: row for i, row in found if row is not None}
        self.tally.close(interrupted, list(rows.values()))
        return [rows[i] for i in sorted(rows)]


def _on_threads(spec, data, targets, todo, prepared, oracles, convention, jobs, arrived, worker_options,
                busy=None, fuzz=None) -> None:
    """Grade ``todo`` (indices into ``targets``) on this machine, ``jobs`` at once (:func:`on_threads`)."""
    on_threads(todo, jobs, lambda i, stop: _graded(spec, data, targets[i], prepared, oracles, convention, stop, fuzz,
                                                    **worker_options), arrived, busy)


def on_threads(todo, jobs: int, grade, arrived, busy=None) -> None:
    """Grade the indices ``todo``, ``jobs`` at once: ``grade(i, stop)`` gives ``(row, signalled)``
    (``stop``: an Event set when the grading is interrupted); ``arrived(i, row)`` is called with
    each final row, and ``busy(n)`` as the number of gradings under way changes. With ``jobs`` > 1
    a row whose worker died of a signal the judge did not send is graded again alone once the
    others are done. Ctrl-C (or any exception) ends every worker, then is raised again."""
    import threading

    from oracles.isolation import end_all

    again, stop = [], threading.Event()
    lock, under_way = threading.Lock(), [0]

    def graded(i: int) -> tuple:
        with lock:
            under_way[0] += 1
            if busy:
                busy(under_way[0])
        try:
            return grade(i, stop)
        finally:
            with lock:
                under_way[0] -= 1
                if busy:
                    busy(under_way[0])

    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = {pool.submit(graded, i): i for i in todo}
    try:
        pending = set(futures)
        while pending:  # short waits: Ctrl-C is seen at once, not when the pool drains
            finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            for future in finished:
                row, signalled = future.result()
                if signalled and jobs > 1:
                    again.append(futures[future])  # a row graded again alone counts when it is
                else:
                    arrived(futures[future], row)
        for i in sorted(again):  # alone: no neighbour's worker runs now
            arrived(i, graded(i)[0])
    except BaseException:  # Ctrl-C, or a results folder that cannot be written: every worker ended
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        end_all()
        raise
    pool.shutdown()
