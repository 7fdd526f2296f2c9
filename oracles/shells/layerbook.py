"""Grading a class's layer code: one :func:`oracles.families.layers.check_layer` per candidate, one row each.

:func:`grade_layers` is the library call behind ``compare-frameworks --layer KIND --forward NAME
--candidate 'submissions/*.py:relu_backward'``: each candidate's backward is checked against the
forward named ``NAME`` in the candidate's own file (or module), at the same points (drawn from
``seed``; every candidate meets the same arrays, ``dout`` and hyper-parameters) against the same
oracles, exactly as one ``--layer`` check is. A loss kind is one function: the candidate alone.
A candidate that cannot be loaded, or whose forward is missing or raises, is an ERROR row naming
the problem; the others are graded all the same. ``jobs`` candidates are checked at once (each
check starts its own two workers). With a results folder (``--results``), each row is stored as it
arrives and a candidate already there is not graded again; ``--scheduler`` grades on Dask
(:mod:`oracles.shells.results`, :mod:`oracles.shells.cluster`, as for the network's gradebook).
"""
from __future__ import annotations

import time
from dataclasses import replace

from oracles import options
from oracles.shells.gradebook import Gradebook, Ledger, Row, _row, guarded, on_threads

LIBRARIES = ("numpy", "torch", "jax")  # what a layer is checked against: in the report and the results' keys


def forward_name(value) -> str | None:
    """``--forward NAME`` or ``--forward FILE_OR_GLOB:NAME`` -> ``NAME`` (the file part is not used:
    each candidate's forward is read from the candidate's own file); None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"forward takes a function name (NAME or FILE:NAME), got {type(value).__name__}")
    name = value.rpartition(":")[2]
    if not name.isidentifier():
        raise ValueError(f"--forward in a layers gradebook names the forward function in each candidate's file "
                         f"(NAME or FILE:NAME), got {value!r}")
    return name


def paired(target: str, name: str) -> str:
    """The function ``name`` in ``target``'s own file or module (``subs/a.py:relu_backward`` ->
    ``subs/a.py:relu_forward``)."""
    return f"{target.rpartition(':')[0]}:{name}"


def grade_layers(kind, forward, targets: list, *, seed: int = 0, jobs: int = 1, layer_args: dict | None = None,
                 fuzz: int = 0, directions: int | None = None, timeout: float | None = None, memory=None,
                 forbid_import=(), progress=None, status=None, results=None,
                 scheduler: str | None = None) -> Gradebook:
    """Check every target (``file.py:backward`` or ``module:backward``) as a ``kind`` layer; ``jobs`` at once.

    ``forward``: the forward's function name, read in each target's own file or module (``NAME``, or
    ``FILE:NAME`` whose file part is ignored); None for a loss kind (each target is its own loss).
    ``seed``, ``layer_args``, ``fuzz``, ``directions``, ``timeout``, ``memory``, ``forbid_import``:
    :func:`oracles.families.layers.check_layer`'s, the same for every candidate. ``progress(n)``
    as each row is done; ``status(snapshot)`` on every change of the counts
    (:class:`oracles.shells.progress.Tally`). Ctrl-C ends every worker and returns the rows
    finished so far, with ``interrupted`` set.

    ``results`` and ``scheduler``: :func:`oracles.shells.gradebook.grade`'s. A row in the results
    folder is keyed by the kind, the forward's name, every option above but ``jobs`` and the bytes
    of the candidate's file (its forward's too: the same file); on Dask each task is one
    candidate's check (:func:`layer_task`).

    Bad input common to every candidate (an unknown kind, hyper-parameters the harness cannot
    draw, a forward name that is not one) raises ForwardError, ValueError or TypeError before any
    candidate runs; anything wrong with one candidate is its row.
    """
    from oracles.families.layers.frameworks import FRAMEWORKS
    from oracles.families.layers.run import FD, draw_points, kind_of
    from oracles.registry import versions
    from oracles.shells.results import keyed

    start = time.perf_counter()
    kind = kind_of(kind) if isinstance(kind, str) else kind
    name = forward_name(forward)
    if name is None and not kind.loss:
        raise ValueError(f"a {kind.name} gradebook needs the forward's name: --forward {kind.name}_forward")
    targets = list(targets)
    for target in targets:
        if not isinstance(target, str) or not target.rpartition(":")[0]:
            raise TypeError(f"a layers gradebook grades 'file.py:function' or 'module:function' targets, "
                            f"got {target!r}")
    checked = options.validate(jobs=jobs, layer_args=layer_args or {}, seed=seed, timeout=timeout, memory=memory,
                               forbid_import=forbid_import)
    jobs, given, seed = checked["jobs"], checked["layer_args"], checked["seed"]
    fuzz = options.examples(fuzz, "fuzz") if fuzz else 0
    directions = options.directions(directions) if directions is not None else None
    points = draw_points(kind, seed, given, directions)  # what every candidate meets; ForwardError for bad layer_args
    worker = {"layer_args": given, "seed": seed, "fuzz": fuzz, "directions": directions,
              **{k: checked[k] for k in ("timeout", "memory", "forbid_import")}}
    ledger = Ledger(targets, results, lambda: keyed(["layers", kind.name, name, _keyable(worker)],
                                                    versions(LIBRARIES)), status, progress)

    def here(todo: list, arrived, busy) -> None:
        on_threads(todo, jobs, lambda i, stop: _graded(kind, name, targets[i], worker, stop), arrived, busy)

    interrupted = ledger.grade(scheduler, jobs, (kind, name, worker), here, layer_task) if ledger.todo else False
    rows = ledger.close(interrupted)
    data = {"source": f"drawn (seeds {seed}, {seed + 1})", "points": [f"{p['name']}: {p['about']}" for p in points]}
    spec = {"family": "layers", "layer": kind.name, "forward": name, "layer_args": _shown(given)}
    drawn = {"examples": fuzz, "seed": seed, "points": f"seeds {seed + 2} to {seed + 1 + fuzz}"} if fuzz else None
    return Gradebook(data, spec, [FD, *FRAMEWORKS], rows, {"total": round(time.perf_counter() - start, 6)},
                     versions(LIBRARIES), interrupted, drawn)


def _shown(given: dict) -> dict:
    """The fixed hyper-parameters as JSON holds them (an array from the API shown by its repr)."""
    plain = (bool, int, float, str, type(None))
    return {k: v if isinstance(v, plain) else repr(v) for k, v in given.items()}


def _keyable(worker: dict) -> dict:
    """The check's options as a results key holds them: an array among the hyper-parameters (from
    the API) by its dtype, shape and bytes."""
    import numpy as np

    from oracles.shells.results import arrays_digest

    given = {k: ["array", arrays_digest(v)] if isinstance(v, np.ndarray) else v
             for k, v in worker["layer_args"].items()}
    return {**worker, "layer_args": given}


def layer_task(shared, target: str, stored: tuple | None = None) -> tuple:
    """One candidate's ``(row, signalled)`` on a Dask worker: :func:`oracles.shells.cluster.grade_task`
    (the results folder looked at first, the row written there) with a layer's check; ``shared``:
    the kind, the forward's name and the check's options."""
    from oracles.shells.cluster import grade_task

    return grade_task(shared, target, stored, lambda problem, t: _graded(*problem[:2], t, problem[2], None))


def _graded(kind, name: str | None, target: str, worker: dict, stop) -> tuple:
    """``(row, signalled)``: one candidate's row, and whether a worker of its check died of (or was
    stopped by) a signal the judge did not send, which a neighbour may have sent (the gradebook
    then grades it again alone); any failure of the judge's own while judging it is its row
    (:func:`guarded`)."""
    return guarded(lambda t: _judged(kind, name, t, worker, stop), target)


def _judged(kind, name: str | None, target: str, worker: dict, stop) -> tuple:
    from oracles.families import layers
    from oracles.families.forward.points import ForwardError

    start = time.perf_counter()
    if stop is not None and stop.is_set():
        return _row(target, error="not graded: the gradebook was interrupted"), False
    forward = paired(target, name) if name else target
    try:
        report = layers.check_layer(kind, forward, target, **worker)
    except ForwardError as exc:  # its file cannot be read, a function is missing, its forward raised
        words = " ".join(str(exc).split()).removeprefix("--forward ")  # no --forward names this file: the target does
        return _row(target, error=words, seconds=time.perf_counter() - start), exc.signalled
    row = _row(target, report, seconds=time.perf_counter() - start)
    return (replace(row, fuzz=_fuzz_cell(report.fuzz)) if report.fuzz is not None else row), report.signalled


def _fuzz_cell(fuzzed: dict) -> str:
    """``20 held``, or the drawn point that failed and the flags that replay it."""
    if fuzzed.get("passed"):
        return f"{fuzzed['examples']} held"
    return f"failed at drawn point {fuzzed['examples']} (seed {fuzzed['seed']}): replay with {fuzzed['replay']}"


