"""The forward family's finite differences on the lesson's network, side by side in one run.

    .venv/bin/python benchmarks/forward.py [--repeats 5]

Rows, each on the lesson's network (8-16-1 ReLU, sigmoid + mean BCE, 161 parameters) at the lesson
file's ``init(0)``, on the packaged Pima data (768 rows), float64:

- ``generic``: ``oracles.families.forward.judge.screened``, the differences a check of a right
  backward spends: the lesson's forward written as a plain ``loss(params, inputs)``
  (``tests/candidates/forwards/lesson.py``) in its worker, every entry stepped once to w + h_s (the
  one-sided screen), and the full search where the right gradient disagrees with it; losses sent
  back by value; the worker is started before the clock;
- ``generic searched``: ``oracles.families.forward.judge.differences``, every entry stepped to
  w +- h and w +- 2h (four forwards per entry, kinks found): what a backward wrong in every entry
  costs;
- ``generic check``: the whole ``check(backward, forward=loss, init=init)`` (two points, both
  workers started, autograd's trace, the comparisons);
- ``built-in``: ``oracles.finite_differences.fd_gradients`` on the built-in network: central
  differences for every entry from cached activations;
- ``bare forwards``: the lesson's ``loss`` called as many times as ``generic`` calls it (once per
  entry and twice at the point), in this process: the floor of any finite differences that call
  the forward whole once per entry;
- ``gradcheck full``: ``torch.autograd.gradcheck(fn, inputs, fast_mode=False)`` on the lesson's
  loss rewritten in torch (benchmarks/run.py's ``torch_loss``, the settings of benchmarks/run.py),
  at torch's default threads and at one thread: the faster is gradcheck's figure.

Prints the median wall seconds of each, the median CPU seconds (for ``generic``: the judge's and
the forward's worker's together, the worker's from /proc/PID/task/*/schedstat in ns; the machine is shared, and CPU time moves less
with its load than wall time), their ratios, the load average, and each numerical gradient's
largest difference from the reference backward's.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

LESSON = ROOT / "tests" / "candidates" / "forwards" / "lesson.py"


def median_seconds(fn, repeats: int, cpu=time.process_time):
    """``(median wall s, min, max, result, median CPU s)`` of ``repeats`` calls of ``fn``."""
    times, cpus, result = [], [], None
    for _ in range(repeats):
        start, c0 = time.perf_counter(), cpu()
        result = fn()
        times.append(time.perf_counter() - start)
        cpus.append(cpu() - c0)
    return statistics.median(times), min(times), max(times), result, statistics.median(cpus)


def worker_cpu(pid: int):
    """The judge's CPU seconds plus those of process ``pid`` (the forward's worker), as a clock."""
    def clock() -> float:  # schedstat: nanoseconds, every thread (/proc/PID/stat counts in ticks of 10 ms)
        total = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        return time.process_time() + total / 1e9
    return clock


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    import importlib.util

    import torch
    from torch.autograd import gradcheck

    from benchmarks.run import GRADCHECK, torch_inputs, torch_loss
    from oracles import check
    from oracles import policy
    from oracles.families.forward.judge import differences, screened, summary
    from oracles.families.forward.sides import ForwardSide, source_of
    from oracles.finite_differences import fd_gradients
    from reference.data import load
    from reference.model import Spec, backward

    spec_ = importlib.util.spec_from_file_location("lesson_bench", LESSON)
    lesson = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(lesson)
    data = load("diabetes")
    X, y = data.X, data.y
    params = lesson.init(0)
    spec = Spec(sizes=(X.shape[1], 16, 1))
    exact = backward(params, X, y, "relu")
    inputs = {"X": X, "y": y}

    rows = {}
    fside = ForwardSide(source_of(f"{LESSON}:loss", "--forward")).start()
    try:
        fside.losses(params, inputs, [], base=1)  # warm: the worker's first call
        right = lesson.backward(params, inputs)
        tol = policy.tolerance("finite-differences", "float64")
        rows["generic"] = median_seconds(lambda: screened(fside, params, inputs, [right, None], tol), args.repeats,
                                         worker_cpu(fside.worker.process.pid))
        rows["generic searched"] = median_seconds(lambda: differences(fside, params, inputs), args.repeats,
                                                  worker_cpu(fside.worker.process.pid))
    finally:
        fside.close()
    generic = rows["generic"][3]
    calls = 2 + sum(int(v["evaluations"]) for v in summary(generic).values())

    def bare():
        for _ in range(calls):
            lesson.loss(params, inputs)
    rows["bare forwards"] = median_seconds(bare, args.repeats)
    rows["generic check"] = median_seconds(
        lambda: check(f"{LESSON}:backward", forward=f"{LESSON}:loss", init=f"{LESSON}:init", data="diabetes"),
        max(1, args.repeats // 2))
    rows["built-in"] = median_seconds(lambda: fd_gradients(spec, params, X, y), args.repeats)
    fn = torch_loss(spec, X, y)
    tensors = torch_inputs(params, set(params))
    default_threads = torch.get_num_threads()
    for threads in sorted({default_threads, 1}):
        torch.set_num_threads(threads)
        rows[f"gradcheck full {threads}t"] = median_seconds(
            lambda: gradcheck(fn, tensors, fast_mode=False, **GRADCHECK), args.repeats)
    torch.set_num_threads(default_threads)
    best = min((r for r in rows if r.startswith("gradcheck")), key=lambda r: rows[r][0])

    def worst(grads) -> float:
        return max(float(np.abs(np.asarray(grads[k]) - exact[k]).max()) for k in exact)

    diffs = {"generic": worst(generic.central), "generic searched": worst(rows["generic searched"][3].central),
             "built-in": worst(rows["built-in"][3].grads)}
    kinks = sum(int(f.mask.sum()) for f in rows["generic searched"][3].kinks.values())
    print(f"lesson's network 8-16-1 relu, 161 params, {X.shape[0]} rows, float64; median of {args.repeats} "
          f"(generic check: of {max(1, args.repeats // 2)}); load average {os.getloadavg()[0]:.2f} (2 cores)")
    print(f"{'row':20} {'median s':>10} {'min s':>10} {'max s':>10} {'CPU s':>10}  max |numeric - exact backward|")
    for name, (med, lo, hi, _, cpu) in rows.items():
        d = diffs.get(name)
        print(f"{name:20} {med:10.4f} {lo:10.4f} {hi:10.4f} {cpu:10.4f}  {'' if d is None else f'{d:.2e}'}")
    g, b, t, f = rows["generic"], rows["built-in"], rows[best], rows["bare forwards"]
    a = rows["generic searched"]
    print(f"generic searched / built-in = {a[0] / b[0]:.2f}x wall, {a[4] / b[4]:.2f}x CPU; "
          f"{best} / generic searched = {t[0] / a[0]:.2f}x wall, {t[4] / a[4]:.2f}x CPU")
    print(f"generic / built-in = {g[0] / b[0]:.2f}x wall, {g[4] / b[4]:.2f}x CPU (goal: within 3x); "
          f"{best} / generic = {t[0] / g[0]:.2f}x wall, {t[4] / g[4]:.2f}x CPU (goal: generic ahead); "
          f"bare forwards / built-in = {f[4] / b[4]:.2f}x CPU; kinks found by the full search: {kinks}")
    print(f"gradcheck passed: {t[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
