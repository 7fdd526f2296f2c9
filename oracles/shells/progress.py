"""A gradebook's progress: done, running and failed of the total, the rate and the time left.

:class:`Tally` counts as rows arrive (and as gradings start and end), hands a snapshot to a
``status`` callback (the CLI's line on standard error) and, with a results folder, rewrites
``progress.json`` in it: a temporary file renamed into place, so a reader (a dashboard, ``watch
cat``) always finds one whole JSON object. The snapshot's fields:

``total``, ``done`` (rows final, those found in the folder included), ``running`` (gradings under
way: exact on one machine; on Dask, the unfinished tasks up to the workers' threads), ``failed``
(rows that do not pass, ERROR included), ``resumed`` (rows found in the folder), ``rate_per_s``
(rows graded by this run per second since it started, None before the first), ``eta_s`` (the rows
left at that rate), ``started`` and ``updated`` (UTC, ISO 8601) and ``state`` (``running``,
``finished`` or ``interrupted``).
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path

FILE = "progress.json"
EVERY_S = 0.25  # a change of ``running`` alone rewrites the file at most this often; a row, always


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Tally:
    """Counts for ``total`` candidates, ``resumed`` rows already final; ``folder``: where
    ``progress.json`` goes (None: no file); ``status(snapshot)``: called on every change."""

    def __init__(self, total: int, resumed: list = (), folder=None, status=None):
        self.total, self.resumed = total, len(resumed)
        self.done, self.failed = self.resumed, sum(not r.passed for r in resumed)
        self.running, self.state = 0, "running"
        self.path = Path(folder) / FILE if folder is not None else None
        self.status, self.lock = status, threading.Lock()
        self.start, self.started, self.written = time.monotonic(), _now(), 0.0
        self._changed(force=True)

    def busy(self, running: int) -> None:
        """``running`` gradings are under way now."""
        with self.lock:
            if running == self.running:
                return
            self.running = running
            self._changed()

    def arrived(self, row) -> None:
        """One more final row."""
        with self.lock:
            self.done += 1
            self.failed += not row.passed
            self._changed(force=True)

    def close(self, interrupted: bool, rows: list) -> None:
        """The run is over; ``rows``: the gradebook's (a row a Dask task wrote after Ctrl-C counts)."""
        with self.lock:
            self.running, self.state = 0, "interrupted" if interrupted else "finished"
            self.done, self.failed = len(rows), sum(not r.passed for r in rows)
            self._changed(force=True)

    def snapshot(self) -> dict:
        elapsed = time.monotonic() - self.start
        graded = self.done - self.resumed
        rate = graded / elapsed if graded and elapsed > 0 else None
        left = self.total - self.done
        eta = left / rate if rate else (None if left else 0.0)
        return {"total": self.total, "done": self.done, "running": self.running, "failed": self.failed,
                "resumed": self.resumed, "rate_per_s": rate, "eta_s": eta,
                "elapsed_s": elapsed, "started": self.started, "updated": _now(), "state": self.state}

    def _changed(self, force: bool = False) -> None:
        """Under the lock: tell ``status`` and, when due, rewrite the file."""
        snap = self.snapshot()
        if self.status is not None:
            self.status(snap)
        if self.path is not None and (force or time.monotonic() - self.written >= EVERY_S):
            self._write(snap)
            self.written = time.monotonic()

    def _write(self, snap: dict) -> None:
        from oracles.shells.results import write_json

        write_json(self.path, snap)


def line(snap: dict) -> str:
    """The snapshot in a few words for the terminal: ``2 running, 1 failed, 4.1 /s, 37 s left``."""
    words = [f"{snap['running']} running", f"{snap['failed']} failed"]
    if snap["resumed"]:
        words.append(f"{snap['resumed']} from the results folder")
    if snap["rate_per_s"]:
        words.append(f"{snap['rate_per_s']:.2f} /s")
    if snap["eta_s"] is not None and snap["state"] == "running":
        words.append(f"{snap['eta_s']:.0f} s left")
    return ", ".join(words)
