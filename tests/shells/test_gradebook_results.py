"""A gradebook's results folder: each row written as it arrives, a rerun grades only what is missing
or changed, an interrupted run resumes, and the folder is never written among the run's inputs."""
import json
from collections import Counter
from pathlib import Path

import pytest

from oracles.shells.cli import main
from oracles.shells.gradebook import grade

LESSON = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()
FD = ("finite-differences",)
BUGS = {
    "mask": ("dz1 = da1 * (z1 > 0)", "dz1 = da1"),
    "mean": ("    N = X.shape[0]", "    N = 1"),
}
TIMINGS = ("seconds", "candidate_seconds")


def counted(source: str, counter: Path, name: str) -> str:
    """``source`` that appends ``name`` to ``counter`` when its worker imports it: once per grading."""
    return f"open({str(counter)!r}, 'a').write({name!r} + '\\n')\n" + source


def submissions(root: Path, counter: Path) -> list:
    """Six submissions (correct, and two classic bugs), each counting its gradings; their targets."""
    root.mkdir(exist_ok=True)
    names = []
    for k in range(2):
        for bug, (old, new) in {"ok": ("", ""), **BUGS}.items():
            name = f"s{k}_{bug}"
            source = LESSON.replace(old, new) if old else LESSON
            (root / f"{name}.py").write_text(counted(source, counter, name))
            names.append(name)
    return [f"{root}/{n}.py:backward" for n in sorted(names)]


def gradings(counter: Path) -> list:
    return counter.read_text().split() if counter.exists() else []


def without_timings(book) -> list:
    return [{k: v for k, v in vars(r).items() if k not in TIMINGS} for r in book.rows]


@pytest.fixture(scope="module")
def problem():
    from reference.data import synthetic
    from reference.model import Spec

    return Spec(), synthetic()


class Interrupt:
    """A progress callback that raises KeyboardInterrupt (Ctrl-C) once ``after`` rows are done."""

    def __init__(self, after: int):
        self.after = after

    def __call__(self, done: int):
        if done >= self.after:
            raise KeyboardInterrupt


def row_files(folder: Path) -> list:
    """The folder's row files (beside them, ``progress.json``)."""
    return [p for p in folder.glob("*.json") if p.name != "progress.json"]


def stored(folder: Path) -> dict:
    """``{candidate: row}`` as the folder holds them (read here, not by the code under test)."""
    rows = [json.loads(p.read_text())["row"] for p in row_files(folder)]
    return {r["candidate"]: r for r in rows}


def test_an_interrupted_gradebook_resumes_grading_only_what_is_missing_and_writes_the_same_rows(tmp_path, problem):
    spec, data = problem
    counter = tmp_path / "graded.txt"
    targets = submissions(tmp_path / "subs", counter)
    whole = grade(spec, data, targets, oracles=FD, jobs=1, timeout=5.0, results=tmp_path / "whole")
    assert sorted(gradings(counter)) == sorted(Path(t.split(":")[0]).stem for t in targets)
    counter.unlink()

    folder = tmp_path / "resumed"
    first = grade(spec, data, targets, oracles=FD, jobs=1, timeout=5.0, results=folder, progress=Interrupt(2))
    assert first.interrupted and len(first.rows) == 2
    kept = stored(folder)
    assert sorted(kept) == sorted(r.candidate for r in first.rows)  # exactly the finished rows, each whole
    resumed = grade(spec, data, targets, oracles=FD, jobs=1, timeout=5.0, results=folder)
    count = Counter(gradings(counter))  # both runs: a row in the folder is never graded again
    name = {t: Path(t.split(":")[0]).stem for t in targets}
    assert all(count[name[t]] == 1 for t in kept)
    assert all(count[name[t]] in (1, 2) for t in targets if t not in kept)
    assert sum(count[name[t]] == 2 for t in targets if t not in kept) <= 1  # --jobs 1: one was in flight at Ctrl-C
    assert not resumed.interrupted
    assert without_timings(resumed) == without_timings(whole)
    for row in resumed.rows:  # a row found in the folder is that row, its timings included
        if row.candidate in kept:
            assert row.seconds == kept[row.candidate]["seconds"]
    assert [r.candidate for r in resumed.rows] == targets


def test_a_rerun_of_a_finished_folder_grades_nothing_and_writes_the_same_csv(tmp_path, problem):
    spec, data = problem
    counter = tmp_path / "graded.txt"
    targets = submissions(tmp_path / "subs", counter)[:3]
    first = grade(spec, data, targets, oracles=FD, jobs=2, timeout=5.0, results=tmp_path / "rows")
    n = len(gradings(counter))
    second = grade(spec, data, targets, oracles=FD, jobs=2, timeout=5.0, results=tmp_path / "rows")
    assert len(gradings(counter)) == n == 3
    assert second.to_csv() == first.to_csv()


def test_a_changed_submission_is_graded_again_and_a_changed_option_grades_every_one_again(tmp_path, problem):
    spec, data = problem
    counter = tmp_path / "graded.txt"
    targets = submissions(tmp_path / "subs", counter)[:3]
    grade(spec, data, targets, oracles=FD, jobs=1, timeout=5.0, results=tmp_path / "rows")
    changed = Path(targets[1].split(":")[0])
    changed.write_text(changed.read_text().replace("dz1 = da1 * (z1 > 0)", "dz1 = da1"))
    counter.unlink()
    book = grade(spec, data, targets, oracles=FD, jobs=1, timeout=5.0, results=tmp_path / "rows")
    assert gradings(counter) == [changed.stem]
    assert book.rows[1].verdict == "FAIL"
    counter.unlink()
    grade(spec, data, targets, oracles=FD, jobs=1, timeout=6.0, results=tmp_path / "rows")
    assert sorted(gradings(counter)) == sorted(Path(t.split(":")[0]).stem for t in targets)


def test_a_gradebook_written_to_output_keeps_its_rows_beside_it_and_a_rerun_resumes_from_them(tmp_path, capsys):
    counter = tmp_path / "graded.txt"
    submissions(tmp_path / "subs", counter)
    argv = ["--candidate", f"{tmp_path}/subs/s0_*.py:backward", "--oracles", *FD, "--format", "csv",
            "--output", str(tmp_path / "grades.csv"), "--quiet"]
    assert main(argv) == 1
    assert len(stored(tmp_path / "grades.results")) == 3
    first = (tmp_path / "grades.csv").read_text()
    assert main(argv) == 1
    capsys.readouterr()
    assert len(gradings(counter)) == 3
    assert (tmp_path / "grades.csv").read_text() == first


@pytest.mark.parametrize("where, words", [
    ("subs", "the results folder holds the --candidate file"),
    (".", "the results folder holds the --candidate file"),
    ("subs/s0_ok.py", "names a file, not a folder"),
])
def test_a_results_folder_that_is_or_holds_a_file_the_run_reads_exits_2(tmp_path, capsys, where, words):
    counter = tmp_path / "graded.txt"
    submissions(tmp_path / "subs", counter)
    code = main(["--candidate", f"{tmp_path}/subs/s0_*.py:backward", "--oracles", *FD, "--quiet",
                 "--results", str(tmp_path / where)])
    _, err = capsys.readouterr()
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert not counter.exists()  # refused before any candidate ran
    assert not list((tmp_path / "subs").glob("*.json"))


def test_results_for_a_single_candidate_exits_2(tmp_path, capsys):
    (tmp_path / "one.py").write_text(LESSON)
    code = main(["--candidate", f"{tmp_path}/one.py:backward", "--oracles", *FD, "--results", str(tmp_path / "r")])
    _, err = capsys.readouterr()
    assert code == 2 and "--results is for gradebooks" in err


def test_a_results_folder_that_cannot_be_written_exits_2_with_one_line(tmp_path, capsys):
    counter = tmp_path / "graded.txt"
    submissions(tmp_path / "subs", counter)
    (tmp_path / "a_file").write_text("")
    code = main(["--candidate", f"{tmp_path}/subs/s0_*.py:backward", "--oracles", *FD, "--quiet",
                 "--results", str(tmp_path / "a_file" / "rows")])
    _, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "a_file/rows: cannot write the results folder" in err


def read_progress(folder: Path) -> dict:
    return json.loads((folder / "progress.json").read_text())


def test_progress_json_is_whole_at_every_read_during_a_run_and_counts_every_row_at_the_end(tmp_path, problem):
    import threading

    spec, data = problem
    targets = submissions(tmp_path / "subs", tmp_path / "graded.txt")  # 2 correct, 4 with a bug
    folder, reads, torn, seen, finished = tmp_path / "rows", [], [], [], threading.Event()

    def reader():  # a dashboard polling the file as fast as it can: every read one whole JSON object
        while not finished.is_set():
            try:
                text = (folder / "progress.json").read_text()
            except FileNotFoundError:
                continue
            try:
                reads.append(json.loads(text))
            except ValueError:  # a half-written file
                torn.append(text)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        book = grade(spec, data, targets, oracles=FD, jobs=2, timeout=5.0, results=folder, status=seen.append)
    finally:
        finished.set()
        thread.join()
    assert torn == [] and len(reads) > 10
    assert [r["done"] for r in reads] == sorted(r["done"] for r in reads)
    assert any(r["state"] == "running" for r in reads)
    assert max(s["running"] for s in seen) == 2 and all(0 <= s["running"] <= 2 for s in seen)
    end = read_progress(folder)
    assert (end["total"], end["done"], end["running"], end["failed"], end["state"]) == (6, 6, 0, 4, "finished")
    assert end["failed"] == sum(not r.passed for r in book.rows)
    assert end["rate_per_s"] > 0 and end["eta_s"] == 0 and end["started"] <= end["updated"]


def test_progress_json_of_an_interrupted_run_says_so_and_the_resumed_run_counts_the_rows_it_found(tmp_path, problem):
    spec, data = problem
    targets = submissions(tmp_path / "subs", tmp_path / "graded.txt")
    folder = tmp_path / "rows"
    first = grade(spec, data, targets, oracles=FD, jobs=1, timeout=5.0, results=folder, progress=Interrupt(2))
    mid = read_progress(folder)
    assert first.interrupted
    assert (mid["state"], mid["done"], mid["total"], mid["running"]) == ("interrupted", len(stored(folder)), 6, 0)
    assert mid["failed"] == sum(not r["passed"] for r in stored(folder).values())
    grade(spec, data, targets, oracles=FD, jobs=1, timeout=5.0, results=folder)
    end = read_progress(folder)
    assert (end["state"], end["done"], end["failed"], end["resumed"]) == ("finished", 6, 4, mid["done"])


def test_the_cli_shows_running_failed_and_rate_on_standard_error_and_keeps_progress_json_even_quiet(tmp_path, capsys):
    submissions(tmp_path / "subs", tmp_path / "graded.txt")
    argv = ["--candidate", f"{tmp_path}/subs/s0_*.py:backward", "--oracles", *FD, "--format", "csv",
            "--output", str(tmp_path / "grades.csv")]
    assert main(argv) == 1
    _, err = capsys.readouterr()
    last = [line for line in err.splitlines() if line.startswith("gradebook: 3 of 3")]
    assert len(last) == 1 and "running" in last[0] and "2 failed" in last[0] and " /s" in last[0]
    end = read_progress(tmp_path / "grades.results")
    assert (end["done"], end["total"], end["failed"], end["state"]) == (3, 3, 2, "finished")
    (tmp_path / "grades.results" / "progress.json").unlink()
    assert main(argv + ["--quiet"]) == 1
    _, err = capsys.readouterr()
    assert err == "" and read_progress(tmp_path / "grades.results")["resumed"] == 3
