"""Load the Pima Indians Diabetes CSV (or any CSV of numeric features and a target that fits the head).

Five real data sets ship inside the package (``reference/datasets/``, listed with their
sources, licences and sha256 in its ``manifest.json``): diabetes (the lesson's Pima file, the
default), iris, wine, digits and diabetes_progression. What ``data`` names (:func:`load`):
a path that exists is that file; otherwise ``synthetic`` is the stand-in, and a packaged
name, with or without ``.csv``, is that data set. Without ``data``: ``$BACKPROP_DATA`` (the
same rule), else the packaged diabetes.

Every problem with the file raises :class:`DataError` with one line that names the problem
and the file. Standardization is the lesson's: ``(X - mean) / std`` with the population std; a
constant column (digits' corner pixels) is left at 0 and named in :attr:`Dataset.constant`.

Targets per head: bce 0/1 (N, 1); softmax whole-number classes, mapped in sorted order to
0..C-1 (N,) int64, the mapping kept in :attr:`Dataset.classes`; mse any finite number (N, 1).
"""
from __future__ import annotations

import csv
import errno
import io
import json
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reference.heads import OUTPUTS

DATA_ENV = "BACKPROP_DATA"  # names the data (a path or a packaged name) when --data is not given
SYNTHETIC = "synthetic"
PACKAGED = Path(__file__).resolve().parent / "datasets"  # the shipped files and their manifest.json
DEFAULT = "diabetes"  # the packaged data set a run uses when nothing names one
FEATURES = ("Pregnancies", "Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI",
            "DiabetesPedigreeFunction", "Age")


class DataError(ValueError):
    """A data file that cannot be used; the message is one line naming the problem and file."""


@dataclass
class Dataset:
    """Standardized features ``X`` (N, D), labels ``y`` (N, 1), and where they came from."""

    X: np.ndarray
    y: np.ndarray
    source: str
    columns: list = field(default_factory=list)
    target: str = "Outcome"
    raw: np.ndarray | None = None  # (N, D + 1): the file's values, target last
    loss: str = "bce"  # the head the targets were read for
    classes: list | None = None  # softmax: the file's label of class 0, 1, ... (sorted)
    constant: list = field(default_factory=list)  # feature columns left at 0 by standardization
    packaged: str | None = None  # the packaged data set's name (source: "iris (packaged)"), else None

    @property
    def rows(self) -> int:
        return self.X.shape[0]

    @property
    def features(self) -> int:
        return self.X.shape[1]

    @property
    def n_outputs(self) -> int:
        """C: the output units the head needs (1 for bce and mse, the classes for softmax)."""
        return len(self.classes) if self.classes is not None else self.y.shape[1]

    def outcome_counts(self) -> dict | None:
        """Rows per label (bce, softmax: the file's own labels); None for mse."""
        if not OUTPUTS[self.loss].labelled:
            return None
        values, counts = np.unique(self.y.astype(int), return_counts=True)
        named = self.classes is not None  # softmax: the file's own labels of classes 0, 1, ...
        return {f"{self.classes[v] if named else v:g}": int(c) for v, c in zip(values, counts)}

    def frame(self):
        """The file as the lesson's ``pd.read_csv`` DataFrame (shape (768, 9) on the real file)."""
        import pandas as pd

        return pd.DataFrame(self.raw, columns=self.columns + [self.target])

    def astype(self, dtype: str) -> "Dataset":
        y = OUTPUTS[self.loss].targets(self.y, dtype)
        return Dataset(self.X.astype(dtype), y, self.source, self.columns, self.target, self.raw,
                       self.loss, self.classes, self.constant, self.packaged)

    def describe(self) -> dict:
        out = {"source": self.source, "rows": self.rows, "features": self.features,
               "outcome_counts": self.outcome_counts()}
        if self.packaged:
            out["packaged"] = self.packaged
        if self.loss != "bce":
            out["loss"] = self.loss
        if self.classes is not None:
            out["classes"] = {f"{label:g}": i for i, label in enumerate(self.classes)}
        if not OUTPUTS[self.loss].labelled:
            out["target_range"] = [float(self.y.min()), float(self.y.max())]
        if self.constant:
            out["constant_columns"] = list(self.constant)
        return out

    def notes(self) -> list:
        """Lines for the report: constant columns left at 0, a label mapping that is not the identity."""
        out = []
        if self.constant:
            out.append(f"constant feature column(s) {', '.join(self.constant)} left at 0 by standardization "
                       f"(their spread is 0)")
        if self.classes is not None and self.classes != list(range(len(self.classes))):
            mapping = ", ".join(f"{label:g} -> {i}" for i, label in enumerate(self.classes))
            out.append(f"labels of {self.target!r} mapped to classes in sorted order: {mapping}")
        return out


def standardize(values: np.ndarray) -> np.ndarray:
    """The lesson's ``(X - X.mean(axis=0)) / X.std(axis=0)`` (population std), column by column;
    a constant column (std 0) becomes 0 instead of 0 / 0."""
    std = values.std(axis=0)
    return (values - values.mean(axis=0)) / np.where(std == 0, 1.0, std)


def _read_text(path: Path, shown=None) -> str:
    """The file's text; ``shown`` (default ``path``) is how messages name it."""
    shown = path if shown is None else shown
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DataError(f"{shown}: a symbolic link loop, not a CSV file") from None
        raise DataError(f"{shown}: file not found") from None
    if stat.S_ISDIR(mode):
        raise DataError(f"{shown}: is a directory, not a CSV file")
    if not stat.S_ISREG(mode):
        raise DataError(f"{shown}: not a regular file (a FIFO, device or socket), not a CSV file")
    blob = path.read_bytes()
    if b"\x00" in blob:
        raise DataError(f"{shown}: binary content (NUL bytes), not a CSV text file")
    try:
        text = blob.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{shown}: not UTF-8 text (byte {exc.start}), not a CSV text file") from None
    if not text.strip():
        raise DataError(f"{shown}: empty file")
    return text


def _number(cell: str, path: Path, line: int, column: str) -> float:
    where = f"{path}: line {line}, column {column!r}"
    if not cell.strip():
        raise DataError(f"{where}: empty cell")
    try:
        value = float(cell)
    except ValueError:
        raise DataError(f"{where}: non-numeric cell {cell.strip()[:40]!r}") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: {cell.strip()!r} is not a finite number")
    return value


def load_csv(path, target: str | None = "Outcome", loss: str = "bce", *, shown: str | None = None) -> Dataset:
    """Read, validate and standardize a CSV with a header row and a ``target`` column that fits ``loss``.

    ``target=None``: ``Outcome`` for bce (the lesson's); for softmax and mse, ``Outcome`` if the file
    has one, else its last column (the layout of the shared iris, wine, digits and progression files).
    ``shown``: how messages and the Dataset's ``source`` name the file (default: the path as given).
    """
    if loss not in OUTPUTS:
        raise ValueError(f"loss must be one of {', '.join(OUTPUTS)}, got {loss!r}")
    real = Path(path)
    path = real if shown is None else shown  # below, `path` only names the file in messages
    rows = list(csv.reader(io.StringIO(_read_text(real, path))))
    header = [h.strip() for h in rows[0]]
    body = [(i + 2, r) for i, r in enumerate(rows[1:]) if r]  # (line number, cells)
    if not body:
        raise DataError(f"{path}: header only, no data rows")
    if target is None:
        target = OUTPUTS[loss].default_target(header)
    if target not in header:
        raise DataError(f"{path}: no target column {target!r} (columns: {', '.join(header)})")
    if header.count(target) > 1:
        raise DataError(f"{path}: the target column {target!r} appears {header.count(target)} times in the header")
    for line, cells in body:
        if len(cells) != len(header):
            raise DataError(f"{path}: line {line} has {len(cells)} fields, the header has {len(header)} (ragged row)")
    if len(body) < 2:
        raise DataError(f"{path}: a single data row; standardizing needs at least two")
    values = np.array([[_number(c, path, line, header[j]) for j, c in enumerate(cells)]
                       for line, cells in body])
    t = header.index(target)
    labels = values[:, t]
    try:
        y, classes = OUTPUTS[loss].read_labels(labels, target, [line for line, _ in body])
    except ValueError as exc:
        raise DataError(f"{path}: {exc}") from None
    columns = [h for j, h in enumerate(header) if j != t]
    features = np.delete(values, t, axis=1)
    if features.shape[1] == 0:
        raise DataError(f"{path}: no feature columns besides the target {target!r}")
    constant = [columns[j] for j in range(features.shape[1]) if np.all(features[:, j] == features[0, j])]
    if len(constant) == len(columns):
        raise DataError(f"{path}: every feature column is constant ({', '.join(constant[:3])}"
                        f"{', ...' if len(constant) > 3 else ''}): nothing to learn from")
    raw = np.column_stack([features, labels])
    with np.errstate(over="ignore", invalid="ignore"):
        X = standardize(features)
    if not np.isfinite(X).all():
        j = int(np.flatnonzero(~np.isfinite(X).all(axis=0))[0])
        raise DataError(f"{path}: column {columns[j]!r} holds values too large to standardize "
                        f"(its mean or spread overflows float64)")
    return Dataset(X, y, str(path), columns, target, raw, loss, classes, constant)


def synthetic(rows: int = 768, features: int = 8, seed: int = 0) -> Dataset:
    """A deterministic stand-in of the real file's shape, labelled ``synthetic`` in every report.

    Features are Gaussian; labels come from a fixed logistic rule so about a third are 1.
    """
    rng = np.random.default_rng(seed)
    raw_X = rng.standard_normal((rows, features))
    w = np.linspace(1.0, -0.5, features)
    labels = (raw_X @ w + rng.standard_normal(rows) > 0.8).astype(float)
    names = list(FEATURES) if features == len(FEATURES) else [f"x{j}" for j in range(features)]
    raw = np.column_stack([raw_X, labels])
    return Dataset(standardize(raw_X), labels[:, None], SYNTHETIC, names, "Outcome", raw)


def packaged() -> dict:
    """The packaged data sets, from ``reference/datasets/manifest.json``: name -> ``file``,
    ``target`` (its target column), ``loss`` (the head it fits), ``rows``, ``features``,
    ``about``, ``source``, ``licence``, ``sha256``."""
    return json.loads((PACKAGED / "manifest.json").read_text(encoding="utf-8"))


def packaged_name(text) -> str | None:
    """The packaged data set that ``text`` names (``iris`` or ``iris.csv``), else None; only a
    plain string without a folder can name one (a ``Path`` is always a path)."""
    if not isinstance(text, str) or "/" in text or os.sep in text:
        return None
    name = text[:-4] if text.lower().endswith(".csv") else text
    return name if name in packaged() else None


def packaged_path(name: str) -> Path:
    """The shipped file of the packaged data set ``name`` (a key of :func:`packaged`)."""
    return PACKAGED / packaged()[name]["file"]


def locate(data=None):
    """What ``data`` names: a ``Path`` (a file given by path), a packaged name, or ``SYNTHETIC``.

    A path that exists is a path; otherwise ``synthetic`` is the stand-in and a packaged name,
    with or without ``.csv``, is that data set; anything else is a path (and reading it says it
    is not found). ``None``: ``$BACKPROP_DATA`` by the same rule, else the packaged diabetes.
    """
    if data is None or data == "":
        data = os.environ.get(DATA_ENV)
        if not data:
            return DEFAULT
    if isinstance(data, str) and not os.path.lexists(data):
        if data == SYNTHETIC:
            return SYNTHETIC
        if packaged_name(data):
            return packaged_name(data)
    return Path(data)


def load_packaged(name: str, target: str | None = None, loss: str = "bce") -> Dataset:
    """The packaged data set ``name``, its own target column unless ``target`` names another;
    ``source`` reads ``name (packaged)``."""
    entry = packaged()[name]
    shown = f"{name} (packaged)"
    try:
        data = load_csv(PACKAGED / entry["file"], target or entry["target"], loss, shown=shown)
    except DataError as exc:
        if loss == entry["loss"]:
            raise
        raise DataError(f"{exc} ({name} is a data set for --loss {entry['loss']})") from None
    data.packaged = name
    return data


def load(data=None, target: str | None = None, loss: str = "bce") -> Dataset:
    """The data a run uses: what ``data`` names (:func:`locate`): a CSV file, a packaged data
    set, or the synthetic stand-in (only for bce: its labels are 0/1); by default the packaged
    Pima data."""
    where = locate(data)
    if where == SYNTHETIC:
        if not OUTPUTS[loss].binary:
            raise DataError(f"{SYNTHETIC}: --loss {loss} needs real data (a packaged data set such as iris, or a "
                            f"CSV path with --target COLUMN); the synthetic stand-in only has 0/1 labels")
        return synthetic()
    if isinstance(where, str):
        return load_packaged(where, target, loss)
    try:
        return load_csv(where, target, loss)
    except DataError as exc:
        plain = isinstance(data, str) and "/" not in data and os.sep not in data
        if plain and str(exc) == f"{where}: file not found":
            raise DataError(f"{exc} (nor a packaged data set: {', '.join(packaged())}, or {SYNTHETIC})") from None
        raise


def how_to_get_real_data(ways: str = "pass --data PATH") -> str:
    """One line for a report on the stand-in; ``ways`` names the caller's own options."""
    return (f"on the synthetic stand-in, as asked: without it the check runs on the real Pima data "
            f"(packaged); for another file, {ways}")
