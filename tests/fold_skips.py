"""One line per skip reason in ``pytest -ra``: a pytest plugin for this project's own suite.

Since pytest 8 a ``pytest.skip`` inside a fixture is reported at each test that used the
fixture, so the summary folds only the tests of one line and one missing data file prints the
same reason once per test (36 lines). Here every skip keeps where ``pytest.skip`` was called,
and before the short summary the skips that share a reason are given one location: that call
when they all share it (``tests/conftest.py:33``), else the folder that holds them all. pytest's
own folding then prints one ``SKIPPED [n] ...`` line per reason.

Loaded by ``tests/conftest.py``; elsewhere with ``-p fold_skips`` (``tests/`` on the path).
"""
from __future__ import annotations

import os

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and call.excinfo is not None and isinstance(report.longrepr, tuple):
        try:
            crash = call.excinfo._getreprcrash()  # where pytest.skip was called (the fixture's line)
        except Exception:  # noqa: BLE001  (a private API: without it, pytest's own locations stand)
            crash = None
        if crash is not None and os.path.dirname(pytest.__file__) != os.path.dirname(str(crash.path)) \
                and f"{os.sep}_pytest{os.sep}" not in str(crash.path):  # a skip mark's: pytest's own code
            report.skip_origin = (str(crash.path), crash.lineno)  # an attribute: never a junit property
    return report


def _origin(report):
    return tuple(getattr(report, "skip_origin", None) or report.longrepr[:2])


def pytest_terminal_summary(terminalreporter):
    """Runs before the terminal reporter's short summary: one location per skip reason."""
    by_reason = {}
    for report in terminalreporter.stats.get("skipped", []):
        if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
            by_reason.setdefault(report.longrepr[2], []).append(report)
    for reason, reports in by_reason.items():
        if len({tuple(r.longrepr[:2]) for r in reports}) < 2:
            continue  # already one line
        origins = {_origin(r) for r in reports}
        if len(origins) == 1:
            path, line = origins.pop()
        else:
            path, line = os.path.commonpath([str(r.longrepr[0]) for r in reports]), None
        for r in reports:
            r.longrepr = (path, line, reason)
