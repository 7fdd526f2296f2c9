"""One assertion for gradient agreement: the policy's tolerance, :func:`oracles.compare.compare`,
and, on failure, the report's own localized line (``Check.line()``), so a failing test reads like
the report: the parameter, the worst entry, both values, their ratio, how many entries are over.
"""
from __future__ import annotations

from oracles import policy
from oracles.compare import compare


def assert_agrees(tested: dict, oracle: dict, name: str, dtype: str = "float64", *, row: str | None = None,
                  against: str = "reference", near_kink: dict | None = None, intervals=None,
                  unit: float = 1.0, keys=None) -> dict:
    """Every parameter of ``tested`` lies within the policy's tolerance of ``oracle``'s values.

    ``name``: the oracle's name in the line; ``row``: the policy row (default ``name``);
    ``against``: how the line names the tested side; ``near_kink``: the finite differences'
    near-kink masks (counted, compared like every entry); ``intervals``: subgradient intervals
    (:func:`oracles.kinks.subgradients`) for entries at an exact kink. Returns the checks.
    """
    tol = policy.tolerance(row or name, dtype, unit=unit)
    checks = {}
    for k in (keys or oracle):
        near = near_kink.get(k) if near_kink is not None else None
        sub = intervals.get(k) if intervals is not None else None
        checks[k] = check = compare(k, name, tested[k], oracle[k], tol, sub, near)
        assert check.passed, check.line(against)
    return checks


def assert_disagrees(tested: dict, oracle: dict, name: str, key: str, dtype: str = "float64", *,
                     row: str | None = None, near_kink: dict | None = None):
    """``tested[key]`` is over the policy's tolerance of ``oracle[key]`` somewhere: the check fails."""
    near = near_kink.get(key) if near_kink is not None else None
    check = compare(key, name, tested[key], oracle[key], policy.tolerance(row or name, dtype), None, near)
    assert not check.passed, f"expected a disagreement at {key}, got max |err| {check.max_abs_err:.3g} within tolerance"
    return check
