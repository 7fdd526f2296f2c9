"""The other heads' real files (iris, wine, digits: softmax; diabetes_progression: mse), targets per
head, constant columns left at 0, and a label set mapped in sorted order."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oracles.shells.cli import main
from reference.data import DataError, load_csv, packaged_path

# target columns and facts from ../shared/data/README.md and the datasets' own documentation
FILES = {"iris": ("species", "softmax", 150, 4, 3), "wine": ("cultivar", "softmax", 178, 13, 3),
         "digits": ("digit", "softmax", 1797, 64, 10), "diabetes_progression": ("progression", "mse", 442, 10, 1)}


def shared(name: str) -> Path:
    """The real file ``name`` as the package ships it (byte-equal to ../shared/data: test_packaged_data)."""
    return packaged_path(name)


@pytest.mark.parametrize("name", list(FILES))
def test_each_file_loads_with_its_head_rows_features_and_outputs(name):
    target, loss, rows, features, outputs = FILES[name]
    data = load_csv(shared(name), target, loss)
    assert (data.rows, data.features, data.n_outputs) == (rows, features, outputs)
    if loss == "softmax":
        assert data.y.dtype == np.int64 and data.y.shape == (rows,)
        assert set(np.unique(data.y)) == set(range(outputs))
    else:
        assert data.y.shape == (rows, 1) and data.y.dtype == np.float64


def test_iris_has_fifty_rows_of_each_species():
    assert load_csv(shared("iris"), "species", "softmax").outcome_counts() == {"0": 50, "1": 50, "2": 50}


def test_digits_constant_pixels_are_left_at_zero_and_named():
    data = load_csv(shared("digits"), "digit", "softmax")
    assert data.constant == ["pixel_0", "pixel_32", "pixel_39"]  # ../shared/data/README.md
    for name in data.constant:
        assert not data.X[:, data.columns.index(name)].any()
    assert any("pixel_0, pixel_32, pixel_39" in note and "left at 0" in note for note in data.notes())


def test_a_label_set_is_mapped_in_sorted_order_and_the_mapping_reported(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("a,b,kind\n1,2,7\n2,1,3\n3,5,5\n4,4,7\n")
    data = load_csv(path, "kind", "softmax")
    assert data.y.tolist() == [2, 0, 1, 2]
    assert data.classes == [3.0, 5.0, 7.0]
    assert any("3 -> 0, 5 -> 1, 7 -> 2" in note for note in data.notes())


def test_a_bce_file_refuses_labels_the_head_cannot_take(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("a,b,kind\n1,2,7\n2,1,3\n")
    with pytest.raises(DataError, match="0/1 for --loss bce"):
        load_csv(path, "kind", "bce")


def test_mse_takes_any_finite_target(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_text("a,b,t\n1,2,-3.5\n2,1,1e6\n3,3,0.25\n")
    assert load_csv(path, "t", "mse").y[:, 0].tolist() == [-3.5, 1e6, 0.25]


@pytest.mark.parametrize("name", list(FILES))
def test_the_reference_passes_every_oracle_on_each_file(name, capsys):
    target, loss, *_ = FILES[name]
    code = main(["--data", str(shared(name)), "--target", target, "--loss", loss, "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, out[-2000:]
