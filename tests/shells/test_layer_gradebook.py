"""Grading a class's layer code: --layer KIND with several candidates or a pattern is a gradebook, one
row per candidate, each candidate's forward read from its own file (oracles.shells.layerbook)."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from oracles import formats
from oracles.shells.cli import main
from oracles.shells.layerbook import grade_layers

LAYERS = Path(__file__).resolve().parent.parent / "candidates" / "layers"
RELU = (LAYERS / "relu.py").read_text()  # the course's relu_forward and relu_backward, and bugs beside them
MISSING_MODULE = "a_module_this_student_never_installed"
CLASS = {
    "good.py": RELU,
    "buggy.py": RELU.replace("    x = cache\n    return dout * (x > 0)", "    return dout.copy()"),  # no mask
    "broken.py": f"import {MISSING_MODULE}\n" + RELU,  # raises ModuleNotFoundError on import
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    for name, source in CLASS.items():
        (root / name).write_text(source)
    assert "dout.copy()" in (root / "buggy.py").read_text()  # the bug was written in
    return root


def targets(folder) -> list:
    return [f"{folder}/{name}:relu_backward" for name in sorted(CLASS)]


def by_file(rows) -> dict:
    return {Path(r.candidate.rpartition(":")[0]).name: r for r in rows}


@pytest.fixture(scope="module")
def book(folder):
    return grade_layers("relu", "relu_forward", targets(folder))


def run(capsys, *argv) -> tuple:
    code = main(["--layer", "relu", *argv, "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def test_each_candidate_gets_its_own_verdict_in_the_order_given(book, folder):
    assert [r.candidate for r in book.rows] == targets(folder)
    assert {name: r.verdict for name, r in by_file(book.rows).items()} == {
        "broken.py": "ERROR", "buggy.py": "FAIL", "good.py": "PASS"}
    assert book.exit_code() == 1


def test_a_graded_rows_candidate_seconds_are_the_time_in_its_calls_within_the_rows_seconds(book):
    """The candidate's forward and backward calls took time, part of the whole check's; a file
    that could not be loaded made none."""
    rows = by_file(book.rows)
    for name in ("good.py", "buggy.py"):
        assert 0 < rows[name].candidate_seconds < rows[name].seconds
    assert rows["broken.py"].candidate_seconds == 0


def test_the_buggy_row_says_which_gradient_fails_and_names_the_mistake(book):
    row = by_file(book.rows)["buggy.py"]
    assert row.first_failure.startswith("finite-differences vs candidate: dx[")
    assert row.diagnosis and "relu-no-mask" in row.diagnosis


def test_the_error_row_names_the_file_and_the_module_it_could_not_import(book):
    row = by_file(book.rows)["broken.py"]
    assert "broken.py" in row.first_failure and MISSING_MODULE in row.first_failure
    assert not row.passed and row.diagnosis == ""


def test_the_gradebook_says_it_is_a_layers_gradebook_of_that_kind(book):
    d = json.loads(formats.render(book, "json"))
    assert (d["spec"]["family"], d["spec"]["layer"], d["spec"]["forward"]) == ("layers", "relu", "relu_forward")
    assert len(d["candidates"]) == 3 and d["passed"] is False
    assert len(d["data"]["points"]) == 2  # seeds 0 and 1, the same for every candidate


@pytest.mark.parametrize("fmt", list(formats.FORMATS))
def test_every_format_renders_each_candidate_once(book, folder, fmt):
    text = formats.render(book, fmt, width=400)
    assert [text.count(target) for target in targets(folder)] == [1, 1, 1]


def test_the_command_exits_1_and_its_junit_has_a_failure_and_an_error(capsys, folder):
    """--forward FILE_OR_GLOB:NAME: only NAME is used (no file matches the pattern here)."""
    code, out, _ = run(capsys, "--forward", "elsewhere/*.py:relu_forward", "--candidate",
                       f"{folder}/*.py:relu_backward", "--format", "junit")
    assert code == 1
    cases = ET.fromstring(out).findall(".//testcase")
    assert len(cases) == 3
    outcome = {Path(c.get("name").rpartition(":")[0]).name: [e.tag for e in c] for c in cases}
    assert outcome == {"broken.py": ["error"], "buggy.py": ["failure"], "good.py": []}


def test_the_command_writes_one_csv_row_per_candidate_and_jobs_2_gives_the_same_rows(capsys, folder, book, tmp_path):
    out = tmp_path / "grades.csv"
    code, shown, _ = run(capsys, "--forward", "relu_forward", "--candidate", f"{folder}/*.py:relu_backward",
                         "--jobs", "2", "--format", "csv", "--output", str(out))
    assert code == 1 and "report written to" in shown
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["candidate"] for r in rows] == targets(folder)
    assert [(r["verdict"], r["first_failure"], r["diagnosis"]) for r in rows] == [
        (r.verdict, r.first_failure, r.diagnosis) for r in book.rows]
    assert len(list((tmp_path / "grades.results").glob("*.json"))) == 3 + 1  # a row each, and progress.json


def test_a_repeated_candidate_is_a_gradebook_too(capsys, folder):
    code, out, _ = run(capsys, "--forward", "relu_forward", "--candidate", f"{folder}/good.py:relu_backward",
                       "--candidate", f"{folder}/good.py:relu_backward_ge", "--format", "csv")
    assert code == 0
    assert [r["verdict"] for r in csv.DictReader(io.StringIO(out))] == ["PASS", "PASS"]


def test_a_loss_kind_needs_no_forward(tmp_path):
    losses = (LAYERS / "losses.py").read_text()
    (tmp_path / "ann.py").write_text(losses)
    (tmp_path / "ben.py").write_text(losses.replace("def softmax_loss(", "def softmax_loss_right(")  # dx not / N
                                     .replace("def softmax_loss_not_averaged(", "def softmax_loss(")
                                     .replace("loss, dx = softmax_loss(x, y)", "loss, dx = softmax_loss_right(x, y)"))
    book = grade_layers("softmax_loss", None, [f"{tmp_path}/ann.py:softmax_loss", f"{tmp_path}/ben.py:softmax_loss"])
    assert [r.verdict for r in book.rows] == ["PASS", "FAIL"]
    assert book.rows[1].first_failure.startswith("finite-differences vs candidate: dx[")
    assert json.loads(book.to_json())["spec"]["forward"] is None


def test_a_missing_forward_is_an_error_row_and_a_crash_at_import_is_a_fail_as_for_networks(tmp_path):
    (tmp_path / "half.py").write_text("def relu_backward(dout, cache):\n    return dout * (cache > 0)\n")
    (tmp_path / "crash.py").write_text("raise RuntimeError('not finished')\n" + RELU)
    rows = by_file(grade_layers("relu", "relu_forward", [f"{tmp_path}/crash.py:relu_backward",
                                                         f"{tmp_path}/half.py:relu_backward"]).rows)
    assert rows["half.py"].verdict == "ERROR" and "relu_forward" in rows["half.py"].first_failure
    assert rows["crash.py"].verdict == "FAIL" and "not finished" in rows["crash.py"].first_failure


@pytest.mark.parametrize("argv, flag", [
    (["--plot", "p.png"], "--plot"),
    (["--no-isolation"], "--no-isolation"),
    (["--oracles", "jax"], "--oracles"),
    (["--hidden", "8"], "--hidden"),
])
def test_a_flag_that_does_not_apply_to_a_layers_gradebook_is_exit_2_on_one_line(capsys, folder, argv, flag):
    code, out, err = run(capsys, "--forward", "relu_forward", "--candidate", f"{folder}/*.py:relu_backward", *argv)
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1
    assert lines[0].startswith(f"compare-frameworks: error: {flag} does not apply with --layer: ")


def test_a_layers_gradebook_needs_the_forwards_name_unless_it_grades_a_loss(capsys, folder):
    code, _, err = run(capsys, "--candidate", f"{folder}/*.py:relu_backward")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "needs --forward NAME" in err


def test_a_bare_forward_name_outside_a_layers_gradebook_is_refused(capsys, folder):
    code, _, err = run(capsys, "--forward", "relu_forward", "--candidate", f"{folder}/good.py:relu_backward")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "'relu_forward'" in err


def test_hyper_parameters_the_harness_cannot_draw_are_exit_2_before_any_candidate_runs(capsys, folder):
    code = main(["--layer", "conv", "--forward", "conv_forward_naive", "--candidate", f"{folder}/*.py:relu_backward",
                 "--layer-args", '{"stride": 99}', "--quiet"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "--layer-args" in err


def test_the_command_hands_grade_layers_every_flag_that_applies(capsys, folder, monkeypatch):
    from oracles.shells import layerbook
    from oracles.shells.gradebook import Gradebook, Row

    calls = {}

    def recorded(kind, forward, targets, **kwargs):
        calls.update(kind=kind.name, forward=forward, targets=targets, **kwargs)
        return Gradebook({"source": "drawn"}, {"family": "layers", "layer": kind.name, "forward": "f"}, [],
                         [Row(t, True, "PASS") for t in targets], interrupted=kwargs["jobs"] == 4)

    monkeypatch.setattr(layerbook, "grade_layers", recorded)
    argv = ["--forward", "x.py:relu_forward", "--candidate", f"{folder}/*.py:relu_backward", "--seed", "3",
            "--jobs", "2", "--fuzz", "5", "--directions", "4", "--timeout", "2", "--memory", "1G",
            "--forbid-import", "torch", "--layer-args", "{}", "--format", "csv"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 3
    assert (calls["kind"], calls["forward"], calls["targets"]) == ("relu", "x.py:relu_forward", targets(folder))
    assert (calls["seed"], calls["jobs"], calls["fuzz"], calls["directions"], calls["timeout"], calls["memory"],
            calls["forbid_import"], calls["layer_args"]) == (3, 2, 5, 4, 2.0, 2**30, ("torch",), {})
    code, _, err = run(capsys, *argv[:6], "--jobs", "4")  # an interrupted gradebook: 130, as for networks
    assert code == 130 and "interrupted" in err
