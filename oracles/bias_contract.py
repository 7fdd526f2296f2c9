"""A bias gradient of the wrong shape, compared by value: which sum it is.

A contract violation stops the comparison, but a bias gradient whose shape no fix mends still
holds numbers: one number (``np.sum(dZ)``, every axis summed) or one per example
(``np.sum(dZ, axis=0)`` in the deeplearning-ai layout, where axis 0 holds the units). Compared
with the right step's sums at the point, each names its mistake, in the layout's own axes, only
when the numbers agree.
"""
from __future__ import annotations

import re

import numpy as np

from oracles import policy
from oracles.conventions import LAYOUTS, canonical_key
from oracles.mistakes import Finding
from reference.model import backward

# (layout's bias form) -> (the units' axis of dz as that layout holds it, the right sum there)
RIGHT = {"column": ("axis=0", "np.sum(dZ, axis=1, keepdims=True)"), "flat": ("axis=1", "dz.sum(axis=0)"),
         "row": ("axis=1", "np.sum(dz, axis=0, keepdims=True)")}


def bias_finding(outcome, spec, params: dict, X, y, violation: str = "") -> Finding | None:
    """The finding for bias gradients whose shape no fix mends (``outcome.unmended``, or a scalar
    the canonical contract refused), when their values are a sum of the right step over another
    axis; None when none is, or nothing was kept. ``violation``: the contract's words, which name
    the layout ("in the deeplearning-ai convention") the candidate speaks."""
    named = re.search(r"in the (\S+) convention", violation)
    bias_form = LAYOUTS[named.group(1)].bias if named and named.group(1) in LAYOUTS else "row"
    raw = dict(outcome.unmended or {})
    if not raw and outcome.returned:
        raw = {str(k): v for k, v in outcome.returned.get("grads", [])}
    steps = {}
    backward(params, X, y, spec.activation, steps, head=spec.head)
    tol = policy.tolerance("hypothesis", spec.dtype)
    units, right = RIGHT.get(bias_form, RIGHT["row"])
    said, ids = [], []
    for key, value in raw.items():
        k = canonical_key(key)
        if not k.startswith("b") or k not in params or f"dz{k[1:]}" not in steps:
            continue
        dz = steps[f"dz{k[1:]}"]  # (N, H) canonical, the loss's 1/N in it
        units_count = dz.shape[1]
        if "array" not in value and value.get("scalar") and value.get("float") is not None and units_count > 1:
            total = np.array(float(dz.sum()))
            scale = policy.gradient_scale(dz.sum(axis=0))
            # a sum that is 0 at every point (softmax's dz rows) cannot tell np.sum(dz) from a literal 0
            if abs(float(total)) > tol.atol * scale and np.all(tol.close_array(np.array(value["float"]), total)):
                said.append(f"d{k} is sum(dz{k[1:]}) over every axis, the units too (it equals the sum of the "
                            f"{units_count} right entries, {float(total):.6g}): {right} belongs")
                ids.append("bias_summed_over_every_axis")
        elif "array" in value and np.size(value["array"]) == dz.shape[0] != units_count:
            per_example = dz.sum(axis=1)
            if np.all(tol.close_array(np.asarray(value["array"], dtype=np.float64).ravel(), per_example)):
                said.append(f"d{k} sums dz{k[1:]} over the units ({units}) where {right} (the examples) belongs: "
                            f"one number per example, each the right row sum")
                ids.append("bias_summed_over_units")
    if not said:
        return None
    keys = tuple(sorted({canonical_key(k) for k in raw if canonical_key(k).startswith("b")}))
    return Finding(("contract:shape",) + tuple(dict.fromkeys(ids)), "; ".join(said), keys, "cause")
