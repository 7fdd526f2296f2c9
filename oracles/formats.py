"""Every output format, declared once: its name, what it renders (a check's report, a gradebook, or
both), the suffix its files usually carry and one line of description.

The CLI's ``--format`` choices, its help and its refusals are made from :data:`FORMATS`;
:func:`render` is the one way a result becomes text in a format (the CLI's, and a notebook's:
``render(report, "markdown")``). A new format is one :class:`Format` here and its renderers.
This module imports nothing heavy: the CLI reads it before parsing its arguments.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

CHECK, GRADEBOOK = "check", "gradebook"  # what a result is: its class's ``KIND``

Renderer = Callable[[object, int], str]  # (the result, the terminal's width) -> the text


def _text(result, width: int) -> str:
    return result.to_text(width=width)


def _json(result, width: int) -> str:
    return result.to_json()


def _markdown(result, width: int) -> str:
    return result.to_markdown()


def _csv(book, width: int) -> str:
    return book.to_csv()


def _junit(report, width: int) -> str:
    from oracles.junit import check_xml  # ElementTree and the report, read only when asked for

    return check_xml(report)


def _junit_book(book, width: int) -> str:
    from oracles.junit import gradebook_xml

    return gradebook_xml(book)


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str  # what a file written in it usually ends with
    description: str
    check: Optional[Renderer]  # renders a check's report (the built-in network, your forward, a layer); None: not
    gradebook: Optional[Renderer]  # renders a gradebook (several candidates); None: not

    def renderer(self, kind: str) -> Optional[Renderer]:
        return self.check if kind == CHECK else self.gradebook


FORMATS = {f.name: f for f in (
    Format("table", ".txt", "a table per point, as a terminal shows it", _text, _text),
    Format("json", ".json", "every figure, for tools", _json, _json),
    Format("markdown", ".md", "tables in Markdown, for a pull request or a page", _markdown, _markdown),
    Format("csv", ".csv", "one row per candidate, for a spreadsheet", None, _csv),
    Format("junit", ".xml", "JUnit XML, the test report CI systems read", _junit, _junit_book),
)}


def names(kind: str | None = None) -> list:
    """The formats' names, in declaration order; with ``kind``, those that render it."""
    return [name for name, f in FORMATS.items() if kind is None or f.renderer(kind) is not None]


def _either(words: list) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def help_text() -> str:
    """``--format``'s help: the formats every result takes, then those for one kind only."""
    both = [n for n in names(CHECK) if n in names(GRADEBOOK)]
    only = [f"{n}: {kind}s only" for kind in (CHECK, GRADEBOOK) for n in names(kind) if n not in both]
    return ", ".join(both) + (f" ({'; '.join(only)})" if only else "")


def refusal(name: str, kind: str) -> str | None:
    """Why ``name`` cannot render a result of ``kind`` (one line), or None when it can."""
    if FORMATS[name].renderer(kind) is not None:
        return None
    other = GRADEBOOK if kind == CHECK else CHECK
    what = {GRADEBOOK: "gradebooks (several candidates)", CHECK: "one candidate's check"}[other]
    return f"--format {name} is for {what}; use {_either(names(kind))}"


def render(result, name: str, width: int = 120) -> str:
    """``result`` (a check's report or a gradebook) as text in the format ``name``.

    Raises:
        ValueError: ``name`` is no format, or not one for this kind of result.
    """
    if name not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {name!r}")
    why = refusal(name, result.KIND)
    if why is not None:
        raise ValueError(why)
    return FORMATS[name].renderer(result.KIND)(result, width)
