"""Deep networks, precision, noise, NaN origins and bias contracts: each rule held by a bug of its own.

None of these backwards is a held-out case (batch9 and batch11 measure the rules untouched); each
is written here from the mistake it makes, and the test asserts the ids the diagnosis names.
"""
import numpy as np

from oracles import worker
from oracles.candidate import InProcess
from oracles.harness import make_spec, run
from oracles.mistakes import ALL_IDS, name_product
from oracles.nan_origin import origin_finding


def causes(report) -> list:
    return list(dict.fromkeys(i for p in report.points for f in p.findings if f.cause for i in f.ids))


def words(report) -> str:
    return " ".join(d for p in report.points for d in p.diagnosis) + " " + " ".join(
        p.violation or "" for p in report.points)


def check(real, fn, hidden=(16,), activation="relu", convention="lesson"):
    spec = make_spec(real, tuple(hidden), activation, "float64", real.loss, "mean", 0.0, convention)
    return run(spec, real, InProcess("deep", fn), oracles=("torch",), convention=convention)


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


def forward(params, X, act):
    L = len(params) // 2
    zs, acts = [], [X]
    for l in range(1, L):
        zs.append(acts[-1] @ params[f"W{l}"] + params[f"b{l}"])
        acts.append(act(zs[-1]))
    return zs, acts, sigmoid(acts[-1] @ params[f"W{L}"] + params[f"b{L}"])


def layered(params, X, y, act, derivative, top=None):
    """A loop backward whose hidden derivative at layer l is ``derivative(l, z, a)``; ``top`` maps dz_L."""
    L = len(params) // 2
    zs, acts, y_hat = forward(params, X, act)
    dz = (y_hat - y) / len(X)
    dz = top(dz) if top else dz
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"], grads[f"b{l}"] = acts[l - 1].T @ dz, dz.sum(axis=0, keepdims=True)
        if l > 1:
            dz = dz @ params[f"W{l}"].T * derivative(l - 1, zs[l - 2], acts[l - 1])
    return grads


# ---------------------------------------------------------------- one hidden layer of several

def test_a_tanh_derivative_on_the_second_of_three_sigmoid_layers_is_named_at_that_layer(real):
    def fn(params, X, y):
        return layered(params, X, y, sigmoid, lambda l, z, a: 1 - a ** 2 if l == 2 else a * (1 - a))
    report = check(real, fn, (16, 16, 16), "sigmoid")
    assert causes(report) == ["derivative:tanh"]
    assert "hidden layer 2 only" in words(report)


def test_a_missing_mask_on_the_first_of_two_layers_beside_a_flipped_sign_is_named_as_both(real):
    def fn(params, X, y):
        return layered(params, X, y, lambda z: np.maximum(z, 0),
                       lambda l, z, a: np.ones_like(z) if l == 1 else (z > 0), top=lambda dz: -dz)
    report = check(real, fn, (16, 16))
    assert set(causes(report)) == {"mask:missing", "factor:-1"}
    assert "hidden layer 1 only" in words(report)


# ---------------------------------------------------------------- factors as products

def test_a_factor_is_read_as_a_product_of_n_powers_and_a_half_only_where_one_reading_fits():
    assert [ids for ids, _ in name_product(768 / 2, 768)] == [("factor:N", "factor:1/2")]
    assert [ids for ids, _ in name_product(2 / 768 ** 2, 768)] == [("factor:1/N^2", "factor:2")]
    assert [ids for ids, _ in name_product(-768 ** 3, 768)] == [("factor:-1", "factor:N^3")]
    assert name_product(5.0, 768) == [] and name_product(4.0, 2) == []
    assert {"factor:N^2", "factor:1/N^3"} <= set(ALL_IDS)


def test_a_gradient_scaled_by_n_at_every_layer_step_is_named_by_its_powers(real):
    def fn(params, X, y):  # da = dz @ W.T * N at each step: N, N^2 down the layers
        return layered(params, X, y, lambda z: np.maximum(z, 0), lambda l, z, a: (z > 0) * len(X))
    report = check(real, fn, (16, 16))
    assert set(causes(report)) == {"factor:N", "factor:N^2"}


# ---------------------------------------------------------------- precision and noise

def relu_net(params, X, y):
    return layered(params, X, y, lambda z: np.maximum(z, 0), lambda l, z, a: (z > 0))


def test_a_sigmoid_backward_in_float32_is_said_to_carry_float32_rounding(real):
    def fn(params, X, y):
        p32 = {k: v.astype(np.float32) for k, v in params.items()}
        g = layered(p32, X.astype(np.float32), y.astype(np.float32), sigmoid, lambda l, z, a: a * (1 - a))
        return {k: v.astype(np.float64) for k, v in g.items()}
    report = check(real, fn, (16, 16), "sigmoid")
    assert causes(report) == ["float32_precision"]


def test_a_forward_difference_in_float64_is_named_as_a_finite_difference_estimate(real):
    def loss(params, X, y):
        z = np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
        return np.mean(np.logaddexp(0, z) - y * z)

    def fn(params, X, y):
        h, base, grads = 1e-6, loss(params, X, y), {}
        for k, W in params.items():
            grads[k] = np.zeros_like(W)
            for i in range(W.size):
                moved = W.copy()
                moved.flat[i] += h
                grads[k].flat[i] = (loss(dict(params, **{k: moved}), X, y) - base) / h
        return grads
    report = check(real, fn, (16,), "tanh")
    assert causes(report) == ["finite_difference_estimate"]
    assert "h = 1e-06" in words(report)


def test_uniform_noise_from_a_generator_seeded_each_call_is_named_as_noise(real):
    def fn(params, X, y):
        rng = np.random.default_rng(7)
        return {k: v + rng.uniform(-1e-3, 1e-3, v.shape) for k, v in relu_net(params, X, y).items()}
    report = check(real, fn, (16, 16))
    assert causes(report) == ["gradient_noise"]


def test_noise_drawn_afresh_at_every_point_is_not_named_as_seeded_noise(real):
    def fn(params, X, y):  # seeded by the point (its first weight): different noise at each point
        rng = np.random.default_rng(abs(int(params["W1"].flat[0] * 1e6)))
        return {k: v + rng.uniform(-1e-3, 1e-3, v.shape) for k, v in relu_net(params, X, y).items()}
    report = check(real, fn, (16, 16))
    assert "gradient_noise" not in causes(report) and not report.passed


# ---------------------------------------------------------------- NaN origins

def test_the_origin_of_a_nan_is_the_log_of_zero_not_an_earlier_harmless_overflow(real):
    def fn(params, X, y):
        grads = relu_net(params, X, y)
        calm = 1 / np.exp(np.full(3, 1000.0))  # the first warning (exp overflows), but 1 / inf = 0 is finite
        weight = np.log(calm.sum())  # log(0) = -inf: the origin
        return {k: v * weight for k, v in grads.items()}
    reply = worker.traced_invoke(fn, *point(real))
    assert reply["kind"] == "raised" and "divide by zero encountered in log" in reply["message"]
    assert "weight = np.log(calm.sum())" in reply["message"]
    report = check(real, fn, (16, 16))
    assert causes(report) == ["nan_log_of_zero"]


def point(real):
    from oracles.harness import lesson_point
    spec = make_spec(real, (16, 16), "relu", "float64", real.loss, "mean", 0.0, "lesson")
    return lesson_point(spec).params, np.asarray(real.X, float), np.asarray(real.y, float).reshape(-1, 1)


def test_a_division_by_a_count_that_is_zero_is_named_as_a_division_by_zero_at_its_line(real):
    def fn(params, X, y):
        grads = relu_net(params, X, y)
        confident = np.sum(np.abs(X) > 1e6)  # no feature is that large: 0
        return {k: v / confident * len(X) for k, v in grads.items()}
    report = check(real, fn, (16, 16))
    assert causes(report) == ["nan_division_by_zero"]
    assert "v / confident" in words(report)


def test_an_untraced_floating_point_error_names_no_origin():
    assert origin_finding("the candidate crashed at x.py:3: FloatingPointError: overflow encountered in exp") is None
    assert origin_finding(None) is None


# ---------------------------------------------------------------- a bias's contract, by value

def test_a_deeplearning_ai_bias_summed_over_the_units_is_named_in_that_layouts_axes(real):
    def fn(parameters, X, Y):
        m = X.shape[1]
        Z1 = parameters["W1"] @ X + parameters["b1"]
        A1 = np.tanh(Z1)
        A2 = sigmoid(parameters["W2"] @ A1 + parameters["b2"])
        dZ2 = A2 - Y
        dZ1 = parameters["W2"].T @ dZ2 * (1 - A1 ** 2)
        return {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=0, keepdims=True) / m,
                "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}
    report = check(real, fn, (16,), "tanh", "deeplearning-ai")
    assert causes(report) == ["contract:shape", "bias_summed_over_units"]
    assert "axis=0" in words(report) and "np.sum(dZ, axis=1, keepdims=True)" in words(report)


def test_a_scalar_bias_gradient_in_the_lessons_layout_is_compared_by_value(real):
    def fn(params, X, y):
        g = relu_net(params, X, y)
        g["b1"] = float(np.sum(g["b1"]))
        return g
    report = check(real, fn, (16, 16))
    assert causes(report) == ["contract:shape", "bias_summed_over_every_axis"]


def test_a_scalar_that_is_not_the_sum_names_no_bias_mistake(real):
    def fn(params, X, y):
        g = relu_net(params, X, y)
        g["b1"] = 0.123
        return g
    report = check(real, fn, (16, 16))
    assert causes(report) == [] and not report.passed


def test_one_points_diagnosis_at_the_lessons_size_takes_under_a_second_when_nothing_fits(real):
    hidden = (16,)  # hidden 64,64: benchmarks/diagnosis_time.py (BLAS threads make it swing on a shared machine)
    import time

    from oracles.diagnosis import diagnose
    from oracles.harness import lesson_point
    from reference.model import backward
    spec = make_spec(real, hidden, "relu", "float64", real.loss, "mean", 0.0, "lesson")
    params, X = lesson_point(spec).params, np.asarray(real.X, float)
    y = np.asarray(real.y, float).reshape(-1, 1)
    right = backward(params, X, y, "relu")
    noisy = {k: v + np.random.default_rng(0).normal(0, 1e-3, v.shape) for k, v in right.items()}  # no formula
    start = time.perf_counter()
    diagnose(spec, params, X, y, noisy, right, list(params))
    assert time.perf_counter() - start < 1.0
