"""The bug zoo's parts (properties/zoo.py), fast: the sample of problems per head, the network an entry
is checked on, the handle it speaks through, the words kept for a failed point, when a diagnosis names
the bug, the matrix's verdict, text, Markdown and JSON, the entries per head flag, and one mutant and
one correct rewrite through every check (a short fuzz)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from oracles.conventions import Conventional
from oracles.isolation import InProcess
from properties import catalogue, head_catalogue, zoo
from properties.strategies import Problem
from properties.zoo import (CHECKS, LAW_CHECKS, MIN_KILLS, ORACLE_CHECKS, SAMPLE, Outcome, Zoo, entries, entry_spec,
                            evaluate, names_the_bug, run_zoo, sample)
from reference.model import Spec
from oracles import registry


def test_the_checks_are_the_oracles_the_loss_the_laws_and_the_fuzz_in_that_order():
    assert ORACLE_CHECKS == (*registry.NAMES, "loss")
    assert CHECKS == (*registry.NAMES, "loss", "shapes", "finite", "relu-gating", "descent", "permutation", "fuzz")
    assert LAW_CHECKS == CHECKS[len(ORACLE_CHECKS):-1] and MIN_KILLS == 2


def test_the_sample_meets_other_batch_sizes_widths_scales_saturation_a_kink_and_one_class():
    assert len(SAMPLE) == 5 and len({p.N for p in SAMPLE}) == 5 and len({p.sizes for p in SAMPLE}) == 5
    assert {p.scale for p in SAMPLE} >= {0.1, 1.0, 10.0}
    assert [p.saturate for p in SAMPLE].count(True) == 1 and [p.kink for p in SAMPLE].count("on") == 1
    assert [p.labels for p in SAMPLE].count("ones") == 1
    assert all(p.sizes[-1] == 1 and p.activation == "relu" and p.loss == "bce" for p in SAMPLE)


def test_the_sample_on_a_spec_takes_its_activation_outputs_and_head_and_keeps_the_rest():
    spec = Spec((4, 16, 3), "tanh", "float64", "softmax", "sum", 0.05, "reg")
    got = sample(spec)
    assert len(got) == len(SAMPLE)
    for mine, base in zip(got, SAMPLE):
        assert mine.sizes == base.sizes[:-1] + (3,) and mine.activation == "tanh"
        assert (mine.loss, mine.reduction, mine.l2, mine.l2_form) == ("softmax", "sum", 0.05, "reg")
        assert (mine.N, mine.seed, mine.scale, mine.kink, mine.saturate, mine.labels, mine.dtype) == (
            base.N, base.seed, base.scale, base.kink, base.saturate, base.labels, base.dtype)


@dataclass
class Data:
    features: int = 6
    n_outputs: int = 3


def test_an_entry_is_checked_on_the_data_s_inputs_16_units_and_its_own_head():
    lesson = catalogue.by_name("flipped-sign")
    assert entry_spec(lesson, Data(features=8, n_outputs=1)) == Spec((8, 16, 1), lesson.activation)
    other = next(e for e in head_catalogue.MUTANTS if e.loss == "softmax" and e.convention == "cs231n" and e.l2)
    spec = entry_spec(other, Data(6, 3))
    assert spec.sizes == (6, 16, 3) and (spec.loss, spec.reduction, spec.l2) == ("softmax", other.reduction, other.l2)
    assert spec.l2_form == "reg" and spec.activation == other.activation


def test_a_lesson_entry_speaks_in_process_and_another_through_its_convention():
    lesson = catalogue.by_name("flipped-sign")
    handle = zoo._speaking(lesson)
    assert isinstance(handle, InProcess) and handle.name == "flipped-sign" and handle.fn is lesson.backward
    other = next(e for e in head_catalogue.CORRECT if e.convention == "deeplearning-ai")
    spoken = zoo._speaking(other)
    assert isinstance(spoken, Conventional) and spoken.convention == "deeplearning-ai"


def test_an_entry_that_keeps_state_is_reset_and_one_without_is_left_alone():
    resets = []

    class Stateful:
        def reset(self):
            resets.append(1)

    @dataclass
    class E:
        backward: object

    zoo._reset(E(Stateful()))
    zoo._reset(E(lambda *a: None))
    assert resets == [1]


# ---------------------------------------------------------------- the words kept for a failed point

@dataclass
class Check:
    interval: object
    said: str

    def line(self):
        return self.said


@dataclass
class Result:
    violation: str | None = None
    checks: list = field(default_factory=list)
    diagnosis: list = field(default_factory=list)
    verdict: list = field(default_factory=list)

    def failures(self):
        return self.checks

    def verdict_lines(self):
        return self.verdict


def test_a_failed_point_is_told_by_its_contract_then_a_kink_then_its_diagnosis_then_its_verdict():
    kink, plain = Check((0.0, 1.0), "dW1 at the kink"), Check(None, "dW1 off")
    assert zoo._first_words(Result("shape wrong", [kink], ["d"], ["v"])) == "shape wrong"
    assert zoo._first_words(Result(None, [plain, kink, Check((0, 1), "second")], ["d"], ["v"])) == "dW1 at the kink"
    assert zoo._first_words(Result(None, [plain], ["one", "two"], ["v"])) == "one; two"
    assert zoo._first_words(Result(None, [plain], [], ["v1", "v2"])) == "v1; v2"


# ---------------------------------------------------------------- a diagnosis that names the bug

@dataclass
class Named:
    mistakes: tuple


def test_a_diagnosis_names_the_bug_when_it_names_its_ids_and_no_others():
    entry = Named(("factor:N", "mask:missing"))
    assert names_the_bug(["factor:N"], False, entry)
    assert names_the_bug(["factor:N", "derivative:missing"], False, entry)  # the same mistake in other words
    assert not names_the_bug(["factor:N", "factor:-1"], False, entry)
    assert not names_the_bug([], False, entry) and not names_the_bug([], True, entry)


def test_a_contract_mistake_is_named_by_the_contract_check_itself():
    entry = Named(("contract:shape",))
    assert names_the_bug([], True, entry) and not names_the_bug(["contract:shape"], False, entry)


# ---------------------------------------------------------------- the matrix

def _zoo():
    mutants = [Outcome("flipped-sign", "d1", killed_by=["torch", "loss", "fuzz"], diagnosis_right=True, named=["factor:-1"]),
               Outcome("forgets-b1", "d2", killed_by=["fuzz"], diagnosis_right=False, counterexample="sizes=1,1,1 N=2"),
               Outcome("hard-coded-N", "d3", killed_by=[], diagnosis_right=None)]
    correct = [Outcome("einsum-everywhere", "ok"), Outcome("per-example-loop", "bad", killed_by=["jax"], setting="bce torch")]
    return Zoo(mutants, correct, 12.34)


def test_an_outcome_is_labelled_by_its_setting_and_a_correct_one_passes_when_nothing_killed_it():
    assert Outcome("a", "b").label == "a" and Outcome("a", "b", setting="softmax cs231n").label == "a (softmax cs231n)"
    assert Outcome("a", "b").passed and not Outcome("a", "b", killed_by=["fuzz"]).passed


def test_the_zoo_passes_when_every_mutant_has_two_kills_and_every_rewrite_passes():
    good = Zoo([Outcome("m", "", killed_by=["torch", "jax"])], [Outcome("c", "")], 1.0)
    assert good.passed
    assert not Zoo([Outcome("m", "", killed_by=["torch"])], [Outcome("c", "")], 1.0).passed
    assert not Zoo([Outcome("m", "", killed_by=["torch", "jax"])], [Outcome("c", "", killed_by=["fuzz"])], 1.0).passed
    assert not _zoo().passed


def test_the_right_share_counts_right_diagnoses_among_killed_mutants():
    assert _zoo().right_share() == 0.5  # flipped-sign right, forgets-b1 not; hard-coded-N not killed
    assert Zoo([Outcome("m", "")], [], 1.0).right_share() == 0.0


def test_the_matrix_rows_mark_each_check_that_killed_an_entry():
    rows = dict((o.name, marks) for o, marks in _zoo().matrix_rows())
    assert len(rows) == 5 and all(len(m) == len(CHECKS) for m in rows.values())
    assert [c for c, m in zip(CHECKS, rows["flipped-sign"]) if m == "x"] == ["torch", "loss", "fuzz"]
    assert set(rows["hard-coded-N"]) == {"."} and set(rows["einsum-everywhere"]) == {"."}


def test_the_text_matrix_numbers_the_checks_and_tags_each_row():
    lines = _zoo().matrix_text().splitlines()
    assert lines[1] == "checks: " + ", ".join(f"{i + 1} {c}" for i, c in enumerate(CHECKS))
    rows = {line.split()[0]: line for line in lines[3:-1]}
    assert rows["flipped-sign"].endswith("   3 kills")
    assert rows["forgets-b1"].endswith("   1 kill (TOO FEW); diagnosis misses")
    assert rows["hard-coded-N"].endswith("   0 kills (TOO FEW); diagnosis misses")
    assert rows["einsum-everywhere"].endswith("   correct: passes")
    assert rows["per-example-loop"].endswith("   correct: FALSE ALARM") and "(bce torch)" in rows["per-example-loop"]
    width = len("per-example-loop (bce torch)")
    assert lines[2] == " " * width + "  " + " ".join(f"{i + 1:>2}" for i in range(len(CHECKS)))
    assert rows["flipped-sign"][:width + 2] == "flipped-sign".ljust(width) + "  "
    marks = rows["flipped-sign"][width + 2:].split("   ")[0].split()
    assert marks == ["x" if c in ("torch", "loss", "fuzz") else "." for c in CHECKS]
    assert lines[-1].startswith("right diagnoses: 50% of killed mutants (1/2); 3 mutants, 2 correct rewrites, 12.3 s")


def test_the_markdown_matrix_has_a_column_per_check_the_kills_and_whether_the_diagnosis_is_right():
    lines = _zoo().matrix_markdown().splitlines()
    assert lines[0] == "| entry | " + " | ".join(CHECKS) + " | kills | diagnosis right |"
    assert lines[1] == "|---|" + "---|" * (len(CHECKS) + 2)
    cells = {line.split(" | ")[0][2:]: line.strip("|").split("|") for line in lines[2:]}
    flipped = [c.strip() for c in cells["flipped-sign"]]
    assert flipped[1:-2] == ["x" if c in ("torch", "loss", "fuzz") else "" for c in CHECKS]
    assert flipped[-2:] == ["3", "yes"]
    assert [c.strip() for c in cells["forgets-b1"]][-2:] == ["1", "no"]
    assert [c.strip() for c in cells["hard-coded-N"]][-2:] == ["0", ""]
    assert [c.strip() for c in cells["einsum-everywhere"]][-2:] == ["passes", ""]
    assert [c.strip() for c in cells["per-example-loop (bce torch)"]][-2:] == ["FALSE ALARM", ""]


def test_the_json_gives_each_mutant_s_kills_mistakes_and_counterexample_and_each_rewrite_s_verdict():
    d = _zoo().to_dict()
    assert d["passed"] is False and d["checks"] == list(CHECKS) and d["min_kills"] == MIN_KILLS
    flipped, forgets, _ = d["mutants"]
    assert flipped == {"name": "flipped-sign", "setting": None, "description": "d1", "killed_by": ["torch", "loss", "fuzz"],
                       "diagnosis": "", "named": ["factor:-1"], "mistakes": list(catalogue.by_name("flipped-sign").mistakes),
                       "diagnosis_right": True, "counterexample": None}
    assert forgets["counterexample"] == "sizes=1,1,1 N=2" and forgets["diagnosis_right"] is False
    assert d["correct"] == [{"name": "einsum-everywhere", "setting": None, "passed": True, "failed": []},
                            {"name": "per-example-loop", "setting": "bce torch", "passed": False, "failed": ["jax"]}]
    assert d["right_diagnosis_share"] == 0.5 and d["seconds"] == 12.34
    assert d["matrix_text"] == _zoo().matrix_text() and d["matrix_markdown"] == _zoo().matrix_markdown()


# ---------------------------------------------------------------- which entries

def test_entries_are_the_lesson_s_catalogue_only_for_the_lesson_s_flags():
    assert entries() == (catalogue.MUTANTS, catalogue.CORRECT)
    for flags in (dict(loss="mse"), dict(convention="cs231n"), dict(reduction="sum"), dict(l2=0.1)):
        assert entries(**flags) == head_catalogue.select(
            flags.get("loss", "bce"), None if flags.get("convention", "lesson") == "lesson" else flags["convention"],
            None if flags.get("reduction", "mean") == "mean" else flags["reduction"], bool(flags.get("l2", 0.0)))
    assert entries(loss="softmax", convention="lesson") == head_catalogue.select("softmax", None, None, False)


# ---------------------------------------------------------------- entries through every check

@pytest.fixture(scope="module")
def ran(real):
    seen = []
    found = run_zoo(real, fuzz_examples=3, progress=seen.append, mutants=[catalogue.by_name("flipped-sign")],
                    correct=[catalogue.by_name("einsum-everywhere")])
    return found, seen


def test_a_mutant_is_killed_by_the_checks_that_fail_on_it_and_its_diagnosis_names_its_mistake(ran):
    found, seen = ran
    assert seen == [1, 2] and found.seconds > 0
    (flipped,), (einsum,) = found.mutants, found.correct
    assert {"finite-differences", "torch", "jax", "descent", "fuzz"} <= set(flipped.killed_by)
    assert flipped.killed_by == [c for c in CHECKS if c in flipped.killed_by]
    assert flipped.diagnosis and flipped.diagnosis_right and flipped.named
    assert all(any(i == m for m in catalogue.by_name("flipped-sign").mistakes) for i in flipped.named)
    assert flipped.counterexample is not None and Problem.parse(flipped.counterexample)
    assert einsum.passed and einsum.killed_by == [] and einsum.diagnosis == "" and einsum.diagnosis_right is None
    assert einsum.counterexample is None and found.passed
