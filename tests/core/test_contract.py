"""The contract's findings: all of a candidate's bugs at once, where a NaN comes from, state across calls."""
from pathlib import Path

import numpy as np
import pytest

from oracles.candidate import load_candidate
from oracles.harness import Point, check_point, run
from reference.data import load_csv
from reference.model import Spec, random_params

LESSON = (Path(__file__).parent.parent / "candidates" / "lesson.py").read_text()


def handle(tmp_path, source: str):
    path = tmp_path / "mine.py"
    path.write_text(source)
    return load_candidate(f"{path}:backward")


def line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


def test_a_squeezed_bias_does_not_hide_a_wrong_weight_beside_it(tmp_path, real):
    source = LESSON.replace("db1 = np.sum(dz1, axis=0, keepdims=True)", "db1 = np.sum(dz1, axis=0)").replace(
        "dW1 = X.T @ dz1", "dW1 = 2 * (X.T @ dz1)")
    with handle(tmp_path, source) as h:
        report = run(Spec(), real, h, ("finite-differences",))
    point = report.points[1]
    assert "db1 has shape (16,), expected (1, 16)" in point.violation
    assert not point.checks["W1"]["finite-differences"].passed  # the values were checked after the fix
    assert point.checks["b1"]["finite-differences"].passed  # the squeezed bias's values are right
    assert report.exit_code() == 1


def test_a_transposed_weight_is_reported_and_its_values_still_checked(tmp_path, real):
    source = LESSON.replace("dW1 = X.T @ dz1", "dW1 = dz1.T @ X")
    with handle(tmp_path, source) as h:
        report = run(Spec(), real, h, ("finite-differences",))
    point = report.points[0]
    assert "dW1 has shape (16, 8), expected (8, 16): transposed?" in point.violation
    assert all(c.passed for per in point.checks.values() for c in per.values())  # right numbers, wrong layout
    assert not report.passed


def test_a_division_by_zero_on_one_row_is_named_with_its_line_not_blamed_on_saturation(tmp_path):
    source = LESSON.replace("dz2 = (y_hat - y) / N", "dz2 = (y_hat - y) / (N - 1)")
    spec = Spec((3, 4, 1))
    params = random_params(spec, 0)
    X, y = np.ones((1, 3)), np.ones((1, 1))
    with handle(tmp_path, source) as h:
        result = check_point(spec, Point("one-row", params, ""), X, y, h, ("finite-differences",))
    violation = result.violation
    assert f"mine.py:{line_of(source, '(N - 1)')}" in violation
    assert "divide by zero" in violation and "one row" in violation
    assert "saturates" not in violation
    assert "dW1 holds" in violation and "dW2 holds" in violation  # every parameter holding NaN or inf


def test_saturation_is_named_only_where_the_logits_saturate(tmp_path):
    source = LESSON.replace("    return {", "    dW1 = dW1 * np.nan\n    return {")  # NaN with no floating-point error
    spec = Spec((3, 4, 1))
    X, y = np.ones((4, 3)), np.ones((4, 1))
    calm = random_params(spec, 0)
    saturated = dict(calm, b2=np.full((1, 1), 60.0))
    with handle(tmp_path, source) as h:
        quiet = check_point(spec, Point("calm", calm, ""), X, y, h, ("finite-differences",)).violation
        loud = check_point(spec, Point("saturated", saturated, ""), X, y, h, ("finite-differences",)).violation
    assert "dW1 holds 12 non-finite values" in quiet and "saturates" not in quiet
    assert "saturates" in loud


def test_gradients_that_accumulate_across_calls_are_named_as_such(tmp_path, real):
    source = LESSON.replace("def backward(params, X, y):", "TOTAL = {}\n\ndef backward(params, X, y):").replace(
        '    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}',
        "    for k, g in (('W1', dW1), ('b1', db1), ('W2', dW2), ('b2', db2)):\n"
        "        TOTAL[k] = TOTAL.get(k, 0) + g  # never zeroed between calls\n"
        "    return {k: v.copy() for k, v in TOTAL.items()}")
    with handle(tmp_path, source) as h:
        report = run(Spec(), real, h, ("finite-differences",))
    assert "gradients accumulated across calls" in report.points[0].nondeterministic


def test_randomness_is_not_called_accumulation(tmp_path, real):
    source = LESSON.replace("    return {", "    dW1 = dW1 * np.random.default_rng().uniform(0.5, 1.5)\n    return {")
    with handle(tmp_path, source) as h:
        report = run(Spec(), real, h, ("finite-differences",))
    found = report.points[0].nondeterministic
    assert "not deterministic" in found and "accumulated" not in found
