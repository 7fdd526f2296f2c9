"""What a user sees of the files the CLI writes and of its help: reports, plots and gradebook CSVs
get the ordinary permissions (the umask; a replaced file keeps its own), and --help is plain text."""
from __future__ import annotations

import os
import stat

import pytest

from oracles.shells.cli import main

FD = ("--oracles", "finite-differences")


@pytest.fixture
def umask():
    """Set the process umask for one test, then put the old one back."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_report_and_a_plot_get_the_permissions_the_umask_gives(tmp_path, umask, mask, expected):
    umask(mask)
    report, plot = tmp_path / "report.md", tmp_path / "errors.png"
    assert main([*FD, "--format", "markdown", "--output", str(report), "--plot", str(plot)]) == 0
    assert (mode(report), mode(plot)) == (expected, expected)


def test_a_gradebook_csv_gets_the_permissions_the_umask_gives(tmp_path, umask):
    from pathlib import Path

    umask(0o022)
    lesson = Path(__file__).parent.parent / "candidates" / "lesson.py"
    book = tmp_path / "grades.csv"
    code = main([*FD, "--candidate", f"{lesson}:backward", "--candidate", f"{lesson}:backward",
                 "--format", "csv", "--output", str(book)])
    assert code == 0 and mode(book) == 0o644


def test_a_replaced_report_keeps_its_own_permissions(tmp_path, umask):
    umask(0o022)
    report = tmp_path / "report.md"
    report.write_text("old\n")
    os.chmod(report, 0o640)
    assert main([*FD, "--format", "markdown", "--output", str(report)]) == 0
    assert mode(report) == 0o640 and report.read_text() != "old\n"


def test_the_help_is_plain_text_without_markup(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and "--data" in out
    assert "`" not in out and not any(role in out for role in (":class:", ":func:", ":mod:", ":attr:", "**"))
