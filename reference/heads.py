"""The network's head as data: the row loss, ``dz_top``, the reduction over rows and the L2 term.

Three heads (DESIGN.md, "Heads and conventions"), all from the logits ``Z`` (N, C):

    bce      C = 1   row loss = logaddexp(0, z) - y z                  y (N, 1) of 0/1
    softmax  C >= 2  row loss = logsumexp(z_r) - z_r[y_r]              y (N,) int64 classes 0..C-1
    mse      C >= 1  row loss = sum_c (z_rc - y_rc)^2 (identity out)   y (N, C) floats
    quadratic C >= 1 row loss = sum_c (sigmoid(z_rc) - y_rc)^2 / 2      y (N, C) in [0, 1]

The loss is the sum of the row losses over a divisor (``mean``: N, or N C for mse, so the mse
loss is the mean over rows and outputs as torch's ``MSELoss``; ``sum``: 1, the per-example
code's, as ``reduction="sum"`` in torch) plus ``l2_coefficient * sum_l sum(W_l ** 2)``, never on biases. The L2
number is kept as the candidate's convention writes it (``l2_form``):

    weight_decay  (lesson, torch)     + l2 / 2 * sum W^2
    reg           (cs231n)            + l2 * sum W^2
    lambd         (deeplearning-ai)   + l2 / (2 m) * sum W^2, m = N the batch size

This module is shared by the reference's backward and the finite differences; the torch and jax
oracles write each head again in their own idiom.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REDUCTIONS = ("mean", "sum")
L2_FORMS = ("weight_decay", "reg", "lambd")


class Output:
    """What a head puts on the logits: its prediction, its targets, its row loss and ``dz`` of a row.

    One subclass per loss, one instance each in :data:`OUTPUTS`; :class:`Head` holds its name and
    asks it. A new head is a subclass here (its frameworks' idioms and its data's labels apart).
    """

    name = ""
    summary = ""  # what the head is, for --loss's help
    target_words = ""  # what its target column holds, for --target's help
    row_words = ""  # the row loss as a formula, for messages
    dz_words = ""  # dz of the top layer as the lesson writes it, for messages
    labelled = True  # its targets are labels, counted per value (mse's are numbers)
    binary = False  # its targets may be the 0/1 labels of the synthetic stand-in
    indexed = False  # its targets are class indices (N,), which a course may lay out one-hot

    hint_in_error_line = False  # a floating-point error's own line already says what saturation_hint would

    def saturation_hint(self, z, saturated: float) -> str:
        """How this head overflows at logits ``z`` (N, C) in float64, or ``""`` where they are moderate
        (``saturated``: the logit from which a sigmoid is taken as saturated)."""
        return ""

    def log_underflow(self, z, dtype) -> str:
        """Why a non-finite loss with finite gradients is the float format's and not a wrong formula
        at logits ``z``: a log-likelihood written on probabilities is -inf once one rounds to 0 in
        ``dtype``, while a backward from ``probs - onehot`` stays exact. ``""`` where none rounds
        to 0, and always for a head with no log (mse)."""
        return ""

    def default_target(self, header: list) -> str:
        """The target column of a file with this ``header`` when none is named."""
        return "Outcome" if "Outcome" in header else header[-1]

    def read_labels(self, labels, target: str, lines: list):
        """``(y, classes)`` from a file's target column, or a ValueError naming the first label that
        does not fit (``lines``: each row's line number in the file)."""
        return labels[:, None].copy(), None

    def check_outputs(self, C: int) -> str | None:
        """Why ``C`` output units do not fit this head (None: they do)."""
        return None

    def per_row(self, C: int) -> int:
        """How many terms of the mean one row is: C for mse (torch's MSELoss), 1 otherwise."""
        return 1

    def targets(self, y, dtype) -> np.ndarray:
        """``y`` in the canonical form: (N, C) of ``dtype`` (softmax: (N,) int64 classes)."""
        y = np.asarray(y)
        return (y.reshape(-1, 1) if y.ndim == 1 else y).astype(dtype)

    def predict(self, Z) -> np.ndarray:
        """The head's prediction from the logits (N, C)."""
        raise NotImplementedError

    def row_loss(self, Z, y) -> np.ndarray:
        """Per-row loss (..., N) from logits ``Z`` (..., N, C); ``y`` canonical (broadcasts over leading axes)."""
        raise NotImplementedError

    def dz_rows(self, Z, y) -> np.ndarray:
        """``d(sum of row losses) / dZ`` (N, C), in Z's dtype."""
        raise NotImplementedError


class Bce(Output):
    """Sigmoid and binary cross-entropy on one logit: the lesson's head; y (N, 1) of 0/1."""

    name = "bce"
    summary = "sigmoid + binary cross-entropy, the lesson"
    target_words = "0/1"
    binary = True
    row_words = "logaddexp(0, z) - y * z"
    dz_words = "(y_hat - y) / N"

    hint_in_error_line = True

    def saturation_hint(self, z, saturated):
        if np.abs(z).max() >= saturated:
            return "an exp or log that overflows once the sigmoid saturates?"
        return ""

    def log_underflow(self, z, dtype):
        spread, limit = float(np.max(np.abs(z))), float(-np.log(np.finfo(dtype).eps))
        if spread < limit:  # -log(eps): 36.04 in float64, 15.94 in float32, where 1 - sigmoid(z) rounds to 0
            return ""
        return (f"a logit reaches |z| = {spread:.4g} (beyond {limit:.4g}), so y_hat or 1 - y_hat rounds to 0, "
                f"and its log is -inf: a loss written on probabilities overflows there while "
                f"logsumexp(z) - z[y] does not")

    def default_target(self, header):
        return "Outcome"

    def read_labels(self, labels, target, lines):
        bad = np.flatnonzero((labels != 0) & (labels != 1))
        if bad.size:
            raise ValueError(f"target {target!r} must hold 0/1 for --loss bce, line {lines[bad[0]]} "
                             f"has {labels[bad[0]]:g}")
        return labels[:, None].copy(), None

    def check_outputs(self, C):
        return None if C == 1 else "1 output for the bce head"

    def predict(self, Z):
        return sigmoid(Z)  # (N, 1)

    def row_loss(self, Z, y):
        return (np.logaddexp(0.0, Z) - y * Z)[..., 0]

    def dz_rows(self, Z, y):
        return sigmoid(Z) - y  # (N, 1)


class Softmax(Output):
    """Softmax and cross-entropy over C >= 2 classes; y (N,) int64 classes 0..C-1."""

    name = "softmax"
    summary = "cross-entropy over the target's classes"
    target_words = "whole-number classes"
    row_words = "logsumexp(z) - z[y]"
    dz_words = "(probs - onehot(y)) / N"
    indexed = True

    def saturation_hint(self, z, saturated):
        overflow = float(np.log(np.finfo(np.float64).max))  # 709.78: exp beyond it is inf
        if z.max() >= overflow:
            return (f"a logit reaches {z.max():.4g}, past {overflow:.5g} where exp overflows: softmax without "
                    f"subtracting the row max? (exp(z - z.max(axis=1, keepdims=True)))")
        if np.max(z.max(axis=1) - z.min(axis=1)) >= -np.log(np.finfo(np.float64).tiny):
            return "some class's probability underflows to 0 at these logits: a log(probs) or a division by it?"
        return ""

    def log_underflow(self, z, dtype):
        spread, limit = float(np.max(z.max(axis=1) - z.min(axis=1))), float(-np.log(np.finfo(dtype).tiny))
        if spread < limit:  # -log(tiny): 708.4 in float64, 87.3 in float32, where exp(-spread) underflows
            return ""
        return (f"a row's logits span {spread:.4g} (beyond {limit:.4g}), so exp(z - max z) underflows to 0 for "
                f"some class, and log(probs) is -inf: a loss written on probabilities overflows there while "
                f"logsumexp(z) - z[y] does not")

    def read_labels(self, labels, target, lines):
        bad = np.flatnonzero(labels != np.round(labels))
        if bad.size:
            raise ValueError(f"target {target!r} must hold whole-number classes for --loss softmax, "
                             f"line {lines[bad[0]]} has {labels[bad[0]]:g}")
        classes = np.unique(labels)
        if classes.size < 2:
            raise ValueError(f"target {target!r} holds a single class ({classes[0]:g}); "
                             f"--loss softmax needs at least two")
        return np.searchsorted(classes, labels).astype(np.int64), [float(c) for c in classes]

    def check_outputs(self, C):
        return None if C >= 2 else "C >= 2 outputs for the softmax head"

    def targets(self, y, dtype):
        return np.asarray(y).reshape(-1).astype(np.int64)

    def predict(self, Z):
        e = np.exp(Z - Z.max(axis=1, keepdims=True))  # (N, C)
        return e / e.sum(axis=1, keepdims=True)  # (N, C)

    def row_loss(self, Z, y):
        top = Z.max(axis=-1, keepdims=True)  # the max shift: no overflow for any finite logit
        logsumexp = top[..., 0] + np.log(np.exp(Z - top).sum(axis=-1))  # (..., N)
        picked = np.take_along_axis(Z, np.broadcast_to(y[:, None], Z.shape[:-1] + (1,)), axis=-1)[..., 0]
        return logsumexp - picked

    def dz_rows(self, Z, y):
        probs = self.predict(Z)  # (N, C)
        probs[np.arange(Z.shape[0]), y] -= 1  # minus one at the true class
        return probs


class Mse(Output):
    """Identity output and squared error over C >= 1 outputs; y (N, C) floats."""

    name = "mse"
    summary = "identity output, mean squared error"
    target_words = "any number"
    row_words = "(z - y) ** 2"
    dz_words = "2 (y_hat - y) / N"
    labelled = False  # any finite number (non-finite cells are refused with the file)

    def per_row(self, C):
        return C

    def predict(self, Z):
        return Z.copy()  # (N, C)

    def row_loss(self, Z, y):
        return ((Z - y) ** 2).sum(axis=-1)

    def dz_rows(self, Z, y):
        return 2 * (Z - y)  # (N, C)


class Quadratic(Output):
    """Sigmoid output and half the squared error over C >= 1 outputs, the cost of Nielsen's
    ``network.py`` (C = 1/(2n) sum_x ||y(x) - a(x)||^2); y (N, C) numbers in [0, 1]."""

    name = "quadratic"
    summary = "sigmoid output, half the squared error: Nielsen's network.py"
    target_words = "numbers in [0, 1]"
    binary = True
    row_words = "(sigmoid(z) - y) ** 2 / 2"
    dz_words = "(y_hat - y) * y_hat * (1 - y_hat) / N"

    def read_labels(self, labels, target, lines):
        bad = np.flatnonzero((labels < 0) | (labels > 1))
        if bad.size:
            raise ValueError(f"target {target!r} must hold numbers in [0, 1] for --loss quadratic (a sigmoid's "
                             f"range), line {lines[bad[0]]} has {labels[bad[0]]:g}")
        return labels[:, None].copy(), None

    def predict(self, Z):
        return sigmoid(Z)  # (N, C)

    def row_loss(self, Z, y):
        return 0.5 * ((sigmoid(Z) - y) ** 2).sum(axis=-1)

    def dz_rows(self, Z, y):
        a = sigmoid(Z)
        return (a - y) * a * (1 - a)  # (N, C): the cost's derivative times sigmoid'(z)


OUTPUTS = {o.name: o for o in (Bce(), Softmax(), Mse(), Quadratic())}
LOSSES = tuple(OUTPUTS)


@dataclass(frozen=True)
class Head:
    """The loss on top of the logits: ``loss``, ``reduction``, ``l2`` (as written) and its ``l2_form``."""

    loss: str = "bce"
    reduction: str = "mean"
    l2: float = 0.0
    l2_form: str = "weight_decay"

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {self.reduction!r}")
        if self.l2_form not in L2_FORMS:
            raise ValueError(f"l2_form must be one of {', '.join(L2_FORMS)}, got {self.l2_form!r}")
        l2 = float(self.l2)
        if not (np.isfinite(l2) and l2 >= 0) or isinstance(self.l2, bool):
            raise ValueError(f"l2 must be a finite number >= 0, got {self.l2!r}")
        object.__setattr__(self, "l2", l2)

    # ------------------------------------------------------------ targets and logits

    @property
    def output(self) -> Output:
        """The output this head puts on the logits (:data:`OUTPUTS`)."""
        return OUTPUTS[self.loss]

    def targets(self, y, dtype) -> np.ndarray:
        """``y`` in the canonical form: (N,) int64 classes for softmax, (N, C) of ``dtype`` otherwise."""
        return self.output.targets(y, dtype)

    def row_loss(self, Z, y) -> np.ndarray:
        """Per-row loss (..., N) from logits ``Z`` (..., N, C); ``y`` canonical (broadcasts over leading axes)."""
        return self.output.row_loss(Z, y)

    def divisor(self, N: int, C: int = 1) -> int:
        """What the sum of row losses is divided by: N (N C for mse) for ``mean``, 1 for ``sum``."""
        return 1 if self.reduction == "sum" else N * self.output.per_row(C)

    def unit(self, N: int, C: int = 1) -> float:
        """How many times its mean the loss is: N (N C for mse) summed, 1 averaged (tolerances scale with it)."""
        return N * self.output.per_row(C) / self.divisor(N, C)

    def l2_coefficient(self, N: int) -> float:
        """``c`` in ``+ c * sum W^2`` for a batch of N rows."""
        if self.l2_form == "reg":
            return self.l2
        if self.l2_form == "lambd":
            return self.l2 / (2 * N)
        return self.l2 / 2

    # ------------------------------------------------------------ loss and gradient

    def penalty(self, params: dict, N: int) -> float:
        """The L2 term ``c * sum_l sum(W_l ** 2)`` (0.0 without L2)."""
        if self.l2 == 0:
            return 0.0
        c = self.l2_coefficient(N)
        return float(c * sum(np.sum(np.asarray(v, dtype=np.float64) ** 2) for k, v in params.items() if k.startswith("W")))

    def value(self, Z, y, params: dict) -> float:
        """The loss: reduced row losses plus the L2 term."""
        N, C = Z.shape
        rows = self.row_loss(Z, y)
        data = float(np.mean(rows)) if self.divisor(N, C) == N else float(np.sum(rows) / self.divisor(N, C))
        return data + self.penalty(params, N)

    def dz_top(self, Z, y) -> np.ndarray:
        """``dL/dZ`` (N, C) of the data term, in Z's dtype: for the lesson ``(y_hat - y) / N``."""
        N, C = Z.shape
        return self.output.dz_rows(Z, y) / Z.dtype.type(self.divisor(N, C))

    def l2_grads(self, params: dict, N: int) -> dict:
        """``{"W1": 2 c W1, ...}``: the L2 term's exact gradient (weights only)."""
        c = self.l2_coefficient(N)
        return {k: (2 * c) * v for k, v in params.items() if k.startswith("W")}

    def words(self) -> str:
        """The loss as a formula, for messages: ``mean(logaddexp(0, z) - y * z)`` for the lesson."""
        row = self.output.row_words
        l2 = {"weight_decay": f" + {self.l2:g} / 2 * sum(W ** 2)", "reg": f" + {self.l2:g} * sum(W ** 2)",
              "lambd": f" + {self.l2:g} / (2 m) * sum(W ** 2)"}[self.l2_form] if self.l2 else ""
        return f"{self.reduction}({row}){l2}"

    def to_dict(self) -> dict:
        return {"loss": self.loss, "reduction": self.reduction, "l2": self.l2, "l2_form": self.l2_form}


LESSON = Head()


def sigmoid(z):
    """Stable logistic function: no overflow warning for any finite z."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)
