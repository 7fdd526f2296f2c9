"""The gradebook on one machine (``--jobs 2``) beside Dask (LocalClusters of 2 and more workers), in one run.

    .venv/bin/python benchmarks/cluster.py [--n 100] [--big-workers 4] [--data NAME] [--json PATH]

1. ``--n`` generated submissions (default 100, a quick run; ``--n 1000`` for the scaling
   numbers): the bug catalogue's mistakes and correct rewrites written out as files, cycled to
   ``--n`` and shuffled (seed 0); graded by :func:`oracles.shells.gradebook.grade` with ``jobs=2``, with
   ``scheduler="local"`` (2 worker processes, one thread each, on 127.0.0.1), and as a simulated
   larger cluster: ``--big-workers`` LocalCluster workers of one thread each on this machine's
   cores (more workers than cores: each task's time shows the contention); every oracle, the same
   points; submissions per second of each (wall time of the whole call: the oracles, and for
   Dask the cluster's start), the time per task (each row's grading time, mean and median) and
   the wall time per submission not spent grading (``slack``: the start, the scheduling, the tail);
2. the scheduler's overhead per task: 500 trivial tasks through a client of the same kind of
   LocalCluster, submitted at once (the throughput cost per task) and one after another (the
   round trip of one task), and its ratio to one grading;
3. a projection for 10,000 submissions on 50 nodes of ``--workers-per-node`` workers, from the
   measured grading time per submission and the scheduler's overhead per task.
Everything binds to 127.0.0.1. No results folder: every submission is graded.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_submissions(folder: Path, n: int, seed: int = 0) -> list:
    """``n`` files cycled from the catalogue's mistakes and correct rewrites, shuffled; their targets."""
    from properties import catalogue

    entries = catalogue.MUTANTS + catalogue.CORRECT
    order = [entries[i % len(entries)] for i in range(n)]
    random.Random(seed).shuffle(order)
    targets = []
    for i, entry in enumerate(order):
        source = inspect.getsource(entry.backward)
        path = folder / f"s{i:05d}_{entry.name}.py"
        path.write_text(f"import numpy as np\n\n_CACHE = {{}}\n\n{source}\n\nbackward = {entry.backward.__name__}\n")
        targets.append(f"{path}:backward")
    return targets


def graded(spec, data, targets, jobs: int = 2, **how) -> dict:
    from oracles.shells.gradebook import grade

    start = time.perf_counter()
    book = grade(spec, data, targets, jobs=jobs, timeout=30.0, **how)
    seconds = time.perf_counter() - start
    per = [r.seconds for r in book.rows]
    prepare = sum(v for k, v in book.timings_s.items() if k != "total")
    return {"workers": jobs, "seconds": seconds, "per_second": len(targets) / seconds, "rows": len(book.rows),
            "passed": sum(r.passed for r in book.rows), "task_median_s": statistics.median(per),
            "task_mean_s": statistics.fmean(per), "prepare_s": prepare,
            # wall time per submission and worker beyond its own grading: start, scheduling, the tail
            "slack_per_task_s": (seconds - prepare) * jobs / len(targets) - statistics.fmean(per),
            "verdicts": [(r.candidate, r.verdict) for r in book.rows]}


def _nothing(x):
    return x


def overhead(tasks: int = 500) -> dict:
    """The scheduler's cost per trivial task through a LocalCluster client like the gradebook's."""
    from oracles.shells.cluster import connect

    start = time.perf_counter()
    client, cluster = connect("local", 2)
    started = time.perf_counter() - start
    try:
        client.gather(client.map(_nothing, range(20), pure=False))  # warm: the function known to the workers
        start = time.perf_counter()
        client.gather(client.map(_nothing, range(tasks), pure=False))
        batch = (time.perf_counter() - start) / tasks
        start = time.perf_counter()
        for i in range(100):
            client.submit(_nothing, i, pure=False).result()
        round_trip = (time.perf_counter() - start) / 100
    finally:
        client.close()
        cluster.close()
    return {"cluster_start_s": started, "per_task_batch_s": batch, "per_task_round_trip_s": round_trip, "tasks": tasks}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/cluster.py", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100, help="generated submissions (default 100)")
    p.add_argument("--data", default="diabetes", help="a packaged data set or a CSV (default: diabetes)")
    p.add_argument("--big-workers", type=int, default=4,
                   help="the simulated larger cluster: LocalCluster workers of one thread each (default 4)")
    p.add_argument("--workers-per-node", type=int, default=2, help="for the projection (default 2, as here)")
    p.add_argument("--json", default=str(ROOT / "benchmarks" / "cluster.json"))
    args = p.parse_args(argv)
    from oracles.harness import make_spec
    from reference.data import load

    data = load(args.data)
    spec = make_spec(data, (16,), "relu", "float64", "bce", "mean", 0.0, "lesson")
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        targets = write_submissions(Path(folder), args.n)
        graded(spec, data, targets[:2])  # warm: the oracles' imports and compiles paid before either is timed
        jobs = graded(spec, data, targets)
        dask = graded(spec, data, targets, scheduler="local")
        big = graded(spec, data, targets, jobs=args.big_workers, scheduler="local")
    cost = overhead()
    verdicts = jobs.pop("verdicts")
    same = verdicts == dask.pop("verdicts") == big.pop("verdicts")
    ratio = dask["per_second"] / jobs["per_second"]
    task = jobs["task_mean_s"]
    nodes, n_big = 50, 10_000
    workers = nodes * args.workers_per_node
    projected = max(n_big * task / workers, n_big * cost["per_task_batch_s"]) + cost["cluster_start_s"] + \
        jobs["prepare_s"]
    results = {"n": args.n, "load_average_start": load_start, "load_average_end": os.getloadavg(), "jobs_2": jobs,
               "local_cluster_2": dask,
               f"local_cluster_{args.big_workers}": big, "same_verdicts": same, "ratio_dask_over_jobs": ratio,
               "overhead": cost,
               "overhead_over_grading": cost["per_task_batch_s"] / jobs["task_mean_s"],
               "projection": {"submissions": n_big, "nodes": nodes, "workers_per_node": args.workers_per_node,
                              "grading_s_per_submission": task, "seconds": projected}}
    print(f"load average at start {load_start[0]:.2f}, at end {results['load_average_end'][0]:.2f} "
          f"({os.cpu_count()} cores)")
    print(f"{args.n} submissions ({jobs['passed']} pass), every oracle, {data.source}:")
    print(f"  --jobs 2              {jobs['seconds']:6.1f} s  {jobs['per_second']:6.2f} submissions/s")
    print(f"  LocalCluster, 2 workers {dask['seconds']:6.1f} s  {dask['per_second']:6.2f} submissions/s "
          f"(its start included)")
    print(f"  LocalCluster, {args.big_workers} workers {big['seconds']:6.1f} s  {big['per_second']:6.2f} submissions/s "
          f"(one thread each, {os.cpu_count()} cores)")
    print(f"  ratio Dask / --jobs 2: {ratio:.3f} (2 workers), {big['per_second'] / jobs['per_second']:.3f} "
          f"({args.big_workers} workers); same verdicts: {same}")
    for name, r in (("--jobs 2", jobs), ("Dask, 2", dask), (f"Dask, {args.big_workers}", big)):
        print(f"  time per task, {name:9} mean {r['task_mean_s']:.3f} s, median {r['task_median_s']:.3f} s; "
              f"slack per task {r['slack_per_task_s'] * 1e3:.1f} ms")
    print(f"scheduler overhead per trivial task: {cost['per_task_batch_s'] * 1e3:.2f} ms submitted at once, "
          f"{cost['per_task_round_trip_s'] * 1e3:.2f} ms one round trip; LocalCluster start "
          f"{cost['cluster_start_s']:.2f} s; overhead / grading = {cost['per_task_batch_s'] / task:.4f}")
    print(f"projection: {n_big} submissions on {nodes} nodes x {args.workers_per_node} workers = "
          f"max({n_big} x {task:.3f} s / {workers}, {n_big} x {cost['per_task_batch_s'] * 1e3:.2f} ms) "
          f"+ start + oracles = {projected:.0f} s ({projected / 60:.1f} min)")
    Path(args.json).write_text(json.dumps(results, indent=2))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
