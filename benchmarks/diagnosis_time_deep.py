"""How long one point's diagnosis takes, at the lesson's size (8 -> 16 -> 1) and at hidden 64,64.

Usage: ``python benchmarks/diagnosis_time_deep.py [DATA] [REPEATS]`` (DATA: the Pima file). For each
size, four candidates at the lesson's init: a named factor (found among the whole-backward
hypotheses), a mask missing on the last hidden layer only (the per-layer hypotheses; at one
hidden layer, the whole-network one), a float64 forward difference's numbers (no formula: the
finite-difference search runs) and seeded noise (no formula, nothing fits: every search runs,
the worst case). Prints the median and max seconds of :func:`oracles.diagnosis.diagnose` over
REPEATS calls (default 5).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oracles.diagnosis import diagnose  # noqa: E402
from oracles.harness import lesson_point, make_spec  # noqa: E402
from reference.data import load  # noqa: E402
from reference.model import backprop, backward, forward, loss  # noqa: E402


def candidates(spec, params, X, y) -> dict:
    right = backward(params, X, y, spec.activation)
    L = len(params) // 2
    _, cache = forward(params, X, spec.activation)
    top = L - 1

    def last_mask_missing(z, a):
        return np.ones_like(z) if z is cache[f"z{top}"] else (z > 0).astype(z.dtype)

    dz = (cache["y_hat"] - y) / len(X)
    fd = {}
    base, h = loss(params, X, y, spec.activation), 1e-5
    for k in ("b1",):  # a forward difference on one small parameter, the rest right: enough to run the search
        g = np.zeros_like(params[k])
        for i in range(g.size):
            moved = params[k].copy()
            moved.flat[i] += h
            g.flat[i] = (loss(dict(params, **{k: moved}), X, y, spec.activation) - base) / h
        fd[k] = g
    rng = np.random.default_rng(0)
    return {"factor 2 on every gradient": {k: 2 * v for k, v in right.items()},
            "mask missing on the last hidden layer": backprop(params, cache, dz, L, last_mask_missing),
            "forward difference (db1)": dict(right, **fd),
            "seeded noise (nothing fits)": {k: v + rng.normal(0, 1e-3, v.shape) for k, v in right.items()}}


def main(data_path=None, repeats: int = 5) -> None:
    data = load(data_path)
    X, y = np.asarray(data.X, float), np.asarray(data.y, float).reshape(-1, 1)
    for hidden in ((16,), (64, 64)):
        spec = make_spec(data, hidden, "relu", "float64", data.loss, "mean", 0.0, "lesson")
        params = lesson_point(spec).params
        right = backward(params, X, y, "relu")
        for name, grads in candidates(spec, params, X, y).items():
            wrong = [k for k in params if not np.allclose(grads[k], right[k], rtol=1e-7, atol=1e-12)]
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                d = diagnose(spec, params, X, y, grads, right, wrong)
                times.append(time.perf_counter() - start)
            ids = sorted({i for f in d.findings for i in f.ids}) or ["(where)"]
            print(f"hidden {','.join(map(str, hidden)):<6} {name:<40} median {statistics.median(times):.3f} s  "
                  f"max {max(times):.3f} s  {ids}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None, int(sys.argv[2]) if len(sys.argv) > 2 else 5)
