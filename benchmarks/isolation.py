"""What isolation costs: the worker process beside ``--no-isolation``, measured in one run.

    .venv/bin/python benchmarks/isolation.py [--data PATH] [--examples 200] [--json PATH]

Rows (each pair measured side by side, same inputs, same seeds):
  1. per-call overhead: one call of the lesson's backward through the worker vs in-process,
     at the lesson's size (N = 768) and at N = 8 (median of many calls);
  2. fuzz rate: ``fuzz`` with every oracle on, the lesson's backward as a file candidate, worker
     vs in-process, the same seeded problems, alternating over 3 rounds (median);
  3. the cold main job: ``compare-frameworks`` as a user runs it (the reference; the lesson's
     file as ``--candidate``; the same with ``--no-isolation``; the reference with the torch
     oracle in the judge's process, ``BACKPROP_NO_BACKGROUND=1``), median of 3 runs each, beside
     ``import torch`` and ``import jax`` alone in a fresh interpreter;
  4. the gradebook: the first 20 entries of the bug catalogue written out as files, graded
     with ``--jobs 1`` and ``--jobs 2``.
Speed goals: fuzzing >= 50 examples/s with every oracle; the cold main job <= 3 s.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LESSON = ROOT / "tests" / "candidates" / "lesson.py"
COMMAND = Path(sys.executable).parent / "compare-frameworks"


def per_call(handle, params, X, y, calls: int) -> float:
    handle.evaluate(params, X, y)  # warm
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        outcome = handle.evaluate(params, X, y)
        times.append(time.perf_counter() - start)
        assert outcome.failure is None, outcome.failure
    return statistics.median(times)


def call_overhead(data) -> list:
    from oracles.candidate import load_candidate
    from reference.model import Spec, init_params

    rows = []
    params = init_params(Spec())
    for N in (768, 8):
        X, y = data.X[:N], data.y[:N]
        with load_candidate(f"{LESSON}:backward") as worker, load_candidate(f"{LESSON}:backward", isolate=False) as own:
            isolated = per_call(worker, params, X, y, 300)
            in_process = per_call(own, params, X, y, 300)
        rows.append({"N": N, "worker_us": isolated * 1e6, "in_process_us": in_process * 1e6,
                     "overhead_us": (isolated - in_process) * 1e6})
    return rows


def fuzz_rates(examples: int, rounds: int = 3) -> dict:
    """Examples per second with the candidate in its worker and in this process, the two
    alternating round by round (the median of ``rounds`` each): one run of 200 examples moved
    by 20% with the machine's load."""
    from oracles.candidate import load_candidate
    from properties.fuzz import fuzz
    from properties.laws import prepared
    from properties.strategies import problems, specs

    strategy = problems(specs(1, 1, activations=("relu",)))
    rates = {"worker": [], "in_process": []}
    fuzz(lambda p: load_candidate(f"{LESSON}:backward", isolate=False), 20, strategy, seed=1)  # warm the JIT
    for _ in range(rounds):
        for name, isolate in (("worker", True), ("in_process", False)):
            prepared.cache_clear()  # the oracles of a drawn problem are cached: each run computes its own
            with load_candidate(f"{LESSON}:backward", isolate=isolate) as handle:
                result = fuzz(lambda p: handle, examples, strategy, seed=0)
            assert result.passed, result.summary()
            rates[name].append(result.examples / result.seconds)
    return {name: {"examples": examples, "rounds": rates[name], "per_second": statistics.median(rates[name])}
            for name in rates}


def _timed_run(argv: list, env: dict | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stdout + done.stderr
    return time.perf_counter() - start


def cold_main(data_path: str, runs: int = 3) -> dict:
    """Median of ``runs`` fresh processes per variant, the variants alternating round by round
    so that a change in the machine's load falls on all of them alike."""
    base = [str(COMMAND), "--data", data_path]
    variants = {"reference": (base, None),
                "reference_torch_in_process": (base, {"BACKPROP_NO_BACKGROUND": "1"}),
                "candidate_worker": (base + ["--candidate", f"{LESSON}:backward"], None),
                "candidate_no_isolation": (base + ["--candidate", f"{LESSON}:backward", "--no-isolation"], None),
                "import_torch_alone": ([sys.executable, "-c", "import torch"], None),
                "import_jax_alone": ([sys.executable, "-c", "import jax, jax.numpy"], None)}
    times = {name: [] for name in variants}
    for _ in range(runs):
        for name, (argv, env) in variants.items():
            times[name].append(_timed_run(argv, env))
    return {name: statistics.median(t) for name, t in times.items()}


def write_catalogue(folder: Path, count: int = 20) -> None:
    from properties import catalogue

    for entry in (catalogue.MUTANTS + catalogue.CORRECT)[:count]:
        source = inspect.getsource(entry.backward)
        (folder / f"{entry.name}.py").write_text(
            f"import numpy as np\n\n_CACHE = {{}}\n\n{source}\n\nbackward = {entry.backward.__name__}\n")


def gradebook(data_path: str) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        write_catalogue(Path(folder))
        for jobs in (1, 2):
            start = time.perf_counter()
            done = subprocess.run([str(COMMAND), "--data", data_path, "--candidate", f"{folder}/*.py:backward",
                                   "--jobs", str(jobs), "--format", "json"], capture_output=True, text=True, cwd=ROOT)
            seconds = time.perf_counter() - start
            book = json.loads(done.stdout)
            out[f"jobs_{jobs}"] = {"seconds": seconds, "candidates": len(book["candidates"]),
                                   "passed": sum(r["passed"] for r in book["candidates"]), "exit": done.returncode}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/isolation.py", description=__doc__.splitlines()[0])
    p.add_argument("--data", help="a CSV path or a packaged name (default: $BACKPROP_DATA, else the packaged diabetes)")
    p.add_argument("--examples", type=int, default=200)
    p.add_argument("--json", default=str(ROOT / "benchmarks" / "isolation.json"))
    args = p.parse_args(argv)
    from reference.data import load as load_data

    data = load_data(args.data)
    load = os.getloadavg()
    results = {"load_average_start": load, "call_overhead": call_overhead(data), "fuzz": fuzz_rates(args.examples),
               "cold_main_job_s": cold_main(data.packaged or data.source),
               "gradebook_20": gradebook(data.packaged or data.source)}
    results["load_average_end"] = os.getloadavg()
    print(f"load average at start {load[0]:.2f}, at end {results['load_average_end'][0]:.2f} (2 cores)")
    for row in results["call_overhead"]:
        print(f"one call at N={row['N']:>3}: worker {row['worker_us']:.0f} us, in-process {row['in_process_us']:.0f} us, "
              f"overhead {row['overhead_us']:.0f} us")
    f = results["fuzz"]
    each = {name: ", ".join(f"{r:.1f}" for r in f[name]["rounds"]) for name in f}
    print(f"fuzz, every oracle: worker {f['worker']['per_second']:.1f} examples/s ({each['worker']}), in-process "
          f"{f['in_process']['per_second']:.1f} examples/s ({each['in_process']}); median of the rounds, "
          f"{f['worker']['examples']} examples each; goal >= 50/s")
    c = results["cold_main_job_s"]
    print(f"cold compare-frameworks: reference {c['reference']:.2f} s (torch in this process: "
          f"{c['reference_torch_in_process']:.2f} s), --candidate (worker) {c['candidate_worker']:.2f} s, "
          f"--candidate --no-isolation {c['candidate_no_isolation']:.2f} s (goal <= 3 s); "
          f"import torch alone {c['import_torch_alone']:.2f} s, import jax alone {c['import_jax_alone']:.2f} s")
    g = results["gradebook_20"]
    print(f"gradebook of 20 catalogue files: --jobs 1 {g['jobs_1']['seconds']:.2f} s, --jobs 2 {g['jobs_2']['seconds']:.2f} s "
          f"({g['jobs_2']['passed']} pass, exit {g['jobs_2']['exit']})")
    Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
