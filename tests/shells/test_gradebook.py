"""Grading a folder of submissions: one worker each, one row each, one crash stops nothing."""
import csv
import io
import json
from pathlib import Path

import pytest

from oracles.shells.cli import main

LESSON = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()
SUBMISSIONS = {
    "alice.py": LESSON,
    "bob.py": LESSON.replace("dz1 = da1 * (z1 > 0)", "dz1 = da1"),  # the ReLU mask forgotten
    "carol.py": "import numpy as np\ndef backward(:  # does not parse\n",
    "dave.py": LESSON.replace("    N = X.shape[0]", "    while True:\n        pass"),
    "erin.py": LESSON.replace("    N = X.shape[0]", "    import os\n    os._exit(0)"),
}
FD = ("--oracles", "finite-differences")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions")
    for name, source in SUBMISSIONS.items():
        (root / name).write_text(source)
    return root


def grade(capsys, folder, *argv):
    code = main(["--candidate", f"{folder}/*.py:backward", *FD, "--jobs", "2", "--timeout", "1", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def book(folder):
    from oracles.shells.gradebook import grade as grade_all
    from reference.data import synthetic
    from reference.model import Spec

    targets = [f"{folder}/{name}:backward" for name in sorted(SUBMISSIONS)]
    return grade_all(Spec(), synthetic(), targets, oracles=FD[1:], jobs=2, timeout=1.0)


def test_a_glob_grades_every_file_in_sorted_order_with_one_row_each(book, folder):
    assert [row.candidate for row in book.rows] == [f"{folder}/{n}:backward" for n in sorted(SUBMISSIONS)]


def test_each_submission_gets_its_own_verdict(book):
    verdicts = {Path(r.candidate.split(":")[0]).name: r.verdict for r in book.rows}
    assert verdicts == {"alice.py": "PASS", "bob.py": "FAIL", "carol.py": "ERROR", "dave.py": "FAIL",
                        "erin.py": "FAIL"}


def test_each_failure_says_what_went_wrong_in_its_own_row(book):
    rows = {Path(r.candidate.split(":")[0]).name: r for r in book.rows}
    assert "W1[" in rows["bob.py"].first_failure and "mask" in rows["bob.py"].diagnosis
    assert "failed to import" in rows["carol.py"].first_failure
    assert "time limit of 1 s" in rows["dave.py"].first_failure
    assert "exited with code 0" in rows["erin.py"].first_failure


def test_the_gradebook_exits_1_unless_every_candidate_passes(capsys, folder, tmp_path):
    code, out, _ = grade(capsys, folder)
    assert code == 1 and "FAIL: 4 of 5 candidates fail" in out
    (tmp_path / "only.py").write_text(LESSON)
    code, out, _ = grade(capsys, tmp_path)
    assert code == 0 and "PASS: all 1 candidate agree" in out


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_every_format_carries_one_row_per_candidate_with_its_verdict(capsys, folder, fmt):
    code, out, _ = grade(capsys, folder, "--format", fmt)
    assert code == 1
    if fmt == "json":
        rows = [(r["candidate"], r["verdict"]) for r in json.loads(out)["candidates"]]
    elif fmt == "csv":
        rows = [(r["candidate"], r["verdict"]) for r in csv.DictReader(io.StringIO(out))]
    else:
        table = [line for line in out.splitlines() if line.startswith(f"| {folder}")]
        rows = [tuple(cell.strip() for cell in line.strip("|").split("|")[:2]) for line in table]
    assert sorted(v for _, v in rows) == ["ERROR", "FAIL", "FAIL", "FAIL", "PASS"]
    assert len({c for c, _ in rows}) == 5


def test_a_repeated_candidate_flag_is_a_gradebook_too(capsys, folder):
    code = main(["--candidate", f"{folder}/alice.py:backward", "--candidate", f"{folder}/bob.py:backward", *FD,
                 "--format", "csv"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert [r["verdict"] for r in csv.DictReader(io.StringIO(out))] == ["PASS", "FAIL"]


@pytest.mark.parametrize("flag", [["--bug-zoo"], ["--replay", "sizes=8,16,1 seed=0"]])
def test_a_pattern_is_a_gradebook_even_of_one_file_and_refuses_what_takes_one_candidate(capsys, folder, flag):
    code = main(["--candidate", f"{folder}/ali*.py:backward", *FD, *flag])
    _, err = capsys.readouterr()
    assert code == 2 and err.strip() == "compare-frameworks: error: --replay and --bug-zoo take one --candidate, " \
                                        "not a gradebook"


def test_a_glob_that_matches_nothing_exits_2(capsys, tmp_path):
    code = main(["--candidate", f"{tmp_path}/*.py:backward", *FD])
    _, err = capsys.readouterr()
    assert code == 2 and "no candidate file matches" in err


@pytest.mark.parametrize("quiet", [False, True])
def test_piped_a_gradebook_says_on_standard_error_how_many_candidates_are_done_and_quiet_says_nothing(capsys, folder,
                                                                                                     quiet):
    code = main(["--candidate", f"{folder}/alice.py:backward", "--candidate", f"{folder}/bob.py:backward", *FD,
                 "--format", "csv", *(["--quiet"] if quiet else [])])
    out, err = capsys.readouterr()
    assert code == 1 and out.startswith("candidate,verdict")  # the report alone on standard output
    progress = [line.split(" (")[0] for line in err.splitlines() if line.startswith("gradebook: ")]
    assert progress == ([] if quiet else ["gradebook: 1 of 2", "gradebook: 2 of 2"])
