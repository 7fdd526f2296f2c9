"""Generalization, measured honestly: held-out buggy backwards the catalogue does not contain.

batch1 was written before the grammar was extended (its first figures are the README's
"before"); batches 2 to 7 were each written after a round of rules and measured untouched.
Batches 4 to 7 also run the softmax and mse heads (iris, wine, digits, diabetes_progression)
and the cs231n, deeplearning-ai and torch layouts. Batches 8 and 9 were written before the
diagnosis learned L2 terms, softmax pieces, deeper networks, precision and NaN origins (ids it
does not have yet are listed in tests/heldout/NEW_IDS.md); their floor is the "before" figure.
"""
from types import SimpleNamespace

import pytest

from oracles.mistakes import ALL_IDS
from properties.heldout import HEADS, ROOT, Case, grade, load_cases, measure, summary, table


# issue 12: at least 90% right, no wrong cause, no false alarm. A batch's floor is its figure
# measured untouched when the goal was not met then, never the goal: batch2 12/14 (86%), batch4
# 16/17 (94%), batch5 11/12 (92%, with one wrong cause then, since fixed: 12/12), batch6 9/10 (90%);
# batch7 was measured untouched at 8/8.
# batch3 was measured untouched at 11/12, then the stale-forward rule grew its partial forms (12/12).
# batch8 (10/20) and batch9 (9/23) were measured before the diagnosis learned L2, softmax pieces,
# depth, precision and NaN origins: a measurement, its floor today's figure, not the goal.
# batch10 (L2 forms, softmax pieces, mse's pieces, a summed loss) was written before the diagnosis
# learned L2 terms and softmax pieces and measured then at 11/21 with one wrong cause. After it
# learned them (developed on batch8 only): batch8 20/20, batch10 19/21.
# batch11 (deep nets, per-layer derivatives, factor products, precision, noise, NaN origins, layout
# contracts) was written before the diagnosis learned them and measured then at 3/20. After per-layer
# derivatives, factor products, precision, noise, NaN origins and bias contracts: batch9 22/23 (its
# development set), batch11 19/20 (see tests/heldout/README.md for how untouched that is).
GOAL_RIGHT = {"batch1": 0.9, "batch2": 12 / 14, "batch3": 0.9, "batch4": 16 / 17, "batch5": 11 / 12,
              "batch6": 9 / 10, "batch7": 1.0, "batch8": 20 / 20, "batch9": 22 / 23, "batch10": 19 / 21,
              "batch11": 19 / 20}


@pytest.fixture(scope="module", params=list(GOAL_RIGHT))
def graded(request, real):
    return request.param, measure(real, request.param)  # the other heads' files: the packaged ones


def test_at_least_90_percent_of_held_out_diagnoses_are_right(graded):
    batch, graded = graded
    assert summary(graded)["right_share_all"] >= GOAL_RIGHT[batch], table(graded)


def test_no_held_out_diagnosis_names_a_wrong_cause(graded):
    _, graded = graded
    assert summary(graded)["wrong cause"] == 0, table(graded)


def test_no_correct_held_out_backward_raises_a_false_alarm(graded):
    _, graded = graded
    assert summary(graded)["false alarm"] == 0, table(graded)


def test_the_held_out_batches_hold_enough_cases_with_correct_and_out_of_grammar_ones():
    batches = {b: load_cases(b) for b in GOAL_RIGHT}
    assert len(batches["batch1"]) >= 20 and all(len(batches[b]) >= 8 for b in ("batch2", "batch3"))
    assert len(batches["batch4"]) >= 12 and len(batches["batch5"]) >= 8 and len(batches["batch6"]) >= 8
    assert len(batches["batch7"]) >= 8
    for cases in batches.values():
        assert any(not c.expected["wrong"] for c in cases)  # correct ones: false alarms are measured
    for b in ("batch1", "batch4", "batch5", "batch6", "batch7"):
        assert any(c.expected["wrong"] and not c.expected["mistakes"] for c in batches[b])  # outside the grammar
    for b in ("batch4", "batch5", "batch6"):  # other heads and layouts, correct ones among them
        cases = batches[b]
        assert {HEADS[c.expected["data"]][1] for c in cases if c.expected.get("data")} == {"softmax", "mse"}
        assert {c.expected.get("convention", "lesson") for c in cases} >= {"lesson", "cs231n", "deeplearning-ai", "torch"}
        assert sum(not c.expected["wrong"] for c in cases) >= 2


def test_batches_8_and_9_hold_30_bugs_and_5_correct_ones_across_heads_layouts_depths_and_saturation():
    cases = load_cases("batch8") + load_cases("batch9")
    assert sum(bool(c.expected["wrong"]) for c in cases) >= 30 and sum(not c.expected["wrong"] for c in cases) >= 5
    assert {HEADS[c.expected["data"]][1] for c in cases if c.expected.get("data")} == {"softmax", "mse"}
    assert any(not c.expected.get("data") for c in cases)  # the lesson's bce head too
    assert {c.expected.get("convention", "lesson") for c in cases} == {"lesson", "cs231n", "deeplearning-ai", "torch"}
    assert {tuple(c.expected["hidden"]) for c in cases if "hidden" in c.expected} >= {(64, 64), (16, 16, 16)}
    assert any(c.expected.get("l2") for c in cases if not c.expected["wrong"])  # a correct L2 backward
    assert any(c.expected.get("scale") for c in cases if not c.expected["wrong"])  # a correct one where others NaN


def test_batch10_holds_13_bugs_and_3_correct_ones_across_heads_l2_forms_layouts_and_a_summed_loss():
    cases = load_cases("batch10")
    assert sum(bool(c.expected["wrong"]) for c in cases) >= 13 and sum(not c.expected["wrong"] for c in cases) >= 3
    assert {HEADS[c.expected["data"]][1] for c in cases if c.expected.get("data")} == {"softmax", "mse"}
    assert {c.expected["data"] for c in cases if c.expected.get("data")} >= {"iris", "wine", "digits"}
    assert any(not c.expected.get("data") for c in cases)  # the lesson's bce head too
    assert {c.expected.get("convention", "lesson") for c in cases} == {"lesson", "cs231n", "deeplearning-ai", "torch"}
    assert any(c.expected.get("reduction") == "sum" for c in cases if c.expected["wrong"])
    assert any(c.expected.get("reduction") == "sum" for c in cases if not c.expected["wrong"])
    assert sum(bool(c.expected.get("l2")) for c in cases if not c.expected["wrong"]) >= 2


def test_batch11_holds_13_bugs_and_3_correct_ones_across_depths_precision_noise_nan_origins_and_layouts():
    cases = load_cases("batch11")
    assert sum(bool(c.expected["wrong"]) for c in cases) >= 13 and sum(not c.expected["wrong"] for c in cases) >= 3
    assert {tuple(c.expected["hidden"]) for c in cases if "hidden" in c.expected} >= {(64, 64), (16, 16, 16), (16, 16)}
    assert {c.expected.get("activation", "relu") for c in cases} >= {"relu", "tanh", "sigmoid"}
    ids = {i for c in cases for i in c.expected["mistakes"]}
    assert ids >= {"float32_precision", "finite_difference_estimate", "gradient_noise", "nan_division_by_zero",
                   "nan_exp_overflow", "nan_log_of_zero", "contract:shape"}
    assert {c.expected.get("convention", "lesson") for c in cases} == {"lesson", "cs231n", "deeplearning-ai", "torch"}
    assert any(len(c.expected["mistakes"]) >= 2 and c.expected.get("hidden") for c in cases)  # two at once, deep


def new_ids() -> set:
    """The ids ``tests/heldout/NEW_IDS.md`` lists (its table's first column)."""
    lines = (ROOT / "NEW_IDS.md").read_text().splitlines()
    return {line.split("`")[1] for line in lines if line.startswith("| `")}


def test_every_id_a_held_out_case_expects_is_the_grammars_or_listed_as_new():
    known = set(ALL_IDS) | new_ids()
    for batch in sorted(p.name for p in ROOT.iterdir() if p.is_dir() and p.name.startswith("batch")):
        for case in load_cases(batch):
            assert set(case.expected["mistakes"]) <= known, (batch, case.name)


def test_the_new_ids_are_not_the_grammars_and_each_is_expected_by_some_case():
    expected = {i for b in ("batch8", "batch9", "batch10", "batch11") for c in load_cases(b)
                for i in c.expected["mistakes"]}
    assert not new_ids() & set(ALL_IDS)
    assert new_ids() <= expected


def point(checks: dict, violation=None) -> SimpleNamespace:
    """A stand-in point: ``checks`` maps a parameter to whether it passed; ``violation`` a contract's words."""
    return SimpleNamespace(checks={k: {"torch": SimpleNamespace(passed=ok)} for k, ok in checks.items()},
                           diagnosis=[], violation=violation, findings=[])


def graded_as(mistakes, named, *points, wrong=("W1", "W2")) -> str:
    """The grade of a stand-in case expecting ``mistakes`` on ``wrong``, for a report of ``points``."""
    case = Case("stand-in", {"mistakes": list(mistakes), "wrong": list(wrong)}, None)
    passed = all(p.violation is None and all(c["torch"].passed for c in p.checks.values()) for p in points)
    return grade(case, SimpleNamespace(points=list(points), passed=passed), list(named)).grade


WRONG_W = {"W1": False, "W2": False, "b1": True}


def test_a_case_expecting_an_id_the_grammar_lacks_is_vague_when_nothing_is_named():
    assert "l2_sign_flipped" not in ALL_IDS
    assert graded_as(["l2_sign_flipped"], [], point(WRONG_W)) == "vague"


def test_a_case_expecting_an_id_the_grammar_lacks_is_a_wrong_cause_when_another_id_is_named():
    assert graded_as(["l2_sign_flipped"], ["factor:2"], point(WRONG_W)) == "wrong cause"


def test_a_case_expecting_a_new_id_is_right_once_the_diagnosis_names_it():
    assert graded_as(["l2_sign_flipped"], ["l2_sign_flipped"], point(WRONG_W)) == "right"


def test_a_point_whose_values_were_never_compared_does_not_make_a_named_cause_vague():
    fine, nan = point({"W1": True, "W2": True}), point({}, "dW1 holds 3 non-finite values")
    assert graded_as(["nan_division_by_zero"], ["nan_division_by_zero"], fine, nan) == "right"
    assert graded_as(["nan_division_by_zero"], [], fine, nan) == "vague"
    assert graded_as(["nan_division_by_zero"], ["factor:N"], fine, nan) == "wrong cause"


def test_beside_an_uncompared_point_a_parameter_failing_outside_the_expected_ones_is_still_vague():
    nan = point({}, "dW1 holds 3 non-finite values")
    assert graded_as(["l2_sign_flipped"], ["l2_sign_flipped"], point({"W1": False, "b1": False}), nan) == "vague"
    assert graded_as(["l2_sign_flipped"], ["l2_sign_flipped"], point({"W1": False, "b1": True}), nan) == "right"
