"""JUnit XML and the format registry, part by part, on results the test writes: which testcase a
point's contract, losses, batch law and checks become and when each fails or errs, the counts,
the document's encoding, the spelled-out characters; the registry's names, refusals and help."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from oracles import formats, junit
from oracles.shells.gradebook import Gradebook, Row


class Check:
    def __init__(self, name, passed, line="ok"):
        self.name, self.passed, self._line = name, passed, line

    def line(self):
        return self._line


class Point:
    """A point's result with the fields junit reads."""

    LOSS_BASE = "reference"

    def __init__(self, name="lesson init", checks=None, **fields):
        self.name, self.about = name, "the lesson's initial weights"
        self.diagnosis, self.notes = fields.pop("diagnosis", []), fields.pop("notes", [])
        self.violation, self.nondeterministic = fields.pop("violation", None), fields.pop("nondeterministic", None)
        self.losses = fields.pop("losses", {"reference": 0.5, "candidate": 0.5})
        self.loss_agrees = fields.pop("loss_agrees", {"candidate": True})
        self.accepted, self.output = fields.pop("accepted", False), fields.pop("output", "")
        self._checks = checks if checks is not None else {"W1": {"torch": Check("dW1", True)}}
        for k, v in fields.items():
            setattr(self, k, v)

    def table(self):
        return self._checks

    def consensus_line(self):
        return "the oracles agree"


def report(*points, fuzz=None, bug_zoo=None, total=1.5, candidate="subs/a.py:backward"):
    return SimpleNamespace(candidate=candidate, points=list(points), timings_s={"total": total}, fuzz=fuzz,
                           bug_zoo=bug_zoo, KIND=formats.CHECK)


def parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n') and text.endswith("\n")
    return ET.fromstring(text.encode("ascii"))


def cases(root, suite=None) -> dict:
    where = root if suite is None else root.find(f"testsuite[@name='{suite}']")
    return {c.get("name"): c for c in where.iter("testcase")}


# a check's report

def test_a_passing_point_is_a_suite_of_passing_testcases_named_for_its_checks():
    root = parse(junit.check_xml(report(Point())))
    assert (root.tag, root.get("name"), root.get("time")) == ("testsuites", "compare-frameworks subs/a.py:backward",
                                                              "1.500")
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "lesson init"
    assert list(cases(root)) == ["contract", "loss candidate", "dW1 vs torch"]
    assert all(c.get("classname") == "lesson init" and c.get("time") == "0.000" for c in suite.iter("testcase"))
    assert all(len(c) == 0 for c in suite.iter("testcase"))  # no failure, no error
    assert [(p.get("name"), p.get("value")) for p in suite.find("properties")] == [
        ("candidate", "subs/a.py:backward"), ("about", "the lesson's initial weights")]
    for node in (root, suite):
        assert [node.get(k) for k in ("tests", "failures", "errors", "skipped")] == ["3", "0", "0", "0"]


def test_a_broken_contract_is_an_error_with_the_diagnosis_and_notes_and_hides_nondeterminism():
    p = Point(violation="returned W1 of shape (2, 3)", nondeterministic="two calls differed",
              diagnosis=["transposed?"], notes=["float32 given"])
    contract = cases(parse(junit.check_xml(report(p))))["contract"]
    error = contract.find("error")
    assert contract.find("failure") is None
    assert (error.get("message"), error.get("type")) == ("returned W1 of shape (2, 3)", "contract")
    assert error.text.splitlines() == ["contract: returned W1 of shape (2, 3)", "diagnosis: transposed?",
                                       "note: float32 given"]


def test_two_calls_that_differ_are_a_contract_failure_not_an_error():
    contract = cases(parse(junit.check_xml(report(Point(nondeterministic="W1 differed between calls")))))["contract"]
    failure = contract.find("failure")
    assert contract.find("error") is None
    assert (failure.get("message"), failure.get("type"), failure.text) == ("W1 differed between calls",
                                                                           "nondeterministic", "W1 differed between calls")


def test_a_loss_that_disagrees_fails_its_own_testcase_with_both_losses_to_twelve_digits():
    p = Point(losses={"reference": 0.123456789012345, "candidate": 0.5, "torch": 0.123456789012345},
              loss_agrees={"candidate": False, "torch": True}, diagnosis=["a missing mean?"])
    c = cases(parse(junit.check_xml(report(p))))
    failure = c["loss candidate"].find("failure")
    words = "loss: candidate 0.5, reference 0.123456789012"
    assert (failure.get("message"), failure.get("type")) == (words, "loss")
    assert failure.text.splitlines() == [words, "diagnosis: a missing mean?"]
    assert len(c["loss torch"]) == 0


def test_the_batch_law_is_a_testcase_only_where_it_was_asserted_and_fails_with_its_words():
    assert "batch law" not in cases(parse(junit.check_xml(report(Point()))))
    held = cases(parse(junit.check_xml(report(Point(batch_asserted=True, batch=None)))))["batch law"]
    assert len(held) == 0
    broken = cases(parse(junit.check_xml(report(Point(batch_asserted=True, batch="the loss is a sum")))))["batch law"]
    failure = broken.find("failure")
    assert (failure.get("message"), failure.get("type")) == ("batch law: the loss is a sum", "batch")


def test_a_failing_check_names_its_line_and_the_consensus_unless_a_convention_accepts_it():
    checks = {"W1": {"torch": Check("dW1", False, "dW1[0, 0] = 2 vs 1"), "jax": Check("dW1", True)},
              "b1": {"torch": Check("db1", False, "db1[0] = 3 vs 1")}}
    root = parse(junit.check_xml(report(Point(checks=checks, diagnosis=["off by 2x"]))))
    c = cases(root)
    failure = c["dW1 vs torch"].find("failure")
    assert (failure.get("message"), failure.get("type")) == ("dW1[0, 0] = 2 vs 1", "gradient")
    assert failure.text.splitlines() == ["dW1[0, 0] = 2 vs 1", "the oracles agree", "diagnosis: off by 2x"]
    assert len(c["dW1 vs jax"]) == 0 and c["db1 vs torch"].find("failure") is not None
    assert [root.get(k) for k in ("tests", "failures", "errors")] == ["5", "2", "0"]
    accepted = parse(junit.check_xml(report(Point(checks=checks, accepted=True))))
    assert accepted.get("failures") == "0"


def test_what_the_candidate_printed_is_the_suites_system_out_and_nothing_when_it_printed_nothing():
    root = parse(junit.check_xml(report(Point(output="hello\nworld"))))
    assert root.find("testsuite/system-out").text == "hello\nworld"
    assert parse(junit.check_xml(report(Point()))).find("testsuite/system-out") is None


def test_each_point_is_a_suite_and_the_root_counts_them_all():
    bad = Point("generic", checks={"W2": {"torch": Check("dW2", False, "dW2 wrong")}}, violation="crashed")
    root = parse(junit.check_xml(report(Point(), bad)))
    assert [s.get("name") for s in root.findall("testsuite")] == ["lesson init", "generic"]
    assert [root.get(k) for k in ("tests", "failures", "errors")] == ["6", "1", "1"]
    second = root.findall("testsuite")[1]
    assert [second.get(k) for k in ("tests", "failures", "errors")] == ["3", "1", "1"]


def test_fuzz_and_the_bug_zoo_are_suites_of_their_own_that_pass_or_fail_with_their_first_line():
    fuzz = {"passed": False, "summary": "law descent broken\nreplay: x", "seconds": 2.0}
    zoo = {"passed": True, "matrix_text": "all caught", "seconds": 0.5}
    root = parse(junit.check_xml(report(Point(), fuzz=fuzz, bug_zoo=zoo)))
    f, z = cases(root, "fuzz")["fuzz"], cases(root, "bug zoo")["bug zoo"]
    failure = f.find("failure")
    assert (failure.get("message"), failure.get("type"), failure.text) == ("law descent broken", "fuzz",
                                                                           "law descent broken\nreplay: x")
    assert (f.get("time"), root.find("testsuite[@name='fuzz']").get("time")) == ("2.000", "2.000")
    assert len(z) == 0 and z.get("time") == "0.500"
    silent = parse(junit.check_xml(report(fuzz={"passed": False})))
    assert cases(silent, "fuzz")["fuzz"].find("failure").get("message") == "fuzz"  # no words: its name
    assert parse(junit.check_xml(report(Point()))).find("testsuite[@name='fuzz']") is None


def test_a_report_without_a_total_time_is_timed_zero():
    assert parse(junit.check_xml(report(Point(), total=None))).get("time") == "0.000"


# a gradebook

def test_a_gradebook_is_one_suite_with_a_testcase_per_row_failing_erring_or_passing_as_the_row():
    rows = [Row("a.py:fn", True, "PASS", seconds=1.0),
            Row("b.py:fn", False, "FAIL", "W1 wrong", "mask?", 2.0, fuzz="law broken"),
            Row("c.py:fn", False, "ERROR", "failed to import", "", 0.5),
            Row("d.py:fn", False, "FAIL", "", "", 0.0)]
    book = Gradebook({}, {}, ["torch"], rows, timings_s={"total": 4.0})
    root = parse(junit.gradebook_xml(book))
    assert (root.get("name"), root.get("time")) == ("compare-frameworks gradebook", "4.000")
    (suite,) = root.findall("testsuite")
    assert (suite.get("name"), suite.get("time")) == ("gradebook", "4.000") and suite.find("properties") is None
    c = cases(root)
    assert list(c) == ["a.py:fn", "b.py:fn", "c.py:fn", "d.py:fn"]
    assert all(x.get("classname") == "gradebook" for x in c.values())
    assert [x.get("time") for x in c.values()] == ["1.000", "2.000", "0.500", "0.000"]
    assert len(c["a.py:fn"]) == 0
    failure = c["b.py:fn"].find("failure")
    assert (failure.get("message"), failure.get("type")) == ("W1 wrong", "FAIL")
    assert failure.text.splitlines() == ["W1 wrong", "diagnosis: mask?", "fuzz: law broken"]
    error = c["c.py:fn"].find("error")
    assert c["c.py:fn"].find("failure") is None
    assert (error.get("message"), error.get("type"), error.text) == ("failed to import", "ERROR", "failed to import")
    assert c["d.py:fn"].find("failure").get("message") == "FAIL"  # no words: the verdict
    assert [root.get(k) for k in ("tests", "failures", "errors", "skipped")] == ["4", "2", "1", "0"]


def test_an_interrupted_gradebook_says_so_in_a_property():
    book = Gradebook({}, {}, [], [], interrupted=True)
    props = parse(junit.gradebook_xml(book)).find("testsuite/properties")
    assert [(p.get("name"), p.get("value")) for p in props] == [("interrupted", "true")]


# characters

@pytest.mark.parametrize("raw, spelled", [("\x00", "\\x00"), ("\x1b", "\\x1b"), ("\x7f", "\x7f"), ("\x08", "\\x08"),
                                          ("\ud800", "\\ud800"), ("\ufffe", "\\ufffe"), ("\uffff", "\\uffff"),
                                          ("\t\n\r", "\t\n\r"), ("\ue000\ufffd", "\ue000\ufffd"),
                                          ("\U0001f600", "\U0001f600"), ("\x1f \x20", "\\x1f  ")])
def test_clean_spells_out_exactly_the_characters_xml_1_0_forbids(raw, spelled):
    assert junit.clean(raw) == spelled


def test_clean_takes_any_value_as_its_text():
    assert junit.clean(1.5) == "1.5" and junit.clean(None) == "None"


def test_the_document_is_ascii_with_every_other_character_as_a_reference_that_reads_back():
    book = Gradebook({}, {}, [], [Row("\u00e9l\u00e8ve \U0001f600 <&>.py:fn", False, "FAIL", "\x1b[31m")])
    text = junit.gradebook_xml(book)
    assert text.isascii()
    case = parse(text).find("testsuite/testcase")
    assert case.get("name") == "\u00e9l\u00e8ve \U0001f600 <&>.py:fn"
    assert case.find("failure").get("message") == "\\x1b[31m"
    assert "\n  <testsuite" in text  # indented


# the format registry

def test_the_format_names_in_order_and_those_of_each_kind():
    assert formats.names() == ["table", "json", "markdown", "csv", "junit"]
    assert formats.names(formats.CHECK) == ["table", "json", "markdown", "junit"]
    assert formats.names(formats.GRADEBOOK) == ["table", "json", "markdown", "csv", "junit"]


def test_the_suffixes_are_the_formats_usual_ones():
    assert {n: f.suffix for n, f in formats.FORMATS.items()} == {"table": ".txt", "json": ".json", "markdown": ".md",
                                                                 "csv": ".csv", "junit": ".xml"}


def test_the_help_lists_the_formats_for_both_kinds_then_csv_for_gradebooks_only():
    assert formats.help_text() == "table, json, markdown, junit (csv: gradebooks only)"


def test_either_joins_one_two_or_more_words():
    assert formats._either(["a"]) == "a"
    assert formats._either(["a", "b"]) == "a or b"
    assert formats._either(["a", "b", "c"]) == "a, b or c"


def test_a_refusal_is_none_where_the_format_renders_the_kind_and_says_what_it_is_for_otherwise():
    assert formats.refusal("csv", formats.GRADEBOOK) is None and formats.refusal("junit", formats.CHECK) is None
    assert formats.refusal("csv", formats.CHECK) == ("--format csv is for gradebooks (several candidates); "
                                                     "use table, json, markdown or junit")


def test_a_format_for_checks_only_would_be_refused_for_a_gradebook_naming_the_others(monkeypatch):
    only = formats.Format("html", ".html", "a page", formats._text, None)
    monkeypatch.setitem(formats.FORMATS, "html", only)
    assert formats.refusal("html", formats.GRADEBOOK) == ("--format html is for one candidate's check; "
                                                          "use table, json, markdown, csv or junit")
    assert formats.refusal("html", formats.CHECK) is None


class Result:
    def __init__(self, kind):
        self.KIND = kind

    def to_text(self, width):
        return f"text {width}"


def test_render_passes_the_width_of_120_by_default():
    assert formats.render(Result(formats.CHECK), "table") == "text 120"
    assert formats.render(Result(formats.GRADEBOOK), "table", 33) == "text 33"


def test_render_in_junit_goes_to_the_check_or_the_gradebook_writer_by_kind(monkeypatch):
    monkeypatch.setattr(junit, "check_xml", lambda r: "check")
    monkeypatch.setattr(junit, "gradebook_xml", lambda b: "book")
    assert formats.render(Result(formats.CHECK), "junit") == "check"
    assert formats.render(Result(formats.GRADEBOOK), "junit") == "book"


def test_an_unknown_format_names_every_format_and_the_one_asked():
    with pytest.raises(ValueError) as info:
        formats.render(Result(formats.CHECK), "xml")
    assert str(info.value) == "format must be one of table, json, markdown, csv, junit, not 'xml'"
