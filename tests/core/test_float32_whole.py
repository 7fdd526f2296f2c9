"""The whole-parameter rule of the float32 rows (docs/numerical-policy-and-kinks.md, "A whole-parameter
rule in float32"): ``||g - o|| <= WHOLE_ATOL * S * sqrt(n) + WHOLE_RTOL * ||o||`` beside the entrywise
rule, so a float32 backward wrong by 0.1% on a whole parameter fails though every entry is within
the entrywise rtol (2e-3)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from oracles import policy
from oracles.candidate import InProcess
from oracles.compare import compare
from oracles.harness import run
from properties.heldout import load_cases
from reference.model import Spec, backward

N_MINUS_1 = {c.name: c for c in load_cases("batch1")}["unbiased_mean"].backward


def f32(real, fn, name, oracles=("finite-differences", "torch", "jax")):
    return run(Spec((real.features, 16, 1), "relu", "float32"), real, InProcess(name, fn), oracles=oracles)


def test_every_float32_gradient_row_has_the_whole_rule_and_no_float64_row_does():
    for check in ("finite-differences", "torch", "jax", "hypothesis"):
        tol = policy.tolerance(check, "float32")
        assert (tol.whole_atol, tol.whole_rtol) == (policy.WHOLE_ATOL, policy.WHOLE_RTOL)
        assert policy.tolerance(check, "float64").whole_rtol is None


def test_an_error_just_inside_the_whole_bound_passes_and_just_beyond_fails():
    tol = policy.tolerance("torch", "float32")
    o = np.linspace(-0.5, 0.5, 64).reshape(8, 8) + 0.01  # S = max(1, max |o|) = 1
    bound = tol.whole_atol * 1.0 * np.sqrt(o.size) + tol.whole_rtol * np.linalg.norm(o)
    d = np.sign(o) / np.sqrt(o.size)  # unit norm, every entry far inside the entrywise rule
    assert compare("W1", "torch", o + 0.99 * bound * d, o, tol).passed
    beyond = compare("W1", "torch", o + 1.01 * bound * d, o, tol)
    assert not beyond.passed and beyond.over_tolerance == 0 and beyond.whole_passed is False


def test_a_float32_backward_dividing_by_n_minus_1_fails_on_the_whole_parameter_line_and_is_named(real):
    report = f32(real, N_MINUS_1, "unbiased_mean")
    assert report.exit_code() == 1
    failed = [c for p in report.points for c in p.failures()]
    assert failed and all(c.over_tolerance == 0 and c.whole_passed is False for c in failed)  # the whole rule alone
    lines = report.points[0].verdict_lines()
    assert any(" as a whole: |yours - " in line and "every entry is within the entrywise tolerance" in line
               for line in lines), lines
    assert any("1.0013x (0.13% too large)" in line for line in lines), lines
    causes = [i for p in report.points for f in p.findings if f.cause for i in f.ids]
    assert set(causes) == {"factor:N-1"}


def test_the_reference_in_float32_passes_at_the_lessons_points_with_the_whole_rule_in_the_json(real):
    report = f32(real, lambda p, X, y: backward(p, X, y), "reference32")
    assert report.exit_code() == 0, report.points[0].verdict_lines()
    checks = json.loads(report.to_json())["points"][0]["parameters"][0]["checks"]
    for c in checks.values():
        assert c["whole_passed"] is True and c["whole_rtol"] == policy.WHOLE_RTOL
        assert 0 <= c["whole_rel_err"] < policy.WHOLE_RTOL


@pytest.mark.parametrize("key", ["W1", "W2"])
def test_a_1e_3_relative_error_on_one_weight_fails_in_float32_at_the_lessons_init(real, key):
    def off(params, X, y):
        grads = backward(params, X, y)
        grads[key] = (grads[key] * (1 + 1e-3)).astype(grads[key].dtype)
        return grads

    report = f32(real, off, "off-by-1e-3")
    init = report.points[0]
    assert init.name == "lesson-init" and not init.passed
    assert {c.param for c in init.failures()} == {key}


def test_float64_checks_carry_the_whole_keys_as_null(real):
    report = run(Spec((real.features, 16, 1)), real, InProcess("ref", lambda p, X, y: backward(p, X, y)),
                 oracles=("torch",))
    c = json.loads(report.to_json())["points"][0]["parameters"][0]["checks"]["torch"]
    assert (c["whole_rel_err"], c["whole_passed"], c["whole_rtol"]) == (None, None, None)
