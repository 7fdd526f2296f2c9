"""What the report says (oracles/report.py): the loss table, JSON's names, the header, what was printed.

One run of a candidate whose gradients are right and whose returned loss is twice the lesson's
(the README's "loss-summed"-like case, at 2x), checked against torch only: every expected value
below follows from that construction (the loss must DIFFER, every gradient must pass).
"""
from __future__ import annotations

import html
import json
import math

import numpy as np
import pytest

from oracles.report import PLOT_FLOOR, Report, _finite
from reference.model import Spec, backward, loss


def _twice(params, X, y):
    print("hello")
    return 2 * loss(params, X, y, "relu"), backward(params, X, y, "relu")


@pytest.fixture(scope="module")
def report(real):
    from oracles.harness import run

    return run(Spec(), real, _twice, ("torch",))


def test_the_loss_line_and_table_mark_the_candidates_loss_as_differing_and_torchs_as_agreeing(report):
    for p in report.points:
        line = p.loss_line()
        assert " candidate " in line and line.split("candidate ")[1].endswith("DIFFERS")
        assert "torch " in line and line.split("torch ")[1].split()[1] == "ok"
        assert line.startswith("loss  reference ")
    md = report.to_markdown()
    reference = report.points[0].losses["reference"]
    assert f"| candidate | {2 * reference:.12g} | NO |" in md
    assert f"| torch | {report.points[0].losses['torch']:.12g} | yes |" in md
    assert f"| reference | {reference:.12g} |  |" in md


def test_the_json_names_each_parameter_with_its_shape(report):
    d = json.loads(report.to_json())
    rows = d["points"][0]["parameters"]
    assert [(r["name"], r["shape"]) for r in rows] == [("W1", [8, 16]), ("b1", [1, 16]), ("W2", [16, 1]), ("b2", [1, 1])]
    assert all(r["checks"]["torch"]["passed"] for r in rows)
    assert "convention" not in d  # spoken only when the candidate had one
    assert d["points"][0]["kinks"]["W1"] == {"subgradient": 0, "near_kink": 0, "kink_value": None}


def test_the_json_has_the_keys_design_md_and_the_readme_name_and_no_others(report):
    # DESIGN.md, "The report as JSON", and README, "The JSON report": what tools reading it may rely on
    d = json.loads(report.to_json())
    assert set(d) == {"passed", "candidate", "data", "spec", "oracles", "fd_mode", "points", "fuzz", "bug_zoo",
                      "timings_s", "versions", "notes"}
    assert set(d["points"][0]) == {"name", "about", "passed", "loss", "loss_agrees", "violation", "nondeterministic",
                                   "parameters", "agreement", "diagnosis", "output", "kinks", "findings", "accepted"}
    assert d["points"][0]["loss_agrees"] == {"torch": True, "candidate": False}  # the candidate's loss is 2x


def test_the_json_carries_the_convention_when_there_is_one(report):
    from dataclasses import replace

    spoken = replace(report, convention={"name": "cs231n", "key_style": "W1",
                                         "parameters": {k: (k, (1,)) for k in ("W1", "b1", "W2", "b2")}})
    d = spoken.to_dict()
    assert d["convention"] == {"name": "cs231n", "key_style": "W1"}
    assert d["points"][0]["parameters"][0]["as_written"] == {"name": "W1", "shape": [1]}


def test_what_the_candidate_printed_is_counted_and_shown(report):
    lines = report.output_lines()
    assert lines[0] == f"{report.candidate} printed 2 lines:"  # one print at each of the two points
    assert lines[1:] == ["  | hello", "  | hello"]
    assert f"{report.candidate} printed 2 lines:\n  | hello\n  | hello\n" in report.to_text()  # the table report too


def test_the_header_names_a_target_range_and_a_non_lesson_head():
    r = Report(data={"source": "d.csv", "rows": 3, "features": 2}, candidate="c", oracles=[], points=[],
               timings_s={}, versions={},
               spec={"sizes": [2, 4, 1], "activation": "tanh", "dtype": "float32", "loss": "mse",
                     "reduction": "sum", "l2": 0.0, "l2_form": "weight_decay"})
    # no target range known: nan .. nan
    assert r.header() == ("candidate c | data d.csv (3 rows, 2 features; target nan .. nan) | network 2-4-1 "
                          "tanh float32 | head mse sum")
    from dataclasses import replace

    decayed = replace(r, spec=dict(r.spec, loss="bce", reduction="mean", l2=0.01))  # the lesson's head but for L2
    assert decayed.header().endswith("tanh float32 | head bce mean l2 0.01 (weight_decay)")
    assert replace(r, spec=dict(decayed.spec, l2=0.0)).header().endswith("tanh float32")  # the lesson's head: unsaid


def test_the_header_names_a_packaged_data_set_once():
    r = Report(data={"source": "iris (packaged)", "packaged": "iris", "rows": 150, "features": 4}, candidate="c",
               oracles=[], points=[], timings_s={}, versions={},
               spec={"sizes": [4, 16, 3], "activation": "relu", "dtype": "float64", "loss": "softmax",
                     "reduction": "mean", "l2": 0.0, "l2_form": "weight_decay"})
    assert "| data the packaged iris data (150 rows, 4 features; " in r.header()


def test_json_writes_non_finite_numbers_as_null_at_any_depth():
    assert _finite({"a": [1.0, float("nan"), {"b": float("inf")}], "c": 2}) == {"a": [1.0, None, {"b": None}], "c": 2}
    assert not math.isnan(_finite(0.5))


def test_with_every_entry_within_ten_tolerances_the_plots_colour_scale_tops_at_ten(report):
    import matplotlib.pyplot as plt

    assert all(float(c.ratios.max()) < 10 for p in report.points for per in p.checks.values() for c in per.values())
    figure = report.plot()
    assert figure.axes[0].get_images()[0].norm.vmax == 1.0  # log10 of 10 tolerances: the scale never shrinks below
    plt.close(figure)


def test_the_fuzz_summary_is_printed_whole_in_the_table_and_fenced_in_markdown(report):
    from dataclasses import replace

    summary = "FAILED after 3 examples; the shrunk counterexample:\n  " + "sizes=8,16,1 " * 40  # one 520-character line
    fuzzed = replace(report, fuzz={"summary": summary, "passed": False})
    assert f"\nfuzz: {summary}\n" in fuzzed.to_text(width=80)  # never wrapped, however narrow the terminal
    assert f"## fuzz\n\n```\n{summary}\n```\n" in fuzzed.to_markdown()


def _wrong_db2(params, X, y):
    print("hello")
    grads = backward(params, X, y)
    grads["b2"] = grads["b2"] + 1.0
    return grads


@pytest.fixture(scope="module")
def kinked():
    """A run of a candidate whose db2 is 1.0 off (and which prints a line), against torch, at two
    points on data made here: at the first, unit 1's bias is exactly 0 on a row of zeros (a kink)."""
    from oracles.candidate import InProcess
    from oracles.harness import Point, run
    from reference.data import Dataset
    from reference.model import random_params

    spec = Spec((3, 4, 1), "relu")
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 3))
    X[0] = 0.0  # row 0 meets the hidden layer at its biases alone
    y = (rng.random((6, 1)) < 0.5).astype(float)
    params = random_params(spec, 1, 1.0)
    params["b1"][0, 1] = 0.0  # unit 1 sits exactly at its kink on row 0
    points = [Point("kinked", params, "b1[1] = 0"), Point("plain", random_params(spec, 2, 1.0), "generic")]
    return run(spec, Dataset(X, y, "made here"), InProcess("wrong_db2", _wrong_db2), oracles=("torch",),
               points=points)


def test_the_plot_has_a_panel_per_point_and_parameter_titled_by_its_count_over_and_marks_each_decided_kink(kinked):
    """Report.plot on a run with one wrong parameter and one bias exactly at a kink: a row per point,
    a panel per parameter, each titled with its point, name, shape and how many entries are over
    (red) or "within tolerance"; an x exactly where a subgradient interval decided; the verdict,
    candidate and network in the figure's title; the colour scale's centre is the tolerance."""
    import matplotlib.pyplot as plt

    report = kinked
    assert report.points[0].checks["b1"]["torch"].at_kink.tolist() == [[False, True, False, False]]
    figure = report.plot()
    panels = [ax for ax in figure.axes if ax.get_images()]
    assert len(panels) == 2 * 4
    titles = [ax.get_title() for ax in panels]
    assert titles == [f"{p} {k} {shape}\n{'1 over tolerance' + chr(10) + 'vs torch' if k == 'b2' else 'within tolerance'}"
                      for p in ("kinked", "plain")
                      for k, shape in (("W1", "3x4"), ("b1", "1x4"), ("W2", "4x1"), ("b2", "1x1"))]
    red = [ax.title.get_color() == "#cf222e" for ax in panels]
    assert red == [k == "b2" for _ in range(2) for k in ("W1", "b1", "W2", "b2")]
    marks = {title: ax.collections[0].get_offsets().tolist() for title, ax in zip(titles, panels)}
    assert marks["kinked b1 1x4\nwithin tolerance"] == [[1.0, 0.0]]  # column 1, row 0
    assert all(not m for t, m in marks.items() if t != "kinked b1 1x4\nwithin tolerance")
    assert figure._suptitle.get_text() == ("FAIL: point kinked, point plain | wrong_db2 (3-4-1 relu float64)\n"
                                           "each entry: the worst error over tolerance of torch")
    norm = panels[0].get_images()[0].norm
    assert norm.vcenter == 0.0 and norm.vmin == np.log10(PLOT_FLOOR)
    worst = max(float(p.checks["b2"]["torch"].ratios.max()) for p in report.points)  # db2 is 1.0 off: far over
    assert worst > 10 and norm.vmax == pytest.approx(np.log10(worst))  # the scale reaches the worst entry
    bar = next(ax for ax in figure.axes if not ax.get_images())  # the colour bar says what the colours are
    assert bar.get_ylabel() == "error / tolerance (above 1 fails; x: decided at a kink)"
    assert bar.yaxis.get_major_formatter()(0.0, 0) == "1"  # the bar's ticks read as ratios, not logarithms
    assert not plt.fignum_exists(figure.number)  # closed from pyplot: a notebook shows it once, as the cell's result


def test_the_plot_draws_a_bias_as_a_strip_and_names_the_candidates_file_not_its_path(kinked):
    from dataclasses import replace

    figure = replace(kinked, candidate="/home/someone/hw/backprop.py:backward").plot()
    panels = {ax.get_title().split("\n")[0]: ax for ax in figure.axes if ax.get_images()}
    figure.canvas.draw()  # square cells: each panel's drawn box has its array's proportions

    def drawn(title: str) -> float:
        box, (width, height) = panels[title].get_position(), figure.get_size_inches()  # as drawn
        return (box.height * height) / (box.width * width)

    assert drawn("kinked b1 1x4") == pytest.approx(1 / 4, rel=0.05)  # a strip, one cell high
    assert drawn("kinked W1 3x4") == pytest.approx(3 / 4, rel=0.05)
    assert drawn("kinked W2 4x1") == pytest.approx(4, rel=0.05)  # a column vector: a narrow column
    title = figure._suptitle.get_text()
    assert "| backprop.py:backward (3-4-1" in title and "/home/someone" not in title


def _in_order(text: str, fragments: list) -> None:
    """Each fragment occurs in ``text`` after the one before it."""
    at = 0
    for fragment in fragments:
        found = text.find(fragment, at)
        assert found >= 0, f"{fragment!r} not found after position {at} of:\n{text}"
        at = found + len(fragment)


KINK_LINE = ("kinks: 1 decided by a subgradient interval (a pre-activation exactly at 0) (b1 1); the candidate's "
             "relu'(0) reads as 0; none excused")


def _everything(report):
    """``report`` with every section filled: a contract and a determinism line at its first point,
    a finite-difference mode, a note, timings, versions, a failed fuzz and a failed bug zoo."""
    from dataclasses import replace

    first = replace(report.points[0], violation="a VIOLATION", nondeterministic="not deterministic: CALLS")
    return replace(report, points=[first, *report.points[1:]], fd_mode="exhaustive: every entry",
                   notes=["a NOTE"], timings_s={"torch": 0.5, "total": 1.25},
                   versions={"numpy": "2.0", "torch": "2.13"},
                   fuzz={"passed": False, "summary": "FUZZ summary"},
                   bug_zoo={"passed": False, "matrix_text": "ZOO as text", "matrix_markdown": "ZOO in markdown"})


VERDICT = "FAIL: point kinked, point plain, fuzz, bug zoo"
WRONG_B2 = "torch vs candidate: b2[0, 0]"


def test_the_text_report_has_every_section_in_order(kinked):
    text = _everything(kinked).to_text(width=1000)  # every table whole: its layout is the next test's
    _in_order(text, [
        "candidate wrong_db2 | data made here (6 rows, 3 features", "finite differences: exhaustive",
        "note: a NOTE", "wrong_db2 printed 2 lines:", "  | hello", "  | hello",
        "point kinked: b1[1] = 0", "loss  reference ", "param", "b2", "FAIL", KINK_LINE,
        f"  contract: a VIOLATION\n  not deterministic: CALLS\n  {WRONG_B2}",
        "point plain: generic", f"  {WRONG_B2}",
        "\nfuzz: FUZZ summary", "\nZOO as text", "\ntimings (s): torch 0.500, total 1.250\n",
        "versions: numpy 2.0, torch 2.13\n", f"{VERDICT}\n"])
    assert text.count(KINK_LINE) == 1  # the plain point has no kink


def _tables(text: str) -> list:
    """Each table of a text report: its header line and its rows (a row starts with a parameter's
    name in the full table, with the oracle's in the folded one)."""
    lines, out = text.splitlines(), []
    for i, line in enumerate(lines):
        if line.startswith(("param ", "oracle ")):
            rows = []
            for row in lines[i + 1:]:
                if row[:1].isspace() or not row.split() or row.split()[0] not in ("W1", "b1", "W2", "b2", "torch"):
                    break
                rows.append(row)
            out.append([line, *rows])
    return out


@pytest.mark.parametrize("width", [80, 120, 200])
def test_each_table_is_whole_where_it_fits_and_folds_to_the_locating_columns_where_it_does_not(kinked, width):
    """The width rule of Report.to_text, at an explicit width (never the terminal's): a table whose
    natural width fits is printed whole, names flush left and numbers flush right; one that does
    not keeps only the columns that locate the error, whole. Prose lines are never wrapped."""
    from oracles.report import COMPACT

    report = _everything(kinked)
    natural = [len(table[0]) for table in _tables(report.to_text(width=1000))]
    assert len(natural) == 2 and all(80 < n <= 200 for n in natural)  # so 80 folds both, 200 folds neither
    text = report.to_text(width=width)
    tables = _tables(text)
    assert len(tables) == 2
    for table, full in zip(tables, natural):
        assert len({len(line) for line in table}) == 1  # every row ends at the table's edge
        assert len(table) == 1 + 4  # a header and a row per parameter
        if full <= width:
            assert table[0].split()[:2] == ["param", "oracle"] and len(table[0]) == full
            assert [line[:7] for line in table[1:]] == ["W1     ", "b1     ", "W2     ", "b2     "]  # flush left
        else:
            assert table[0].split() == " ".join(COMPACT).split() and len(table[0]) <= width
            assert [line.split()[0] for line in table[1:]] == ["torch"] * 4
            assert [line.split()[2].split("[")[0] for line in table[1:]] == ["W1", "b1", "W2", "b2"]  # the entry names it
    assert KINK_LINE in text  # 132 characters: whole at every width


def test_the_verdict_names_what_failed_and_only_that(kinked):
    from dataclasses import replace

    passed = {"passed": True, "summary": "", "matrix_text": "", "matrix_markdown": ""}
    assert replace(kinked, fuzz=passed, bug_zoo=passed).verdict() == "FAIL: point kinked, point plain"
    assert replace(kinked, points=[], fuzz={"passed": False}, bug_zoo=passed).verdict() == "FAIL: fuzz"
    assert replace(kinked, points=[], fuzz=passed, bug_zoo={"passed": False}).verdict() == "FAIL: bug zoo"
    assert replace(kinked, points=[], fuzz=passed, bug_zoo=passed).verdict() == "PASS: every check agrees"


def test_the_markdown_report_has_every_section_in_order(kinked):
    text = _everything(kinked).to_markdown()
    _in_order(text, [
        "# compare-frameworks: FAIL\n\ncandidate wrong_db2 | data made here", "finite differences: exhaustive",
        "> note: a NOTE", "wrong_db2 printed 2 lines:\n\n```\nhello\nhello\n```",
        "## kinked\n\nb1[1] = 0", "| source | loss | agrees |", "| torch |", "| param | oracle |",
        "| b2 | torch | **FAIL** |", KINK_LINE,
        f"\n- contract: a VIOLATION\n- not deterministic: CALLS\n- {WRONG_B2}",
        "## plain\n\ngeneric", "| b2 | torch | **FAIL** |", f"\n- {WRONG_B2}",
        "## fuzz\n\n```\nFUZZ summary\n```", "## bug zoo\n\nZOO in markdown",
        "timings (s): torch 0.500, total 1.250\n", "versions: numpy 2.0, torch 2.13\n"])
    assert text.count(KINK_LINE) == 1 and text.endswith("\n\nversions: numpy 2.0, torch 2.13\n")  # the last line


def test_the_html_report_has_every_section_in_order_with_failing_rows_in_red(kinked):
    from dataclasses import replace

    text = _everything(kinked)._repr_html_()
    red_b2 = '<tr style="color:#cf222e;font-weight:bold"><td>b2</td>'
    _in_order(text, [
        f'<h2 style="color:#cf222e">{VERDICT}</h2>', "<p>candidate wrong_db2 | data made here",
        "<p>finite differences: exhaustive", "<em>note: a NOTE</em>",
        "<p>wrong_db2 printed 2 lines:</p><pre>hello\nhello</pre>",
        "<h3>kinked: FAIL</h3><p>b1[1] = 0</p>", "<code>loss  reference ",
        "<table><thead><tr><th>param</th><th>oracle</th><th>verdict</th><th>max abs err</th>", red_b2,
        html.escape(KINK_LINE), f"<ul><li>contract: a VIOLATION</li><li>not deterministic: CALLS</li><li>{WRONG_B2}",
        "<h3>plain: FAIL</h3><p>generic</p>", red_b2, "<h3>fuzz</h3><pre>FUZZ summary</pre>", "</div>"])
    assert text.count("<tr style=") == 2 and text.count("<tr><td>") == 2 * 4 - 2  # only the failing rows are red
    assert text.count("<tr") == text.count("</td></tr>") + 2 == 2 * 4 + 2  # a closed row per check, a head per table
    passing = replace(kinked, points=[])._repr_html_()
    assert passing.startswith('<div class="backprop-report"><h2 style="color:#1a7f37">PASS')


def test_with_nothing_checked_the_plot_is_one_empty_panel_under_the_verdict(kinked):
    import matplotlib.pyplot as plt
    from dataclasses import replace

    unchecked = replace(kinked, points=[replace(p, checks={}, violation="the grads have the wrong keys")
                                        for p in kinked.points])  # a contract broken at every point
    figure = unchecked.plot()
    assert len(figure.axes) == 1 and not figure.axes[0].get_images()
    assert figure._suptitle.get_text().startswith("FAIL: point kinked, point plain | wrong_db2")
    plt.close(figure)
