"""One benchmark run, side by side: ``python benchmarks/run.py [--quick] [--json PATH]``.

1. A full finite-difference gradient check (float64, the real data) at three sizes: ours
   (``fd_gradients``), ``torch.autograd.gradcheck`` (full and fast mode), ``jax.test_util.check_grads``
   and a naive Python loop of central differences. Every contender runs on the same loss
   (``mean(logaddexp(0, z) - y z)``) at the same weights, and every numerical gradient is checked
   against the reference ``backward`` under the finite-difference tolerance of the policy.
2. Forward, backward and their ratio for the reference, PyTorch and jitted JAX.
3. ``compare-frameworks`` end to end from a cold start (three fresh processes).
4. Fuzz throughput with every oracle on.

Prints rich tables, writes every number as JSON (README.md beside this file says what each row means).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oracles import policy  # noqa: E402
from oracles.finite_differences import fd_gradients  # noqa: E402
from reference.data import DataError, load  # noqa: E402
from reference.model import Spec, backprop, backward, forward, loss, random_params  # noqa: E402

SEED = 0  # the weights: random_params(spec, SEED, 1.0), the same for every contender
SIZES = ((16,), (64, 64), (256, 192))  # the lesson; a deeper net; past 50,000 parameters
FWD_BWD_SIZES = ((16,), (64, 64))
GOALS = {"backward_over_forward": 1.5, "cli_seconds": 3.0, "fuzz_per_second": 50.0}
GRADCHECK = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3}


class Settings:
    """What ``--quick`` changes: budgets for exhaustive runs, repeats of the tiny timings."""

    def __init__(self, quick: bool):
        self.quick = quick
        self.exhaustive_budget_s = 5.0 if quick else 60.0  # above this, time a subset and scale
        self.sample_budget_s = 2.0 if quick else 5.0  # how long a timed subset may take
        self.repeats = 3 if quick else 7  # median of this many (tiny timings, cheap whole checks)
        self.loop_s = 0.03 if quick else 0.1  # each repeat loops a tiny call for at least this long
        self.cli_runs = 3
        self.fuzz_examples = 100 if quick else 300


# ---------------------------------------------------------------- timing helpers

def per_call(fn, settings: Settings, spread: dict | None = None) -> float:
    """timeit-style: loop ``fn`` for at least ``loop_s`` per repeat; median seconds per call.

    ``spread``, if given, receives the min and max per-call time over the repeats (for the JSON).
    """
    fn()  # warm up
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - start >= settings.loop_s:
            break
        number *= 2
    times = []
    for _ in range(settings.repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    if spread is not None:
        spread.update(min_s=min(times), max_s=max(times), repeats=len(times), loops=number)
    return statistics.median(times)


def timed(fn, settings: Settings, cheap_s: float = 1.0, cpu: dict | None = None, key=None):
    """Run ``fn`` once; if that took under ``cheap_s``, repeat and take the median. -> (seconds, result).

    ``cpu``, if given, receives at ``key`` the median CPU time of the same runs (``time.process_time``:
    every thread of this process, none of the other processes a busy machine runs).
    """
    seconds, cpu_seconds = [], []
    while True:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - start_cpu)
        if seconds[0] >= cheap_s or len(seconds) == settings.repeats:
            break
    if cpu is not None:
        cpu[key] = statistics.median(cpu_seconds)
    return statistics.median(seconds), result


def thread_counts() -> list:
    """torch's intra-op thread counts gradcheck is timed at: one, its default, and one per core."""
    import torch

    return sorted({1, torch.get_num_threads(), os.cpu_count() or 1})


class TooSlow(Exception):
    """A timed call passed its deadline: it cannot be the fastest setting."""


GIVE_UP = 5.0  # a thread setting is stopped once it takes this many times the fastest one so far


def at_best_threads(fn, settings: Settings, cpu: dict | None = None):
    """``fn(deadline)`` timed (:func:`timed`) at every :func:`thread_counts` setting of torch, fastest taken.

    Under load two intra-op threads that wait on each other make a small torch call 2-30x
    slower; one thread can be slower on an idle machine: a contender is measured at its best.
    ``fn`` raises :class:`TooSlow` past ``deadline`` (``time.perf_counter()``): a setting is stopped
    once it has taken ``GIVE_UP`` times the fastest so far, and recorded as a lower bound.
    Returns ``(best seconds, {threads: seconds}, the result at the best)``; a stopped setting's
    seconds are its time until stopped, negated (a lower bound). ``cpu`` receives ``{threads: CPU seconds}``.
    """
    import torch

    default = torch.get_num_threads()
    by_threads, results = {}, {}
    try:
        for count in thread_counts():
            torch.set_num_threads(count)
            best = min((v for v in by_threads.values() if v > 0), default=None)
            if best is None:
                by_threads[count], results[count] = timed(lambda: fn(float("inf")), settings, cpu=cpu, key=count)
                continue
            start = time.perf_counter()
            try:
                by_threads[count], results[count] = timed(lambda: fn(time.perf_counter() + GIVE_UP * best), settings,
                                                          cpu=cpu, key=count)
            except TooSlow:
                by_threads[count] = -(time.perf_counter() - start)
    finally:
        torch.set_num_threads(default)
    best = min((c for c, v in by_threads.items() if v > 0), key=by_threads.get)
    return by_threads[best], by_threads, results[best]


def with_deadline(fn, deadline: float):
    """``fn`` that raises :class:`TooSlow` when called after ``deadline``."""
    def bounded(*args):
        if time.perf_counter() > deadline:
            raise TooSlow
        return fn(*args)
    return bounded


# ---------------------------------------------------------------- the machine

def machine() -> dict:
    import jax
    import torch

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=5).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                    capture_output=True, text=True, timeout=5).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", False
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "jax": jax.__version__, "jax_backend": jax.default_backend(), "platform": platform.platform(),
            "git": commit + ("+dirty" if dirty else ""), "load_average_start": _load(),
            "threads_env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
                            if k in os.environ}}


def _load():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# ---------------------------------------------------------------- the contenders' losses

def torch_loss(spec: Spec, X, y):
    """The canonical loss in PyTorch: ``fn(W1, b1, ..., WL, bL) -> scalar``, X and y closed over."""
    import torch

    Xt = torch.as_tensor(X, dtype=torch.float64)
    yt = torch.as_tensor(y, dtype=torch.float64)
    L = spec.n_layers

    def fn(*weights):
        a = Xt
        for l in range(L):
            z = a @ weights[2 * l] + weights[2 * l + 1]
            a = torch.relu(z) if l < L - 1 else z
        return torch.mean(torch.logaddexp(torch.zeros_like(z), z) - yt * z)

    return fn


def jax_loss(spec: Spec, X, y):
    """The canonical loss in JAX: ``f(params) -> scalar``, X and y closed over (call inside x64)."""
    import jax
    import jax.numpy as jnp

    Xj, yj = jnp.asarray(X, dtype=jnp.float64), jnp.asarray(y, dtype=jnp.float64)
    L = spec.n_layers

    def f(params):
        a = Xj
        for l in range(1, L + 1):
            z = a @ params[f"W{l}"] + params[f"b{l}"]
            a = jax.nn.relu(z) if l < L else z
        return jnp.mean(jnp.logaddexp(0.0, z) - yj * z)

    return f


def torch_inputs(params: dict, grad_keys):
    import torch

    return tuple(torch.tensor(v, dtype=torch.float64, requires_grad=k in grad_keys) for k, v in params.items())


@contextmanager
def gradcheck_capture():
    """Keep what gradcheck computed numerically, so we can hold it against the reference.

    Wraps torch's private ``_get_numerical_jacobian`` (full mode) and ``_get_numerical_vJu``
    (fast mode); if a torch version lacks them, the capture stays empty and the row says so.
    """
    module = importlib.import_module("torch.autograd.gradcheck")
    seen, originals = {}, {}
    for name in ("_get_numerical_jacobian", "_get_numerical_vJu"):
        original = getattr(module, name, None)
        if original is None:
            continue
        originals[name] = original

        def wrapper(*args, _name=name, _original=original, **kwargs):
            out = _original(*args, **kwargs)
            seen[_name] = (args, kwargs, out)
            return out

        setattr(module, name, wrapper)
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(module, name, original)


# ---------------------------------------------------------------- agreement with the reference

class Agreement:
    """Every contender's numbers vs the reference backward, one verdict per contender."""

    def __init__(self, g_ref: dict, kinks: dict):
        self.g_ref, self.kinks = g_ref, kinks
        self.fd_tol = policy.tolerance("finite-differences", "float64")
        self.rows = {}

    def entries(self, name: str, grads: dict, note: str = "", excuse: bool = True):
        """Per-entry numerical gradient (any subset of keys; a sampled entry list allowed).

        ``excuse``: a contender's mismatch on an entry next to a kink (where its +-step crosses) is
        counted as kink-excused; ours decides those entries with a step that does not cross, so its
        own row excuses nothing."""
        over = excused = checked = 0
        worst = 0.0
        for k, g in grads.items():
            if isinstance(g, tuple):  # (flat indices, values): a sampled subset
                idx, values = g
                ref, kink = self.g_ref[k].ravel()[idx], self.kinks[k].ravel()[idx]
            else:
                values, ref, kink = np.asarray(g).ravel(), self.g_ref[k].ravel(), self.kinks[k].ravel()
            kink = kink & excuse
            bad = ~self.fd_tol.close(values, ref)
            over += int((bad & ~kink).sum())
            excused += int((bad & kink).sum())
            checked += values.size
            worst = max(worst, float(np.max(np.abs(values - ref)[~kink], initial=0.0)))
        detail = f"{checked} entries, max |err| {worst:.1e}" + (f", {excused} kink-excused" if excused else "")
        self.rows[name] = {"ok": over == 0, "over_tolerance": over, "kink_excused": excused,
                           "entries": checked, "max_abs_err": worst, "detail": note + detail}

    def directions(self, name: str, numeric: list, expected: list, crossed: list, note: str = ""):
        """Directional derivatives (one per random direction) vs the reference's projections.

        ``crossed`` counts, per direction, the ReLU pre-activations whose sign differs between the
        contender's own +-step evaluations: a mismatch there is excused as a kink, like ours'.
        """
        numeric, expected = np.asarray(numeric, float), np.asarray(expected, float)
        kink = np.asarray(crossed) > 0
        bad = ~self.fd_tol.close(numeric, expected)
        over, excused = int((bad & ~kink).sum()), int((bad & kink).sum())
        worst = float(np.max(np.abs(numeric - expected)))
        detail = (f"{note}{len(numeric)} direction(s), max |err| {worst:.1e}, "
                  f"its ±steps cross {'/'.join(str(c) for c in crossed)} ReLU kink(s)" + (f", {excused} kink-excused" if excused else ""))
        self.rows[name] = {"ok": over == 0, "directions": len(numeric), "over_tolerance": over,
                           "kink_excused": excused, "kinks_crossed": [int(c) for c in crossed],
                           "numeric": numeric.tolist(), "expected": expected.tolist(),
                           "max_abs_err": worst, "detail": detail}

    def autodiff(self, name: str, grads: dict, value: float, loss_ref: float):
        """A framework's own autodiff gradient and loss at the same point (the other side of its check)."""
        tol, ltol = policy.tolerance(name, "float64"), policy.tolerance("loss", "float64")
        ok = all(np.all(tol.close(np.asarray(grads[k]).reshape(self.g_ref[k].shape), self.g_ref[k]))
                 for k in self.g_ref) and bool(ltol.close(value, loss_ref))
        worst = max(float(np.max(np.abs(np.asarray(grads[k]).reshape(self.g_ref[k].shape) - self.g_ref[k])))
                    for k in self.g_ref)
        self.rows[f"{name} autodiff"] = {"ok": ok, "max_abs_err": worst, "loss_abs_err": abs(value - loss_ref),
                                         "detail": f"{name} gradient and loss vs reference, max |err| {worst:.1e}"}

    @property
    def ok(self) -> bool:
        return all(r["ok"] for r in self.rows.values())


# ---------------------------------------------------------------- 1. the finite-difference check

def fd_check(spec: Spec, X, y, settings: Settings, say) -> dict:
    import jax
    import torch
    from jax.test_util import check_grads
    from torch.autograd import gradcheck

    params = random_params(spec, SEED, 1.0)
    n = spec.n_params()
    keys = list(params)
    g_ref = backward(params, X, y, spec.activation)
    loss_ref = loss(params, X, y, spec.activation)
    rows = {}

    say(f"{_size(spec)}: ours")
    cpu = {}
    seconds, fd = timed(lambda: fd_gradients(spec, params, X, y), settings, cpu=cpu, key="ours")
    rows["ours"] = {"seconds": seconds, "cpu_seconds": cpu["ours"], "kind": "every entry (batched central differences)"}
    agree = Agreement(g_ref, fd.near_kink)
    agree.entries("ours", fd.grads, excuse=False)

    # torch.autograd.gradcheck, full: one forward pair per entry, so predict before running it
    fn = torch_loss(spec, X, y)
    # gradcheck's first call in a process costs ~0.4 s of CPU once (measured: fast mode 442 ms, then
    # 3.3 ms): paid here, untimed, so a single timed run of the full check does not carry it
    gradcheck(fn, torch_inputs(params, keys), fast_mode=True, **GRADCHECK)
    with torch.no_grad():
        default = torch.get_num_threads()
        t_fwd = []
        for count in thread_counts():  # the prediction at torch's fastest setting
            torch.set_num_threads(count)
            t_fwd.append(per_call(lambda: fn(*torch_inputs(params, ())), settings))
        torch.set_num_threads(default)
        t_fwd = min(t_fwd)
    predicted = 2 * n * t_fwd
    full_keys = keys
    if predicted > settings.exhaustive_budget_s:
        cheap = {f"W{spec.n_layers}"} | {k for k in keys if k.startswith("b")}  # biases, the output layer
        full_keys = [k for k in keys if k in cheap]
    subset = sum(params[k].size for k in full_keys)
    say(f"{_size(spec)}: gradcheck full" + ("" if subset == n else f" (timed subset: {subset} of {n} entries)"))
    inputs = torch_inputs(params, full_keys)

    def run_full(deadline):
        with gradcheck_capture() as seen:
            passed = gradcheck(with_deadline(fn, deadline), inputs, fast_mode=False, **GRADCHECK)
        return passed, seen

    cpu = {}
    seconds, threads, (passed, seen) = at_best_threads(run_full, settings, cpu)
    row = {"seconds": seconds * n / subset, "kind": "every entry (one forward pair each)", "passed": bool(passed),
           "seconds_by_threads": {t: s * n / subset for t, s in threads.items()},
           "cpu_seconds_by_threads": {t: s * n / subset for t, s in cpu.items()}}
    if subset != n:
        row.update(estimated=True, measured_seconds=seconds, measured_entries=subset,
                   note=f"estimated: {subset}-entry subset ({', '.join(full_keys)}) timed at {seconds:.2f} s, "
                        f"scaled by {n}/{subset}; predicted {predicted:.0f} s > {settings.exhaustive_budget_s:.0f} s budget")
    rows["gradcheck full"] = row
    if "_get_numerical_jacobian" in seen:
        jacobians = seen["_get_numerical_jacobian"][2]  # per grad input: (J (numel, 1),)
        numeric = {k: j[0].numpy().reshape(params[k].shape) for k, j in zip(full_keys, jacobians)}
        agree.entries("gradcheck full", numeric, "" if subset == n else "timed subset: ")
    else:
        agree.rows["gradcheck full"] = {"ok": bool(passed), "detail": "numerical Jacobian not inspectable; gradcheck passed"}

    say(f"{_size(spec)}: gradcheck fast")
    inputs = torch_inputs(params, keys)

    def run_fast(deadline):
        with gradcheck_capture() as seen:
            passed = gradcheck(with_deadline(fn, deadline), inputs, fast_mode=True, **GRADCHECK)
        return passed, seen

    seconds, threads, (passed, seen) = at_best_threads(run_fast, settings)
    rows["gradcheck fast"] = {"seconds": seconds, "passed": bool(passed), "seconds_by_threads": threads,
                              "kind": "one random direction per tensor (not exhaustive)"}
    if "_get_numerical_vJu" in seen:
        args, kwargs, out = seen["_get_numerical_vJu"]
        all_u, all_v = args[4], args[5]  # (fn, inputs, inp_indices, func_out, all_u, all_v, eps, ...)
        v = float(all_v[0].reshape(-1)[0])  # the scalar output's random cotangent
        numeric = [float(o[0]) / v for o in out]  # J_k u_k, one per parameter tensor
        expected = [float(g_ref[k].ravel() @ u.numpy().ravel()) for k, u in zip(keys, all_u)]
        eps = GRADCHECK["eps"]
        crossed = [kinks_crossed(spec, {**params, k: params[k] + eps * u.numpy().reshape(params[k].shape)},
                                 {**params, k: params[k] - eps * u.numpy().reshape(params[k].shape)}, X)
                   for k, u in zip(keys, all_u)]
        agree.directions("gradcheck fast", numeric, expected, crossed)
    else:
        agree.rows["gradcheck fast"] = {"ok": bool(passed), "detail": "directional derivative not inspectable; gradcheck passed"}

    # torch's own autodiff at the same point (what gradcheck held its numbers against)
    inputs = torch_inputs(params, keys)
    value = fn(*inputs)
    value.backward()
    agree.autodiff("torch", {k: w.grad.numpy() for k, w in zip(keys, inputs)}, value.item(), loss_ref)

    # jax.test_util.check_grads: first call (compiles) and second call, on a recording wrapper
    with jax.enable_x64(True):
        import jax.numpy as jnp

        f = jax_loss(spec, X, y)
        jf = jax.jit(f)
        calls = []

        def recorded(p):
            out = jf(p)
            if not isinstance(out, jax.core.Tracer):  # concrete calls: primal, then f(x + d), f(x - d)
                calls.append(({k: np.asarray(v) for k, v in p.items()}, float(out)))
            return out

        jparams = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in params.items()}
        def run_check_grads():
            """check_grads' verdict: None if it passed, else the first line of its assertion."""
            calls.clear()
            try:
                check_grads(recorded, (jparams,), order=1, modes=["rev"])
            except AssertionError as exc:  # raised after all its work: the timing is still whole
                lines = [t.strip() for t in str(exc).splitlines() if t.strip()]
                return "; ".join(lines[:4])
            return None

        say(f"{_size(spec)}: jax check_grads")
        start = time.perf_counter()
        failure = run_check_grads()
        first = time.perf_counter() - start
        first_calls = list(calls)
        second, failure2 = timed(run_check_grads, settings)
        for name, seconds_, fail, what in (("check_grads 1st", first, failure, "includes jit compile"),
                                           ("check_grads 2nd", second, failure2, "compiled")):
            rows[name] = {"seconds": seconds_, "kind": f"one random direction, {what}", "passed": fail is None}
            if fail:
                rows[name]["note"] = f"check_grads raised (its own atol=rtol=1e-5): {fail}"
        numeric, expected, crossed = [], [], []
        for recorded_calls in (first_calls, calls):
            (p_plus, f_plus), (p_minus, f_minus) = recorded_calls[-2], recorded_calls[-1]
            delta = {k: (p_plus[k] - p_minus[k]) / 2 for k in keys}  # eps * tangent
            norm = np.sqrt(sum(float((d * d).sum()) for d in delta.values()))
            numeric.append((f_plus - f_minus) / 2 / norm)  # along the unit tangent
            expected.append(sum(float((g_ref[k] * delta[k]).sum()) for k in keys) / norm)
            crossed.append(kinks_crossed(spec, p_plus, p_minus, X))
        agree.directions("check_grads", numeric, expected, crossed, "1st and 2nd call: ")
        value, grads = jax.value_and_grad(jf)(jparams)
        agree.autodiff("jax", {k: np.asarray(v) for k, v in grads.items()}, float(value), loss_ref)

    # the naive baseline: a Python loop, two full NumPy forwards per entry
    t_loss = per_call(lambda: loss(params, X, y, spec.activation), settings)
    flat = [(k, i) for k in keys for i in range(params[k].size)]
    sample = flat
    if 2 * n * t_loss > settings.exhaustive_budget_s:
        count = max(100, int(settings.sample_budget_s / (2 * t_loss)))
        picks = np.random.default_rng(SEED).choice(n, size=min(count, n), replace=False)
        sample = [flat[i] for i in np.sort(picks)]
    say(f"{_size(spec)}: naive loop" + ("" if len(sample) == n else f" (timed sample: {len(sample)} of {n} entries)"))
    start = time.perf_counter()
    values = naive_fd(spec, params, X, y, sample)
    measured = time.perf_counter() - start
    if len(sample) == n:
        seconds, _ = timed(lambda: naive_fd(spec, params, X, y, sample), settings) if measured < 1.0 else (measured, None)
        rows["naive loop"] = {"seconds": seconds, "kind": "every entry (two full forwards each)"}
        grads = {}
        for (k, i), v in zip(sample, values):
            grads.setdefault(k, np.empty(params[k].size))[i] = v
        agree.entries("naive loop", grads)
    else:
        rows["naive loop"] = {"seconds": measured * n / len(sample), "estimated": True, "measured_seconds": measured,
                              "measured_entries": len(sample), "kind": "every entry (two full forwards each)",
                              "note": f"estimated: {len(sample)} random entries timed at {measured:.2f} s, scaled by {n}/{len(sample)}"}
        by_key = {}
        for (k, i), v in zip(sample, values):
            by_key.setdefault(k, ([], []))
            by_key[k][0].append(i)
            by_key[k][1].append(v)
        agree.entries("naive loop", {k: (np.array(i), np.array(v)) for k, (i, v) in by_key.items()}, "sampled: ")

    ours = rows["ours"]["seconds"]
    for row in rows.values():
        row["ratio_vs_ours"] = row["seconds"] / ours
    full = rows["gradcheck full"]
    full["cpu_ratio_vs_ours"] = min(full["cpu_seconds_by_threads"].values()) / rows["ours"]["cpu_seconds"]
    kink_count = int(sum(k.sum() for k in fd.near_kink.values()))
    return {"size": _size(spec), "sizes": list(spec.sizes), "n_params": n, "weights": f"random_params(spec, {SEED}, 1.0)",
            "loss": loss_ref, "kink_crossed_entries": kink_count, "contenders": rows,
            "agreement": agree.rows, "same_gradient": agree.ok}


def kinks_crossed(spec: Spec, plus: dict, minus: dict, X) -> int:
    """How many hidden pre-activations (sample, unit) change sign between two weight points."""
    _, a = forward({k: np.asarray(v, dtype=np.float64) for k, v in plus.items()}, X, spec.activation)
    _, b = forward({k: np.asarray(v, dtype=np.float64) for k, v in minus.items()}, X, spec.activation)
    return int(sum(((a[f"z{l}"] > 0) != (b[f"z{l}"] > 0)).sum() for l in range(1, spec.n_layers)))


def naive_fd(spec: Spec, params: dict, X, y, entries) -> np.ndarray:
    """Central differences entry by entry, each from two full NumPy forwards of the reference loss."""
    p = {k: v.copy() for k, v in params.items()}
    out = np.empty(len(entries))
    for e, (k, i) in enumerate(entries):
        w = p[k].reshape(-1)  # a view: writes go into p[k]
        original = w[i]
        h = float(policy.fd_step(original))
        w[i] = original + h
        plus = loss(p, X, y, spec.activation)
        w[i] = original - h
        minus = loss(p, X, y, spec.activation)
        w[i] = original
        out[e] = (plus - minus) / (2 * h)
    return out


# ---------------------------------------------------------------- 2. forward and backward

def forward_backward(spec: Spec, X, y, settings: Settings) -> list:
    import jax
    import torch

    params = random_params(spec, SEED, 1.0)
    N, L, keys = X.shape[0], spec.n_layers, list(params)
    rows, spread = [], {}

    def measure(key, fn):
        spread[key] = {}
        return per_call(fn, settings, spread[key])

    def reference_forward():
        loss(params, X, y, spec.activation)

    _, cache = forward(params, X, spec.activation)
    fwd = measure("forward", reference_forward)
    bwd = measure("backward", lambda: backward(params, X, y, spec.activation))
    alone = measure("backprop", lambda: backprop(params, cache, (cache["y_hat"] - y) / N, L, spec.activation))
    rows.append({"framework": "reference", "forward_s": fwd, "backward_s": bwd,
                 "spread": {"forward": spread.pop("forward"), "backward": spread.pop("backward")},
                 "what": "loss() = forward + loss  vs  backward() (runs its own forward, then backprop)"})
    rows.append({"framework": "reference, backprop alone", "forward_s": fwd, "backward_s": alone,
                 "spread": {"forward": rows[0]["spread"]["forward"], "backward": spread.pop("backprop")},
                 "what": "loss()  vs  dz = (y_hat - y)/N + backprop() from the forward cache"})

    fn = torch_loss(spec, X, y)
    inputs = torch_inputs(params, keys)
    fwd = measure("forward", lambda: fn(*inputs))  # builds the autograd graph, as before a backward
    value = fn(*inputs)

    def torch_backward():
        for w in inputs:
            w.grad = None
        value.backward(retain_graph=True)

    bwd = measure("backward", torch_backward)
    rows.append({"framework": "torch", "forward_s": fwd, "backward_s": bwd, "spread": dict(spread),
                 "what": "forward + loss (graph built)  vs  loss.backward() alone (retain_graph)"})

    with jax.enable_x64(True):
        import jax.numpy as jnp

        f = jax_loss(spec, X, y)
        jparams = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in params.items()}
        jf, jg = jax.jit(f), jax.jit(jax.grad(f))
        fwd = measure("forward", lambda: jf(jparams).block_until_ready())
        bwd = measure("backward", lambda: jax.block_until_ready(jg(jparams)))
    rows.append({"framework": "jax (jit)", "forward_s": fwd, "backward_s": bwd, "spread": dict(spread),
                 "what": "jit(loss)  vs  jit(grad(loss)) (includes its forward)"})
    for row in rows:
        row["ratio"] = row["backward_s"] / row["forward_s"]
        row["size"] = _size(spec)
        row["n_params"] = spec.n_params()
    return rows


# ---------------------------------------------------------------- 3. the CLI, cold

def cli_cold(data_path: str, settings: Settings) -> dict:
    command = [sys.executable, "-m", "oracles.shells.launch", "--data", data_path, "--format", "json"]
    runs, codes, passed = [], [], []
    for _ in range(settings.cli_runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        runs.append(time.perf_counter() - start)
        codes.append(done.returncode)
        try:
            report = json.loads(done.stdout)
            passed.append(report.get("passed"))
            timings = report.get("timings_s", {})
        except json.JSONDecodeError:
            passed.append(None)
            timings = {}
    median = statistics.median(runs)
    return {"command": " ".join(command[1:]), "runs_s": runs, "median_s": median, "exit_codes": codes,
            "passed": passed, "inner_timings_s": timings, "goal_s": GOALS["cli_seconds"],
            "meets_goal": median <= GOALS["cli_seconds"]}


# ---------------------------------------------------------------- 4. fuzz

def fuzz_rate(settings: Settings) -> dict:
    from oracles.candidate import reference_candidate
    from properties.fuzz import fuzz

    result = fuzz(lambda p: reference_candidate(p.activation), settings.fuzz_examples, seed=0)
    rate = result.examples / result.seconds
    return {"examples": result.examples, "seconds": result.seconds, "examples_per_second": rate,
            "passed": result.passed, "oracles": ["finite-differences", "torch", "jax"],
            "goal_per_second": GOALS["fuzz_per_second"], "meets_goal": rate >= GOALS["fuzz_per_second"]}


# ---------------------------------------------------------------- printing

def _size(spec: Spec) -> str:
    return ",".join(str(h) for h in spec.hidden)


def _seconds(row: dict) -> str:
    s = row["seconds"]
    text = f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"
    return ("~" + text + " (est.)") if row.get("estimated") else text


def _us(s: float) -> str:
    return f"{s * 1e6:,.0f} µs" if s < 1e-2 else f"{s * 1e3:.1f} ms"


AGREEMENT_OF = {"ours": "ours", "gradcheck full": "gradcheck full", "gradcheck fast": "gradcheck fast",
                "check_grads 1st": "check_grads", "check_grads 2nd": "check_grads", "naive loop": "naive loop"}


def print_results(console, results: dict) -> None:
    print_header(console, results)
    print_fd(console, results)
    _print_rest(console, results)


def print_header(console, results: dict) -> None:
    m = results["machine"]
    console.print(f"[bold]machine[/]: {m['cpu']}, {m['cores']} cores (torch threads {m['torch_threads']}); "
                  f"python {m['python']}, numpy {m['numpy']}, torch {m['torch']}, jax {m['jax']} ({m['jax_backend']}); "
                  f"git {m['git'] or '?'}; load average at start {m['load_average_start']}"
                  + (f"; {m['threads_env']}" if m["threads_env"] else ""))
    cfg = results["config"]
    console.print(f"[bold]data[/]: {cfg['data']} (N={cfg['rows']}); float64; weights random_params(spec, {SEED}, 1.0); "
                  f"{'--quick' if cfg['quick'] else 'full run'}")


def print_fd(console, results: dict) -> None:
    """Table 1: the full finite-difference check, one table per size."""
    from rich.table import Table

    for size in results["finite_difference_check"]:
        table = Table(title=f"1. Full gradient check, hidden {size['size']}: {size['n_params']:,} parameters "
                            f"(sizes {size['sizes']}, loss {size['loss']:.6f})", title_justify="left")
        for col, just in (("contender", "left"), ("what it checks", "left"), ("time", "right"),
                          ("contender / ours", "right"), ("agrees with backward", "left")):
            table.add_column(col, justify=just)
        for name, row in size["contenders"].items():
            a = size["agreement"].get(AGREEMENT_OF[name], {})
            verdict = ("yes" if a.get("ok") else "[red]NO[/]") + (f": {a['detail']}" if a else "")
            ratio = "1×" if name == "ours" else f"{'~' if row.get('estimated') else ''}{row['ratio_vs_ours']:,.2f}×"
            table.add_row(name, row["kind"], _seconds(row), ratio, verdict)
        console.print(table)
        for name, row in size["contenders"].items():
            if row.get("seconds_by_threads"):
                times = ", ".join(f"{t} thread{'s' if int(t) > 1 else ''} "
                                  + (_seconds({**row, 'seconds': s}) if s > 0 else f"stopped after {_seconds({**row, 'seconds': -s})}")
                                  for t, s in row["seconds_by_threads"].items())
                console.print(f"  {name}: {times} (torch intra-op threads; the table takes the fastest; a setting "
                              f"is stopped at {GIVE_UP:g}x the fastest so far)")
            if row.get("note"):
                console.print(f"  {name}: {row['note']}")
        ours, full = size["contenders"]["ours"], size["contenders"]["gradcheck full"]
        console.print(f"  CPU time (this process's threads, not the machine's other jobs): ours "
                      f"{_seconds({'seconds': ours['cpu_seconds']})}, gradcheck full "
                      + ", ".join(f"{t} thread{'s' if int(t) > 1 else ''} {_seconds({**full, 'seconds': s})}"
                                  for t, s in full["cpu_seconds_by_threads"].items())
                      + f": the least over ours {full['cpu_ratio_vs_ours']:,.2f}×")
        autodiff = [f"{k} {'yes' if v['ok'] else 'NO'} (max |err| {v['max_abs_err']:.1e})"
                    for k, v in size["agreement"].items() if k.endswith("autodiff")]
        console.print(f"  same gradient: [bold]{'yes' if size['same_gradient'] else 'NO'}[/] "
                      f"(FD tolerance atol={results['config']['fd_tolerance']['atol']:g}, "
                      f"rtol={results['config']['fd_tolerance']['rtol']:g}; {size['kink_crossed_entries']} entries next to a "
                      f"kink, decided by ours with a step that does not cross (a contender's mismatch there is "
                      f"excused: its own step crosses); autodiff vs backward: {', '.join(autodiff)})\n")



def _print_rest(console, results: dict) -> None:
    from rich.table import Table

    m = results["machine"]
    table = Table(title="2. Forward vs backward (median per call)", title_justify="left")
    for col, just in (("size", "left"), ("framework", "left"), ("forward", "right"), ("backward", "right"),
                      ("backward / forward", "right"), ("what is timed", "left")):
        table.add_column(col, justify=just)
    for row in results["forward_backward"]:
        table.add_row(row["size"], row["framework"], _us(row["forward_s"]), _us(row["backward_s"]),
                      f"{row['ratio']:.2f}×", row["what"])
    console.print(table)
    goal = GOALS["backward_over_forward"]
    for row in results["forward_backward"]:
        if row["framework"].startswith("reference"):
            mark = "meets" if row["ratio"] <= goal else "[red]misses[/]"
            console.print(f"  {row['framework']} at {row['size']}: backward/forward {row['ratio']:.2f}× "
                          f"({mark} the goal ≤ {goal}×)")
    console.print()

    cli = results["cli"]
    table = Table(title="3. compare-frameworks end to end, cold process", title_justify="left")
    for col in ("command", "runs", "median", "goal", "exit codes / passed"):
        table.add_column(col)
    table.add_row(cli["command"], ", ".join(f"{s:.2f} s" for s in cli["runs_s"]), f"{cli['median_s']:.2f} s",
                  f"≤ {cli['goal_s']:.0f} s: " + ("met" if cli["meets_goal"] else "[red]missed[/]"),
                  f"{cli['exit_codes']} / {cli['passed']}")
    console.print(table)
    if cli["inner_timings_s"]:
        console.print("  inside the last run (its own timings_s): "
                      + ", ".join(f"{k} {v:.2f} s" for k, v in cli["inner_timings_s"].items()))
    console.print()

    fz = results["fuzz"]
    table = Table(title="4. Fuzz throughput, every oracle on (reference candidate)", title_justify="left")
    for col in ("examples", "seconds", "examples / s", "goal", "every law held"):
        table.add_column(col)
    table.add_row(str(fz["examples"]), f"{fz['seconds']:.1f}", f"{fz['examples_per_second']:.1f}",
                  f"≥ {fz['goal_per_second']:.0f}/s: " + ("met" if fz["meets_goal"] else "[red]missed[/]"),
                  "yes" if fz["passed"] else "[red]NO[/]")
    console.print(table)
    console.print(f"\nbenchmark wall time: {results['wall_seconds']:.1f} s "
                  f"(load average at the end {m.get('load_average_end')})")


# ---------------------------------------------------------------- main

def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller budgets and repeats (under ~60 s)")
    p.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"),
                   help="write every number here (default: benchmarks/results.json)")
    p.add_argument("--data", help="the real CSV or a packaged name (default: $BACKPROP_DATA, else the packaged diabetes)")
    p.add_argument("--only", choices=("fd",), help="fd: only the finite-difference check (table 1)")
    p.add_argument("--sizes", nargs="+", metavar="H1,H2", help="table 1's hidden sizes (default: 16 64,64 256,192)")
    args = p.parse_args(argv)

    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 200)
    progress = Console(stderr=True)
    start = time.perf_counter()

    def say(text):
        progress.print(f"[dim]{time.perf_counter() - start:6.1f} s  {text}[/]", highlight=False)

    try:
        data = load(args.data)
    except DataError as exc:
        print(f"benchmarks/run.py: error: {exc}", file=sys.stderr)
        return 2
    path = data.packaged or data.source  # a name the CLI takes back as --data
    settings = Settings(args.quick)
    tol = policy.tolerance("finite-differences", "float64")
    results = {"machine": machine(),
               "config": {"quick": args.quick, "data": str(path), "rows": data.rows, "dtype": "float64",
                          "weights": f"random_params(spec, {SEED}, 1.0)", "gradcheck": GRADCHECK,
                          "fd_tolerance": {"atol": tol.atol, "rtol": tol.rtol},
                          "exhaustive_budget_s": settings.exhaustive_budget_s, "repeats": settings.repeats},
               "goals": GOALS}

    try:
        sizes = [tuple(int(h) for h in size.split(",")) for size in args.sizes] if args.sizes else SIZES
    except ValueError:
        print(f"benchmarks/run.py: error: --sizes takes hidden widths such as 16 or 64,64, not {args.sizes}",
              file=sys.stderr)
        return 2
    results["finite_difference_check"] = [fd_check(Spec((data.features, *h, 1)), data.X, data.y, settings, say)
                                          for h in sizes]
    if args.only == "fd":
        results["same_gradient"] = all(s["same_gradient"] for s in results["finite_difference_check"])
        print_header(console, results)
        print_fd(console, results)
        Path(args.json).write_text(json.dumps(results, indent=2, default=_jsonable) + "\n")
        console.print(f"JSON written to {args.json}")
        return 0 if results["same_gradient"] else 1
    say("forward / backward")
    results["forward_backward"] = [row for h in FWD_BWD_SIZES
                                   for row in forward_backward(Spec((data.features, *h, 1)), data.X, data.y, settings)]
    say(f"compare-frameworks, {settings.cli_runs} cold runs")
    results["cli"] = cli_cold(str(path), settings)
    say(f"fuzz, {settings.fuzz_examples} examples")
    results["fuzz"] = fuzz_rate(settings)
    results["wall_seconds"] = time.perf_counter() - start
    results["machine"]["load_average_end"] = _load()
    results["same_gradient"] = all(s["same_gradient"] for s in results["finite_difference_check"])

    print_results(console, results)
    Path(args.json).write_text(json.dumps(results, indent=2, default=_jsonable) + "\n")
    console.print(f"JSON written to {args.json}")
    return 0 if results["same_gradient"] else 1


def _jsonable(value):
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


if __name__ == "__main__":
    sys.exit(main())
