"""The network's head as data: the row loss, ``dz_top``, the reduction over rows and the L2 term.

Three heads (DESIGN.md, "Heads and conventions"), all from the logits ``Z`` (N, C):

    bce      C = 1   row loss = logaddexp(0, z) - y z                  y (N, 1) of 0/1
    softmax  C >= 2  row loss = logsumexp(z_r) - z_r[y_r]              y (N,) int64 classes 0..C-1
    mse      C >= 1  row loss = sum_c (z_rc - y_rc)^2 (identity out)   y (N, C) floats

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

LOSSES = ("bce", "softmax", "mse")
REDUCTIONS = ("mean", "sum")
L2_FORMS = ("weight_decay", "reg", "lambd")


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

    def targets(self, y, dtype) -> np.ndarray:
        """``y`` in the canonical form: (N,) int64 classes for softmax, (N, C) of ``dtype`` otherwise."""
        y = np.asarray(y)
        if self.loss == "softmax":
            return y.reshape(-1).astype(np.int64)
        return (y.reshape(-1, 1) if y.ndim == 1 else y).astype(dtype)

    def row_loss(self, Z, y) -> np.ndarray:
        """Per-row loss (..., N) from logits ``Z`` (..., N, C); ``y`` canonical (broadcasts over leading axes)."""
        if self.loss == "bce":
            return (np.logaddexp(0.0, Z) - y * Z)[..., 0]
        if self.loss == "softmax":
            top = Z.max(axis=-1, keepdims=True)  # the max shift: no overflow for any finite logit
            logsumexp = top[..., 0] + np.log(np.exp(Z - top).sum(axis=-1))  # (..., N)
            picked = np.take_along_axis(Z, np.broadcast_to(y[:, None], Z.shape[:-1] + (1,)), axis=-1)[..., 0]
            return logsumexp - picked
        return ((Z - y) ** 2).sum(axis=-1)

    def divisor(self, N: int, C: int = 1) -> int:
        """What the sum of row losses is divided by: N (N C for mse) for ``mean``, 1 for ``sum``."""
        if self.reduction == "sum":
            return 1
        return N * C if self.loss == "mse" else N

    def unit(self, N: int, C: int = 1) -> float:
        """How many times its mean the loss is: N (N C for mse) summed, 1 averaged (tolerances scale with it)."""
        return Head(self.loss).divisor(N, C) / self.divisor(N, C)

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
        d = Z.dtype.type(self.divisor(N, C))
        if self.loss == "bce":
            return (_sigmoid(Z) - y) / d  # (N, 1)
        if self.loss == "softmax":
            e = np.exp(Z - Z.max(axis=1, keepdims=True))  # (N, C)
            probs = e / e.sum(axis=1, keepdims=True)  # (N, C)
            probs[np.arange(N), y] -= 1  # minus one at the true class
            return probs / d  # (N, C)
        return 2 * (Z - y) / d  # (N, C)

    def l2_grads(self, params: dict, N: int) -> dict:
        """``{"W1": 2 c W1, ...}``: the L2 term's exact gradient (weights only)."""
        c = self.l2_coefficient(N)
        return {k: (2 * c) * v for k, v in params.items() if k.startswith("W")}

    def words(self) -> str:
        """The loss as a formula, for messages: ``mean(logaddexp(0, z) - y * z)`` for the lesson."""
        row = {"bce": "logaddexp(0, z) - y * z", "softmax": "logsumexp(z) - z[y]", "mse": "(z - y) ** 2"}[self.loss]
        l2 = {"weight_decay": f" + {self.l2:g} / 2 * sum(W ** 2)", "reg": f" + {self.l2:g} * sum(W ** 2)",
              "lambd": f" + {self.l2:g} / (2 m) * sum(W ** 2)"}[self.l2_form] if self.l2 else ""
        return f"{self.reduction}({row}){l2}"

    def to_dict(self) -> dict:
        return {"loss": self.loss, "reduction": self.reduction, "l2": self.l2, "l2_form": self.l2_form}


LESSON = Head()


def _sigmoid(z):
    """Stable logistic function (the model's, repeated so this module imports only NumPy)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)
