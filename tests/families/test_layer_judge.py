"""The layers family's judge in this process, the two workers' ops called here (family_fakes):
points drawn, judged against finite differences, torch and JAX; the frameworks' rewrites against
NumPy; the mistakes named."""
from __future__ import annotations

import numpy as np
import pytest

from family_fakes import LayerSide, Pair
from oracles import registry
from oracles.families.layers import directions as along
from oracles.families.layers import run as layer_run
from oracles.families.layers.frameworks import jax_layer, running_averages, torch_layer
from oracles.families.layers.kinds import GRID, KINDS
from oracles.families.layers.laws import DETERMINISM, LINEARITY
from oracles.families.layers.mistakes import diagnose as layer_diagnose
from oracles.families.layers.mistakes import diagnose_forward
from oracles.families.layers.report import TIES, LayerPoint



def _judged(kind, forward, backward, seed=0, second=False, laws=False, **given):
    import importlib

    kind = KINDS[kind]
    module = importlib.import_module(f"candidates.layers.{forward[0]}")
    fwd = getattr(module, forward[1])
    back = fwd if backward is None else getattr(module, backward)
    point = layer_run._draw(kind, seed, given, second=second)
    bside = Pair(None if kind.loss else fwd, back)
    return layer_run._judge(kind, LayerSide(fwd), bside, point, laws=laws), bside, point


def test_a_correct_relu_passes_every_oracle_at_both_points_and_the_grid_point_has_kinks():
    for second in (False, True):
        result, _, point = _judged("relu", ("relu", "relu_forward"), "relu_backward", second=second)
        assert result.passed and result.violation is None and not result.not_the_layer
        assert set(result.checks["dx"]) == {registry.DIFFERENCES, "torch", "jax"}
        assert [a[2] for a in result.agreement] == [True, True]
        assert result.losses["sum(out * dout)"] == pytest.approx(float(np.sum(np.maximum(point["arrays"]["x"], 0)
                                                                             * point["douts"][0])))
        assert result.shapes == {"dx": (point["arrays"]["x"].shape, "float64")}
        assert ("on a grid" in point["about"]) == second
        if second:
            assert (point["arrays"]["x"] == np.round(point["arrays"]["x"])).all()
            assert result.checks["dx"][registry.DIFFERENCES].kinks > 0


def test_a_relu_backward_without_its_mask_fails_and_is_named():
    result, _, _ = _judged("relu", ("relu", "relu_forward"), "relu_backward_no_mask")
    assert not result.passed and not result.checks["dx"]["torch"].passed
    assert any("[relu-no-mask]" in line for line in result.diagnosis)


def test_a_forward_that_is_not_the_layer_is_said_and_diagnosed_and_its_own_gradient_is_told_apart():
    result, _, _ = _judged("affine", ("affine", "affine_forward_no_bias"), "affine_backward_no_bias")
    assert result.not_the_layer and not result.passed
    assert any("[affine-no-bias]" in line for line in result.diagnosis)
    assert result.failure_lines()[0].startswith("forward: your forward is not the layer affine")
    assert "(also against jax)" in result.failure_lines()[0]
    assert result.consensus_line().startswith("finite differences of your forward agree with your backward")


def test_a_drawn_point_says_its_hyper_parameters_shapes_and_grid():
    point = layer_run._draw(KINDS["conv"], 5, {}, second=True)
    assert point["name"] == "seed 5" and point["hyper"] == {"stride": 1, "pad": 0} and point["seed"] == 5
    assert point["about"].startswith("conv_param {'stride': 1, 'pad': 0}, x (2, ")
    assert point["directions"] == 0 and len(point["douts"]) == 1
    relu = layer_run._draw(KINDS["relu"], 1, {}, second=True)
    assert relu["about"].endswith(f"x on a grid of {GRID} (exact zeros and ties)") and relu["about"].startswith("x (")
    test_mode = layer_run._draw(KINDS["dropout"], 0, {"mode": "test"}, second=False)
    assert test_mode["name"] == "seed 0 (mode test)" and "dropout_param" in test_mode["about"]
    loss = layer_run._draw(KINDS["svm_loss"], 0, {}, second=False)
    assert loss["douts"][0].shape == () and loss["douts"][0] == 1.0
    many = layer_run._draw(KINDS["relu"], 1, {}, second=True, directions=3)
    assert many["directions"] == 3 and "on a grid" not in many["about"]
    assert many["about"].endswith("differenced along 3 random directions per array")


def test_max_pool_ties_are_checked_by_their_sum_and_an_every_tie_backward_fails_it():
    good, _, _ = _judged("max_pool", ("pool", "max_pool_forward_naive"), "max_pool_backward_naive", second=True)
    assert TIES in good.checks and good.checks[TIES][registry.DIFFERENCES].passed and good.passed
    assert good.shapes[TIES][0][0] > 0
    bad, _, _ = _judged("max_pool", ("pool", "max_pool_forward_naive"), "max_pool_backward_every_tie", second=True)
    assert not bad.checks[TIES][registry.DIFFERENCES].passed
    assert any("tied maxima" in line for line in bad.failure_lines())


def test_batchnorm_keeps_its_running_averages_and_test_mode_checks_the_forward_alone():
    result, _, point = _judged("batchnorm", ("norms", "batchnorm_forward"), "batchnorm_backward_alt")
    assert result.passed and set(result.forward_checks) >= {"bn_param['running_mean']", "bn_param['running_var']"}
    expected = running_averages(point["arrays"], point["hyper"])
    x = point["arrays"]["x"]
    assert np.allclose(expected["running_mean"], 0.1 * x.mean(axis=0))
    assert np.allclose(expected["running_var"], 0.1 * x.var(axis=0))
    test, _, _ = _judged("batchnorm", ("norms", "batchnorm_forward"), "batchnorm_backward_alt", mode="test")
    assert test.passed and test.checks == {} and "bn_param['running_var']" in test.forward_checks
    swapped, _, _ = _judged("batchnorm", ("norms", "batchnorm_forward_momentum_swapped"), "batchnorm_backward_alt")
    assert swapped.not_the_layer and not swapped.forward_checks["bn_param['running_mean']"]["torch"].passed


def test_running_averages_missing_or_misshapen_are_not_the_layer():
    arrays = {"x": np.random.default_rng(0).standard_normal((4, 3))}
    hyper = {"mode": "train", "eps": 1e-5, "momentum": 0.9}
    missing = LayerPoint("p", kind="batchnorm")
    layer_run._running(missing, {}, arrays, hyper)
    assert missing.forward_shape.startswith("bn_param['running_mean'] after the call is missing: training mode")
    wrong = LayerPoint("p", kind="batchnorm")
    layer_run._running(wrong, {"running_mean": {"array": np.zeros(4)}}, arrays, hyper)
    assert "of shape (4,)" in wrong.forward_shape and wrong.forward_shape.endswith("shape (3,)")
    test = {**hyper, "mode": "test", "running_mean": np.ones(3), "running_var": np.full(3, 2.0)}
    kept = LayerPoint("p", kind="batchnorm")
    layer_run._running(kept, {"running_mean": {"array": np.ones(3)}, "running_var": {"array": np.full(3, 2.0)}},
                       arrays, test)
    assert kept.forward_shape is None and not kept.not_the_layer
    moved = LayerPoint("p", kind="batchnorm")
    layer_run._running(moved, {"running_mean": {"array": np.zeros(3)}, "running_var": {"array": np.full(3, 2.0)}},
                       arrays, test)
    assert moved.not_the_layer


def test_with_the_laws_an_accumulating_backward_breaks_determinism_and_a_correct_one_keeps_both():
    result, bside, _ = _judged("affine", ("affine", "affine_forward"), "affine_backward", laws=True)
    assert result.passed and result.laws == [] and bside.calls == 3  # the pair, again, and at 2 dout
    acc, _, _ = _judged("affine", ("affine", "affine_forward"), "affine_backward_accumulates", laws=True)
    assert acc.laws and acc.laws[0].startswith(f"law {DETERMINISM}: ") and not acc.passed
    clipped, _, _ = _judged("affine", ("affine", "affine_forward"), "affine_backward_clipped", laws=True)
    assert any(line.startswith(f"law {LINEARITY}: ") for line in clipped.laws)
    plain, bside, _ = _judged("affine", ("affine", "affine_forward"), "affine_backward_accumulates")
    assert plain.laws == [] and bside.calls == 1


def _numpy_layer(name, a, h):
    """A few kinds written out in NumPy: what torch's and JAX's rewrites must compute."""
    x = a["x"]
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "affine":
        return x.reshape(x.shape[0], -1) @ a["w"] + a["b"]
    if name == "leaky_relu":
        return np.where(x > 0, x, h["alpha"] * x)
    if name == "softmax_loss":
        z = x - x.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -logp[np.arange(len(x)), a["y"]].mean()
    if name == "svm_loss":
        correct = x[np.arange(len(x)), a["y"]][:, None]
        m = np.maximum(0, x - correct + 1.0)
        m[np.arange(len(x)), a["y"]] = 0
        return m.sum() / len(x)
    if name == "temporal_softmax_loss":
        z = x - x.max(axis=2, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
        picked = np.take_along_axis(logp, a["y"][..., None], axis=2)[..., 0]
        return -(picked * a["mask"]).sum() / x.shape[0]
    if name == "layernorm":
        return (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + h["eps"]) * a["gamma"] + a["beta"]
    if name == "batchnorm":
        if h["mode"] == "test":
            return (x - h["running_mean"]) / np.sqrt(h["running_var"] + h["eps"]) * a["gamma"] + a["beta"]
        return (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + h["eps"]) * a["gamma"] + a["beta"]
    if name == "spatial_batchnorm":
        if h["mode"] == "test":
            m, v = h["running_mean"][None, :, None, None], h["running_var"][None, :, None, None]
        else:
            m, v = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
        return (x - m) / np.sqrt(v + h["eps"]) * a["gamma"][None, :, None, None] + a["beta"][None, :, None, None]
    if name == "dropout":
        return x * a["mask"] / h["p"] if "mask" in a else x
    if name in ("max_pool", "avg_pool"):
        ph, pw, s = h["pool_height"], h["pool_width"], h["stride"]
        Ho, Wo = 1 + (x.shape[2] - ph) // s, 1 + (x.shape[3] - pw) // s
        out = np.empty(x.shape[:2] + (Ho, Wo))
        for i in range(Ho):
            for j in range(Wo):
                win = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
                out[:, :, i, j] = win.max(axis=(2, 3)) if name == "max_pool" else win.mean(axis=(2, 3))
        return out
    if name == "conv":
        p, s = h["pad"], h["stride"]
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        F, _, HH, WW = a["w"].shape
        Ho, Wo = 1 + (xp.shape[2] - HH) // s, 1 + (xp.shape[3] - WW) // s
        out = np.empty((x.shape[0], F, Ho, Wo))
        for i in range(Ho):
            for j in range(Wo):
                win = xp[:, None, :, i * s:i * s + HH, j * s:j * s + WW]
                out[:, :, i, j] = (win * a["w"][None]).sum(axis=(2, 3, 4)) + a["b"]
        return out
    if name == "embedding":
        return a["W"][a["x"]]
    if name == "temporal_affine":
        return x @ a["w"] + a["b"]
    raise KeyError(name)


def _sig(v):
    return 1 / (1 + np.exp(-v))


def _recurrent(name, a):
    if name == "rnn_step":
        return [np.tanh(a["x"] @ a["Wx"] + a["prev_h"] @ a["Wh"] + a["b"])]
    if name == "lstm_step":
        H = a["prev_h"].shape[1]
        z = a["x"] @ a["Wx"] + a["prev_h"] @ a["Wh"] + a["b"]
        c = _sig(z[:, H:2 * H]) * a["prev_c"] + _sig(z[:, :H]) * np.tanh(z[:, 3 * H:])
        return [_sig(z[:, 2 * H:3 * H]) * np.tanh(c), c]
    prev, c, hs = a["h0"], np.zeros_like(a["h0"]), []
    for t in range(a["x"].shape[1]):
        step = {"x": a["x"][:, t], "prev_h": prev, "prev_c": c, "Wx": a["Wx"], "Wh": a["Wh"], "b": a["b"]}
        if name == "rnn":
            prev = _recurrent("rnn_step", step)[0]
        else:
            prev, c = _recurrent("lstm_step", step)
        hs.append(prev)
    return [np.stack(hs, axis=1)]


@pytest.mark.parametrize("name", list(KINDS))
def test_torch_and_jax_compute_each_kind_as_numpy_does_and_their_vjps_agree(name):
    kind = KINDS[name]
    recurrent = name in ("rnn_step", "lstm_step", "rnn", "lstm")  # their second point is drawn as the first
    for second in (False,) if recurrent else (False, True):
        rng = np.random.default_rng(11)
        hyper = kind.hyper(rng, {"mode": "test"} if kind.forward_only and second else {}, second)
        arrays = kind.draw(rng, hyper, False)
        if kind.fill is not None:
            hyper = kind.fill(rng, hyper, arrays)
        if kind.statistical and second:
            arrays["mask"] = rng.random(arrays["x"].shape) < hyper["p"]
        outs, _ = torch_layer(kind, arrays, hyper)
        douts = [rng.standard_normal(o.shape) for o in outs]
        t_outs, t_grads = torch_layer(kind, arrays, hyper, douts)
        j_outs, j_grads = jax_layer(kind, arrays, hyper, douts)
        want = _recurrent(name, arrays) if name in ("rnn_step", "lstm_step", "rnn", "lstm") else \
            [_numpy_layer(name, arrays, hyper)]
        assert len(t_outs) == len(j_outs) == len(want) == len(kind.outputs)
        for mine, theirs, w in zip(t_outs, j_outs, want):
            assert mine.shape == np.shape(w) and np.allclose(mine, w, rtol=1e-10, atol=1e-12), name
            assert np.allclose(theirs, w, rtol=1e-10, atol=1e-12), name
        assert set(t_grads) == set(j_grads) == set(kind.grads)
        for k in kind.grads:
            assert t_grads[k].shape == arrays[k].shape and t_grads[k].dtype == np.float64
            assert np.allclose(t_grads[k], j_grads[k], rtol=1e-9, atol=1e-11), (name, k)
        assert torch_layer(kind, arrays, hyper)[1] is None and jax_layer(kind, arrays, hyper)[1] is None


def test_the_vjp_is_of_the_layers_output_with_dout():
    kind = KINDS["affine"]
    rng = np.random.default_rng(3)
    arrays = kind.draw(rng, {}, False)
    dout = rng.standard_normal((arrays["x"].shape[0], arrays["b"].shape[0]))
    for fn in (torch_layer, jax_layer):
        _, g = fn(kind, arrays, {}, [dout])
        flat = arrays["x"].reshape(arrays["x"].shape[0], -1)
        assert np.allclose(g["w"], flat.T @ dout) and np.allclose(g["b"], dout.sum(axis=0))
        assert np.allclose(g["x"], (dout @ arrays["w"].T).reshape(arrays["x"].shape))


def test_the_running_averages_follow_the_courses_momentum():
    x = np.random.default_rng(2).standard_normal((5, 2, 3, 4))
    got = running_averages({"x": x}, {"momentum": 0.7, "eps": 1e-5})
    assert np.allclose(got["running_mean"], 0.3 * x.mean(axis=(0, 2, 3)))
    assert np.allclose(got["running_var"], 0.3 * x.var(axis=(0, 2, 3)))


# the layer mistakes ---------------------------------------------------------------------------------


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
    right = [_numpy_layer("layernorm", arrays, hyper)]
    x = arrays["x"]
    unbiased = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, ddof=1, keepdims=True) + 1e-5) \
        * arrays["gamma"] + arrays["beta"]
    assert diagnose_forward(kind, arrays, hyper, [unbiased], right)[0].endswith("[layernorm-unbiased-variance]")
    assert diagnose_forward(kind, arrays, hyper, right, right) == []
    assert diagnose_forward(KINDS["relu"], arrays, hyper, right, right) == []
    assert diagnose_forward(KINDS["dropout"], {"x": x}, {"p": 0.5}, [x], [x]) == []  # no mask: KeyError passed


# the layers family's report -------------------------------------------------------------------------


def _sides(forward, backward):
    import importlib

    module = importlib.import_module(f"candidates.layers.{forward[0]}")
    fwd = getattr(module, forward[1])
    return LayerSide(fwd), Pair(fwd, getattr(module, backward))


def test_fuzz_draws_more_points_until_one_fails_and_names_the_seed_that_replays_it():
    kind = KINDS["relu"]
    fside, bside = _sides(("relu", "relu_forward"), "relu_backward")
    results = []
    passed = layer_run._fuzz(kind, fside, bside, {}, 3, 2, results)
    assert passed == {"passed": True, "examples": 2, "summary": "2 more points drawn (seeds 5 to 6): every check agrees"}
    assert results == []
    fside, bside = _sides(("relu", "relu_forward"), "relu_backward_no_mask")
    failed = layer_run._fuzz(kind, fside, bside, {}, 3, 4, results)
    assert failed["passed"] is False and failed["examples"] == 1 and failed["seed"] == 5
    assert failed["replay"] == "--seed 5" and "(seed 5)" in failed["summary"]
    assert len(results) == 1 and results[0].name == "fuzz 1: seed 5" and not results[0].passed


def test_fuzz_replays_a_second_point_from_its_first_seed_and_a_broken_law_with_the_laws_on():
    from candidates.layers.relu import relu_forward

    def five_at_zero(dout, cache):  # relu'(0) = 5: outside [0, 1], seen only where x is exactly 0 (on the grid)
        return dout * np.where(cache == 0, 5.0, cache > 0)

    results = []
    got = layer_run._fuzz(KINDS["relu"], LayerSide(relu_forward), Pair(relu_forward, five_at_zero), {}, 0, 4, results)
    assert got["passed"] is False and got["examples"] == 2 and got["seed"] == 3 and got["replay"] == "--seed 2"
    assert results[0].name == "fuzz 2: seed 3 (second point)"
    fside, bside = _sides(("affine", "affine_forward"), "affine_backward_accumulates")
    results = []
    law = layer_run._fuzz(KINDS["affine"], fside, bside, {}, 0, 3, results)
    assert law["passed"] is False and law["replay"] == "--fuzz 1 --seed 2" and results[0].laws


def test_random_directions_hold_the_gradients_projections_and_the_frameworks_every_entry():
    kind = KINDS["affine"]
    point = layer_run._draw(kind, 0, {}, second=False, directions=4)
    fside, bside = _sides(("affine", "affine_forward"), "affine_backward")
    result = layer_run._judge(kind, fside, bside, point)
    assert result.passed and set(result.checks) == {"dx", "dw", "db"}
    assert np.size(result.checks["dw"][registry.DIFFERENCES].ratios) == 4  # four directions, not every entry
    assert np.size(result.checks["dw"]["torch"].ratios) == point["arrays"]["w"].size
    assert [a[:2] for a in result.agreement] == [(registry.DIFFERENCES, "torch"), (registry.DIFFERENCES, "jax")]
    assert all(a[2] for a in result.agreement) and result.losses["sum(out * dout)"] != 0
    fside, bside = _sides(("affine", "affine_forward"), "affine_backward_db_mean")
    bad = layer_run._judge(kind, fside, bside, point)
    assert not bad.checks["db"][registry.DIFFERENCES].passed and not bad.checks["db"]["torch"].passed
    assert bad.checks["dw"][registry.DIFFERENCES].passed


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


# check_layer with both workers' ops in this process ------------------------------------------------

from pathlib import Path  # noqa: E402

from family_fakes import LayerForwardHere, PairHere  # noqa: E402
from oracles.families.forward.points import ForwardError  # noqa: E402

LAYERS = Path(__file__).resolve().parent.parent / "candidates" / "layers"


def _at(file, name):
    return f"{LAYERS / file}.py:{name}"


@pytest.fixture
def here(monkeypatch):
    made = []

    def keep(cls):
        def make(*a, **kw):
            side = cls(*a, **kw)
            made.append(side)
            return side
        return make

    monkeypatch.setattr(layer_run, "LayerForwardSide", keep(LayerForwardHere))
    monkeypatch.setattr(layer_run, "PairSide", keep(PairHere))
    return made


def test_check_layer_draws_two_points_judges_each_and_closes_both_workers(here):
    report = layer_run.check_layer("relu", _at("relu", "relu_forward"), _at("relu", "relu_backward"), seed=3,
                                   timeout=5.0)
    assert report.passed and report.kind == "relu" and [p.name for p in report.points] == ["seed 3", "seed 4"]
    assert report.oracles == [registry.DIFFERENCES, "torch", "jax"] and report.fd_mode == layer_run.FD_MODE
    assert report.points_from == "drawn at seeds 3, 4" and report.data == {"source": "drawn (seeds 3, 4)"}
    assert report.candidate.endswith("relu.py:relu_backward") and report.forward.endswith("relu.py:relu_forward")
    assert report.fuzz is None and set(report.versions) == {"numpy", "torch", "jax"}
    assert "on a grid" in report.points[1].about and "on a grid" not in report.points[0].about
    assert len(here) == 2 and all(side.closed for side in here) and here[0].options == {"timeout": 5.0, "memory": None}
    assert here[1].forward is not None


def test_a_loss_kind_is_one_function_and_another_kind_needs_its_backward(here):
    report = layer_run.check_layer("svm_loss", _at("losses", "svm_loss"))
    assert report.passed and here[1].forward is None and here[1].name == report.candidate
    with pytest.raises(ForwardError, match=r"^relu needs a backward: --candidate FILE.py:relu_backward$"):
        layer_run.check_layer("relu", _at("relu", "relu_forward"))
    bad = layer_run.check_layer(KINDS["svm_loss"], _at("losses", "svm_loss_correct_class_missing"))
    assert not bad.passed


def test_a_kinds_further_points_and_fixed_hyper_parameters_are_drawn(here):
    report = layer_run.check_layer("dropout", _at("dropout", "dropout_forward"), _at("dropout", "dropout_backward"),
                                   layer_args={"p": 0.6})
    assert [p.name for p in report.points] == ["seed 0", "seed 1", "seed 0 (mode test)"] and report.passed
    assert all("'p': 0.6" in p.about for p in report.points)
    conv = layer_run.check_layer("conv", _at("conv", "conv_forward_naive"), _at("conv", "conv_backward_naive"),
                                 layer_args={"stride": 1}, pad=0)
    assert conv.passed and all("{'stride': 1, 'pad': 0}" in p.about for p in conv.points)


def test_directions_and_fuzz_say_so_in_the_report(here):
    report = layer_run.check_layer("affine", _at("affine", "affine_forward"), _at("affine", "affine_backward"),
                                   directions=3, fuzz=1)
    assert report.passed and report.fd_mode == layer_run.FD_DIRECTIONS.format(count=3)
    assert report.fuzz == {"passed": True, "examples": 1,
                           "summary": "1 more points drawn (seeds 2 to 2): every check agrees"}
