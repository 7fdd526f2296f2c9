"""The reference network: the lesson's init, gradients mirroring parameters, no warnings."""
import warnings

import numpy as np
import pytest

from reference.model import ACTIVATIONS, Spec, backward, forward, init_params, loss, random_params, sgd_step


def test_lesson_init_reproduces_np_random_seed_0_draws():
    state = np.random.get_state()
    try:
        np.random.seed(0)
        W1 = np.random.randn(8, 16) * 0.1
        W2 = np.random.randn(16, 1) * 0.1
    finally:
        np.random.set_state(state)
    params = init_params(Spec())
    np.testing.assert_array_equal(params["W1"], W1)
    np.testing.assert_array_equal(params["W2"], W2)
    assert not params["b1"].any() and not params["b2"].any()


def test_init_leaves_numpys_global_generator_untouched():
    before = np.random.get_state()[1].copy()
    init_params(Spec((8, 64, 64, 1)))
    random_params(Spec((8, 64, 64, 1)), seed=3)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("sizes", [(8, 16, 1), (3, 1), (4, 5, 6, 7, 1)])
def test_gradients_mirror_parameters_in_keys_shapes_and_dtypes(small_problem, sizes, dtype):
    spec, params, X, y = small_problem(sizes=sizes, dtype=dtype)
    grads = backward(params, X, y, spec.activation)
    assert list(grads) == list(params)
    for k in params:
        assert grads[k].shape == params[k].shape and grads[k].dtype == params[k].dtype


def test_parameter_keys_come_in_layer_order():
    assert list(init_params(Spec((8, 4, 3, 1)))) == ["W1", "b1", "W2", "b2", "W3", "b3"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_no_runtime_warning_for_extreme_finite_inputs(activation, dtype):
    spec = Spec((3, 4, 1), activation, dtype)
    params = random_params(spec, seed=0, scale=1e3)
    X = np.array([[1e30, -1e30, 0.0], [-1e3, 1e3, 5.0]], dtype=dtype)
    y = np.array([[1.0], [0.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grads = backward(params, X, y, activation)
        value = loss(params, X, y, activation)
    assert np.isfinite(value) and all(np.isfinite(g).all() for g in grads.values())


def test_backward_does_not_modify_its_inputs(small_problem):
    spec, params, X, y = small_problem()
    copies = {k: v.copy() for k, v in params.items()}, X.copy(), y.copy()
    backward(params, X, y)
    for k in params:
        np.testing.assert_array_equal(params[k], copies[0][k])
    np.testing.assert_array_equal(X, copies[1])
    np.testing.assert_array_equal(y, copies[2])


def test_sgd_step_returns_new_arrays_and_keeps_the_old(small_problem):
    spec, params, X, y = small_problem()
    before = {k: v.copy() for k, v in params.items()}
    after = sgd_step(params, backward(params, X, y), lr=0.1)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert not np.array_equal(after[k], before[k])


def test_forward_cache_holds_the_lessons_names(lesson_params):
    X = np.ones((2, 8))
    y_hat, cache = forward(lesson_params, X)
    assert {"a0", "z1", "a1", "z2", "y_hat"} <= set(cache) and y_hat.shape == (2, 1)


def test_db1_is_the_column_sum_of_dz1(small_problem):
    spec, params, X, y = small_problem()
    steps = {}
    grads = backward(params, X, y, steps=steps)
    np.testing.assert_array_equal(grads["b1"], steps["dz1"].sum(axis=0, keepdims=True))


def test_spec_rejects_a_bad_activation():
    with pytest.raises(ValueError, match="activation"):
        Spec(activation="gelu")



def test_spec_names_every_activation_it_accepts_when_it_rejects_one():
    with pytest.raises(ValueError) as info:
        Spec(activation="gelu")
    listed = str(info.value).split("one of ", 1)[1].split(", got", 1)[0]
    assert listed.split(", ") == list(ACTIVATIONS) and "'gelu'" in str(info.value)


def test_lesson_init_of_a_float32_spec_gives_float32_weights_and_biases():
    params = init_params(Spec(dtype="float32"))
    assert {k: v.dtype for k, v in params.items()} == dict.fromkeys(("W1", "b1", "W2", "b2"), np.dtype(np.float32))
    # the same draws as float64's, rounded
    np.testing.assert_array_equal(params["W1"], init_params(Spec())["W1"].astype(np.float32))


@pytest.mark.parametrize("dtype, warns", [("float64", True), ("float32", False)])
def test_an_invalid_operation_in_the_forward_warns_in_float64_and_is_silenced_in_float32_only(dtype, warns):
    """inf - inf in ``z = X @ W + b``: float64 reports it (a RuntimeWarning); float32 products have
    the invalid flag silenced (OpenBLAS's spurious flags), so no warning."""
    params = {"W1": np.array([[np.inf]], dtype=dtype), "b1": np.array([[-np.inf]], dtype=dtype),
              "W2": np.array([[1.0]], dtype=dtype), "b2": np.array([[0.0]], dtype=dtype)}
    X = np.array([[1.0]], dtype=dtype)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _, cache = forward(params, X)
    assert np.isnan(cache["z1"][0, 0])
    invalid = [w for w in seen if issubclass(w.category, RuntimeWarning) and "invalid" in str(w.message)]
    assert bool(invalid) == warns, [str(w.message) for w in seen]

def test_importing_reference_and_the_harness_loads_no_framework():
    import subprocess
    import sys

    code = ("import sys, reference, oracles.harness, oracles.shells.cli; "
            "print(sorted(m for m in ('torch', 'jax', 'matplotlib', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
