"""The README is a front door and the docs a site: what each promises a reader, checked on the files.

(That the site builds, every link and anchor between its pages included, is `mkdocs build
--strict`, run by CI; these tests need no MkDocs.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))

INSTALL = ("python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 -e '.[test]' "
           "&& compare-frameworks")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")  # [text](target)
NUMBERED = re.compile(r"\b(issue|contract)s? \d+|#\d+\b", re.IGNORECASE)


def _relative_links(path: Path) -> list[str]:
    """The link targets in a Markdown file that point into the repository (no scheme, no bare anchor)."""
    targets = LINK.findall(path.read_text(encoding="utf-8"))
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


def test_the_readme_is_a_front_door_of_at_most_200_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines: move the detail to a page under docs/"


def test_the_readme_opens_with_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", text, re.DOTALL)
    assert first_block is not None and text.index("```bash") < text.index("\n## ")
    assert first_block.group(1).splitlines() == [INSTALL, "pytest"]


def test_every_page_under_docs_is_linked_from_the_readme():
    linked = {(README.parent / t.split("#")[0]).resolve() for t in _relative_links(README)}
    missing = [p.name for p in PAGES if p.resolve() not in linked]
    assert PAGES and not missing, f"pages the README does not link to: {missing}"


@pytest.mark.parametrize("path", [README, *PAGES], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_names_a_file_that_exists(path):
    broken = [t for t in _relative_links(path) if not (path.parent / t.split("#")[0]).exists()]
    assert not broken, f"{path.name} links to files that do not exist: {broken}"


@pytest.mark.parametrize("path", [README, *PAGES], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_user_docs_carry_no_issue_or_contract_numbers(path):
    found = [m.group(0) for m in NUMBERED.finditer(path.read_text(encoding="utf-8"))]
    assert not found, f"{path.name} names {found}: say what the thing is, not its number"
