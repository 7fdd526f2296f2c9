"""The real data sets ship inside the package: byte for byte the verified copies, addressable by
name from any folder, each with its own target column; the packaged Pima data is the default."""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import oracles
from oracles.shells.cli import main
from properties import head_catalogue
from reference import data as data_module
from reference.data import DataError, load, locate, packaged, packaged_path

from conftest import REQUIRE, ROOT, SHARED

NAMES = ("diabetes", "iris", "wine", "digits", "diabetes_progression")
FD = ("finite-differences",)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verified_hashes() -> dict:
    """name -> sha256 as ../shared/data/README.md records them (the Pima file's "| sha256 |" row,
    then one table row per other file); skipped when the README is not beside the checkout,
    a failure in CI."""
    readme = SHARED / "README.md"
    if not readme.is_file():
        if os.environ.get(REQUIRE):
            pytest.fail(f"{readme} is missing")
        pytest.skip(f"{readme} is not here")
    hashes = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        digest = re.search(r"`([0-9a-f]{64})`", line)
        if not line.startswith("|") or not digest:
            continue
        named = re.match(r"\|\s*([\w.]+)\.csv\s*\|", line)
        if named:
            hashes[named[1]] = digest[1]
        elif re.match(r"\|\s*sha256\s*\|", line):
            hashes["diabetes"] = digest[1]
    return hashes


def run_outside(tmp_path, *argv):
    """``compare-frameworks ARGV`` in a fresh process whose working directory is outside the checkout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(data_module.DATA_ENV, None)
    return subprocess.run([sys.executable, "-m", "oracles.shells.launch", *argv], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", NAMES)
def test_each_shipped_file_has_the_sha256_the_shared_readme_records(name):
    assert sha256(packaged_path(name)) == verified_hashes()[name]


def test_the_shared_readme_records_a_sha256_for_every_packaged_data_set():
    assert set(verified_hashes()) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_shipped_file_has_its_manifests_sha256_rows_features_and_target(name):
    entry = packaged()[name]
    assert sha256(packaged_path(name)) == entry["sha256"]
    data = load(name, loss=entry["loss"])
    assert (data.rows, data.features, data.target) == (entry["rows"], entry["features"], entry["target"])
    assert entry["source"] and entry["licence"]


def test_the_manifest_lists_exactly_the_shipped_files():
    shipped = {p.name for p in packaged_path("diabetes").parent.glob("*.csv")}
    assert {e["file"] for e in packaged().values()} == shipped and set(packaged()) == set(NAMES)


def test_the_default_is_the_real_pima_data_from_any_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(data_module.DATA_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    data = load()
    assert data.source == "diabetes (packaged)" and data.packaged == "diabetes"
    assert (data.rows, data.features) == (768, 8) and data.outcome_counts() == {"0": 500, "1": 268}


def test_the_cli_without_data_runs_on_the_real_pima_data_outside_the_checkout(tmp_path):
    done = run_outside(tmp_path, "--format", "json", "--oracles", "finite-differences")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["data"]["source"] == "diabetes (packaged)" and report["data"]["rows"] == 768
    assert report["data"]["outcome_counts"] == {"0": 500, "1": 268}
    assert not any("synthetic" in n for n in report["notes"])


@pytest.mark.parametrize("argv, source, rows", [
    (["--data", "iris", "--loss", "softmax", "--convention", "cs231n"], "iris (packaged)", 150),
    (["--data", "wine.csv", "--loss", "softmax"], "wine (packaged)", 178),
    (["--data", "diabetes_progression", "--loss", "mse"], "diabetes_progression (packaged)", 442),
])
def test_a_packaged_name_works_outside_the_checkout_without_a_target(tmp_path, argv, source, rows):
    done = run_outside(tmp_path, *argv, "--format", "json", "--oracles", "finite-differences")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["data"]["source"] == source and report["data"]["rows"] == rows


def test_check_takes_a_packaged_name_written_as_a_file(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    report = oracles.check(head_catalogue.cs231n_two_layer_net, data="iris.csv", loss="softmax", l2=head_catalogue.REG,
                           convention="cs231n", oracles=FD, isolate=False)
    assert report.passed and report.data["source"] == "iris (packaged)"


def test_a_path_that_exists_comes_before_a_packaged_name(monkeypatch, tmp_path):
    (tmp_path / "iris.csv").write_text("a,species\n1,0\n2,1\n3,2\n")
    monkeypatch.chdir(tmp_path)
    assert load("iris.csv", loss="softmax").rows == 3
    assert load("iris", loss="softmax").rows == 150


def test_a_path_with_a_folder_is_never_taken_for_a_name(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert locate("data/iris.csv") == Path("data/iris.csv")
    with pytest.raises(DataError, match=r"^data/iris\.csv: file not found$"):
        load("data/iris.csv", loss="softmax")


def test_the_environment_variable_may_name_a_packaged_data_set(monkeypatch):
    monkeypatch.setenv(data_module.DATA_ENV, "wine")
    assert load(loss="softmax").source == "wine (packaged)"


def test_an_unknown_name_is_one_line_naming_it_and_the_packaged_names(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(["--data", "irs"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "irs: file not found" in err
    assert all(name in err for name in NAMES) and "synthetic" in err


def test_a_packaged_set_under_another_head_says_which_head_it_is_for(capsys):
    assert main(["--data", "iris"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "iris (packaged)" in err and "--loss softmax" in err


def test_the_stand_in_refuses_a_head_it_has_no_labels_for():
    with pytest.raises(DataError, match="synthetic: --loss softmax needs real data"):
        load("synthetic", loss="softmax")


def test_the_development_layouts_path_still_works(monkeypatch):
    path = SHARED / "iris.csv"
    if not path.is_file():
        if os.environ.get(REQUIRE):
            pytest.fail(f"{path} is missing")
        pytest.skip(f"{path} is not here")
    monkeypatch.chdir(ROOT)
    relative = os.path.relpath(path)  # ../shared/data/iris.csv, as the course commands write it
    data = load(relative, loss="softmax")
    assert data.source == relative and data.packaged is None and data.rows == 150


def test_the_wheel_lists_every_package_of_the_tree():
    """A package missing from pyproject's list would be left out of the wheel (a family, a shell)."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    tree = {str(d.relative_to(ROOT)).replace(os.sep, ".") for top in ("reference", "oracles", "properties")
            for d in [ROOT / top, *(ROOT / top).rglob("*")]
            if d.is_dir() and d.name != "__pycache__" and (any(d.glob("*.py")) or any(d.glob("*.csv")))}
    assert listed == tree
