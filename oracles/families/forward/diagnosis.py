"""Diagnosis that needs no knowledge of the network: what the candidate's gradient of one parameter
is, as a function of the oracle's gradients, when it is not the oracle's.

Per wrong parameter, tried in this order, the first that reproduces the candidate's gradient within
the oracle's own tolerance (``compare`` against the transformed oracle, kinks' intervals
transformed alike) is named; a guess that does not reproduce it is never said:

- a constant factor the inputs' shapes explain: ``-1`` (the sign), ``N`` (the batch rows: the
  most common leading length among the inputs), ``1/N``, ``N/(N-1)`` (divided by N-1 where N
  belongs), ``2``, ``1/2``, ``D`` and ``1/D`` (the width of a two-dimensional input with N rows),
  ``N/D`` (divided by D where N belongs); the first that reproduces is named, and any other of the
  same value is said with it (``D = 2`` and ``2``: the shapes cannot tell them apart);
- the transpose (a square parameter);
- another parameter's gradient (the same shape: a line copied and not edited);
- a constant factor the shapes do not explain (measured; on a one-entry parameter only when another
  parameter of the point shows the same factor);
- an error confined to some entries (at most half of them, or every wrong entry at a kink found):
  which, and how many are kinks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oracles.compare import _errors, compare
from oracles.families.forward.judge import Found


@dataclass
class Cause:
    param: str
    kind: str  # "factor N", "sign", "transpose", "copy of W1", "constant", "entries", "entries at kinks"
    text: str


def shape_factors(inputs: dict) -> list:
    """``[(kind, value, words)]``: the constant factors the inputs' shapes explain, simplest first."""
    from collections import Counter

    counts = Counter(a.shape[0] for a in inputs.values() if np.ndim(a) >= 1)
    n = max(counts, key=lambda m: (counts[m], m)) if counts else None
    widths = sorted({a.shape[1] for a in inputs.values() if np.ndim(a) == 2 and a.shape[0] == n and a.shape[1] > 1})
    out = [("sign", -1.0, "the sign is flipped: every entry is -1x the oracle's")]
    if n and n > 1:
        out += [("factor N", float(n), f"every entry is N = {n} times the oracle's: a missing 1/N (a mean over "
                                       f"the batch written as a sum)"),
                ("factor 1/N", 1.0 / n, f"every entry is 1/N = 1/{n} of the oracle's: an extra 1/N (divided by "
                                        f"the batch size twice, or a summed loss differentiated as a mean)")]
        if n > 2:
            out.append(("factor N-1", n / (n - 1), f"every entry is N/(N-1) = {n}/{n - 1} times the oracle's: "
                                                   f"divided by N-1 where N belongs"))
    out += [("factor 2", 2.0, "every entry is 2x the oracle's: a stray 2 (the 2 of a square, where the loss "
                              "has its 1/2)"),
            ("factor 1/2", 0.5, "every entry is 1/2 of the oracle's: a missing 2 (the derivative of a square)")]
    for d in widths:
        if d == n:
            continue
        out += [("factor D", float(d), f"every entry is D = {d} times the oracle's: a mean over the {d} columns "
                                       f"as well as the rows differentiated as a mean over the rows only"),
                ("factor 1/D", 1.0 / d, f"every entry is 1/D = 1/{d} of the oracle's: an extra division by the "
                                        f"{d} columns")]
        if n and n > 1:
            out.append(("factor N/D", n / d, f"every entry is N/D = {n}/{d} times the oracle's: divided by D = "
                                             f"{d} (the columns) where N = {n} (the rows) belongs"))
    return out


def _kinks(lo, hi) -> Found:
    """A kink interval transformed with the oracle (a negative factor swaps its ends)."""
    return Found(np.minimum(lo, hi), np.maximum(lo, hi))


def _scaled(found, c):
    return None if found is None else _kinks(found.lo * c, found.hi * c)


def _reproduces(k, oracle, g, predicted, tol, found) -> bool:
    return compare(k, oracle, g, predicted, tol, subgradient=found).passed


def _constant(g, o, tol):
    """The ratio every significant entry shows, or None."""
    big = np.abs(o) > 10 * tol.bound(0.0, 1.0) + 1e-300
    if big.sum() < 1:
        return None
    r = float(np.median(g[big] / o[big]))
    return r if np.isfinite(r) and r != 0 else None


def _entries(k, oracle, g, o, tol, found):
    """``(kind, text)`` when the error is confined to some entries, else None."""
    *_, err, bound = _errors(g, o, tol, found)
    wrong = err > bound
    count, size = int(wrong.sum()), wrong.size
    at = found.mask & wrong if found is not None else np.zeros_like(wrong)
    kinks = int(at.sum())
    if count == 0 or not (count <= size / 2 or kinks == count):
        return None
    where = _where(k, wrong)
    if kinks == count:
        return "entries at kinks", (f"the error is confined to {count} of {size} entries, {where}, every one at a "
                                    f"kink found in your forward: the slope your backward takes there is outside "
                                    f"the one-sided slopes")
    return "entries", (f"the error is confined to {count} of {size} entries, {where}"
                       + (f", {kinks} of them at kinks found" if kinks else ", none at a kink") +
                       "; every other entry agrees")


def _where(k, wrong) -> str:
    if wrong.all():
        return f"every entry of {k}"
    if wrong.ndim == 2 and wrong.shape[0] > 1:
        cols = [j for j in range(wrong.shape[1]) if wrong[:, j].all()]
        if cols and wrong[:, cols].sum() == wrong.sum():
            return f"{'column' if len(cols) == 1 else 'columns'} {', '.join(map(str, cols))} of {k}"
    if wrong.ndim == 2 and wrong.shape[1] > 1:
        rows = [i for i in range(wrong.shape[0]) if wrong[i, :].all()]
        if rows and wrong[rows, :].sum() == wrong.sum():
            return f"{'row' if len(rows) == 1 else 'rows'} {', '.join(map(str, rows))} of {k}"
    idx = [f"{k}[{', '.join(map(str, i))}]" for i in np.argwhere(wrong)[:6]]
    return ", ".join(idx) + (", ..." if wrong.sum() > 6 else "")


def diagnose(grads: dict, oracle: dict, kinks: dict, inputs: dict, wrong: list, tol, oracle_name: str) -> list:
    """A :class:`Cause` per parameter of ``wrong`` that one reproduces; the others unnamed."""
    factors = shape_factors(inputs)
    causes, left, constants = {}, [], {}
    for k in wrong:
        g, o, found = np.asarray(grads[k], np.float64), np.asarray(oracle[k], np.float64), kinks.get(k)
        cause = None
        for kind, c, text in factors:
            if _reproduces(k, oracle_name, g, c * o, tol, _scaled(found, c)):
                ties = [other for other, v, _ in factors if other != kind and np.isclose(v, c, rtol=1e-12, atol=0)]
                tie = f" ({' and '.join(ties)} too: these inputs' shapes cannot tell them apart)" if ties else ""
                cause = Cause(k, kind, text + tie)
                break
        if cause is None and o.ndim == 2 and o.shape[0] == o.shape[1] > 1 and \
                _reproduces(k, oracle_name, g, o.T, tol, None if found is None else _kinks(found.lo.T, found.hi.T)):
            cause = Cause(k, "transpose", f"d{k} is the transpose of the oracle's: an outer product written the "
                                          f"wrong way round ({k} is square, so its shape does not say)")
        if cause is None:
            for j, oj in oracle.items():
                if j != k and np.shape(oj) == o.shape and _reproduces(k, oracle_name, g, np.asarray(oj, np.float64),
                                                                        tol, kinks.get(j)):
                    cause = Cause(k, f"copy of {j}", f"d{k} is the gradient of {j}: a line copied from d{j} and "
                                                     f"not edited")
                    break
        if cause is None:
            r = _constant(g, o, tol)
            if r is not None and o.size > 1 and _reproduces(k, oracle_name, g, r * o, tol, _scaled(found, r)):
                constants[k] = r
                cause = Cause(k, "constant", f"every entry is {r:.6g}x the oracle's: a constant factor the "
                                             f"inputs' shapes do not explain (not N, D, 2 or -1; a factor of the "
                                             f"data's values?)")
        if cause is None:
            left.append(k)
        else:
            causes[k] = cause
    for k in list(left):  # a one-entry parameter with a factor another parameter shows
        g, o, found = np.asarray(grads[k], np.float64), np.asarray(oracle[k], np.float64), kinks.get(k)
        for j, r in constants.items():
            if _reproduces(k, oracle_name, g, r * o, tol, _scaled(found, r)):
                causes[k] = Cause(k, "constant", f"every entry is {r:.6g}x the oracle's, the factor d{j} shows")
                left.remove(k)
                break
    for k in left:
        g, o = np.asarray(grads[k], np.float64), np.asarray(oracle[k], np.float64)
        found = _entries(k, oracle_name, g, o, tol, kinks.get(k))
        if found:
            causes[k] = Cause(k, *found)
    return [causes[k] for k in wrong if k in causes]
