"""A layers gradebook's results folder and Dask: each row stored as it arrives, keyed by the
candidate's file (its forward's too) and every option that decides the row; a rerun grades only
what is missing or changed; on a LocalCluster the rows are those graded on threads."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from oracles.families import layers
from oracles.shells import layerbook
from oracles.shells.cli import main
from oracles.shells.gradebook import Row
from oracles.shells.layerbook import grade_layers

LAYERS = Path(__file__).resolve().parent.parent / "candidates" / "layers"
RELU = (LAYERS / "relu.py").read_text()
BUGGY = RELU.replace("    x = cache\n    return dout * (x > 0)", "    return dout.copy()")  # no mask
TIMINGS = ("seconds", "candidate_seconds")


def write_class(root: Path) -> list:
    """good.py (right), buggy.py (no mask), broken.py (does not parse): their targets, in that order."""
    root.mkdir(exist_ok=True)
    sources = {"good.py": RELU, "buggy.py": BUGGY, "broken.py": "def relu_backward(:\n"}
    assert "dout.copy()" in sources["buggy.py"]
    for name, source in sources.items():
        (root / name).write_text(source)
    return [f"{root}/{name}:relu_backward" for name in sources]


def stored(folder: Path) -> dict:
    """``{candidate: row}`` as the folder holds them (read here, not by the code under test)."""
    rows = [json.loads(p.read_text())["row"] for p in folder.glob("*.json") if p.name != "progress.json"]
    return {r["candidate"]: r for r in rows}


def without_timings(rows) -> list:
    return [{k: v for k, v in vars(r).items() if k not in TIMINGS} for r in rows]


@pytest.fixture
def checks(monkeypatch) -> list:
    """The real check_layer, each call's backward recorded: one call per candidate graded."""
    calls, real = [], layers.check_layer

    def counted(kind, forward, backward, **options):
        calls.append(backward)
        return real(kind, forward, backward, **options)

    monkeypatch.setattr(layers, "check_layer", counted)
    return calls


@pytest.fixture
def judged(monkeypatch) -> list:
    """layerbook's judging replaced by a PASS row at once (no worker): each judged target recorded."""
    calls = []

    def judge(kind, name, target, worker, stop):
        calls.append(target)
        return Row(target, True, "PASS"), False

    monkeypatch.setattr(layerbook, "_judged", judge)
    return calls


def test_a_results_folder_holds_one_row_per_candidate_and_a_rerun_grades_nobody_again(tmp_path, checks):
    targets = write_class(tmp_path / "subs")
    first = grade_layers("relu", "relu_forward", targets, results=tmp_path / "rows")
    assert sorted(checks) == sorted(targets)
    kept = stored(tmp_path / "rows")
    assert sorted(kept) == sorted(targets)
    assert {t: kept[t]["verdict"] for t in targets} == dict(zip(targets, ["PASS", "FAIL", "ERROR"]))
    checks.clear()
    second = grade_layers("relu", "relu_forward", targets, results=tmp_path / "rows")
    assert checks == []
    assert second.rows == first.rows  # the rows read back, their timings too
    assert [r.seconds for r in second.rows] == [kept[t]["seconds"] for t in targets]


def test_a_changed_candidate_file_is_graded_again_even_where_only_its_forward_changed(tmp_path, checks):
    targets = write_class(tmp_path / "subs")
    grade_layers("relu", "relu_forward", targets, results=tmp_path / "rows")
    good = tmp_path / "subs" / "good.py"
    good.write_text(good.read_text().replace("return np.maximum(0, x), x", "return np.maximum(x, 0), x"))
    checks.clear()
    book = grade_layers("relu", "relu_forward", targets, results=tmp_path / "rows")
    assert checks == [targets[0]]
    assert [r.verdict for r in book.rows] == ["PASS", "FAIL", "ERROR"]
    assert len(stored(tmp_path / "rows")) == 3  # the old row's file stays, under its old key; the rows are three


BASE = {"kind": "relu", "forward": "relu_forward", "seed": 0, "layer_args": {}, "fuzz": 0, "directions": None,
        "timeout": None, "memory": None, "forbid_import": ()}


@pytest.mark.parametrize("change", [
    {"kind": "leaky_relu", "forward": "leaky_relu_forward"}, {"forward": "relu_forward_other"}, {"seed": 1},
    {"fuzz": 2}, {"directions": 4}, {"timeout": 9.0}, {"memory": 2**30}, {"forbid_import": ("torch",)},
    {"kind": "conv", "forward": "conv_forward_naive"},
])
def test_each_option_that_decides_a_row_is_part_of_its_key(tmp_path, judged, change):
    targets = [f"{tmp_path}/a.py:relu_backward", f"{tmp_path}/b.py:relu_backward"]

    def book(options):
        options = dict(options)
        return grade_layers(options.pop("kind"), options.pop("forward"), targets, results=tmp_path / "rows", **options)

    book(BASE)
    assert judged == targets
    book({**BASE, **change})
    assert judged == targets * 2  # every candidate graded again
    book(BASE)
    book({**BASE, **change})
    assert judged == targets * 2  # both problems' rows kept, side by side


def test_fixed_hyper_parameters_are_part_of_the_key_an_array_by_its_bytes(tmp_path, judged):
    import numpy as np

    target = [f"{tmp_path}/a.py:fn"]
    for stride in (1, 2, 1):
        grade_layers("conv", "conv_forward_naive", target, layer_args={"stride": stride}, results=tmp_path / "rows")
    assert len(judged) == 2
    zeros = np.zeros(2000)
    other = zeros.copy()
    other[500] = 1.0
    assert str(zeros) == str(other)  # numpy prints a long array with "...": only its bytes tell these two apart
    assert layerbook._keyable({"layer_args": {"gamma": zeros}}) != layerbook._keyable({"layer_args": {"gamma": other}})


def test_a_task_on_dask_finds_its_stored_row_and_grades_nobody(tmp_path, judged):
    from oracles.shells.results import Results

    folder = Results(tmp_path / "rows")
    row = Row("a.py:relu_backward", False, "FAIL", "stored before")
    folder.store("k1", row)
    assert layerbook.layer_task(("relu", "relu_forward", {}), "a.py:relu_backward", (str(tmp_path / "rows"), "k1")) \
        == (row, False)
    assert judged == []
    fresh = layerbook.layer_task(("relu", "relu_forward", {}), "b.py:relu_backward", (str(tmp_path / "rows"), "k2"))
    assert fresh == (Row("b.py:relu_backward", True, "PASS"), False) and judged == ["b.py:relu_backward"]
    assert folder.load("k2", "b.py:relu_backward") == fresh[0]  # the task wrote its row itself


def run(capsys, *argv) -> tuple:
    code = main(["--layer", "relu", "--forward", "relu_forward", *argv, "--format", "csv", "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_keeps_a_layers_gradebooks_rows_beside_its_output_and_a_rerun_writes_the_same_csv(
        tmp_path, capsys, checks):
    write_class(tmp_path / "subs")
    output = tmp_path / "grades.csv"
    argv = ["--candidate", f"{tmp_path}/subs/*.py:relu_backward", "--output", str(output)]
    code, _, _ = run(capsys, *argv)
    first = output.read_text()
    assert code == 1 and len(stored(tmp_path / "grades.results")) == 3 and len(checks) == 3
    checks.clear()
    code, _, _ = run(capsys, *argv)
    assert code == 1 and checks == [] and output.read_text() == first  # the seconds too: the stored rows


def test_the_command_takes_results_dir_for_a_layers_gradebook(tmp_path, capsys, judged):
    targets = write_class(tmp_path / "subs")
    for _ in range(2):
        code, out, _ = run(capsys, "--candidate", f"{tmp_path}/subs/*.py:relu_backward", "--results",
                           str(tmp_path / "rows"))
        assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 3
    assert sorted(judged) == sorted(targets) and sorted(stored(tmp_path / "rows")) == sorted(targets)


def test_a_layers_gradebook_on_a_local_cluster_gives_the_rows_it_gives_on_threads(tmp_path):
    targets = write_class(tmp_path / "subs")
    on_threads = grade_layers("relu", "relu_forward", targets, jobs=2)
    on_dask = grade_layers("relu", "relu_forward", targets, jobs=2, scheduler="local", results=tmp_path / "rows")
    assert [r.verdict for r in on_dask.rows] == ["PASS", "FAIL", "ERROR"]
    assert without_timings(on_dask.rows) == without_timings(on_threads.rows)
    assert sorted(stored(tmp_path / "rows")) == sorted(targets)


def test_the_command_grades_a_class_on_dask_with_scheduler_local(tmp_path, capsys):
    write_class(tmp_path / "subs")
    code, out, _ = run(capsys, "--candidate", f"{tmp_path}/subs/*.py:relu_backward", "--jobs", "2",
                       "--scheduler", "local")
    rows = {Path(r["candidate"].rpartition(":")[0]).name: r["verdict"] for r in csv.DictReader(io.StringIO(out))}
    assert code == 1 and rows == {"good.py": "PASS", "buggy.py": "FAIL", "broken.py": "ERROR"}


def test_without_dask_a_layers_gradebook_on_a_scheduler_exits_2_with_the_install_line(tmp_path, capsys,
                                                                                       monkeypatch):
    import sys

    from oracles.shells import cluster

    write_class(tmp_path / "subs")
    monkeypatch.setitem(sys.modules, "distributed", None)
    code, out, err = run(capsys, "--candidate", f"{tmp_path}/subs/*.py:relu_backward", "--scheduler", "local")
    assert code == 2 and out == ""
    assert err.strip() == f"compare-frameworks: error: --scheduler needs Dask's distributed package: {cluster.INSTALL}"
