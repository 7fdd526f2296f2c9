"""issue 12, item 8: the report's words, each behaviour checked where a user reads it (text, Markdown,
JSON, the CLI's streams): one value order, labelled; one name per quantity; plurals; the kinks line
in Markdown; where --plot wrote; each diagnosis once under --replay; a fuzz failure on several lines.

(Elsewhere: ratios' digits in test_diagnosis, the narrow terminal and the checkout's own data file
in test_cli, one line per skip reason in test_fold_skips.)"""
import json
import re

import pytest

from oracles.shells.api import check
from oracles.shells.cli import main
from oracles.compare import ratio_words
from properties import catalogue
from properties.fuzz import FuzzResult
from reference.model import backward

FD = "finite-differences"


def doubled_db2(params, X, y):
    """The lesson's backward with db2 doubled: exactly one wrong entry."""
    grads = backward(params, X, y)
    return {**grads, "b2": 2 * grads["b2"]}


@pytest.fixture(scope="module")
def one_wrong(real_path):
    return check(doubled_db2, data=str(real_path), oracles=FD, isolate=False)


@pytest.fixture(scope="module")
def mask(real_path):
    return check(catalogue.missing_relu_mask, data=str(real_path), oracles=FD, isolate=False)


def test_one_wrong_entry_is_one_entry_never_one_entries(one_wrong, mask):
    text = one_wrong.to_text()
    assert "1 entry over tolerance" in text and not re.search(r"\b1 entries\b", text), text
    many = mask.to_text()
    assert re.search(r"\b\d\d+ entries over tolerance", many) and not re.search(r"\b1 entries\b", many)


def test_values_read_oracle_first_then_yours_labelled_everywhere(mask):
    text, markdown = mask.to_text(), mask.to_markdown()
    for header in [line for line in text.splitlines() if "oracle value" in line] + \
                  [line for line in markdown.splitlines() if "oracle value" in line]:
        assert header.index("oracle value") < header.index("yours"), header
    summary = [line for line in text.splitlines() if " vs candidate: " in line]
    assert summary
    for line in summary:  # "finite-differences vs candidate: W1[i, j]: finite-differences 0.0001, yours 0.02 (..x)"
        assert re.search(rf"\]: {FD} \S+, yours \S+", line), line
    check_ = mask.points[0].checks["W1"][FD]
    assert f"{FD} {check_.oracle_value:.6g}, yours {check_.candidate_value:.6g}" in text


def test_each_quantity_has_one_name_in_the_text_and_the_json(mask):
    text, data = mask.to_text(), json.loads(json.dumps(mask.to_dict()))
    row = next(r for r in data["points"][0]["parameters"] if r["name"] == "W1")
    c = row["checks"][FD]
    # the text's "(..x)" is the JSON's candidate_over_oracle, the table's "over tol" its over_tolerance
    assert f"({ratio_words(c['candidate_over_oracle'])})" in text
    assert f"{c['over_tolerance']} entries over tolerance" in text
    table = next(line for line in text.splitlines() if re.match(rf"^W1 +{FD} +FAIL", line) or
                 re.match(rf"^{FD} +FAIL +W1\[", line))
    assert table.split()[-1] == str(c["over_tolerance"]) or str(c["over_tolerance"]) in table.split()
    assert "worst_ratio" not in json.dumps(data)  # the old name that meant error over tolerance
    assert {"candidate_value", "oracle_value", "over_tolerance", "worst_over_tolerance",
            "candidate_over_oracle"} <= set(c)


def test_markdown_carries_the_kinks_line_and_the_diagnosis(mask):
    markdown, text = mask.to_markdown(), mask.to_text()
    kinks = [line for line in text.splitlines() if line.startswith("kinks:")]
    assert kinks and all(line in markdown.splitlines() for line in kinks)
    assert "no activation derivative" in markdown


def test_plot_says_where_it_wrote(capsys, real_path, tmp_path):
    target = tmp_path / "where.png"
    code = main(["--data", str(real_path), "--candidate", "properties.catalogue:missing_relu_mask",
                 "--oracles", FD, "--plot", str(target)])
    out, err = capsys.readouterr()
    assert code == 1 and target.is_file()
    assert f"plot written to {target}" in err and "plot written" not in out  # stdout stays the report


def test_replay_prints_each_diagnosis_once(capsys):
    code = main(["--replay", "sizes=3,4,1 N=5 seed=1", "--candidate", "properties.catalogue:missing_relu_mask"])
    out = capsys.readouterr().out
    diagnoses = [line.strip() for line in out.splitlines() if line.strip().startswith("diagnosis:")]
    assert code == 1 and diagnoses
    assert len(diagnoses) == len(set(diagnoses)), out
    assert sum("no activation derivative" in line for line in diagnoses) == 1, out


def test_a_fuzz_failure_reads_on_several_short_lines():
    message = (f"{FD} vs candidate: b2[0, 0]: {FD} -0.473799, yours -0.000616926 (0.00130208x), 1 entry over "
               "tolerance (also against torch, jax) | finite differences, jax, torch agree with each other but not "
               "with the candidate: the candidate is wrong | diagnosis: db2 is 0.00130208x the right value: a "
               "hard-coded batch size")
    problem = "sizes=1,1,1 activation=relu dtype=float64 N=1 seed=0 scale=1.0 labels=both kink=none saturate=0"
    law = {"law": "agreement", "message": message, "lines": message.split(" | ")}  # as fuzz records a violation
    result = FuzzResult(12, False, 1.0, {"problem": problem, "laws": [law],
                                         "repro": f"compare-frameworks --replay '{problem}' --candidate mine.py:backward"})
    lines = result.summary().splitlines()
    assert len(lines) >= 5
    assert lines[1].strip() == problem  # the line --replay takes, alone
    assert not any(" | " in line for line in lines)
    assert all(len(line) <= 200 for line in lines) and max(len(line) for line in lines) < len(message)
    assert lines[-1].startswith("reproduce: compare-frameworks --replay")
