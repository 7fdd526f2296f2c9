"""Conventions at the candidate's boundary: each course's layout in and out, code written as the
courses write it checked as written, and their classic layout mistakes named in the candidate's shapes."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from oracles import registry
from oracles.candidate import ContractViolation, handle_for, unpack
from oracles.conventions import CONVENTIONS, Conventional, layout
from oracles.harness import run
from oracles.isolation import Outcome
from reference.data import load_csv
from reference.model import Spec, backward, init_params

from test_data_heads import shared

COURSES = Path(__file__).parent.parent / "candidates" / "courses.py"
_spec = importlib.util.spec_from_file_location("courses", COURSES)
courses = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(courses)

ORACLES = registry.NAMES


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_parameters_go_out_and_gradients_come_back_to_the_same_canonical_arrays(convention):
    spec = Spec((5, 4, 3), loss="softmax")
    params = {k: np.random.default_rng(1).standard_normal(v.shape) for k, v in init_params(spec).items()}
    L = layout(convention)
    for k, v in params.items():
        assert np.array_equal(L.grad(k, L.param(k, v), v.shape), v)


def test_each_convention_lays_out_the_arrays_as_the_design_table_says():
    X, W, b = np.zeros((6, 5)), np.zeros((5, 3)), np.zeros((1, 3))
    y01, labels = np.zeros((6, 1)), np.array([0, 2, 1, 0, 1, 2])
    table = {"lesson": ((6, 5), (5, 3), (1, 3), (6, 1), (6,)), "cs231n": ((6, 5), (5, 3), (3,), (6,), (6,)),
             "deeplearning-ai": ((5, 6), (3, 5), (3, 1), (1, 6), (3, 6)), "torch": ((6, 5), (3, 5), (3,), (6,), (6,))}
    for convention, shapes in table.items():
        L = layout(convention)
        got = (L.X(X).shape, L.param("W1", W).shape, L.param("b1", b).shape, L.y(y01, "bce", 1).shape,
               L.y(labels, "softmax", 3).shape)
        assert got == shapes, convention
    onehot = layout("deeplearning-ai").y(labels, "softmax", 3)
    assert onehot[labels, np.arange(6)].tolist() == [1.0] * 6 and onehot.sum() == 6


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_the_report_line_on_a_convention_gives_the_axes_and_shapes_its_layout_hands_the_candidate(convention):
    spec = Spec((5, 4, 1))
    params, X = init_params(spec), np.zeros((6, 5))  # N = 6 examples of D = 5 features
    L = layout(convention)
    line = Conventional(None, convention).describe(params)
    x_axes = {(6, 5): "(N, D)", (5, 6): "(D, N)"}[L.X(X).shape]
    w_axes = {(5, 4): "(in, out)", (4, 5): "(out, in)"}[L.param("W1", params["W1"]).shape]
    assert f"X {x_axes}" in line and f"W {w_axes}" in line
    for k, v in params.items():
        assert f"{k} {tuple(L.param(k, v).shape)}" in line


def _run(fn, data, convention, loss="bce", reduction="mean", l2=0.0):
    from oracles.harness import make_spec

    spec = make_spec(data, (16,), "relu", "float64", loss, reduction, l2, convention)
    return run(spec, data, handle_for(fn, isolate=False), ORACLES, convention=convention)


@pytest.fixture(scope="module")
def iris():
    return load_csv(shared("iris"), "species", "softmax")


@pytest.fixture(scope="module")
def pima():
    return load_csv(shared("diabetes"), "Outcome", "bce")


def test_cs231n_two_layer_net_with_softmax_and_reg_passes_as_written(iris):
    report = _run(courses.cs231n_two_layer_net, iris, "cs231n", "softmax", l2=0.05)
    assert report.passed, report.to_text()


def test_deeplearning_ai_L_model_backward_passes_as_written_with_dW_keys(pima):
    report = _run(courses.dlai_backward, pima, "deeplearning-ai")
    assert report.passed, report.to_text()
    assert any("dW1 (16, 8)" in n and "db1 (16, 1)" in n for n in report.notes)


def test_deeplearning_ai_L2_regularized_backward_passes_with_lambd(pima):
    report = _run(courses.dlai_backward_with_regularization, pima, "deeplearning-ai", l2=0.7)
    assert report.passed, report.to_text()


def test_a_torch_layout_backward_passes_with_out_in_weights(pima):
    report = _run(courses.torch_layout_backward, pima, "torch")
    assert report.passed, report.to_text()
    assert any("W1 (16, 8)" in n and "b1 (16,)" in n for n in report.notes)


def test_per_example_summed_code_passes_with_reduction_sum(pima):
    report = _run(courses.per_example_backward, pima, "lesson", reduction="sum")
    assert report.passed, report.to_text()


def test_per_example_summed_code_fails_against_the_mean(pima):
    assert not _run(courses.per_example_backward, pima, "lesson").passed


@pytest.mark.parametrize("bug", ["cs231n_bug_no_minus_one", "cs231n_bug_wrong_axis", "cs231n_bug_l2_no_2",
                                 "cs231n_bug_l2_on_biases"])
def test_cs231n_classic_mistakes_fail(iris, bug):
    report = _run(getattr(courses, bug), iris, "cs231n", "softmax", l2=0.05)
    assert not report.passed


def test_dlai_l2_in_the_gradient_but_not_the_loss_fails_on_the_loss(pima):
    report = _run(courses.dlai_bug_l2_gradient_only, pima, "deeplearning-ai", l2=0.7)
    assert not report.passed
    assert all(p.loss_agrees["candidate"] is False for p in report.points)


def test_a_column_major_bias_summed_over_the_wrong_axis_is_named_in_the_candidates_shapes(pima):
    report = _run(courses.dlai_bug_bias_wrong_axis, pima, "deeplearning-ai")
    violation = report.points[0].violation
    assert "(1, 768)" in violation and "(1, 1)" in violation and "deeplearning-ai" in violation


class _Returns:
    """A handle that returns fixed grads pairs, to test the key and shape checks alone."""

    name, isolated = "fixed", False

    def __init__(self, pairs):
        self.pairs = pairs

    def evaluate(self, params, X, y, **options):
        return Outcome({"kind": "grads", "grads": self.pairs})


def test_W1_and_dW1_keys_are_both_accepted_and_mixing_them_is_refused():
    spec = Spec((3, 2, 1))
    params = init_params(spec)
    X, y = np.ones((4, 3)), np.zeros((4, 1))
    grads = backward(params, X, y)
    for convention in CONVENTIONS:
        L = layout(convention)
        for prefix in ("", "d"):
            pairs = [[prefix + k, {"array": L.param(k, g)}] for k, g in grads.items()]
            outcome = Conventional(_Returns(pairs), convention).evaluate(params, X, y)
            assert outcome.failure is None
            assert [k for k, _ in outcome.returned["grads"]] == list(params)
    mixed = [["dW1" if k == "W1" else k, {"array": g}] for k, g in grads.items()]
    refused = Conventional(_Returns(mixed), "lesson").evaluate(params, X, y)
    assert "mix key styles" in refused.failure and refused.returned is None  # a call that failed returned nothing
    empty = Conventional(_Returns([]), "cs231n")  # no keys at all: the canonical style is assumed
    empty.evaluate(params, X, y)
    assert empty.key_style == "W1" and empty.names(params)["W1"] == ("W1", (3, 2))


def _torch_layout_problem():
    """A 3-2-1 network's lesson init, a batch of 4, and the torch layout that speaks to it."""
    params = init_params(Spec((3, 2, 1)))
    return params, np.ones((4, 3)), np.zeros((4, 1)), layout("torch")


def test_a_transposed_torch_weight_is_named_in_torch_shapes_and_its_values_still_reach_the_judge():
    params, X, y, L = _torch_layout_problem()
    grads = backward(params, X, y)
    pairs = [[k, {"array": g if k == "W1" else L.param(k, g)}] for k, g in grads.items()]  # dW1 as (in, out)
    outcome = Conventional(_Returns(pairs), "torch").evaluate(params, X, y)
    [problem] = outcome.returned["problems"]
    assert "dW1 has shape (3, 2), expected (2, 3) like W1 in the torch convention: transposed?" == problem
    with pytest.raises(ContractViolation, match=r"dW1 has shape \(3, 2\)"):
        unpack(outcome, params)  # without keep-going, the shape is the verdict
    _, back, problems = unpack(outcome, params, keep_going=True)
    assert problems == [problem] and np.array_equal(back["W1"], grads["W1"])  # fixed: W1's own numbers


def test_a_shape_that_no_single_fix_mends_still_stops_the_check_in_the_candidates_layout():
    params, X, y, L = _torch_layout_problem()
    pairs = [[k, {"array": L.param(k, g)}] for k, g in backward(params, X, y).items()]
    pairs[0][1] = {"array": np.zeros((2, 2))}
    outcome = Conventional(_Returns(pairs), "torch").evaluate(params, X, y)
    assert outcome.failure == "dW1 has shape (2, 2), expected (2, 3) like W1 in the torch convention"


def test_a_torch_bias_summed_over_the_units_is_named_with_the_shape_the_batch_sum_gives():
    params, X, y, L = _torch_layout_problem()
    pairs = [[k, {"array": L.param(k, g)}] for k, g in backward(params, X, y).items()]
    pairs[1][1] = {"array": np.zeros(4)}  # db1 = dz1.sum(axis=1) on dz1 (N=4, H=2): one number per row
    outcome = Conventional(_Returns(pairs), "torch").evaluate(params, X, y)
    assert outcome.failure == ("db1 has shape (4,), expected (2,) like b1 in the torch convention: summed over "
                               "the wrong axis? db1 = dz.sum(axis=0) gives (2,)")


def _transposed_with_a_doubled_bias(params, X, y):
    grads = courses.torch_layout_backward(params, X, y)
    return {**grads, "W1": grads["W1"].T, "b2": 2 * grads["b2"]}


def test_a_wrong_shape_in_a_course_layout_keeps_going_and_every_bug_shows_at_once(pima):
    report = _run(_transposed_with_a_doubled_bias, pima, "torch")
    assert not report.passed
    for point in report.points:
        assert "dW1 has shape (8, 16), expected (16, 8) like W1 in the torch convention" in point.violation
        assert point.checks["W1"]["torch"].passed and point.checks["W1"]["finite-differences"].passed
        assert not point.checks["b2"]["torch"].passed and not point.checks["b2"]["jax"].passed
        assert point.checks["W2"]["torch"].passed


def test_the_notebook_api_takes_the_head_and_convention(iris):
    from oracles.shells.api import check

    report = check(courses.cs231n_two_layer_net, data=iris.source, loss="softmax", l2=0.05, convention="cs231n",
                   isolate=False, oracles="finite-differences,torch")
    assert report.passed, report.to_text()
    assert report.spec["loss"] == "softmax" and report.spec["l2_form"] == "reg"


def test_the_notebook_api_refuses_an_unknown_convention_naming_it():
    from oracles.shells.api import check

    with pytest.raises(ValueError, match="convention"):
        check(courses.torch_layout_backward, convention="keras")


def _dlai(fn):
    from oracles.conventions import Conventional
    from oracles.isolation import InProcess

    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((3, 4)), "b1": np.zeros((1, 4)),
              "W2": rng.standard_normal((4, 1)), "b2": np.zeros((1, 1))}
    X, y = rng.standard_normal((5, 3)), (rng.random((5, 1)) < 0.5).astype(float)
    handle = Conventional(InProcess("mine", fn), "deeplearning-ai", "bce")
    return handle, handle.evaluate(params, X, y), params


def _dlai_grads(params, X, **override):
    # the deeplearning-ai layout: W (out, in), b (out, 1), X (D, N); zeros of the right shapes
    grads = {"dW1": np.zeros((4, 3)), "db1": np.zeros((4, 1)), "dW2": np.zeros((1, 4)), "db2": np.zeros((1, 1))}
    grads.update(override)
    return grads


def test_a_weight_in_the_lessons_orientation_is_named_transposed_in_a_column_layout():
    _, outcome, _ = _dlai(lambda p, X, y: _dlai_grads(p, X, dW1=np.zeros((3, 4))))
    assert outcome.failure is None  # one right fix: reported, and the values still checked
    assert outcome.returned["problems"] == [
        "dW1 has shape (3, 4), expected (4, 3) like W1 in the deeplearning-ai convention: transposed?"]


def test_a_bias_summed_over_the_units_in_a_column_layout_is_named_with_the_right_axis():
    # db1 = np.sum(dZ1, axis=0, keepdims=True) on dZ1 (4, 5) gives (1, 5): summed over the units
    _, outcome, _ = _dlai(lambda p, X, y: _dlai_grads(p, X, db1=np.zeros((1, 5))))
    assert outcome.failure == ("db1 has shape (1, 5), expected (4, 1) like b1 in the deeplearning-ai convention: "
                               "summed over the wrong axis? in the deeplearning-ai layout "
                               "db1 = np.sum(dZ, axis=1, keepdims=True) sums over the batch")


def test_the_names_follow_the_key_style_the_candidate_used():
    def plain_keys(p, X, y):
        return {k[1:]: v for k, v in _dlai_grads(p, X).items()}

    handle, outcome, params = _dlai(plain_keys)
    assert outcome.failure is None and handle.key_style == "W1"
    assert handle.names(params) == {"W1": ("W1", (4, 3)), "b1": ("b1", (4, 1)), "W2": ("W2", (1, 4)),
                                    "b2": ("b2", (1, 1))}
    handle, outcome, params = _dlai(lambda p, X, y: _dlai_grads(p, X))
    assert outcome.failure is None and handle.key_style == "dW1"
    assert handle.names(params)["W1"] == ("dW1", (4, 3))


def test_a_law_names_a_non_finite_entry_as_the_candidate_wrote_it():
    from types import SimpleNamespace

    from oracles.isolation import InProcess
    from oracles.session import Session
    from properties.laws import LAWS, LawViolation

    spec = Spec((3, 2, 1))
    params = init_params(spec)
    X, y = np.ones((4, 3)), np.zeros((4, 1))

    def nan_in_W1(p, X, y):  # torch layout: dW1 (out, in) = (2, 3); its entry [1, 2] is the canonical W1[2, 1]
        grads = courses.torch_layout_backward(p, X, y)
        grads["W1"] = grads["W1"].copy()
        grads["W1"][1, 2] = np.nan
        return grads

    handle = Session(Conventional(InProcess("nan", nan_in_W1), "torch"))
    with pytest.raises(LawViolation) as caught:
        LAWS["finite"](handle, SimpleNamespace(arrays=lambda: (params, X, y)))
    assert "first at W1[1, 2]" in str(caught.value) and "W1[2, 1]" not in str(caught.value)


@pytest.mark.parametrize("targets", [2, 3])
def test_several_mse_targets_reach_each_layout_as_its_x_does(targets):
    y = np.arange(5.0 * targets).reshape(5, targets)  # N = 5 rows of `targets` targets
    assert np.array_equal(layout("cs231n").y(y, "mse", targets), y)  # rows, like X
    assert np.array_equal(layout("deeplearning-ai").y(y, "mse", targets), y.T)  # columns, like X (D, N)


def test_a_flat_bias_in_a_column_layout_is_named_without_the_wrong_axis_hint():
    # db1 (4,) where the deeplearning-ai layout wants (4, 1): flat, not summed over the wrong axis
    _, outcome, _ = _dlai(lambda p, X, y: _dlai_grads(p, X, db1=np.zeros(4)))
    assert "db1 has shape (4,), expected (4, 1) like b1 in the deeplearning-ai convention" in (
        outcome.failure or " ".join(outcome.returned["problems"]))
    assert "wrong axis" not in (outcome.failure or " ".join(outcome.returned["problems"]))


def test_a_lesson_layout_candidate_with_dw_keys_has_its_entries_named_with_its_keys():
    from oracles.isolation import InProcess
    from reference.data import synthetic

    data = synthetic(rows=32, seed=1)
    spec = Spec((data.features, 4, 1))

    def doubled_dw(params, X, y):  # the lesson's layout, dW1-style keys, every gradient doubled
        return {f"d{k}": 2 * g for k, g in backward(params, X, y).items()}

    report = run(spec, data, InProcess("mine", doubled_dw), oracles=("torch",), convention="lesson")
    check = report.points[0].checks["W1"]["torch"]
    assert not check.passed and check.entry.startswith("dW1[")


def test_a_conventional_worker_handle_starts_and_ends_its_worker_as_a_context_manager(tmp_path):
    from oracles.candidate import load_candidate

    path = tmp_path / "cand.py"
    path.write_text("import numpy as np\ndef backward(p, X, Y):\n    return {'d' + k: np.zeros_like(v) for k, v in p.items()}\n")
    params = init_params(Spec((3, 2, 1)))
    with Conventional(load_candidate(f"{path}:backward"), "deeplearning-ai", "bce") as handle:
        outcome = handle.evaluate(params, np.ones((4, 3)), np.zeros((4, 1)))
        process = handle.inner.process
        assert process.poll() is None  # running while in use
        assert handle.start() is handle and handle.inner.process is process  # started once; the wrapper kept
    assert outcome.failure is None and handle.key_style == "dW1"
    assert process.poll() is not None  # ended with the block


def test_an_unknown_convention_is_refused_naming_the_known_ones_and_the_lessons_plain_keys_are_not_renamed():
    with pytest.raises(ValueError, match="convention must be one of lesson, "):
        layout("keras")
    handle = Conventional(_Returns([]), "lesson")
    handle.key_style = "W1"
    assert handle.rename("dW1 holds 1 non-finite value, first at W1[0, 1] = nan") == \
        "dW1 holds 1 non-finite value, first at W1[0, 1] = nan"


def test_the_lesson_layout_leaves_a_wrong_shape_to_the_canonical_contract_and_its_hints():
    spec = Spec((3, 2, 1))
    params = init_params(spec)
    X, y = np.ones((4, 3)), np.zeros((4, 1))
    pairs = [[k, {"array": g.ravel() if k == "b1" else g}] for k, g in backward(params, X, y).items()]  # db1 (2,)
    outcome = Conventional(_Returns(pairs), "lesson").evaluate(params, X, y)
    assert outcome.failure is None and outcome.returned["problems"] == []  # nothing said in a layout of its own
    with pytest.raises(ContractViolation, match="missing keepdims=True"):
        unpack(outcome, params)  # the canonical check's words
