"""Every cell of every format, held to the result it came from.

A check's report is rendered as a text table, Markdown, HTML, JSON and JUnit XML, a gradebook as a
text table, CSV, Markdown, JSON and JUnit XML. Each rendering is parsed back here with a parser of
its own (the text table's columns by the position of their headers, Markdown's pipes, the csv
module, ``json``, ElementTree, ``html.parser``) and every cell is held to the field of the
:class:`~oracles.compare.Check` or gradebook :class:`~oracles.shells.gradebook.Row` it came from:
the same string, or a number parsed back and equal within the digits the column prints. A cell
moved to another column (the oracle's value under "yours", a row's diagnosis under its first
failure) fails here.

The candidates are wrong where an oracle's value and the candidate's differ clearly: ``db2_mean``
(db2 is 1/N of the right value, every other gradient right: rows that pass beside rows that fail),
and the deeplearning.ai layout with one entry of dW1 doubled (cells named as the candidate wrote
them: ``dW1[0, 2]`` for the canonical ``W1[2, 0]``).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from oracles.formats import render
from oracles.report import PointResult

ORACLES = ("finite-differences", "torch")
LEFT = ("param", "oracle", "verdict", "worst entry")  # the text table's left-justified columns; the rest: right
DIGITS = {"max abs err": 3, "max rel err": 3, "oracle value": 6, "yours": 6}  # significant digits printed


def _one_entry_doubled(parameters, X, Y):
    """deeplearning.ai's backward with one entry of dW1 (out, in) doubled: dW1[0, 2]."""
    from properties import head_catalogue

    cost, grads = head_catalogue.dlai_backward(parameters, X, Y)
    grads["dW1"] = grads["dW1"].copy()
    grads["dW1"][0, 2] *= 2
    return cost, grads


def _db2_mean(params, X, y):
    from properties.catalogue import db2_mean

    return db2_mean(params, X, y)


CANDIDATES = {"db2-mean": (_db2_mean, "lesson"), "dlai-one-entry": (_one_entry_doubled, "deeplearning-ai")}


@pytest.fixture(scope="module", params=[*CANDIDATES, "layer-db-mean"])
def report(request, real):
    from oracles.harness import make_spec, run
    from oracles.isolation import InProcess

    if request.param == "layer-db-mean":  # a layer's table: its outputs against the frameworks', then its gradients
        from oracles.families.layers import check_layer
        from test_layers import at

        result = check_layer("affine", at("affine", "affine_forward"), at("affine", "affine_backward_db_mean"))
    else:
        fn, convention = CANDIDATES[request.param]
        spec = make_spec(real, (16,), convention=convention)
        result = run(spec, real, InProcess(request.param, fn), ORACLES, convention=convention)
    assert not result.passed and any(c.passed for p in result.points for c in _checks(p))  # OK and FAIL rows
    return result


def _checks(point) -> list:
    """Every check a point's table shows: a layer's outputs first, then the gradients."""
    tables = (getattr(point, "forward_checks", {}), point.checks)
    return [c for table in tables for per in table.values() for c in per.values()]


def _expected(check, point) -> dict:
    """Each column of the table, read from the Check itself (numbers as the value and its printed digits)."""
    verdict = "OK" if check.passed else ("OK (note)" if point.accepted else "FAIL")
    return {"param": check.name, "oracle": check.oracle, "verdict": verdict,
            "max abs err": check.max_abs_err, "max rel err": check.max_rel_err, "worst entry": check.entry,
            "oracle value": check.oracle_value, "yours": check.candidate_value,
            "over tol": check.over_tolerance, "subgradient": check.subgradient, "near kink": check.near_kink}


def _same(column: str, cell: str, want) -> bool:
    """``cell`` is ``want`` as printed: equal within the digits the column prints, or the same int or string."""
    if column in DIGITS:
        return math.isclose(float(cell), want, rel_tol=10.0 ** (1 - DIGITS[column]), abs_tol=1e-300)
    if isinstance(want, int) and not isinstance(want, bool):
        return int(cell) == want
    return cell == want


def _assert_rows(point, rows: list) -> None:
    """``rows`` ({column: cell}) are the point's checks, one each, every cell equal to its Check's field."""
    assert len(rows) == len(_checks(point))
    by_key = {(r["param"], r["oracle"]): r for r in rows}
    assert len(by_key) == len(rows)
    for check in _checks(point):
        row = by_key[(check.name, check.oracle)]
        assert set(row) == set(PointResult.COLUMNS)
        for column, want in _expected(check, point).items():
            assert _same(column, row[column], want), (point.name, check.name, check.oracle, column, row[column], want)


_FAILURE = re.compile(r"^(?P<oracle>\S+) vs candidate: (?P<entry>.+?): (?P=oracle) (?P<ov>\S+), yours (?P<cv>\S+?)"
                      r"(?: \(.*\))?, (?P<over>\d+) entr(?:y|ies) over tolerance")


def _assert_failure_line(point, line: str) -> None:
    """A failing parameter's line under the table: its first failing oracle's entry, that oracle's
    value first and the candidate's second, as the Check holds them."""
    m = _FAILURE.match(line)
    assert m, line
    check = next(c for c in _checks(point) if not c.passed and c.oracle == m["oracle"] and c.entry == m["entry"])
    assert _same("oracle value", m["ov"], check.oracle_value) and _same("yours", m["cv"], check.candidate_value)
    assert int(m["over"]) == check.over_tolerance


def _failing_params(point) -> int:
    """How many of the point's failure lines are a check's (one per failing parameter or output)."""
    tables = (getattr(point, "forward_checks", {}), point.checks)
    return sum(any(not c.passed for c in per.values()) for table in tables for per in table.values())


# ---------------------------------------------------------------- the text table, by header position

def _header_spans(line: str, columns) -> list:
    spans, at = [], 0
    for col in columns:
        start = line.index(col, at)
        spans.append((start, start + len(col)))
        at = start + len(col)
    return spans


def _cells_under(line: str, columns, spans, left=None) -> dict | None:
    """``{column: cell}`` of one table line (cells: runs of text split by two spaces or more), each
    cell under the header it overlaps: starting where a left-justified header starts, ending where a
    right-justified one ends. None where the line is not a row of this table."""
    cells = {}
    for m in re.finditer(r"\S+(?: \S+)*", line):
        under = [col for col, (s, e) in zip(columns, spans) if m.start() < e and s < m.end()]
        if len(under) != 1 or under[0] in cells:
            return None
        col = under[0]
        s, e = spans[columns.index(col)]
        if left is not None and (m.start() != s if col in left else m.end() != e):
            return None
        cells[col] = m.group()
    return cells


def _text_tables(text: str, columns, left=None, required=None) -> list:
    """Every table of ``columns`` in a text rendering: a list of rows ({column: cell}) per header line,
    up to the first line without a cell under each of ``required`` (every column by default)."""
    lines, tables = text.splitlines(), []
    for i, line in enumerate(lines):
        if line.startswith(columns[0]) and all(c in line for c in columns):
            spans, rows = _header_spans(line, columns), []
            for row in lines[i + 1:]:
                cells = _cells_under(row, columns, spans, left)
                if not cells or not set(required or columns) <= set(cells):
                    break
                rows.append(cells)
            tables.append(rows)
    return tables


def test_every_cell_of_the_text_table_is_its_checks_field_under_its_header(report):
    text = render(report, "table", width=400)
    tables = _text_tables(text, PointResult.COLUMNS, LEFT)
    assert len(tables) == len(report.points)
    for point, rows in zip(report.points, tables):
        _assert_rows(point, rows)


def test_the_line_under_each_text_table_names_the_oracles_value_first_and_the_candidates_second(report):
    text = render(report, "table", width=400)
    lines = [line.strip() for line in text.splitlines() if re.match(r"^  \S+ vs candidate: ", line)]
    assert len(lines) == sum(_failing_params(p) for p in report.points)
    points = [p for p in report.points for _ in range(_failing_params(p))]
    for point, line in zip(points, lines):
        _assert_failure_line(point, line)


# ---------------------------------------------------------------- Markdown and HTML

def _markdown_tables(text: str, first: str) -> list:
    """Every Markdown table whose first header is ``first``: rows of {header: cell}, bold unwrapped."""
    lines, tables = text.splitlines(), []
    for i, line in enumerate(lines):
        if line.startswith(f"| {first} |"):
            header = _pipe_cells(line)
            assert set(lines[i + 1]) == {"|", "-"}
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                cells = _pipe_cells(row)
                assert len(cells) == len(header), row
                rows.append(dict(zip(header, cells)))
            tables.append(rows)
    return tables


def _pipe_cells(line: str) -> list:
    """A Markdown row's cells: split on pipes that are not escaped, ``\\|`` read back as ``|``."""
    inner = line.strip()[1:-1]
    return [re.sub(r"^\*\*(.*)\*\*$", r"\1", c.strip()).replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def test_every_cell_of_the_markdown_tables_is_its_checks_field_under_its_header(report):
    tables = _markdown_tables(render(report, "markdown"), "param")
    assert len(tables) == len(report.points)
    for point, rows in zip(report.points, tables):
        _assert_rows(point, rows)


def test_the_markdown_failure_lines_name_the_oracles_value_first_and_the_candidates_second(report):
    lines = [line[2:] for line in render(report, "markdown").splitlines() if re.match(r"^- \S+ vs candidate: ", line)]
    points = [p for p in report.points for _ in range(_failing_params(p))]
    assert len(lines) == len(points)
    for point, line in zip(points, lines):
        _assert_failure_line(point, line)


class _Tables(HTMLParser):
    """Every <table>: its <th> texts and its rows of <td> texts."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"head": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self._cell = (tag, [])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1].append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell[1])
            (self.tables[-1]["head"] if tag == "th" else self.tables[-1]["rows"][-1]).append(text)
            self._cell = None


def test_every_cell_of_the_html_tables_is_its_checks_field_under_its_header(report):
    parser = _Tables()
    parser.feed(report._repr_html_())
    assert len(parser.tables) == len(report.points)
    for point, table in zip(report.points, parser.tables):
        assert table["head"] == list(PointResult.COLUMNS)
        _assert_rows(point, [dict(zip(table["head"], r)) for r in table["rows"] if r])


# ---------------------------------------------------------------- JSON and JUnit

FIELDS = ("passed", "max_abs_err", "max_rel_err", "worst_index", "candidate_value", "oracle_value", "over_tolerance",
          "subgradient", "near_kink", "kink_value", "interval", "atol", "rtol", "scale", "as_written")


def test_every_field_of_the_json_is_its_checks_own(report):
    points = json.loads(render(report, "json"))["points"]
    assert [p["name"] for p in points] == [p.name for p in report.points]
    for point, d in zip(report.points, points):
        assert [row["name"] for row in d["parameters"]] == list(point.checks)
        tables = [(point.checks, {row["name"]: row["checks"] for row in d["parameters"]})]
        if hasattr(point, "forward_checks"):  # a layer's outputs
            tables.append((point.forward_checks, d["forward"]))
        for checks, written in tables:
            assert list(written) == list(checks)
            for key, per in written.items():
                assert set(per) == set(checks[key])
                for oracle, cells in per.items():
                    check = checks[key][oracle]
                    for name in FIELDS:
                        assert cells[name] == getattr(check, name), (point.name, key, oracle, name)
                    assert cells["candidate_over_oracle"] == check.candidate_value / check.oracle_value


def test_every_junit_testcase_of_a_check_fails_as_its_check_and_its_message_holds_its_values(report):
    root = ET.fromstring(render(report, "junit").split("\n", 1)[1])
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    for point in report.points:
        cases = {c.get("name"): c for c in suites[point.name].iter("testcase")}
        for check in _checks(point):
            case = cases[f"{check.name} vs {check.oracle}"]
            failure = case.find("failure")
            assert (failure is None) == (check.passed or point.accepted)
            if failure is not None:
                m = _FAILURE.match(failure.get("message"))
                assert m and m["oracle"] == check.oracle and m["entry"] == check.entry
                assert _same("oracle value", m["ov"], check.oracle_value)
                assert _same("yours", m["cv"], check.candidate_value)
        for source, agrees in point.loss_agrees.items():
            assert (cases[f"loss {source}"].find("failure") is None) == agrees


# ---------------------------------------------------------------- a gradebook

LESSON = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()
SUBMISSIONS = {
    "db2_mean.py": LESSON.replace("db2 = np.sum(dz2, axis=0, keepdims=True)", "db2 = np.mean(dz2, axis=0, keepdims=True)"),
    "no_mask.py": LESSON.replace("dz1 = da1 * (z1 > 0)", "dz1 = da1"),
    "right.py": LESSON,
    "broken.py": "def backward(:  # does not parse\n",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, real):
    """The gradebook of SUBMISSIONS, and each graded row's report run again in this process."""
    from oracles.harness import run
    from oracles.shells.gradebook import grade
    from reference.model import Spec

    root = tmp_path_factory.mktemp("cells")
    for name, source in SUBMISSIONS.items():
        (root / name).write_text(source)
    targets = [f"{root}/{name}:backward" for name in sorted(SUBMISSIONS)]
    book = grade(Spec(), real, targets, oracles=ORACLES, jobs=1, timeout=30.0)
    reports = {}
    for target in targets:
        namespace = {}
        source = (root / target.rsplit(":", 1)[0].rsplit("/", 1)[1]).read_text()
        try:
            exec(compile(source, target, "exec"), namespace)  # noqa: S102  (the test's own candidates)
        except SyntaxError:
            continue
        reports[target] = run(Spec(), real, namespace["backward"], ORACLES)
    return book, reports


def test_a_gradebook_rows_first_failure_and_diagnosis_are_its_reports(graded):
    book, reports = graded
    verdicts = {r.candidate.rsplit("/", 1)[1]: r.verdict for r in book.rows}
    assert verdicts == {"broken.py:backward": "ERROR", "db2_mean.py:backward": "FAIL", "no_mask.py:backward": "FAIL",
                        "right.py:backward": "PASS"}
    for row in book.rows:
        report = reports.get(row.candidate)
        if report is None:
            assert row.diagnosis == "" and row.first_failure  # could not be loaded: why, as its first failure
            continue
        assert row.passed == report.passed
        failed = next((p for p in report.points if not p.passed), None)
        assert row.first_failure == (failed.failure_lines()[0] if failed else "")
        assert row.diagnosis == (failed.diagnosis[0] if failed else "")
        if failed:  # a failure names an entry against an oracle; a diagnosis is a cause
            assert _FAILURE.match(row.first_failure) and not _FAILURE.match(row.diagnosis)


# the drawn problems of a fuzzed gradebook: right on the points' 768 rows, wrong on any other batch
FUZZED = {"right.py": LESSON, "n_written_in.py": LESSON.replace("dz2 = (y_hat - y) / N", "dz2 = (y_hat - y) / 768")}


@pytest.fixture(scope="module", params=["plain", "fuzzed"])
def book(request, tmp_path_factory, real):
    """A gradebook as graded (SUBMISSIONS), and one with --fuzz (a fuzz column: "N held" or a broken law)."""
    if request.param == "plain":
        return request.getfixturevalue("graded")[0]
    from oracles.shells.gradebook import grade
    from reference.model import Spec

    root = tmp_path_factory.mktemp("fuzzed")
    for name, source in FUZZED.items():
        (root / name).write_text(source)
    fuzzed = grade(Spec(), real, [f"{root}/{name}:backward" for name in sorted(FUZZED)], oracles=ORACLES[:1],
                   jobs=1, timeout=30.0, fuzz=3)
    assert [r.fuzz.endswith(" held") for r in fuzzed.rows] == [False, True]  # a law broken, and "3 held"
    return fuzzed


def _row_cells(book, row) -> dict:
    return {"candidate": row.candidate, "verdict": row.verdict, "first_failure": row.first_failure,
            "diagnosis": row.diagnosis, "seconds": row.seconds, "candidate_seconds": row.candidate_seconds,
            **({"fuzz": row.fuzz} if book.fuzz else {})}


def _assert_book_row(cells: dict, book, row, places: int) -> None:
    """``cells`` ({column: text}) are ``row``'s fields; seconds within the ``places`` decimals printed."""
    for column, want in _row_cells(book, row).items():
        if column not in cells:
            continue
        if isinstance(want, float):
            assert abs(float(cells[column]) - want) <= 0.5 * 10.0 ** -places + 1e-12, (row.candidate, column)
        else:
            assert cells[column] == want, (row.candidate, column, cells[column], want)


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_every_cell_of_the_gradebook_csv_and_markdown_is_its_rows_field_under_its_header(book, fmt):
    text = render(book, fmt)
    (rows,) = [list(csv.DictReader(io.StringIO(text)))] if fmt == "csv" else _markdown_tables(text, "candidate")
    assert len(rows) == len(book.rows)
    for cells, row in zip(rows, book.rows):
        assert set(cells) == set(_row_cells(book, row))
        _assert_book_row(cells, book, row, 3)


def test_every_cell_of_the_gradebook_text_table_is_its_rows_field_under_its_header(book):
    headers = ("candidate", "verdict", "first failure", "diagnosis", "s") + (("fuzz",) if book.fuzz else ())
    (rows,) = _text_tables(render(book, "table", width=2000), headers, left=headers,
                           required=("candidate", "verdict", "s"))  # a row that passed has no failure, no diagnosis
    assert len(rows) == len(book.rows)
    for cells, row in zip(rows, book.rows):
        named = {"first_failure": cells.get("first failure", ""), "diagnosis": cells.get("diagnosis", ""),
                 "candidate": cells["candidate"], "verdict": cells["verdict"], "seconds": cells["s"],
                 **({"fuzz": cells.get("fuzz", "")} if book.fuzz else {})}
        assert set(named) - {"seconds"} <= set(_row_cells(book, row))
        _assert_book_row(named, book, row, 2)


def test_every_field_of_the_gradebook_json_is_its_rows_own(book):
    assert json.loads(render(book, "json"))["candidates"] == [asdict(r) for r in book.rows]


def test_every_gradebook_testcase_carries_its_rows_first_failure_diagnosis_and_fuzz(book):
    root = ET.fromstring(render(book, "junit").split("\n", 1)[1])
    cases = list(root.iter("testcase"))
    assert [c.get("name") for c in cases] == [r.candidate for r in book.rows]
    for case, row in zip(cases, book.rows):
        assert abs(float(case.get("time")) - row.seconds) <= 5e-4
        failure, error = case.find("failure"), case.find("error")
        if row.passed:
            assert failure is None and error is None
            continue
        (what,) = [x for x in (failure, error) if x is not None]
        assert (what.tag == "error") == (row.verdict == "ERROR")
        assert what.get("message") == row.first_failure and what.get("type") == row.verdict
        lines = what.text.splitlines()
        assert lines[0] == row.first_failure
        assert (f"diagnosis: {row.diagnosis}" in lines) == bool(row.diagnosis)
        assert (f"fuzz: {row.fuzz}" in lines) == bool(row.fuzz)


def test_the_junit_fuzz_and_bug_zoo_testcases_carry_their_parts_name_time_and_words(report):
    from dataclasses import replace

    from properties.fuzz import FuzzResult

    fuzz = FuzzResult(examples=12, passed=True, seconds=1.25).to_dict()
    zoo = {"passed": False, "matrix_text": "missing-1-over-n: not caught\nflipped-sign: caught", "seconds": 2.5}
    root = ET.fromstring(render(replace(report, fuzz=fuzz, bug_zoo=zoo), "junit").split("\n", 1)[1])
    for name, part, words in (("fuzz", fuzz, fuzz["summary"]), ("bug zoo", zoo, zoo["matrix_text"])):
        (suite,) = [s for s in root.iter("testsuite") if s.get("name") == name]
        (case,) = suite.iter("testcase")
        assert (case.get("name"), case.get("classname"), case.get("time")) == (name, name, f"{part['seconds']:.3f}")
        failure = case.find("failure")
        assert (failure is None) == part["passed"]
        if failure is not None:
            assert failure.get("message") == words.splitlines()[0] and failure.text == words
