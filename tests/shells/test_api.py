"""``from oracles import check, fuzz``: the same verdicts as the CLI, one clear error per bad argument."""
import json
from pathlib import Path

import pytest

import oracles
from oracles.shells.cli import main
from properties import catalogue

LESSON = Path(__file__).parent.parent / "candidates" / "lesson.py"
FD = "finite-differences"


def lesson_backward():
    namespace = {}
    exec(compile(LESSON.read_text(), str(LESSON), "exec"), namespace)  # as if typed into a notebook cell
    return namespace["backward"]


def test_check_check_layer_and_fuzz_are_the_packages_public_names():
    from oracles.shells import api

    assert oracles.check is api.check and oracles.fuzz is api.fuzz and oracles.check_layer is api.check_layer
    assert sorted(oracles.__all__) == ["check", "check_layer", "fuzz"]


def test_check_gives_the_clis_verdict_on_the_same_data(real_path, capsys):
    report = oracles.check(catalogue.missing_relu_mask, data=str(real_path), oracles=FD)
    main(["--data", str(real_path), "--oracles", FD, "--candidate", "properties.catalogue:missing_relu_mask",
          "--format", "json"])
    cli = json.loads(capsys.readouterr().out)
    ours = json.loads(report.to_json())
    assert ours["passed"] is cli["passed"] is False
    for a, b in zip(ours["points"], cli["points"]):
        assert [p["checks"][FD]["over_tolerance"] for p in a["parameters"]] == \
               [p["checks"][FD]["over_tolerance"] for p in b["parameters"]]


def test_a_function_defined_outside_any_module_is_checked_isolated(real_path):
    report = oracles.check(lesson_backward(), data=str(real_path), oracles=FD)
    assert report.passed
    assert not any("no-isolation" in n for n in report.notes)


def test_isolate_false_runs_in_process_and_says_so(real_path):
    report = oracles.check(lesson_backward(), data=str(real_path), oracles=FD, isolate=False)
    assert report.passed
    assert any("--no-isolation" in n for n in report.notes)


def test_the_stand_in_asked_for_is_named_in_the_report():
    report = oracles.check(lesson_backward(), data="synthetic", oracles=FD)
    assert report.data["source"] == "synthetic"
    assert any("data=PATH" in n for n in report.notes)


@pytest.mark.parametrize("argument, value, error, words", [
    ("hidden", "16x", ValueError, "hidden"),
    ("hidden", [16, 1.5], TypeError, "hidden"),
    ("activation", "gelu", ValueError, "activation"),
    ("dtype", "float16", ValueError, "dtype"),
    ("oracles", ["torch", "torch"], ValueError, "oracles"),
    ("oracles", "tensorflow", ValueError, "oracles"),
    ("seed", -1, ValueError, "seed"),
    ("seed", 2**70, ValueError, "seed"),
    ("timeout", 0, ValueError, "timeout"),
    ("memory", "12", ValueError, "memory"),
    ("data", 3, TypeError, "data"),
    ("data", "/no/such/file.csv", ValueError, "data: /no/such/file.csv: file not found"),
    ("isolate", "yes", TypeError, "isolate"),
])
def test_a_bad_argument_raises_one_error_naming_it_before_anything_runs(argument, value, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        oracles.check(lesson_backward(), **{argument: value})


def test_a_backward_that_is_not_a_function_is_a_type_error():
    with pytest.raises(TypeError, match="backward"):
        oracles.check(None)


def test_fuzz_returns_a_result_that_renders_its_counterexample_and_replay_command():
    result = oracles.fuzz(catalogue.hard_coded_n, 30, oracles=FD, progress=False)
    assert not result.passed
    html = result._repr_html_()
    assert "fuzz: FAIL" in html and result.counterexample["problem"] in html
    assert "compare-frameworks --replay" in html and "catalogue.py:hard_coded_n" in html


def test_fuzz_of_a_correct_backward_holds_every_law():
    result = oracles.fuzz(lesson_backward(), 10, oracles=FD, progress=False)
    assert result.passed and result.examples == 10


def test_a_report_renders_as_html_and_markdown_with_the_verdict_first(real_path):
    report = oracles.check(catalogue.missing_relu_mask, data=str(real_path), oracles=FD)
    html, markdown = report._repr_html_(), report._repr_markdown_()
    assert html.index("FAIL") < html.index("<table")
    assert markdown.startswith("# compare-frameworks: FAIL")
    for text in (html, markdown):
        assert "diagnosis:" in text and "kinks:" in text and str(real_path) in text


def test_the_plots_w1_panel_is_the_8_by_16_grid_over_tolerance_exactly_where_the_check_says(real_path):
    import matplotlib.pyplot as plt
    import numpy as np

    report = oracles.check(catalogue.missing_relu_mask, data=str(real_path), oracles=FD)
    figure = report.plot()
    panel = figure.axes[0]
    grid = panel.get_images()[0].get_array()
    assert grid.shape == (8, 16)
    over = np.asarray(grid) > 0  # log10 of error over tolerance: above 0 fails
    check = report.points[0].checks["W1"][FD]
    assert int(over.sum()) == check.over_tolerance
    assert over[tuple(check.worst_index)]
    plt.close(figure)


def test_a_terminal_ipython_shows_the_text_table(real_path):
    from IPython.lib.pretty import pretty

    report = oracles.check(catalogue.missing_relu_mask, data=str(real_path), oracles=FD)
    shown = pretty(report)
    assert shown.splitlines()[0] == report.header() and "FAIL: point lesson-init" in shown
    assert pretty(oracles.fuzz(catalogue.hard_coded_n, 20, oracles=FD, progress=False)).startswith("fuzz: FAILED")


def test_the_fuzz_progress_bar_shows_in_a_notebook_or_terminal_and_stays_silent_otherwise(monkeypatch):
    import io

    from oracles.shells import api

    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a terminal, and no notebook kernel here
    assert api._interactive() is False
    assert api.progress_mode(None) is None and api.progress_mode(False) is None
    with api.ProgressBar(10, show=False) as advance:
        assert advance is None
    bar = api.ProgressBar(10, "bar")
    with bar as advance:
        advance(5)
        assert bar.progress.tasks[0].completed == 5


def test_piped_progress_is_a_plain_line_on_standard_error_every_tenth_of_the_way(monkeypatch, capsys):
    from oracles.shells import api

    assert api.progress_mode(None, piped=True) == "lines" and api.progress_mode(True) == "lines"
    with api.ProgressBar(200, "lines", "fuzz") as advance:
        for n in range(1, 231):  # hypothesis's shrinking runs past the count asked for: no line for those
            advance(n)
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == api.LINES
    assert [line.split(" (")[0] for line in lines] == [f"fuzz: {n} of 200" for n in range(20, 201, 20)]


def test_a_shrunk_fuzz_failure_names_no_more_causes_than_the_fixed_points(real_path):
    """A missing 1/N shrinks to N = 2, D = 1, where a missing 1/N, a factor D and a stray 2 are
    the same number; the diagnosis is told apart on a larger problem, while the replay line keeps
    the shrunk one."""
    def causes(lines) -> list:
        return [line for line in lines if line.startswith("diagnosis: ")]

    fixed = oracles.check(catalogue.missing_1_over_n, data=str(real_path), oracles=FD)
    at_fixed = causes(fixed.points[0].verdict_lines())
    result = oracles.fuzz(catalogue.missing_1_over_n, 30, oracles=FD, progress=False)
    shrunk = result.counterexample
    said = causes(part.strip() for law in shrunk["laws"] for part in law["lines"])
    assert shrunk["N"] == 2 and "N=2" in shrunk["repro"]  # still the shrunk problem to replay
    assert len(at_fixed) == len(said) == 1
    assert "a missing 1/N" in at_fixed[0] and "a missing 1/N (x2)" in said[0] and not said[0].startswith("diagnosis: either")


def test_the_telling_problem_keeps_the_shrunk_problems_kind_and_makes_its_sizes_distinct():
    from properties.fuzz import telling
    from properties.strategies import Problem

    shrunk = Problem(sizes=(1, 1, 1), activation="relu", dtype="float64", N=2, seed=0, scale=1.0, kink="on")
    grown = telling(shrunk)
    D, H, C = grown.sizes
    assert (grown.activation, grown.seed, grown.kink, C) == ("relu", 0, "on", 1)
    assert len({D, H, C, 2, grown.N, grown.N - 1, grown.N + 1}) == 7  # no factor the diagnosis names coincides
    assert grown.N not in (2 * D, 2 * H) and D >= 1 and H >= 1


def test_the_replay_of_a_shrunk_failure_names_the_cause_the_fuzz_named(capsys):
    line = "sizes=1,1,1 activation=relu dtype=float64 N=2 seed=0 scale=1.0 labels=both kink=none saturate=0"
    code = main(["--replay", line, "--candidate", "properties.catalogue:missing_1_over_n", "--oracles", FD])
    out = capsys.readouterr().out
    said = [l.strip() for l in out.splitlines() if l.strip().startswith("diagnosis: ")]
    assert code == 1 and len(said) == 1 and "a missing 1/N (x2)" in said[0]
    assert "note: the diagnosis held also on sizes=3,4,1" in out and "N=2 seed=0" in out
