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
        assert list(result.losses) == ["sum(out * dout)"] and result.LOSS_BASE == "sum(out * dout)"
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
    leaky = layer_run._draw(KINDS["leaky_relu"], 0, {"alpha": 0.1}, second=False)
    assert leaky["about"].startswith("hyper {'alpha': 0.1}, x (")
    bn = layer_run._draw(KINDS["batchnorm"], 0, {"mode": "test"}, second=False)
    D = bn["arrays"]["x"].shape[1]
    assert f"'running_mean': 'array ({D},)', 'running_var': 'array ({D},)'" in bn["about"]
    assert bn["about"].startswith("bn_param {'mode': 'test', ")
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


# the layer mistakes ---------------------------------------------------------------------------------


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


# check_layer with both workers' ops in this process ------------------------------------------------


from pathlib import Path  # noqa: E402


from family_fakes import LayerForwardHere, PairHere, substitute  # noqa: E402


from oracles.families.forward.points import ForwardError  # noqa: E402


LAYERS = Path(__file__).resolve().parent.parent / "candidates" / "layers"


def _at(file, name):
    return f"{LAYERS / file}.py:{name}"


@pytest.fixture
def here(monkeypatch):
    return substitute(monkeypatch, layer_run, LayerForwardSide=LayerForwardHere, PairSide=PairHere)


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
    assert all(list(p.losses) == ["your loss"] and p.LOSS_BASE == "your loss" for p in report.points)
    assert all(p.losses["your loss"] > 0 for p in report.points)
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
