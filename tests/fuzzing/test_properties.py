"""Property tests: the reference's backward obeys every law on drawn problems; fuzzing finds bugs."""
import numpy as np
import pytest
from hypothesis import given, settings

from oracles.candidate import InProcess, reference_candidate
from oracles.shells.cli import main
from properties import catalogue
from properties.fuzz import fuzz
from properties.laws import LAWS, LawViolation, check_laws
from properties.strategies import Problem, lesson_problems, problems, scales, specs


def reference_for(problem):
    return reference_candidate(problem.activation)


@given(problems())
def test_reference_backward_obeys_every_law_in_float64(problem):
    violations = check_laws(reference_for(problem), problem)
    assert not violations, f"{problem.describe()}: {violations}"


@given(problems(specs(dtypes=("float32",))))
def test_reference_backward_obeys_every_law_in_float32(problem):
    violations = check_laws(reference_for(problem), problem)
    assert not violations, f"{problem.describe()}: {violations}"


def _law_looks_at(law: str, problem) -> bool:
    """Whether ``law`` examines ``problem`` at all: the gating law only relu networks, the identity
    law only identity ones, the descent law only problems off a kink; the rest every problem."""
    return {"relu-gating": problem.activation == "relu", "identity": problem.activation == "identity",
            "descent": not problem.has_kink}.get(law, True)


def _law_problems(activation):
    return (Problem((4, 5, 1), activation, "float64", 9, seed=1, scale=1.0),
            Problem((3, 6, 1), activation, "float64", 12, seed=2, scale=5.0, saturate=True),
            Problem((5, 6, 1), activation, "float64", 10, seed=3, scale=1.0, kink="on"))


@pytest.mark.parametrize("law", [law for law in LAWS if law not in ("agreement", "identity")])
def test_each_law_holds_for_every_correct_rewrite(law):
    """Only the (rewrite, problem) pairs the law really examines count, and there are some for every law."""
    examined = 0
    for entry in catalogue.CORRECT:
        for problem in _law_problems(entry.activation):
            if _law_looks_at(law, problem):
                LAWS[law](entry.backward, problem)
                examined += 1
    assert examined >= 4, law


@pytest.mark.parametrize("sizes", [(4, 5, 1), (4, 5, 3, 1), (3, 4, 4, 3, 1)], ids=["depth-1", "depth-2", "depth-3"])
def test_the_identity_law_holds_for_the_identity_backward_and_fails_one_that_masks(sizes):
    """No catalogue rewrite speaks the identity activation: the law meets the reference's identity
    backward, and, on the same problems, a backward with a ReLU mask on every layer (which fails it)."""
    for problem in (Problem(sizes, "identity", "float64", 9, seed=1, scale=1.0),
                    Problem(sizes, "identity", "float64", 12, seed=2, scale=5.0, saturate=True)):
        LAWS["identity"](reference_for(problem), problem)
        with pytest.raises(LawViolation, match="identity"):
            LAWS["identity"](catalogue.any_depth, problem)


@pytest.mark.parametrize("law, mutant", [
    ("shapes", "db1_no_keepdims"), ("finite", "nan_when_saturated"), ("relu-gating", "missing_relu_mask"),
    ("permutation", "stale_cache"),
])
def test_a_law_catches_the_bug_it_is_about(law, mutant):
    fn = getattr(catalogue, mutant)
    catalogue.stale_cache.reset()
    problems_ = [Problem((4, 5, 1), "relu", "float64", 9, seed=s, scale=1.0, saturate=bool(s % 2)) for s in range(1, 5)]
    with pytest.raises(LawViolation, match=law):
        for problem in problems_:
            LAWS[law](fn, problem)


def test_descent_law_fails_a_gradient_pointing_uphill():
    with pytest.raises(LawViolation, match="descent"):
        LAWS["descent"](catalogue.flipped_sign, Problem((4, 5, 1), "relu", "float64", 9, seed=1, scale=1.0))


def test_identity_law_fails_a_backward_that_masks_an_identity_layer():
    problem = Problem((4, 5, 1), "identity", "float64", 9, seed=1, scale=1.0)
    with pytest.raises(LawViolation, match="identity"):
        LAWS["identity"](catalogue.any_depth, problem)  # a ReLU mask on every layer


# --fuzz catches what the point checks cannot, each shrunk to a small counterexample
FUZZ_ONLY = {"hard_coded_n": "agreement", "forgets_b1": "agreement", "nan_when_saturated": None}


@pytest.fixture(scope="module")
def fuzzed():
    """Each fuzz-only mutant fuzzed once for the module (200 examples, seed 0)."""
    found = {}

    def get(mutant):
        if mutant not in found:
            fn = getattr(catalogue, mutant)
            found[mutant] = fuzz(lambda problem: InProcess(mutant, fn), 200, lesson_problems(), seed=0)
        return found[mutant]
    return get


@pytest.mark.parametrize("mutant", list(FUZZ_ONLY))
def test_fuzz_finds_and_shrinks_a_bug_the_lesson_point_misses(fuzzed, mutant):
    found = fuzzed(mutant)
    assert not found.passed
    problem = Problem.parse(found.counterexample["problem"])
    assert problem.N <= 4 and max(problem.sizes) <= 4, found.counterexample["problem"]
    assert "--replay" in found.counterexample["repro"]


def test_the_lesson_point_really_misses_the_fuzz_only_bugs(real):
    from oracles.harness import check_point, lesson_point
    from reference.model import Spec

    for mutant in FUZZ_ONLY:
        result = check_point(Spec(), lesson_point(Spec()), real.X, real.y, InProcess(mutant, getattr(catalogue, mutant)))
        assert result.passed, mutant


def test_a_fuzz_failure_reproduces_with_its_one_line_command(capsys, fuzzed):
    line = fuzzed("hard_coded_n").counterexample["problem"]
    code = main(["--replay", line, "--candidate", "properties.catalogue:hard_coded_n"])
    out = capsys.readouterr().out
    assert code == 1 and "hard-coded batch size" in out


def test_cli_fuzz_reports_in_json(capsys):
    import json

    code = main(["--fuzz", "20", "--format", "json", "--oracles", "finite-differences,torch"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["fuzz"]["examples"] == 20 and report["fuzz"]["passed"] is True
    assert report["fuzz"]["counterexample"] is None


def test_problem_description_round_trips():
    problem = Problem((3, 4, 2, 1), "tanh", "float32", 17, seed=9, scale=0.5, labels="ones", kink="near", saturate=True)
    assert Problem.parse(problem.describe()) == problem


@pytest.mark.parametrize("make", [lambda: specs(max_depth=-1), lambda: specs(max_width=0),
                                  lambda: specs(activations=("gelu",)), lambda: scales(0, 1),
                                  lambda: problems(min_n=0), lambda: problems(labels=("maybe",))])
def test_strategies_reject_bad_bounds(make):
    with pytest.raises(ValueError):
        make()


def test_under_ci_the_ci_profile_is_loaded_and_draws_the_same_examples_on_every_run(monkeypatch):
    """What the profiles are for, not their numbers: CI=true selects ``ci``, whose draws repeat
    run after run (a CI failure reproduces); without CI the default is ``dev``."""
    from hypothesis import strategies as st

    from properties import profiles

    before = settings.get_current_profile_name()
    try:
        monkeypatch.setenv("CI", "true")
        profiles.register()
        assert settings.get_current_profile_name() == "ci"

        def draws():
            seen = []

            @settings(max_examples=20)
            @given(st.integers())
            def record(x):
                seen.append(x)

            record()
            return seen

        first = draws()
        assert len(set(first)) > 1 and draws() == first
        monkeypatch.delenv("CI")
        profiles.register()
        assert settings.get_current_profile_name() == "dev"
    finally:
        settings.load_profile(before)


@given(problems(kinks=("on",)))
def test_kink_problems_put_a_pre_activation_exactly_on_zero(problem):
    from reference.model import forward

    params, X, _ = problem.arrays()
    _, cache = forward(params, X, problem.activation)
    assert cache["z1"][0, 0] == 0


@given(problems(saturate=(True,)))
def test_saturated_problems_have_logits_of_40_and_more(problem):
    from reference.model import forward

    params, X, _ = problem.arrays()
    _, cache = forward({k: v.astype("float64") for k, v in params.items()}, X.astype("float64"), problem.activation)
    assert abs(cache[f"z{len(problem.sizes) - 1}"]).min() >= 40 - 1e-3


# ------------------------------------------------------------------ heads, reductions and L2

from reference.heads import L2_FORMS, LOSSES, REDUCTIONS  # noqa: E402

HEAD_SPECS = specs(losses=LOSSES, reductions=REDUCTIONS, l2s=(0.0, 0.05, 0.7), l2_forms=L2_FORMS)


@given(problems(HEAD_SPECS))
def test_reference_backward_obeys_every_law_for_every_head_reduction_and_l2(problem):
    candidate = reference_candidate(problem.activation, problem.spec.head)
    violations = check_laws(candidate, problem)
    assert not violations, f"{problem.describe()}: {violations}"


def test_a_head_problem_replays_from_its_line():
    problem = Problem((3, 4, 5), "relu", "float64", 7, seed=2, scale=1.0, loss="softmax", reduction="sum",
                      l2=0.7, l2_form="lambd")
    assert Problem.parse(problem.describe()) == problem
    assert "loss=softmax" in problem.describe()
    assert "loss=" not in Problem((3, 4, 1), "relu", "float64", 7, seed=2, scale=1.0).describe()


def test_laws_catch_a_head_mistake():
    from test_conventions import courses

    problem = Problem((4, 5, 3), "relu", "float64", 9, seed=1, scale=1.0, loss="softmax", l2=0.05, l2_form="reg")
    from oracles.conventions import Conventional

    candidate = Conventional(InProcess("no-minus-one", courses.cs231n_bug_no_minus_one), "cs231n", "softmax")
    assert check_laws(candidate, problem, ["descent", "agreement"], oracles=("finite-differences",))


def test_a_summed_loss_counts_the_gradient_tolerance_in_its_own_unit():
    # a problem the fuzz drew: with the mean's atol, the sum's N-times-larger rounding was a false alarm
    problem = Problem.parse("sizes=1,1,11,1,1 activation=leaky_relu dtype=float64 N=173 seed=1 scale=0.01 "
                            "labels=zeros kink=none saturate=1 reduction=sum")
    assert not check_laws(reference_candidate(problem.activation, problem.spec.head), problem, ["agreement"])


def test_each_call_of_arrays_gets_its_own_copies_of_the_same_numbers():
    problem = Problem((4, 5, 1), "relu", "float64", 9, seed=1, scale=1.0)
    params, X, y = problem.arrays()
    kept = {k: v.copy() for k, v in params.items()}, X.copy(), y.copy()
    params["W1"][...], X[...], y[...] = 7.0, 7.0, 7.0  # a law or a candidate writing into its arrays
    again = problem.arrays()
    assert all(np.array_equal(again[0][k], kept[0][k]) for k in kept[0])
    assert np.array_equal(again[1], kept[1]) and np.array_equal(again[2], kept[2])
