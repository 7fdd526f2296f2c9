"""The gradebook's own logic on rows the test writes: its verdict and exit code, each rendering's
header and cells, a row made from a report (and from a fuzz run), a judge's exception as that row's
ERROR, and the thread pool's order: rows as they finish, a signalled row graded again alone."""
from __future__ import annotations

import csv
import io
import json
import threading
from types import SimpleNamespace

import pytest

from oracles.shells import gradebook
from oracles.shells.gradebook import Gradebook, Row, _fuzz_cell, _on_threads, _row, guarded

DATA = {"source": "diabetes.csv", "rows": 768, "features": 8, "outcome_counts": {"0": 500, "1": 268}}
SPEC = {"sizes": [8, 16, 1], "activation": "relu", "dtype": "float64", "bias": True}
GOOD = Row("subs/alice.py:backward", True, "PASS", seconds=1.23456, candidate_seconds=0.5)
BAD = Row("subs/bob.py:backward", False, "FAIL", "W1[3, 2] = 0.0123 vs 0.0615 (5.0x)", "the ReLU mask forgotten?",
          2.0, 1.0)
BROKEN = Row("subs/carol.py:backward", False, "ERROR", "failed to import: SyntaxError", "", 0.25)


def book(rows, **fields) -> Gradebook:
    return Gradebook(DATA, fields.pop("spec", SPEC), ["finite-differences", "torch"], list(rows), **fields)


# the verdict and the exit code

def test_a_gradebook_whose_rows_all_pass_passes_with_exit_0_and_says_all_n_agree():
    b = book([GOOD, GOOD])
    assert b.passed and b.exit_code() == 0
    assert b.verdict() == "PASS: all 2 candidates agree with every check"
    assert book([GOOD]).verdict() == "PASS: all 1 candidate agree with every check"


def test_one_failing_or_error_row_fails_the_gradebook_with_exit_1_and_the_count_of_failures():
    b = book([GOOD, BAD, BROKEN])
    assert not b.passed and b.exit_code() == 1
    assert b.verdict() == "FAIL: 2 of 3 candidates fail"
    assert book([BAD]).verdict() == "FAIL: 1 of 1 candidate fail"


def test_an_interrupted_gradebook_fails_even_when_every_finished_row_passed_and_says_how_many_were_graded():
    b = book([GOOD], interrupted=True)
    assert not b.passed and b.exit_code() == 1
    assert b.verdict() == "INTERRUPTED: 1 candidate graded before Ctrl-C, 0 failing"
    assert book([GOOD, BAD], interrupted=True).verdict() == "INTERRUPTED: 2 candidates graded before Ctrl-C, 1 failing"


def test_an_empty_gradebook_passes():
    assert book([]).passed and book([]).verdict() == "PASS: all 0 candidates agree with every check"


# the renderings

def test_the_json_holds_every_field_of_the_gradebook_and_of_each_row():
    b = book([GOOD, BAD], timings_s={"total": 3.5}, versions={"numpy": "2.0"},
             fuzz={"examples": 3, "seed": 7, "problems": []})
    d = json.loads(b.to_json())
    assert d == {"passed": False, "data": DATA, "spec": SPEC, "oracles": ["finite-differences", "torch"],
                 "candidates": [vars(GOOD), vars(BAD)], "timings_s": {"total": 3.5}, "versions": {"numpy": "2.0"},
                 "interrupted": False, "fuzz": {"examples": 3, "seed": 7, "problems": []}}
    assert b.to_json().startswith('{\n  "passed"')  # indented for a reader


def test_the_columns_gain_fuzz_only_when_the_gradebook_fuzzed():
    assert book([]).columns == ("candidate", "verdict", "first_failure", "diagnosis", "seconds", "candidate_seconds")
    assert book([], fuzz={"examples": 3, "seed": 0, "problems": []}).columns[-1] == "fuzz"


def test_the_csv_has_the_header_and_one_line_per_row_with_seconds_to_the_millisecond():
    text = book([GOOD, BAD]).to_csv()
    assert text.endswith("\n") and "\r" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [list(book([]).columns),
                    ["subs/alice.py:backward", "PASS", "", "", "1.235", "0.500"],
                    ["subs/bob.py:backward", "FAIL", BAD.first_failure, BAD.diagnosis, "2.000", "1.000"]]
    fuzzed = book([Row("a.py:fn", True, "PASS", fuzz="3 held")], fuzz={"examples": 3, "seed": 0, "problems": []})
    assert list(csv.reader(io.StringIO(fuzzed.to_csv())))[1][-1] == "3 held"


def test_the_header_names_the_data_the_network_and_the_oracles():
    header = book([GOOD, BAD])._header()
    assert header == ("gradebook: 2 candidates | data diabetes.csv (768 rows) | network 8-16-1 relu float64 "
                      "| oracles finite-differences, torch")


def test_the_header_says_no_biases_and_names_the_fuzz_seed_when_asked():
    spec = {**SPEC, "bias": False}
    header = book([GOOD], spec=spec, fuzz={"examples": 5, "seed": 11, "problems": []})._header()
    assert "8-16-1 relu float64 no biases | oracles" in header
    assert header.endswith("| fuzz 5 drawn problems (seed 11)")
    assert "no biases" not in book([GOOD], spec={k: v for k, v in SPEC.items() if k != "bias"})._header()


def test_the_markdown_has_a_title_the_header_a_table_and_the_verdict_and_escapes_pipes_and_newlines():
    row = Row("subs/x|y.py:backward", False, "FAIL", "line one\nline two", "a | b")
    lines = book([GOOD, row]).to_markdown().split("\n")
    assert lines[0] == "# compare-frameworks gradebook: FAIL"
    assert lines[2] == book([GOOD, row])._header()
    assert lines[4] == "| candidate | verdict | first_failure | diagnosis | seconds | candidate_seconds |"
    assert lines[5] == "|---|---|---|---|---|---|"
    assert lines[6] == "| subs/alice.py:backward | PASS |  |  | 1.235 | 0.500 |"
    assert lines[7] == "| subs/x\\|y.py:backward | FAIL | line one line two | a \\| b | 0.000 | 0.000 |"
    assert lines[-3:] == ["", "FAIL: 1 of 2 candidates fail", ""]
    assert book([GOOD]).to_markdown().startswith("# compare-frameworks gradebook: PASS\n")


def test_the_text_table_has_the_header_a_line_per_row_and_the_verdict_last():
    text = book([GOOD, BAD]).to_text(width=300)
    lines = [line.rstrip() for line in text.splitlines()]
    assert lines[0] == book([GOOD, BAD])._header()
    assert lines[1].split() == ["candidate", "verdict", "first", "failure", "diagnosis", "s"]
    assert lines[2].split()[:2] == ["subs/alice.py:backward", "PASS"] and lines[2].split()[-1] == "1.23"
    assert lines[3].startswith("subs/bob.py:backward") and BAD.first_failure in lines[3] and lines[3].endswith("2.00")
    assert lines[-1] == "FAIL: 1 of 2 candidates fail"


def test_the_text_table_prints_markup_literally_and_shows_fuzz_when_asked():
    row = Row("[bold]a.py[/bold]:fn", False, "FAIL", "W1 wrong", "", 0.0, 0.0, "law descent broken")
    text = book([row], fuzz={"examples": 3, "seed": 0, "problems": []}).to_text(width=300)
    assert "[bold]a.py[/bold]:fn" in text and text.splitlines()[1].split()[-1] == "fuzz"
    assert text.splitlines()[2].rstrip().endswith("law descent broken")


def test_the_text_table_folds_its_cells_to_the_width():
    row = Row("a.py:fn", False, "FAIL", "x " * 80)
    text = book([row]).to_text(width=60)
    assert all(len(line) <= 60 for line in text.splitlines()) and text.count("x") == 80


def test_the_text_table_folds_a_word_longer_than_its_column_instead_of_cutting_it():
    path = "subs/" + "q" * 150 + ".py:backward"  # one word, wider than the table
    text = book([Row(path, True, "PASS")]).to_text(width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert text.count("q") - book([]).to_text(width=60).count("q") == 150 and "\u2026" not in text


def test_the_text_tables_width_is_120_unless_asked():
    b = book([Row("a.py:fn", False, "FAIL", "word " * 100)])
    assert b.to_text() == b.to_text(width=120) != b.to_text(width=121)
    assert max(len(line) for line in b.to_text().splitlines()) <= 120


# a row made from a report

def point(passed=True, lines=(), diagnosis=()):
    return SimpleNamespace(passed=passed, failure_lines=lambda: list(lines), diagnosis=list(diagnosis))


def report(*points, candidate_s=0.75):
    return SimpleNamespace(points=list(points), passed=all(p.passed for p in points),
                           timings_s={"candidate": candidate_s})


def fuzzed(passed=True, examples=20, law="descent", lines=("the loss rose   by 3",), message="msg", repro="--replay x"):
    c = {"laws": [{"law": law, "lines": list(lines), "message": message}], "repro": repro}
    return SimpleNamespace(passed=passed, examples=examples, counterexample=None if passed else c)


def test_an_error_is_an_error_row_naming_it_with_its_seconds():
    assert _row("a.py:fn", error="failed to import", seconds=1.5) == Row("a.py:fn", False, "ERROR", "failed to import",
                                                                         "", 1.5)


def test_a_passing_report_is_a_pass_row_with_the_candidates_seconds():
    assert _row("a.py:fn", report(point(), point()), seconds=2.0) == Row("a.py:fn", True, "PASS", "", "", 2.0, 0.75, "")


def test_a_failing_report_gives_the_first_failing_points_first_line_and_first_diagnosis():
    r = report(point(), point(False, ["W1[0, 0] = 1 vs 2", "b1[0] = 3 vs 4"], ["a missing 1/N?", "other"]),
               point(False, ["W2 later"], ["later"]))
    row = _row("a.py:fn", r, seconds=1.0)
    assert (row.passed, row.verdict, row.first_failure, row.diagnosis) == (False, "FAIL", "W1[0, 0] = 1 vs 2",
                                                                           "a missing 1/N?")
    assert _row("a.py:fn", report(point(False))).first_failure == ""
    assert _row("a.py:fn", report(point(False, ["x"]))).diagnosis == ""


def test_a_fuzz_that_held_is_counted_in_its_cell_and_the_row_passes():
    row = _row("a.py:fn", report(point()), fuzzed=fuzzed(examples=12), fuzz=True)
    assert (row.passed, row.verdict, row.fuzz, row.first_failure) == (True, "PASS", "12 held", "")


def test_a_broken_law_fails_the_row_and_its_cell_is_the_first_failure_when_the_points_held():
    row = _row("a.py:fn", report(point()), fuzzed=fuzzed(False, 4), fuzz=True)
    assert (row.passed, row.verdict) == (False, "FAIL")
    assert row.fuzz == "law descent broken at drawn problem 4: the loss rose by 3 | --replay x"
    assert row.first_failure == "law descent broken at drawn problem 4: the loss rose by 3"


def test_fuzz_asked_but_not_run_says_the_points_failed_and_no_fuzz_leaves_the_cell_empty():
    assert _row("a.py:fn", report(point(False, ["x"])), fuzz=True).fuzz == "not run: the checks at the points failed"
    assert _row("a.py:fn", report(point())).fuzz == ""


def test_a_broken_laws_cell_falls_back_to_its_message_and_is_bounded():
    cell = _fuzz_cell(fuzzed(False, 2, "shape", lines=(), message="W1 has shape (2, 3)\n not (3, 2)"))
    assert cell == "law shape broken at drawn problem 2: W1 has shape (2, 3) not (3, 2) | --replay x"
    long = _fuzz_cell(fuzzed(False, 2, "gating", lines=("y" * 500,)))
    assert long == f"law gating broken at drawn problem 2: {'y' * 200} | --replay x"


def test_a_broken_laws_cell_holds_its_first_line_only():
    cell = _fuzz_cell(fuzzed(False, 3, "descent", lines=("the loss rose by 3", "at step 2 of 5")))
    assert "the loss rose by 3" in cell and "step 2" not in cell and cell.endswith("| --replay x")


# the judge's own exception

def test_guarded_returns_the_gradings_row_and_signal():
    assert guarded(lambda t: (Row(t, True, "PASS"), True), "a.py:fn") == (Row("a.py:fn", True, "PASS"), True)


def test_an_exception_inside_the_judge_is_that_candidates_error_row_in_one_bounded_line():
    def broken(target):
        raise OverflowError("math   range\nerror " + "z" * 400)

    row, signalled = guarded(broken, "a.py:fn")
    assert signalled is False and (row.candidate, row.passed, row.verdict, row.diagnosis) == ("a.py:fn", False, "ERROR", "")
    prefix = "internal error while judging this candidate: OverflowError: "
    assert row.first_failure.startswith(prefix + "math range error zzz")
    assert len(row.first_failure) == len(prefix) + 300 and row.seconds >= 0


# the thread pool

@pytest.fixture
def fake_grading(monkeypatch):
    """``_graded`` replaced: each call logged; ``signalled`` names the targets signalled the first time."""
    log, signalled, lock = [], set(), threading.Lock()

    def graded(spec, data, target, prepared, oracles, convention, stop, fuzz, **options):
        with lock:
            log.append((target, stop.is_set(), fuzz, options))
            first = [t for t, *_ in log].count(target) == 1
        return Row(target, True, "PASS", "again" if not first else ""), first and target in signalled

    monkeypatch.setattr(gradebook, "_graded", graded)
    return log, signalled


def test_the_pool_delivers_each_row_asked_for_with_its_index_and_hands_the_options_on(fake_grading):
    log, _ = fake_grading
    arrived = {}
    _on_threads("spec", "data", ["a", "b", "c"], [0, 2], [], ("fd",), None, 2, arrived.__setitem__,
                {"timeout": 3.0}, fuzz="drawn")
    assert sorted(arrived) == [0, 2] and [arrived[i].candidate for i in (0, 2)] == ["a", "c"]
    assert sorted(log, key=lambda e: e[0]) == [("a", False, "drawn", {"timeout": 3.0}), ("c", False, "drawn", {"timeout": 3.0})]


def test_with_jobs_2_a_signalled_row_is_graded_again_alone_after_the_others(fake_grading):
    log, signalled = fake_grading
    signalled.add("a")
    order = []
    _on_threads("spec", "data", ["a", "b", "c"], [0, 1, 2], [], ("fd",), None, 2, lambda i, row: order.append((i, row)), {})
    assert [i for i, _ in order][-1] == 0 and sorted(i for i, _ in order) == [0, 1, 2]
    assert order[-1][1].first_failure == "again"  # the second grading's row, the first one's dropped
    assert [t for t, *_ in log].count("a") == 2


def test_with_jobs_1_a_signalled_row_is_kept_as_it_is(fake_grading):
    log, signalled = fake_grading
    signalled.add("a")
    arrived = {}
    _on_threads("spec", "data", ["a", "b"], [0, 1], [], ("fd",), None, 1, arrived.__setitem__, {})
    assert arrived[0].first_failure == "" and [t for t, *_ in log].count("a") == 1


def test_busy_counts_the_gradings_under_way_never_above_jobs_and_ends_at_zero(fake_grading):
    busy = []
    _on_threads("spec", "data", list("abcde"), list(range(5)), [], ("fd",), None, 2, lambda i, row: None, {},
                busy=busy.append)
    assert busy[-1] == 0 and max(busy) <= 2 and min(busy) >= 0 and busy.count(0) >= 1
    assert len(busy) == 10  # each grading's start and end


def test_an_exception_where_rows_arrive_stops_the_pool_ends_the_workers_and_is_raised(fake_grading, monkeypatch):
    import oracles.isolation as isolation

    ended = []
    monkeypatch.setattr(isolation, "end_all", lambda: ended.append(True))

    def arrived(i, row):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _on_threads("spec", "data", ["a", "b"], [0, 1], [], ("fd",), None, 1, arrived, {})
    assert ended == [True]


# grade(): the library call, with the grading and the oracles' points stood in for

@pytest.fixture
def graded_here(monkeypatch):
    """grade() with ``_graded`` and ``prepare_points`` replaced: (graded targets, prepare_points' calls)."""
    targets, prepared = [], []

    def graded(spec, data, target, points, oracles, convention, stop, fuzz, **options):
        targets.append(target)
        return Row(target, "bad" not in target, "FAIL" if "bad" in target else "PASS", seconds=0.1234567), False

    def prepare(spec, data, oracles, seed, mode, directions, timings):
        prepared.append((oracles, seed, mode, directions))
        timings["points"] = 0.12345678
        return ["the points"]

    monkeypatch.setattr(gradebook, "_graded", graded)
    monkeypatch.setattr(gradebook, "prepare_points", prepare)
    return targets, prepared


@pytest.fixture(scope="module")
def problem():
    from reference.data import synthetic
    from reference.model import Spec

    return Spec(), synthetic(rows=40)


def test_grade_returns_a_row_per_target_in_order_with_the_problems_description(graded_here, problem):
    spec, data = problem
    targets, prepared = graded_here
    calls = []
    b = gradebook.grade(spec, data, ["a.py:fn", "bad.py:fn", "c.py:fn"], oracles=("finite-differences",), seed=3,
                        jobs=2, mode="exhaustive", directions=4, progress=calls.append)
    assert [r.candidate for r in b.rows] == ["a.py:fn", "bad.py:fn", "c.py:fn"] and sorted(targets) == sorted(
        ["a.py:fn", "bad.py:fn", "c.py:fn"])
    assert prepared == [(("finite-differences",), 3, "exhaustive", 4)]
    assert (b.data, b.spec, b.oracles, b.interrupted, b.fuzz) == (data.describe(), spec.to_dict(),
                                                                  ["finite-differences"], False, None)
    assert b.timings_s["points"] == 0.123457 and b.timings_s["total"] >= 0  # rounded to the microsecond
    assert b.versions == gradebook.versions()
    assert calls == [1, 2, 3] and b.exit_code() == 1


def test_grade_with_a_results_folder_grades_only_the_missing_rows_and_reports_the_found_ones_first(graded_here, problem,
                                                                                                   tmp_path):
    spec, data = problem
    targets, prepared = graded_here
    gradebook.grade(spec, data, ["a.py:fn", "bad.py:fn"], oracles=("finite-differences",), results=tmp_path)
    targets.clear()
    prepared.clear()
    calls = []
    b = gradebook.grade(spec, data, ["a.py:fn", "bad.py:fn", "c.py:fn"], oracles=("finite-differences",),
                        results=tmp_path, progress=calls.append)
    assert targets == ["c.py:fn"] and calls == [2, 3]
    assert [r.verdict for r in b.rows] == ["PASS", "FAIL", "PASS"]
    targets.clear()
    prepared.clear()
    again = gradebook.grade(spec, data, ["a.py:fn", "bad.py:fn", "c.py:fn"], oracles=("finite-differences",),
                            results=tmp_path)
    assert targets == [] and prepared == []  # every row found: no points prepared, nothing graded
    assert again.rows == b.rows


def test_ctrl_c_in_grade_returns_the_rows_so_far_marked_interrupted(graded_here, problem):
    spec, data = problem

    def interrupt(n):
        if n == 2:
            raise KeyboardInterrupt

    b = gradebook.grade(spec, data, ["a.py:fn", "b.py:fn", "c.py:fn"], oracles=("finite-differences",),
                        progress=interrupt)
    assert b.interrupted and len(b.rows) == 2 and b.exit_code() == 1


def test_grade_on_a_scheduler_hands_the_problem_and_each_rows_stored_place_to_dask(graded_here, problem, monkeypatch,
                                                                                    tmp_path):
    import os

    from oracles.shells import cluster

    spec, data = problem
    seen = []

    def on_dask(scheduler, jobs, shared, targets, todo, arrived, busy=None, stored=None):
        seen.append((scheduler, jobs, shared, list(targets), list(todo), stored(0)))
        for i in todo:
            arrived(i, Row(targets[i], True, "PASS"))

    monkeypatch.setattr(cluster, "on_dask", on_dask)
    b = gradebook.grade(spec, data, ["a.py:fn", "b.py:fn"], oracles=("finite-differences",), jobs=3,
                        scheduler="tcp://h:1", results=tmp_path / "rows", convention="cs231n", timeout=2.0)
    ((scheduler, jobs, shared, targets, todo, stored),) = seen
    assert (scheduler, jobs, targets, todo) == ("tcp://h:1", 3, ["a.py:fn", "b.py:fn"], [0, 1])
    assert shared == (spec, data, ["the points"], ("finite-differences",), "cs231n", {"timeout": 2.0}, None)
    assert stored[0] == os.path.abspath(tmp_path / "rows") and len(stored[1]) == 64
    assert [r.verdict for r in b.rows] == ["PASS", "PASS"]


def test_grade_with_fuzz_draws_the_problems_once_and_describes_them(graded_here, problem, monkeypatch):
    spec, data = problem
    drawn = []

    def draw(spec_, examples, seed, oracles, prepare, timings):
        drawn.append((examples, seed, oracles, prepare))
        return gradebook.Fuzzed((SimpleNamespace(describe=lambda: "problem 1"),), {})

    monkeypatch.setattr(gradebook, "draw_fuzz", draw)
    b = gradebook.grade(spec, data, ["a.py:fn"], oracles=("finite-differences",), seed=5, fuzz=2)
    assert drawn == [(2, 5, ("finite-differences",), True)]
    assert b.fuzz == {"examples": 2, "seed": 5, "problems": ["problem 1"]}


def test_a_grading_after_the_gradebook_was_interrupted_starts_no_worker(problem):
    spec, data = problem
    stop = threading.Event()
    stop.set()
    row, signalled = gradebook._graded(spec, data, "nowhere.py:fn", [], ("finite-differences",), stop=stop)
    assert (row.verdict, row.first_failure, signalled) == ("ERROR", "not graded: the gradebook was interrupted", False)


def test_a_candidate_that_cannot_be_loaded_is_an_error_row_naming_why(problem, tmp_path):
    spec, data = problem
    row = gradebook.grade_one(spec, data, f"{tmp_path}/missing.py:backward", [], ("finite-differences",))
    assert (row.passed, row.verdict) == (False, "ERROR") and "missing.py" in row.first_failure and row.seconds >= 0


# _judged: one candidate's grading, with the worker and the checks stood in for

class Handle:
    def __init__(self, offence=None, signalled=None):
        self.offence, self.signalled, self.closed = offence, signalled, False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True


@pytest.fixture
def judged(monkeypatch):
    """``(handles, calls)``: the next handle load_candidate returns, and what load_candidate, run and _fuzzed got."""
    import oracles.candidate as candidate

    handles, calls = [Handle()], []

    def load(target, **options):
        calls.append(("load", target, options))
        return handles[0]

    def run(spec, data, handle, oracles, prepared, convention):
        calls.append(("run", handle, oracles, prepared, convention))
        return report(point(handle.offence is None and "bad" not in spec, ["W1 wrong"]), candidate_s=0.25)

    def fuzz(handle, target, drawn, oracles, convention):
        calls.append(("fuzz", drawn))
        return fuzzed(examples=3)

    monkeypatch.setattr(candidate, "load_candidate", load)
    monkeypatch.setattr(gradebook, "run", run)
    monkeypatch.setattr(gradebook, "_fuzzed", fuzz)
    return handles, calls


def test_a_grading_loads_the_candidate_with_the_worker_options_and_checks_it_at_the_prepared_points(judged):
    handles, calls = judged
    row, signalled = gradebook._graded("spec", "data", "a.py:fn", ["points"], ("torch",), "cs231n", timeout=3.0)
    assert calls == [("load", "a.py:fn", {"timeout": 3.0}), ("run", handles[0], ("torch",), ["points"], "cs231n")]
    assert (row.verdict, row.candidate_seconds, row.fuzz, signalled) == ("PASS", 0.25, "", False)
    assert handles[0].closed


def test_a_candidate_that_signalled_the_judge_fails_with_its_offence(judged):
    handles, _ = judged
    handles[0] = Handle(offence="the candidate sent SIGINT to the judge")
    row, signalled = gradebook._graded("spec", "data", "a.py:fn", [], ("torch",))
    assert (row.passed, row.verdict, row.first_failure, row.diagnosis, row.candidate_seconds, signalled) == (
        False, "FAIL", "the candidate sent SIGINT to the judge", "", 0.25, False)


def test_a_worker_that_died_of_a_signal_the_judge_did_not_send_marks_the_row_signalled(judged):
    handles, _ = judged
    handles[0] = Handle(signalled=9)
    assert gradebook._graded("spec", "data", "a.py:fn", [], ("torch",))[1] is True
    handles[0] = Handle(signalled=0)  # a signal number, even 0, is a signal
    assert gradebook._graded("spec", "data", "a.py:fn", [], ("torch",))[1] is True


def test_the_drawn_problems_are_met_only_after_the_points_held(judged):
    _, calls = judged
    row = gradebook._graded("spec", "data", "a.py:fn", [], ("torch",), fuzz="drawn")[0]
    assert ("fuzz", "drawn") in calls and row.fuzz == "3 held"
    calls.clear()
    row = gradebook._graded("bad spec", "data", "a.py:fn", [], ("torch",), fuzz="drawn")[0]
    assert not any(c[0] == "fuzz" for c in calls) and row.fuzz == "not run: the checks at the points failed"
    assert gradebook.grade_one("spec", "data", "a.py:fn", [], ("torch",), fuzz="drawn").fuzz == "3 held"
