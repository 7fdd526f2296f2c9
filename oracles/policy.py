"""The numerical policy: every tolerance and step size the harness uses, in one table.

A gradient check passes where ``|g - o| <= atol * S + rtol * |o|`` entry by entry, with
``S = max(1, max |o|)`` over the parameter: numpy's ``isclose`` while gradients are at most 1,
and an absolute tolerance that grows with the gradient's scale beyond that, since rounding does
(a small entry of a parameter whose other entries are 40 carries their rounding too). The float32
rows add a rule on the whole parameter, ``||g - o|| <= whole_atol * S' * sqrt(n) + whole_rtol * ||o||``
(``S' = max(S, the backward's magnitude)``, :func:`oracles.compare.backward_magnitudes`), which the
entrywise rtol alone would leave 0.2% loose. Tests and the CLI pass overrides as arguments; nothing
else holds a tolerance literal.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    atol: float
    rtol: float
    unit: float = 1.0  # how many times the averaged loss the checked loss is (N when summed): see tolerance()
    # the whole-parameter rule (float32 rows only, None elsewhere): ||g - o|| <= whole_atol * S *
    # sqrt(n) + whole_rtol * ||o|| over the parameter's n entries (see WHOLE_ATOL below)
    whole_atol: float | None = None
    whole_rtol: float | None = None

    def bound(self, o, scale: float = 1.0):
        """How far from ``o`` a value may lie: ``atol * scale + rtol * |o|`` (the one rule of every gradient check)."""
        return self.atol * scale + self.rtol * np.abs(o)

    def close(self, g, o, scale: float = 1.0):
        """Boolean array: where ``g`` is within tolerance of ``o`` (``atol`` in units of ``scale``)."""
        return np.abs(g - o) <= self.bound(o, scale)

    def close_array(self, g, o):
        """:meth:`close` with the scale of the whole array ``o``: ``max(unit, max |o|)``."""
        o = np.asarray(o, dtype=np.float64)
        return self.close(g, o, gradient_scale(o, self.unit))

    def whole_bound(self, o, scale: float = 1.0) -> float:
        """How far from ``o`` (in the 2-norm over all its entries) the whole parameter may lie:
        ``whole_atol * scale * sqrt(n) + whole_rtol * ||o||``; infinite where the row has no such rule."""
        if self.whole_rtol is None:
            return float("inf")
        o = np.asarray(o, dtype=np.float64)
        with np.errstate(over="ignore"):
            return float(self.whole_atol * scale * np.sqrt(o.size) + self.whole_rtol * np.linalg.norm(o))

    def whole_close(self, g, o, scale: float | None = None) -> bool:
        """The whole-parameter rule: ``||g - o|| <= whole_bound(o, scale)`` (True where the row has none;
        NaN is never within). ``scale`` defaults to the whole array's, ``max(unit, max |o|)``."""
        if self.whole_rtol is None:
            return True
        g, o = np.asarray(g, dtype=np.float64), np.asarray(o, dtype=np.float64)
        scale = gradient_scale(o, self.unit) if scale is None else scale
        with np.errstate(over="ignore", invalid="ignore"):
            return bool(np.linalg.norm(g - o) <= self.whole_bound(o, scale))


def gradient_scale(o, unit: float = 1.0) -> float:
    """``max(unit, max |o|)``: the unit ``atol`` is counted in for one parameter's gradient.

    ``unit`` is 1 for an averaged loss (``max(1, max |o|)``); for a loss summed over the batch,
    ``u`` = N (N C for mse): the same scale counted on the gradient of the mean, ``o / u``, and
    multiplied back, ``u * max(1, max |o / u|)``.
    """
    o = np.asarray(o)
    return max(float(unit), float(np.abs(o).max())) if o.size else float(unit)


# (check, dtype) -> Tolerance. Gradients from torch and jax differ from a correct float64
# backward by rounding only; finite differences carry truncation O(h^2) and rounding
# O(eps / h) error. float32 rows anchor on jax's check_grads default (2e-3) for rtol; their
# atol, 1e-4 of the gradient's scale, is 6x the worst rounding measured between correct float32
# gradients over 12,000 fuzzed problems (1.6e-5 of the scale, deep nets at weight scale 9).
#
# The whole-parameter rule of the float32 rows. The entrywise rtol alone lets a whole parameter be
# 0.2% wrong (a backward dividing by N - 1, 0.13% too large everywhere, passes it), yet float32
# rounds far less than that on a whole parameter: its errors are many and of both signs, so their
# norm stays near the oracle's norm times a few epsilons. Hence, beside the entrywise rule,
# ||g - o|| <= WHOLE_ATOL * S * sqrt(n) + WHOLE_RTOL * ||o||: the error's root mean square within
# WHOLE_ATOL of the scale S (about 4 float32 epsilons), plus WHOLE_RTOL of the oracle's norm.
# S here is max(S, the backward's magnitude) (oracles.compare.backward_magnitudes): with S alone a
# saturated tanh at weight scale 10 (sizes 1,1,1,1, N=1) failed a correct backward, its float32
# 1 - a**2 off by epsilon times an upstream gradient of 9 (dW2 1.07e-6 where the truth is 1.3e-7).
# Measured (benchmarks/float32_error.py 3000, hypothesis seeds 7000 and 8000: the reference's float32
# backward against each oracle, and the oracles among themselves, parameter by parameter; 6,000
# problems of every head, depth, scale, kink and saturation, 210,804 comparisons): none over this
# bound, the largest 0.108 and 0.162 of it for the reference (0.121 and 0.165 between two oracles):
# a 6x margin; the error's rms reached 1.5e-6 of S; ||g - o|| / ||o|| is at most 4e-7 at the
# lesson's two points (0.0012 of the bound there).
# A whole-parameter relative error of 1e-3 fails at both lesson points with a margin of 2.0x (b1 at
# the init, where ||o|| is smallest against S sqrt(n)) to 3.3x; N - 1 (1.3e-3) with 2.6x. So the
# two terms are set as a pair: from WHOLE_ATOL = 1.7e-6 on, the init's b1 would let 1e-3 through.
# The rule holds a float32 candidate to an oracle far more exact than itself, so every oracle it is
# compared with must be: finite differences run in float64 (below), and a kink in the user's own
# forward (oracles/families/forward/judge.py) is found at the float64 finite-difference row's
# tolerance whatever the params' dtype. Found at the float32 row's (atol 1e-4 of S), a kink whose jump
# was below that was missed: a correct float32 lesson network on 768 random rows (a pre-activation
# 2.9e-7 from its kink, inside one step of W1) had W1's central differences off by up to 1.2e-5 down
# one unit's column, 0.35% of ||o|| over the whole parameter, and failed the rule; at float64's the
# column is differenced at finer steps and agrees to 3e-7 (tests/families/test_forward_laws.py).
WHOLE_ATOL = 5e-7
WHOLE_RTOL = 3e-4
_F32 = dict(atol=1e-4, rtol=2e-3, whole_atol=WHOLE_ATOL, whole_rtol=WHOLE_RTOL)

TABLE = {
    ("finite-differences", "float64"): Tolerance(atol=1e-7, rtol=1e-5),
    ("torch", "float64"): Tolerance(atol=1e-10, rtol=1e-7),
    ("jax", "float64"): Tolerance(atol=1e-10, rtol=1e-7),
    ("finite-differences", "float32"): Tolerance(**_F32),
    ("torch", "float32"): Tolerance(**_F32),
    ("jax", "float32"): Tolerance(**_F32),
    # HIPS autograd tracing the user's own forward (always in float64): rounding only, as torch and jax
    ("autograd", "float64"): Tolerance(atol=1e-10, rtol=1e-7),
    ("autograd", "float32"): Tolerance(**_F32),
    # forward agreement: losses of reference, torch, jax and a candidate's own loss; atol in
    # units of the logit's magnitudes (harness.loss_scale), which rounding grows with
    ("loss", "float64"): Tolerance(atol=1e-12, rtol=1e-12),
    ("loss", "float32"): Tolerance(atol=1e-5, rtol=1e-5),
    # a perturbed loss from cached activations vs a plain forward at the perturbed weights
    ("fd-loss", "float64"): Tolerance(atol=1e-13, rtol=1e-12),
    # diagnosis: a candidate matches a known mistake's gradients (computed in float64)
    ("hypothesis", "float64"): Tolerance(atol=1e-10, rtol=1e-7),
    ("hypothesis", "float32"): Tolerance(**_F32),  # the same rules: a float32 N - 1 is named
    # two calls of the candidate on the same inputs: as close as two correct implementations
    ("determinism", "float64"): Tolerance(atol=1e-10, rtol=1e-7),
    ("determinism", "float32"): Tolerance(atol=1e-4, rtol=2e-3),
    # the lesson's own check of dW2[0, 0] and dW1[0, 0]
    ("lesson", "float64"): Tolerance(atol=1e-6, rtol=0.0),
}

# --l2: the strongest weight decay whose term the oracles can still resolve against the data term.
# Past an L2 gradient L2_DATA_RATIO times the data term's (1 / the loosest entrywise rtol, float32's
# 2e-3), a wrong data gradient hides under the tolerance of the L2 one. Measured at the lesson's init
# on the Pima data: the smallest ||dW|| / ||W|| of the data term is 0.03375 (W1; W2 0.1456; at the
# generic point 0.03565 and 0.6949). In the steepest form, CS231n's reg (gradient 2 reg W; torch's
# weight_decay gives C W, deeplearning.ai's lambd gives lambd / N W), the ratio reaches 500 at
# reg = 500 * 0.03375 / 2 = 8.44, rounded down: 8. oracles/options.py repeats it (a test holds them equal).
L2_DATA_RATIO = 500.0
MAX_L2 = 8.0

# Diagnosis: non-finite gradients are blamed on saturation only where some logit is at least this
# large (a naive sigmoid then rounds y_hat to 0 or 1 in float64 near |z| = 37).
SATURATED_LOGIT = 30.0

# Diagnosis: a constant ratio between candidate and oracle names a factor (N, -1, 1/N, a whole
# number M) when it equals that factor within this.
FACTOR = Tolerance(atol=0.0, rtol=1e-6)

# Central-difference step: h = FD_STEP_FACTOR * max(1, |w|) / max(1, |input|), FD_STEP_FACTOR about
# cbrt(machine epsilon) (fd_step).
# Finite differences always run in float64 (on float32 weights upcast exactly), so the step
# is float64's whatever the candidate's dtype.
FD_STEP_FACTOR = float(np.cbrt(np.finfo(np.float64).eps))

# One-sided step of a layer's array in which sum(out * dout) is linear (the layers family's
# structure, oracles/families/layers/structure.py: affine, conv, temporal_affine in x, w, b; the
# norms in gamma and beta; avg_pool and embedding's W), used only where the forward agrees with
# torch's and JAX's layer: h_lin = FD_LINEAR_STEP_FACTOR * max(1, |w|) (fd_linear_step), the
# difference (L(w + h_lin) - L(w)) / h_lin. A linear function has no truncation error at any step,
# so the only error is rounding, about eps * sum|out * dout| / h_lin: the step is taken ~2,600x
# FD_STEP_FACTOR, which leaves it ~1.4e-14 * sum|out * dout|, inside the finite-difference row's
# atol (1e-7) up to sum|out * dout| ~ 7e6 (a 50x3x32x32 convolution's, 3x3x3 filters, is ~5e5),
# where the same one-sided difference at FD_STEP_FACTOR would carry ~3.7e-11 * sum|out * dout|
# (one evaluation instead of the central difference's two; the point's loss is shared). The tolerance is the same finite-differences row: the one-sided
# difference of a linear forward is held to it as the central one of a smooth forward is. The
# large step is also the safer one: a forward that is not linear after all (a curvature or a kink
# the layer has not) moves its one-sided difference ~2,600x as far from the layer's gradient as the
# default step would, and an entry whose difference disagrees with torch's, JAX's or the
# candidate's gradient is differenced again with the full search (judge.search). The judge
# steps by (w + h_lin) - w, as by the central step: the step the float64 sum represents.
FD_LINEAR_STEP_FACTOR = 2.0 ** -6

# One-sided step of the screen (oracles/families/forward/judge.py, SCREENED): a user's forward is
# first differenced once per entry, (L(w + h_s) - L(w)) / h_s with h_s = FD_SCREEN_STEP_FACTOR *
# max(1, |w|) (fd_screen_step), sqrt(eps), the step that balances a one-sided difference's
# truncation, h_s |f''| / 2, against its rounding, about 2 eps |L| / h_s: both near 1e-8 for the
# lesson's loss. An entry is settled there only where every gradient it is compared with (the
# candidate's, and autograd's when it traced the forward) lies within SCREEN_SHARE of the
# tolerance of it; the rest of the tolerance is left to the screen's own error. Every other entry
# gets the full search (four evaluations, kinks found), so a wrong entry is judged against the
# full search's value, as before. A one-sided difference across a kink lies between the two
# slopes, inside the subgradient interval the full search would find.
FD_SCREEN_STEP_FACTOR = 2.0 ** -26
SCREEN_SHARE = 0.5

# Near a kink (DESIGN.md, contract 6): an entry whose +-h evaluations put a kinked pre-activation
# on another side than at w is differenced again, row by row, with h times each of these factors
# in turn, centrally where neither side crosses, else one-sided (second order, h and 2h) on a side
# that does not. 1/64 keeps the rounding error, O(eps / h), 64x the default step's: still ~100x
# inside the float64 finite-difference tolerance for the fuzz's logits.
FD_NEAR_KINK_FACTORS = (1.0, 1 / 4, 1 / 16, 1 / 64)

# At an exact kink the candidate's entry is read as a uniform relu'(0) = s (its value between
# the gradients at slope alpha and at slope 1) only where those two differ by more than this many
# tolerances; a value is named (0, 1, 1/2, alpha) when every such s is within this of it.
KINK_SPAN_READABLE = 10.0
KINK_SLOPE = Tolerance(atol=0.02, rtol=0.0)

# The descent law is only asserted where lr0 * |g|^2 exceeds this, relative to max(1, loss):
# below it the decrease it predicts is lost in the rounding of the loss itself.
DESCENT_FLOOR = 1e-10
# ... and starts from a step of this length relative to max(1, |w|), small enough to be local,
# asking for the Armijo sufficient decrease loss(w - lr g) <= loss(w) - ARMIJO_C * lr * |g|^2.
DESCENT_STEP = 1e-3
ARMIJO_C = 1e-4

# Above this many parameters the finite-difference oracle switches (mode "auto") from every
# entry to FD_DIRECTIONS seeded random directions per parameter.
FD_EXHAUSTIVE_BUDGET = 20_000
FD_DIRECTIONS = 16

# Memory bound for batched finite differences (bytes of one perturbed-activation block): small
# enough to stay in cache; measured 2-3x faster than 64 MiB blocks at the lesson's size.
FD_MEMORY_BYTES = 2**20


# The candidate's worker process (oracles/isolation.py). A call may take this long, or
# WORKER_TIMEOUT_PER_REFERENCE times the reference backward's own time on the same problem
# if that is longer; importing the candidate (torch included) this long.
WORKER_CALL_TIMEOUT_S = 30.0
WORKER_TIMEOUT_PER_REFERENCE = 1000.0
WORKER_LOAD_TIMEOUT_S = 60.0
WORKER_QUIT_GRACE_S = 1.0
# Address space of the worker (RLIMIT_AS): room for NumPy and torch's imports and a few GiB of
# arrays; far below the machine's memory, so a runaway candidate fails alone.
WORKER_MEMORY_BYTES = 8 * 2**30
# The most the judge reads back: one reply (gradients as raw bytes), and what the candidate
# printed during one call (the rest is counted, not read).
WORKER_REPLY_BYTES = 4 * 2**30
WORKER_OUTPUT_BYTES = 2**16
# Calls on the same inputs at each checked point: a candidate that doubles its answer on 30% of
# its calls gives 8 equal answers with probability 0.7^8 + 0.3^8 < 6%, at both points < 0.4%.
DETERMINISM_CALLS = 8


def call_timeout(reference_seconds: float) -> float:
    """The default time limit of one call, for a problem the reference backs through in ``reference_seconds``."""
    return max(WORKER_CALL_TIMEOUT_S, WORKER_TIMEOUT_PER_REFERENCE * reference_seconds)


def tolerance(check: str, dtype: str, atol: float | None = None, rtol: float | None = None,
              unit: float = 1.0) -> Tolerance:
    """The policy's tolerance for ``check`` at ``dtype``, with optional per-call overrides.

    ``unit``: how many times the averaged loss the checked one is (N for a loss summed over the
    batch, N C for a summed mse: ``Head.unit``). A summed loss is exactly ``unit`` times the mean
    (its L2 term aside), so its gradients, and every rounding and truncation error in them, are
    ``unit`` times the mean's: the scale ``atol`` is counted in becomes ``max(unit, max |o|)``
    (:func:`gradient_scale`), the mean's ``max(1, max |o / unit|)`` in the sum's units; ``rtol``
    is relative already and does not change.
    """
    tol = replace(TABLE[(check, str(np.dtype(dtype)))], unit=float(unit))
    if atol is not None:
        tol = replace(tol, atol=atol)
    if rtol is not None:
        tol = replace(tol, rtol=rtol)
    return tol


def fd_linear_step(w: np.ndarray) -> np.ndarray:
    """Per-entry one-sided step of an array the loss is linear in (see FD_LINEAR_STEP_FACTOR)."""
    return FD_LINEAR_STEP_FACTOR * np.maximum(1.0, np.abs(np.asarray(w, dtype=np.float64)))


def fd_screen_step(w: np.ndarray) -> np.ndarray:
    """Per-entry one-sided step of the screen of a user's forward (see FD_SCREEN_STEP_FACTOR)."""
    return FD_SCREEN_STEP_FACTOR * np.maximum(1.0, np.abs(np.asarray(w, dtype=np.float64)))


def screen_tolerance(tol: Tolerance) -> Tolerance:
    """``tol`` narrowed to the share the screen may settle an entry within (SCREEN_SHARE)."""
    whole = {k: getattr(tol, k) * SCREEN_SHARE for k in ("whole_atol", "whole_rtol") if getattr(tol, k) is not None}
    return replace(tol, atol=tol.atol * SCREEN_SHARE, rtol=tol.rtol * SCREEN_SHARE, **whole)


def fd_step(w: np.ndarray, reach=1.0) -> np.ndarray:
    """Per-entry central-difference step for weights ``w`` that multiply inputs as large as
    ``reach`` (the largest ``|a|`` over the rows of the input each entry multiplies; 1 for a bias,
    and for a forward whose inputs are unknown). A step moves a pre-activation by ``h * a``: divided
    by ``max(1, reach)``, it moves it by about ``FD_STEP_FACTOR * max(1, |w|)`` however large the
    layer's inputs, so the central difference's ``h^2`` error stays as small against the gradient as
    for inputs of order 1. (Inputs near 1,000 with the undivided step moved a saturated sigmoid's
    logit by 0.2 and missed its quadratic cost's gradient by 1.6e-4 relative, past the policy's
    1e-5.) Rounding grows by the same factor: ``eps |loss| / h``, far below the atol at any input
    the fuzz draws."""
    w = np.abs(np.asarray(w, dtype=np.float64))
    return FD_STEP_FACTOR * np.maximum(1.0, w) / np.maximum(1.0, np.asarray(reach, dtype=np.float64))
