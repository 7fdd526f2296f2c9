"""The candidate's layout: to and from each convention, at the handle's boundary only.

Inside, one canonical form (the lesson's): X (N, D), W_l (in, out), b_l (1, out), y (N, 1) for
bce and mse, (N,) int64 classes for softmax. A candidate written in another course's style
receives its own layout and returns gradients that mirror the parameters it received, under
``W1`` or ``dW1`` keys (either, in every convention) (DESIGN.md, "Heads and conventions"):

    convention       X       W_l         b_l        y (bce, mse)   y (softmax)
    lesson           (N, D)  (in, out)   (1, out)   (N, 1)         (N,) int64
    cs231n           (N, D)  (in, out)   (out,)     (N,)           (N,) int64
    deeplearning-ai  (D, N)  (out, in)   (out, 1)   (1, N)         one-hot (C, N)
    torch            (N, D)  (out, in)   (out,)     (N,)           (N,) int64

:class:`Conventional` wraps a handle: it converts ``params, X, y`` before the handle's
``evaluate``, checks the returned gradients' keys and shapes in the candidate's own layout (so a
message names the candidate's shapes), and converts them back. Oracles, finite differences and
laws never see a convention. Imports only NumPy and the contract's shape mending.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from oracles.candidate import mend_shape
from reference.heads import OUTPUTS

CONVENTIONS = ("lesson", "cs231n", "deeplearning-ai", "torch")
L2_FORM = {"lesson": "weight_decay", "torch": "weight_decay", "cs231n": "reg", "deeplearning-ai": "lambd"}
L2_WORDS = {"weight_decay": "loss + weight_decay / 2 * sum(W ** 2)", "reg": "loss + reg * sum(W ** 2)",
            "lambd": "loss + lambd / (2 * m) * sum(W ** 2)"}


@dataclass(frozen=True)
class Layout:
    """How one convention lays out the arrays (see the module docstring)."""

    name: str
    rows: bool  # X (N, D) when True, (D, N) when False
    w_in_out: bool  # W (in, out) when True, (out, in) when False
    bias: str  # "row" (1, out), "flat" (out,), "column" (out, 1)
    y_bce: str  # "column" (N, 1), "flat" (N,), "row" (1, N)
    y_softmax: str  # "index" (N,) int64, "one-hot" (C, N)

    # ---------------------------------------------------------------- canonical -> candidate

    def param(self, key: str, value: np.ndarray) -> np.ndarray:
        if key.startswith("W"):
            return np.ascontiguousarray(value if self.w_in_out else value.T)
        flat = value.reshape(-1)
        return {"row": value, "flat": flat.copy(), "column": flat[:, None].copy()}[self.bias]

    def params(self, params: dict) -> dict:
        return {k: self.param(k, v) for k, v in params.items()}

    def X(self, X: np.ndarray) -> np.ndarray:
        return X if self.rows else np.ascontiguousarray(X.T)

    def y(self, y: np.ndarray, loss: str, classes: int) -> np.ndarray:
        if OUTPUTS[loss].indexed:
            labels = np.asarray(y).reshape(-1).astype(np.int64)
            if self.y_softmax == "one-hot":
                onehot = np.zeros((classes, labels.size))
                onehot[labels, np.arange(labels.size)] = 1.0
                return onehot.astype(np.float64)
            return labels
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:  # several mse targets: rows or columns like X
            return y if self.rows else np.ascontiguousarray(y.T)
        flat = y.reshape(-1)
        return {"column": flat[:, None].copy(), "flat": flat.copy(), "row": flat[None, :].copy()}[self.y_bce]

    def index(self, key: str, index) -> list:
        """A canonical entry's index (W (in, out), b (1, out)) in this layout."""
        index = [int(i) for i in index]
        if key.startswith("W"):
            return index if self.w_in_out else index[::-1]
        j = index[-1] if index else 0
        return {"row": [0, j], "flat": [j], "column": [j, 0]}[self.bias]

    # ---------------------------------------------------------------- candidate -> canonical

    def grad(self, key: str, value: np.ndarray, canonical_shape: tuple) -> np.ndarray:
        if key.startswith("W"):
            return value if self.w_in_out else np.ascontiguousarray(value.T)
        return value.reshape(canonical_shape)


LAYOUTS = {
    "lesson": Layout("lesson", True, True, "row", "column", "index"),
    "cs231n": Layout("cs231n", True, True, "flat", "flat", "index"),
    "deeplearning-ai": Layout("deeplearning-ai", False, False, "column", "row", "one-hot"),
    "torch": Layout("torch", True, False, "flat", "flat", "index"),
}


def layout(convention: str) -> Layout:
    if convention not in LAYOUTS:
        raise ValueError(f"convention must be one of {', '.join(CONVENTIONS)}, got {convention!r}")
    return LAYOUTS[convention]


def canonical_key(key) -> str:
    """``dW1`` -> ``W1``; ``W1`` stays."""
    key = str(key)
    return key[1:] if key[:2] in ("dW", "db") and key[2:].isdigit() else key


class Conventional:
    """A handle that speaks ``convention`` to the candidate and the canonical layout to the judge.

    ``loss`` says how the labels are laid out (C, for a one-hot layout, is the last layer's width).
    After a call, ``key_style`` is ``"W1"`` or ``"dW1"``: the keys the candidate returned.
    """

    def __init__(self, inner, convention: str, loss: str = "bce"):
        self.inner, self.layout, self.loss = inner, layout(convention), loss
        self.convention = convention
        self.key_style = None

    def __getattr__(self, name):  # name, isolated, close, ...: the inner handle's
        return getattr(self.inner, name)

    def start(self):
        self.inner.start()
        return self

    def __enter__(self):
        self.inner.__enter__()
        return self

    def __exit__(self, *exc):
        return self.inner.__exit__(*exc)

    def _given(self, params, X, y):
        """The arrays as the candidate's convention lays them out."""
        L = self.layout
        classes = params[f"W{sum(1 for k in params if k.startswith('W'))}"].shape[1]  # C: the logits' width
        return L.params(params), L.X(np.asarray(X)), L.y(y, self.loss, classes)

    def evaluate(self, params, X, y, **options):
        given = self._given(params, X, y)
        return self._canonical(self.inner.evaluate(*given, **options), params, given[0])

    def evaluate_many(self, inputs: list, timeout: float | None = None) -> list:
        """Several calls in one round trip (the laws' questions), each converted both ways."""
        given = [self._given(*i) for i in inputs]
        outcomes = self.inner.evaluate_many(given, timeout)
        return [self._canonical(o, i[0], g[0]) for o, i, g in zip(outcomes, inputs, given)]

    def _canonical(self, outcome, params: dict, given: dict):
        """The Outcome with its gradients back in the canonical layout (or the layout's failure)."""
        if outcome.failure is not None or outcome.returned is None or outcome.returned.get("grads") is None:
            return outcome
        failure, grads, problems = self._back(outcome.returned["grads"], params, given)
        if failure is not None:
            return replace(outcome, returned=None, failure=failure,
                           unmended={str(k): v for k, v in outcome.returned["grads"]})  # values still compared
        return replace(outcome, returned=dict(outcome.returned, grads=grads, problems=problems))

    def _back(self, pairs, params: dict, given: dict):
        """``(failure or None, canonical pairs, problems)``: keys and shapes checked in the candidate's
        layout; ``problems`` are shapes fixed there, reported, whose values are still checked."""
        keys = [str(k) for k, _ in pairs]
        styles = {"dW1" if k[:1] == "d" and canonical_key(k) != k else "W1" for k in keys}
        if len(styles) > 1:
            return (f"the candidate's grads mix key styles ({', '.join(keys)}): use W1, b1, ... or dW1, db1, ... "
                    f"throughout"), None, []
        self.key_style = styles.pop() if styles else "W1"
        out, problems = [], []
        for key, value in pairs:
            k = canonical_key(key)
            if self.convention != "lesson" and k in given and k.startswith("b") and "array" not in value \
                    and value.get("scalar"):  # one number for a bias: said in this layout's axes
                message, fixed = self._scalar_bias(k, value, given[k])
                if fixed is None:
                    return message, None, []
                problems.append(message)
                value = {"array": fixed}
            if (self.convention != "lesson" and k in given and "array" in value
                    and value["array"].shape != given[k].shape):  # the lesson's layout: the canonical check's hints
                message, fixed = self._shape(k, value["array"], given[k].shape)
                if fixed is None:
                    return message, None, []
                problems.append(message)  # reported, and the values still checked (keep going)
                value = dict(value, array=fixed)
            if k in given and "array" in value and value["array"].shape == given[k].shape:
                value = {"array": self.layout.grad(k, value["array"], params[k].shape)}  # else: the canonical check
            out.append([k if k in given else key, value])
        return None, out, problems

    def _shape(self, k: str, got_array: np.ndarray, want: tuple):
        """``(message, fixed or None)`` for a gradient whose shape is wrong in this layout, fixed
        where the canonical contract would fix it (:func:`oracles.candidate.mend_shape`)."""
        got = got_array.shape
        hint = ": transposed?" if got == want[::-1] else ""
        if k.startswith("b") and len(got) == 2 and got[0] == 1 and want[1] == 1 and got[1] != want[0]:
            hint = (f": summed over the wrong axis? in the {self.convention} layout "
                    f"d{k} = np.sum(dZ, axis=1, keepdims=True) sums over the batch")
        elif k.startswith("b") and len(want) == 1 and got != want:
            hint = f": summed over the wrong axis? d{k} = dz.sum(axis=0) gives ({want[0]},)"
        message = f"d{k} has shape {got}, expected {want} like {k} in the {self.convention} convention{hint}"
        return message, mend_shape(got_array, want)

    def _scalar_bias(self, k: str, value: dict, want: np.ndarray):
        """``(message, fixed or None)`` for a bias gradient returned as one number: in this layout the
        bias sums over the examples only (fixed where the bias has one entry)."""
        right = ("np.sum(dZ, axis=1, keepdims=True)" if self.layout.bias == "column"
                 else "dz.sum(axis=0)" if self.layout.bias == "flat" else "np.sum(dz, axis=0, keepdims=True)")
        message = (f"d{k} is a {value.get('type', 'float')} scalar, not an array of shape {want.shape} like {k} in the "
                   f"{self.convention} convention: summed over every axis? d{k} = {right} sums over the examples only")
        number = value.get("float")
        fixed = np.full(want.shape, number, dtype=want.dtype) if number is not None and want.size == 1 else None
        return message, fixed

    def names(self, params: dict) -> dict:
        """``{"W1": ("dW1", (16, 8)), ...}``: each canonical parameter as the candidate wrote its gradient."""
        prefix = "d" if self.key_style == "dW1" else ""
        return {k: (prefix + k, self.layout.param(k, v).shape) for k, v in params.items()}

    def written(self, key: str, index) -> str:
        """``dW1[2, 0]``: a canonical entry named as the candidate wrote it (its keys, its layout)."""
        prefix = "d" if self.key_style == "dW1" else ""
        return f"{prefix}{key}[{', '.join(map(str, self.layout.index(key, index)))}]"

    def speak(self, result) -> None:
        """Name every check's worst entry of a PointResult in the candidate's own layout and keys."""
        if self.convention == "lesson" and self.key_style != "dW1":
            return
        for key, per in result.checks.items():
            for check in per.values():
                if check.worst_index is not None and key.startswith(("W", "b")):
                    check.as_written = self.written(key, check.worst_index)
        if result.violation:
            result.violation = self.rename(result.violation)

    def rename(self, text: str) -> str:
        """A message's canonical entries (the contract's non-finite "first at W2[0, 1]") named as
        the candidate wrote them."""
        if self.convention == "lesson" and self.key_style != "dW1":
            return text

        def written(m):
            return f"first at {self.written(m.group(1), [int(i) for i in m.group(2).split(',')])}"

        return re.sub(r"first at ([Wb]\d+)\[([\d, ]+)\]", written, text)

    def describe(self, params: dict) -> str:
        """One line for the report: the convention, the key style, each gradient's name and shape as written."""
        shapes = ", ".join(f"{name} {tuple(shape)}" for name, shape in self.names(params).values())
        return (f"the candidate speaks the {self.convention} convention (X {'(N, D)' if self.layout.rows else '(D, N)'}"
                f", W {'(in, out)' if self.layout.w_in_out else '(out, in)'}) and returns {self.key_style or 'W1'}-style "
                f"keys: {shapes}; entries below are named as you wrote them")
