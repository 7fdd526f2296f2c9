"""The output formats, declared once (oracles/formats.py): the CLI offers what the registry holds,
and each format renders only the kinds of result it declares."""
import pytest

from oracles import formats
from oracles.shells.cli import parser


class _Result:
    """A stand-in result of one kind: each rendering method returns its own name."""

    def __init__(self, kind):
        self.KIND = kind

    def to_text(self, width):
        return f"to_text {width}"

    def to_json(self):
        return "to_json"

    def to_markdown(self):
        return "to_markdown"

    def to_csv(self):
        return "to_csv"


def test_the_clis_format_choices_are_the_registrys_names_in_order():
    action = next(a for a in parser()._actions if a.dest == "format")
    assert list(action.choices) == list(formats.FORMATS)
    assert action.default == "table"


def test_the_help_names_every_format_once():
    words = formats.help_text().replace(",", " ").replace("(", " ").replace(";", " ").replace(":", " ").split()
    assert all(words.count(name) == 1 for name in formats.FORMATS)


@pytest.mark.parametrize("kind", [formats.CHECK, formats.GRADEBOOK])
def test_a_format_refuses_a_result_of_a_kind_it_does_not_render_in_one_line(kind):
    for name, fmt in formats.FORMATS.items():
        if fmt.renderer(kind) is None:
            with pytest.raises(ValueError, match=f"--format {name} is for") as refused:
                formats.render(_Result(kind), name)
            assert "\n" not in str(refused.value)


@pytest.mark.parametrize("name", ["table", "json", "markdown"])
def test_the_first_formats_render_both_kinds_through_the_results_own_method(name):
    for kind in (formats.CHECK, formats.GRADEBOOK):
        assert formats.render(_Result(kind), name, width=77).startswith({"table": "to_text", "json": "to_json",
                                                                         "markdown": "to_markdown"}[name])


def test_csv_renders_gradebooks_only_and_table_passes_the_width_on():
    assert formats.render(_Result(formats.GRADEBOOK), "csv") == "to_csv"
    with pytest.raises(ValueError, match="use table, json, markdown or junit"):
        formats.render(_Result(formats.CHECK), "csv")
    assert formats.render(_Result(formats.CHECK), "table", width=77) == "to_text 77"


def test_an_unknown_format_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match="'xml'"):
        formats.render(_Result(formats.CHECK), "xml")


def test_every_format_declares_a_suffix_and_a_description():
    for fmt in formats.FORMATS.values():
        assert fmt.suffix.startswith(".") and fmt.description
