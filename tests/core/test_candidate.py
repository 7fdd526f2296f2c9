"""The contract on what a candidate returned (oracles/candidate.py), checked on hand-made returns.

Each test states one rule of DESIGN.md's contract 2 / the README's "Check your own backward":
gradients mirror the parameters (keys, shapes, dtypes), are finite, and a fixable shape or dtype
is named and fixed only where exactly one fix is right.
"""
from __future__ import annotations

import numpy as np
import pytest

from oracles import policy
from oracles.candidate import (ContractViolation, InProcess, Worker, call_candidate, check_grads, handle_for,
                               unpack)
from oracles.candidate import _shape_hint, _shape_or_dtype
from oracles.isolation import Outcome

PARAMS = {"W1": np.zeros((3, 2)), "b1": np.zeros((1, 2)), "W2": np.zeros((2, 1)), "b2": np.zeros((1, 1))}


def _grads(**changes):
    g = {k: np.ones_like(v) for k, v in PARAMS.items()}
    g.update(changes)
    return g


def test_a_bias_summed_over_the_batch_axis_is_named_as_the_wrong_axis():
    # db1 = sum(dz, axis=1, keepdims=True) gives (N, 1) where (1, H) belongs
    assert "summed over the wrong axis" in _shape_hint("b1", (5, 1), (1, 3))
    # a (1, 1) where (1, 3) belongs is not that mistake (nothing was summed over the rows)
    assert _shape_hint("b1", (1, 1), (1, 3)) == ""
    # only a bias gets that hint
    assert _shape_hint("W1", (5, 1), (1, 3)) == ""
    assert _shape_hint("W1", (3, 2), (2, 3)) == ": transposed?"
    # keepdims only when the entries are all there and a dimension was dropped
    assert _shape_hint("b1", (3,), (1, 3)).startswith(": it would silently broadcast; missing keepdims=True")
    assert _shape_hint("W1", (3, 2), (6, 1)) == ""  # as many entries, as many dimensions
    assert _shape_hint("W1", (5,), (2, 3)) == ""  # a dimension dropped, but not as many entries
    assert _shape_hint("W1", (6,), (2, 3)) == ": it would silently broadcast; missing keepdims=True in dW1?"


def test_a_python_float_for_a_one_by_one_bias_is_fixed_in_the_parameters_dtype():
    p = np.zeros((1, 1), dtype=np.float32)
    message, fixed = _shape_or_dtype("b2", {"type": "float", "scalar": True, "float": 0.25}, p)
    assert "db2 is a float scalar, not a NumPy array of shape (1, 1)" in message
    assert "missing keepdims=True" in message
    assert fixed.dtype == np.float32 and fixed.shape == (1, 1) and fixed[0, 0] == np.float32(0.25)
    # a scalar where a (1, 3) bias belongs has no single right fix
    _, none = _shape_or_dtype("b1", {"type": "float", "scalar": True, "float": 0.25}, np.zeros((1, 3)))
    assert none is None


def test_keep_going_fixes_what_has_one_fix_and_names_it():
    grads = _grads(W1=np.ones((2, 3)), b1=np.ones(2), W2=np.ones((2, 1), dtype=np.float32))
    problems = check_grads(grads, PARAMS, keep_going=True)
    assert problems == ["dW1 has shape (2, 3), expected (3, 2): transposed?",
                        "db1 has shape (2,), expected (1, 2): it would silently broadcast; "
                        "missing keepdims=True in db1 = sum(dz, axis=0, keepdims=True)?",
                        "dW2 has dtype float32, expected float64 like W2"]
    assert grads["W1"].shape == (3, 2) and grads["b1"].shape == (1, 2) and grads["W2"].dtype == np.float64
    with pytest.raises(ContractViolation, match="transposed"):
        check_grads(_grads(W1=np.ones((2, 3))), PARAMS)


def test_wrong_keys_name_the_missing_and_the_extra():
    grads = _grads()
    del grads["b2"]
    grads["dW3"] = np.ones(1)
    with pytest.raises(ContractViolation) as err:
        check_grads(grads, PARAMS)
    assert str(err.value) == ("the candidate's grads have the wrong keys: missing b2; extra dW3 "
                              "(expected W1, b1, W2, b2)")


def test_non_finite_gradients_are_counted_and_the_first_is_shown():
    W1 = np.ones((3, 2))
    W1[0, 1] = np.nan
    W1[2, 0] = np.inf
    with pytest.raises(ContractViolation) as err:
        check_grads(_grads(W1=W1), PARAMS)
    assert str(err.value) == "dW1 holds 2 non-finite values, first at W1[0, 1] = nan"
    assert err.value.kind == "non-finite"
    W1[2, 0] = 1.0
    with pytest.raises(ContractViolation, match=r"^dW1 holds 1 non-finite value, first at W1\[0, 1\] = nan$"):
        check_grads(_grads(W1=W1), PARAMS)


def _outcome(returned):
    return Outcome(returned=returned)


def test_unpack_reads_a_loss_and_grads_and_refuses_a_non_finite_or_non_scalar_loss():
    grads = [[k, {"array": v}] for k, v in _grads().items()]
    loss, got = unpack(_outcome({"kind": "loss+grads", "loss": {"float": 0.5}, "grads": grads}), PARAMS)
    assert loss == 0.5 and set(got) == set(PARAMS) and isinstance(got["W1"], np.ndarray)
    with pytest.raises(ContractViolation) as err:
        unpack(_outcome({"kind": "loss+grads", "loss": {"float": float("nan")}, "grads": grads}), PARAMS)
    assert str(err.value) == "the candidate returned a non-finite loss (nan)" and err.value.kind == "non-finite"
    with pytest.raises(ContractViolation, match="a loss that is not a scalar: ndarray"):
        unpack(_outcome({"kind": "loss+grads", "loss": {"type": "ndarray"}, "grads": grads}), PARAMS)
    with pytest.raises(ContractViolation, match="returned list; expected a grads dict"):
        unpack(_outcome({"kind": "other", "type": "list"}), PARAMS)
    with pytest.raises(ContractViolation, match="^it died$"):
        unpack(Outcome(returned=None, failure="it died"), PARAMS)


def test_call_candidate_takes_a_plain_function_in_process():
    def backward(params, X, y):
        return {k: np.full_like(v, 2.0) for k, v in params.items()}

    loss, grads = call_candidate(backward, PARAMS, np.zeros((4, 3)), np.zeros((4, 1)))
    assert loss is None and all((g == 2.0).all() for g in grads.values())


def test_handle_for_isolates_a_target_unless_told_not_to(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("def backward(params, X, y):\n    return {k: v * 0 for k, v in params.items()}\n")
    target = f"{path}:backward"
    inproc = handle_for(target, isolate=False)
    assert isinstance(inproc, InProcess) and not inproc.isolated
    worker = handle_for(target)
    try:
        assert isinstance(worker, Worker) and worker.isolated
        loss, grads = call_candidate(worker, PARAMS, np.zeros((4, 3)), np.zeros((4, 1)))
        assert (grads["W1"] == 0).all()
    finally:
        worker.close()
    assert handle_for(inproc) is inproc
    with pytest.raises(Exception, match="must be a function"):
        handle_for(42)


def test_handle_for_ships_a_function_object_to_a_worker_of_its_own(tmp_path, monkeypatch):
    import importlib
    import os
    import sys

    (tmp_path / "shipped.py").write_text("import os\nimport numpy as np\ndef backward(params, X, y):\n"
                                         "    return {k: v * 0 + os.getpid() for k, v in params.items()}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    fn = importlib.import_module("shipped").backward
    worker, renamed = handle_for(fn), handle_for(fn, name="my backward")
    try:
        assert isinstance(worker, Worker) and worker.isolated and worker.name == "shipped:backward"
        assert renamed.name == "my backward"  # the name the caller gives, for the report
        _, grads = call_candidate(worker, PARAMS, np.zeros((4, 3)), np.zeros((4, 1)))
    finally:
        worker.close()
        renamed.close()
        sys.modules.pop("shipped", None)
    assert grads["W1"][0, 0] not in (0, os.getpid())  # it ran, in another process


def test_several_missing_keys_are_listed_with_commas_and_a_non_scalar_non_array_gets_no_keepdims_hint():
    grads = _grads()
    del grads["W2"], grads["b2"]
    with pytest.raises(ContractViolation) as err:
        check_grads(grads, PARAMS)
    assert str(err.value) == "the candidate's grads have the wrong keys: missing W2, b2 (expected W1, b1, W2, b2)"
    message, fixed = _shape_or_dtype("W1", {"type": "list", "scalar": False}, PARAMS["W1"])
    assert message == f"dW1 is a list, not a NumPy array of shape {PARAMS['W1'].shape}" and fixed is None


def test_call_candidate_refuses_a_non_finite_loss_unless_asked_to_return_it():
    def inf_loss(params, X, y):
        return float("inf"), {k: np.zeros_like(v) for k, v in params.items()}

    with pytest.raises(ContractViolation, match=r"non-finite loss \(inf\)"):
        call_candidate(inf_loss, PARAMS, np.zeros((4, 3)), np.zeros((4, 1)))
    loss, _ = call_candidate(inf_loss, PARAMS, np.zeros((4, 3)), np.zeros((4, 1)), finite_loss=False)
    assert loss == float("inf")


def test_a_function_is_named_by_its_module_and_qualified_name():
    class Mine:
        @staticmethod
        def backward(params, X, y):
            return {}

    handle = handle_for(Mine.backward, isolate=False)
    assert handle.name == f"{__name__}:test_a_function_is_named_by_its_module_and_qualified_name.<locals>.Mine.backward"

    class Named:  # a callable object: no __qualname__ of its own, a __name__ given to it
        __name__ = "named_backward"

        def __call__(self, params, X, y):
            return {}

    assert handle_for(Named(), isolate=False).name == f"{__name__}:named_backward"
    from functools import partial  # neither: the type's name

    assert handle_for(partial(Mine.backward), isolate=False).name == "functools:partial"


def test_a_module_level_function_goes_to_its_worker_by_module_and_name_not_by_value():
    from oracles.isolation import function_source

    source = function_source(np.linalg.norm)  # importable again as numpy.linalg:norm
    assert source.message() == {"module": "numpy.linalg", "attr": "norm"}


@pytest.mark.parametrize("activation", ["relu", "tanh", "identity"])
def test_the_reference_candidate_is_the_reference_backward_for_the_activation_it_is_given(small_problem, activation):
    from oracles.candidate import reference_candidate
    from reference.model import backward

    spec, params, X, y = small_problem(activation=activation)
    _, grads = call_candidate(reference_candidate(activation), params, X, y)
    others = [a for a in ("relu", "tanh", "identity") if a != activation]
    for k in params:
        np.testing.assert_array_equal(grads[k], backward(params, X, y, activation)[k])
    differ = [not policy.tolerance("torch", "float64").close_array(grads["W1"], backward(params, X, y, a)["W1"]).all()
              for a in others]
    assert all(differ)  # the activations give different gradients here


def test_a_module_candidates_files_are_each_packages_init_and_the_module_itself(tmp_path, monkeypatch):
    """``pkg.sub.mod:backward`` is read from pkg/__init__.py, pkg/sub/__init__.py and pkg/sub/mod.py;
    a top-level ``mod:backward`` from mod.py alone (found from the working directory)."""
    from oracles.candidate import candidate_files

    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    for f in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/mod.py", "top.py"):
        (tmp_path / f).write_text("def backward(params, X, y):\n    return {}\n")
    monkeypatch.chdir(tmp_path)
    nested = [p for p, _ in candidate_files("pkg.sub.mod:backward")]
    assert nested == [str(tmp_path / "pkg" / "__init__.py"), str(tmp_path / "pkg" / "sub" / "__init__.py"),
                      str(tmp_path / "pkg" / "sub" / "mod.py")]
    assert [p for p, _ in candidate_files("top:backward")] == [str(tmp_path / "top.py")]
