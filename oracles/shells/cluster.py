"""The gradebook on Dask distributed: the same grading, one task per candidate, on any cluster.

``--scheduler local`` starts a ``LocalCluster`` of ``--jobs`` worker processes (one thread
each) on 127.0.0.1; ``--scheduler tcp://host:8786`` sends the tasks to a running scheduler
(``dask scheduler`` / ``dask worker``, dask-jobqueue, dask-kubernetes). Each task is
:func:`oracles.shells.gradebook._graded` (a layer's: :mod:`oracles.shells.layerbook`), exactly as on
one machine: the candidate runs in a worker process of its own, with its limits, started by the
Dask worker. The problem and its oracles
(computed once, by the judge) travel to the scheduler once, as one task's result that every
grading task depends on, never with each task (:func:`_shared`).

A Dask worker lost mid-run has its tasks retried by the scheduler on another worker. A task on
Dask workers that died under it ``ALLOWED_FAILURES + 1`` times (twice) is graded again alone,
after the others (a neighbour queued on the same worker may have been the killer); twice more
alone, and that candidate's row is a crash, never retried again. With a results folder, a task
writes its row there before it returns and a task run again looks there first: a finished
grading whose result was lost with its Dask worker is not graded twice (:func:`grade_task`).
"""
from __future__ import annotations

import os
import time
import uuid
import warnings

ALLOWED_FAILURES = 1  # the scheduler's distributed.scheduler.allowed-failures for a LocalCluster
# the scheduler's HTTP server (health only, no dashboard) on 127.0.0.1, any free port: never
# another interface (":0" would listen on every one), never a fixed port that a neighbour holds
_NO_DASHBOARD = {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
POLL_S = 0.05  # how long the judge sleeps between looks at the finished tasks
THREADS_EVERY_S = 1.0  # how often the judge asks the scheduler how many threads its workers have
INSTALL = "pip install 'backprop-oracles[cluster]'"


class ClusterUnavailable(Exception):
    """No Dask (``distributed`` not installed) or no scheduler at the address: one line."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterUnavailable(f"--scheduler needs Dask's distributed package: {INSTALL}") from None
    return distributed


def connect(scheduler: str, jobs: int):
    """``(client, cluster)``: a LocalCluster of ``jobs`` workers on 127.0.0.1 (``cluster`` to
    close after the client), or a client of the scheduler at ``scheduler`` (``cluster`` None)."""
    import logging

    distributed = _distributed()  # before dask itself: without distributed there may be no dask either
    import dask
    if scheduler == "local":
        _resource_tracker()
        with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
            cluster = distributed.LocalCluster(host="127.0.0.1", n_workers=jobs, threads_per_worker=1,
                                               processes=True, dashboard_address=None,
                                               scheduler_kwargs=_NO_DASHBOARD, silence_logs=logging.ERROR)
        return distributed.Client(cluster), cluster
    try:
        return distributed.Client(scheduler, timeout="10s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterUnavailable(f"--scheduler {scheduler}: cannot reach the Dask scheduler: "
                                 f"{' '.join(str(exc).split())[:200]}") from None


def _resource_tracker() -> None:
    """Start multiprocessing's resource tracker from this thread, keeping its signal mask.

    Starting it unblocks SIGINT in the thread that does (it blocks SIGINT while it spawns the
    tracker, then unblocks it); done by the LocalCluster's event-loop thread, that thread and every
    thread it starts would take the judge's SIGINT, which the judge blocks to read it with its
    sender (:mod:`oracles.reaper`), and Ctrl-C would be lost where SIGINT is ignored."""
    import signal
    from multiprocessing import resource_tracker

    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def grade_task(shared, target: str, stored: tuple | None = None, grade=None) -> tuple:
    """One candidate's ``(row, signalled)`` on a Dask worker: ``grade(shared, target)`` with the
    scattered ``shared`` problem; by default a network candidate's (:func:`network_graded`).

    ``stored``: ``(results folder, key)``. The task looks for its row there first, and writes its
    final row there itself before returning, so that a task run again by Dask because the worker
    holding its result died (a grading done, its result lost) finds the row instead of grading the
    candidate twice. Only where the worker sees the folder (a shared file system: it exists);
    a folder it cannot write is the judge's to report, when it stores the same row."""
    from oracles.shells.results import Results, ResultsError

    folder = Results(stored[0]) if stored is not None and os.path.isdir(stored[0]) else None
    if folder is not None:
        row = folder.load(stored[1], target)
        if row is not None:
            return row, False
    row, signalled = (grade or network_graded)(shared, target)
    if folder is not None and not signalled:  # a signalled row is not final: graded again alone
        try:
            folder.store(stored[1], row)
        except ResultsError:
            pass
    return row, signalled


def network_graded(shared, target: str) -> tuple:
    """:func:`oracles.shells.gradebook._graded` with the network's ``shared`` problem (spec, data,
    prepared points, oracles, convention, the worker's limits and, with ``--fuzz``, the drawn
    problems and their oracles)."""
    from oracles.shells.gradebook import _graded

    spec, data, prepared, oracles, convention, worker_options, *fuzz = shared  # fuzz: the drawn problems, if any
    return _graded(spec, data, target, prepared, oracles, convention, None, fuzz[0] if fuzz else None,
                   **worker_options)


def on_dask(scheduler: str, jobs: int, shared: tuple, targets: list, todo: list, arrived, task=grade_task,
            busy=None, stored=None) -> None:
    """Grade ``todo`` (indices into ``targets``) on Dask, calling ``arrived(i, row)`` with each
    final row as it arrives, and ``busy(n)`` with the tasks under way (the unfinished ones, up to
    the workers' threads); ``stored(i)``: candidate ``i``'s ``(results folder, key)``, given to
    its task (:func:`grade_task`). Ctrl-C cancels every task and closes the client (and a
    LocalCluster), then is raised again."""
    client, cluster = connect(scheduler, jobs)
    try:
        run_tasks(client, shared, targets, todo, arrived, task, busy, stored)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_tasks(client, shared: tuple, targets: list, todo: list, arrived, task=grade_task, busy=None,
              stored=None) -> None:
    """:func:`on_dask`'s work with a ``client``: the problem sent once, one task per candidate,
    rows as they complete; a candidate signalled by a neighbour, or whose Dask workers died under
    it, graded again alone."""
    distributed = _distributed()
    run = uuid.uuid4().hex[:8]
    with warnings.catch_warnings():  # a big problem is meant to travel once, with this one task
        warnings.filterwarnings("ignore", message=".*[Ll]arge object.*")
        problem = client.submit(_shared, shared, key=f"problem-{run}", pure=False)
    def extra(i: int) -> tuple:
        return () if stored is None else (stored(i),)

    futures = {client.submit(task, problem, targets[i], *extra(i), key=f"grade-{run}-{i}", pure=False): i
               for i in todo}
    again, done = [], distributed.as_completed(list(futures))

    threads = [0, -THREADS_EVERY_S]  # the workers' threads, and when the scheduler was last asked

    def under_way(unfinished: int) -> None:  # asked again at most every second, as workers come and go
        if busy and unfinished and time.monotonic() - threads[1] >= THREADS_EVERY_S:
            threads[:] = sum(client.nthreads().values()), time.monotonic()
        if busy:
            busy(min(unfinished, threads[0]))

    try:
        under_way(len(futures))
        while not done.is_empty():  # short sleeps, never a blocking wait: Ctrl-C is seen at once
            if not done.has_ready():
                time.sleep(POLL_S)
                continue
            for future in done.next_batch(block=False):
                if future.status not in ("finished", "error", "cancelled"):
                    done.add(future)  # its result was on a worker since lost: run again, back when done
                    continue
                i = futures.pop(future)
                row, signalled = _outcome(future, targets[i])
                if signalled:
                    again.append(i)
                else:
                    arrived(i, row)
                future.release()
            under_way(len(futures))
        for i in sorted(again):  # alone: every other task is done
            future = client.submit(task, problem, targets[i], *extra(i), key=f"grade-{run}-{i}-alone", pure=False)
            futures[future] = i  # cancelled on Ctrl-C with the rest
            under_way(1)
            while not future.done():
                time.sleep(POLL_S)
            arrived(futures.pop(future), _outcome(future, targets[i])[0])
        under_way(0)
    except BaseException:  # Ctrl-C, or a results folder that cannot be written
        client.cancel(list(futures))
        raise


def _shared(shared: tuple) -> tuple:
    """The problem as a task's result: sent to the scheduler once, fetched by each worker from a
    worker that holds it, and made again if every worker that held it is lost (scattered data
    would be gone, and every task waiting on it cancelled)."""
    return shared


def _outcome(future, target: str) -> tuple:
    """A finished task's ``(row, again)``: ``again`` when its worker was signalled by someone else,
    or when its task was on every Dask worker that died under it (KilledWorker): graded again
    alone, where a second KilledWorker is a crash row. Any other failure of the task is an
    internal error: that row."""
    from oracles.shells.gradebook import Row

    if future.status == "finished":
        return future.result()
    exc = future.exception() if future.status == "error" else None
    if type(exc).__name__ == "KilledWorker":  # graded again alone: a neighbour's task may have been the killer
        return Row(target, False, "FAIL", "the candidate's grading killed its Dask worker each time it ran, "
                                          "alone too (the scheduler's allowed-failures): graded as a crash"), True
    words = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}" if exc else f"its task was {future.status}"
    return Row(target, False, "ERROR", f"internal error while judging this candidate: {words}"), False
