"""The fuzz driver (properties/fuzz.py) on small problems with the finite differences alone: how many
problems ran, the seed honoured, the laws and profile asked for, the shrunk counterexample and its
fields, the replay command, draw / fuzz_drawn, the grown problem of ``telling``, a replayed problem's
report, and how a result is shown (summary, JSON, HTML)."""
from __future__ import annotations

import pytest
from hypothesis import Phase, settings
from hypothesis.configuration import storage_directory
from hypothesis.database import InMemoryExampleDatabase

from oracles.candidate import InProcess, reference_candidate
from properties import catalogue, fuzz as fuzz_module
from properties.fuzz import FuzzResult, _counterexample, draw, fuzz, fuzz_drawn, replay, telling
from properties.laws import LAWS, LawViolation, prepared
from properties.strategies import Problem, problems, specs

FD = ("finite-differences",)
SMALL = problems(specs(min_depth=1, max_depth=1, max_width=4, max_inputs=3, activations=("relu",)), max_n=6)


def reference(problem):
    return reference_candidate(problem.activation, problem.spec.head)


def flipped(problem):
    return InProcess("flipped_sign", catalogue.flipped_sign)


def recording(seen, make=reference):
    def candidate(problem):
        seen.append(problem)
        return make(problem)
    return candidate


# ---------------------------------------------------------------- a run

def test_a_correct_backward_passes_every_problem_drawn_and_each_is_counted_and_reported():
    seen, ticks = [], []
    result = fuzz(recording(seen), 6, SMALL, oracles=FD, progress=ticks.append)
    assert result.passed and result.counterexample is None
    assert result.examples == len(seen) == 6 and ticks == [1, 2, 3, 4, 5, 6]
    assert result.seconds > 0 and all(isinstance(p, Problem) and p.N <= 6 for p in seen)


SEEDS = """
import json
from oracles.candidate import reference_candidate
from properties.fuzz import draw, fuzz
from properties.strategies import problems, specs

small = problems(specs(min_depth=1, max_depth=1, max_width=4, max_inputs=3, activations=("relu",)), max_n=6)
runs = []
for seed in (3, 3, 4, None, None):
    seen = []
    fuzz(lambda p: seen.append(p.describe()) or reference_candidate(p.activation), 5, small,
         oracles=("finite-differences",), seed=seed)
    runs.append(seen)
print(json.dumps(runs + [[p.describe() for p in draw(small, 5, seed=3)]]))
"""


def test_the_same_seed_draws_the_same_problems_another_seed_others_and_no_seed_new_ones_every_run():
    """In a process of its own, as a command runs: a test process's draws depend on what ran before
    (hypothesis mixes constants of the modules imported so far into its draws, and a run's settings
    start from the default profile, which another test may have made derandomized), and with ``CI``
    set, as on a CI machine, where hypothesis's default profile is derandomized."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(fuzz_module.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "CI": "true"}
    out = subprocess.run([sys.executable, "-c", SEEDS], capture_output=True, text=True, env=env, cwd=root, check=True)
    three, again, four, free, other, drawn_ = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(three) == 5 and three == again == drawn_  # draw() gives what a run with its seed meets
    assert four != three and free != other


def test_a_wrong_backward_fails_and_is_shrunk_to_a_small_problem_named_in_its_counterexample():
    result = fuzz(flipped, 30, SMALL, oracles=FD)
    assert not result.passed and result.examples > 1
    c = result.counterexample
    problem = Problem.parse(c["problem"])
    assert problem.N == 1 and max(problem.sizes) == 1 and problem.scale == 1.0  # shrunk as far as it goes
    assert (c["N"], c["seed"], c["scale"], c["spec"]) == (problem.N, problem.seed, problem.scale, problem.spec.to_dict())
    named = [v["law"] for v in c["laws"]]
    assert "agreement" in named and "descent" in named and set(named) <= set(LAWS)
    assert all(v["message"] == " | ".join(v["lines"]) and v["lines"] for v in c["laws"])
    assert c["repro"] == f"compare-frameworks --replay '{c['problem']}'"
    assert "flaky" not in c


def test_only_the_laws_asked_for_are_checked():
    assert fuzz(flipped, 5, SMALL, laws=("shapes", "finite"), oracles=FD).passed  # right shapes, finite values
    result = fuzz(flipped, 5, SMALL, laws=("descent",), oracles=FD)
    assert not result.passed and [v["law"] for v in result.counterexample["laws"]] == ["descent"]


def test_a_failure_that_does_not_reproduce_is_marked_flaky():
    calls = []

    def once(problem):
        calls.append(problem)
        return flipped(problem) if len(calls) == 1 else reference(problem)

    result = fuzz(once, 10, SMALL, oracles=FD)
    assert not result.passed
    assert result.counterexample["flaky"].endswith("the failure did not reproduce every time")
    assert result.counterexample["flaky"].split(":")[0] in ("Flaky", "FlakyFailure")


def test_an_error_that_is_not_a_law_s_reaches_the_caller():
    def broken(problem):
        raise RuntimeError("the candidate factory itself")

    with pytest.raises(RuntimeError, match="factory"):
        fuzz(broken, 3, SMALL, oracles=FD)


def test_a_user_s_profile_sets_the_example_count_and_failures_go_to_its_database_under_the_key():
    seen = []
    assert fuzz(recording(seen), None, SMALL, oracles=FD, seed=None, profile=settings(max_examples=4, database=None)).examples == 4
    assert len(seen) == 4
    keys = []
    for key in (b"my-key", b"my-key", b"other-key"):
        db = InMemoryExampleDatabase()
        result = fuzz(flipped, None, SMALL, oracles=FD, seed=None, laws=("descent",),
                      profile=settings(max_examples=5, database=db, phases=(Phase.generate, Phase.shrink)),
                      database_key=key)
        assert not result.passed and db.data
        keys.append(set(db.data))
    assert keys[0] == keys[1] and not keys[0] & keys[2]  # saved under a key of the one given


def test_a_run_leaves_hypothesis_s_own_directory_where_it_was():
    before = storage_directory("x", intent_to_write=False).path
    fuzz(reference, 2, SMALL, oracles=FD)
    draw(SMALL, 2)
    assert storage_directory("x", intent_to_write=False).path == before
    assert fuzz_module._home() == fuzz_module._home()


def test_hypothesis_s_files_go_to_one_temporary_directory_named_for_the_harness():
    import os
    import tempfile

    home = fuzz_module._home()
    assert os.path.dirname(home) == tempfile.gettempdir() and os.path.isdir(home)
    assert os.path.basename(home).startswith("backprop-hypothesis-")


# ---------------------------------------------------------------- the counterexample's replay command

@pytest.mark.parametrize("arg, convention, tail", [
    (None, None, ""), (None, "cs231n", ""), ("mine.py:backward", None, " --candidate mine.py:backward"),
    ("mine.py:backward", "lesson", " --candidate mine.py:backward"),
    ("my dir/mine.py:backward", "cs231n", " --candidate 'my dir/mine.py:backward' --convention cs231n"),
])
def test_the_repro_line_names_the_candidate_quoted_and_a_convention_other_than_the_lesson_s(arg, convention, tail):
    problem = Problem((3, 2, 1), "tanh", "float64", 4, seed=7, scale=0.5)
    c = _counterexample(problem, [LawViolation("shapes", "one", "two")], arg, convention)
    assert c["repro"] == f"compare-frameworks --replay '{problem.describe()}'" + tail
    assert c["laws"] == [{"law": "shapes", "message": "one | two", "lines": ["one", "two"]}]
    assert (c["problem"], c["N"], c["seed"], c["scale"]) == (problem.describe(), 4, 7, 0.5)
    assert c["spec"] == problem.spec.to_dict()


# ---------------------------------------------------------------- the same problems for every candidate

def test_fuzz_drawn_runs_the_drawn_problems_in_order_up_to_the_first_that_fails_unshrunk():
    drawn = draw(SMALL, 5, seed=1)
    assert len(drawn) == 5
    held = fuzz_drawn(reference, drawn, oracles=FD)
    assert held.passed and held.examples == 5 and held.counterexample is None
    third = fuzz_drawn(lambda p: flipped(p) if p is drawn[2] else reference(p), drawn, oracles=FD,
                       candidate_arg="x.py:f", convention="cs231n")
    assert not third.passed and third.examples == 3 and third.seconds > 0  # a failed run keeps its time too
    assert third.counterexample["problem"] == drawn[2].describe()
    assert third.counterexample["repro"].endswith(" --candidate x.py:f --convention cs231n")


def test_fuzz_drawn_judges_at_the_points_given():
    """A backward right only on 5 rows: at the point of a 5-row problem given for a 4-row one, it holds."""
    four = Problem((3, 2, 1), "relu", "float64", 4, seed=1, scale=1.0)
    five = Problem((3, 2, 1), "relu", "float64", 5, seed=1, scale=1.0)
    assert not fuzz_drawn(lambda p: InProcess("n5", catalogue.hard_coded_n), [four], laws=("agreement",), oracles=FD).passed
    # hard_coded_n divides by the lesson's N: wrong at 4 rows and at 5 rows alike, so build a 5-row one
    def five_rows(params, X, y):
        from reference.model import backward
        return {k: v * X.shape[0] / 5 for k, v in backward(params, X, y).items()}

    cand = lambda p: InProcess("five", five_rows)  # noqa: E731
    assert not fuzz_drawn(cand, [four], laws=("agreement",), oracles=FD).passed
    assert fuzz_drawn(cand, [five], laws=("agreement",), oracles=FD).passed
    assert fuzz_drawn(cand, [four], points={four: prepared(five, FD)}, laws=("agreement",), oracles=FD).passed


# ---------------------------------------------------------------- telling factors apart

@pytest.mark.parametrize("problem", [
    Problem((1, 1, 1), "relu", "float64", 1, seed=3, scale=1.0, kink="on", labels="ones"),
    Problem((2, 2, 2, 3), "tanh", "float32", 2, seed=9, scale=0.5, loss="softmax", saturate=True),
    Problem((5, 3, 3, 1), "relu", "float64", 40, seed=0, scale=2.0),
    Problem((100, 4, 1), "relu", "float64", 3, seed=0, scale=1.0),
])
def test_telling_grows_sizes_to_distinct_values_and_n_away_from_them_their_neighbours_and_doubles(problem):
    grown = telling(problem)
    C = problem.sizes[-1]
    assert grown.sizes[-1] == C and len(grown.sizes) == len(problem.sizes)
    inner = grown.sizes[:-1]
    assert len(set(inner)) == len(inner) and not set(inner) & {0, 1, 2, C}
    assert all(g >= max(s, 3) for g, s in zip(inner, problem.sizes[:-1]))
    taken = {0, 1, 2, C, *inner}
    N = grown.N
    assert N >= max(problem.N, 2 * max(grown.sizes) + 1) and N not in taken and N != 768
    assert not {N - 1, N + 1} & taken and all(N != 2 * t for t in taken)
    same = ("activation", "dtype", "seed", "scale", "labels", "kink", "saturate", "loss", "reduction", "l2", "l2_form", "bias")
    assert all(getattr(grown, f) == getattr(problem, f) for f in same)


def test_telling_gives_the_smallest_values_that_fit():
    grown = telling(Problem((1, 1, 1), "relu", "float64", 2, seed=0, scale=1.0))
    assert grown.sizes == (3, 4, 1)
    assert grown.N == 9  # 2 * 4 + 1 = 9: not 3, 4, their neighbours or doubles (8), nor 0, 1, 2


# ---------------------------------------------------------------- a replayed problem

def test_a_replayed_problem_is_a_report_of_its_point_with_its_data_described():
    problem = Problem((3, 4, 1), "relu", "float64", 6, seed=2, scale=1.0)
    report = replay(problem, reference(problem), oracles=FD)
    _, _, y = problem.arrays()
    assert report.data["source"] == "replay" and report.data["rows"] == 6 and report.data["features"] == 3
    assert report.data["outcome_counts"] == {"0": int((y == 0).sum()), "1": int((y == 1).sum())}
    assert "target_range" not in report.data
    assert report.oracles == list(FD) and report.spec == problem.spec.to_dict() and report.candidate == "reference"
    assert len(report.points) == 1 and report.points[0].passed and report.points[0].violation is None


def test_a_replayed_number_target_problem_gives_the_target_range():
    problem = Problem((3, 4, 2), "tanh", "float64", 5, seed=2, scale=1.0, loss="mse")
    report = replay(problem, reference(problem), oracles=FD)
    _, _, y = problem.arrays()
    assert report.data["target_range"] == [float(y.min()), float(y.max())] and report.data["outcome_counts"] is None


def test_a_replayed_wrong_backward_names_the_broken_laws_beside_its_point_s_verdict():
    problem = Problem((3, 4, 1), "relu", "float64", 6, seed=2, scale=1.0)
    report = replay(problem, flipped(problem), oracles=FD)
    point = report.points[0]
    assert not point.passed
    broken = [line for line in point.diagnosis if line.startswith("law ")]
    assert any(line.startswith("law descent") for line in broken)
    assert point.violation is not None and "descent" in point.violation


# ---------------------------------------------------------------- how a result is shown

FAILED = FuzzResult(12, False, 2.5, {"problem": "sizes=3,1 N=2", "repro": "compare-frameworks --replay 'x<y'",
                                     "laws": [{"law": "descent", "message": "a | b", "lines": ["a", "b"]},
                                              {"law": "finite", "message": "c", "lines": ["c"]}]})
PASSED = FuzzResult(12, True, 2.5)


def test_a_passing_summary_gives_the_count_the_time_and_the_rate():
    assert PASSED.summary() == "12 examples, every law held (2.5 s, 5/s)"
    assert FuzzResult(3, True, 0.0).summary() == "3 examples, every law held (0.0 s, )"


def test_a_failing_summary_gives_the_problem_each_law_s_lines_and_the_repro():
    lines = FAILED.summary().splitlines()
    assert lines[0].startswith("FAILED after 12 examples (2.5 s)")
    assert lines[1:] == ["  sizes=3,1 N=2", "  law descent: a", "    b", "  law finite: c",
                         "reproduce: compare-frameworks --replay 'x<y'"]


def test_to_dict_rounds_the_time_and_gives_the_rate():
    d = FuzzResult(10, True, 3.14159).to_dict()
    assert d == {"examples": 10, "passed": True, "seconds": 3.142, "examples_per_second": 3.2, "counterexample": None,
                 "summary": FuzzResult(10, True, 3.14159).summary()}
    assert FuzzResult(10, True, 0.0).to_dict()["examples_per_second"] is None
    assert FAILED.to_dict()["counterexample"] is FAILED.counterexample and FAILED.to_dict()["passed"] is False


def test_the_html_says_pass_in_green_and_fail_in_red_with_every_law_and_the_repro_escaped():
    ok = PASSED._repr_html_()
    assert "#1a7f37" in ok and "PASS" in ok and "12 examples" in ok and "FAIL" not in ok
    bad = FAILED._repr_html_()
    assert "#cf222e" in bad and "FAIL" in bad and "12 examples (2.5 s)" in bad
    assert "law descent: a | b" in bad and "law finite: c" in bad and "x&lt;y" in bad and "x<y" not in bad
    assert bad.count("<li>") == 2


def test_the_notebook_and_the_terminal_show_the_summary():
    bundle = FAILED.mimebundle()
    assert bundle == {"text/plain": f"fuzz: {FAILED.summary()}", "text/html": FAILED._repr_html_()}

    class Printer:
        def __init__(self):
            self.said = []

        def text(self, words):
            self.said.append(words)

    printer = Printer()
    PASSED._repr_pretty_(printer, False)
    assert printer.said == [f"fuzz: {PASSED.summary()}"]


def test_the_notebook_cell_whose_progress_line_became_the_result_does_not_show_it_twice(monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))

    class Shell:
        execution_count = 7

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    FuzzResult(1, True, 1.0, shown_at=7)._ipython_display_()
    assert shown == []
    FuzzResult(1, True, 1.0, shown_at=6)._ipython_display_()
    FuzzResult(1, True, 1.0)._ipython_display_()
    assert len(shown) == 2 and shown[0] == ((FuzzResult(1, True, 1.0).mimebundle(),), {"raw": True})


# ---------------------------------------------------------------- causes told apart on a grown problem

def missing_mean(problem):
    return InProcess("missing_1_over_n", catalogue.missing_1_over_n)


def test_a_shrunk_agreement_failure_keeps_only_the_causes_that_also_hold_on_the_grown_problem():
    """At N = 2 a missing 1/N and a stray 2 give the same number: the grown problem tells them apart."""
    c = fuzz(missing_mean, 30, SMALL, oracles=FD).counterexample
    problem = Problem.parse(c["problem"])
    assert problem.N == 2
    (law,) = c["laws"]
    assert law["law"] == "agreement" and law["message"] == " | ".join(law["lines"])
    assert law["lines"][-1].startswith("note:") and telling(problem).describe() in law["lines"][-1]
    diagnosis = [line for line in law["lines"] if line.startswith("diagnosis:")]
    assert len(diagnosis) == 1 and "missing 1/n" in diagnosis[0].lower() and "either" not in diagnosis[0]


def test_telling_causes_apart_replaces_the_agreement_violation_and_keeps_the_others_in_order():
    from properties.laws import check_laws

    problem = Problem((1, 1, 1), "relu", "float64", 2, seed=0, scale=1.0)
    (agreement,) = [v for v in check_laws(missing_mean(problem), problem, ("agreement",), FD)]
    assert len(agreement.result.diagnosis) >= 2  # the shrunk problem cannot tell the causes apart
    before, after, last = LawViolation("shapes", "one"), LawViolation("descent", "two"), LawViolation("finite", "three")
    told = fuzz_module._told_apart(missing_mean, problem, [before, agreement, after, last], FD)
    assert [v.law for v in told] == ["shapes", "agreement", "descent", "finite"]
    assert told[0] is before and told[2] is after and told[3] is last and told[1] is not agreement


def test_a_replayed_problem_tells_causes_apart_as_the_fuzz_said_them():
    problem = Problem((1, 1, 1), "relu", "float64", 2, seed=0, scale=1.0)
    point = replay(problem, missing_mean(problem), oracles=FD).points[0]
    causes = [f for f in point.findings if f.cause]
    assert [f.ids for f in causes] == [("factor:N",)]
    said = [line for line in point.diagnosis if "missing 1/N" in line]
    assert len(said) == 1 and not said[0].startswith(("either", "or "))
    notes = [f.text for f in point.findings if telling(problem).describe() in f.text]
    assert len(notes) == 1
