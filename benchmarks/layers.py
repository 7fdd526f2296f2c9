"""The layers family's finite differences against CS231n's own gradient check, side by side in one run.

    .venv/bin/python benchmarks/layers.py [--repeats 3] [--subset 40]

Rows, each on one forward, float64, the same arrays and ``dout`` (seeded) for all:

- ``harness``: finite differences of ``sum(out * dout)`` through the forward in its worker, as
  ``check_layer`` runs them: the kind's declared structure (:mod:`oracles.families.layers.structure`),
  used because the forward's outputs agree with torch's and JAX's layer (checked here as the check
  does), so one evaluation per entry of an array the layer is linear in (one-sided, at
  ``policy.fd_linear_step``) and one of every other array (the one-sided screen, at
  ``policy.fd_screen_step``), then every entry whose difference disagrees with the backward's,
  torch's or JAX's gradient searched again in full (``judge.verify``, half the tolerance for a
  screened array; the frameworks' vjp computed before the clock, as the check computes it
  for its own rows); perturbations of a batch's rows and of a convolution's filters stacked, many
  per call (``Kind.stacks``), and a recurrent layer's weights' copies side by side along its
  hidden units (``Kind.units``); the worker is started, and called once, before the clock;
- ``full search``: the same, with no structure: every entry stepped to w +- h and w +- 2h (kinks
  found), the harness before;
- ``course loop``: CS231n's ``eval_numerical_gradient_array(f, x, df, h=1e-5)``, written out below
  as the course has it (an ``np.nditer`` loop, ``f`` called twice per entry), once per array the
  harness differences, in this process (no worker);
- ``directions``: the harness along 16 random unit directions per array (``check_layer(...,
  directions=16)``'s finite differences, :mod:`oracles.families.layers.directions`), with and
  without the structure, on a convolution over 50 x 3 x 32 x 32 images; the course loop over
  every entry of that layer is estimated from ``--subset`` entries of x timed with the loop (its
  per-entry time times the entries of x, w and b).

The layers:

- ``conv naive`` / ``conv fast``: x (2, 3, 4, 4), w (3, 3, 4, 4), b (3,), stride 1, pad 1;
  ``conv_forward_naive`` (four Python loops, CS231n's) and ``conv_forward_fast`` (no Python loop)
  of ``tests/candidates/layers/conv.py``;
- ``lstm``: ``lstm_forward`` of ``tests/candidates/layers/recurrent.py`` with N, D, T, H = 2, 3, 3, 6
  (the notebook's ``lstm_backward`` check, N, D, T, H = 2, 3, 10, 6, over T = 3): x (2, 3, 3),
  h0 (2, 6), Wx (3, 24), Wh (6, 24), b (24,);
- ``conv 50x3x32x32``: ``conv_forward_fast``, x (50, 3, 32, 32), w (3, 3, 3, 3), b (3,), stride 1, pad 1.

Prints the median seconds of each (min and max beside), the ratios course loop / harness and course
loop / full search, each numerical gradient's largest difference from the candidate's backward,
the evaluations the harness spent against the course's, and the load average.

Measured (``--repeats 9``, three runs at a load average of 1.9 to 3.4 on 2 shared cores): conv naive
5.6x, 5.4x, 3.2x (25 ms against the loop's 142 ms in the first; its ceiling is 5.0x in window sums
for any per-entry difference at these sizes, docs/benchmarks.md); conv fast 13.3x, 15.2x, 12.3x;
LSTM 5.7x, 5.8x, 5.8x (4.5 ms against 25.4 ms: its weights' perturbed copies side by side along
the hidden units, ``Kind.units``); 50x3x32x32 along 16 directions 0.23 s against ~2,500 s
estimated, 630x to 11,000x as the load moves the loop's estimate.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402

from benchmarks.forward import median_seconds  # noqa: E402

LAYERS = ROOT / "tests" / "candidates" / "layers"


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """CS231n's (cs231n/gradient_check.py), as the course has it."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index

        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x).copy()
        x[ix] = oldval - h
        neg = f(x).copy()
        x[ix] = oldval

        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def course(forward, arrays: dict, names, dout, hyper=None):
    """The course's loop over each array in ``names``, the others held; ``{name: gradient}``."""
    out = {}
    for name in names:
        def f(a, name=name):
            moved = dict(arrays, **{name: a})
            args = [moved[k] for k in arrays]
            return forward(*args, *([hyper] if hyper is not None else []))[0]

        out[name] = eval_numerical_gradient_array(f, arrays[name].copy(), dout)
    return out


def trusted_structure(kind, arrays: dict, hyper, outs: list, douts: list):
    """As ``check_layer`` decides it: the kind's declared structure where the forward's outputs agree
    with torch's and JAX's layer (else none), and the frameworks' vjp (computed before any clock:
    the check computes them for their own rows whatever finite differences do)."""
    from oracles import policy
    from oracles.families.layers.frameworks import FRAMEWORKS
    from oracles.families.layers.structure import declared

    vjps, agree = [], True
    for name, fn in FRAMEWORKS.items():
        theirs, vjp = fn(kind, arrays, hyper or {}, douts)
        vjps.append(vjp)
        agree &= all(bool(policy.tolerance(name, "float64").close_array(np.asarray(o), t).all())
                     for o, t in zip(outs, theirs))
    return declared(kind, the_layer=agree), vjps


def layer(kind_name: str, file: str, forward_name: str, backward_name: str, arrays: dict, hyper, repeats: int):
    """``(harness row, full-search row, course row, worst differences, kinks, structure)`` for one forward."""
    import importlib

    from oracles import policy
    from oracles.families.forward.judge import differences
    from oracles.families.forward.sides import source_of
    from oracles.families.layers.kinds import KINDS
    from oracles.families.layers.sides import LayerForwardSide
    from oracles.families.forward.judge import verify

    module = importlib.import_module(f"candidates.layers.{file}")
    forward, backward = getattr(module, forward_name), getattr(module, backward_name)
    kind = KINDS[kind_name]
    out, cache = forward(*arrays.values(), *([hyper] if hyper is not None else []))
    dout = np.random.default_rng(1).standard_normal(out.shape)
    exact = dict(zip(kind.grads, backward(dout, cache)))
    structure, vjps = trusted_structure(kind, arrays, hyper, [out], [dout])
    tol = policy.tolerance("finite-differences", "float64")
    side = LayerForwardSide(source_of(f"{LAYERS / (file + '.py')}:{forward_name}", "--forward"),
                            kind.message(hyper or {})).start()
    inputs = {"dout0": dout}

    def declared():  # as check_layer runs it: the shortcuts, then the entries that disagree searched
        found = differences(side, arrays, inputs, structure=structure)
        verify(side, arrays, inputs, found, [exact, *vjps], tol)
        return found

    try:
        side.losses(arrays, inputs, [], base=1)  # warm: the worker's first call
        harness = median_seconds(declared, repeats)
        full = median_seconds(lambda: differences(side, arrays, inputs), repeats)
    finally:
        side.close()
    loop = median_seconds(lambda: course(forward, arrays, kind.grads, dout, hyper), repeats)
    worst = {"harness": max(float(np.abs(harness[3].central[k] - exact[k]).max()) for k in exact),
             "full search": max(float(np.abs(full[3].central[k] - exact[k]).max()) for k in exact),
             "course loop": max(float(np.abs(loop[3][k] - exact[k]).max()) for k in exact)}
    kinks = sum(int(f.mask.sum()) for f in harness[3].kinks.values())
    spent = sum(harness[3].evaluations.values())
    return harness, full, loop, worst, kinks, structure, spent


def directions_row(repeats: int, subset: int):
    """The directional differences on a 50 x 3 x 32 x 32 convolution, and the course loop's estimate."""
    from candidates.layers.conv import conv_backward_fast, conv_forward_fast
    from oracles import policy
    from oracles.families.forward.sides import source_of
    from oracles.families.layers import directions as along
    from oracles.families.layers.kinds import KINDS
    from oracles.families.layers.sides import LayerForwardSide
    from oracles.families.forward.judge import verify

    rng = np.random.default_rng(0)
    hyper = {"stride": 1, "pad": 1}
    arrays = {"x": rng.standard_normal((50, 3, 32, 32)), "w": rng.standard_normal((3, 3, 3, 3)),
              "b": rng.standard_normal(3)}
    out, cache = conv_forward_fast(*arrays.values(), hyper)
    dout = rng.standard_normal(out.shape)
    grads = dict(zip("xwb", conv_backward_fast(dout, cache)))
    structure, vjps = trusted_structure(KINDS["conv"], arrays, hyper, [out], [dout])
    V = along.draw(0, "bench", grads, {k: a.shape for k, a in arrays.items()}, 16)
    mine = along.project(V, grads)
    theirs = [along.project(V, vjp) for vjp in vjps]
    tol = policy.tolerance("finite-differences", "float64")
    side = LayerForwardSide(source_of(f"{LAYERS / 'conv.py'}:conv_forward_fast", "--forward"),
                            KINDS["conv"].message(hyper)).start()
    inputs = {"dout0": dout}

    def declared():  # as check_layer runs it (_judge_along)
        found = along.along(side, arrays, inputs, V, structure)
        for k in arrays:
            verify(along.Along(side, arrays, V[k], k), {"t": np.zeros(len(V[k]))}, inputs, found[k],
                   [{"t": mine[k]}, *({"t": t[k]} for t in theirs)], tol)
        return found

    try:
        side.losses(arrays, inputs, [], base=1)
        harness = median_seconds(declared, repeats)
        full = median_seconds(lambda: along.along(side, arrays, inputs, V), repeats)
    finally:
        side.close()
    worst = max(float(np.abs(harness[3][k].central["t"] - mine[k]).max()) for k in arrays)

    def some_entries():  # the course's loop, on the first `subset` entries of x only
        x = arrays["x"].copy()
        it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
        for _ in range(subset):
            ix = it.multi_index
            old = x[ix]
            x[ix] = old + 1e-5
            pos = conv_forward_fast(x, arrays["w"], arrays["b"], hyper)[0].copy()
            x[ix] = old - 1e-5
            neg = conv_forward_fast(x, arrays["w"], arrays["b"], hyper)[0].copy()
            x[ix] = old
            np.sum((pos - neg) * dout) / 2e-5
            it.iternext()

    loop = median_seconds(some_entries, repeats)
    entries = sum(a.size for a in arrays.values())
    estimate = loop[0] / subset * entries
    return harness, full, loop, estimate, entries, worst, structure


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--subset", type=int, default=40, help="entries of x timed with the course loop on the big layer")
    args = parser.parse_args(argv)
    print(f"load average at the start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; cores {os.cpu_count()}")
    rng = np.random.default_rng(0)
    conv = {"x": rng.standard_normal((2, 3, 4, 4)), "w": rng.standard_normal((3, 3, 4, 4)), "b": rng.standard_normal(3)}
    N, D, T, H = 2, 3, 3, 6
    lstm = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H)),
            "Wx": rng.standard_normal((D, 4 * H)), "Wh": rng.standard_normal((H, 4 * H)),
            "b": rng.standard_normal(4 * H)}
    cases = [("conv naive", "conv", "conv", "conv_forward_naive", "conv_backward_naive", conv, {"stride": 1, "pad": 1}),
             ("conv fast", "conv", "conv", "conv_forward_fast", "conv_backward_fast", conv, {"stride": 1, "pad": 1}),
             ("lstm", "lstm", "recurrent", "lstm_forward", "lstm_backward", lstm, None)]
    print(f"median of {args.repeats}; seconds; every entry of every array (harness: the kind's declared structure, "
          f"1 evaluation per entry (linear arrays at a large step, the others screened at sqrt(eps)), the full search where a gradient disagrees; full search: 4 "
          f"per entry everywhere, the harness before; course loop: 2)")
    print(f"{'layer':12} {'entries':>7} {'harness':>9} {'(min-max)':>17} {'full search':>11} {'course loop':>11} "
          f"{'(min-max)':>17} {'loop/harness':>12} {'loop/full':>9}  max |numeric - backward| harness, full, loop")
    missed = False
    for label, kind, file, fwd, bwd, arrays, hyper in cases:
        harness, full, loop, worst, kinks, structure, spent = layer(kind, file, fwd, bwd, arrays, hyper, args.repeats)
        entries = sum(a.size for a in arrays.values())
        ratio = loop[0] / harness[0]
        missed |= ratio < 5
        print(f"{label:12} {entries:7d} {harness[0]:9.4f} {f'({harness[1]:.4f}-{harness[2]:.4f})':>17} "
              f"{full[0]:11.4f} {loop[0]:11.4f} {f'({loop[1]:.4f}-{loop[2]:.4f})':>17} {ratio:11.1f}x "
              f"{loop[0] / full[0]:8.1f}x  {worst['harness']:.1e}, {worst['full search']:.1e}, "
              f"{worst['course loop']:.1e}; kinks found {kinks}; evaluations {spent} (course {2 * entries}); "
              f"{', '.join(f'{k} {v}' for k, v in structure.items()) or 'no structure used'}")
    harness, full, loop, estimate, entries, worst, structure = directions_row(args.repeats, args.subset)
    ratio = estimate / harness[0]
    missed |= ratio < 10
    print(f"conv 50x3x32x32 ({entries} entries), 16 random directions per array: harness {harness[0]:.3f} s "
          f"({harness[1]:.3f}-{harness[2]:.3f}), full search {full[0]:.3f} s; course loop {loop[0]:.3f} s for "
          f"{args.subset} entries of x, estimated {estimate:.0f} s for all {entries}; loop/harness {ratio:.0f}x "
          f"(loop/full {estimate / full[0]:.0f}x); max |directional difference - V . backward| {worst:.1e}; "
          f"{', '.join(f'{k} {v}' for k, v in structure.items()) or 'no structure used'}")
    print("bars: >= 5x on every entry, >= 10x with directions: " + ("missed (see above)" if missed else "met"))
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
