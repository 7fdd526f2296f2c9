"""The cluster module's own functions in this process: a grading task (its stored row, its signalled
rows, its arguments), a finished task's outcome, and the loop over the tasks on an in-process Dask
client (threads, no worker processes): rows as they complete, a task whose workers died graded
again alone, any other failure an ERROR row, Ctrl-C cancels the rest; a scheduler that cannot be
reached and a missing Dask are one line each."""
from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from oracles.shells import cluster  # noqa: E402
from oracles.shells.cluster import ClusterUnavailable, _outcome, _shared, grade_task, run_tasks  # noqa: E402
from oracles.shells.gradebook import Row  # noqa: E402
from oracles.shells.results import Results  # noqa: E402

LESSON = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()
FD = ("finite-differences",)


@pytest.fixture(scope="module")
def shared():
    from oracles.harness import prepare_points
    from reference.data import synthetic
    from reference.model import Spec

    spec, data = Spec(), synthetic()
    return spec, data, prepare_points(spec, data, FD), FD, None, {"timeout": 5.0}


@pytest.fixture(scope="module")
def client():
    import distributed

    client = distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None)
    yield client
    client.close()


def candidate(tmp_path, name: str, source: str, counter: Path | None = None) -> str:
    if counter is not None:  # appends the name to counter each time a worker imports it: once per grading
        source = f"open({str(counter)!r}, 'a').write({name!r} + '\\n')\n" + source
    (tmp_path / f"{name}.py").write_text(source)
    return f"{tmp_path}/{name}.py:backward"


def gradings(counter: Path) -> list:
    return counter.read_text().split() if counter.exists() else []


# grade_task

def test_a_grading_task_grades_a_correct_and_a_buggy_candidate_and_neither_is_signalled(tmp_path, shared):
    good = candidate(tmp_path, "good", LESSON)
    bad = candidate(tmp_path, "bad", LESSON.replace("dz1 = da1 * (z1 > 0)", "dz1 = da1"))
    row, signalled = grade_task(shared, good)
    assert (row.candidate, row.verdict, row.passed, signalled) == (good, "PASS", True, False)
    row, signalled = grade_task(shared, bad)
    assert (row.candidate, row.verdict, row.passed, signalled) == (bad, "FAIL", False, False)
    assert "W1[" in row.first_failure


def test_a_grading_task_stores_its_row_and_a_task_run_again_finds_it_without_grading(tmp_path, shared):
    counter, folder = tmp_path / "graded.txt", tmp_path / "rows"
    folder.mkdir()
    target = candidate(tmp_path, "sub", LESSON, counter)
    row, signalled = grade_task(shared, target, (str(folder), "k1"))
    assert not signalled and gradings(counter) == ["sub"]
    assert Results(folder).load("k1", target) == row
    again, signalled = grade_task(shared, target, (str(folder), "k1"))
    assert again == row and not signalled
    assert gradings(counter) == ["sub"]  # not graded a second time


def test_a_grading_task_grades_when_the_stored_row_is_another_candidates(tmp_path, shared):
    counter, folder = tmp_path / "graded.txt", tmp_path / "rows"
    folder.mkdir()
    target = candidate(tmp_path, "sub", LESSON, counter)
    Results(folder).store("k1", Row("someone/else.py:backward", True, "PASS"))
    row, _ = grade_task(shared, target, (str(folder), "k1"))
    assert row.candidate == target and gradings(counter) == ["sub"]
    assert Results(folder).load("k1", target) == row  # its own row now


def test_a_grading_task_whose_folder_this_worker_cannot_see_grades_and_writes_nothing(tmp_path, shared):
    target = candidate(tmp_path, "sub", LESSON)
    elsewhere = tmp_path / "on_another_machine"
    row, signalled = grade_task(shared, target, (str(elsewhere), "k1"))
    assert row.verdict == "PASS" and not signalled
    assert not elsewhere.exists()


def test_a_grading_task_keeps_its_row_when_the_folder_cannot_be_written(tmp_path, shared, monkeypatch):
    from oracles.shells.results import ResultsError

    def refuse(self, key, row):
        raise ResultsError(f"{self.root}: cannot write the results folder: disk full")

    monkeypatch.setattr(Results, "store", refuse)
    (tmp_path / "rows").mkdir()
    target = candidate(tmp_path, "sub", LESSON)
    row, signalled = grade_task(shared, target, (str(tmp_path / "rows"), "k1"))
    assert (row.verdict, signalled) == ("PASS", False)  # the judge reports the folder when it stores the row


def test_a_signalled_grading_is_not_stored_it_is_graded_again_alone(tmp_path, shared):
    folder = tmp_path / "rows"
    folder.mkdir()
    target = candidate(tmp_path, "killed", LESSON.replace(
        "    N = X.shape[0]", "    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)"))
    row, signalled = grade_task(shared, target, (str(folder), "k1"))
    assert signalled and row.verdict == "FAIL" and f"signal {int(signal.SIGKILL)}" in row.first_failure
    assert list(folder.iterdir()) == []


def test_a_grading_task_hands_the_problem_and_the_worker_options_to_the_grading(monkeypatch):
    from oracles.shells import gradebook

    calls = []

    def graded(*args, **options):
        calls.append((args, options))
        return Row(args[2], True, "PASS"), False

    monkeypatch.setattr(gradebook, "_graded", graded)
    problem = ("spec", "data", ["points"], FD, "cs231n", {"timeout": 3.0, "memory": 7})
    assert grade_task(problem, "a.py:backward") == (Row("a.py:backward", True, "PASS"), False)
    assert grade_task(problem + ("drawn",), "b.py:backward")[0].candidate == "b.py:backward"
    assert calls == [(("spec", "data", "a.py:backward", ["points"], FD, "cs231n", None, None), {"timeout": 3.0, "memory": 7}),
                     (("spec", "data", "b.py:backward", ["points"], FD, "cs231n", None, "drawn"), {"timeout": 3.0, "memory": 7})]


def test_the_shared_problem_task_returns_the_problem_itself():
    problem = ("spec", "data")
    assert _shared(problem) is problem


# _outcome

class Future:
    def __init__(self, status, result=None, exception=None):
        self.status, self._result, self._exception = status, result, exception

    def result(self):
        return self._result

    def exception(self):
        return self._exception


class KilledWorker(Exception):
    """Named as distributed's: the scheduler's word for a task on workers that died under it."""


def test_a_finished_tasks_outcome_is_its_own_row_and_signal():
    row = Row("a.py:backward", True, "PASS")
    assert _outcome(Future("finished", (row, False)), "a.py:backward") == (row, False)
    assert _outcome(Future("finished", (row, True)), "a.py:backward") == (row, True)


def test_a_task_that_killed_its_dask_workers_is_graded_again_with_a_crash_row_ready():
    row, again = _outcome(Future("error", exception=KilledWorker("boom")), "a.py:backward")
    assert again is True
    assert (row.candidate, row.passed, row.verdict) == ("a.py:backward", False, "FAIL")
    assert "killed its Dask worker each time it ran" in row.first_failure


def test_any_other_failure_of_a_task_is_an_error_row_naming_the_exception_in_one_bounded_line():
    row, again = _outcome(Future("error", exception=ValueError("bad\n   thing " + "x" * 500)), "a.py:backward")
    assert again is False and (row.candidate, row.passed, row.verdict) == ("a.py:backward", False, "ERROR")
    prefix = "internal error while judging this candidate: ValueError: bad thing "
    assert row.first_failure.startswith(prefix) and "\n" not in row.first_failure
    assert len(row.first_failure) == len("internal error while judging this candidate: ValueError: ") + 300


def test_a_cancelled_task_is_an_error_row_that_says_so():
    row, again = _outcome(Future("cancelled"), "a.py:backward")
    assert (row.verdict, again) == ("ERROR", False)
    assert row.first_failure == "internal error while judging this candidate: its task was cancelled"


# run_tasks on an in-process client

def test_the_tasks_deliver_a_row_for_each_candidate_asked_with_its_index_and_its_stored_place(client):
    rows, busy = {}, []

    def task(problem, target, *stored):
        return Row(target, True, "PASS", f"{problem}|{stored}"), False

    run_tasks(client, ("the problem",), ["a", "b", "c", "d"], [0, 2, 3], rows.__setitem__, task=task, busy=busy.append,
              stored=lambda i: ("folder", f"key{i}"))
    assert sorted(rows) == [0, 2, 3]
    for i, target in ((0, "a"), (2, "c"), (3, "d")):
        assert rows[i].candidate == target
        assert rows[i].first_failure == f"('the problem',)|(('folder', 'key{i}'),)"  # the problem resolved, sent once
    assert busy[0] == 2 and busy[-1] == 0 and all(0 <= b <= 2 for b in busy)  # two threads, three tasks


def test_without_a_results_folder_a_task_gets_no_stored_place_and_no_busy_is_fine(client):
    rows = {}
    run_tasks(client, (), ["a", "b"], [0, 1], rows.__setitem__, task=lambda problem, target, *extra: (Row(target, True, "PASS", repr(extra)), False))
    assert {i: r.first_failure for i, r in rows.items()} == {0: "()", 1: "()"}


def test_the_problem_is_submitted_once_and_every_task_under_its_own_key(client, monkeypatch):
    submitted = []
    real = client.submit

    def submit(fn, *args, key=None, pure=True, **kwargs):
        submitted.append((getattr(fn, "__name__", ""), key, pure))
        return real(fn, *args, key=key, pure=pure, **kwargs)

    monkeypatch.setattr(client, "submit", submit)
    run_tasks(client, ("p",), ["a", "b"], [0, 1], lambda i, row: None,
              task=lambda problem, target: (Row(target, True, "PASS"), False))
    assert [s[0] for s in submitted].count("_shared") == 1
    (name, problem_key, pure), *tasks = submitted
    assert name == "_shared" and problem_key.startswith("problem-") and pure is False
    run = problem_key.removeprefix("problem-")
    assert sorted(k for _, k, _ in tasks) == [f"grade-{run}-0", f"grade-{run}-1"]
    assert all(pure is False for *_, pure in tasks)


def test_a_task_whose_workers_died_is_graded_again_alone_after_the_others_and_that_row_counts(client, tmp_path):
    tries, order = tmp_path / "tries.txt", []

    def task(problem, target, stored):
        with open(tries, "a") as f:
            f.write(f"{target}:{stored[1]}\n")
        if target == "b" and tries.read_text().split().count("b:key1") == 1:
            raise KilledWorker("worker died")
        return Row(target, True, "PASS"), False

    run_tasks(client, (), ["a", "b", "c"], [0, 1, 2], lambda i, row: order.append((i, row.verdict)), task=task,
              stored=lambda i: ("folder", f"key{i}"))
    assert order[-1] == (1, "PASS") and sorted(order) == [(0, "PASS"), (1, "PASS"), (2, "PASS")]
    assert tries.read_text().split().count("b:key1") == 2  # alone too, with its stored place


def test_a_task_whose_workers_die_alone_too_is_a_crash_row(client):
    rows = {}

    def task(problem, target):
        if target == "b":
            raise KilledWorker("worker died")
        return Row(target, True, "PASS"), False

    run_tasks(client, (), ["a", "b"], [0, 1], rows.__setitem__, task=task)
    assert rows[0].verdict == "PASS"
    assert rows[1].verdict == "FAIL" and "killed its Dask worker each time it ran" in rows[1].first_failure


def test_a_signalled_row_is_graded_again_alone_and_only_the_second_row_arrives(client, tmp_path):
    tries, arrived = tmp_path / "tries.txt", []

    def task(problem, target):
        with open(tries, "a") as f:
            f.write(target + "\n")
        first = tries.read_text().split().count(target) == 1
        return Row(target, not first, "FAIL" if first else "PASS"), first and target == "a"

    run_tasks(client, (), ["a", "b"], [0, 1], lambda i, row: arrived.append((i, row.verdict)), task=task)
    assert arrived == [(1, "FAIL"), (0, "PASS")]


class FrozenClock:
    """``time`` for the cluster module: sleeps as usual, but its monotonic clock never moves."""

    def __init__(self):
        import time

        self.sleep, self.now = time.sleep, time.monotonic()

    def monotonic(self):
        return self.now


def test_the_workers_threads_are_asked_at_most_once_a_second_and_never_without_busy(client, monkeypatch):
    asked = []
    real = client.nthreads

    def nthreads(*args, **kwargs):
        asked.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(client, "nthreads", nthreads)
    monkeypatch.setattr(cluster, "time", FrozenClock())

    def task(problem, target):
        return Row(target, True, "PASS"), False

    run_tasks(client, (), list("abcd"), [0, 1, 2, 3], lambda i, row: None, task=task)
    assert asked == []
    busy = []
    run_tasks(client, (), list("abcd"), [0, 1, 2, 3], lambda i, row: None, task=task, busy=busy.append)
    assert len(asked) == 1 and busy[0] == 2 and busy[-1] == 0  # the clock stood still: asked once


def test_a_local_cluster_has_as_many_workers_as_jobs_each_with_one_thread():
    client, local = cluster.connect("local", 1)
    try:
        assert client.nthreads() and list(client.nthreads().values()) == [1]
    finally:
        client.close()
        local.close()


def test_a_task_that_raises_is_an_error_row_and_not_graded_again(client, tmp_path):
    tries, rows = tmp_path / "tries.txt", {}

    def task(problem, target):
        with open(tries, "a") as f:
            f.write(target + "\n")
        raise RuntimeError("the judge broke")

    run_tasks(client, (), ["a"], [0], rows.__setitem__, task=task)
    assert rows[0].verdict == "ERROR" and "RuntimeError: the judge broke" in rows[0].first_failure
    assert tries.read_text().split() == ["a"]


def test_ctrl_c_while_rows_arrive_cancels_every_unfinished_task_and_is_raised_again(client, tmp_path, monkeypatch):
    release, cancelled = tmp_path / "release", []
    real = client.cancel

    def cancel(futures, *args, **kwargs):
        cancelled.extend(f.key for f in futures)
        release.touch()
        return real(futures, *args, **kwargs)

    def task(problem, target):
        import os
        import time

        for _ in range(600):  # b waits until its task was cancelled (30 s at most)
            if target == "a" or os.path.exists(release):
                break
            time.sleep(0.05)
        return Row(target, True, "PASS"), False

    def arrived(i, row):
        raise KeyboardInterrupt

    monkeypatch.setattr(client, "cancel", cancel)
    with pytest.raises(KeyboardInterrupt):
        run_tasks(client, (), ["a", "b"], [0, 1], arrived, task=task)
    assert len(cancelled) == 1 and str(cancelled[0]).endswith("-1")  # b's task, unfinished


def test_on_dask_closes_its_client_and_cluster_after_the_run_and_after_a_failure(monkeypatch):
    closed = []

    class Closing:
        def __init__(self, name):
            self.name = name

        def close(self):
            closed.append(self.name)

    monkeypatch.setattr(cluster, "connect", lambda scheduler, jobs: (Closing("client"), Closing("cluster")))
    monkeypatch.setattr(cluster, "run_tasks", lambda *args: None)
    cluster.on_dask("local", 2, (), [], [], lambda i, row: None)
    assert closed == ["client", "cluster"]

    def interrupted(*args):
        raise KeyboardInterrupt

    closed.clear()
    monkeypatch.setattr(cluster, "connect", lambda scheduler, jobs: (Closing("client"), None))
    monkeypatch.setattr(cluster, "run_tasks", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cluster.on_dask("tcp://host:8786", 2, (), [], [], lambda i, row: None)
    assert closed == ["client"]


def test_on_dask_hands_its_arguments_to_the_task_loop(monkeypatch):
    seen = []
    monkeypatch.setattr(cluster, "connect", lambda scheduler, jobs: (seen.append(("connect", scheduler, jobs)) or
                                                                     (type("C", (), {"close": lambda self: None})(), None)))
    monkeypatch.setattr(cluster, "run_tasks", lambda *args: seen.append(args[1:]))
    arrived, task, busy, stored = (lambda *a: None), (lambda *a: None), (lambda n: None), (lambda i: None)
    cluster.on_dask("tcp://h:1", 3, ("p",), ["a"], [0], arrived, task=task, busy=busy, stored=stored)
    assert seen == [("connect", "tcp://h:1", 3), (("p",), ["a"], [0], arrived, task, busy, stored)]


# connecting

def test_a_scheduler_that_cannot_be_reached_is_one_line_naming_its_address():
    with pytest.raises(ClusterUnavailable) as info:
        cluster.connect("tcp://127.0.0.1:1", 1)
    message = str(info.value)
    assert message.startswith("--scheduler tcp://127.0.0.1:1: cannot reach the Dask scheduler: ")
    assert "\n" not in message and len(message) <= len("--scheduler tcp://127.0.0.1:1: cannot reach the Dask scheduler: ") + 200


def test_without_distributed_the_cluster_is_unavailable_with_the_install_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ClusterUnavailable) as info:
        cluster.connect("local", 1)
    assert str(info.value) == f"--scheduler needs Dask's distributed package: {cluster.INSTALL}"
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_starting_the_resource_tracker_leaves_this_threads_signal_mask_as_it_was():
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
    try:
        cluster._resource_tracker()
        assert signal.SIGUSR2 in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
