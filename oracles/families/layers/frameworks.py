"""Each kind of layer in torch (``torch.nn.functional``) and in JAX (``jax.lax``, ``jax.nn``), in
each framework's own idiom, in float64: the layer's output on the harness's arrays, and the
framework's vector-Jacobian product with the same ``dout``. Our code, not the user's: it runs in
the judge, and never calls the user's forward.

Each rewrite is ``fn(arrays, hyper) -> tuple of outputs`` over the framework's arrays (integer
arrays as integers); :func:`torch_layer` and :func:`jax_layer` differentiate it with respect to
the kind's ``grads``.
"""
from __future__ import annotations

import itertools
import threading

import numpy as np

# JAX keeps what it compiles, for every new shape, each executable holding memory maps of its own
# (about 30 for a small RNN step): over a long fuzz or a class's gradebook they would run the judge
# out of maps (vm.max_map_count, 65,530; JAX's compiler then fails, "Cannot allocate memory"; an
# LSTM written with lax.scan did so within 480 points, compiling anew at every call). The caches are
# cleared every JAX_CLEAR_EVERY calls, under a lock that no other thread's vjp holds meanwhile.
JAX_CLEAR_EVERY = 100
_JAX_CALLS = itertools.count(1)
_JAX_LOCK = threading.Lock()


def _torch_rewrites():
    import torch
    import torch.nn.functional as F

    def lstm(a, h):
        i, f, o, g = (a["x"] @ a["Wx"] + a["prev_h"] @ a["Wh"] + a["b"]).chunk(4, dim=1)
        c = torch.sigmoid(f) * a["prev_c"] + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def over_time(step):
        def fn(a, h):
            prev, c, hs = a["h0"], torch.zeros_like(a["h0"]), []
            for t in range(a["x"].shape[1]):
                prev, c = step(a["x"][:, t], prev, c, a)
                hs.append(prev)
            return (torch.stack(hs, dim=1),)
        return fn

    def rnn_step(x, prev, c, a):
        return torch.tanh(x @ a["Wx"] + prev @ a["Wh"] + a["b"]), c

    def lstm_step(x, prev, c, a):
        return lstm({"x": x, "prev_h": prev, "prev_c": c, "Wx": a["Wx"], "Wh": a["Wh"], "b": a["b"]}, None)

    def temporal_softmax(a, h):
        N, T, V = a["x"].shape
        rows = F.cross_entropy(a["x"].reshape(N * T, V), a["y"].reshape(-1), reduction="none")
        return ((rows * a["mask"].reshape(-1)).sum() / N,)

    def batchnorm(a, h):
        if h.get("mode") == "test":
            running = [torch.tensor(h[k], dtype=torch.float64) for k in ("running_mean", "running_var")]
            return (F.batch_norm(a["x"], *running, a["gamma"], a["beta"], training=False, eps=h["eps"]),)
        return (F.batch_norm(a["x"], None, None, a["gamma"], a["beta"], training=True, eps=h["eps"]),)

    def svm(a, h):
        x = a["x"]
        return (F.multi_margin_loss(x, a["y"], p=1, margin=1.0) * x.shape[1],)  # torch divides by C too

    return {
        "affine": lambda a, h: (F.linear(a["x"].reshape(a["x"].shape[0], -1), a["w"].T, a["b"]),),
        "relu": lambda a, h: (F.relu(a["x"]),),
        "sigmoid": lambda a, h: (torch.sigmoid(a["x"]),),
        "tanh": lambda a, h: (torch.tanh(a["x"]),),
        "leaky_relu": lambda a, h: (F.leaky_relu(a["x"], h["alpha"]),),
        "softmax_loss": lambda a, h: (F.cross_entropy(a["x"], a["y"]),),
        "svm_loss": svm,
        "batchnorm": batchnorm,
        "spatial_batchnorm": batchnorm,
        "layernorm": lambda a, h: (F.layer_norm(a["x"], a["x"].shape[-1:], a["gamma"], a["beta"], eps=h["eps"]),),
        "dropout": lambda a, h: (a["x"] * a["mask"] / h["p"],) if "mask" in a else (a["x"],),
        "conv": lambda a, h: (F.conv2d(a["x"], a["w"], a["b"], stride=h["stride"], padding=h["pad"]),),
        "max_pool": lambda a, h: (F.max_pool2d(a["x"], (h["pool_height"], h["pool_width"]), stride=h["stride"]),),
        "avg_pool": lambda a, h: (F.avg_pool2d(a["x"], (h["pool_height"], h["pool_width"]), stride=h["stride"]),),
        "rnn_step": lambda a, h: (torch.tanh(a["x"] @ a["Wx"] + a["prev_h"] @ a["Wh"] + a["b"]),),
        "lstm_step": lstm,
        "rnn": over_time(rnn_step),
        "lstm": over_time(lstm_step),
        "embedding": lambda a, h: (F.embedding(a["x"], a["W"]),),
        "temporal_affine": lambda a, h: (F.linear(a["x"], a["w"].T, a["b"]),),
        "temporal_softmax_loss": temporal_softmax,
    }


def _jax_rewrites():
    import jax
    import jax.numpy as jnp
    from jax import lax

    def conv(a, h):
        # at stride 1, then every stride-th output: the same layer, and a vjp that avoids XLA's strided
        # conv transpose (whose algebraic simplifier aborts the process on some small shapes, jaxlib 0.10)
        p, s = h["pad"], h["stride"]
        out = lax.conv_general_dilated(a["x"], a["w"], (1, 1), [(p, p), (p, p)],
                                       dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return (out[:, :, ::s, ::s] + a["b"][None, :, None, None],)

    def pool(init, op, divide):
        def fn(a, h):
            window = (1, 1, h["pool_height"], h["pool_width"])
            out = lax.reduce_window(a["x"], init, op, window, (1, 1, h["stride"], h["stride"]), "VALID")
            return (out / (h["pool_height"] * h["pool_width"]) if divide else out,)
        return fn

    def softmax_loss(a, h):
        picked = jnp.take_along_axis(jax.nn.log_softmax(a["x"], axis=1), a["y"][:, None], axis=1)
        return (-jnp.mean(picked),)

    def svm(a, h):
        x, y = a["x"], a["y"]
        correct = jnp.take_along_axis(x, y[:, None], axis=1)
        margins = jnp.where(jax.nn.one_hot(y, x.shape[1]) > 0, 0.0, jax.nn.relu(x - correct + 1.0))
        return (jnp.sum(margins) / x.shape[0],)

    def lstm(a, h):
        i, f, o, g = jnp.split(a["x"] @ a["Wx"] + a["prev_h"] @ a["Wh"] + a["b"], 4, axis=1)
        c = jax.nn.sigmoid(f) * a["prev_c"] + jax.nn.sigmoid(i) * jnp.tanh(g)
        return jax.nn.sigmoid(o) * jnp.tanh(c), c

    def over_time(step):
        def fn(a, h):
            prev, c, hs = a["h0"], jnp.zeros_like(a["h0"]), []
            for t in range(a["x"].shape[1]):  # a Python loop, not lax.scan: eager, each op compiled once per shape
                prev, c = step(a["x"][:, t], prev, c, a)
                hs.append(prev)
            return (jnp.stack(hs, axis=1),)
        return fn

    def rnn_step(x, prev, c, a):
        return jnp.tanh(x @ a["Wx"] + prev @ a["Wh"] + a["b"]), c

    def lstm_step(x, prev, c, a):
        return lstm({"x": x, "prev_h": prev, "prev_c": c, "Wx": a["Wx"], "Wh": a["Wh"], "b": a["b"]}, None)

    def temporal_softmax(a, h):
        logp = jnp.take_along_axis(jax.nn.log_softmax(a["x"], axis=-1), a["y"][..., None], axis=-1)[..., 0]
        return (-jnp.sum(logp * a["mask"]) / a["x"].shape[0],)

    def norm(axis):
        return lambda a, h: (jax.nn.standardize(a["x"], axis=axis, epsilon=h["eps"]) * a["gamma"] + a["beta"],)

    def batchnorm(a, h):
        x = a["x"]
        per = (1, x.shape[1]) + (1,) * (x.ndim - 2)  # one value per feature (channel): axis 1
        if h.get("mode") == "test":
            mean, var = jnp.asarray(h["running_mean"]).reshape(per), jnp.asarray(h["running_var"]).reshape(per)
            x_hat = (x - mean) / jnp.sqrt(var + h["eps"])
        else:
            x_hat = jax.nn.standardize(x, axis=(0, *range(2, x.ndim)), epsilon=h["eps"])
        return (x_hat * a["gamma"].reshape(per) + a["beta"].reshape(per),)

    return {
        "affine": lambda a, h: (a["x"].reshape(a["x"].shape[0], -1) @ a["w"] + a["b"],),
        "relu": lambda a, h: (jax.nn.relu(a["x"]),),
        "sigmoid": lambda a, h: (jax.nn.sigmoid(a["x"]),),
        "tanh": lambda a, h: (jnp.tanh(a["x"]),),
        "leaky_relu": lambda a, h: (jax.nn.leaky_relu(a["x"], h["alpha"]),),
        "softmax_loss": softmax_loss,
        "svm_loss": svm,
        "batchnorm": batchnorm,
        "spatial_batchnorm": batchnorm,
        "layernorm": norm(-1),
        "dropout": lambda a, h: (a["x"] * a["mask"] / h["p"],) if "mask" in a else (a["x"],),
        "conv": conv,
        "max_pool": pool(-jnp.inf, lax.max, False),
        "avg_pool": pool(0.0, lax.add, True),
        "rnn_step": lambda a, h: (jnp.tanh(a["x"] @ a["Wx"] + a["prev_h"] @ a["Wh"] + a["b"]),),
        "lstm_step": lstm,
        "rnn": over_time(rnn_step),
        "lstm": over_time(lstm_step),
        "embedding": lambda a, h: (jnp.take(a["W"], a["x"], axis=0),),
        "temporal_affine": lambda a, h: (a["x"] @ a["w"] + a["b"],),
        "temporal_softmax_loss": temporal_softmax,
    }


def torch_layer(kind, arrays: dict, hyper: dict, douts=None):
    """``(outputs, grads)``: torch's outputs, and with ``douts`` its vjp (``{name: array}``, float64)."""
    import torch

    fn = _torch_rewrites()[kind.name]
    t = {k: torch.tensor(v, dtype=torch.float64 if k in kind.grads else torch.int64, requires_grad=k in kind.grads)
         for k, v in arrays.items()}
    outs = fn(t, hyper)
    values = [o.detach().numpy().astype(np.float64) for o in outs]
    if douts is None:
        return values, None
    cotangents = [torch.tensor(np.asarray(d, dtype=np.float64).reshape(o.shape)) for d, o in zip(douts, outs)]
    grads = torch.autograd.grad(outs, [t[k] for k in kind.grads], cotangents)  # every kind uses each of its grads
    return values, {k: g.numpy().astype(np.float64) for k, g in zip(kind.grads, grads)}


def jax_layer(kind, arrays: dict, hyper: dict, douts=None):
    """As :func:`torch_layer`, by ``jax.vjp`` in float64 (``jax.enable_x64``)."""
    import jax
    import jax.numpy as jnp

    fn = _jax_rewrites()[kind.name]
    with _JAX_LOCK, jax.enable_x64(True):
        if next(_JAX_CALLS) % JAX_CLEAR_EVERY == 0:
            jax.clear_caches()
        fixed = {k: jnp.asarray(v) for k, v in arrays.items() if k not in kind.grads}
        primals = [jnp.asarray(arrays[k], dtype=jnp.float64) for k in kind.grads]
        outs, pull = jax.vjp(lambda *p: fn({**fixed, **dict(zip(kind.grads, p))}, hyper), *primals)
        values = [np.asarray(o, dtype=np.float64) for o in outs]
        if douts is None:
            return values, None
        cotangents = tuple(jnp.asarray(np.asarray(d, dtype=np.float64).reshape(o.shape)) for d, o in zip(douts, outs))
        grads = pull(cotangents)
        return values, {k: np.asarray(g, dtype=np.float64) for k, g in zip(kind.grads, grads)}


FRAMEWORKS = {"torch": torch_layer, "jax": jax_layer}


def running_averages(arrays: dict, hyper: dict) -> dict:
    """Batch norm's ``bn_param`` after one training call from none, as the course keeps it, in torch:
    ``running = momentum * running + (1 - momentum) * batch`` from zeros; ``F.batch_norm`` updates the
    mean so (its momentum is 1 - the course's), and the variance is the batch's biased one (torch's
    own running variance is the unbiased)."""
    import torch
    import torch.nn.functional as F

    x = torch.tensor(arrays["x"], dtype=torch.float64)
    mean, var = torch.zeros(x.shape[1], dtype=torch.float64), torch.zeros(x.shape[1], dtype=torch.float64)
    F.batch_norm(x, mean, var, training=True, momentum=1 - hyper["momentum"], eps=hyper["eps"])
    over = (0, *range(2, x.dim()))  # every axis but the features' (channels')
    return {"running_mean": mean.numpy(),
            "running_var": (1 - hyper["momentum"]) * x.var(dim=over, unbiased=False).numpy()}
