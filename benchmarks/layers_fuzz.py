"""No false alarm over the layers: each kind's correct forward and backward (the test suite's
``CORRECT``, ``tests/candidates/layers/``) checked with ``check_layer(kind, forward, backward,
fuzz=N)``: the two fixed points (and a kind's further modes), then N drawn points, every law, all
three oracles, finite differences as the check runs them (the kind's declared structure where the
forward is the layer).

    .venv/bin/python benchmarks/layers_fuzz.py [--examples 100] [--seed 0] [KIND ...]

Prints, per kind, the drawn points, the points checked in all, how each array was differenced at
the last point, the seconds, and whether every point passed; then the totals and the load average
at the start and the end. Exit 1 if any correct layer failed (a false alarm), with its replay.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "families"))


def main(argv=None) -> int:
    from test_layers import CORRECT, at

    from oracles import check_layer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="drawn points per kind (fuzz=N)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("kinds", nargs="*", help="the kinds to run (default: every kind)")
    args = parser.parse_args(argv)
    kinds = args.kinds or list(CORRECT)
    print(f"load average at the start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; cores {os.cpu_count()}")
    drawn = checked = 0
    alarms = []
    start = time.perf_counter()
    for kind in kinds:
        file, forward, backward = CORRECT[kind]
        t = time.perf_counter()
        report = check_layer(kind, at(file, forward), None if backward is None else at(file, backward),
                             seed=args.seed, fuzz=args.examples)
        seconds = time.perf_counter() - t
        examples = report.fuzz["examples"] if report.fuzz else 0
        drawn += examples
        checked += len(report.points) - (0 if report.fuzz["passed"] else 1) + examples
        how = ", ".join(f"{k} {v['as']}" for k, v in report.points[0].differenced.items()) or "-"
        print(f"{kind:22} drawn {examples:5d}  {seconds:7.1f} s  {'passed' if report.passed else 'FAILED'}  ({how})",
              flush=True)
        if not report.passed:
            alarms.append((kind, report.fuzz.get("replay") if report.fuzz else None,
                           [line for p in report.points if not p.passed for line in p.verdict_lines()][:6]))
    total = time.perf_counter() - start
    print(f"{len(kinds)} kinds, {drawn} drawn points ({checked} points checked with the fixed ones): "
          f"{len(alarms)} false alarm(s); {total:.0f} s, {drawn / total:.1f} drawn points/s")
    for kind, replay, lines in alarms:
        print(f"FALSE ALARM {kind}: replay with --seed {args.seed} {replay or ''}")
        for line in lines:
            print(f"    {line}")
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 1 if alarms else 0


if __name__ == "__main__":
    sys.exit(main())
