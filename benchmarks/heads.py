"""The softmax head's speed row: a full finite-difference check against
``torch.autograd.gradcheck`` full, on the same loss, at hidden 64,64 on digits (N = 1,797, C = 10).

    PYTHONPATH=. python benchmarks/heads.py [--data digits] [--subset]

``--subset`` times gradcheck on the output layer and the biases only and scales the time by the
entry count (gradcheck's cost is one forward pair per entry, whatever the entry), as
``benchmarks/run.py`` does above its budget; without it gradcheck runs on every entry.
Both contenders' gradients are held against the reference's backward.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reference.data import load  # noqa: E402
from reference.model import Spec, backward, random_params  # noqa: E402


def main(argv=None) -> int:
    import torch
    import torch.nn.functional as F
    from torch.autograd import gradcheck

    from oracles.finite_differences import fd_gradients

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="digits", help="a CSV path or a packaged name (default: the packaged digits)")
    p.add_argument("--subset", action="store_true", help="time gradcheck on W3 and the biases, scaled")
    args = p.parse_args(argv)
    data = load(args.data, "digit", "softmax")
    spec = Spec((data.features, 64, 64, data.n_outputs), "relu", "float64", "softmax")
    params = random_params(spec, 0, 1.0)
    reference = backward(params, data.X, data.y, "relu", head=spec.head)

    fd_gradients(spec, params, data.X, data.y)  # warm
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fd = fd_gradients(spec, params, data.X, data.y)
        times.append(time.perf_counter() - start)
    ours = min(times)
    ours_err = max(float(np.max(np.abs(fd.grads[k] - reference[k]))) for k in params)

    keys = list(params)
    timed_keys = [k for k in keys if k.startswith("b") or k == f"W{spec.n_layers}"] if args.subset else keys
    X, y = torch.as_tensor(data.X), torch.as_tensor(data.y)
    fixed = {k: torch.as_tensor(params[k]) for k in keys}

    def loss(*weights):
        w = dict(fixed, **dict(zip(timed_keys, weights)))
        a = X
        for l in range(1, spec.n_layers + 1):
            z = a @ w[f"W{l}"] + w[f"b{l}"]
            a = torch.relu(z) if l < spec.n_layers else z
        return F.cross_entropy(z, y)

    inputs = [torch.tensor(params[k], requires_grad=True) for k in timed_keys]
    start = time.perf_counter()
    passed = gradcheck(loss, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=False, raise_exception=False)
    measured = time.perf_counter() - start
    entries = sum(params[k].size for k in timed_keys)
    theirs = measured * spec.n_params() / entries
    row = {"spec": f"{spec.sizes[0]}-64-64-{spec.sizes[-1]} relu softmax", "parameters": spec.n_params(),
           "rows": data.rows, "ours_s": round(ours, 3), "ours_runs_s": [round(t, 3) for t in times],
           "ours_max_abs_err_vs_reference": ours_err, "gradcheck_full_s": round(theirs, 3),
           "gradcheck_passed": bool(passed), "gradcheck_estimated": bool(args.subset),
           "gradcheck_measured_s": round(measured, 3), "gradcheck_entries_timed": int(entries),
           "ratio": round(theirs / ours, 1)}
    print(json.dumps(row, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
