"""Gradients where a layer's kinks couple entries (max pooling's tied maxima): each entry alone is
held to an interval, which a gradient sent to *every* tied maximum satisfies; moved together, a
window's tied maxima stay its maximum on both sides, so the gradient's sum over them is a
derivative of the user's forward along that move, which finite differences give (where the move
is smooth: where it is not, the group is not checked)."""
from __future__ import annotations

import numpy as np

from oracles import policy, registry
from oracles.compare import compare
from oracles.families.forward.judge import differences

from oracles.families.layers.report import TIES as NAME


class Along:
    """The forward's side seen as a function of ``t``: the arrays with ``name + t_k v_k``, one ``k`` at a
    time (a window's tied maxima moved together; a random direction of one array)."""

    def __init__(self, side, arrays: dict, vectors: np.ndarray, name: str = "x"):
        self.side, self.arrays, self.vectors, self.name = side, arrays, vectors, name
        self.limit = side.limit

    @property
    def last_seconds(self):
        return getattr(self.side, "last_seconds", None)

    def losses(self, params: dict, inputs: dict, perturb: list, base: int = 0) -> np.ndarray:
        out = list(self.side.losses(self.arrays, inputs, [], base=base)) if base else []
        for _, index, values in perturb:
            for k, value in zip(index, values):
                moved = dict(self.arrays, **{self.name: self.arrays[self.name] + value * self.vectors[k]})
                out += list(self.side.losses(moved, inputs, [], base=1))
        return np.asarray(out, dtype=np.float64)


def along_ties(kind, fside, arrays: dict, hyper: dict, inputs: dict, dx: np.ndarray):
    """A Check of the candidate's sum of dx over each tie group against the finite difference of
    the forward along that group, or None when no group moves smoothly."""
    if kind.tie_groups is None:
        return None
    groups = kind.tie_groups(arrays, hyper)
    if not groups:
        return None
    V = np.stack(groups).astype(np.float64)
    params = {k: np.asarray(arrays[k], dtype=np.float64) for k in kind.grads}
    found = differences(Along(fside, params, V), {"t": np.zeros(len(groups))}, inputs)
    smooth = ~found.kinks["t"].mask
    if not smooth.any():
        return None
    mine = np.tensordot(V, dx, axes=dx.ndim)
    return compare(NAME, registry.DIFFERENCES, mine[smooth], found.central["t"][smooth],
                   policy.tolerance(registry.DIFFERENCES, "float64"))
