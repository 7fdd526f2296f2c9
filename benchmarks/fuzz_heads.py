"""No false alarms across heads and conventions: the reference's backward, written in a convention
drawn per problem (``properties/speakers.py``: its own layout in, its own layout and keys out,
through both converters), fuzzed on every head, class count, reduction, L2 strength and form,
depth, activation, batch, scale, kink and saturation, with every law.

    nice -n 10 .venv/bin/python benchmarks/fuzz_heads.py CHUNKS SIZE OUT.jsonl [float64|float32]

runs CHUNKS fuzz runs of SIZE examples (hypothesis seeds 1000, 1001, ...) and appends one JSON
line per chunk (examples, passed, seconds, the running total and wall time, the counterexample):
stop it any time, the finished chunks are counted.
"""
import json
import time
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: the checkout first
from properties.fuzz import fuzz
from properties.strategies import problems, specs
from properties.speakers import speaking_candidate
from reference.heads import L2_FORMS, LOSSES, REDUCTIONS
from oracles.conventions import CONVENTIONS
chunks, size, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
dtype = sys.argv[4] if len(sys.argv) > 4 else "float64"  # every drawn problem's dtype
def factory(problem):
    conv = CONVENTIONS[problem.seed % 4]
    return speaking_candidate(conv, problem.activation, problem.spec.head, keys="dW1" if (problem.seed >> 2) & 1 else "W1")
strategy = problems(specs(losses=LOSSES, reductions=REDUCTIONS, l2s=(0.0, 0.05, 0.7), l2_forms=L2_FORMS,
                          dtypes=(dtype,)))
start = time.time()
total = 0
for i in range(chunks):
    r = fuzz(factory, size, strategy, seed=1000 + i)
    total += r.examples
    with open(out, "a") as f:
        f.write(json.dumps({"chunk": i, "seed": 1000 + i, "dtype": dtype, "examples": r.examples, "passed": r.passed,
                            "seconds": round(r.seconds, 1), "total": total, "wall": round(time.time() - start, 1),
                            "counterexample": r.counterexample}) + "\n")
    if not r.passed:
        break
