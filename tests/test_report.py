"""What the report says (oracles/report.py): the loss table, JSON's names, the header, what was printed.

One run of a candidate whose gradients are right and whose returned loss is twice the lesson's
(the README's "loss-summed"-like case, at 2x), checked against torch only: every expected value
below follows from that construction (the loss must DIFFER, every gradient must pass).
"""
from __future__ import annotations

import json
import math

import pytest

from oracles.report import Report, _finite
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


def test_json_writes_non_finite_numbers_as_null_at_any_depth():
    assert _finite({"a": [1.0, float("nan"), {"b": float("inf")}], "c": 2}) == {"a": [1.0, None, {"b": None}], "c": 2}
    assert not math.isnan(_finite(0.5))


def test_the_fuzz_summary_is_printed_whole_in_the_table_and_fenced_in_markdown(report):
    from dataclasses import replace

    summary = "FAILED after 3 examples; the shrunk counterexample:\n  " + "sizes=8,16,1 " * 40  # one 520-character line
    fuzzed = replace(report, fuzz={"summary": summary, "passed": False})
    assert f"\nfuzz: {summary}\n" in fuzzed.to_text(width=80)  # never wrapped, however narrow the terminal
    assert f"## fuzz\n\n```\n{summary}\n```\n" in fuzzed.to_markdown()
