"""compare-frameworks end to end: exit codes, the report's formats, the data's provenance."""
import json

import pytest

from oracles.shells.cli import main
from reference import data as data_module


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def real_json(real_path):
    import io
    from contextlib import redirect_stdout

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        code = main(["--data", str(real_path), "--format", "json"])
    return code, json.loads(buffer.getvalue())


def test_real_data_all_three_oracles_at_both_points_exit_0(real_json):
    code, report = real_json
    assert code == 0 and report["passed"] is True
    assert [p["name"] for p in report["points"]] == ["lesson-init", "generic"]
    for point in report["points"]:
        for row in point["parameters"]:
            assert set(row["checks"]) == {"finite-differences", "torch", "jax"}


def test_json_report_carries_the_design_keys(real_json, real_path):
    _, report = real_json
    assert report["data"] == {"source": str(real_path), "rows": 768, "features": 8,
                              "outcome_counts": {"0": 500, "1": 268}}
    assert report["spec"] == {"sizes": [8, 16, 1], "activation": "relu", "dtype": "float64",
                              "loss": "bce", "reduction": "mean", "l2": 0.0, "l2_form": "weight_decay"}
    first = report["points"][0]
    assert set(first["loss"]) >= {"reference", "torch", "jax"}
    row = first["parameters"][0]
    assert row["name"] == "W1" and row["shape"] == [8, 16]
    assert set(row["checks"]["finite-differences"]) >= {"passed", "max_abs_err", "max_rel_err", "worst_index",
                                                         "over_tolerance", "kinks"}
    assert "fuzz" in report and report["fuzz"] is None
    assert {"finite-differences", "torch", "jax"} <= set(report["timings_s"])
    assert set(report["versions"]) == {"numpy", "torch", "jax", "autograd"}


def test_lesson_init_reports_how_each_kink_entry_was_decided(real_json):
    """The entry whose step crosses a kink at the lesson's init is decided by a near-kink step (b1[0, 13];
    W1's steps, divided by the inputs' reach, do not cross), none by an interval (no pre-activation is exactly 0), and none excused: torch and jax
    compare them exactly."""
    _, report = real_json
    rows = report["points"][0]["parameters"]
    near = {row["name"]: row["checks"]["finite-differences"]["near_kink"] for row in rows}
    assert near == {"W1": 0, "b1": 1, "W2": 0, "b2": 0}
    for row in rows:
        for oracle, check in row["checks"].items():
            assert check["subgradient"] == 0 and check["kink_value"] is None
            assert check["kinks"] == (near[row["name"]] if oracle == "finite-differences" else 0)
    assert report["points"][0]["kinks"]["b1"] == {"subgradient": 0, "near_kink": 1, "kink_value": None}


def test_table_report_says_pass_and_how_the_kinks_were_decided(capsys, real_path):
    code, out, _ = run(capsys, "--data", str(real_path), "--oracles", "finite-differences")
    assert code == 0 and "PASS" in out
    assert "kinks: 1 decided by a finite-difference step that does not cross a nearby kink (b1 1)" in out
    assert "excused:" not in out and "none excused" in out


def test_markdown_report_is_a_table(capsys, real_path):
    code, out, _ = run(capsys, "--data", str(real_path), "--format", "markdown", "--oracles", "finite-differences")
    assert code == 0 and "| param | oracle | verdict |" in out


def test_output_file_gets_the_report_and_stdout_the_verdict(capsys, real_path, tmp_path):
    target = tmp_path / "report.json"
    code, out, _ = run(capsys, "--data", str(real_path), "--format", "json", "--output", str(target),
                       "--oracles", "finite-differences")
    assert code == 0 and json.loads(target.read_text())["passed"] is True
    assert "PASS" in out and str(target) in out


def test_plot_writes_a_png(capsys, real_path, tmp_path):
    target = tmp_path / "errors.png"
    code, _, _ = run(capsys, "--data", str(real_path), "--plot", str(target), "--oracles", "finite-differences,torch")
    assert code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv", [["--hidden", "64,64"], ["--dtype", "float32"], ["--activation", "tanh"],
                                  ["--activation", "leaky_relu", "--hidden", "8,4,3"], ["--seed", "7"]])
def test_other_specs_pass_on_the_real_data(capsys, real_path, argv):
    code, out, _ = run(capsys, "--data", str(real_path), *argv)
    assert code == 0, out


def test_the_stand_in_asked_for_is_labelled_synthetic(capsys):
    code, out, _ = run(capsys, "--data", "synthetic", "--format", "json", "--oracles", "finite-differences")
    report = json.loads(out)
    assert code == 0 and report["data"]["source"] == "synthetic"
    assert report["data"]["rows"] == 768 and report["data"]["features"] == 8
    assert any("synthetic stand-in, as asked" in n for n in report["notes"])


def test_the_data_environment_variable_comes_before_the_packaged_default(monkeypatch, real_path):
    monkeypatch.setenv(data_module.DATA_ENV, str(real_path))
    assert data_module.locate() == real_path
    monkeypatch.delenv(data_module.DATA_ENV)
    assert data_module.locate() == data_module.DEFAULT


def test_the_synthetic_stand_in_is_deterministic():
    a, b = data_module.synthetic(), data_module.synthetic()
    assert (a.X == b.X).all() and (a.y == b.y).all() and 0 < a.y.mean() < 1


def test_a_data_folder_in_the_working_directory_does_not_change_the_default(monkeypatch, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "diabetes.csv").write_text("Glucose,Outcome\n1,0\n2,1\n3,0\n")
    monkeypatch.delenv(data_module.DATA_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    data = data_module.load()
    assert data.source == "diabetes (packaged)" and data.rows == 768
    assert data_module.load("data/diabetes.csv").rows == 3  # named, a path is read as given


def test_a_narrow_terminal_gets_whole_numbers_and_unbroken_lines(real_path):
    import re

    from oracles.shells.api import check
    from properties import catalogue

    report = check(catalogue.missing_relu_mask, data=str(real_path), oracles="finite-differences")
    narrow, wide = report.to_text(width=80), report.to_text(width=200)
    rows = [line for line in narrow.splitlines() if re.search(r"^\S+ +(OK|FAIL) +(W1|b1|W2|b2)\[", line)]
    assert rows and all(len(line) <= 80 for line in rows)  # the table fits: fewer columns, not split cells
    values = {c.oracle_value for per in report.points[0].checks.values() for c in per.values()}
    assert all(f"{v:.6g}" in narrow for v in values)  # every worst entry's value, whole
    assert report.header() in narrow.splitlines()  # the header on one line, however long
    assert "max rel err" in wide and "max rel err" not in narrow


@pytest.mark.parametrize("quiet", [False, True])
def test_a_piped_fuzz_prints_a_plain_progress_line_on_standard_error_every_tenth_and_quiet_prints_none(
        capsys, real_path, quiet):
    from oracles.shells.api import LINES
    from oracles.shells.cli import PROGRESS_LINES_FROM

    n = PROGRESS_LINES_FROM  # the fewest examples a pipe gets lines for
    code, out, err = run(capsys, "--data", str(real_path), "--oracles", "finite-differences", "--fuzz", str(n),
                         *(["--quiet"] if quiet else []))
    assert code == 0 and f" of {n} (" not in out  # standard output: the report alone
    lines = [line.split(" (")[0] for line in err.splitlines() if line.startswith("fuzz: ")]
    step = -(-n // LINES)
    assert lines == ([] if quiet else [f"fuzz: {k} of {n}" for k in [*range(step, n, step), n]])


def test_an_l2_beyond_the_bound_is_exit_2_with_one_line_naming_the_flag(capsys, real_path):
    code, out, err = run(capsys, "--data", str(real_path), "--l2", "1e11")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--l2 takes a number from 0 to 8, got '1e11'" in lines[0], err


def test_the_console_script_loads_no_numpy_before_it_confines_the_judge():
    """SIGINT is blocked and read from a signalfd by the judge: that must come before any thread
    exists, and NumPy's BLAS starts its threads on import (a candidate's SIGINT then reached a BLAS
    thread and read as Ctrl-C, exit 130). The launcher imports no NumPy of its own."""
    import subprocess
    import sys

    code = "import sys, oracles.shells.launch; print(sorted(m for m in ('numpy', 'torch', 'jax') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


def test_the_launcher_warms_the_oracles_a_network_check_names_and_none_for_other_commands():
    from oracles import registry
    from oracles.shells.launch import oracles_named

    assert oracles_named([]) == registry.NAMES
    assert oracles_named(["--oracles", "torch,jax"]) == ("torch", "jax")
    assert oracles_named(["--quiet", "--oracles=autograd"]) == ("autograd",)
    for argv in (["--layer", "conv"], ["--forward", "m.py:loss"], ["--replay", "x"], ["--help"], ["--oracles", "mxnet"]):
        assert oracles_named(argv) is None, argv
