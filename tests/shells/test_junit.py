"""--format junit (oracles/junit.py): the XML parses, and each testcase fails exactly where the result
it came from failed, for a check, a gradebook, your forward and a layer."""
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from oracles.formats import render
from oracles.shells.cli import main
from properties.catalogue import db2_mean
from reference.model import Spec, backward

LESSON = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()
FD = ("--oracles", "finite-differences")
# what a candidate may print: markup, a CDATA end, an ampersand, ANSI colour, NUL, a bell, a backspace
NOISE = "a ]]> b <c/> & d \x1b[31m red\x00 nul \x07 bell \x08 back"


def _lesson(params, X, y):
    return backward(params, X, y, "relu")


def _parse(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def _cases(root: ET.Element, suite: str) -> dict:
    """``{testcase name: testcase}`` of the testsuite named ``suite``."""
    found = root.find(f"testsuite[@name='{suite}']")
    assert found is not None, f"no testsuite {suite!r}"
    return {c.get("name"): c for c in found.iter("testcase")}


def _failed(case: ET.Element) -> bool:
    return case.find("failure") is not None


@pytest.fixture(scope="module")
def passing(real):
    from oracles.harness import run

    return run(Spec(), real, _lesson, ("torch",))


@pytest.fixture(scope="module")
def wrong_db2(real):
    from oracles.harness import run

    return run(Spec(), real, db2_mean, ("finite-differences", "torch"))


def test_a_passing_lesson_check_has_no_failures_and_no_errors(passing):
    assert passing.passed
    root = _parse(render(passing, "junit"))
    assert root.tag == "testsuites"
    assert (root.get("failures"), root.get("errors")) == ("0", "0")
    assert int(root.get("tests")) > 0


def test_each_check_of_a_point_is_a_testcase_that_fails_exactly_where_its_check_failed(wrong_db2):
    _follows_its_checks(wrong_db2, _parse(render(wrong_db2, "junit")))


def test_a_wrong_db2_fails_only_the_b2_testcases_and_its_failure_names_the_entry_and_the_diagnosis(wrong_db2):
    root = _parse(render(wrong_db2, "junit"))
    assert int(root.get("failures")) > 0
    for p in wrong_db2.points:
        failed = {name.split(" vs ")[0] for name, case in _cases(root, p.name).items() if _failed(case)}
        assert failed == {"b2"}  # db2_mean is wrong in db2 only
        failure = _cases(root, p.name)["b2 vs torch"].find("failure")
        assert "b2[0, 0]" in failure.get("message")
        assert all(d in failure.text for d in p.diagnosis) and p.diagnosis


def test_the_counts_of_every_suite_are_its_testcases(wrong_db2):
    root = _parse(render(wrong_db2, "junit"))
    for node in [root, *root.iter("testsuite")]:
        cases = list(node.iter("testcase"))
        assert int(node.get("tests")) == len(cases)
        assert int(node.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert int(node.get("errors")) == sum(c.find("error") is not None for c in cases)


def _write(tmp_path, name: str, source: str) -> str:
    path = tmp_path / name
    path.write_text(source)
    return f"{path}:backward"


def test_what_the_candidate_prints_is_escaped_and_forbidden_characters_are_spelled_out(tmp_path, capsys):
    noisy = LESSON.replace("    N = X.shape[0]", f"    print({NOISE!r})\n    N = X.shape[0]")
    report = tmp_path / "report.xml"
    code = main(["--candidate", _write(tmp_path, "noisy.py", noisy), "--data", "synthetic", *FD,
                 "--format", "junit", "--output", str(report), "--quiet"])
    assert code == 0
    root = ET.parse(report).getroot()  # it parses: no raw control character, no broken markup
    out = root.find("testsuite/system-out").text
    assert "a ]]> b <c/> & d " in out  # markup is text, as printed
    assert "\\x1b[31m red\\x00 nul \\x07 bell \\x08 back" in out  # XML 1.0 cannot carry these: spelled out
    assert not any(ch in report.read_text() for ch in "\x1b\x00\x07\x08")


def test_a_candidate_that_crashes_is_an_error_not_a_failure(tmp_path, capsys):
    crash = LESSON.replace("    N = X.shape[0]", "    raise RuntimeError('<boom> & ]]>')")
    report = tmp_path / "report.xml"
    code = main(["--candidate", _write(tmp_path, "crash.py", crash), "--data", "synthetic", *FD,
                 "--format", "junit", "--output", str(report), "--quiet"])
    assert code == 1
    root = ET.parse(report).getroot()
    contracts = [c for c in root.iter("testcase") if c.get("name") == "contract"]
    assert contracts and all(c.find("error") is not None for c in contracts)
    assert "<boom> & ]]>" in contracts[0].find("error").get("message")
    assert root.get("failures") == "0" and int(root.get("errors")) == len(contracts)


def test_an_output_naming_the_candidate_is_refused_and_the_file_is_kept(tmp_path, capsys):
    target = _write(tmp_path, "mine.py", LESSON)
    code = main(["--candidate", target, "--data", "synthetic", *FD, "--format", "junit", "--output",
                 str(tmp_path / "mine.py")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--output" in err
    assert (tmp_path / "mine.py").read_text() == LESSON


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    from oracles.shells.gradebook import grade
    from reference.data import synthetic

    root = tmp_path_factory.mktemp("submissions")
    sources = {"alice.py": LESSON, "bob.py": LESSON.replace("dz1 = da1 * (z1 > 0)", "dz1 = da1"),
               "carol.py": "def backward(:  # does not parse\n"}
    targets = [_write(root, name, source) for name, source in sources.items()]
    return grade(Spec(), synthetic(), targets, oracles=FD[1:], jobs=2, timeout=20.0)


def test_a_gradebook_is_one_testcase_per_row_failing_or_erring_as_the_row_does(book):
    root = _parse(render(book, "junit"))
    cases = _cases(root, "gradebook")
    assert list(cases) == [r.candidate for r in book.rows]
    for r in book.rows:
        case = cases[r.candidate]
        assert (case.find("failure") is not None) is (r.verdict == "FAIL")
        assert (case.find("error") is not None) is (r.verdict == "ERROR")
    assert [r.verdict for r in book.rows] == ["PASS", "FAIL", "ERROR"]  # alice, bob, carol


def test_a_gradebook_failure_carries_its_first_failure_and_diagnosis_and_the_counts_match_its_rows(book):
    root = _parse(render(book, "junit"))
    bob = book.rows[1]
    failure = _cases(root, "gradebook")[bob.candidate].find("failure")
    assert failure.get("message") == bob.first_failure
    assert bob.first_failure in failure.text and bob.diagnosis and bob.diagnosis in failure.text
    assert int(root.get("tests")) == len(book.rows)
    assert int(root.get("failures")) == sum(r.verdict == "FAIL" for r in book.rows)
    assert int(root.get("errors")) == sum(r.verdict == "ERROR" for r in book.rows)


def test_the_command_writes_a_gradebook_as_junit(tmp_path, capsys):
    for name, source in {"alice.py": LESSON, "bob.py": LESSON.replace("dz1 = da1 * (z1 > 0)", "dz1 = da1")}.items():
        (tmp_path / name).write_text(source)
    out = tmp_path / "book.xml"
    code = main(["--candidate", f"{tmp_path}/*.py:backward", *FD, "--format", "junit", "--output", str(out),
                 "--quiet"])
    assert code == 1
    cases = _cases(ET.parse(out).getroot(), "gradebook")
    assert {Path(n.split(":")[0]).name: _failed(c) for n, c in cases.items()} == {"alice.py": False, "bob.py": True}


def _follows_its_checks(report, root) -> None:
    """Every (name, oracle) check of every point's table is a testcase failing exactly where it failed."""
    for p in report.points:
        cases = _cases(root, p.name)
        for per in p.table().values():  # a layer's: the forward's outputs, then the gradients
            for oracle, check in per.items():
                assert _failed(cases[f"{check.name} vs {oracle}"]) is (not check.passed)


def test_your_forward_writes_junit_whose_testcases_follow_its_checks(capsys):
    from oracles.families.forward import check
    from test_forward import target

    report = check(target("no_bias", "backward_buggy"), target("no_bias", "loss"), init=target("no_bias", "init"))
    root = _parse(render(report, "junit"))
    assert not report.passed and int(root.get("failures")) > 0
    _follows_its_checks(report, root)
    argv = ["--forward", target("no_bias", "loss"), "--candidate", target("no_bias", "backward_buggy"),
            "--init", target("no_bias", "init"), "--format", "junit"]
    assert main(argv) == 1
    assert _parse(capsys.readouterr().out).get("failures") == root.get("failures")


@pytest.mark.parametrize("backward, passed", [("affine_backward", True), ("affine_backward_db_mean", False)])
def test_a_layer_writes_junit_with_a_testcase_for_each_output_and_gradient(capsys, backward, passed):
    from oracles.families.layers import check_layer
    from test_layers import at

    report = check_layer("affine", at("affine", "affine_forward"), at("affine", backward))
    assert report.passed is passed
    root = _parse(render(report, "junit"))
    assert (root.get("failures") == "0") is passed
    _follows_its_checks(report, root)
    argv = ["--layer", "affine", "--forward", at("affine", "affine_forward"), "--candidate", at("affine", backward),
            "--format", "junit"]
    assert main(argv) == (0 if passed else 1)
    assert _parse(capsys.readouterr().out).get("tests") == root.get("tests")
