"""One comparison helper: a candidate's gradient against an oracle's, under one tolerance."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from oracles.policy import Tolerance, gradient_scale


@dataclass
class Check:
    """The verdict for one (parameter, oracle) pair (DESIGN.md, contract 5)."""

    param: str
    oracle: str
    passed: bool
    max_abs_err: float
    max_rel_err: float
    worst_index: list
    candidate_value: float
    oracle_value: float
    over_tolerance: int
    kinks: int
    worst_ratio: float  # the worst entry's |g - o| / (atol * scale + rtol |o|): over 1 fails
    atol: float
    rtol: float
    scale: float  # max(1, max |o|): atol is counted in these units
    # entry by entry: |g - o| over the entry's tolerance (over 1 fails), NaN where a kink decided
    ratios: object = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        d = asdict(self)
        del d["param"], d["oracle"], d["ratios"]
        return d

    def line(self, against: str = "candidate") -> str:
        """``torch vs candidate: W1[3, 2] = 0.0123 vs 0.0615 (5.0x)``-style summary."""
        idx = ", ".join(map(str, self.worst_index))
        ratio = self.candidate_value / self.oracle_value if self.oracle_value else float("inf")
        head = f"{self.oracle} vs {against}: {self.param}[{idx}] = {self.oracle_value:.6g} vs {self.candidate_value:.6g}"
        tail = f" ({ratio:.3g}x)" if np.isfinite(ratio) else ""
        return f"{head}{tail}, {self.over_tolerance} entr{'y' if self.over_tolerance == 1 else 'ies'} over tolerance"


def compare(param: str, oracle: str, g, o, tol: Tolerance, kinks=None) -> Check:
    """Compare candidate ``g`` with oracle ``o`` entry by entry; kink entries are excused."""
    g = np.asarray(g, dtype=np.float64)
    o = np.asarray(o, dtype=np.float64)
    excused = np.zeros(o.shape, dtype=bool) if kinks is None else np.asarray(kinks, dtype=bool)
    counted = ~excused
    err = np.abs(g - o)
    nonzero = counted & (o != 0)
    scale = gradient_scale(o[counted])
    over = ~tol.close(g, o, scale) & counted
    # the worst entry: the largest excess over tolerance among counted entries
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(counted, err / (tol.atol * scale + tol.rtol * np.abs(o)), -1.0)
    worst = np.unravel_index(int(np.argmax(excess)), o.shape) if o.size else ()
    return Check(
        param=param,
        oracle=oracle,
        passed=not over.any(),
        max_abs_err=float(err[counted].max()) if counted.any() else 0.0,
        max_rel_err=float((err[nonzero] / np.abs(o[nonzero])).max()) if nonzero.any() else 0.0,
        worst_index=[int(i) for i in worst],
        candidate_value=float(g[worst]) if o.size else 0.0,
        oracle_value=float(o[worst]) if o.size else 0.0,
        over_tolerance=int(over.sum()),
        kinks=int(excused.sum()),
        worst_ratio=float(max(excess[worst], 0.0)) if o.size else 0.0,
        atol=tol.atol,
        rtol=tol.rtol,
        scale=scale,
        ratios=np.where(counted, excess, np.nan),
    )
