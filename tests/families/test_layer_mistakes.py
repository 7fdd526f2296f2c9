"""The classic mistakes of a course's layers (oracles.families.layers.mistakes): each reproduces the
buggy backward (or forward) it names, and is named alone; constant factors named by what they are."""
from __future__ import annotations

import numpy as np
import pytest

from family_fakes import Pair
from oracles.families.layers import run as layer_run
from oracles.families.layers.frameworks import torch_layer
from oracles.families.layers.kinds import KINDS
from oracles.families.layers.mistakes import diagnose as layer_diagnose
from oracles.families.layers.mistakes import diagnose_forward


def test_a_constant_factor_of_a_layers_gradient_is_named_by_what_it_is():
    kind = KINDS["avg_pool"]
    x = np.ones((4, 2, 3, 3))
    right = {"x": np.arange(72.0).reshape(4, 2, 3, 3) + 1}
    hyper = {"pool_height": 3, "pool_width": 2, "stride": 1}
    douts = [np.ones((4, 2, 1, 2))]
    words = layer_diagnose(kind, {"x": x}, hyper, douts, {"x": 4 * right["x"]}, right)
    assert words == ["dx is 4 (N = 4) times the gradient at every entry [factor]"]
    words = layer_diagnose(kind, {"x": x}, hyper, douts, {"x": right["x"] / 6}, right)
    assert words == ["dx is 0.166667 (1 / the window's size (1/6)) times the gradient at every entry [factor]"]
    assert layer_diagnose(kind, {"x": x}, hyper, douts, {"x": right["x"] * 1.37}, right) == \
        ["dx is 1.37 times the gradient at every entry [factor]"]
    assert layer_diagnose(kind, {"x": x}, hyper, douts, {"x": right["x"]}, right) == []
    assert layer_diagnose(kind, {"x": x}, hyper, douts, {"x": right["x"] + np.eye(3)}, right) == []
    drop = layer_diagnose(KINDS["relu"], {"x": np.ones((3, 2))}, {"p": 0.5}, [np.ones((3, 2))], {"x": np.full((3, 2), 2.0)},
                          {"x": np.ones((3, 2))})
    assert drop == ["dx is 2 (1 / p (1/0.5)) times the gradient at every entry [factor]"]
    assert layer_diagnose(KINDS["relu"], {"x": np.ones((3, 2))}, {}, [np.ones((3, 2))], {"x": np.zeros((3, 2))},
                          {"x": np.zeros((3, 2))}) == []


def test_a_layer_mistake_is_named_only_where_it_differs_from_the_right_gradients():
    kind = KINDS["relu"]
    x = np.array([[1.0, -1.0]])
    dout = [np.array([[2.0, 3.0]])]
    right = {"x": np.array([[2.0, 0.0]])}
    assert layer_diagnose(kind, {"x": x}, {}, dout, {"x": dout[0]}, right)[0].endswith("[relu-no-mask]")
    positive = {"x": np.array([[2.0, 3.0]])}  # every x > 0: the mistake is the right gradient here
    assert layer_diagnose(kind, {"x": np.ones((1, 2))}, {}, dout, {"x": 2 * dout[0]}, positive) == \
        ["dx is 2 times the gradient at every entry [factor]"]


def test_a_forward_mistake_is_named_when_the_outputs_reproduce_it():
    kind = KINDS["layernorm"]
    rng = np.random.default_rng(0)
    arrays = {"x": rng.standard_normal((4, 5)), "gamma": rng.standard_normal(5), "beta": rng.standard_normal(5)}
    hyper = {"eps": 1e-5}
    right = torch_layer(kind, arrays, hyper)[0]
    x = arrays["x"]
    unbiased = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, ddof=1, keepdims=True) + 1e-5) \
        * arrays["gamma"] + arrays["beta"]
    assert diagnose_forward(kind, arrays, hyper, [unbiased], right)[0].endswith("[layernorm-unbiased-variance]")
    assert diagnose_forward(kind, arrays, hyper, right, right) == []
    assert diagnose_forward(KINDS["relu"], arrays, hyper, right, right) == []
    assert diagnose_forward(KINDS["dropout"], {"x": x}, {"p": 0.5}, [x], [x]) == []  # no mask: KeyError passed


def _answer(kind, file, forward, backward, seed, second=False, **given):
    """A drawn point, the candidate's outputs and gradients (the pair op, here), the arrays the
    frameworks see (dropout: with the mask its output shows) and torch's outputs and vjp."""
    import importlib

    module = importlib.import_module(f"candidates.layers.{file}")
    fwd = getattr(module, forward)
    point = layer_run._draw(kind, seed, given, second=second)
    pair = Pair(None if kind.loss else fwd, fwd if backward is None else getattr(module, backward))
    pair.layer = kind.message(point["hyper"])
    reply = pair.pair(point["arrays"], point["douts"]).returned
    outs = [np.asarray(o["array"] if "array" in o else o["float"], dtype=np.float64) for o in reply["outs"]]
    arrays = dict(point["arrays"])
    if kind.statistical:
        arrays["mask"] = outs[0] != 0
    grads = {k: g["array"] for k, g in zip(kind.grads, reply["grads"])}
    right_outs, right = torch_layer(kind, arrays, point["hyper"], point["douts"])
    return point, arrays, outs, grads, right_outs, right


@pytest.mark.parametrize("kind, file, forward, backward, named", [
    ("conv", "conv", "conv_forward_naive", "conv_backward_flipped_kernel", "conv-flipped-kernel"),
    ("conv", "conv", "conv_forward_naive", "conv_backward_stride_ignored", "conv-stride-ignored"),
    ("embedding", "embedding", "word_embedding_forward", "word_embedding_backward_overwrites", "embedding-overwrites"),
    ("max_pool", "pool", "max_pool_forward_naive", "max_pool_backward_every_position", "max-pool-every-position"),
    ("avg_pool", "pool", "avg_pool_forward_naive", "avg_pool_backward_not_divided", "avg-pool-not-divided"),
    ("batchnorm", "norms", "batchnorm_forward", "batchnorm_backward_no_mean_terms", "batchnorm-no-mean-terms"),
    ("dropout", "dropout", "dropout_forward", "dropout_backward_not_rescaled", "dropout-not-rescaled"),
    ("rnn_step", "recurrent", "rnn_step_forward", "rnn_step_backward_no_tanh_derivative", "rnn-step-no-tanh-derivative"),
    ("lstm_step", "recurrent", "lstm_step_forward", "lstm_step_backward_gate_g_sigmoid", "lstm-g-gate-sigmoid-derivative"),
    ("lstm_step", "recurrent", "lstm_step_forward", "lstm_step_backward_no_cell_tanh", "lstm-no-cell-tanh-derivative"),
    ("rnn", "recurrent", "rnn_forward", "rnn_backward_no_carry", "rnn-not-carried"),
    ("lstm", "recurrent", "lstm_forward", "lstm_backward_cell_not_carried", "lstm-cell-not-carried"),
], ids=lambda v: v if isinstance(v, str) and "-" in v else None)
def test_each_mistake_reproduces_the_buggy_backwards_gradients_and_is_named_alone(kind, file, forward, backward, named):
    from oracles.families.layers.mistakes import MISTAKES, _matches

    kind = KINDS[kind]
    point, arrays, _, grads, _, right = _answer(kind, file, forward, backward, seed=1)
    words = layer_diagnose(kind, arrays, point["hyper"], point["douts"], grads, right)
    assert [w for w in words if w.endswith("]")] == [w for w in words if w.endswith(f"[{named}]")] and words, words
    mistake = next(m for m in MISTAKES[kind.name] if m.id == named)
    theirs = mistake.grads(kind, arrays, point["hyper"], point["douts"], right)
    assert _matches(grads, theirs) and not _matches(theirs, right)
    assert set(theirs) == set(kind.grads)  # every gradient the backward returns, right or wrong


def _forward_only(kind, file, forward, given):
    """A drawn point, the candidate forward's outputs (called here as its worker calls it), the arrays
    the frameworks see (dropout: with the mask its output shows) and torch's outputs."""
    import copy
    import importlib

    from oracles import worker

    fwd = getattr(importlib.import_module(f"candidates.layers.{file}"), forward)
    point = layer_run._draw(kind, 2, given, second=False)
    layer = kind.message(point["hyper"])
    outs, _ = worker._layer_outputs(worker._layer_call(fwd, layer, point["arrays"], copy.deepcopy(point["hyper"])), layer)
    outs = [np.asarray(o, dtype=np.float64) for o in outs]
    arrays = dict(point["arrays"], **({"mask": outs[0] != 0} if kind.statistical else {}))
    return point, arrays, outs, torch_layer(kind, arrays, point["hyper"])[0]


@pytest.mark.parametrize("kind, forward, named, given", [
    ("batchnorm", "batchnorm_forward_unbiased", "batchnorm-unbiased-variance", {}),
    ("batchnorm", "batchnorm_forward_eps_outside", "batchnorm-eps-outside-sqrt", {"eps": 0.5}),
    ("batchnorm", "batchnorm_forward_batch_statistics_in_test", "batchnorm-batch-statistics-in-test-mode", {"mode": "test"}),
    ("batchnorm", "batchnorm_forward", None, {}),
    ("layernorm", "layernorm_forward", None, {}),
    ("spatial_batchnorm", "spatial_batchnorm_forward_no_transpose", "spatial-batchnorm-no-transpose", {}),
    ("dropout", "dropout_forward_not_rescaled", "dropout-forward-not-rescaled", {}),
], ids=lambda v: v if isinstance(v, str) and v.endswith(("_forward", "_unbiased", "_outside", "_test", "_transpose",
                                                          "_rescaled")) else None)
def test_each_forward_mistake_is_named_from_the_outputs_alone(kind, forward, named, given):
    kind = KINDS[kind]
    point, arrays, outs, right = _forward_only(kind, "dropout" if kind.name == "dropout" else "norms", forward, given)
    words = diagnose_forward(kind, arrays, point["hyper"], outs, right)
    if named is None:
        assert words == []
    else:
        assert len(words) == 1 and words[0].endswith(f"[{named}]"), words


def test_layernorm_forward_mistakes_are_named_from_its_outputs():
    kind = KINDS["layernorm"]
    rng = np.random.default_rng(5)
    arrays = {"x": rng.standard_normal((4, 6)), "gamma": rng.standard_normal(6), "beta": rng.standard_normal(6)}
    hyper = {"eps": 0.3}
    right = torch_layer(kind, arrays, hyper)[0]
    x = arrays["x"]
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    outside = (x - mean) / (np.sqrt(var) + 0.3) * arrays["gamma"] + arrays["beta"]
    words = diagnose_forward(kind, arrays, hyper, [outside], right)
    assert len(words) == 1 and words[0].endswith("[layernorm-eps-outside-sqrt]")
    assert diagnose_forward(KINDS["affine"], {"x": x, "w": np.ones((6, 2)), "b": np.ones(2)}, {}, [x @ np.ones((6, 2))],
                            [x @ np.ones((6, 2)) + 1])[0].endswith("[affine-no-bias]")


def test_layernorm_without_its_mean_terms_is_named():
    kind = KINDS["layernorm"]
    rng = np.random.default_rng(8)
    arrays = {"x": rng.standard_normal((4, 5)), "gamma": rng.standard_normal(5), "beta": rng.standard_normal(5)}
    hyper = {"eps": 1e-5}
    douts = [rng.standard_normal((4, 5))]
    right = torch_layer(kind, arrays, hyper, douts)[1]
    std = np.sqrt(arrays["x"].var(axis=1, keepdims=True) + 1e-5)  # each row's, not the batch's
    wrong = dict(right, x=douts[0] * arrays["gamma"] / std)
    words = layer_diagnose(kind, arrays, hyper, douts, wrong, right)
    assert len(words) == 1 and words[0].endswith("[layernorm-no-mean-terms]")
    batch_std = np.sqrt(arrays["x"].var(axis=0, keepdims=True) + 1e-5)
    other = dict(right, x=douts[0] * arrays["gamma"] / batch_std)
    assert not any("[layernorm-no-mean-terms]" in w for w in layer_diagnose(kind, arrays, hyper, douts, other, right))
