"""Where the lesson is done: a real notebook, run headless by a Python kernel, as a student runs it.

The notebook holds the lesson's code in a cell (its ``backward`` lives in the kernel's
``__main__``), then ``check(backward)``, a buggy variant, and ``fuzz(backward)``. Its outputs,
the HTML a notebook shows, are asserted on.
"""
import re
from pathlib import Path

import nbclient  # the test extra: pip install -e '.[test]' (installs nbclient, nbformat, ipykernel)
import nbformat
import pytest

LESSON = (Path(__file__).parent / "candidates" / "lesson.py").read_text()
BUGGY = LESSON.replace("def backward(", "def buggy_backward(").replace("dz1 = da1 * (z1 > 0)", "dz1 = da1")


@pytest.fixture(scope="module")
def notebook(real_path, tmp_path_factory):
    cells = [
        LESSON,  # the lesson's code, pasted into a cell
        f"from oracles import check, fuzz\nreport = check(backward, data={str(real_path)!r})\nreport",
        BUGGY + f"\ncheck(buggy_backward, data={str(real_path)!r})",
        "result = fuzz(backward, 6, oracles='finite-differences', progress=False)\nresult",
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    folder = tmp_path_factory.mktemp("notebook")
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def html_of(cell) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs if o.output_type == "execute_result")


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_the_lessons_backward_from_a_cell_shows_pass_with_the_table(notebook):
    html = html_of(notebook.cells[1])
    assert "PASS: every check agrees" in html
    assert html.count("<tr") >= 1 + 2 * 4 * 3  # a header and a row per point, parameter and oracle
    assert "diabetes.csv" in html


def test_a_buggy_variant_shows_fail_naming_the_parameter_and_the_diagnosis(notebook):
    shown = text(html_of(notebook.cells[2]))
    assert "FAIL" in shown
    assert "W1[" in shown and "b1[" in shown
    assert "diagnosis:" in shown and "mask" in shown


def test_fuzz_from_a_notebook_renders_its_verdict(notebook):
    shown = text(html_of(notebook.cells[3]))
    assert "fuzz: PASS" in shown and "6 examples, every law held" in shown


def test_the_functions_of_a_notebook_ran_isolated(notebook):
    """The kernel's own process never ran the backward: the report carries no note saying it did."""
    assert "--no-isolation" not in html_of(notebook.cells[1])
    assert "--no-isolation" not in html_of(notebook.cells[2])
