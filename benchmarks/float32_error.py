"""How far a correct float32 backward lies from each oracle, parameter by parameter: the measurement
behind the whole-parameter rule of the float32 rows (``policy.WHOLE_ATOL``, ``policy.WHOLE_RTOL``).

Per (problem, parameter, oracle): the reference's float32 backward ``g`` against the oracle ``o``
(at an exact kink, the nearest point of the subgradient interval, as the comparison does), and
the oracles against each other (their agreement is judged by the same rule):

- ``rel`` = ||g - o|| / ||o||;
- ``rms`` = ||g - o|| / (S sqrt(n)), the error's root mean square in units of the rule's scale S
  (``max(max(unit, max |o|), backward magnitude)``: ``compare.backward_magnitudes``);
- ``ratio`` = ||g - o|| / (WHOLE_ATOL S sqrt(n) + WHOLE_RTOL ||o||): over 1 is a false alarm;
- ``caught`` (the lesson's points) = 1e-3 over the rule's bound on a whole-parameter relative error,
  ``WHOLE_RTOL + WHOLE_ATOL S sqrt(n) / ||o||``: over 1, a 1e-3 error fails.

At the lesson's two points (the packaged Pima data, float32) and over EXAMPLES fuzzed float32
problems (hypothesis seed SEED: every head, class count, reduction, L2 strength and form, depth,
activation, batch, scale, kink, saturation).

    nice -n 10 .venv/bin/python benchmarks/float32_error.py EXAMPLES OUT.json [SEED]
"""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: the checkout first
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings, seed as hseed

from oracles import harness, policy
from oracles.compare import _errors
from properties.laws import prepared
from properties.strategies import problems, specs
from reference.data import load_packaged
from reference.heads import L2_FORMS, LOSSES, REDUCTIONS
from reference.model import backward

ORACLES = ("finite-differences", "torch", "jax")
A, R = policy.WHOLE_ATOL, policy.WHOLE_RTOL


def measure(p, where: str, stats: dict) -> None:
    """Every (parameter, pair) at one prepared point into ``stats``."""
    spec = p.spec
    unit = spec.head.unit(p.X.shape[0], spec.classes)
    ref = backward(p.point.params, p.X, p.y, spec.activation, head=spec.head)
    sources = {"reference": ref, **p.grads}
    pairs = [("reference", o) for o in ORACLES] + [("torch", "finite-differences"), ("jax", "finite-differences"),
                                                    ("torch", "jax")]
    for a, b in pairs:
        tol = policy.tolerance("torch" if b != "finite-differences" else b, spec.dtype, unit=unit)
        for k in ref:
            g, _, _, _, _, o, S, _, _ = _errors(sources[a][k], sources[b][k], tol, p.intervals.get(k))
            S = max(S, p.magnitudes[k])
            if not (np.isfinite(g).all() and np.isfinite(o).all()):
                continue
            e, norm, n = float(np.linalg.norm(g - o)), float(np.linalg.norm(o)), o.size
            row = {"where": where, "param": k, "pair": f"{a} vs {b}", "n": n, "scale": S,
                   "rel": e / norm if norm else None, "rms": e / (S * np.sqrt(n)),
                   "ratio": e / (A * S * np.sqrt(n) + R * norm),
                   "caught": 1e-3 / (R + A * S * np.sqrt(n) / norm) if norm else None}
            stats["rows"] += 1
            key = "reference" if a == "reference" else "oracles"
            for m in ("ratio", "rms", "rel"):
                if row[m] is not None and row[m] > stats["worst"][key][m]["value"]:
                    stats["worst"][key][m] = {"value": row[m], **row}
            # the relative error where the error is not vanishingly small (more than 1e-9 of the scale)
            if row["rel"] is not None and row["rms"] > 1e-9:
                stats["worst"][key]["rel_significant"] = max(stats["worst"][key]["rel_significant"], row["rel"])
            stats["false_alarms"] += row["ratio"] > 1
            if where.startswith("lesson"):
                stats["lesson"].append(row)


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    s = int(sys.argv[3]) if len(sys.argv) > 3 else 7000
    empty = {"value": 0.0}
    stats = {"A": A, "R": R, "seed": s, "examples": 0, "rows": 0, "false_alarms": 0, "lesson": [],
             "worst": {k: {"ratio": dict(empty), "rms": dict(empty), "rel": dict(empty), "rel_significant": 0.0}
                       for k in ("reference", "oracles")}}
    start = time.time()
    data = load_packaged("diabetes")
    spec = harness.make_spec(data, (16,), dtype="float32")
    for p in harness.prepare_points(spec, data, ORACLES):
        measure(p, f"lesson's {p.point.name}", stats)
    strategy = problems(specs(losses=LOSSES, reductions=REDUCTIONS, l2s=(0.0, 0.05, 0.7), l2_forms=L2_FORMS,
                              dtypes=("float32",)))

    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate], print_blob=False)
    @given(strategy)
    def fuzzed(problem):
        if problem.overflow():
            return
        stats["examples"] += 1
        prepared.cache_clear()
        measure(prepared(problem, ORACLES), problem.describe(), stats)

    try:
        hseed(s)(fuzzed)()
    finally:
        stats["seconds"] = round(time.time() - start, 1)
        Path(out).write_text(json.dumps(stats, indent=1, default=float))
        for key, w in stats["worst"].items():
            print(f"{key}: max ratio to the bound {w['ratio']['value']:.3g} ({w['ratio'].get('where')} "
                  f"{w['ratio'].get('param')} {w['ratio'].get('pair')}), max rms/S {w['rms']['value']:.3g}, "
                  f"max rel {w['rel']['value']:.3g}, max rel where rms > 1e-9: {w['rel_significant']:.3g}")
        print(f"{stats['examples']} problems, {stats['rows']} comparisons, {stats['false_alarms']} over the bound, "
              f"{stats['seconds']} s")
        for row in stats["lesson"]:
            if row["pair"].startswith("reference"):
                print(f"  {row['where']} {row['param']} {row['pair']}: rel {row['rel']:.2g} ratio {row['ratio']:.2g} "
                      f"1e-3 caught x{row['caught']:.3g}")


if __name__ == "__main__":
    main()
