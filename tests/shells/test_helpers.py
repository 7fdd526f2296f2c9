"""The tests' agreement helper fails the way the report does: with the report's own line."""
import pytest

from helpers import assert_agrees, assert_disagrees
from oracles.candidate import InProcess
from oracles.harness import lesson_point, run
from oracles.torch_oracle import torch_oracle
from properties import catalogue
from reference.data import synthetic
from reference.model import Spec, backward


def test_a_failed_agreement_reads_as_the_reports_line_for_the_same_check():
    data, spec = synthetic(rows=40, features=3), Spec((3, 5, 1))
    report = run(spec, data, InProcess("missing-relu-mask", catalogue.missing_relu_mask), oracles=("torch",))
    checks = report.points[0].checks
    params = lesson_point(spec).params
    _, exact = torch_oracle(spec, params, data.X, data.y)
    wrong = catalogue.missing_relu_mask(params, data.X, data.y)
    with pytest.raises(AssertionError) as failed:
        assert_agrees(wrong, exact, "torch", against="candidate")
    first = next(k for k in params if not checks[k]["torch"].passed)
    assert str(failed.value).splitlines()[0] == checks[first]["torch"].line()
    assert_disagrees(wrong, exact, "torch", first)
    assert_agrees(backward(params, data.X, data.y), exact, "torch")  # quiet where everything agrees
