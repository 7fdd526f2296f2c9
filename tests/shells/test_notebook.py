"""Where the lesson is done: a real notebook, run headless by a Python kernel, as a student runs it.

The notebook holds the lesson's code in a cell (its ``backward`` lives in the kernel's
``__main__``), then the README's notebook example: ``from oracles import check, fuzz``,
``report = check(backward)`` with ``report`` shown, ``print(report.to_text())``,
``fuzz(backward)`` and ``report.plot()``, and a buggy variant. What a person sees is asserted on:
how many outputs each cell shows, their MIME types, their text, and no warning anywhere.
"""
import re
from pathlib import Path

import nbclient  # the test extra: pip install -e '.[test]' (installs nbclient, nbformat, ipykernel)
import nbformat
import pytest

LESSON = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()
BUGGY = LESSON.replace("def backward(", "def buggy_backward(").replace("dz1 = da1 * (z1 > 0)", "dz1 = da1")
FUZZ_EXAMPLES = 20
CELLS = {  # the README's example, a cell per call, after the lesson's own code
    "lesson": LESSON,
    "import": "from oracles import check, fuzz",
    "check": "report = check(backward, data={data!r})\nreport",
    "to_text": "print(report.to_text())",
    "buggy": BUGGY + "\ncheck(buggy_backward, data={data!r})",
    "fuzz": f"fuzz(backward, {FUZZ_EXAMPLES}, oracles='finite-differences')",
    "fuzz_kept": f"kept = fuzz(backward, {FUZZ_EXAMPLES}, oracles='finite-differences')",
    "fuzz_shown": "kept",
    "plot": "report.plot()",
}


@pytest.fixture(scope="module")
def notebook(real_path, tmp_path_factory):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source.replace("{data!r}", repr(str(real_path)))) for source in CELLS.values()]
    folder = tmp_path_factory.mktemp("notebook")
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(folder)}}).execute()
    return dict(zip(CELLS, nb.cells))


def html_of(cell) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs if o.output_type == "execute_result")


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_the_lessons_backward_from_a_cell_shows_pass_with_the_table(notebook):
    html = html_of(notebook["check"])
    assert "PASS: every check agrees" in html
    assert html.count("<tr") >= 1 + 2 * 4 * 3  # a header and a row per point, parameter and oracle
    assert "diabetes.csv" in html


def test_a_report_is_one_output_with_html_and_the_text_report_as_its_plain_text(notebook):
    outputs = notebook["check"].outputs
    assert [o.output_type for o in outputs] == ["execute_result"]  # nothing printed beside it
    data = outputs[0]["data"]
    assert {"text/html", "text/plain"} <= set(data)
    plain = data["text/plain"]
    assert plain.startswith("candidate __main__:backward | data ") and plain.rstrip().endswith("PASS: every check agrees")
    assert "point lesson-init" in plain and "point generic" in plain


def test_print_to_text_shows_the_text_report_once(notebook):
    outputs = notebook["to_text"].outputs
    assert [(o.output_type, o.get("name")) for o in outputs] == [("stream", "stdout")]
    shown = outputs[0]["text"]
    assert shown.startswith("candidate __main__:backward | data ") and "PASS: every check agrees" in shown
    assert shown.count("point lesson-init:") == 1


def test_a_buggy_variant_shows_fail_naming_the_parameter_and_the_diagnosis(notebook):
    assert len(notebook["buggy"].outputs) == 1
    shown = text(html_of(notebook["buggy"]))
    assert "FAIL" in shown
    assert "W1[" in shown and "b1[" in shown
    assert "diagnosis:" in shown and "mask" in shown


def test_fuzz_shows_one_output_its_progress_line_become_the_verdict(notebook):
    (result,) = notebook["fuzz"].outputs  # the progress line, updated in place, and at the end the result
    assert result.output_type == "display_data" and {"text/html", "text/plain"} <= set(result["data"])
    shown = text(result["data"]["text/html"])
    assert "fuzz: PASS" in shown and f"{FUZZ_EXAMPLES} examples, every law held" in shown
    assert result["data"]["text/plain"].startswith(f"fuzz: {FUZZ_EXAMPLES} examples, every law held")


@pytest.mark.parametrize("cell", ["fuzz_kept", "fuzz_shown"])
def test_a_kept_fuzz_result_shows_once_where_it_ran_and_again_where_it_is_asked_for(notebook, cell):
    (result,) = notebook[cell].outputs
    assert result.output_type == "display_data" and {"text/html", "text/plain"} <= set(result["data"])
    assert result["data"]["text/plain"].startswith(f"fuzz: {FUZZ_EXAMPLES} examples, every law held")


def test_the_plot_is_drawn_once(notebook):
    outputs = notebook["plot"].outputs
    assert [o.output_type for o in outputs] == ["execute_result"]
    assert "image/png" in outputs[0]["data"]


def test_no_cell_shows_a_warning_or_writes_to_standard_error(notebook):
    for name, cell in notebook.items():
        assert not [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"], name
        assert not [o for o in cell.outputs if o.output_type == "error"], name
        assert "Warning" not in str(cell.outputs), name


def test_the_functions_of_a_notebook_ran_isolated(notebook):
    """The kernel's own process never ran the backward: the report carries no note saying it did."""
    assert "--no-isolation" not in html_of(notebook["check"])
    assert "--no-isolation" not in html_of(notebook["buggy"])
