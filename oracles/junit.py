"""JUnit XML, the test report every CI reads (``--format junit``), made from the results themselves.

A check's report (the built-in network, your forward, a layer): one ``<testsuite>`` per point,
whose testcases are the point's ``contract`` (an ``<error>`` when the candidate broke it or crashed,
a ``<failure>`` when two calls differed), each loss held to the point's own, and each (parameter,
oracle) check of the point's table (a ``<failure>`` naming the worst entry, with the diagnosis);
then ``fuzz`` and ``bug zoo`` when they ran. What the candidate printed is the point's
``<system-out>``. A gradebook: one testcase per candidate (a ``<failure>`` with its first failure
and diagnosis; an ``<error>`` when it could not be graded).

ElementTree escapes the markup; characters XML 1.0 cannot carry at all (most control characters, a
lone surrogate) are written as ``\\xNN`` / ``\\uNNNN``, so a candidate's output never breaks the file.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from oracles.report import OUTPUT_BYTES, _bounded_lines

# what XML 1.0 allows (its Char production); anything else is spelled out
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def clean(text) -> str:
    """``text`` with every character XML 1.0 forbids written as its escape (``\\x1b``, ``\\ud800``)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        str(text))


def _element(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text:
        node.text = clean(text)
    return node


def _seconds(value) -> str:
    return f"{float(value or 0.0):.3f}"


def _case(suite, classname: str, name: str, seconds=0.0, failure=None, error=None) -> None:
    """A testcase; ``failure`` / ``error``: ``(message, type, text)`` or None."""
    case = _element(suite, "testcase", classname=classname, name=name, time=_seconds(seconds))
    for tag, what in (("failure", failure), ("error", error)):
        if what is not None:
            message, kind, text = what
            _element(case, tag, text, message=message, type=kind)


def _suite(parent, name: str, seconds=0.0) -> ET.Element:
    return _element(parent, "testsuite", name=name, tests="0", failures="0", errors="0", skipped="0",
                    time=_seconds(seconds))


def _count(node: ET.Element) -> None:
    """Each testsuite's (and the testsuites') tests, failures and errors, counted from its testcases."""
    cases = list(node.iter("testcase"))
    node.set("tests", str(len(cases)))
    node.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    node.set("errors", str(sum(c.find("error") is not None for c in cases)))
    node.set("skipped", "0")


def _document(root: ET.Element) -> str:
    for suite in root.iter("testsuite"):
        _count(suite)
    _count(root)
    ET.indent(root)
    return DECLARATION + ET.tostring(root, encoding="us-ascii").decode("ascii") + "\n"  # ASCII: any locale writes it


def _point(root, report, p) -> None:
    """One point's testsuite: its contract, its losses, every check of its table."""
    suite = _suite(root, p.name)
    why = [f"diagnosis: {d}" for d in p.diagnosis] + [f"note: {n}" for n in p.notes]
    properties = _element(suite, "properties")
    _element(properties, "property", name="candidate", value=report.candidate)
    _element(properties, "property", name="about", value=p.about)
    broke = (p.violation, "contract", "\n".join([f"contract: {p.violation}"] + why)) if p.violation else None
    differed = (p.nondeterministic, "nondeterministic", "\n".join([p.nondeterministic] + why)) \
        if p.nondeterministic and not p.violation else None
    _case(suite, p.name, "contract", failure=differed, error=broke)
    base = p.losses.get(p.LOSS_BASE)
    for source, agrees in p.loss_agrees.items():
        words = f"loss: {source} {p.losses[source]:.12g}, {p.LOSS_BASE} {base:.12g}"
        _case(suite, p.name, f"loss {source}",
              failure=None if agrees else (words, "loss", "\n".join([words] + why)))
    for param, per in p.table().items():
        for oracle, check in per.items():
            failed = not check.passed and not p.accepted  # accepted: a convention of the lesson's explains it
            line = check.line()
            _case(suite, p.name, f"{check.name} vs {oracle}",
                  failure=(line, "gradient", "\n".join([line, p.consensus_line()] + why)) if failed else None)
    printed = _bounded_lines(p.output, OUTPUT_BYTES)
    if printed:
        _element(suite, "system-out", "\n".join(printed))


def check_xml(report) -> str:
    """A check's report (:class:`oracles.report.Report` or a family's) as JUnit XML."""
    root = ET.Element("testsuites", name=clean(f"compare-frameworks {report.candidate}"),
                      time=_seconds(report.timings_s.get("total")))
    for p in report.points:
        _point(root, report, p)
    for name, part, text in (("fuzz", report.fuzz, "summary"), ("bug zoo", report.bug_zoo, "matrix_text")):
        if part is not None:
            words = str(part.get(text, ""))
            suite = _suite(root, name, part.get("seconds", 0.0))
            _case(suite, name, name, part.get("seconds", 0.0),
                  failure=None if part.get("passed") else (words.splitlines()[0] if words else name, name, words))
    return _document(root)


def gradebook_xml(book) -> str:
    """A gradebook as JUnit XML: one testcase per candidate's row."""
    total = book.timings_s.get("total")
    root = ET.Element("testsuites", name="compare-frameworks gradebook", time=_seconds(total))
    suite = _suite(root, "gradebook", total)
    if book.interrupted:
        _element(_element(suite, "properties"), "property", name="interrupted", value="true")
    for r in book.rows:
        text = "\n".join(filter(None, [r.first_failure, r.diagnosis and f"diagnosis: {r.diagnosis}",
                                       r.fuzz and f"fuzz: {r.fuzz}"]))
        what = (r.first_failure or r.verdict, r.verdict, text)
        graded = r.verdict != "ERROR"  # ERROR: it could not be loaded, or the judge broke on it
        _case(suite, "gradebook", r.candidate, r.seconds,
              failure=what if graded and not r.passed else None, error=None if graded else what)
    return _document(root)
