"""Finite differences of a layer along random directions, for arrays too big to step entry by entry
(a convolution over a batch of 32 x 32 images): as the network family does above its budget
(:func:`oracles.finite_differences.fd_directions`), ``count`` unit directions per array, drawn after
the candidate answered (seeded by ``--seed``, the point, the array's name and a hash of every
gradient it returned: :func:`oracles.finite_differences.direction_entropy`), so no backward can
put its error where they do not look. Each direction is differenced as one entry is (four
evaluations, kinks found: :func:`oracles.families.forward.judge.differences`); the gradients are
held to the derivatives along them, ``V . g``."""
from __future__ import annotations

import numpy as np

from oracles import policy
from oracles.families.forward.judge import differences
from oracles.families.layers.ties import Along

__all__ = ["Along", "along", "count_for", "draw", "project"]
from oracles.finite_differences import answer_digest, direction_entropy


def count_for(kind, arrays: dict, directions: int | None) -> int:
    """Directions per array: ``directions`` when given (0: every entry), else every entry up to the
    policy's budget (:data:`oracles.policy.FD_EXHAUSTIVE_BUDGET` entries in all) and
    :data:`oracles.policy.FD_DIRECTIONS` above it."""
    if directions is not None:
        return int(directions)
    entries = sum(int(np.size(arrays[k])) for k in kind.grads)
    return 0 if entries <= policy.FD_EXHAUSTIVE_BUDGET else policy.FD_DIRECTIONS


def draw(seed: int, point: str, grads: dict, shapes: dict, count: int) -> dict:
    """``{name: (count, *shape)}`` unit directions, seeded by the candidate's answer."""
    answer = answer_digest(grads)
    out = {}
    for k, shape in shapes.items():
        V = np.random.default_rng(direction_entropy(seed, point, k, answer)).standard_normal((count, *shape))
        V /= np.sqrt((V * V).sum(axis=tuple(range(1, V.ndim)), keepdims=True))
        out[k] = V
    return out


def along(fside, params: dict, inputs: dict, directions: dict, structure: dict | None = None) -> dict:
    """``{name: Differences}`` of ``sum(out * dout)`` along each array's directions (parameter ``t``);
    ``structure`` (:func:`oracles.families.layers.structure.declared`): an array's structure is ``t``'s
    (a function linear or smooth in an array is so along any line through it)."""
    structure = structure or {}
    return {k: differences(Along(fside, params, V, k), {"t": np.zeros(len(V))}, inputs,
                           structure={"t": structure[k]} if k in structure else None)
            for k, V in directions.items()}


def project(directions: dict, grads: dict) -> dict:
    """``V . g`` of each array: a gradient's derivatives along the directions."""
    return {k: np.tensordot(V, np.asarray(grads[k], dtype=np.float64), axes=V.ndim - 1) for k, V in directions.items()}
