"""The lesson's network in NumPy: forward with a cache, the five-step backward, SGD.

The lesson (8 inputs -> 16 ReLU units -> 1 sigmoid output, binary cross-entropy):

    z1 = X @ W1 + b1        # (N, H)
    a1 = relu(z1)           # (N, H)
    z2 = a1 @ W2 + b2       # (N, 1)
    y_hat = sigmoid(z2)     # (N, 1)

Layer ``l`` generalizes the numbers: any list of hidden sizes, one hidden activation,
a sigmoid output. Parameters are a dict in layer order ``{"W1", "b1", ..., "WL", "bL"}``
and gradients mirror it key for key (DESIGN.md, contract 1). A network without biases
(``Spec(bias=False)``) has ``{"W1", ..., "WL"}`` only: ``z1 = X @ W1``; the forward and the
backward follow the keys they are given.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from reference.heads import LESSON, OUTPUTS, Head, sigmoid

ACTIVATIONS = ("relu", "identity", "tanh", "sigmoid", "leaky_relu")
KINKED = ("relu", "leaky_relu")  # activations with a kink at 0
LEAKY_SLOPE = 0.01  # torch's and jax's default negative slope
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Spec:
    """The network's shape: ``sizes`` = (D, H1, ..., C), the hidden activation, the dtype, and the
    head (:mod:`reference.heads`): ``loss``, ``reduction``, ``l2`` and ``l2_form``, the lesson's by default;
    ``bias``: whether every layer has a bias (False: the parameters are ``W1, ..., WL`` only).

    C is 1 for bce, the number of classes (at least 2) for softmax, the number of targets for mse.
    """

    sizes: tuple = (8, 16, 1)
    activation: str = "relu"
    dtype: str = "float64"
    loss: str = "bce"
    reduction: str = "mean"
    l2: float = 0.0
    l2_form: str = "weight_decay"
    bias: bool = True

    def __post_init__(self):
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))
        head = Head(self.loss, self.reduction, self.l2, self.l2_form)  # validates the head's fields
        object.__setattr__(self, "l2", head.l2)
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"sizes must be (D, H1, ..., C) with positive widths, got {self.sizes}")
        misfit = head.output.check_outputs(self.sizes[-1])
        if misfit:
            raise ValueError(f"sizes must end in {misfit}, got {self.sizes}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        if not isinstance(self.bias, bool):
            raise TypeError(f"bias must be True or False, got {self.bias!r}")

    @property
    def head(self) -> Head:
        return Head(self.loss, self.reduction, self.l2, self.l2_form)

    @property
    def classes(self) -> int:
        """C, the number of output units (logits (N, C))."""
        return self.sizes[-1]

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def hidden(self) -> tuple:
        return self.sizes[1:-1]

    def shapes(self) -> dict:
        """``{"W1": (D, H1), "b1": (1, H1), ...}`` in layer order (``{"W1": (D, H1), ...}`` without biases)."""
        out = {}
        for l in range(1, self.n_layers + 1):
            out[f"W{l}"] = (self.sizes[l - 1], self.sizes[l])
            if self.bias:
                out[f"b{l}"] = (1, self.sizes[l])
        return out

    def n_params(self) -> int:
        return sum(int(np.prod(s)) for s in self.shapes().values())

    def to_dict(self) -> dict:
        """The fields; ``bias`` only when False (a report or results key of a network with biases stays as it was)."""
        return {"sizes": list(self.sizes), "activation": self.activation, "dtype": self.dtype,
                "loss": self.loss, "reduction": self.reduction, "l2": self.l2, "l2_form": self.l2_form,
                **({} if self.bias else {"bias": False})}


def n_layers(params: dict) -> int:
    """How many weight layers a parameter dict holds (the lesson: 2)."""
    return sum(1 for k in params if k.startswith("W"))


# ---------------------------------------------------------------- activations

def activate(z, activation):
    """a = act(z), elementwise, same shape and dtype."""
    if activation == "relu":
        return np.maximum(z, 0)
    if activation == "identity":
        return z.copy()
    if activation == "tanh":
        return np.tanh(z)
    if activation == "sigmoid":
        return sigmoid(z)
    if activation == "leaky_relu":
        return np.where(z > 0, z, z * z.dtype.type(LEAKY_SLOPE))
    raise ValueError(f"unknown activation {activation!r}")


def activation_grad(z, a, activation):
    """d act / d z at z (with a = act(z) from the cache); relu'(0) = 0 as in torch and jax.

    ``activation`` may also be a function ``(z, a) -> derivative`` (to model a mistaken one).
    """
    if callable(activation):
        return activation(z, a)
    if activation == "relu":
        return (z > 0).astype(z.dtype)
    if activation == "identity":
        return np.ones_like(z)
    if activation == "tanh":
        return 1 - a * a
    if activation == "sigmoid":
        return a * (1 - a)
    if activation == "leaky_relu":
        return np.where(z > 0, 1, LEAKY_SLOPE).astype(z.dtype)
    raise ValueError(f"unknown activation {activation!r}")


# ---------------------------------------------------------------- parameters

def init_params(spec: Spec = Spec(), seed: int = 0, scale: float = 0.1) -> dict:
    """The lesson's init: ``np.random.seed(seed); W = randn(...) * scale; b = 0``, layer by layer.

    The draws are those of the lesson (W1 first, then W2, ...) but come from a
    ``RandomState(seed)`` instance, so NumPy's global generator is never touched.
    """
    rng = np.random.RandomState(seed)
    params = {}
    for key, shape in spec.shapes().items():
        if key.startswith("W"):
            params[key] = (rng.randn(*shape) * scale).astype(spec.dtype)
        else:
            params[key] = np.zeros(shape, dtype=spec.dtype)
    return params


def random_params(spec: Spec, seed: int, scale: float = 1.0, bias_scale: float | None = None) -> dict:
    """A generic point: Gaussian weights and non-zero Gaussian biases from ``default_rng(seed)``.

    Weights are scaled by ``scale / sqrt(fan_in)`` so pre-activations stay of order ``scale``.
    """
    rng = np.random.default_rng(seed)
    bias_scale = scale if bias_scale is None else bias_scale
    params = {}
    for key, shape in spec.shapes().items():
        if key.startswith("W"):
            params[key] = (rng.standard_normal(shape) * scale / np.sqrt(shape[0])).astype(spec.dtype)
        else:
            params[key] = (rng.standard_normal(shape) * bias_scale).astype(spec.dtype)
    return params


# ---------------------------------------------------------------- forward and loss

def _float32_blas(dtype):
    """Silence the invalid-operation flag for float32 products only.

    OpenBLAS's float32 kernels now and then raise that flag on finite operands (seen once in
    20,000 fuzzed problems, and not reproducible on the same inputs), which NumPy reports
    as a RuntimeWarning. A real NaN from finite operands needs an overflow first, and the
    overflow warning is left on.
    """
    return np.errstate(invalid="ignore") if dtype == np.float32 else contextlib.nullcontext()


def output(z, loss: str = "bce"):
    """The head's prediction from the logits (N, C): sigmoid (bce), softmax probabilities, identity (mse)."""
    return OUTPUTS[loss].predict(z)


def forward(params: dict, X, activation: str = "relu", loss: str = "bce"):
    """Run the network. Returns ``(y_hat, cache)``.

    cache holds ``a0`` (= X), then ``z1, a1, ..., zL`` and ``y_hat``; shapes (N, H_l).
    ``loss`` names the head whose output ``y_hat`` is (:func:`output`). A layer whose ``b{l}`` is
    not in ``params`` has no bias: ``z = a @ W``.
    """
    L = n_layers(params)
    cache = {"a0": X}
    a = X
    with _float32_blas(X.dtype):
        for l in range(1, L + 1):
            z = a @ params[f"W{l}"]  # (N, H_l)
            if f"b{l}" in params:
                z = z + params[f"b{l}"]  # (N, H_l)
            cache[f"z{l}"] = z
            if l < L:
                a = activate(z, activation)  # (N, H_l)
                cache[f"a{l}"] = a
    cache["y_hat"] = output(z, loss)  # (N, C)
    return cache["y_hat"], cache


def bce_from_logits(z, y):
    """The canonical loss: exact mean BCE from the logit, ``mean(logaddexp(0, z) - y * z)``."""
    return float(np.mean(np.logaddexp(0, z) - y * z))


def loss(params: dict, X, y, activation: str = "relu", head: Head = LESSON) -> float:
    """The canonical loss of the network at ``params`` (DESIGN.md, contract 3), under ``head``."""
    _, cache = forward(params, X, activation, head.loss)
    return head.value(cache[f"z{n_layers(params)}"], head.targets(y, X.dtype), params)


def lesson_loss(y_hat, y) -> float:
    """The lesson's printed loss, ``-mean(y log(y_hat + 1e-8) + (1 - y) log(1 - y_hat + 1e-8))``.

    Kept only to reproduce the lesson's printouts: its gradient is not ``(y_hat - y) / N``
    once predictions saturate.
    """
    return float(-np.mean(y * np.log(y_hat + 1e-8) + (1 - y) * np.log(1 - y_hat + 1e-8)))


# ---------------------------------------------------------------- backward and SGD

def backward(params: dict, X, y, activation: str = "relu", steps: dict | None = None,
             head: Head = LESSON) -> dict:
    """The lesson's five steps, layer by layer. Returns grads with the keys of ``params``.

    X (N, D), y (N, 1) of 0/1. For the lesson (L = 2):
        dz2 = (y_hat - y) / N            # (N, 1)
        dW2 = a1.T @ dz2                 # (H, 1)
        db2 = sum(dz2, axis=0)           # (1, 1)
        da1 = dz2 @ W2.T                 # (N, H)
        dz1 = da1 * relu'(z1)            # (N, H)
        dW1 = X.T @ dz1                  # (D, H)
        db1 = sum(dz1, axis=0)           # (1, H)

    Pass a dict as ``steps`` to receive the intermediates ``dz2, da1, dz1, ...`` by name.
    Other heads change ``dzL`` (:meth:`Head.dz_top`: softmax ``(probs - onehot) / N``, mse
    ``2 (z - y) / (N C)``; ``sum`` drops the ``/ N``) and L2 adds ``2 c W`` to every dW.
    """
    N = X.shape[0]
    L = n_layers(params)
    _, cache = forward(params, X, activation, head.loss)
    dz = head.dz_top(cache[f"z{L}"], head.targets(y, X.dtype))  # dzL: (N, C)
    grads = backprop(params, cache, dz, L, activation, steps)
    if head.l2:
        for k, g in head.l2_grads(params, N).items():
            grads[k] = grads[k] + g  # dWl += 2 c Wl
    return {k: grads[k] for k in params}


def backprop(params: dict, cache: dict, dz, top: int, activation: str = "relu",
             steps: dict | None = None) -> dict:
    """Gradients of layers ``top, ..., 1`` given ``dz`` = dz_top (N, H_top) and the forward cache
    (``db_l`` only where ``params`` has a ``b_l``)."""
    grads = {}
    steps = {} if steps is None else steps
    with _float32_blas(dz.dtype):
        for l in range(top, 0, -1):
            steps[f"dz{l}"] = dz
            grads[f"W{l}"] = cache[f"a{l - 1}"].T @ dz  # dWl: (H_{l-1}, H_l)
            if f"b{l}" in params:
                grads[f"b{l}"] = dz.sum(axis=0, keepdims=True)  # dbl: (1, H_l)
            if l > 1:
                da = steps[f"da{l - 1}"] = dz @ params[f"W{l}"].T  # da_{l-1}: (N, H_{l-1})
                dz = da * activation_grad(cache[f"z{l - 1}"], cache[f"a{l - 1}"], activation)  # dz_{l-1}
    return grads


def sgd_step(params: dict, grads: dict, lr: float = 0.1) -> dict:
    """One step of gradient descent; returns new arrays and leaves ``params`` unchanged."""
    return {k: params[k] - params[k].dtype.type(lr) * grads[k] for k in params}
