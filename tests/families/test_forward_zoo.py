"""The lesson's network is one case of your own forward: written as a plain loss(params, inputs),
the forward family gives the built-in family's verdict on every entry of the lesson's bug zoo, at
each of the built-in family's points."""
from __future__ import annotations

from pathlib import Path

import cloudpickle
import pytest

from oracles.families.forward.run import check as forward_check
from oracles.harness import check_point, default_points
from properties import catalogue
from reference.model import Spec

LESSON_LOSS = f"{Path(__file__).parent.parent / 'candidates' / 'forwards' / 'lesson.py'}:loss"
ENTRIES = [e for e in catalogue.MUTANTS + catalogue.CORRECT if e.activation == "relu"]


@pytest.fixture(scope="module")
def by_value():
    cloudpickle.register_pickle_by_value(catalogue)  # the entries ship to the workers as code, not as an import
    yield
    cloudpickle.unregister_pickle_by_value(catalogue)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_the_forward_family_gives_the_built_in_verdict_on_each_zoo_entry_at_each_point(entry, real, by_value):
    spec = Spec()
    X, y = real.X, real.y
    backward = entry.backward

    def as_inputs(params, inputs):  # the same backward, given its X and y as the forward family's inputs
        return backward(params, inputs["X"], inputs["y"])

    for point in default_points(spec, seed=0):
        built_in = check_point(spec, point, X, y, backward, ("finite-differences",))
        generic = forward_check(as_inputs, LESSON_LOSS, params=point.params, inputs={"X": X, "y": y})
        assert generic.passed == built_in.passed, (point.name, generic.to_text())


KINK_ENTRIES = [catalogue.by_name(n) for n in ("heaviside-half", "mask-at-zero-one", "relu-prime-2-at-0")]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("entry", KINK_ENTRIES, ids=lambda e: e.name)
def test_kinks_found_in_your_forward_are_the_built_in_familys_decided_the_same_way(entry, seed, by_value):
    """Drawn problems with a hidden pre-activation exactly at 0: the entries each family decides by
    a subgradient interval, counted per parameter, and the verdict on a relu'(0) inside [0, 1]
    (1/2, 1) and outside it (2)."""
    from properties.strategies import Problem

    problem = Problem.parse(f"sizes=4,6,1 activation=relu dtype=float64 N=7 seed={seed} scale=1.0 labels=both "
                            f"kink=on saturate=0")
    params, X, y = problem.arrays()
    assert problem.has_kink
    backward = entry.backward

    def as_inputs(params, inputs):
        return backward(params, inputs["X"], inputs["y"])

    built_in = check_point(problem.spec, _point(params), X, y, backward, ("finite-differences",))
    generic = forward_check(as_inputs, LESSON_LOSS, params=params, inputs={"X": X, "y": y})
    assert generic.passed == built_in.passed == (entry in catalogue.CORRECT)
    ours = {k: c["subgradient"] for k, c in generic.points[0].kink_counts().items()}
    theirs = {k: c["subgradient"] for k, c in built_in.kink_counts().items()}
    assert ours == theirs and sum(ours.values()) > 0


def _point(params):
    from oracles.harness import Point

    return Point("kink", params, "a pre-activation exactly at 0")
