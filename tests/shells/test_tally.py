"""A gradebook's progress counts, on a clock the test moves: what each event changes in the
snapshot, when progress.json is rewritten, the rate and the time left, and the terminal's line."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from oracles.shells import progress
from oracles.shells.gradebook import Row
from oracles.shells.progress import FILE, Tally, line

PASS, FAIL = Row("a.py:backward", True, "PASS"), Row("b.py:backward", False, "FAIL")
ERROR = Row("c.py:backward", False, "ERROR", "failed to import")


class Clock:
    """``time.monotonic`` for progress, moved by the test."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(progress, "time", clock)
    return clock


def written(folder) -> dict:
    return json.loads((folder / FILE).read_text())


def test_a_new_tally_counts_the_rows_found_in_the_folder_and_says_so_at_once(clock, tmp_path):
    seen = []
    tally = Tally(5, [PASS, FAIL, ERROR], tmp_path, seen.append)
    assert len(seen) == 1
    snap = seen[0]
    assert (snap["total"], snap["done"], snap["running"], snap["failed"], snap["resumed"]) == (5, 3, 0, 2, 3)
    assert (snap["state"], snap["rate_per_s"], snap["eta_s"], snap["elapsed_s"]) == ("running", None, None, 0.0)
    assert written(tmp_path) == snap
    assert tally.path == tmp_path / "progress.json"


def test_without_a_folder_no_file_is_written_and_without_status_nothing_is_called(clock, tmp_path, monkeypatch):
    writes = []
    monkeypatch.setattr(Tally, "_write", lambda self, snap: writes.append(snap))
    tally = Tally(2)
    tally.busy(1)
    tally.arrived(PASS)
    tally.close(False, [PASS])
    assert tally.path is None and writes == []
    assert (tally.done, tally.failed, tally.resumed) == (1, 0, 0)


def test_a_tally_of_nothing_resumed_starts_at_zero_with_no_time_left_unknown(clock):
    seen = []
    Tally(4, status=seen.append)
    assert (seen[0]["done"], seen[0]["failed"], seen[0]["resumed"], seen[0]["eta_s"]) == (0, 0, 0, None)


def test_each_arrived_row_counts_once_and_a_failing_or_error_row_counts_as_failed(clock):
    seen = []
    tally = Tally(4, status=seen.append)
    for row in (PASS, FAIL, ERROR):
        clock.now += 1.0
        tally.arrived(row)
    assert [(s["done"], s["failed"]) for s in seen] == [(0, 0), (1, 0), (2, 1), (3, 2)]


def test_busy_reports_a_change_of_running_only(clock):
    seen = []
    tally = Tally(4, status=seen.append)
    tally.busy(2)
    tally.busy(2)
    tally.busy(1)
    tally.busy(0)
    assert [s["running"] for s in seen] == [0, 2, 1, 0]
    assert tally.running == 0


def test_a_change_of_running_alone_rewrites_the_file_at_most_every_quarter_second_and_a_row_always(clock, tmp_path):
    tally = Tally(4, folder=tmp_path)
    clock.now += progress.EVERY_S / 2
    tally.busy(2)
    assert written(tmp_path)["running"] == 0  # too soon after the last write
    clock.now += progress.EVERY_S / 2
    tally.busy(1)
    assert written(tmp_path)["running"] == 1  # EVERY_S since the last write: due
    clock.now += 0.01
    tally.arrived(FAIL)
    assert (written(tmp_path)["done"], written(tmp_path)["failed"]) == (1, 1)  # a row: at once
    clock.now += 0.01
    tally.busy(2)
    assert written(tmp_path)["running"] == 1  # the row's write reset the quarter second


def test_the_rate_counts_only_rows_graded_by_this_run_per_second_since_it_started(clock):
    tally = Tally(10, [PASS, PASS])
    clock.now += 4.0
    tally.arrived(PASS)
    tally.arrived(FAIL)
    snap = tally.snapshot()
    assert snap["elapsed_s"] == 4.0
    assert snap["rate_per_s"] == 0.5  # 2 graded here in 4 s; the 2 resumed are not this run's
    assert snap["eta_s"] == 12.0  # 6 left at 0.5 /s


def test_before_the_first_row_no_rate_and_no_time_left_and_when_all_are_done_no_time_left_is_zero(clock):
    tally = Tally(2)
    clock.now += 3.0
    assert (tally.snapshot()["rate_per_s"], tally.snapshot()["eta_s"]) == (None, None)
    done = Tally(2, [PASS, FAIL])  # every row resumed: nothing graded, nothing left
    clock.now += 1.0
    assert (done.snapshot()["rate_per_s"], done.snapshot()["eta_s"]) == (None, 0.0)


def test_at_no_elapsed_time_there_is_no_rate(clock):
    tally = Tally(3)
    tally.arrived(PASS)  # the clock has not moved
    assert tally.snapshot()["rate_per_s"] is None and tally.snapshot()["eta_s"] is None


def test_close_recounts_from_the_gradebooks_rows_and_states_how_the_run_ended(clock, tmp_path):
    tally = Tally(5, folder=tmp_path)
    tally.busy(2)
    tally.arrived(PASS)
    tally.close(True, [PASS, FAIL, ERROR])  # a row a Dask task wrote after Ctrl-C counts
    end = written(tmp_path)
    assert (end["state"], end["done"], end["failed"], end["running"]) == ("interrupted", 3, 2, 0)
    tally.close(False, [PASS])
    end = written(tmp_path)
    assert (end["state"], end["done"], end["failed"]) == ("finished", 1, 0)


def test_started_and_updated_are_utc_iso_8601_to_the_second(monkeypatch):
    snap = Tally(1).snapshot()
    for field in ("started", "updated"):
        when = datetime.fromisoformat(snap[field])
        assert when.utcoffset() == timedelta(0) and when.microsecond == 0
        assert snap[field].endswith("+00:00") and len(snap[field]) == len("2026-01-01T00:00:00+00:00")
    assert snap["started"] <= snap["updated"]


def snap(**fields) -> dict:
    base = {"running": 0, "failed": 0, "resumed": 0, "rate_per_s": None, "eta_s": None, "state": "running"}
    return {**base, **fields}


def test_line_says_running_and_failed_always():
    assert line(snap(running=2, failed=1)) == "2 running, 1 failed"


def test_line_names_the_rows_from_the_results_folder_only_when_there_are_some():
    assert line(snap(resumed=3)) == "0 running, 0 failed, 3 from the results folder"


def test_line_gives_the_rate_to_two_decimals_and_the_time_left_to_the_second_while_running():
    assert line(snap(rate_per_s=4.104, eta_s=36.6)) == "0 running, 0 failed, 4.10 /s, 37 s left"
    assert line(snap(eta_s=0.0)) == "0 running, 0 failed, 0 s left"


def test_line_gives_no_time_left_once_the_run_is_over():
    for state in ("finished", "interrupted"):
        assert line(snap(rate_per_s=2.0, eta_s=5.0, state=state)) == "0 running, 0 failed, 2.00 /s"


def test_a_row_in_the_first_second_gives_a_rate_already(clock):
    tally = Tally(3)
    clock.now += 0.5
    tally.arrived(PASS)
    assert tally.snapshot()["rate_per_s"] == 2.0 and tally.snapshot()["eta_s"] == 1.0
