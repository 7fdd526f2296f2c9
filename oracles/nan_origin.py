"""A NaN or inf named by its origin: the operation on the candidate's line that made the first non-finite value.

The worker traces a call that returned a NaN or inf (:func:`oracles.worker.traced_invoke`): the
line after which one of the candidate's values first holds one, and the NumPy warnings raised on
that line. This module reads that evidence as a cause: an exp that overflowed, a log of 0, a
division by zero (x / 0, or 0 / 0). The cause is named only when the traced line's own warning
says which (the evidence is the candidate's own run, not a guess from the logits); the head's
saturation story ("softmax without subtracting the row max?") is told only when the line is an
exp that overflowed and subtracts no max.
"""
from __future__ import annotations

import re

from oracles.mistakes import Finding

MADE_HERE = "the first non-finite value is made here"
# (warning on the origin's line, id, words), in the order they are tried: an exp that overflowed
# on the line explains an inf / inf there too
ORIGINS = (("overflow encountered in exp", "nan_exp_overflow", "an exp that overflowed to inf (its argument past "
                                                               "709.78)"),
           ("divide by zero encountered in log", "nan_log_of_zero", "a log of 0 (= -inf)"),
           ("divide by zero encountered in", "nan_division_by_zero", "a division by zero (x / 0 = inf)"),
           ("invalid value encountered in divide", "nan_division_by_zero", "a division of 0 by 0 (= NaN)"),
           ("invalid value encountered in true_divide", "nan_division_by_zero", "a division of 0 by 0 (= NaN)"))
NAN_IDS = ("nan_exp_overflow", "nan_log_of_zero", "nan_division_by_zero")


def traced(fp_error: str | None) -> bool:
    """Whether ``fp_error`` is a traced origin (not only the first warning)."""
    return bool(fp_error) and MADE_HERE in fp_error


def origin_finding(fp_error: str | None) -> Finding | None:
    """The cause a traced origin names, or None (no trace, or a warning that names no known operation)."""
    if not traced(fp_error):
        return None
    where = re.search(r" at (\S+:\d+):", fp_error)
    code = re.search(r" in `(.*)`:", fp_error)
    for warning, id_, words in ORIGINS:
        if warning in fp_error:
            line = f" at {where.group(1)}" if where else ""
            return Finding((id_,), f"the NaN or inf comes from {words}{line}"
                                   f"{f' (`{code.group(1)}`)' if code else ''}", (), "cause")
    return None


def head_story_fits(fp_error: str | None) -> bool:
    """Whether the head's saturation hint may be said beside ``fp_error``: always where no
    operation was traced (no origin, or a line with no warning); with a traced operation, only
    for an exp that overflowed on a line that subtracts no max (a division or a log is another story)."""
    if origin_finding(fp_error) is None:
        return True
    code = re.search(r" in `(.*)`:", fp_error)
    return "overflow encountered in exp" in fp_error and not (code and "max" in code.group(1))
