"""The PyTorch and JAX oracles: independent rewrites that agree with the reference everywhere."""
import ast
from pathlib import Path

import numpy as np
import pytest

from helpers import assert_agrees
from oracles import policy
from oracles.jax_oracle import jax_oracle
from oracles.torch_oracle import torch_oracle
from reference.model import ACTIVATIONS, backward, loss

ORACLES = {"torch": torch_oracle, "jax": jax_oracle}
SIZES = [(5, 7, 1), (4, 6, 5, 1), (3, 4, 5, 6, 1)]  # depths 1-3


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sizes", SIZES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("name", list(ORACLES))
def test_oracle_agrees_with_the_reference_in_loss_and_every_gradient(small_problem, name, sizes, activation, dtype):
    spec, params, X, y = small_problem(sizes=sizes, activation=activation, dtype=dtype, N=33)
    value, grads = ORACLES[name](spec, params, X, y)
    assert policy.tolerance("loss", dtype).close(value, loss(params, X, y, activation))
    assert_agrees(backward(params, X, y, activation), grads, name, dtype)
    for k in params:
        assert grads[k].dtype == np.float64 and grads[k].shape == params[k].shape


def test_float64_losses_of_reference_torch_and_jax_agree_to_1e_12(real, lesson_params):
    from reference.model import Spec

    ref = loss(lesson_params, real.X, real.y)
    for name, oracle in ORACLES.items():  # 1e-12 itself, not the policy's row: the claim is about the oracles
        value = oracle(Spec(), lesson_params, real.X, real.y)[0]
        assert abs(value - ref) <= 1e-12 * abs(ref), (name, value, ref)


def _imports(path: Path) -> set:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize("module", ["torch_oracle.py", "jax_oracle.py"])
def test_framework_oracles_never_import_reference_code(module):
    path = Path(__file__).resolve().parent.parent.parent / "oracles" / module
    assert not any(name.startswith("reference") for name in _imports(path))


def test_finite_differences_use_the_forward_but_never_the_backward():
    path = Path(__file__).resolve().parent.parent.parent / "oracles" / "finite_differences.py"
    names = _imports(path)
    assert "reference.model.forward" in names
    assert not any(n.endswith((".backward", ".backprop", ".activation_grad")) for n in names)


def test_jax_oracle_leaves_the_processs_jax_precision_alone(small_problem):
    import jax
    import jax.numpy as jnp

    before = jnp.zeros(1).dtype
    spec, params, X, y = small_problem()
    jax_oracle(spec, params, X, y)
    assert jnp.zeros(1).dtype == before
    assert jax.config.jax_enable_x64 == (before == jnp.float64)


def test_jax_oracle_compiles_once_for_shapes_in_one_bucket(small_problem):
    from oracles.jax_oracle import _value_and_grad

    spec, params, X, y = small_problem(sizes=(5, 7, 1), N=20)
    jax_oracle(spec, params, X, y)
    fn = _value_and_grad(spec.activation, 2)
    before = fn._cache_size()
    for N, H in ((21, 9), (3, 30), (200, 1)):
        spec2, params2, X2, y2 = small_problem(sizes=(5, H, 1), N=N)
        jax_oracle(spec2, params2, X2, y2)
    assert fn._cache_size() == before


@pytest.mark.parametrize("name", list(ORACLES))
def test_a_framework_oracle_computes_in_the_specs_dtype_whatever_the_dtype_of_the_arrays_given(small_problem, name):
    spec, params, X, y = small_problem(dtype="float32")
    wide = ({k: v.astype(np.float64) for k, v in params.items()}, X.astype(np.float64), y.astype(np.float64))
    loss32, grads32 = ORACLES[name](spec, params, X, y)
    loss64, grads64 = ORACLES[name](spec, *wide)
    assert loss64 == loss32 and all(np.array_equal(grads64[k], grads32[k]) for k in grads32)
