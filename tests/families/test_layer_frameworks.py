"""Each layer kind in torch and in JAX (oracles.families.layers.frameworks) against NumPy: the
outputs, the vector-Jacobian products, batch norm's running averages."""
from __future__ import annotations

import numpy as np
import pytest

from oracles.families.layers.frameworks import jax_layer, running_averages, torch_layer
from oracles.families.layers.kinds import KINDS


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
