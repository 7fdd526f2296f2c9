"""One hidden layer's derivative wrong in a deeper network (oracles/per_layer.py): the view that puts
the mistake at that layer only, the layers it can sit at, and the hypotheses with their words."""
from __future__ import annotations

import numpy as np
import pytest

from oracles.mistakes import Pieces
from oracles.per_layer import FAMILY, _at_layer, one_layer, per_layer_hypotheses, suspects
from reference.model import Spec, random_params

N, D = 40, 4


def pieces(hidden=(6, 5), activation="relu", loss="bce", seed=0) -> Pieces:
    C = 3 if loss == "softmax" else 1
    spec = Spec((D, *hidden, C), activation, "float64", loss)
    rng = np.random.default_rng(seed + 5)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N) if loss == "softmax" else (rng.random((N, 1)) < 0.4).astype(float)
    return Pieces(spec, random_params(spec, seed, 1.0), X, y)


def by_hand(p: Pieces, derivative, dzL=None) -> dict:
    """The exact backward written out, with ``derivative(l, z, a)`` the hidden layer l's step
    (from the head's step ``dzL``, p's own by default)."""
    grads, dz = {}, p.dzL if dzL is None else dzL
    for l in range(p.L, 0, -1):
        a_prev = p.cache[f"a{l - 1}"]
        grads[f"W{l}"], grads[f"b{l}"] = a_prev.T @ dz, dz.sum(axis=0, keepdims=True)
        if l > 1:
            z = p.cache[f"z{l - 1}"]
            dz = (dz @ p.P[f"W{l}"].T) * derivative(l - 1, z, p.cache[f"a{l - 1}"])
    return grads


def relu_step(z):
    return (z > 0).astype(float)


def wrong_at(layer, wrong):
    return lambda l, z, a: wrong(z) if l == layer else relu_step(z)


def close(g, h) -> bool:
    return all(np.allclose(g[k], h[k], rtol=1e-10, atol=1e-13) for k in h)


@pytest.mark.parametrize("layer", [1, 2])
def test_one_layer_puts_the_mistaken_derivative_at_that_layer_and_the_right_one_elsewhere(layer):
    p = pieces()
    got = one_layer(p, layer).backprop(derivative="identity")
    assert close(got, by_hand(p, wrong_at(layer, np.ones_like)))
    assert not close(got, p.true)


def test_one_layer_takes_a_derivative_function_too():
    p = pieces((6, 5, 4))
    got = one_layer(p, 2).backprop(derivative=lambda z, a: z)
    assert close(got, by_hand(p, wrong_at(2, lambda z: z)))


def test_one_layer_without_a_mistake_is_the_exact_backward_and_leaves_the_pieces_alone():
    p = pieces()
    view = one_layer(p, 1)
    assert close(view.backprop(), p.true)
    assert view is not p and view.P is p.P
    assert close(p.backprop(derivative="identity"), by_hand(p, lambda l, z, a: np.ones_like(z)))  # every layer: p's own


def test_one_layer_without_a_mistake_starts_from_a_head_step_given_to_it():
    p = pieces()
    dzL = np.random.default_rng(9).standard_normal(p.dzL.shape) / N  # another head's step, e.g. a head mistake's
    got = one_layer(p, 1).backprop(dzL=dzL)
    assert close(got, by_hand(p, lambda l, z, a: relu_step(z), dzL))
    assert not close(got, p.true)


def test_one_layer_finds_its_layer_in_a_cache_given_to_it():
    p = pieces()
    other = pieces(seed=3)
    got = one_layer(p, 1).backprop(derivative="identity", cache=other.cache)
    assert close(got, Pieces.backprop(p, None, lambda z, a: np.ones_like(z) if z is other.cache["z1"] else relu_step(z),
                                      other.cache))


def test_the_grammars_words_are_written_at_one_layer():
    assert _at_layer("dz_l = da_l * (z_l > 0)", 2) == "dz2 = da2 * (z2 > 0)"
    assert _at_layer("a_l and W_l.T", 3) == "a3 and W_l.T"  # a capital's _l is no layer's name
    assert _at_layer("max_len stays, 1_l stays, z_l.", 1) == "max_len stays, 1_l stays, z1."


@pytest.mark.parametrize("layer", [1, 2])
def test_the_suspect_is_the_layer_whose_derivative_is_wrong(layer):
    p = pieces()
    g = by_hand(p, wrong_at(layer, np.ones_like))
    assert suspects(p, g) == [layer]


def test_no_layer_is_suspect_in_a_right_backward_or_one_scaled_as_a_whole():
    p = pieces()
    assert suspects(p, p.true) == []
    assert suspects(p, {k: 3 * v for k, v in p.true.items()}) == []


def test_a_factor_on_the_heads_step_above_a_wrong_layer_still_leaves_that_layer_suspect():
    p = pieces()
    g = by_hand(p, wrong_at(1, np.ones_like))
    g = {k: -v for k, v in g.items()}  # a flipped sign on dz_L scales every gradient
    assert suspects(p, g) == [1]


def test_a_wrong_layer_below_another_wrong_one_is_not_suspect():
    p = pieces((6, 5, 4))
    g = by_hand(p, lambda l, z, a: np.ones_like(z) if l in (1, 3) else relu_step(z))
    assert suspects(p, g) == [3]


def test_the_hypotheses_reproduce_a_mask_forgotten_at_one_layer_and_say_which():
    p = pieces()
    g = by_hand(p, wrong_at(1, np.ones_like))
    found = list(per_layer_hypotheses(p, g))
    assert found and all(mid.startswith(FAMILY) for mid, _, _ in found)
    fits = [(mid, words) for mid, words, h in found if close(h, g)]
    assert fits == [("mask:missing", fits[0][1])]
    assert fits[0][1].startswith("on hidden layer 1 only (layer 2 right): ")
    assert "dz1 = da1" in fits[0][1] and "_l" not in fits[0][1]


def test_the_hypotheses_of_a_three_hidden_layer_network_name_the_other_layers():
    p = pieces((6, 5, 4))
    g = by_hand(p, wrong_at(2, lambda z: (z < 0).astype(float)))
    found = list(per_layer_hypotheses(p, g))
    fits = {mid: words for mid, words, h in found if close(h, g)}
    assert list(fits) == ["mask:inverted"]
    assert fits["mask:inverted"].startswith("on hidden layer 2 only (layers 1, 3 right): ")
    assert {words.split(":")[0] for _, words, _ in found} == {"on hidden layer 2 only (layers 1, 3 right)"}


def test_a_smooth_network_gets_the_smooth_derivative_mistakes():
    p = pieces((6, 5), "tanh")
    g = by_hand(p, lambda l, z, a: np.ones_like(z) if l == 2 else 1 - a ** 2)
    ids = {mid for mid, _, h in per_layer_hypotheses(p, g) if close(h, g)}
    assert ids == {"derivative:missing"}


def test_no_hypothesis_with_one_hidden_layer_an_identity_network_or_no_suspect():
    one = pieces((6,))
    assert list(per_layer_hypotheses(one, by_hand(one, lambda l, z, a: np.ones_like(z)))) == []
    flat = pieces((6, 5), "identity")
    wrong = by_hand(flat, lambda l, z, a: relu_step(z) if l == 1 else np.ones_like(z))  # a mask at layer 1
    assert suspects(flat, wrong) == [1] and list(per_layer_hypotheses(flat, wrong)) == []
    p = pieces()
    assert list(per_layer_hypotheses(p, p.true)) == []
