"""Diagnosis time per point: one ``diagnose`` call (every hypothesis of the grammar tried) on the
Pima data (N = 768), at the lesson's size (hidden 16) and at hidden 64,64, with and without an L2
term, at the lesson's init and the generic point, for a bug the grammar names (dW1 doubled) and
one it does not (every gradient weighted entry by entry). Best and worst of 5; the load average
is printed first and last (on a shared 2-core machine the worst swings several-fold).

    nice .venv/bin/python benchmarks/diagnosis_time.py [DATA]
"""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: the checkout first
import numpy as np

from oracles.diagnosis import diagnose
from oracles.harness import generic_point, lesson_point, make_spec
from reference.data import load
from reference.model import backward

data = load(sys.argv[1] if len(sys.argv) > 1 else None)
print("load average", os.getloadavg())
for hidden in ((16,), (64, 64)):
    for l2 in (0.0, 0.01):
        spec = make_spec(data, hidden, "relu", "float64", "bce", "mean", l2, "lesson")
        for point in (lesson_point(spec), generic_point(spec)):
            P = point.params
            oracle = backward(P, data.X, spec.head.targets(data.y, np.float64), head=spec.head)
            bugs = {"dW1 x2": dict(oracle, W1=2 * oracle["W1"]),
                    "outside": {k: v * np.linspace(0.5, 1.5, v.size).reshape(v.shape) for k, v in oracle.items()}}
            for name, g in bugs.items():
                wrong = [k for k in P if not np.allclose(g[k], oracle[k])]
                times = []
                for _ in range(5):
                    start = time.perf_counter()
                    diagnose(spec, P, data.X, data.y, g, oracle, wrong)
                    times.append(time.perf_counter() - start)
                print(f"hidden {','.join(map(str, hidden)):6} l2 {l2:<5} {point.name:12} {name:8} "
                      f"best {min(times):.3f} s  worst {max(times):.3f} s")
print("load average", os.getloadavg())
