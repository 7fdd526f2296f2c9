"""The oracle registry: each oracle declared once, and everything else asks it."""
from __future__ import annotations

import pytest

from oracles import background, options, policy, registry
from oracles.harness import default_points, make_spec, prepare_points, run, versions
from oracles.registry import Oracle
from reference.data import synthetic


@pytest.mark.parametrize("oracle", registry.ORACLES, ids=tuple(registry.BY_NAME))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_oracle_has_a_policy_row_in_each_dtype(oracle, dtype):
    assert isinstance(policy.TABLE[(oracle.name, dtype)], policy.Tolerance)


@pytest.mark.parametrize("oracle", [o for o in registry.ORACLES if o.kind == "framework"], ids=registry.FRAMEWORKS)
def test_every_framework_oracle_loads_and_its_package_has_a_recorded_version(oracle):
    assert callable(oracle.load())
    assert versions()[oracle.package] is not None


def test_the_finite_differences_are_the_harness_s_own_and_not_loaded():
    with pytest.raises(ValueError, match="computed by the harness"):
        registry.get(registry.DIFFERENCES).load()


def test_an_unknown_oracle_is_one_value_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown oracle 'mxnet': choose from finite-differences, torch, jax, autograd"):
        registry.get("mxnet")
    with pytest.raises(ValueError, match="--oracles takes finite-differences, torch, jax, autograd, got 'mxnet'"):
        options.oracles("mxnet", "--oracles")


def test_the_slow_import_runs_in_the_background_by_the_registry_s_word():
    assert background.SLOW_IMPORTS == tuple(o.name for o in registry.ORACLES if o.slow_import)


def test_a_new_framework_oracle_is_one_registry_entry_and_its_policy_rows(monkeypatch):
    """An oracle the harness has never heard of, declared only in the registry (and its policy
    rows), is chosen by --oracles, computed, compared and named in the report."""
    twin = Oracle("jax-twin", "jax's twin", "framework", "jax", "oracles.jax_oracle:jax_oracle")
    monkeypatch.setitem(registry.BY_NAME, twin.name, twin)
    for dtype in ("float64", "float32"):
        monkeypatch.setitem(policy.TABLE, (twin.name, dtype), policy.TABLE[("jax", dtype)])
    chosen = options.oracles("jax-twin,torch", "--oracles")
    data = synthetic(rows=24, features=3, seed=3)
    spec = make_spec(data, hidden=(5,))
    points = default_points(spec, seed=0)
    prepared = prepare_points(spec, data, chosen, points=points)
    assert set(prepared[0].grads) == {"jax-twin", "torch"}
    broken = lambda params, X, y: {k: 2 * v for k, v in run_reference(spec, params, X, y).items()}  # noqa: E731
    report = run(spec, data, broken, chosen, prepared=prepared)
    assert not report.passed
    assert {c.oracle for p in report.points for per in p.checks.values() for c in per.values()} == {"jax-twin", "torch"}
    assert "jax's twin" in report.to_text()


def run_reference(spec, params, X, y):
    from reference.model import backward

    return backward(params, X, y, spec.activation, head=spec.head)


def test_the_report_says_each_oracle_in_its_own_words_and_an_unknown_name_as_given():
    assert [registry.words(o.name) for o in registry.ORACLES] == [o.words for o in registry.ORACLES]
    assert registry.words("finite-differences") == "finite differences"
    assert registry.words("mxnet") == "mxnet"
    assert all(registry.words(o.name) == registry.BY_NAME[o.name].words for o in registry.FORWARD_ORACLES)


def test_get_returns_the_declared_oracle_for_every_name():
    for oracle in registry.ORACLES:
        assert registry.get(oracle.name) is oracle
    assert registry.get("torch").package == "torch" and registry.get("torch").slow_import


def test_load_imports_the_module_and_returns_the_function_the_entry_names():
    from oracles.autograd_oracle import autograd_oracle
    from oracles.jax_oracle import jax_oracle

    assert registry.get("jax").load() is jax_oracle
    assert registry.get("autograd").load() is autograd_oracle
    from reference.model import backward

    assert Oracle("np", "np", "framework", "numpy", "reference.model:backward").load() is backward
    with pytest.raises(ValueError, match="the traced-only oracle is computed by the harness, not loaded"):
        Oracle("traced-only", "t", "traced").load()


def test_the_defaults_the_frameworks_and_the_packages_follow_the_declarations():
    assert registry.NAMES == ("finite-differences", "torch", "jax")  # autograd is opt-in
    assert registry.FRAMEWORKS == ("torch", "jax", "autograd")
    assert registry.PACKAGES == ("numpy", "torch", "jax", "autograd")
    assert [o.name for o in registry.FORWARD_ORACLES] == ["finite-differences", "autograd"]
