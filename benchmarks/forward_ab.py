"""The forward family's finite differences on the lesson's network, two checkouts side by side.

    .venv/bin/python benchmarks/forward_ab.py --before /path/to/other/checkout [--rounds 5] [--repeats 15]
        [--mode screened|searched]

Each round runs, in a fresh process per checkout and alternating (before, after, before, after ...,
so both see the same load): ``generic`` (with ``--mode screened``, the default, the differences a
check of a right backward spends, ``oracles.families.forward.judge.screened``: one one-sided
difference per entry, the full search where the lesson's right gradient disagrees; a checkout
without the screen searches every entry; with ``--mode searched``, the full search,
``judge.differences``, on every entry, as for a backward wrong everywhere) of the
lesson's ``loss``, ``tests/candidates/forwards/lesson.py``, at its ``init(0)`` on the packaged Pima
data, float64; its worker started before the clock) and ``built-in`` (``fd_gradients`` of the same
network), one after the other ``repeats`` times. Reports per checkout the medians over rounds of
each round's median CPU seconds (for ``generic`` the judge's and the forward's worker's, every thread's, from /proc/PID/task/*/schedstat) and
wall seconds, of the ratio generic / built-in (each pair's, so both sides of it share the load),
the least CPU seconds of each over every repeat and their ratio, ``bare``: the lesson's ``loss``
called as many times as ``generic`` evaluates it, in one process (the floor of any differences
that run the whole forward per evaluation), the messages and evaluations per differencing, and
the load average at the start and the end.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE = r'''
import json, os, statistics, sys, time
root, repeats, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, root)
import importlib.util
import numpy as np
from oracles.families.forward import judge
from oracles.families.forward.sides import ForwardSide, source_of
from oracles.finite_differences import fd_gradients
from reference.data import load
from reference.model import Spec
lesson_file = os.path.join(root, "tests", "candidates", "forwards", "lesson.py")
spec_ = importlib.util.spec_from_file_location("lesson_ab", lesson_file)
lesson = importlib.util.module_from_spec(spec_)
spec_.loader.exec_module(lesson)
data = load("diabetes")
params, inputs = lesson.init(0), {"X": data.X, "y": data.y}
def worker_cpu(pid):  # nanoseconds on a CPU, every thread (/proc/PID/stat counts in ticks of 10 ms)
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/schedstat") as f:
            total += int(f.read().split()[0])
    return total / 1e9
from oracles import policy
right = lesson.backward(params, inputs)  # a right backward's gradients, as a check has them
def run(side):
    if mode == "screened" and hasattr(judge, "screened"):  # as a check differences: screened, searched where wrong
        return judge.screened(side, params, inputs, [right, None], policy.tolerance("finite-differences", "float64"))
    try:
        return judge.differences(side, params, inputs)
    except TypeError:  # a checkout whose differences() still takes the dtype
        return judge.differences(side, params, inputs, "float64")
side = ForwardSide(source_of(lesson_file + ":loss", "--forward")).start()
counts = {"messages": 0, "evaluations": 0}
losses = side.losses
def counted(p, i, perturb, base=0):
    counts["messages"] += 1
    counts["evaluations"] += base + sum(len(ix) for _, ix, _ in perturb)
    return losses(p, i, perturb, base)
side.losses = counted
try:
    side.losses(params, inputs, [], base=1)
    run(side)  # warm
    counts.update(messages=0, evaluations=0)
    spec = Spec(sizes=(data.X.shape[1], 16, 1))
    fd_gradients(spec, params, data.X, data.y)
    g_cpu, g_wall, b_cpu, b_wall = [], [], [], []
    for _ in range(repeats):  # generic, then built-in: each pair under the same load
        pid = side.worker.process.pid
        c0, w0, t0 = time.process_time(), worker_cpu(pid), time.perf_counter()
        run(side)
        g_wall.append(time.perf_counter() - t0)
        g_cpu.append(time.process_time() - c0 + worker_cpu(pid) - w0)
        c0, t0 = time.process_time(), time.perf_counter()
        fd_gradients(spec, params, data.X, data.y)
        b_wall.append(time.perf_counter() - t0)
        b_cpu.append(time.process_time() - c0)
finally:
    side.close()
calls = round(counts["evaluations"] / repeats)
f_cpu = []
for _ in range(repeats):  # the floor: the forward called as often, in this process, nothing else
    c0 = time.process_time()
    for _ in range(calls):
        lesson.loss(params, inputs)
    f_cpu.append(time.process_time() - c0)
m = statistics.median
print(json.dumps({"generic_cpu": m(g_cpu), "generic_wall": m(g_wall), "builtin_cpu": m(b_cpu),
                  "builtin_wall": m(b_wall), "generic_cpu_min": min(g_cpu), "builtin_cpu_min": min(b_cpu), "bare_cpu": m(f_cpu),
                  "cpu_ratio": m([g / b for g, b in zip(g_cpu, b_cpu)]),
                  "wall_ratio": m([g / b for g, b in zip(g_wall, b_wall)]), "messages": counts["messages"] / repeats,
                  "evaluations": counts["evaluations"] / repeats}))
'''


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="another checkout of the project (the baseline)")
    parser.add_argument("--after", default=str(ROOT), help="the checkout measured against it (this one)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--mode", choices=("screened", "searched"), default="screened",
                        help="screened: as a check of a right backward differences (one-sided screen, the full "
                             "search where a gradient disagrees; a checkout without the screen searches every "
                             "entry); searched: the full search on every entry, as for a backward wrong everywhere")
    args = parser.parse_args(argv)
    load0 = os.getloadavg()[0]
    runs = {"before": [], "after": []}
    for _ in range(args.rounds):
        for name in ("before", "after"):
            root = getattr(args, name)
            out = subprocess.run([sys.executable, "-c", ONE, root, str(args.repeats), args.mode], capture_output=True, text=True,
                                 cwd=root, env=dict(os.environ, PYTHONPATH=root), check=True)
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    load1 = os.getloadavg()[0]
    print(f"lesson's network 8-16-1 relu, 161 params, 768 rows, float64, {args.mode}; {args.rounds} rounds x {args.repeats} "
          f"repeats, alternating; load average {load0:.1f} at the start, {load1:.1f} at the end (2 cores)")
    print(f"{'checkout':8} {'generic CPU s':>14} {'wall s':>8} {'built-in CPU s':>15} {'wall s':>8} "
          f"{'CPU ratio':>10} {'wall ratio':>10} {'messages':>9} {'evals':>6} {'bare CPU s':>11}")
    lows = {}
    for name, rows in runs.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        cpu_ratio = statistics.median(r["cpu_ratio"] for r in rows)
        wall_ratio = statistics.median(r["wall_ratio"] for r in rows)
        least = min(r["generic_cpu_min"] for r in rows) / min(r["builtin_cpu_min"] for r in rows)
        lows[name] = (min(r["generic_cpu_min"] for r in rows), min(r["builtin_cpu_min"] for r in rows), least)
        print(f"{name:8} {med['generic_cpu']:14.4f} {med['generic_wall']:8.4f} {med['builtin_cpu']:15.4f} "
              f"{med['builtin_wall']:8.4f} {cpu_ratio:9.2f}x {wall_ratio:9.2f}x {med['messages']:9.1f} "
              f"{med['evaluations']:6.0f} {med['bare_cpu']:11.4f}")
    for name, (g, b, least) in lows.items():
        print(f"{name:8} least CPU over every repeat: generic {g:.4f} s, built-in {b:.4f} s, ratio {least:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
