"""The forward family's finite differences on the lesson's network, side by side in one run.

    .venv/bin/python benchmarks/forward.py [--repeats 5]

Rows, each on the lesson's network (8-16-1 ReLU, sigmoid + mean BCE, 161 parameters) at the lesson
file's ``init(0)``, on the packaged Pima data (768 rows), float64:

- ``generic``: ``oracles.families.forward.judge.differences``: the lesson's forward written as a
  plain ``loss(params, inputs)`` (``tests/candidates/forwards/lesson.py``) in its worker, every
  entry stepped to w +- h and w +- 2h (four forwards per entry, kinks found), losses sent back by
  value; the worker is started before the clock;
- ``generic check``: the whole ``check(backward, forward=loss, init=init)`` (two points, both
  workers started, autograd's trace, the comparisons);
- ``built-in``: ``oracles.finite_differences.fd_gradients`` on the built-in network: central
  differences for every entry from cached activations;
- ``gradcheck full``: ``torch.autograd.gradcheck(fn, inputs, fast_mode=False)`` on the lesson's
  loss rewritten in torch (benchmarks/run.py's ``torch_loss``, the settings of benchmarks/run.py).

Prints the median seconds of each, their ratios, and each numerical gradient's largest difference
from the reference backward's.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

LESSON = ROOT / "tests" / "candidates" / "forwards" / "lesson.py"


def median_seconds(fn, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    import importlib.util

    import torch
    from torch.autograd import gradcheck

    from benchmarks.run import GRADCHECK, torch_inputs, torch_loss
    from oracles import check
    from oracles.families.forward.judge import differences
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
        rows["generic"] = median_seconds(lambda: differences(fside, params, inputs, "float64"), args.repeats)
    finally:
        fside.close()
    generic = rows["generic"][3]
    rows["generic check"] = median_seconds(
        lambda: check(f"{LESSON}:backward", forward=f"{LESSON}:loss", init=f"{LESSON}:init", data="diabetes"),
        max(1, args.repeats // 2))
    rows["built-in"] = median_seconds(lambda: fd_gradients(spec, params, X, y), args.repeats)
    fn = torch_loss(spec, X, y)
    tensors = torch_inputs(params, set(params))
    torch.set_num_threads(1)
    rows["gradcheck full"] = median_seconds(lambda: gradcheck(fn, tensors, fast_mode=False, **GRADCHECK),
                                            args.repeats)

    def worst(grads) -> float:
        return max(float(np.abs(np.asarray(grads[k]) - exact[k]).max()) for k in exact)

    diffs = {"generic": worst(generic.central), "built-in": worst(rows["built-in"][3].grads)}
    kinks = sum(int(f.mask.sum()) for f in generic.kinks.values())
    print(f"lesson's network 8-16-1 relu, 161 params, {X.shape[0]} rows, float64; median of {args.repeats} "
          f"(generic check: of {max(1, args.repeats // 2)}); torch threads 1")
    print(f"{'row':16} {'median s':>10} {'min s':>10} {'max s':>10}  max |numeric - exact backward|")
    for name, (med, lo, hi, _) in rows.items():
        d = diffs.get(name)
        print(f"{name:16} {med:10.4f} {lo:10.4f} {hi:10.4f}  {'' if d is None else f'{d:.2e}'}")
    g, b, t = rows["generic"][0], rows["built-in"][0], rows["gradcheck full"][0]
    print(f"generic / built-in = {g / b:.2f}x (goal: within 3x); gradcheck full / generic = {t / g:.2f}x "
          f"(goal: generic ahead); kinks found by the generic differences: {kinks}")
    print(f"gradcheck passed: {rows['gradcheck full'][3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
