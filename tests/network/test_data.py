"""The data a verdict is computed on (reference/data.py): what a name or path locates, how a CSV is read
and standardized for each head, the stand-in, and what a Dataset says of itself."""
from __future__ import annotations

import numpy as np
import pytest

from reference import data as D
from reference.data import (DataError, Dataset, how_to_get_real_data, load, load_csv, load_packaged, locate, packaged,
                            packaged_name, packaged_path, standardize, synthetic)


def write(tmp_path, text: str, name: str = "d.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------- standardization

def test_standardize_is_the_population_z_score_per_column_and_a_constant_column_is_zero():
    values = np.array([[1.0, 5.0, 2.0], [3.0, 5.0, 4.0], [8.0, 5.0, 9.0]])
    out = standardize(values)
    for j in (0, 2):
        col = values[:, j]
        assert np.allclose(out[:, j], (col - col.mean()) / np.sqrt(((col - col.mean()) ** 2).mean()))
    assert np.array_equal(out[:, 1], np.zeros(3))
    assert np.allclose(out[:, [0, 2]].mean(axis=0), 0) and np.allclose(out[:, [0, 2]].std(axis=0), 1)


# ---------------------------------------------------------------- reading a CSV

def test_a_bce_file_is_read_standardized_with_its_raw_values_and_columns(tmp_path):
    path = write(tmp_path, "a, b ,Outcome\n1,10,0\n2,30,1\n\n3,20,1\n")
    data = load_csv(path)
    assert (data.rows, data.features, data.n_outputs) == (3, 2, 1)
    assert data.columns == ["a", "b"] and data.target == "Outcome" and data.loss == "bce"
    assert data.source == str(path) and data.packaged is None and data.classes is None and data.constant == []
    assert np.array_equal(data.y, np.array([[0.0], [1.0], [1.0]]))
    assert np.array_equal(data.raw, np.array([[1, 10, 0], [2, 30, 1], [3, 20, 1]], dtype=float))
    assert np.allclose(data.X, standardize(np.array([[1.0, 10], [2, 30], [3, 20]])))


def test_the_target_may_sit_in_any_column_and_the_features_keep_their_order(tmp_path):
    path = write(tmp_path, "Outcome,a,b,c\n0,1,2,3\n1,4,5,7\n1,0,2,9\n")
    data = load_csv(path)
    assert data.columns == ["a", "b", "c"] and np.array_equal(data.y[:, 0], [0, 1, 1])
    assert np.array_equal(data.raw[:, -1], [0, 1, 1]) and np.array_equal(data.raw[:, 0], [1, 4, 0])


def test_a_bom_and_crlf_line_ends_are_read_like_plain_text(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfa,Outcome\r\n1,0\r\n2,1\r\n")
    data = load_csv(path)
    assert data.columns == ["a"] and data.rows == 2


def test_without_a_target_bce_reads_outcome_and_the_other_heads_outcome_or_the_last_column(tmp_path):
    path = write(tmp_path, "a,b,k\n1,2,0\n2,3,1\n4,1,2\n")
    data = load_csv(path, None, "softmax")
    assert data.target == "k" and data.classes == [0.0, 1.0, 2.0]
    assert load_csv(write(tmp_path, "a,Outcome,b\n1,0,2\n2,1,3\n4,1,1\n", "o.csv"), None, "mse").target == "Outcome"
    with pytest.raises(DataError, match="no target column 'Outcome'"):
        load_csv(path, None, "bce")


def test_a_named_target_column_is_read(tmp_path):
    path = write(tmp_path, "a,b,k\n1,2,0\n2,3,1\n4,1,1\n")
    data = load_csv(path, "a", "mse")
    assert data.target == "a" and data.columns == ["b", "k"] and np.array_equal(data.y[:, 0], [1, 2, 4])


def test_softmax_classes_are_mapped_in_sorted_order_and_mse_keeps_its_numbers(tmp_path):
    path = write(tmp_path, "a,b,Outcome\n1,2,7\n2,3,3\n4,1,5\n5,5,3\n")
    data = load_csv(path, loss="softmax")
    assert data.classes == [3.0, 5.0, 7.0] and data.n_outputs == 3
    assert data.y.dtype == np.int64 and np.array_equal(data.y, [2, 0, 1, 0])
    mse = load_csv(path, loss="mse")
    assert np.array_equal(mse.y[:, 0], [7, 3, 5, 3]) and mse.classes is None and mse.n_outputs == 1


def test_an_unknown_head_is_a_value_error_naming_the_heads(tmp_path):
    with pytest.raises(ValueError, match="loss must be one of bce, softmax, mse.*got 'hinge'"):
        load_csv(write(tmp_path, "a,Outcome\n1,0\n2,1\n"), loss="hinge")


@pytest.mark.parametrize("text, words", [
    ("a,Outcome\n", "header only, no data rows"),
    ("a,Outcome\n\n\n", "header only, no data rows"),
    ("a,Outcome,Outcome\n1,0,0\n2,1,1\n", "the target column 'Outcome' appears 2 times in the header"),
    ("a,b,Outcome\n1,2,0\n1,2\n", "line 3 has 2 fields, the header has 3 (ragged row)"),
    ("a,Outcome\n1,0\n", "a single data row; standardizing needs at least two"),
    ("Outcome\n0\n1\n", "no feature columns besides the target 'Outcome'"),
    ("a,b,c,d,Outcome\n1,2,3,4,0\n1,2,3,4,1\n", "every feature column is constant (a, b, c, ...): nothing to learn from"),
    ("a,b,Outcome\n1,2,0\n1,2,1\n", "every feature column is constant (a, b): nothing to learn from"),
    ("a,Outcome\n1,0\n2,3\n", "target 'Outcome' must hold 0/1 for --loss bce, line 3 has 3"),
    ("a,Outcome\n1,0\n 	,1\n", "line 3, column 'a': empty cell"),
    ("a,Outcome\n1,0\nx1234567890123456789012345678901234567890123,1\n",
     "line 3, column 'a': non-numeric cell 'x123456789012345678901234567890123456789'"),
    ("a,Outcome\n1,0\n-inf,1\n", "line 3, column 'a': '-inf' is not a finite number"),
    ("a,b,Outcome\n1,1.5e308,0\n2,1.6e308,1\n3,1.7e308,0\n", "column 'b' holds values too large to standardize"),
])
def test_each_problem_with_a_file_is_one_line_naming_it_and_the_file(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as raised:
        load_csv(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and words in message and "\n" not in message


def test_a_file_shown_under_another_name_is_named_so_in_messages_and_source(tmp_path):
    path = write(tmp_path, "a,Outcome\n1,0\n2,1\n")
    assert load_csv(path, shown="mine (packaged)").source == "mine (packaged)"
    with pytest.raises(DataError, match=r"^shown\.csv: header only"):
        load_csv(write(tmp_path, "a,Outcome\n", "h.csv"), shown="shown.csv")
    with pytest.raises(DataError, match=r"^gone\.csv: file not found$"):
        load_csv(tmp_path / "missing.csv", shown="gone.csv")


def test_a_constant_feature_is_left_at_zero_and_named(tmp_path):
    data = load_csv(write(tmp_path, "a,flat,Outcome\n1,4,0\n2,4,1\n3,4,1\n"))
    assert data.constant == ["flat"] and np.array_equal(data.X[:, 1], np.zeros(3))
    assert data.describe()["constant_columns"] == ["flat"]
    assert data.notes() == ["constant feature column(s) flat left at 0 by standardization (their spread is 0)"]


@pytest.mark.parametrize("make, words", [
    (lambda p: p.mkdir(), "is a directory, not a CSV file"),
    (lambda p: p.write_bytes(b"a,Outcome\n\x001,0\n"), "binary content (NUL bytes)"),
    (lambda p: p.write_bytes(b"a,Outcome\n1,0\n\xe9,1\n"), "not UTF-8 text (byte 14)"),
    (lambda p: p.write_text(" \n\t\n"), "empty file"),
    (lambda p: p.symlink_to(p), "a symbolic link loop, not a CSV file"),
])
def test_a_path_that_is_not_a_csv_text_file_is_named_so(tmp_path, make, words):
    path = tmp_path / "x.csv"
    make(path)
    with pytest.raises(DataError) as raised:
        load_csv(path)
    assert str(raised.value).startswith(f"{path}: {words}")


def test_a_fifo_is_refused_as_not_a_regular_file(tmp_path):
    import os

    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    with pytest.raises(DataError, match="not a regular file"):
        load_csv(path)


# ---------------------------------------------------------------- a Dataset's words about itself

def test_outcome_counts_count_the_files_own_labels_and_none_for_mse(tmp_path):
    path = write(tmp_path, "a,Outcome\n1,7\n2,3\n4,7\n5,7\n")
    assert load_csv(path, loss="softmax").outcome_counts() == {"3": 1, "7": 3}
    assert load_csv(write(tmp_path, "a,Outcome\n1,0\n2,1\n3,1\n", "b.csv")).outcome_counts() == {"0": 1, "1": 2}
    assert load_csv(path, loss="mse").outcome_counts() is None


def test_describe_says_the_source_size_counts_and_only_what_applies(tmp_path):
    bce = load_csv(write(tmp_path, "a,Outcome\n1,0\n2,1\n3,1\n"))
    assert bce.describe() == {"source": bce.source, "rows": 3, "features": 1, "outcome_counts": {"0": 1, "1": 2}}
    soft = load_csv(write(tmp_path, "a,Outcome\n1,4\n2,2\n3,4\n", "s.csv"), loss="softmax")
    assert soft.describe()["loss"] == "softmax" and soft.describe()["classes"] == {"2": 0, "4": 1}
    mse = load_csv(write(tmp_path, "a,Outcome\n1,-2.5\n2,4\n3,1\n", "m.csv"), loss="mse")
    said = mse.describe()
    assert said["target_range"] == [-2.5, 4.0] and said["outcome_counts"] is None and "classes" not in said
    assert load_packaged("iris", loss="softmax").describe()["packaged"] == "iris"


def test_notes_name_a_label_mapping_only_when_it_is_not_the_identity(tmp_path):
    shifted = load_csv(write(tmp_path, "a,Outcome\n1,1\n2,2\n3,3\n"), loss="softmax")
    assert shifted.notes() == ["labels of 'Outcome' mapped to classes in sorted order: 1 -> 0, 2 -> 1, 3 -> 2"]
    plain = load_csv(write(tmp_path, "a,Outcome\n1,0\n2,1\n3,2\n", "p.csv"), loss="softmax")
    assert plain.notes() == []


def test_astype_converts_the_features_and_the_heads_targets_and_keeps_the_rest(tmp_path):
    data = load_csv(write(tmp_path, "a,b,Outcome\n1,2,3\n2,3,5\n4,1,3\n"), loss="softmax")
    data.packaged = "p"
    small = data.astype("float32")
    assert small.X.dtype == np.float32 and small.y.dtype == np.int64 and np.array_equal(small.y, data.y)
    assert (small.source, small.columns, small.target, small.loss, small.classes, small.packaged) == \
        (data.source, data.columns, data.target, data.loss, data.classes, "p")
    assert small.raw is data.raw and small.constant == data.constant
    bce = synthetic(rows=10, features=2).astype("float32")
    assert bce.y.dtype == np.float32 and bce.y.shape == (10, 1)


def test_the_frame_is_the_files_table_with_its_header():
    data = load_packaged("diabetes")
    frame = data.frame()
    assert frame.shape == (768, 9) and list(frame.columns) == list(D.FEATURES) + ["Outcome"]
    assert frame["Outcome"].sum() == 268


# ---------------------------------------------------------------- the stand-in

def test_the_stand_in_is_deterministic_standardized_and_labelled_synthetic():
    a, b = synthetic(), synthetic()
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert a.X.shape == (768, 8) and a.y.shape == (768, 1) and a.source == "synthetic" and a.columns == list(D.FEATURES)
    assert set(np.unique(a.y)) == {0.0, 1.0} and 0.2 < a.y.mean() < 0.45
    assert np.allclose(a.X.mean(axis=0), 0) and np.allclose(a.X.std(axis=0), 1)
    assert np.array_equal(a.raw[:, -1], a.y[:, 0]) and np.allclose(standardize(a.raw[:, :-1]), a.X)
    other = synthetic(rows=20, features=3, seed=5)
    assert other.X.shape == (20, 3) and other.columns == ["x0", "x1", "x2"] and other.target == "Outcome"
    assert not np.array_equal(synthetic(rows=20, features=3, seed=6).X, other.X)


def test_the_stand_ins_label_follows_a_rule_of_its_features_first_columns_weighing_most():
    data = synthetic(rows=4000, seed=1)
    raw = data.raw[:, :-1]
    first = np.corrcoef(raw[:, 0], data.y[:, 0])[0, 1]
    last = np.corrcoef(raw[:, -1], data.y[:, 0])[0, 1]
    assert first > 0.2 and last < -0.05


# ---------------------------------------------------------------- what a name or path locates

def test_the_packaged_sets_are_named_with_or_without_csv_and_never_by_a_path():
    assert set(packaged()) == {"diabetes", "iris", "wine", "digits", "diabetes_progression"}
    assert packaged_name("iris") == "iris" and packaged_name("iris.csv") == "iris" and packaged_name("IRIS.CSV") is None
    assert packaged_name("wine.CSV") == "wine"
    assert packaged_name("./iris") is None and packaged_name("data/iris.csv") is None
    assert packaged_name("tulips") is None and packaged_name(None) is None
    from pathlib import Path
    assert packaged_name(Path("iris")) is None
    assert packaged_path("iris") == D.PACKAGED / "iris.csv" and packaged_path("iris").is_file()


def test_locate_takes_a_path_that_exists_first_then_the_stand_in_then_a_packaged_name(tmp_path, monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(D.DATA_ENV, raising=False)
    assert locate() == "diabetes" and locate("") == "diabetes"
    assert locate("synthetic") == "synthetic" and locate("iris") == "iris" and locate("wine.csv") == "wine"
    assert locate("nowhere.csv") == Path("nowhere.csv")
    (tmp_path / "iris").write_text("a,Outcome\n1,0\n2,1\n")
    (tmp_path / "synthetic").write_text("a,Outcome\n1,0\n2,1\n")
    assert locate("iris") == Path("iris") and locate("synthetic") == Path("synthetic")
    assert locate(Path("wine")) == Path("wine")


def test_the_environment_names_the_data_when_nothing_else_does(tmp_path, monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(D.DATA_ENV, "iris.csv")
    assert locate() == "iris" and locate(None) == "iris" and locate("wine") == "wine"
    monkeypatch.setenv(D.DATA_ENV, "synthetic")
    assert locate() == "synthetic"
    monkeypatch.setenv(D.DATA_ENV, str(tmp_path / "x.csv"))
    assert locate() == Path(tmp_path / "x.csv")
    monkeypatch.setenv(D.DATA_ENV, "")
    assert locate() == "diabetes"


def test_load_packaged_reads_its_own_target_and_names_itself(monkeypatch):
    iris = load_packaged("iris", loss="softmax")
    assert iris.source == "iris (packaged)" and iris.packaged == "iris" and iris.target == "species"
    assert (iris.rows, iris.features, iris.n_outputs) == (150, 4, 3)
    other = load_packaged("iris", "sepal_length" if "sepal_length" in iris.columns else iris.columns[0], "mse")
    assert other.target != "species" and other.features == 4 and other.loss == "mse"


def test_a_packaged_set_read_for_another_head_says_which_head_it_is_for():
    with pytest.raises(DataError) as raised:
        load_packaged("iris", loss="bce")
    assert str(raised.value).startswith("iris (packaged): ")
    assert str(raised.value).endswith("(iris is a data set for --loss softmax)")
    with pytest.raises(DataError) as raised:
        load_packaged("iris", "no_such_column", "softmax")
    assert "no target column 'no_such_column'" in str(raised.value) and "is a data set for" not in str(raised.value)


def test_load_reads_a_path_a_packaged_name_or_the_stand_in(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(D.DATA_ENV, raising=False)
    assert load().source == "diabetes (packaged)" and load().rows == 768
    assert load("iris", loss="softmax").packaged == "iris"
    assert load("synthetic").source == "synthetic"
    path = write(tmp_path, "a,k\n1,0\n2,1\n3,1\n")
    assert load(str(path), "k").target == "k"
    assert load(path, "k").rows == 3


def test_the_stand_in_is_refused_for_a_head_without_0_1_labels():
    for loss in ("softmax", "mse"):
        with pytest.raises(DataError, match=f"^synthetic: --loss {loss} needs real data"):
            load("synthetic", loss=loss)


def test_a_plain_name_that_is_nothing_lists_the_packaged_sets_and_a_path_does_not(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as raised:
        load("tulips")
    assert str(raised.value) == ("tulips: file not found (nor a packaged data set: diabetes, iris, wine, digits, "
                                 "diabetes_progression, or synthetic)")
    with pytest.raises(DataError) as raised:
        load("sub/tulips.csv")
    assert str(raised.value) == "sub/tulips.csv: file not found"
    bad = write(tmp_path, "a,Outcome\n")
    with pytest.raises(DataError) as raised:
        load("d.csv")
    assert str(raised.value) == "d.csv: header only, no data rows" and bad.is_file()


def test_the_way_to_real_data_names_the_callers_options():
    assert how_to_get_real_data().endswith("for another file, pass --data PATH")
    assert how_to_get_real_data("set data=").endswith("for another file, set data=")
    assert "real Pima data" in how_to_get_real_data()


def test_three_constant_columns_are_all_named_and_more_are_cut_after_three(tmp_path):
    with pytest.raises(DataError, match=r"every feature column is constant \(a, b, c\): nothing"):
        load_csv(write(tmp_path, "a,b,c,Outcome\n1,2,3,0\n1,2,3,1\n"))


def test_the_first_column_too_large_to_standardize_is_named_without_a_warning(tmp_path):
    import warnings

    path = write(tmp_path, "a,b,c,Outcome\n1,1.5e308,1.5e308,0\n2,1.6e308,1.6e308,1\n3,1.7e308,1.7e308,0\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match=r"column 'b' holds values too large to standardize \(its mean or spread "
                                            r"overflows float64\)$"):
            load_csv(path)


def test_a_dangling_link_named_like_a_packaged_set_is_a_path(tmp_path, monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris").symlink_to(tmp_path / "gone")
    assert locate("iris") == Path("iris")
    with pytest.raises(DataError, match="^iris: file not found"):
        load("iris", loss="softmax")
