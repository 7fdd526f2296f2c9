"""The gate proves itself: every classic bug is killed twice over, every correct rewrite passes.

The zoo itself runs once per session (the ``zoo`` fixture of conftest.py).
"""
import pytest

from properties import catalogue


def test_the_catalogue_holds_at_least_15_mutants_and_4_correct_rewrites():
    assert len(catalogue.MUTANTS) >= 15 and len(catalogue.CORRECT) >= 4
    assert len({e.name for e in catalogue.MUTANTS + catalogue.CORRECT}) == len(catalogue.MUTANTS + catalogue.CORRECT)


@pytest.mark.parametrize("name", [e.name for e in catalogue.MUTANTS])
def test_every_mutant_is_killed_by_at_least_two_checks(zoo, name):
    outcome = next(m for m in zoo.mutants if m.name == name)
    assert len(outcome.killed_by) >= 2, (outcome.killed_by, outcome.diagnosis)  # twice over: the claim, not the zoo's constant


@pytest.mark.parametrize("name", [e.name for e in catalogue.CORRECT])
def test_every_correct_rewrite_passes_every_check(zoo, name):
    outcome = next(c for c in zoo.correct if c.name == name)
    assert outcome.passed, (outcome.killed_by, outcome.diagnosis)


@pytest.mark.parametrize("name", [e.name for e in catalogue.MUTANTS])
def test_every_killed_mutant_is_diagnosed_by_its_own_mistake_ids_and_no_others(zoo, name):
    outcome = next(m for m in zoo.mutants if m.name == name)
    assert outcome.killed_by and outcome.diagnosis_right, (catalogue.by_name(name).mistakes, outcome.named,
                                                           outcome.diagnosis)


def test_bugs_only_fuzzing_can_find_are_killed_by_fuzz(zoo):
    for entry in catalogue.MUTANTS:
        if entry.found_by == "fuzz":
            outcome = next(m for m in zoo.mutants if m.name == entry.name)
            assert "fuzz" in outcome.killed_by


def test_the_zoo_passes_as_a_whole_and_reports_its_matrix(zoo):
    report = zoo.to_dict()
    assert report["passed"] is True
    assert {m["name"] for m in report["mutants"]} == {e.name for e in catalogue.MUTANTS}
    assert all(set(m) >= {"name", "description", "killed_by", "diagnosis"} for m in report["mutants"])
    assert all(set(c) >= {"name", "passed"} for c in report["correct"])
