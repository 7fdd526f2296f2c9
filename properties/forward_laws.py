"""Laws that hold for any forward, and ``--fuzz`` with ``--forward``: draws through the user's ``init``.

A draw is a seed (``init(seed)`` in the forward's worker), a scale (every param multiplied by it)
and a subset of the batch rows (every input whose leading axis is the batch's, ``N``: the most
common leading length among the inputs). At each drawn point the candidate's backward obeys:

- **shapes**: its grads have params' keys, and each its parameter's shape and dtype;
- **finite**: every entry is finite;
- **descent**: a small step along ``-g`` lowers the forward's loss (the built-in descent law's
  step: ``lr0 = DESCENT_STEP max(1, |w|) / |g|``, halved until Armijo's ``loss(w - lr g) <=
  loss(w) - ARMIJO_C lr |g|^2`` holds, above ``DESCENT_FLOOR``); not asserted where the finite
  differences found a kink at the point;
- **determinism**: two calls on the same point agree (the policy's determinism row);
- **agreement**: the gradient agrees with the finite differences of the forward, kinks found as
  in a check (the policy's finite-difference row);
- **batch** (only when the user says the loss is a mean over rows, ``mean_over_rows``): the rows
  permuted (every row-indexed input alike, the order drawn from the draw's seed; from two rows) and the batch
  doubled (every row-indexed input concatenated with itself) leave the forward's loss unchanged
  (the policy's loss row) and the gradient too (its torch row: rounding alone). A loss that
  depends on row order (row i weighted by i) or that sums over rows breaks it in the forward; a
  backward that weights rows by position, or sums where the forward averages, in the gradient.

Every evaluation of the user's code happens in its workers (:mod:`oracles.families.forward.sides`);
the arithmetic and the verdict are the judge's. A failure is shrunk (:func:`shrink`: fewer rows,
the init's own scale, an earlier seed, while the same law breaks) and names the smallest failing
draw (seed, scale, rows), the draw first found, and a Python line that replays the smallest.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from oracles import policy, registry
from oracles.candidate import ContractViolation, unpack
from oracles.compare import compare
from oracles.families.forward.judge import differences, extended, recheck, wrong_entries
from oracles.families.forward.points import ForwardError, inputs_of, params_of
from oracles.families.forward.sides import BackwardSide, ForwardSide, source_of

LAWS = ("returns", "shapes", "finite", "determinism", "agreement", "descent", "batch")
SCALES = (-2.0, 2.0)  # log2 of the scale drawn: 1/4 .. 4
ALL_ROWS = 0.25  # the chance a draw keeps every row
SHRINK_ATTEMPTS = 40  # draws tried at most while shrinking a failure
SHRINK_SEEDS = 8  # the earliest seeds tried: 0 .. SHRINK_SEEDS - 1


@dataclass(frozen=True)
class Draw:
    """One drawn point: ``init(seed)``, every param times ``scale``, ``size`` of the batch rows
    (``sorted(default_rng(seed).choice(N, size, replace=False))``; None: every row)."""

    seed: int
    scale: float = 1.0
    size: int | None = None

    def rows(self, n: int) -> np.ndarray | None:
        if self.size is None or self.size >= n:
            return None
        return np.sort(np.random.default_rng(self.seed).choice(n, self.size, replace=False))

    def kept(self, n: int | None) -> int:
        """How many rows the draw keeps (every row: ``n``; 0 when the inputs have none)."""
        return (n or 0) if self.size is None else min(self.size, n or self.size)

    def smaller(self, n: int | None) -> list:
        """Simpler draws than this one, the most promising first: fewer rows (1, 2, a quarter, a half,
        one fewer), the init's own scale (1) or half way to it (in log2), an earlier seed."""
        out, rows = [], self.kept(n)
        for r in sorted({1, 2, rows // 4, rows // 2, rows - 1}):
            if 1 <= r < rows:
                out.append(Draw(self.seed, self.scale, r))
        if self.scale != 1.0:
            out.append(Draw(self.seed, 1.0, self.size))
            half = float(f"{2.0 ** (np.log2(self.scale) / 2):.3g}")
            if half not in (1.0, self.scale):
                out.append(Draw(self.seed, half, self.size))
        out += [Draw(s, self.scale, self.size) for s in range(min(self.seed, SHRINK_SEEDS))]
        return out

    def words(self, n: int | None = None) -> str:
        rows = "every row" if self.size is None or (n is not None and self.size >= n) else \
            f"{self.size} of {n if n is not None else 'the'} rows"
        shown = self.rows(n) if n is not None else None
        if shown is not None and len(shown) <= 12:
            rows += f" {shown.tolist()}"
        return f"seed {self.seed}, scale {self.scale!r}, {rows}"


def draw(rng: np.random.Generator, n: int | None) -> Draw:
    """A seed, a scale (log-uniform over 1/4 .. 4, three significant digits) and a batch size."""
    seed = int(rng.integers(0, 2 ** 31 - 1))
    scale = float(f"{2.0 ** rng.uniform(*SCALES):.3g}")
    size = None if not n or n < 2 or rng.random() < ALL_ROWS else int(rng.integers(1, n))
    return Draw(seed, scale, size)


def batch_rows(inputs: dict) -> int | None:
    """N: the most common leading length among the inputs of one or more dimensions (the largest on a tie)."""
    counts = Counter(a.shape[0] for a in inputs.values() if a.ndim >= 1)
    if not counts:
        return None
    return max(counts, key=lambda n: (counts[n], n))


def subset(inputs: dict, rows: np.ndarray | None, n: int | None) -> dict:
    if rows is None:
        return inputs
    return {k: a[rows] if a.ndim >= 1 and a.shape[0] == n else a for k, a in inputs.items()}


class LawBroken(AssertionError):
    def __init__(self, law: str, message: str):
        self.law, self.message = law, message
        super().__init__(f"{law}: {message}")


@dataclass
class Failure:
    law: str
    message: str
    draw: Draw  # the smallest failing draw shrinking found
    n: int | None
    replay: str
    first: Draw | None = None  # the draw that failed first, when shrinking found a smaller one
    tried: int = 0  # draws tried while shrinking
    first_n: int | None = None  # N at the first draw

    def summary(self) -> str:
        shrunk = f" (shrunk from {self.first.words(self.first_n)} in {self.tried} tries)" if self.first else ""
        return (f"law {self.law} broken at {self.draw.words(self.n)}{shrunk}: {self.message}\n"
                f"replay: {self.replay}")


@dataclass
class ForwardFuzz:
    examples: int
    ran: int = 0
    held: dict = field(default_factory=lambda: {law: 0 for law in LAWS})  # law -> draws where it was asserted
    failure: Failure | None = None
    seconds: float = 0.0
    every_row: int = 0  # draws whose subset of rows the forward refused, run on every row

    @property
    def passed(self) -> bool:
        return self.failure is None

    def summary(self) -> str:
        if self.failure is not None:
            return f"{self.ran} of {self.examples} draws: " + self.failure.summary()
        held = ", ".join(f"{law} {n}" for law, n in self.held.items())
        return (f"every law held over {self.ran} draws (seeds, scales 1/4..4, batch rows) of your init "
                f"({held} asserted) in {self.seconds:.1f} s")

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.summary())}</pre>"

    def to_dict(self) -> dict:
        return {"passed": self.passed, "examples": self.examples, "ran": self.ran, "held": dict(self.held),
                "summary": self.summary(), "seconds": self.seconds,
                "failure": None if self.failure is None else {
                    "law": self.failure.law, "message": self.failure.message, "seed": self.failure.draw.seed,
                    "scale": self.failure.draw.scale, "rows": self.failure.draw.size, "replay": self.failure.replay,
                    "shrunk_from": None if self.failure.first is None else {
                        "seed": self.failure.first.seed, "scale": self.failure.first.scale,
                        "rows": self.failure.first.size}, "shrink_tries": self.failure.tried}}


def _name(value) -> str:
    return value if isinstance(value, str) else getattr(value, "__name__", repr(value))


def replay_line(backward, forward, init, d: Draw, data=None, target=None, loss="bce", mean_over_rows=False) -> str:
    where = "".join(f", {k}={v!r}" for k, v in (("data", data), ("target", target), ("loss", loss))
                    if v is not None and (k, v) != ("loss", "bce") and isinstance(v, str))
    where += ", mean_over_rows=True" if mean_over_rows else ""
    return (f"python -c \"from properties.forward_laws import replay; print(replay({_name(backward)!r}, "
            f"{_name(forward)!r}, {_name(init)!r}, seed={d.seed}, scale={d.scale!r}, size={d.size!r}{where}))\"")


def _point(fside, init_source, d: Draw, fallback):
    """The drawn point's params and inputs (the rows subset), and N."""
    reply = fside.init(init_source, d.seed)
    params = params_of(reply["params"], f"init({d.seed}) params")
    inputs = inputs_of(reply["inputs"], f"init({d.seed}) inputs") if reply["inputs"] is not None else fallback()
    params = {k: (p * d.scale).astype(p.dtype) for k, p in params.items()}
    n = batch_rows(inputs)
    return params, subset(inputs, d.rows(n) if n else None, n), n


def laws_at(fside, bside, params: dict, inputs: dict, mean_over_rows: bool = False, seed: int = 0) -> list:
    """The laws asserted at one point (names); LawBroken for the first that fails. ``mean_over_rows``:
    the batch law too, its permutation drawn from ``seed``."""
    dtype = "float32" if any(p.dtype == np.float32 for p in params.values()) else "float64"
    found = differences(fside, params, inputs)  # the forward first: a point it refuses is bad input
    if found.nondeterministic:
        raise LawBroken("determinism", f"of your forward, not the backward: {found.nondeterministic}")
    first = bside.evaluate(params, inputs)
    if first.failure is not None:
        raise LawBroken("returns", f"the backward did not return its grads: {first.failure}")
    try:
        _, grads, problems = unpack(first, params, keep_going=True, finite_loss=False)
    except ContractViolation as exc:
        raise LawBroken("finite" if exc.kind == "non-finite" else "shapes", str(exc)) from None
    if problems:
        raise LawBroken("shapes", problems[0])
    asserted = ["returns", "shapes", "finite"]
    from oracles.harness import nondeterminism

    said = nondeterminism(first, bside.evaluate(params, inputs), params, max(1.0, abs(found.loss)))
    if said:
        raise LawBroken("determinism", said)
    asserted.append("determinism")
    tol = policy.tolerance(registry.DIFFERENCES, dtype)
    recheck(fside, params, inputs, found,
            {k: wrong_entries(g, found.central[k], tol, found.kinks[k]) for k, g in grads.items()})
    held = extended(fside, params, inputs, found,
                    {k: wrong_entries(g, found.central[k], tol, found.kinks[k]) for k, g in grads.items()}, tol)
    for k, g in grads.items():
        c = compare(k, registry.DIFFERENCES, g, found.central[k], tol, subgradient=found.kinks[k])
        if not c.passed:
            lost = (f" (your forward loses precision at this point: {sum(int(m.sum()) for m in held.values())} "
                    f"entries held to its differences in long double)") if held else ""
            raise LawBroken("agreement", c.line() + lost)
    asserted.append("agreement")
    if not any(f.mask.any() for f in found.kinks.values()) and _descent(fside, params, inputs, grads, found.loss):
        asserted.append("descent")
    if mean_over_rows and batch_law(fside, bside, params, inputs, grads, found.loss, dtype, seed):
        asserted.append("batch")
    return asserted


def rearranged(inputs: dict, seed: int) -> list:
    """``[(how, inputs)]``: the batch's rows permuted (never the identity; from two rows) and doubled,
    every input whose leading axis is the batch's (:func:`batch_rows`) alike; empty without rows."""
    n = batch_rows(inputs)
    if not n:
        return []
    doubled = {k: np.concatenate([a, a]) if a.ndim >= 1 and a.shape[0] == n else a for k, a in inputs.items()}
    if n < 2:
        return [("doubled", doubled)]
    order = np.random.default_rng(seed).permutation(n)
    if (order == np.arange(n)).all():
        order = np.roll(order, 1)
    return [("permuted", subset(inputs, order, n)), ("doubled", doubled)]


def batch_law(fside, bside, params, inputs, grads, loss: float, dtype: str, seed: int) -> bool:
    """The batch law: a loss that is a mean over rows, and its gradient, do not move when the rows
    are permuted or the batch doubled. ``loss``: the forward's at ``params`` in float64 (as
    :func:`differences` evaluates it). False where it is not asserted (no input has rows)."""
    moves = rearranged(inputs, seed)
    loss_tol, tol = policy.tolerance("loss", dtype), policy.tolerance("torch", dtype)
    wide = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}  # as ``loss`` was: differences()
    for how, moved in moves:
        value = float(fside.losses(wide, moved, [], base=1)[0])
        if not loss_tol.close(value, loss, max(1.0, abs(loss))):
            raise LawBroken("batch", f"of your forward, not the backward: with the rows {how} its loss is "
                                     f"{value!r}, not {loss!r}: it is not a mean over rows (a weight by a row's "
                                     f"position, a sum over rows?); said by mean_over_rows (--mean-over-rows)")
        outcome = bside.evaluate(params, moved)
        try:
            _, other = unpack(outcome, params, finite_loss=False)
        except ContractViolation as exc:
            raise LawBroken("batch", f"with the rows {how}, the backward broke its contract: {exc}") from None
        for k, g in grads.items():
            c = compare(k, f"rows {how}", np.asarray(other[k], np.float64), np.asarray(g, np.float64), tol)
            if not c.passed:
                raise LawBroken("batch", f"with the rows {how} the gradient moved, and a mean over rows does "
                                         f"not: {c.line('the original rows')}")
    return bool(moves)


def _descent(fside, params, inputs, grads, base: float) -> bool:
    """The built-in descent law's step and Armijo test, the losses from the forward's worker.
    False where it is not asserted (g = 0, or nothing measurable above the rounding floor)."""
    from properties.laws import _norm

    P = {k: v.astype(np.float64) for k, v in params.items()}
    G = {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}
    s = sum(float((g * g).sum()) for g in G.values())
    if s == 0 or not np.isfinite(s):
        return False
    lr = float(policy.DESCENT_STEP * max(1.0, _norm(P.values())) / np.sqrt(s))
    floor = policy.DESCENT_FLOOR * max(1.0, abs(base))
    if not np.isfinite(lr) or lr * s <= floor:
        return False
    while lr * s > floor:
        moved = {k: P[k] - lr * G[k] for k in P}
        value = float(fside.losses(moved, inputs, [], base=1)[0])
        if value <= base - policy.ARMIJO_C * lr * s:
            return True
        lr /= 2
    raise LawBroken("descent", f"no rate on the halving grid lowers your forward's loss along -g by "
                    f"{policy.ARMIJO_C:g} lr |g|^2 (|g|^2 = {s:.3g}, loss {base:.6g}): g points uphill, or is "
                    f"some {1 / policy.ARMIJO_C:g} times too large or more")


def _fallback(data, target, loss):
    cache = {}

    def inputs():
        if "inputs" not in cache:
            from oracles.families.forward.run import _data_inputs

            cache["inputs"] = _data_inputs(data, target, loss)
        return cache["inputs"]

    return inputs


def _attempt(fside, bside, isource, d: Draw, fallback, mean_over_rows=False):
    """``(N, the laws asserted, LawBroken or None)`` at one draw."""
    params, inputs, n = _point(fside, isource, d, fallback)
    try:
        return n, laws_at(fside, bside, params, inputs, mean_over_rows, d.seed), None
    except LawBroken as exc:
        return n, [], exc


def shrink(fside, bside, isource, d: Draw, n: int | None, broken: LawBroken, fallback, mean_over_rows=False,
           attempts: int = SHRINK_ATTEMPTS) -> tuple:
    """``(draw, LawBroken, tries, N)``: the smallest draw found from ``d`` at which the same law breaks.
    Greedy: the first of :meth:`Draw.smaller` that still breaks it is taken and shrunk in turn, until
    none does or ``attempts`` draws were tried. A draw the forward or init refuses is passed over."""
    tried = 0
    while tried < attempts:
        for smaller in d.smaller(n):
            if tried >= attempts:
                break
            tried += 1
            try:
                rows, _, again = _attempt(fside, bside, isource, smaller, fallback, mean_over_rows)
            except ForwardError:
                continue
            if again is not None and again.law == broken.law:
                d, broken, n = smaller, again, rows
                break
        else:
            break
    return d, broken, tried, n


def fuzz(backward, forward, init, examples: int = 100, *, seed: int = 0, data=None, target=None, loss="bce",
         timeout=None, memory=None, forbid_import=(), progress=None, mean_over_rows=False) -> ForwardFuzz:
    """Draw ``examples`` points through ``init`` (seeds from ``default_rng(seed)``, scales, batch
    rows) and assert every law at each; stops at the first broken law. ForwardError for bad input.
    ``mean_over_rows``: the loss is a mean over the batch rows, and the batch law is asserted too."""
    start = time.perf_counter()
    fsource, bsource, isource = source_of(forward, "--forward"), source_of(backward, "--candidate"), \
        source_of(init, "--init")
    result = ForwardFuzz(examples)
    if not mean_over_rows:
        del result.held["batch"]
    rng = np.random.default_rng(seed)
    fallback = _fallback(data, target, loss)
    worker = {"timeout": timeout, "memory": memory}
    fside = ForwardSide(fsource, **worker).start()
    bside = None
    try:
        bside = BackwardSide(bsource, forbid=forbid_import, **worker).start()
        n_rows = None  # N, known from the first draw (which keeps every row)
        for _ in range(examples):
            d = draw(rng, n_rows)
            try:
                n, asserted, broken = _attempt(fside, bside, isource, d, fallback, mean_over_rows)
            except ForwardError:
                if d.size is None:
                    raise
                d = Draw(d.seed, d.scale, None)  # the forward refuses a subset of rows: every row
                result.every_row += 1
                n, asserted, broken = _attempt(fside, bside, isource, d, fallback, mean_over_rows)
            for law in asserted:
                result.held[law] += 1
            if broken is not None:
                first, first_n = d, n
                d, broken, tried, n = shrink(fside, bside, isource, d, n, broken, fallback, mean_over_rows)
                replay = replay_line(backward, forward, init, d, data, target, loss, mean_over_rows)
                result.failure = Failure(broken.law, broken.message, d, n, replay, None if d == first else first,
                                         tried, first_n)
            n_rows = n_rows or (n if n and n >= 2 else None)
            result.ran += 1
            if progress is not None:
                progress()
            if result.failure is not None:
                break
    finally:
        fside.close()
        if bside is not None:
            bside.close()
    result.seconds = time.perf_counter() - start
    return result


def replay(backward, forward, init, *, seed: int, scale: float = 1.0, size: int | None = None, data=None,
           target=None, loss="bce", mean_over_rows: bool = False) -> str:
    """One drawn point again, every law: ``"every law holds at ..."`` or the broken law's line."""
    d = Draw(seed, scale, size)
    fside = ForwardSide(source_of(forward, "--forward")).start()
    bside = None
    try:
        bside = BackwardSide(source_of(backward, "--candidate")).start()
        params, inputs, n = _point(fside, source_of(init, "--init"), d, _fallback(data, target, loss))
        try:
            asserted = laws_at(fside, bside, params, inputs, mean_over_rows, d.seed)
        except LawBroken as exc:
            return f"law {exc.law} broken at {d.words(n)}: {exc.message}"
    finally:
        fside.close()
        if bside is not None:
            bside.close()
    return f"every law holds at {d.words(n)} ({', '.join(asserted)} asserted)"
