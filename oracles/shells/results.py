"""A gradebook's results folder: one file per candidate's row, written as it arrives.

Each row is stored as ``<key>.json``, where the key hashes what decides the row: the candidate's
name and the bytes of the files it is read from, the problem (network, data, seed, oracles,
finite-difference mode, the number of fuzz problems; for a layers gradebook, the kind, the forward's
name, the fixed hyper-parameters, seed, fuzz and directions) and the worker's limits, and the
versions of the harness and of the libraries it checks against. A rerun finds a candidate's row
by its key and grades only what is missing or changed; a row is written to a temporary file and
renamed into place, so an interrupted run leaves whole rows only, which the next run resumes.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

FORMAT = 2  # the row files' and keys' layout: a change makes every stored row a miss


def _digest(payload) -> str:
    """sha256 of ``payload`` as JSON: a list, whose places name its parts (dicts inside sorted by key)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def problem_key(spec, data, oracles, seed, mode, directions, convention, worker_options: dict,
                fuzz: int | None = None) -> str:
    """What every candidate's row depends on besides the candidate itself, as one hash (``fuzz``:
    the number of drawn problems, which the seed draws; a gradebook without it keeps its keys)."""
    from oracles.harness import versions

    return keyed([spec.to_dict(), data.describe(), arrays_digest(data.X, data.y), list(oracles), seed, mode,
                  directions, convention, worker_options] + ([fuzz] if fuzz else []), versions())


def keyed(parts: list, libraries: dict) -> str:
    """A problem's key: the folder's format, the harness's version and ``libraries``' (``{package:
    version}``: those it checks against), then ``parts``, what else every row depends on."""
    return _digest([FORMAT, _harness_version(), libraries, *parts])


def arrays_digest(*arrays) -> str:
    """The arrays' dtypes, shapes and bytes, in order, as one sha256."""
    import numpy as np

    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _harness_version() -> str | None:
    import importlib.metadata as md

    try:
        return md.version("backprop-oracles")
    except md.PackageNotFoundError:
        return None


def candidate_key(problem: str, target: str) -> str:
    """``problem`` and this candidate: its name and the bytes of every file it is read from
    (a missing or unreadable file hashes as such, so its ERROR row is keyed too)."""
    from oracles.candidate import candidate_files

    files = []
    for path, _ in candidate_files(target):
        try:
            files.append([os.path.realpath(path), hashlib.sha256(Path(path).read_bytes()).hexdigest()])
        except OSError as exc:
            files.append([path, f"unreadable: {exc.strerror}"])
    return _digest([problem, target, files])


class ResultsError(Exception):
    """The results folder cannot be written (a full disk, a path through a file): one line."""


class Results:
    """The folder ``root``: :meth:`load` a stored row, :meth:`store` a new one."""

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def load(self, key: str, target: str):
        """The stored row for ``key``, or None (none stored, unreadable, or another candidate's)."""
        from oracles.shells.gradebook import Row

        try:
            stored = json.loads(self._path(key).read_text(encoding="utf-8"))
            row = Row(**stored["row"])
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return row if stored.get("key") == key and row.candidate == target else None

    def store(self, key: str, row) -> None:
        """Write ``row`` whole under ``key`` (a temporary file renamed into place); ResultsError
        when the folder cannot be written."""
        write_json(self._path(key), {"key": key, "row": asdict(row)})


def write_json(path: Path, data) -> None:
    """``data`` as JSON at ``path`` in a results folder, whole or not at all (a temporary file renamed
    into place); ResultsError when the folder cannot be written."""
    folder, tmp = path.parent, None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, path)
    except OSError as exc:
        raise ResultsError(f"{folder}: cannot write the results folder: {exc.strerror or exc}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
