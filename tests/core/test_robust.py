"""No candidate can crash the judge, and every text is shown as given.

What a candidate produces (exception messages, printed lines, file names, gradients of any
size) is data to the judge: it never becomes rich markup, never overflows the diagnosis or the
laws, and in a gradebook costs only its own row. Every option and replay field is bounded
before anything runs (exit 2, one line). Paths are read literally unless a glob was asked for.
"""
import csv
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracles import options
from oracles.shells.cli import main

LESSON = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()
FD = ("--oracles", "finite-differences")
ROWS = "".join(f"{i % 5},{(7 * i) % 11},{i % 2}\n" for i in range(12))


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,Outcome\n" + ROWS)
    return path


def write(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(source)
    return path


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, *words):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


MARKUP = '''
def backward(params, X, y):
    print("hello [/cache] [bold]x[/bold]")
    raise ValueError("shape mismatch in [/cache] and [red]z1[/red]")
'''

HUGE = '''
import numpy as np

def backward(params, X, y):
    return {k: np.full_like(v, 1.7e308) * np.where(np.arange(v.size).reshape(v.shape) % 2, 1, -1)
            for k, v in params.items()}
'''


# ---------------------------------------------------------------- markup is data

def test_an_exception_message_with_markup_prints_literally_in_the_report(tmp_path, data, capsys):
    cand = write(tmp_path, "markup.py", MARKUP)
    code, out, err = run_cli(capsys, "--candidate", f"{cand}:backward", "--data", data, *FD)
    assert code == 1, err
    assert "shape mismatch in [/cache] and [red]z1[/red]" in out
    assert "hello [/cache] [bold]x[/bold]" in out
    assert "Traceback" not in err


def test_a_gradebook_prints_every_row_when_one_candidate_raises_markup(tmp_path, data, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # short names: the table folds none of them
    write(tmp_path / "subs", "a_markup.py", MARKUP)
    write(tmp_path / "subs", "b_lesson.py", LESSON)
    code, out, err = run_cli(capsys, "--candidate", "subs/*.py:backward", "--data", data, *FD)
    assert code == 1, err
    assert "[/cache] and [red]z1[/red]" in out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.startswith("subs/")}
    assert rows == {"subs/a_markup.py:backward": "FAIL", "subs/b_lesson.py:backward": "PASS"}
    assert "Traceback" not in err


def test_a_data_path_with_brackets_is_shown_as_given_in_the_header(tmp_path, capsys):
    path = write(tmp_path / "runs [copy]", "d.csv", "a,b,Outcome\n" + ROWS)
    code, out, err = run_cli(capsys, "--data", path, *FD)
    assert code == 0, err
    assert f"data {path} (12 rows" in out.splitlines()[0]


# ---------------------------------------------------------------- extreme values

def test_finite_gradients_of_1e308_get_a_verdict_without_an_overflow_or_a_warning(tmp_path, data, capsys):
    cand = write(tmp_path, "huge.py", HUGE)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the judge's own arithmetic warns of nothing
        code, out, err = run_cli(capsys, "--candidate", f"{cand}:backward", "--data", data, *FD)
    assert code == 1, err
    assert "Traceback" not in err and "diagnosis:" in out


def test_a_gradebook_with_1e308_gradients_writes_every_row_of_its_csv(tmp_path, data, capsys):
    folder = tmp_path / "subs"
    write(folder, "a_huge.py", HUGE)
    write(folder, "b_lesson.py", LESSON)
    report = tmp_path / "grades.csv"
    code, _, err = run_cli(capsys, "--candidate", f"{folder}/*.py:backward", "--data", data, *FD,
                           "--format", "csv", "--output", report)
    assert code == 1, err
    rows = {Path(r["candidate"].rsplit(":", 1)[0]).name: r["verdict"]
            for r in csv.DictReader(io.StringIO(report.read_text()))}
    assert rows == {"a_huge.py": "FAIL", "b_lesson.py": "PASS"}


EXTREME = st.one_of(st.sampled_from([1.7e308, -1.7e308, 5e-324, -5e-324, 0.0, np.inf, -np.inf, np.nan, 1e-300]),
                    st.floats(allow_nan=True, allow_infinity=True))


@pytest.fixture(scope="module")
def point():
    """A small point with non-zero biases, its exact gradients and a previous point."""
    from reference.model import Spec, backward, random_params

    spec = Spec((3, 4, 1))
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 3)), (rng.random((6, 1)) < 0.5).astype(float)
    params, previous = random_params(spec, 1, 1.0), random_params(spec, 2, 1.0)
    return spec, params, X, y, backward(params, X, y), previous


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(EXTREME, min_size=1, max_size=8), loss=EXTREME)
def test_the_diagnosis_survives_any_finite_or_non_finite_gradient(point, values, loss):
    from oracles.diagnosis import diagnose, explain_loss
    from oracles.mistakes import Finding

    spec, params, X, y, true, previous = point
    grads = {k: np.resize(np.array(values, dtype=np.float64), v.shape) for k, v in params.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        found = diagnose(spec, params, X, y, grads, true, list(params), previous)
        said = explain_loss(loss, 0.7, X.shape[0], 0.69)
    assert found.findings and all(isinstance(f, Finding) and isinstance(f.text, str) for f in found.findings)
    assert isinstance(said.text, str)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(EXTREME, min_size=1, max_size=8))
def test_the_laws_survive_any_finite_or_non_finite_gradient(values):
    from properties.laws import LawViolation, check_laws
    from properties.strategies import Problem

    problem = Problem((3, 4, 1), "relu", "float64", 6, 0, 1.0)

    def backward(params, X, y):
        return {k: np.resize(np.array(values, dtype=np.float64), v.shape) for k, v in params.items()}

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        found = check_laws(backward, problem, oracles=("finite-differences",))
    assert all(isinstance(v, LawViolation) for v in found)
    if any(abs(v) > 1e300 for v in values):  # a gradient of this size is wrong: some law says so
        assert found


# ---------------------------------------------------------------- options and replay lines bounded

@pytest.mark.parametrize("argv, words", [
    (("--memory", "inf"), "--memory"),
    (("--memory", "1e30"), "--memory"),
    (("--directions", "100000000"), "--directions"),
    (("--jobs", "1000000"), "--jobs"),
    (("--fuzz", "100000000000"), "--fuzz"),
    (("--hidden", "100000,100000"), "GiB"),
    (("--replay", "sizes=4096,4096,1 N=100000 seed=0 scale=1"), "GiB"),
    (("--replay", "sizes=8,16,1 N=5 seed=3 scale=1e300"), "overflows float64"),
    (("--replay", "sizes=8,16,1 N=5 seed=3 scale=1e30 dtype=float32"), "overflows float32"),
])
def test_an_option_or_replay_field_out_of_bounds_exits_2_with_one_line(data, capsys, argv, words):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        code, out, err = run_cli(capsys, *argv, "--data", data, *FD)
    assert code == 2 and out == ""
    assert_one_line_error(err, words)


def test_the_estimated_footprint_counts_the_directions_per_parameter():
    without = options.footprint((8, 16, 1), 768)
    assert options.footprint((8, 16, 1), 768, directions=4) - without == 8 * 4 * (8 * 16 + 16 + 16 + 1)


def test_a_replay_scale_that_does_not_overflow_is_checked_as_usual(capsys):
    code, out, err = run_cli(capsys, "--replay", "sizes=8,16,1 N=5 seed=3 scale=1000", *FD)
    assert code == 0, out + err


# ---------------------------------------------------------------- a gradebook keeps every row

def test_an_exception_inside_the_judge_is_that_candidates_row_and_the_others_are_graded(tmp_path, data, capsys,
                                                                                       monkeypatch):
    from oracles.shells import gradebook

    real_run = gradebook.run

    def run(spec, data, handle, *args, **kwargs):
        if "broken" in handle.name:
            raise OverflowError("the judge broke on this one")
        return real_run(spec, data, handle, *args, **kwargs)

    monkeypatch.setattr(gradebook, "run", run)
    folder = tmp_path / "subs"
    write(folder, "a_broken.py", LESSON)
    write(folder, "b_lesson.py", LESSON)
    code, out, err = run_cli(capsys, "--candidate", f"{folder}/*.py:backward", "--data", data, *FD, "--format", "json")
    assert code == 1, err
    rows = {Path(r["candidate"].rsplit(":", 1)[0]).name: r for r in json.loads(out)["candidates"]}
    assert rows["b_lesson.py"]["verdict"] == "PASS"
    assert rows["a_broken.py"]["verdict"] == "ERROR"
    assert "internal error" in rows["a_broken.py"]["first_failure"] and "\n" not in rows["a_broken.py"]["first_failure"]


# ---------------------------------------------------------------- what the candidate printed

def printing(lines: int, width: int = 10) -> str:
    return LESSON.replace("    N = X.shape[0]", f"    for i in range({lines}):\n        print(str(i).rjust({width}, 'x'))\n"
                                               f"    N = X.shape[0]")


def test_the_json_output_keeps_every_printed_line(tmp_path, data, capsys):
    cand = write(tmp_path, "chatty.py", printing(100))
    code, out, err = run_cli(capsys, "--candidate", f"{cand}:backward", "--data", data, *FD, "--format", "json")
    assert code == 0, err
    printed = json.loads(out)["points"][0]["output"]
    assert [line for line in printed if line.startswith("x")][:100] == [str(i).rjust(10, "x") for i in range(100)]


def test_the_json_output_is_cut_at_its_bound_with_a_marker(tmp_path, data, capsys):
    from oracles.report import OUTPUT_BYTES

    cand = write(tmp_path, "flood.py", printing(2000, 100))  # ~200 KiB a call
    code, out, err = run_cli(capsys, "--candidate", f"{cand}:backward", "--data", data, *FD, "--format", "json")
    assert code == 0, err
    printed = json.loads(out)["points"][0]["output"]
    assert printed[-1].startswith("[... ")
    assert sum(len(line.encode()) + 1 for line in printed[:-1]) <= OUTPUT_BYTES


# ---------------------------------------------------------------- paths are literal unless a glob is asked for

def test_a_candidate_under_a_folder_with_brackets_is_found(tmp_path, data, capsys):
    cand = write(tmp_path / "sub [v1]", "cand.py", LESSON)
    code, out, err = run_cli(capsys, "--candidate", f"{cand}:backward", "--data", data, *FD)
    assert code == 0, err
    assert f"candidate {cand}:backward" in out and "PASS: every check agrees" in out


def test_a_candidate_path_with_spaces_and_colons_is_read_literally(tmp_path, data, capsys):
    cand = write(tmp_path / "a:b dir", "c d.py", LESSON)
    code, out, err = run_cli(capsys, "--candidate", f"{cand}:backward", "--data", data, *FD)
    assert code == 0, err
    assert f"candidate {cand}:backward" in out


def test_a_pattern_expands_only_where_no_file_of_that_name_exists(tmp_path, data, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # short names: the gradebook's table folds none of them
    write(tmp_path / "sub [v1]", "cand.py", LESSON)
    code, out, err = run_cli(capsys, "--candidate", "*/cand.py:backward", "--data", data, *FD)
    assert code == 0, err
    assert "gradebook: 1 candidates" in out and "sub [v1]/cand.py:backward" in out


def test_glob_reads_the_candidate_as_a_pattern_even_with_brackets(tmp_path, data, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "sub [v1]", "cand.py", LESSON)
    code, out, err = run_cli(capsys, "--glob", "--candidate", "sub [[]v1]/*.py:backward", "--data", data, *FD)
    assert code == 0, err
    assert "sub [v1]/cand.py:backward" in out and "gradebook: 1 candidates" in out


def test_a_bracket_pattern_that_matches_nothing_says_how_to_write_a_literal_bracket(tmp_path, data, capsys):
    write(tmp_path / "sub [v1]", "cand.py", LESSON)
    code, _, err = run_cli(capsys, "--candidate", f"{tmp_path}/sub [v1]/*.py:backward", "--data", data, *FD)
    assert code == 2
    assert_one_line_error(err, "no candidate file matches", "[[]")


# ---------------------------------------------------------------- byte order

BIG_ENDIAN = LESSON.replace('    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}',
                            '    return {k: v.astype(">f8") for k, v in {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}.items()}')


def test_correct_gradients_in_big_endian_float64_pass(tmp_path, data, capsys):
    assert BIG_ENDIAN != LESSON
    cand = write(tmp_path, "big.py", BIG_ENDIAN)
    code, out, err = run_cli(capsys, "--candidate", f"{cand}:backward", "--data", data, *FD)
    assert code == 0, out + err
    assert "dtype" not in out


def test_the_notebook_api_refuses_a_network_whose_arrays_exceed_the_bound_before_starting_a_worker(data):
    from oracles.shells.api import check

    with pytest.raises(ValueError, match="GiB"):
        check("no/such/file.py:backward", data=str(data), hidden=(100_000, 100_000))


def test_the_descent_law_ends_on_weights_whose_norm_overflows_float64():
    from properties.laws import LawViolation, descent
    from properties.strategies import Problem
    from reference.model import backward

    problem = Problem.parse("sizes=8,16,3 N=5 loss=softmax saturate=1 scale=1e150")  # |w|^2 overflows, z does not

    def exact(params, X, y):
        return backward(params, X, y, problem.activation, head=problem.spec.head)

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            descent(exact, problem)
        except LawViolation as exc:
            pytest.fail(f"the exact gradient violates descent: {exc}")
