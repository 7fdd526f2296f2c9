"""The results folder's keys and files, function by function: a key changes with each thing a row
depends on and with nothing else; a stored row loads back only for its own key and candidate; a
file is written whole (a temporary file renamed into place) or the folder's one-line error."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest

from oracles.shells import results
from oracles.shells.gradebook import Row
from oracles.shells.results import Results, ResultsError, candidate_key, problem_key, write_json

ROW = Row("subs/a.py:backward", False, "FAIL", "W1[0, 1] = 2 vs 1", "a missing 1/N?", 1.25, 0.5, "")


@pytest.fixture(scope="module")
def base():
    from reference.data import synthetic
    from reference.model import Spec

    spec, data = Spec(), synthetic()
    args = dict(spec=spec, data=data, oracles=("finite-differences",), seed=0, mode="auto", directions=None,
                convention=None, worker_options={"timeout": 5.0, "memory": 2**30})
    return args


def key(base, **changes):
    return problem_key(**{**base, **changes})


def test_the_problem_key_is_a_sha256_hex_digest_and_the_same_for_the_same_problem(base):
    k = key(base)
    assert len(k) == 64 and int(k, 16) >= 0
    assert key(base) == k
    assert key(base, worker_options={"memory": 2**30, "timeout": 5.0}) == k  # the options' order is no change


@pytest.mark.parametrize("change", ["oracles", "seed", "mode", "directions", "convention", "worker", "fuzz"])
def test_the_problem_key_changes_with_each_option_a_row_depends_on(base, change):
    changed = {"oracles": {"oracles": ("finite-differences", "torch")}, "seed": {"seed": 1},
               "mode": {"mode": "exhaustive"}, "directions": {"directions": 4}, "convention": {"convention": "cs231n"},
               "worker": {"worker_options": {"timeout": 6.0, "memory": 2**30}}, "fuzz": {"fuzz": 20}}[change]
    assert key(base, **changed) != key(base)


def test_a_gradebook_without_fuzz_keeps_its_key_whether_fuzz_is_none_or_not_given(base):
    assert key(base, fuzz=None) == key(base) == problem_key(*base.values())
    assert key(base, fuzz=20) != key(base, fuzz=30)


def test_the_problem_key_changes_with_the_network(base):
    from reference.model import Spec

    assert key(base, spec=Spec(activation="tanh")) != key(base)
    assert key(base, spec=Spec(sizes=(8, 12, 1))) != key(base)


def test_the_problem_key_changes_with_any_value_of_x_or_y_and_with_their_dtype_or_shape(base):
    data = base["data"]

    def with_arrays(X, y):
        return key(base, data=replace(data, X=X, y=y))

    X, y = data.X.copy(), data.y.copy()
    assert with_arrays(X, y) == key(base)
    X2 = X.copy()
    X2[3, 2] += 1e-9
    y2 = y.copy()
    y2[5, 0] = 1 - y2[5, 0]
    assert with_arrays(X2, y) != key(base)
    assert with_arrays(X, y2) != key(base)
    assert with_arrays(X.astype(np.float32).astype(np.float64), y) != key(base)  # rounded values
    # the same bytes in another layout or read as another type: a different problem
    assert with_arrays(X.reshape(X.shape[1], X.shape[0]), y) != key(base)
    assert with_arrays(X.view(np.int64), y) != key(base)
    assert with_arrays(np.asfortranarray(X), y) == key(base)  # the values, not their memory order


def test_the_problem_key_changes_with_the_row_files_format_and_the_harness_version(base, monkeypatch):
    k = key(base)
    monkeypatch.setattr(results, "FORMAT", results.FORMAT + 1)
    assert key(base) != k
    monkeypatch.undo()
    monkeypatch.setattr(results, "_harness_version", lambda: "0.0.0-other")
    assert key(base) != k


def test_the_harness_version_is_the_installed_distributions_or_none():
    import importlib.metadata as md

    try:
        installed = md.version("backprop-oracles")
    except md.PackageNotFoundError:
        installed = None
    assert results._harness_version() == installed


def test_the_harness_version_is_none_when_the_distribution_is_not_installed(monkeypatch):
    import importlib.metadata as md

    def missing(name):
        raise md.PackageNotFoundError(name)

    monkeypatch.setattr(md, "version", missing)
    assert results._harness_version() is None


def test_the_candidate_key_changes_with_the_problem_the_target_and_the_files_bytes(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("def backward(p, X, y):\n    return p\n")
    target = f"{path}:backward"
    k = candidate_key("p1", target)
    assert len(k) == 64 and candidate_key("p1", target) == k
    assert candidate_key("p2", target) != k
    assert candidate_key("p1", f"{path}:other") != k
    path.write_text("def backward(p, X, y):\n    return dict(p)\n")
    changed = candidate_key("p1", target)
    assert changed != k
    os.utime(path, (0, 0))  # the bytes, not the file's times
    assert candidate_key("p1", target) == changed


def test_a_missing_candidate_file_is_keyed_as_unreadable_and_its_key_changes_once_it_exists(tmp_path):
    target = f"{tmp_path}/gone.py:backward"
    missing = candidate_key("p", target)
    assert candidate_key("p", target) == missing
    (tmp_path / "gone.py").write_text("")
    assert candidate_key("p", target) != missing


def test_a_candidate_module_is_keyed_by_its_packages_files_too(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("def backward(p, X, y):\n    return p\n")
    monkeypatch.chdir(tmp_path)
    k = candidate_key("p", "pkg.mod:backward")
    (package / "__init__.py").write_text("X = 1\n")
    assert candidate_key("p", "pkg.mod:backward") != k


def test_a_stored_row_loads_back_equal_for_its_key_and_candidate(tmp_path):
    folder = Results(tmp_path / "rows")
    folder.store("k1", ROW)
    assert folder.load("k1", ROW.candidate) == ROW
    on_disk = json.loads((tmp_path / "rows" / "k1.json").read_text(encoding="utf-8"))
    assert on_disk == {"key": "k1", "row": asdict(ROW)}
    assert folder.root == tmp_path / "rows"


def test_a_row_is_not_loaded_for_another_candidate_or_under_another_key(tmp_path):
    folder = Results(tmp_path)
    folder.store("k1", ROW)
    assert folder.load("k1", "subs/b.py:backward") is None
    os.replace(tmp_path / "k1.json", tmp_path / "k2.json")  # a file whose key inside is not its name's
    assert folder.load("k2", ROW.candidate) is None
    assert folder.load("k1", ROW.candidate) is None  # none stored


@pytest.mark.parametrize("text", ["{not json", "[]", '{"key": "k"}', '{"key": "k", "row": {"candidate": "x"}}',
                                  '{"key": "k", "row": {"unknown": 1}}', "\udcff"])
def test_a_damaged_row_file_is_no_row(tmp_path, text):
    (tmp_path / "k.json").write_text(text, encoding="utf-8", errors="surrogateescape")
    assert Results(tmp_path).load("k", "x") is None


def test_a_row_with_words_beyond_ascii_loads_back_equal(tmp_path):
    row = replace(ROW, candidate="subs/\u00e9l\u00e8ve.py:backward", first_failure="W1[0, 1] = 2 \u2260 1")
    Results(tmp_path).store("k", row)
    assert Results(tmp_path).load("k", row.candidate) == row


def test_write_json_makes_the_folder_and_leaves_only_the_whole_file(tmp_path):
    path = tmp_path / "a" / "b" / "progress.json"
    write_json(path, {"done": 3})
    assert json.loads(path.read_text()) == {"done": 3}
    assert os.listdir(path.parent) == ["progress.json"]
    write_json(path, {"done": 4})  # rewritten in place
    assert json.loads(path.read_text()) == {"done": 4} and os.listdir(path.parent) == ["progress.json"]


def test_write_json_writes_a_hidden_temporary_file_beside_the_target_and_renames_it(tmp_path, monkeypatch):
    renamed = []
    real = os.replace

    def replace_(src, dst):
        renamed.append((Path(src), Path(dst)))
        assert json.loads(Path(src).read_text()) == {"n": 1}  # whole before it is renamed
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace_)
    write_json(tmp_path / "k.json", {"n": 1})
    (src, dst), = renamed
    assert dst == tmp_path / "k.json" and src.parent == tmp_path
    assert src.name.startswith(".k.") and src.name.endswith(".tmp")  # never one of the folder's *.json rows


def test_write_json_leaves_no_temporary_file_when_the_data_cannot_be_written(tmp_path):
    with pytest.raises(TypeError):
        write_json(tmp_path / "k.json", {"row": object()})
    assert os.listdir(tmp_path) == []


def test_a_folder_that_cannot_be_made_is_a_results_error_naming_it(tmp_path):
    (tmp_path / "a_file").write_text("")
    with pytest.raises(ResultsError) as info:
        write_json(tmp_path / "a_file" / "rows" / "k.json", {})
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'a_file' / 'rows'}: cannot write the results folder: ")
    assert len(message.splitlines()) == 1 and info.value.__cause__ is None
    with pytest.raises(ResultsError):
        Results(tmp_path / "a_file").store("k", ROW)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_is_a_results_error_and_leaves_nothing(tmp_path):
    folder = tmp_path / "rows"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ResultsError):
            Results(folder).store("k", ROW)
    finally:
        folder.chmod(0o700)
    assert os.listdir(folder) == []
