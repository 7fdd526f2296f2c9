"""Laws over a layer's backward, checked at each point when the check fuzzes (``--fuzz``): the
candidate's worker is asked for the pair again at the same arrays and ``dout``, and at ``2 dout``.

- **determinism**: two calls give the same gradients (to the policy's determinism row);
- **linearity in dout**: ``backward(2 dout) == 2 backward(dout)``. Every layer's backward is a
  vector-Jacobian product, linear in ``dout`` whatever the layer (doubling is exact in floating
  point), so the law is asked of every kind with a ``dout`` (not of a loss, which has none).
"""
from __future__ import annotations

import numpy as np

from oracles import policy
from oracles.compare import compare

DETERMINISM = "determinism"
LINEARITY = "linearity in dout"


def _returned(kind, outcome) -> list | None:
    """The gradients a pair call returned, in the kind's order, or None when it broke its contract."""
    if outcome.failure is not None or outcome.returned is None or outcome.returned.get("kind") != "layer":
        return None
    values = outcome.returned["grads"]
    if len(values) != len(kind.grads) or any("array" not in v for v in values):
        return None
    return [np.asarray(v["array"], dtype=np.float64) for v in values]


def _differ(kind, mine: list, expected: list) -> str | None:
    """``dw[1, 2] (expected 0.5, got 1.0)`` at the first array whose entries differ beyond the row."""
    tol = policy.tolerance("determinism", "float64")
    for k, a, b in zip(kind.grads, expected, mine):
        if a.shape != b.shape:
            return f"d{k} of shape {b.shape}, then {a.shape}"
        c = compare(f"d{k}", "first call", b, a, tol)
        if not c.passed:
            return (f"d{k}[{', '.join(map(str, c.worst_index))}] (expected {c.oracle_value:.6g}, "
                    f"got {c.candidate_value:.6g})")
    return None


def check_laws(kind, bside, arrays: dict, douts: list, grads: dict) -> list:
    """The laws the backward breaks at this point, one line each (empty: none)."""
    first = [np.asarray(grads[k], dtype=np.float64) for k in kind.grads]
    lines = []
    again = _returned(kind, bside.pair(arrays, douts))
    where = "a second call broke the contract" if again is None else _differ(kind, again, first)
    if where:
        lines.append(f"law {DETERMINISM}: two calls on the same arrays and dout differ: {where}")
    if not kind.loss:
        doubled = _returned(kind, bside.pair(arrays, [2 * np.asarray(d) for d in douts]))
        where = "the call with 2 dout broke the contract" if doubled is None else \
            _differ(kind, doubled, [2 * g for g in first])
        if where:
            lines.append(f"law {LINEARITY}: backward(2 dout) is not 2 backward(dout): {where}")
    return lines
