"""A gradebook with --fuzz N: every candidate meets the same drawn problems, their oracles are
computed once for all candidates, a law broken on a drawn problem fails the row, on threads and on Dask."""
from pathlib import Path

import pytest

from oracles.shells.cli import main
from oracles.shells.gradebook import grade

LESSON = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()
SUBMISSIONS = {
    "alice.py": LESSON,
    "bob.py": LESSON.replace("dz1 = da1 * (z1 > 0)", "dz1 = np.where(z1 > 0, da1, 0.0)"),  # correct, written otherwise
    # divides by the data set's size, written in: right on the 768 rows the points use, wrong on any other batch
    "carol.py": LESSON.replace("dz2 = (y_hat - y) / N", "dz2 = (y_hat - y) / 768"),
}
FD = ("finite-differences",)
EXAMPLES = 20


@pytest.fixture(scope="module")
def problem():
    from reference.data import synthetic
    from reference.model import Spec

    return Spec(), synthetic()  # 768 rows


@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzzed")
    for name, source in SUBMISSIONS.items():
        (root / name).write_text(source)
    return {name: f"{root}/{name}:backward" for name in sorted(SUBMISSIONS)}


@pytest.fixture(scope="module")
def graded(problem, targets):
    """The gradebook of the three, jobs=1, with every law check recorded: (candidate, problem) in
    order, and every fuzz oracle computation."""
    import properties.fuzz
    from oracles import harness
    from properties.laws import prepared

    met, computed = [], []
    check_laws, prepare = properties.fuzz.check_laws, harness.prepare

    def recording_check(candidate, problem, *args, **kwargs):
        met.append((candidate.inner.name, problem))  # the candidate's worker handle, named by its file
        return check_laws(candidate, problem, *args, **kwargs)

    def counting_prepare(spec, point, *args, **kwargs):
        if point.name == "fuzz":
            computed.append(point.about)
        return prepare(spec, point, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(properties.fuzz, "check_laws", recording_check)
        mp.setattr(harness, "prepare", counting_prepare)
        prepared.cache_clear()  # no oracle left from another test in this process
        book = grade(*problem, list(targets.values()), oracles=FD, jobs=1, timeout=5.0, fuzz=EXAMPLES)
    return book, met, computed


def rows(book) -> dict:
    return {Path(r.candidate.split(":")[0]).name: r for r in book.rows}


def test_two_candidates_meet_the_same_drawn_problems_in_the_same_order(graded):
    book, met, _ = graded
    drawn = book.fuzz["problems"]
    assert len(drawn) == EXAMPLES
    by_candidate = {}
    for who, problem in met:
        by_candidate.setdefault(who, []).append(problem.describe())
    correct = [seen for who, seen in by_candidate.items() if "carol" not in str(who)]
    assert len(correct) == 2 and correct[0] == correct[1] == drawn


def test_a_correct_candidate_holds_every_law_on_every_drawn_problem(graded):
    book, _, _ = graded
    for name in ("alice.py", "bob.py"):
        assert rows(book)[name].verdict == "PASS", rows(book)[name].fuzz
        assert rows(book)[name].fuzz == f"{EXAMPLES} held"


def test_a_candidate_right_at_the_points_but_wrong_on_a_drawn_batch_fails_with_the_law_and_replay_line(graded):
    book, _, _ = graded
    carol = rows(book)["carol.py"]
    assert carol.verdict == "FAIL" and not carol.passed and not book.passed
    assert carol.fuzz.startswith("law agreement broken at drawn problem")
    assert "compare-frameworks --replay 'sizes=" in carol.fuzz and carol.candidate in carol.fuzz
    assert carol.first_failure.startswith("law agreement")  # the points held: the fuzz is the first failure


def test_the_oracles_of_each_drawn_problem_are_computed_once_for_every_candidate(graded):
    book, met, computed = graded
    assert len(met) > EXAMPLES  # more than one candidate met the problems
    assert sorted(computed) == sorted(set(book.fuzz["problems"]))  # once each, not once per candidate


def test_the_fuzz_count_is_part_of_the_results_key(tmp_path, problem, targets):
    from oracles.shells.results import problem_key

    spec, data = problem
    keys = {n: problem_key(spec, data, FD, 0, "auto", None, None, {}, n) for n in (None, 20, 200)}
    assert len(set(keys.values())) == 3
    folder = tmp_path / "rows"
    grade(spec, data, [targets["alice.py"]], oracles=FD, timeout=5.0, results=folder)
    fuzzed = grade(spec, data, [targets["alice.py"]], oracles=FD, timeout=5.0, results=folder, fuzz=3)
    assert fuzzed.rows[0].fuzz == "3 held"  # not the unfuzzed row read back
    assert len([p for p in folder.glob("*.json") if p.name != "progress.json"]) == 2  # two rows, two keys


def test_the_cli_grades_a_glob_with_fuzz_and_the_csv_has_a_fuzz_column(targets, capsys):
    folder = Path(targets["alice.py"].split(":")[0]).parent
    code = main(["--candidate", f"{folder}/*.py:backward", "--oracles", *FD, "--fuzz", "5", "--format", "csv",
                 "--quiet", "--data", "synthetic"])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert code == 1, err
    assert lines[0].split(",")[-1] == "fuzz"
    assert lines[1].endswith(",5 held") and lines[2].endswith(",5 held") and "law agreement" in lines[3]


def test_a_local_cluster_grades_with_fuzz_as_one_machine_does(problem, targets, graded):
    pytest.importorskip("distributed")
    on_dask = grade(*problem, list(targets.values()), oracles=FD, jobs=2, timeout=5.0, scheduler="local",
                    fuzz=EXAMPLES)
    assert on_dask.fuzz["problems"] == graded[0].fuzz["problems"]
    assert [(r.verdict, r.fuzz.split(" | ")[0]) for r in on_dask.rows] == \
        [(r.verdict, r.fuzz.split(" | ")[0]) for r in graded[0].rows]
