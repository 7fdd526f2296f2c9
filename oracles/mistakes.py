"""The grammar of mistakes: a site in the backward x a transform, each with an id and its words.

Written once, used three ways: the diagnosis enumerates it (``oracles/diagnosis.py``), the
catalogue's mutants cite the ids they contain (``properties/catalogue.py``), and the zoo and the
held-out measure compare diagnoses by id. Every mistake builds the gradients it would give from
the reference's pieces at the checked point (:class:`Pieces`), so a diagnosis is a hypothesis
test: an explanation is reported only when it reproduces the candidate's numbers.

Two kinds of rule:

- *whole-backward* mistakes (:data:`MISTAKES`): a wrong step somewhere (another activation's
  derivative, another cached tensor, another head, a forward without a bias, state from the
  previous call, ...) giving a full set of gradients ``{"W1": (D, H), ..., "bL": (1, 1)}``;
- *scalar factors* (:func:`name_factor`): a constant ``r`` between one parameter's gradient and
  a whole-backward hypothesis's (the exact backward included), read as what it equals: N, 1/N,
  N - 1, D, a width, 2, 1/2, -1, a hard-coded batch size.

Ids are stable strings (``family:detail``); the words say what the code did, with the step's
formula. ``ALL_IDS`` lists every id a finding can carry.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from oracles import policy
from oracles.compare import backward_magnitudes, ratio_words  # noqa: F401  (ratio_words re-exported for the diagnosis)
from reference.model import ACTIVATIONS, KINKED, LEAKY_SLOPE, activate, activation_grad, backprop, backward, forward, n_layers
from reference.heads import OUTPUTS

LESSON_ROWS = 768  # the lesson's data: the batch size a hard-coded N most often is
LESSON_EPS = 1e-8  # the lesson's loss: -mean(y log(y_hat + 1e-8) + (1 - y) log(1 - y_hat + 1e-8))
SMALL = range(2, 11)  # bare numbers a stray factor is named as: 2..10 and 1/2..1/10

DERIVATIVE = {"relu": "(z{l} > 0)", "leaky_relu": "where(z{l} > 0, 1, 0.01)", "tanh": "(1 - a{l}**2)",
              "sigmoid": "a{l} * (1 - a{l})", "identity": "1"}




def step(key: str, L: int, activation: str = "relu", loss: str = "bce") -> str:
    """The backward step that computes ``key`` (``W2`` -> ``dW2 = a1.T @ dz2``; ``z1``, ``a1`` too;
    the top ``dzL`` as ``loss``'s head writes it)."""
    kind, l = key[0], int(key[1:])
    if kind == "W":
        return f"dW{l} = {'X' if l == 1 else f'a{l - 1}'}.T @ dz{l}"
    if kind == "b":
        return f"db{l} = sum(dz{l}, axis=0, keepdims=True)"
    if kind == "z" and l == L:
        return f"dz{L} = {OUTPUTS[loss].dz_words}"
    if kind == "z":
        return f"dz{l} = da{l} * {DERIVATIVE[activation].format(l=l)}"
    return f"da{l} = dz{l + 1} @ W{l + 1}.T"


@dataclass(frozen=True)
class Finding:
    """One statement of a diagnosis.

    ``ids``: the mistakes it names (one explanation may combine a mistake and a factor; empty
    where it only says where the error enters); ``params``: the parameters it is about;
    ``kind``: ``"cause"`` (named mistakes that reproduce the candidate), ``"where"`` (where the
    error enters, no cause) or ``"note"`` (a convention of the lesson's, which passes).
    """

    ids: tuple
    text: str
    params: tuple = ()
    kind: str = "cause"

    @property
    def cause(self) -> bool:
        return self.kind == "cause"

    def to_dict(self) -> dict:
        return {"ids": list(self.ids), "text": self.text, "params": list(self.params), "kind": self.kind}


class Pieces:
    """The reference's pieces at one point, in float64: the forward's cache, the exact backward's
    steps (``dz_l``, ``da_l``), the exact gradients, the tolerance hypotheses are held to.

    ``previous``: the parameters of the point checked before with the same candidate, if any.
    """

    def __init__(self, spec, params, X, y, previous=None):
        self.act, self.dtype, self.head = spec.activation, spec.dtype, spec.head
        self.P = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        self.X, self.y = np.asarray(X, dtype=np.float64), self.head.targets(y, np.float64)
        self.L, (self.N, self.D) = n_layers(self.P), self.X.shape
        self.widths = tuple(self.P[f"W{l}"].shape[1] for l in range(1, self.L))  # hidden widths
        _, self.cache = forward(self.P, self.X, self.act, self.head.loss)
        self.dzL = self.head.dz_top(self.cache[f"z{self.L}"], self.y)  # (N, C): for the lesson (y_hat - y) / N
        self.decay = self.head.l2_grads(self.P, self.N) if self.head.l2 else {}  # the L2 term's 2 c W
        self.steps = {}  # dz_l and da_l of the exact backward, by name
        self.true = backward(self.P, self.X, self.y, self.act, self.steps, head=self.head)
        self.tol = policy.tolerance("hypothesis", spec.dtype)
        self.magnitudes = backward_magnitudes(spec, self.P, self.X, y) if self.tol.whole_rtol is not None else {}
        self.previous = None if previous is None else {k: np.asarray(v, dtype=np.float64) for k, v in previous.items()}

    def close(self, g, h, key: str | None = None) -> bool:
        """``g`` within the hypothesis tolerance of ``h``; a non-finite ``h`` (a hypothesis whose
        numbers overflowed) reproduces nothing. In float32 also as a whole, the rule's unit
        ``max(S, magnitude)`` with parameter ``key``'s backward magnitude (the comparison's)."""
        if np.shape(g) != np.shape(h) or not np.all(np.isfinite(h)):
            return False
        with np.errstate(over="ignore", invalid="ignore"):
            if not np.all(self.tol.close_array(g, h)):
                return False
            scale = max(policy.gradient_scale(h, self.tol.unit), self.magnitudes.get(key, 0.0))
            return self.tol.whole_close(g, h, scale)

    def significant(self, o):
        """Entries of ``o`` larger than rounding: a ratio is only read off these."""
        return np.abs(o) > self.tol.atol * policy.gradient_scale(o)

    def ratio(self, g, h, single: bool = False, key: str | None = None):
        """The constant r (not 0 or 1) with g == r * h on every entry, or None.

        One entry always has "a constant ratio": ``single`` allows it (for a caller that only
        accepts a named factor there)."""
        significant = self.significant(h)
        if np.shape(g) != np.shape(h) or significant.sum() < (1 if single else 2):
            return None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            r = float(np.median(g[significant] / h[significant]))
            # r near 1 is a factor only where g and h differ (float32: the whole-parameter rule tells N - 1)
            if (not np.isfinite(r) or r == 0.0 or abs(r - 1) <= self.tol.rtol and self.close(g, h, key)
                    or not self.close(g, r * h, key)):
                return None
        return r

    def replace(self, **grads):
        """The exact gradients with some replaced by a wrong step's; a weight's keeps the loss's
        L2 term (``2 c W``), which a mistake in the data term's chain does not touch."""
        return dict(self.true, **{k: v + self.decay[k] if k in self.decay else v for k, v in grads.items()})

    def data_term(self, grads: dict) -> dict:
        """``grads`` without the L2 term's ``2 c W`` (itself when there is no L2): the loss's data term."""
        return {k: v - self.decay[k] if k in self.decay and np.shape(v) == self.decay[k].shape else v
                for k, v in grads.items()}

    def backprop(self, dzL=None, derivative=None, cache=None, params=None):
        """The exact backward from ``dzL`` with another hidden ``derivative`` (a name or
        ``(z, a) -> d``), ``cache`` or ``params`` (what da_{l-1} = dz_l @ W_l.T reads)."""
        grads = backprop(self.P if params is None else params, self.cache if cache is None else cache,
                         self.dzL if dzL is None else dzL, self.L, self.act if derivative is None else derivative)
        return {k: grads[k] + self.decay[k] if k in self.decay else grads[k] for k in grads}


# ---------------------------------------------------------------- scalar factors

def _is(value: float, factor: float) -> bool:
    return bool(policy.FACTOR.close(value, factor))


def name_factor(r: float, N: int, D: int, widths: tuple) -> list:
    """What a constant factor ``r`` (candidate / right) equals: a list of ``(ids, words)``
    alternatives, each a tuple of ids (``factor:-1`` joins one when the sign is flipped), or []."""
    sign = (("factor:-1",), "a flipped sign") if r < 0 else ((), "")
    a = abs(r)
    named = []
    if N > 1 and _is(a, N):
        named.append(("factor:N", f"a missing 1/N (x{N})"))
    if N > 1 and _is(a * N, 1):
        named.append(("factor:1/N", f"divided by N = {N} a second time (a mean where a sum belongs?)"))
    if N > 2 and _is(a, N / (N - 1)):
        named.append(("factor:N-1", f"divides by N - 1 = {N - 1} where N = {N} belongs"))
    if N > 1 and _is(a, N / (N + 1)):
        named.append(("factor:N+1", f"divides by N + 1 = {N + 1} where N = {N} belongs"))
    if D != N and _is(a, N / D):
        named.append(("factor:D", f"divides by D = X.shape[1] = {D} (the features) where N = X.shape[0] = {N} belongs"))
    if D > 1 and _is(a * D, 1):
        named.append(("factor:N*D", f"divides by X.size = N * D = {N * D} where N = {N} belongs"))
    for H in sorted(set(widths)):
        if H not in (N, D) and _is(a, N / H):
            named.append(("factor:H", f"divides by the hidden width H = {H} where N = {N} belongs"))
    M = N / a
    if N != LESSON_ROWS and _is(M, LESSON_ROWS):  # an alternative even where a bare number fits too
        named.append(("factor:hard-coded-N", f"a hard-coded batch size: divides by {LESSON_ROWS} (the lesson's N) "
                                             f"where N = {N}"))
    for k in SMALL:  # bare numbers: only 2 and 1/2 compete with a quantity of the problem
        if _is(a, k) and (k == 2 or not named):
            named.append((f"factor:{k}", f"a stray factor {k}"))
        if _is(a * k, 1) and (k == 2 or not named):
            named.append((f"factor:1/{k}", f"a stray factor 1/{k}"))
    if _is(a, 1):
        named = [((), "")]
    elif not named:
        return []
    out = []
    for ids, words in named:
        ids = sign[0] + ((ids,) if isinstance(ids, str) else ids)
        if ids:
            out.append((ids, " and ".join(w for w in (sign[1], words) if w)))
    return out


FACTOR_IDS = (["factor:-1", "factor:N", "factor:1/N", "factor:N-1", "factor:N+1", "factor:D", "factor:N*D", "factor:H",
               "factor:hard-coded-N"] + [f"factor:{k}" for k in SMALL] + [f"factor:1/{k}" for k in SMALL])


# ---------------------------------------------------------------- factor products (deep networks)

POWERS = (-3, -2, 2, 3)  # N^k past N and 1/N: a 1/N applied once more at every layer step
PRODUCT_IDS = ("factor:N^2", "factor:N^3", "factor:1/N^2", "factor:1/N^3")


def _power(k: int, N: int) -> tuple:
    """(id, words) for the factor N^k (k = +-1, +-2, +-3)."""
    if k > 0:
        return ("factor:N" if k == 1 else f"factor:N^{k}"), (f"a missing 1/N (x{N})" if k == 1 else
                                                            f"a missing 1/N^{k} (x{N}^{k})")
    return (("factor:1/N" if k == -1 else f"factor:1/N^{-k}"),
            "divided by N a second time" if k == -1 else f"divided by N {-k} times too many (1/{N}^{-k})")


def name_product(r: float, N: int) -> list:
    """A constant factor ``r`` read as a product of the problem's own numbers where
    :func:`name_factor` names none: N^k (|k| <= 3, a 1/N applied at every layer step) times 1,
    2 or 1/2, with a flipped sign or not. A list of ``(ids, words)`` (one alternative), or []."""
    if N <= 2:  # N^k and 2^j are not told apart at N = 2
        return []
    sign = (("factor:-1",), ["a flipped sign"]) if r < 0 else ((), [])
    a = abs(r)
    found = []
    for k in (-3, -2, -1, 1, 2, 3):
        for m, m_id, m_words in ((1, (), []), (2, ("factor:2",), ["a stray factor 2"]),
                                 (0.5, ("factor:1/2",), ["a stray factor 1/2"])):
            if (k in POWERS or m != 1) and _is(a, float(N) ** k * m):
                power_id, power_words = _power(k, N)
                found.append((sign[0] + (power_id,) + m_id, " and ".join(sign[1] + [power_words] + m_words)))
    return found if len(found) == 1 else []


# ---------------------------------------------------------------- whole-backward mistakes

@dataclass(frozen=True)
class Mistake:
    """A whole-backward mistake: ``build(pieces, g)`` yields ``(words, grads)`` for each site it
    can sit at (``g``, the candidate's gradients, only for mistakes with a fitted number)."""

    id: str
    summary: str
    build: object
    needs_previous: bool = False
    heads: tuple | None = None  # the losses whose backward it can sit in (None: every head's)

    def fits(self, loss: str) -> bool:
        return self.heads is None or loss in self.heads


MISTAKES = {}


# pragma: no mutate start  (it runs at import, before mutmut activates a mutant: no test could see one)
def mistake(id: str, summary: str, needs_previous: bool = False, heads: tuple | None = None):
    def register(build):
        MISTAKES[id] = Mistake(id, summary, build, needs_previous, heads)
        return build
    return register
# pragma: no mutate end


def fitted(num, den):
    """``num / den`` as a float, or None where it is not a finite number (a product overflowed,
    or ``den`` is 0): a fitted number that does not exist explains nothing."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        value = float(num) / float(den) if float(den) != 0 else float("nan")
    return value if np.isfinite(value) else None


def _hidden(p: Pieces) -> bool:
    return p.L > 1 and p.act != "identity"


def _at(p: Pieces, template: str) -> str:
    """``template`` with ``{l}`` the hidden layer: ``1`` with one hidden layer, ``_l`` (any of them) with several."""
    return template.format(l="1" if p.L == 2 else "_l")


def _dz1(p: Pieces, what: str) -> str:
    """``dz1 = da1 * what`` (``dz_l = da_l * ...`` for deeper networks; ``{l}`` in ``what`` is the
    layer); ``what = ""``: ``dz1 = da1``."""
    return _at(p, "dz{l} = da{l}") + (f" * {_at(p, what)}" if what else "")


def _right(p: Pieces) -> str:
    """The hidden layers' right step, named as :func:`_dz1` names the wrong one: ``dz1 = da1 * (z1 > 0)``."""
    return _dz1(p, DERIVATIVE[p.act])


@mistake("mask:missing", "the ReLU mask (z1 > 0) left out: dz1 = da1")
def _mask_missing(p, g):
    if _hidden(p) and p.act in KINKED:
        yield (f"no activation derivative: {_dz1(p, '')} where {_right(p)} belongs (the mask forgotten)",
               p.backprop(derivative="identity"))


@mistake("derivative:missing", "no activation derivative on a smooth hidden layer: dz1 = da1")
def _derivative_missing(p, g):
    if _hidden(p) and p.act not in KINKED:
        yield (f"no activation derivative: {_dz1(p, '')} where {_right(p)} belongs",
               p.backprop(derivative="identity"))


@mistake("mask:inverted", "the ReLU mask on the wrong side of 0: (z1 < 0) or (z1 <= 0)")
def _mask_inverted(p, g):
    if _hidden(p) and p.act in KINKED:
        for mask, side in ((np.less, "<"), (np.less_equal, "<=")):  # the two differ only on a kink
            yield (f"the mask on the wrong side of 0: {_dz1(p, f'(z{{l}} {side} 0)')} where {_right(p)} "
                   f"belongs", p.backprop(derivative=lambda z, a, mask=mask: mask(z, 0).astype(z.dtype)))


for _other in ACTIVATIONS:
    if _other == "identity":
        continue

    def _build(p, g, other=_other):
        if _hidden(p) and other != p.act:
            yield (f"the derivative of {other}, {_at(p, DERIVATIVE[other])} on the cached {_at(p, 'a{l}')}, where "
                   f"{_right(p)} belongs (the forward is {p.act})",
                   p.backprop(derivative=lambda z, a: activation_grad(z, a, other)))
            yield (f"the derivative of {other} at {_at(p, 'z{l}')} where {_right(p)} belongs (the forward is {p.act})",
                   p.backprop(derivative=lambda z, a: activation_grad(z, activate(z, other), other)))

    mistake(f"derivative:{_other}", f"the derivative of {_other} on a hidden layer of another activation")(_build)

    def _build_net(p, g, other=_other):
        if _hidden(p) and other != p.act:
            yield (f"your backward is a {other} network's (forward and derivative); the check ran "
                   f"--activation {p.act}", backward(p.P, p.X, p.y, other, head=p.head))

    mistake(f"activation:{_other}", f"the whole network written with {_other}, checked with another activation")(_build_net)


FROM_Z = {"sigmoid": "z{l} * (1 - z{l})", "tanh": "(1 - z{l}**2)"}
FROM_A = {"sigmoid": "sigmoid(a{l}) * (1 - sigmoid(a{l}))", "tanh": "(1 - tanh(a{l})**2)"}

for _act in FROM_Z:
    def _from_z(p, g, act=_act):
        if _hidden(p) and p.act == act:
            yield (f"the derivative computed from {_at(p, 'z{l} instead of a{l}')}: {_dz1(p, FROM_Z[act])} where "
                   f"{_right(p)} belongs", p.backprop(derivative=lambda z, a: activation_grad(z, z, act)))

    mistake(f"derivative:{_act}-from-z",
            f"{_act}'s derivative formula in a evaluated on z: {FROM_Z[_act].format(l=1)}")(_from_z)

    def _from_a(p, g, act=_act):
        if _hidden(p) and p.act == act:
            yield (f"the derivative's formula applied to {_at(p, 'a{l} instead of z{l}')}: {_dz1(p, FROM_A[act])} "
                   f"where {_right(p)} belongs",
                   p.backprop(derivative=lambda z, a: activation_grad(a, activate(a, act), act)))

    mistake(f"derivative:{_act}-from-a",
            f"{_act}'s derivative formula in z fed the activation a: {FROM_A[_act].format(l=1)}")(_from_a)


@mistake("derivative:activation-for-derivative", "the activation itself where its derivative belongs: dz1 = da1 * a1")
def _activation_for_derivative(p, g):
    if _hidden(p):
        yield (f"the activation where its derivative belongs: {_dz1(p, 'a{l}')} instead of "
               f"{_right(p)}", p.backprop(derivative=lambda z, a: a))


@mistake("derivative:pre-activation", "the pre-activation where the derivative belongs: dz1 = da1 * z1")
def _pre_activation_for_derivative(p, g):
    if _hidden(p):
        yield (f"the pre-activation where the derivative belongs: {_dz1(p, 'z{l}')} instead of "
               f"{_right(p)}", p.backprop(derivative=lambda z, a: z))


@mistake("cache:z-for-a", "the pre-activation z_l used where the cached a_l belongs: dW2 = z1.T @ dz2")
def _z_for_a(p, g):
    for l in range(2, p.L + 1):
        z = p.cache[f"z{l - 1}"]
        if p.act != "identity":
            yield (f"z{l - 1} where a{l - 1} belongs: dW{l} = z{l - 1}.T @ dz{l}, not {step(f'W{l}', p.L)}",
                   p.replace(**{f"W{l}": z.T @ p.steps[f"dz{l}"]}))


@mistake("cache:wrong-layer", "another layer's activation in a weight gradient: dW_l = a_{l-2}.T @ dz_l")
def _wrong_layer(p, g):
    for l in range(2, p.L + 1):
        for m in range(0, l - 1):
            if p.cache[f"a{m}"].shape == p.cache[f"a{l - 1}"].shape:
                name = "X" if m == 0 else f"a{m}"
                yield (f"{name} where a{l - 1} belongs: dW{l} = {name}.T @ dz{l}, not {step(f'W{l}', p.L)}",
                       p.replace(**{f"W{l}": p.cache[f"a{m}"].T @ p.steps[f"dz{l}"]}))


@mistake("step:da-for-dz", "da_l where dz_l belongs in one product: dW1 = X.T @ da1 or db1 = sum(da1)")
def _da_for_dz(p, g):
    for l in range(1, p.L):
        a = "X" if l == 1 else f"a{l - 1}"
        yield (f"da{l} where dz{l} belongs: dW{l} = {a}.T @ da{l} (the mask skipped for dW{l} only)",
               p.replace(**{f"W{l}": p.cache[f"a{l - 1}"].T @ p.steps[f"da{l}"]}))
        if f"b{l}" in p.P:
            yield (f"da{l} where dz{l} belongs: db{l} = sum(da{l}) (the mask skipped for db{l} only)",
                   dict(p.true, **{f"b{l}": p.steps[f"da{l}"].sum(axis=0, keepdims=True)}))


@mistake("step:W-not-transposed", "da_(l-1) = dz_l @ W_l without .T (only possible with square W_l)")
def _w_not_transposed(p, g):
    for l in range(2, p.L + 1):
        W = p.P[f"W{l}"]
        if W.shape[0] == W.shape[1]:
            swapped = dict(p.P, **{f"W{l}": W.T})
            yield (f"W{l} where W{l}.T belongs: da{l - 1} = dz{l} @ W{l}, not {step(f'a{l - 1}', p.L)}",
                   p.replace(**{k: v for k, v in backprop(swapped, p.cache, p.steps[f"dz{l}"], l, p.act).items()
                                if int(k[1:]) < l}))


@mistake("head:mse", "a linear output with squared error: dz2 = (z2 - y) / N or 2 (z2 - y) / N (the logit "
                     "where y_hat belongs)", heads=("bce",))
def _head_mse(p, g):
    L, z = p.L, p.cache[f"z{p.L}"]
    for c, text in ((1, ""), (2, "2 * ")):
        yield (f"a squared-error head on a linear output: dz{L} = {text}(z{L} - y) / N (the logit z{L} where "
               f"y_hat belongs in {step(f'z{L}', L)})", p.backprop(dzL=c * (z - p.y) / p.N))


@mistake("head:sigmoid-mse", "squared error through the sigmoid: dz2 = (y_hat - y) * y_hat * (1 - y_hat) / N",
         heads=("bce",))
def _head_sigmoid_mse(p, g):
    L, y_hat = p.L, p.cache["y_hat"]
    for c, text in ((1, ""), (2, "2 * ")):
        yield (f"the MSE chain on cross-entropy: dz{L} = {text}(y_hat - y) * y_hat * (1 - y_hat) / N, an extra "
               f"sigmoid derivative in {step(f'z{L}', L)}", p.backprop(dzL=c * p.dzL * y_hat * (1 - y_hat)))


@mistake("chain:missing-sigmoid-derivative", "dL/dy_hat used as dz2: the sigmoid's derivative left out of the chain",
         heads=("bce",))
def _missing_sigmoid_derivative(p, g):
    L, y_hat = p.L, p.cache["y_hat"]
    with np.errstate(divide="ignore", invalid="ignore"):
        dy_hat = p.dzL / (y_hat * (1 - y_hat))  # (N, 1)
    if np.all(np.isfinite(dy_hat)):
        yield (f"dL/dy_hat used as dz{L}: (-y / y_hat + (1 - y) / (1 - y_hat)) / N without * y_hat * (1 - y_hat), "
               f"where {step(f'z{L}', L)} belongs", p.backprop(dzL=dy_hat))


@mistake("bias:missing-in-forward", "the candidate's own forward drops a bias: z1 = X @ W1 (invisible while biases are zero)")
def _bias_missing(p, g):
    for l in range(1, p.L + 1):
        if np.any(p.P.get(f"b{l}", 0) != 0):
            no_bias = dict(p.P, **{f"b{l}": np.zeros_like(p.P[f"b{l}"])})
            yield (f"a forward without b{l}: z{l} = {'X' if l == 1 else f'a{l - 1}'} @ W{l}, no + b{l} "
                   f"(invisible while biases are zero)", backward(no_bias, p.X, p.y, p.act, head=p.head))


@mistake("term:l2-gradient-only", "weight decay lambda * W added to the weight gradients though the loss has no L2 term")
def _l2_gradient_only(p, g):
    if p.decay:  # the checked loss has an L2 term: "no such term in the loss" is contradicted
        return
    Ws = [k for k in p.P if k[0] == "W"]
    w = np.concatenate([p.P[k].ravel() for k in Ws])
    d = np.concatenate([(g[k] - p.true[k]).ravel() for k in Ws])
    if w @ w > 0 and d.any():
        lam = fitted(w @ d, w @ w)
        if lam is not None and lam > 0:
            yield (f"L2 in the gradient only: dW += {lam:.6g} * W on every weight (and no such term in the loss, "
                   f"which is the canonical one)", {k: p.true[k] + lam * p.P[k] if k[0] == "W" else p.true[k] for k in p.P})
    w = np.concatenate([p.P[k].ravel() for k in p.P])  # the biases decayed too
    d = np.concatenate([(g[k] - p.true[k]).ravel() for k in p.P])
    if any(np.any(p.P[k] != 0) for k in p.P if k[0] == "b") and w @ w > 0 and d.any():
        lam = fitted(w @ d, w @ w)
        if lam is not None and lam > 0:
            yield (f"L2 in the gradient only, on the biases too: d{{W, b}} += {lam:.6g} * {{W, b}} (and no such term "
                   f"in the loss)", {k: p.true[k] + lam * p.P[k] for k in p.P})


@mistake("kink:outside-subgradient", "a slope at an exact kink outside the subgradient [alpha, 1]: "
                                    "np.heaviside(z1, 2.0), say")
def _slope_at_kink(p, g):
    """Where pre-activations sit exactly at 0, the candidate's slope there, fitted, when it lies
    outside [alpha, 1] (inside, it is a valid subgradient and no mistake)."""
    if not (_hidden(p) and p.act in KINKED and any(np.any(p.cache[f"z{l}"] == 0) for l in range(1, p.L))):
        return
    low = LEAKY_SLOPE if p.act == "leaky_relu" else 0.0

    def with_slope(c):
        return p.backprop(derivative=lambda z, a: np.where(z > 0, 1.0, np.where(z < 0, low, c)).astype(z.dtype))

    g0, g1 = with_slope(0.0), with_slope(1.0)
    moved = [k for k in g0 if np.any(g1[k] != g0[k])]
    if not moved:
        return
    d = np.concatenate([(g1[k] - g0[k]).ravel() for k in moved])
    r = np.concatenate([(g[k] - g0[k]).ravel() for k in moved])
    dd = float(d @ d)
    if not 0 < dd < np.inf:  # the slopes' effect too small to square (it underflows): nothing to fit
        return
    c = fitted(r @ d, dd)  # the gradient is linear in the slope at 0 while one layer has kinks
    if c is not None and not low - p.tol.rtol <= c <= 1 + p.tol.rtol:
        yield (f"a slope of {c:.4g} at the pre-activations exactly at 0, outside the subgradient [{low:g}, 1]: "
               f"{_dz1(p, f'heaviside(z{{l}}, {c:.4g})')} where any value in [{low:g}, 1] is right", with_slope(c))


@mistake("state:previous-call", "state from the previous call: its forward (all of it, only y_hat, or only the "
                               "hidden layers), or its gradients accumulated", needs_previous=True)
def _stale_forward(p, g):
    if p.previous is not None:
        _, stale = forward(p.previous, p.X, p.act, p.head.loss)
        stale_dz = p.head.dz_top(stale[f"z{p.L}"], p.y)  # dzL from the previous point's output
        yield ("state from the previous call: the forward is the previous point's (a cache never invalidated)",
               p.backprop(dzL=stale_dz, cache=stale))
        yield ("state from the previous call: y_hat is the previous point's, the hidden layers are fresh",
               p.backprop(dzL=stale_dz))
        yield ("state from the previous call: the hidden layers are the previous point's, y_hat is fresh",
               p.backprop(cache=dict(stale, y_hat=p.cache["y_hat"])))
        if _hidden(p):  # only the derivative kept (a mask computed once), the forward itself fresh
            kept = {id(p.cache[f"z{l}"]): (stale[f"z{l}"], stale[f"a{l}"]) for l in range(1, p.L)}
            yield ("state from the previous call: the hidden layers' derivative (the mask) is the previous point's, "
                   "the forward is fresh (a mask computed once and kept)",
                   p.backprop(derivative=lambda z, a: activation_grad(*kept[id(z)], p.act)))
        before = backward(p.previous, p.X, p.y, p.act, head=p.head)
        # buffers never zeroed hold every earlier call's gradients: the judge may have called more
        # than once at the previous point (its determinism check), so the count is fitted
        b = np.concatenate([before[k].ravel() for k in p.P])
        d = np.concatenate([(g[k] - p.true[k]).ravel() for k in p.P])
        count = fitted(b @ d, b @ b) if b @ b > 0 else 1.0
        if count is None or not count < 2**31:  # no count fits (it overflowed): no such state
            return
        calls = max(1, int(round(count)))
        whose = "the previous call's" if calls == 1 else f"the previous point's, once per call there ({calls})"
        yield (f"state from the previous call: gradients added to {whose} (grads += ... on buffers never zeroed)",
               {k: calls * before[k] + p.true[k] for k in p.P})


@mistake("order:updated-too-early", "W_l moved by -lr * dW_l before da_{l-1} = dz_l @ W_l.T used it")
def _updated_too_early(p, g):
    for l in range(p.L, 1, -1):
        below = [k for k in p.P if int(k[1:]) < l]
        # the gradients below l are linear in the W_l that da_{l-1} uses
        M = backprop(dict(p.P, **{f"W{l}": p.true[f"W{l}"]}), p.cache, p.steps[f"dz{l}"], l, p.act)
        m = np.concatenate([M[k].ravel() for k in below])
        d = np.concatenate([(g[k] - p.true[k]).ravel() for k in below])
        if m @ m > 0 and d.any():  # (m.any() is not enough: tiny entries square to 0)
            lr = fitted(-(m @ d), m @ m)
            if lr is not None and lr > 0:
                yield (f"W{l} updated (lr {lr:.3g}) before {step(f'a{l - 1}', p.L)} used it: weights updated "
                       f"before the backward finished", dict(p.true, **{k: p.true[k] - lr * M[k] for k in below}))


# ---------------------------------------------------------------- the other heads and L2

def _softmax_dz(p, probs, minus_one: bool = True):
    """``(probs - onehot(y)) / divisor`` (or without the minus one) for the head's reduction."""
    dz = probs.copy()
    if minus_one:
        dz[np.arange(p.N), p.y] -= 1
    return dz / p.head.divisor(p.N, dz.shape[1])


@mistake("softmax:no-minus-one", "softmax's dz without subtracting 1 at the true class: dz2 = probs / N",
         heads=("softmax",))
def _softmax_no_minus_one(p, g):
    L = p.L
    yield (f"softmax without the minus one at the true class: dz{L} = probs / N where dz{L} = (probs - "
           f"onehot(y)) / N belongs (dscores[range(N), y] -= 1 left out)",
           p.backprop(dzL=_softmax_dz(p, p.cache["y_hat"], minus_one=False)))


@mistake("softmax:wrong-axis", "softmax normalized over the batch (axis=0) where the classes (axis=1) belong",
         heads=("softmax",))
def _softmax_wrong_axis(p, g):
    z = p.cache[f"z{p.L}"]
    for shift in (1, 0):  # the max shift over the classes (as written right) or over the batch too
        e = np.exp(z - z.max(axis=shift, keepdims=True))  # (N, C)
        yield (f"softmax normalized over the wrong axis: probs = exp(z{p.L}) / sum(exp(z{p.L}), axis=0) sums over "
               f"the batch where axis=1 (the classes) belongs",
               p.backprop(dzL=_softmax_dz(p, e / e.sum(axis=0, keepdims=True))))


@mistake("labels:one-hot-vs-index", "integer labels used as one-hot: dz2 = (probs - y[:, None]) / N",
         heads=("softmax",))
def _labels_index_as_one_hot(p, g):
    probs = p.cache["y_hat"]
    dz = (probs - p.y[:, None]) / p.head.divisor(p.N, probs.shape[1])  # the label broadcast over every class
    yield (f"the labels used as if one-hot: dz{p.L} = (probs - y) / N with y the class indices, where "
           f"(probs - onehot(y)) / N belongs (a one-hot/index confusion)", p.backprop(dzL=dz))


@mistake("mse:no-2", "the 1/2 (y_hat - y)^2 convention: dz2 = (y_hat - y) / N without the 2 of the mean squared error",
         heads=("mse",))
def _mse_no_2(p, g):
    yield (f"the gradient of 1/2 (y_hat - y)^2, not of the mean squared error: dz{p.L} = (y_hat - y) / N where "
           f"2 (y_hat - y) / N belongs (the 1/2 convention; the check uses torch's MSELoss)", p.backprop(dzL=p.dzL / 2))


# ---------------------------------------------------------------- L2 terms, in the candidate's convention

# the loss's L2 term and its right gradient as each convention writes them (``reference/heads.py``)
L2_LOSS = {"reg": "reg * sum(W ** 2)", "lambd": "lambd / (2 * m) * sum(W ** 2)",
           "weight_decay": "weight_decay / 2 * sum(W ** 2)"}
L2_RIGHT = {"reg": "2 * reg * {W}", "lambd": "lambd / m * {W}", "weight_decay": "weight_decay * {W}"}
# the L2 gradient k times the right one: (id, k as a function of N, each convention's wrong term, what it is)
L2_SCALED = (
    ("l2:no-2", lambda N: 0.5, {"reg": "reg * {W}", "lambd": "lambd / (2 * m) * {W}",
                                "weight_decay": "weight_decay / 2 * {W}"},
     "half the L2 term's gradient: its 2 dropped (the loss term's coefficient copied into the gradient)"),
    ("l2_doubled", lambda N: 2.0, {"reg": "4 * reg * {W}", "lambd": "2 * lambd / m * {W}",
                                   "weight_decay": "2 * weight_decay * {W}"},
     "twice the L2 term's gradient (a 2 the convention's coefficient already holds, or the decay added twice)"),
    ("l2_divided_by_N", lambda N: 1.0 / N, {"reg": "2 * reg * {W} / N", "lambd": "lambd / m * {W} / m",
                                           "weight_decay": "weight_decay * {W} / N"},
     "the L2 term's gradient divided by the batch size (a mean's 1 / N applied to a term that has none)"),
    ("l2_times_N", lambda N: float(N), {"reg": "N * 2 * reg * {W}", "lambd": "lambd * {W}",
                                        "weight_decay": "N * weight_decay * {W}"},
     "the L2 term's gradient N times too large (its 1 / m left out, or the decay added once per example)"),
)


def l2_words(p: Pieces, keys, term: dict | None = None) -> str:
    """``dW1 += 2 * reg * W1 and dW2 += ...`` in the candidate's convention (``term``: a wrong term's forms)."""
    form = (term or L2_RIGHT)[p.head.l2_form]
    return " and ".join(f"d{k} += {form.format(W=k)}" for k in keys)


def _belongs(keys) -> str:
    return "belongs" if len(keys) == 1 else "belong"


def _weights(p: Pieces) -> list:
    return [k for k in p.P if k in p.decay]


def _l2_scaled(id: str, scale, term: dict, what: str):
    def build(p, g):
        if p.decay and p.N > 1:
            k, keys = scale(p.N), _weights(p)
            yield (f"{what}: {l2_words(p, keys, term)} where {l2_words(p, keys)} {_belongs(keys)} (the loss adds "
                   f"{L2_LOSS[p.head.l2_form]})",
                   {n: p.true[n] + (k - 1) * p.decay[n] if n in p.decay else p.true[n] for n in p.P})
    return build


for _id, _scale, _term, _what in L2_SCALED:
    mistake(_id, _what)(_l2_scaled(_id, _scale, _term, _what))


@mistake("l2_missing_from_gradient", "the L2 term in the loss but its gradient not added to some or all weights")
def _l2_missing_from_gradient(p, g):
    keys = _weights(p)
    if not p.decay:
        return
    for n in range(len(keys), 0, -1):
        for left_out in itertools.combinations(keys, n):
            yield (f"the L2 term's gradient left out of {', '.join(f'd{k}' for k in left_out)}: the loss adds "
                   f"{L2_LOSS[p.head.l2_form]}, so {l2_words(p, left_out)} {_belongs(left_out)}",
                   {k: p.true[k] - p.decay[k] if k in left_out else p.true[k] for k in p.P})


@mistake("l2:on-biases", "weight decay on the biases too: db += 2 c b, though L2 is on the weights only")
def _l2_on_biases(p, g):
    if p.decay and any(np.any(p.P[k] != 0) for k in p.P if k[0] == "b"):
        c2 = 2 * p.head.l2_coefficient(p.N)
        biases = [k for k in p.P if k[0] == "b"]
        yield (f"L2 applied to the biases too: {l2_words(p, biases)}, where the loss's "
               f"{L2_LOSS[p.head.l2_form]} is on the weights and never on a bias",
               {k: p.true[k] + c2 * p.P[k] if k[0] == "b" else p.true[k] for k in p.P})


# ---------------------------------------------------------------- the softmax's pieces

def _per_row(p: Pieces, C: int) -> str:
    """`` / N`` as the head's reduction writes it ("" for a summed loss)."""
    return "" if p.head.divisor(p.N, C) == 1 else " / N"


@mistake("softmax_extra_jacobian", "(probs - onehot) times probs * (1 - probs): the softmax's derivative applied twice",
         heads=("softmax",))
def _softmax_extra_jacobian(p, g):
    probs = p.cache["y_hat"]
    L, n = p.L, _per_row(p, probs.shape[1])
    yield (f"an extra Jacobian factor: dz{L} = (probs - onehot(y)){n} * probs * (1 - probs) where dz{L} = (probs - "
           f"onehot(y)){n} belongs (the sigmoid's y_hat (1 - y_hat) carried over: probs - onehot(y) is already "
           f"dL/dz{L})", p.backprop(dzL=_softmax_dz(p, probs) * probs * (1 - probs)))


@mistake("softmax_dprobs_as_dscores", "dL/dprobs = -onehot / probs / N used as dL/dz: the softmax's Jacobian never applied",
         heads=("softmax",))
def _softmax_dprobs_as_dscores(p, g):
    probs = p.cache["y_hat"]
    L, n = p.L, _per_row(p, probs.shape[1])
    onehot = np.zeros_like(probs)
    onehot[np.arange(p.N), p.y] = 1.0
    yield (f"dL/dprobs used as dL/dz{L}: dz{L} = -onehot(y) / probs{n} where dz{L} = (probs - onehot(y)){n} belongs "
           f"(the softmax's Jacobian diag(p) - p p^T never applied)",
           p.backprop(dzL=-onehot / probs / p.head.divisor(p.N, probs.shape[1])))


@mistake("softmax_minus_one_every_column", "dscores[:, y] -= 1: one subtracted in every row at every class a label names",
         heads=("softmax",))
def _softmax_minus_one_every_column(p, g):
    probs = p.cache["y_hat"]
    L, n = p.L, _per_row(p, probs.shape[1])
    dz = probs.copy()
    dz[:, np.unique(p.y)] -= 1  # fancy indexing with repeats subtracts once per column
    yield (f"the minus one in every row: dscores[:, y] -= 1 subtracts 1 at every class some label names, in every "
           f"row, where dscores[range(N), y] -= 1 belongs (dz{L} = (probs - onehot(y)){n})",
           p.backprop(dzL=dz / p.head.divisor(p.N, probs.shape[1])))


@mistake("head:mean-wrong-axis", "the loss's mean over the wrong axis: over the classes or outputs where the batch's "
                                "belongs (softmax), or over one of rows and outputs only (mse)", heads=("softmax", "mse"))
def _mean_wrong_axis(p, g):
    rows = p.head.output.dz_rows(p.cache[f"z{p.L}"], p.y)  # (N, C), the row losses' gradient before the mean
    C = rows.shape[1]
    if p.head.reduction == "sum" or C < 2:  # one output: a mean over it is the factor N, named as such
        return
    right = p.head.divisor(p.N, C)
    for divisor, words in ((C, "over the outputs (axis=1, C = {C}) only"), (p.N, "over the rows (axis=0) only")):
        if divisor != right:
            yield (f"the loss's mean taken {words.format(C=C)} where {'N * C' if right != p.N else 'N'} = {right} "
                   f"belongs: dz{p.L} divided by {divisor}", p.backprop(dzL=rows / divisor))


@mistake("convention:lesson-loss-gradient", "the exact gradient of the lesson's loss (with + 1e-8): right for that loss",
         heads=("bce",))
def _lesson_gradient(p, g):
    L, y_hat, y = p.L, p.cache["y_hat"], p.y
    dy_hat = -(y / (y_hat + LESSON_EPS) - (1 - y) / (1 - y_hat + LESSON_EPS)) / p.N  # (N, 1)
    yield ("the exact gradient of the lesson's loss -mean(y log(y_hat + 1e-8) + (1 - y) log(1 - y_hat + 1e-8))",
           p.backprop(dzL=dy_hat * y_hat * (1 - y_hat)))


NOTES = ("convention:lesson-loss-gradient", "convention:lesson-loss")
LOSS_IDS = ("loss:summed", "convention:lesson-loss", "l2:missing-in-loss")
# mistakes the candidate's contract check (oracles/candidate.py) reports, before any diagnosis:
# the judge sees them as a violation, not as gradients to explain
CONTRACT_IDS = {"contract:shape": "a gradient of the wrong shape or type (wrong axis, no keepdims, a scalar, "
                                  "transposed operands)",
                "contract:inputs": "the candidate wrote into or replaced its inputs",
                "contract:non-finite": "a gradient or loss that is not finite"}
# words every finding naming the id contains (lowercase): for readers and tests of the shells,
# which see words only
PHRASES = {"factor:N": "a missing 1/n", "factor:-1": "a flipped sign", "factor:1/N": "a second time",
           "factor:hard-coded-N": "hard-coded batch size", "factor:D": "divides by d =", "step:skipped": "never computed",
           "factor:N-1": "divides by n - 1", "mask:missing": "no activation derivative",
           "mask:inverted": "wrong side of 0", "bias:missing-in-forward": "a forward without b",
           "activation:relu": "a relu network's", "state:previous-call": "state from the previous call",
           "kink:outside-subgradient": "outside the subgradient"}
# ids that name the same mistake in other words (a smooth activation's "mask"): graders treat
# each class as one mistake
SAME = [{"mask:missing", "derivative:missing"}]


def same(a: str, b: str) -> bool:
    """Whether ids ``a`` and ``b`` name the same mistake."""
    return a == b or any(a in c and b in c for c in SAME)


# causes named from evidence rather than a rebuilt backward: an error that is no formula
# (oracles/precision.py), a NaN's origin (oracles/nan_origin.py), a bias of the wrong shape compared
# by value (oracles/bias_contract.py)
NAN_ORIGIN_IDS = ("nan_division_by_zero", "nan_log_of_zero", "nan_exp_overflow")  # where a non-finite value is made
EVIDENCE_IDS = ("finite_difference_estimate", "float32_precision", "gradient_noise", *NAN_ORIGIN_IDS,
                "bias_summed_over_every_axis", "bias_summed_over_units")
ALL_IDS = (tuple(MISTAKES) + tuple(FACTOR_IDS) + PRODUCT_IDS + ("transpose", "step:skipped") + LOSS_IDS
           + tuple(CONTRACT_IDS) + EVIDENCE_IDS)
