"""Every bad input exits 2 with one line naming the problem and the file, and changes nothing."""
import pytest

from oracles.cli import main

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
    "constant feature column": (b"a,b,Outcome\n1,5,0\n2,5,1\n3,5,0\n", "constant feature column 'b'"),
    "single row": ((HEADER + "1,85,0\n").encode(), "single data row"),
    "binary file": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
    "not UTF-8": (b"a,b,Outcome\n\xff\xfe,1,0\n", "not UTF-8"),
}


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
    code, out, err = run_cli(capsys, "--data", str(path), "--oracles", "finite-differences")
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
    ("import numpy as np\nthis is not python\n", "failed to import"),
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
