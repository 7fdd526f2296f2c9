"""Every bad input exits 2 with one line naming the problem and the file, and changes nothing."""
import os
from pathlib import Path

import pytest

from oracles.shells.cli import main

HEADER = "Pregnancies,Glucose,Outcome\n"
GOOD_ROWS = "1,85,0\n8,183,1\n1,89,0\n"

CASES = {
    # name: (file bytes, words the one line must carry)
    "empty file": (b"", "empty file"),
    "whitespace only": (b"  \n\n", "empty file"),
    "header only": (HEADER.encode(), "header only"),
    "missing target column": (b"a,b\n1,2\n3,4\n", "no target column 'Outcome'"),
    "ragged row (too many)": ((HEADER + "1,85,0\n8,183,1,7\n").encode(), "line 3 has 4 fields"),
    "ragged row (too few)": ((HEADER + "1,85,0\n8,1\n").encode(), "line 3 has 2 fields"),
    "non-numeric cell": ((HEADER + "1,85,0\n8,high,1\n").encode(), "non-numeric cell 'high'"),
    "empty cell": ((HEADER + "1,85,0\n8,,1\n").encode(), "empty cell"),
    "NaN cell": ((HEADER + "1,85,0\n8,nan,1\n").encode(), "not a finite number"),
    "inf cell": ((HEADER + "1,85,0\n8,inf,1\n").encode(), "not a finite number"),
    "target not 0/1": ((HEADER + "1,85,0\n8,183,2\n").encode(), "must hold 0/1"),
    "every feature column constant": (b"a,b,Outcome\n1,5,0\n1,5,1\n1,5,0\n", "every feature column is constant"),
    "softmax target not whole": (b"a,b,Outcome\n1,5,0\n2,6,1.5\n3,5,0\n", "whole-number classes"),
    "softmax single class": (b"a,b,Outcome\n1,5,2\n2,6,2\n3,5,2\n", "single class"),
    "single row": ((HEADER + "1,85,0\n").encode(), "single data row"),
    "binary file": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
    "not UTF-8": (b"a,b,Outcome\n\xff\xfe,1,0\n", "not UTF-8"),
}


LESSON_SOURCE = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, *words):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_data_file_exits_2_with_one_line_naming_problem_and_file(tmp_path, capsys, name):
    content, words = CASES[name]
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    loss = ["--loss", "softmax"] if name.startswith("softmax") else []
    code, out, err = run_cli(capsys, "--data", str(path), "--oracles", "finite-differences", *loss)
    assert code == 2
    assert_one_line_error(err, str(path), words)
    assert path.read_bytes() == content  # nothing the user gave us is changed


def test_missing_file_exits_2_naming_the_file(tmp_path, capsys):
    path = tmp_path / "nope.csv"
    code, _, err = run_cli(capsys, "--data", str(path))
    assert code == 2
    assert_one_line_error(err, str(path), "file not found")


def test_directory_instead_of_file_exits_2(tmp_path, capsys):
    code, _, err = run_cli(capsys, "--data", str(tmp_path))
    assert code == 2
    assert_one_line_error(err, str(tmp_path), "directory")


def test_another_target_column_is_read_with_target(tmp_path, capsys):
    path = tmp_path / "other.csv"
    path.write_text("a,b,label\n1,5,0\n2,7,1\n3,4,0\n4,1,1\n")
    code, out, _ = run_cli(capsys, "--data", str(path), "--target", "label", "--oracles", "finite-differences",
                           "--format", "json")
    assert code == 0
    assert '"features": 2' in out


@pytest.mark.parametrize("argv, words", [
    (["--hidden", "16,x"], "--hidden"),
    (["--hidden", "0"], "--hidden"),
    (["--oracles", "tensorflow"], "--oracles"),
    (["--activation", "gelu"], "--activation"),
    (["--dtype", "float16"], "--dtype"),
    (["--format", "xml"], "--format"),
])
def test_bad_option_exits_2_with_one_line(capsys, argv, words):
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert_one_line_error(err, words)


@pytest.mark.parametrize("target, words", [
    ("missing_file.py:backward", "candidate file not found"),
    ("no_colon_here", "FILE.py:FUNCTION"),
    ("no_such_package_xyz.module:backward", "not importable"),
])
def test_unloadable_candidate_exits_2(capsys, target, words):
    code, _, err = run_cli(capsys, "--candidate", target, "--oracles", "finite-differences")
    assert code == 2
    assert_one_line_error(err, target.split(":")[0], words)


@pytest.mark.parametrize("source, words", [
    ("import numpy as np\ndef backward(:  # does not parse\n", "failed to import"),
    ("def forward(params, X, y):\n    return {}\n", "no function 'backward'"),
])
def test_a_candidate_file_that_cannot_give_its_function_exits_2(tmp_path, capsys, source, words):
    path = tmp_path / "cand.py"
    path.write_text(source)
    code, _, err = run_cli(capsys, "--candidate", f"{path}:backward", "--oracles", "finite-differences")
    assert code == 2
    assert_one_line_error(err, str(path), words)


def test_unwritable_output_exits_2(tmp_path, capsys, real_path):
    target = tmp_path / "missing_dir" / "report.json"
    code, _, err = run_cli(capsys, "--data", str(real_path), "--oracles", "finite-differences",
                           "--output", str(target))
    assert code == 2
    assert_one_line_error(err, str(target), "cannot write")


# ---------------------------------------------------------------- the same probe, more inputs

FD = ("--oracles", "finite-differences")


def test_a_fifo_as_data_exits_2_without_waiting_for_a_writer(tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    code, _, err = run_cli(capsys, "--data", str(fifo), *FD)
    assert code == 2
    assert_one_line_error(err, str(fifo), "not a regular file")


def test_a_device_as_data_exits_2(capsys):
    code, _, err = run_cli(capsys, "--data", "/dev/zero", *FD)
    assert code == 2
    assert_one_line_error(err, "/dev/zero", "not a regular file")


def test_a_symlink_loop_exits_2_naming_the_loop(tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    code, _, err = run_cli(capsys, "--data", str(a), *FD)
    assert code == 2
    assert_one_line_error(err, str(a), "symbolic link loop")


def test_cells_too_large_to_standardize_exit_2_naming_the_column(tmp_path, capsys):
    path = tmp_path / "huge.csv"
    path.write_text("a,b,Outcome\n1e308,1,0\n1.5e308,2,1\n-1e308,3,0\n")
    code, _, err = run_cli(capsys, "--data", str(path), *FD)
    assert code == 2
    assert_one_line_error(err, str(path), "column 'a'", "too large to standardize")


def test_a_duplicated_target_column_exits_2(tmp_path, capsys):
    path = tmp_path / "twice.csv"
    path.write_text("a,Outcome,Outcome\n1,0,0\n2,1,1\n3,0,0\n")
    code, _, err = run_cli(capsys, "--data", str(path), *FD)
    assert code == 2
    assert_one_line_error(err, str(path), "'Outcome' appears 2 times")


@pytest.mark.parametrize("argv, words", [
    (["--seed", "-1"], "--seed"),
    (["--seed", str(2**70)], "--seed"),
    (["--hidden", "16,,16"], "--hidden"),
    (["--oracles", "torch,torch"], "names an oracle twice"),
    (["--timeout", "0"], "--timeout"),
    (["--memory", "12"], "--memory"),
    (["--forbid-import", "torch,,jax"], "--forbid-import"),
    (["--plot", "errors.txt"], "--plot writes .png, .pdf, .svg"),
    (["--format", "csv"], "--format csv is for gradebooks"),
    (["--replay", "sizes=2,3,1 N=5 seed=-1"], "seed in 0..2**32-1"),
    (["--replay", "sizes=2,3,1 N=5 seed=0 scale=nan"], "scale must be a positive finite number"),
    (["--replay", f"sizes=2,3,1 N={10**8} seed=0"], "N must lie in 1..100000"),
])
def test_a_bad_value_exits_2_with_one_line(capsys, real_path, argv, words):
    code, _, err = run_cli(capsys, "--data", str(real_path), *FD, *argv)
    assert code == 2
    assert_one_line_error(err, words)


@pytest.mark.parametrize("flag", ["--output", "--plot"])
def test_an_output_naming_the_data_is_refused_before_anything_runs_and_the_data_is_kept(tmp_path, capsys, real_path, flag):
    data = tmp_path / "d.png" if flag == "--plot" else tmp_path / "d.csv"
    data.write_bytes(real_path.read_bytes())
    code, _, err = run_cli(capsys, "--data", str(data), *FD, flag, str(data))
    assert code == 2
    assert_one_line_error(err, str(data), "would be overwritten")
    assert data.read_bytes() == real_path.read_bytes()


def test_an_output_naming_the_candidate_file_is_refused(tmp_path, capsys, real_path):
    cand = tmp_path / "mine.py"
    cand.write_text(LESSON_SOURCE)
    code, _, err = run_cli(capsys, "--data", str(real_path), *FD, "--candidate", f"{cand}:backward",
                           "--output", str(cand))
    assert code == 2
    assert_one_line_error(err, str(cand), "--candidate")
    assert cand.read_text() == LESSON_SOURCE


def test_output_and_plot_naming_the_same_file_are_refused(tmp_path, capsys, real_path):
    target = tmp_path / "same.png"
    code, _, err = run_cli(capsys, "--data", str(real_path), *FD, "--output", str(target), "--plot", str(target))
    assert code == 2
    assert_one_line_error(err, "name the same file")


def test_a_failed_write_exits_2_and_leaves_the_old_file_whole(tmp_path, capsys, real_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("the old report\n")

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full_disk)
    code, _, err = run_cli(capsys, "--data", str(real_path), *FD, "--output", str(target))
    monkeypatch.undo()
    assert code == 2
    assert_one_line_error(err, str(target), "No space left on device")
    assert target.read_text() == "the old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]  # no temporary file left behind


def test_writing_to_dev_full_exits_2(capsys, real_path):
    code, _, err = run_cli(capsys, "--data", str(real_path), *FD, "--output", "/dev/full")
    assert code == 2
    assert_one_line_error(err, "/dev/full", "cannot write")


def test_the_plot_says_where_it_was_written(tmp_path, capsys, real_path):
    target = tmp_path / "errors.svg"
    code, _, err = run_cli(capsys, "--data", str(real_path), *FD, "--plot", str(target))
    assert code == 0
    assert target.read_text().lstrip().startswith("<?xml")
    assert f"plot written to {target}" in err
