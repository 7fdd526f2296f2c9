"""The gradebook on Dask distributed: a LocalCluster on 127.0.0.1 gives the rows --jobs 2 gives,
hostile candidates fail alone, a candidate that kills its Dask worker twice is a crash, an
interrupted cluster run resumes, and no Dask is exit 2 with the install line."""
import sys
from collections import Counter
from pathlib import Path

import pytest

from oracles.shells.cli import main
from oracles.shells.gradebook import grade

from test_gradebook_results import FD, Interrupt, gradings, row_files, stored, submissions, without_timings

LESSON = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()
HOSTILE = {
    "correct.py": LESSON,
    "mask.py": LESSON.replace("dz1 = da1 * (z1 > 0)", "dz1 = da1"),  # the ReLU mask forgotten
    "hangs.py": LESSON.replace("    N = X.shape[0]", "    while True:\n        pass"),
    "exits.py": LESSON.replace("    N = X.shape[0]", "    import os\n    os._exit(0)"),
    "killed.py": LESSON.replace("    N = X.shape[0]", "    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)"),
    "floods.py": LESSON.replace("    N = X.shape[0]", "    print('x' * 10**7)\n    N = X.shape[0]"),
    "broken.py": "def backward(:\n",
}


@pytest.fixture(scope="module")
def problem():
    from reference.data import synthetic
    from reference.model import Spec

    return Spec(), synthetic()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    for name, source in HOSTILE.items():
        (root / name).write_text(source)
    return [f"{root}/{name}:backward" for name in sorted(HOSTILE)]


def verdicts(book) -> dict:
    return {Path(r.candidate.split(":")[0]).name: r.verdict for r in book.rows}


def test_a_local_cluster_grades_correct_buggy_and_hostile_candidates_as_jobs_2_does(problem, hostile):
    spec, data = problem
    on_threads = grade(spec, data, hostile, oracles=FD, jobs=2, timeout=1.0)
    on_dask = grade(spec, data, hostile, oracles=FD, jobs=2, timeout=1.0, scheduler="local")
    assert without_timings(on_dask) == without_timings(on_threads)
    assert verdicts(on_dask) == {"correct.py": "PASS", "mask.py": "FAIL", "hangs.py": "FAIL", "exits.py": "FAIL",
                                 "killed.py": "FAIL", "floods.py": "PASS", "broken.py": "ERROR"}
    rows = {Path(r.candidate.split(":")[0]).name: r for r in on_dask.rows}  # each hostile one fails alone, as itself
    assert "time limit of 1 s" in rows["hangs.py"].first_failure
    assert "exited with code 0" in rows["exits.py"].first_failure
    assert "signal 9" in rows["killed.py"].first_failure


def test_a_local_cluster_listens_on_127_0_0_1_only_with_one_thread_per_worker():
    import psutil

    from oracles.shells.cluster import connect

    client, cluster = connect("local", 2)
    try:
        info = client.scheduler_info()
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert len(info["workers"]) == 2
        assert all(address.startswith("tcp://127.0.0.1:") for address in info["workers"])
        assert all(w["nthreads"] == 1 for w in info["workers"].values())
        here = psutil.Process()
        listening = [c.laddr for p in (here, *here.children(recursive=True))
                     for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
        assert len(listening) >= 5  # the scheduler and its HTTP server (no dashboard), two nannies, two workers
        assert {address.ip for address in listening} == {"127.0.0.1"}
    finally:
        client.close()
        cluster.close()


def test_a_candidate_that_kills_its_dask_worker_twice_and_twice_alone_is_a_crash_and_its_neighbour_passes(
        problem, tmp_path):
    from oracles.shells.cluster import grade_task, on_dask
    from oracles.harness import prepare_points

    spec, data = problem
    deaths = tmp_path / "deaths.txt"
    (tmp_path / "fine.py").write_text(LESSON)
    (tmp_path / "deadly.py").write_text(LESSON)
    targets = [f"{tmp_path}/fine.py:backward", f"{tmp_path}/deadly.py:backward"]

    def task(shared, target):  # the judge's task, except that deadly.py's kills the Dask worker it runs on
        import os
        import signal

        if "deadly" in target:
            with open(deaths, "a") as f:
                f.write("died\n")
            os.kill(os.getpid(), signal.SIGKILL)
        return grade_task(shared, target)

    rows = {}
    prepared = prepare_points(spec, data, FD)
    on_dask("local", 2, (spec, data, prepared, FD, None, {"timeout": 5.0}), targets, [0, 1],
            lambda i, row: rows.__setitem__(i, row), task=task)
    assert rows[0].verdict == "PASS", rows[0].first_failure
    assert rows[1].verdict == "FAIL" and "killed its Dask worker each time it ran" in rows[1].first_failure
    assert deaths.read_text().split() == ["died"] * 4  # twice beside fine.py, twice alone; then a crash, not forever


def test_an_interrupted_cluster_run_resumes_and_grades_no_finished_submission_again(tmp_path, problem):
    spec, data = problem
    counter = tmp_path / "graded.txt"
    targets = submissions(tmp_path / "subs", counter)
    whole = grade(spec, data, targets, oracles=FD, jobs=2, timeout=5.0, results=tmp_path / "whole")
    counter.unlink()
    folder = tmp_path / "resumed"
    first = grade(spec, data, targets, oracles=FD, jobs=2, timeout=5.0, results=folder, scheduler="local",
                  progress=Interrupt(2))
    assert first.interrupted
    kept = stored(folder)
    assert len(kept) >= 2 and sorted(kept) == sorted(r.candidate for r in first.rows)
    resumed = grade(spec, data, targets, oracles=FD, jobs=2, timeout=5.0, results=folder, scheduler="local")
    count = Counter(gradings(counter))
    name = {t: Path(t.split(":")[0]).stem for t in targets}
    assert all(count[name[t]] == 1 for t in kept)
    # a submission without a row was graded once more at most: it was in flight at Ctrl-C (how many
    # were depends on when the cancellation reached each worker)
    assert all(count[name[t]] in (1, 2) for t in targets if t not in kept)
    assert without_timings(resumed) == without_timings(whole)


def test_the_cli_grades_on_a_local_cluster_with_scheduler_local(tmp_path, capsys):
    (tmp_path / "a.py").write_text(LESSON)
    (tmp_path / "b.py").write_text(HOSTILE["mask.py"])
    code = main(["--candidate", f"{tmp_path}/*.py:backward", "--oracles", *FD, "--jobs", "2", "--scheduler", "local",
                 "--format", "csv", "--quiet"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert [line.split(",")[1] for line in out.splitlines()[1:]] == ["PASS", "FAIL"]


def test_without_dask_distributed_scheduler_exits_2_with_the_install_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    monkeypatch.setitem(sys.modules, "dask", None)  # and so does import dask: neither installed
    (tmp_path / "a.py").write_text(LESSON)
    code = main(["--candidate", f"{tmp_path}/*.py:backward", "--oracles", *FD, "--scheduler", "local", "--quiet"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.strip() == ("compare-frameworks: error: --scheduler needs Dask's distributed package: "
                           "pip install 'backprop-oracles[cluster]'")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGINT read with its sender is a Linux promise")
def test_ctrl_c_on_a_cluster_run_exits_130_with_the_rows_so_far_and_the_same_command_resumes(tmp_path):
    import signal
    import subprocess
    import time

    command = Path(sys.executable).parent / "compare-frameworks"
    counter, started = tmp_path / "graded.txt", tmp_path / "hanging.started"
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a_fine", "b_fine"):
        (subs / f"{name}.py").write_text(f"open({str(counter)!r}, 'a').write({name!r} + '\\n')\n" + LESSON)
    hangs_once = (f"import os, time\nif not os.path.exists({str(started)!r}):\n"
                  f"    open({str(started)!r}, 'w').close()\n    time.sleep(300)\n")
    (subs / "c_hangs_once.py").write_text(hangs_once + LESSON)
    argv = [str(command), "--candidate", f"{subs}/*.py:backward", "--oracles", *FD, "--jobs", "2", "--scheduler",
            "local", "--timeout", "120", "--format", "csv", "--output", str(tmp_path / "book.csv"), "--quiet"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    rows = tmp_path / "book.results"
    for _ in range(1200):  # c hangs in its import; a and b are graded beside it
        if (started.exists() and len(row_files(rows)) == 2) or process.poll() is not None:
            break
        time.sleep(0.1)
    assert started.exists() and len(row_files(rows)) == 2
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert err.strip().splitlines()[-1] == "compare-frameworks: interrupted"
    assert [line.split(",")[:2] for line in (tmp_path / "book.csv").read_text().splitlines()[1:]] == \
        [[f"{subs}/a_fine.py:backward", "PASS"], [f"{subs}/b_fine.py:backward", "PASS"]]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split(",")[1] for line in (tmp_path / "book.csv").read_text().splitlines()[1:]] == ["PASS"] * 3
    assert sorted(counter.read_text().split()) == ["a_fine", "b_fine"]  # neither graded again


def test_a_cluster_run_keeps_progress_json_with_every_row_counted_and_no_more_running_than_workers(tmp_path, problem):
    import json

    spec, data = problem
    targets = submissions(tmp_path / "subs", tmp_path / "graded.txt")  # 2 correct, 4 with a bug
    seen = []
    book = grade(spec, data, targets, oracles=FD, jobs=2, timeout=5.0, results=tmp_path / "rows", scheduler="local",
                 status=seen.append)
    end = json.loads((tmp_path / "rows" / "progress.json").read_text())
    assert (end["total"], end["done"], end["running"], end["failed"], end["state"]) == (6, 6, 0, 4, "finished")
    assert end["failed"] == sum(not r.passed for r in book.rows)
    assert max(s["running"] for s in seen) == 2 and all(0 <= s["running"] <= 2 for s in seen)
    assert [s["done"] for s in seen] == sorted(s["done"] for s in seen)


def test_a_finished_grading_whose_dask_worker_dies_before_returning_is_not_graded_again(tmp_path, problem):
    from oracles.shells.cluster import grade_task, on_dask
    from oracles.harness import prepare_points

    spec, data = problem
    counter, died = tmp_path / "graded.txt", tmp_path / "died"
    targets = submissions(tmp_path / "subs", counter)[:2]
    folder = tmp_path / "rows"
    folder.mkdir()

    def task(shared, target, stored=None):  # the judge's task; the first to finish kills its Dask worker after
        import os
        import signal

        row = grade_task(shared, target, stored)
        if not died.exists():
            died.touch()
            os.kill(os.getpid(), signal.SIGKILL)  # the row done, its result lost with the worker
        return row

    rows = {}
    prepared = prepare_points(spec, data, FD)
    on_dask("local", 2, (spec, data, prepared, FD, None, {"timeout": 5.0}), targets, [0, 1],
            lambda i, row: rows.__setitem__(i, row), task=task, stored=lambda i: (str(folder), f"key{i}"))
    assert died.exists()
    assert sorted(gradings(counter)) == sorted(Path(t.split(":")[0]).stem for t in targets)  # each graded once
    assert [(rows[i].candidate, rows[i].verdict) for i in (0, 1)] == [(t, "FAIL") for t in targets]  # two bugs
    assert sorted(stored(folder)) == sorted(targets)
