"""The layers family: a course's layer_forward / layer_backward (CS231n's contract) checked against
finite differences of the user's forward (kinks found) and against the layer itself in torch and
JAX (oracles.families.layers)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from oracles import check_layer, registry
from oracles.shells.cli import main
from oracles.families.layers import KINDS
from oracles.families.layers.report import TIES
from oracles.families.forward.judge import SCREENED, SEARCHED
from test_layer_structure import EXPECTED  # each kind's linear and smooth arrays, from the layers' formulas

PER_ENTRY = {"linear": 1, "screened": 1}  # evaluations of the forward per entry (the full search: 4 or more)

CASES = Path(__file__).resolve().parent.parent / "candidates" / "layers"
FD = registry.DIFFERENCES
ORACLES = {FD, "torch", "jax"}


def at(file: str, name: str) -> str:
    return f"{CASES / file}.py:{name}"


# kind -> (file, forward, correct backward): a loss kind's backward is None (one function)
CORRECT = {
    "affine": ("affine", "affine_forward", "affine_backward"),
    "relu": ("relu", "relu_forward", "relu_backward"),
    "sigmoid": ("relu", "sigmoid_forward", "sigmoid_backward"),
    "tanh": ("relu", "tanh_forward", "tanh_backward"),
    "leaky_relu": ("relu", "leaky_relu_forward", "leaky_relu_backward"),
    "softmax_loss": ("losses", "softmax_loss", None),
    "svm_loss": ("losses", "svm_loss", None),
    "batchnorm": ("norms", "batchnorm_forward", "batchnorm_backward_alt"),
    "spatial_batchnorm": ("norms", "spatial_batchnorm_forward", "spatial_batchnorm_backward"),
    "layernorm": ("norms", "layernorm_forward", "layernorm_backward"),
    "dropout": ("dropout", "dropout_forward", "dropout_backward"),
    "conv": ("conv", "conv_forward_naive", "conv_backward_naive"),
    "max_pool": ("pool", "max_pool_forward_naive", "max_pool_backward_naive"),
    "avg_pool": ("pool", "avg_pool_forward_naive", "avg_pool_backward_naive"),
    "rnn_step": ("recurrent", "rnn_step_forward", "rnn_step_backward"),
    "lstm_step": ("recurrent", "lstm_step_forward", "lstm_step_backward"),
    "embedding": ("embedding", "word_embedding_forward", "word_embedding_backward"),
    "temporal_affine": ("embedding", "temporal_affine_forward", "temporal_affine_backward"),
    "rnn": ("recurrent", "rnn_forward", "rnn_backward"),
    "lstm": ("recurrent", "lstm_forward", "lstm_backward"),
    "temporal_softmax_loss": ("losses", "temporal_softmax_loss", None),
}

# (kind, forward, backward, the gradient that is wrong): a backward bug under a correct forward
GRADIENT_BUGS = [
    ("affine", "affine_forward", "affine_backward_db_mean", "db"),
    ("relu", "relu_forward", "relu_backward_passes_x", "dx"),
    ("relu", "relu_forward", "relu_backward_no_mask", "dx"),
    ("sigmoid", "sigmoid_forward", "sigmoid_backward_of_x", "dx"),
    ("tanh", "tanh_forward", "tanh_backward_missing_square", "dx"),
    ("leaky_relu", "leaky_relu_forward", "leaky_relu_backward_zero_slope", "dx"),
    ("softmax_loss", "softmax_loss_not_averaged", None, "dx"),
    ("svm_loss", "svm_loss_correct_class_missing", None, "dx"),
    ("batchnorm", "batchnorm_forward", "batchnorm_backward_no_mean_terms", "dx"),
    ("spatial_batchnorm", "spatial_batchnorm_forward", "spatial_batchnorm_backward_dgamma_of_first_image", "dgamma"),
    ("layernorm", "layernorm_forward", "layernorm_backward_batch_axis", "dx"),
    ("dropout", "dropout_forward", "dropout_backward_not_rescaled", "dx"),
    ("dropout", "dropout_forward", "dropout_backward_new_mask", "dx"),
    ("conv", "conv_forward_naive", "conv_backward_flipped_kernel", "dx"),
    ("conv", "conv_forward_naive", "conv_backward_stride_ignored", "dw"),
    ("max_pool", "max_pool_forward_naive", "max_pool_backward_every_position", "dx"),
    ("avg_pool", "avg_pool_forward_naive", "avg_pool_backward_not_divided", "dx"),
    ("rnn_step", "rnn_step_forward", "rnn_step_backward_no_tanh_derivative", "dprev_h"),
    ("lstm_step", "lstm_step_forward", "lstm_step_backward_gate_g_sigmoid", "dWx"),
    ("lstm_step", "lstm_step_forward", "lstm_step_backward_no_cell_tanh", "dprev_c"),
    ("embedding", "word_embedding_forward", "word_embedding_backward_overwrites", "dW"),
    ("temporal_affine", "temporal_affine_forward", "temporal_affine_backward_db_last_step", "db"),
    ("rnn", "rnn_forward", "rnn_backward_no_carry", "dh0"),
    ("lstm", "lstm_forward", "lstm_backward_cell_not_carried", "dWx"),
    ("temporal_softmax_loss", "temporal_softmax_loss_mask_ignored", None, "dx"),
]

# (kind, forward, backward, what the forward computes instead of the layer)
FORWARD_BUGS = [
    ("affine", "affine_forward_no_bias", "affine_backward_no_bias"),
    ("batchnorm", "batchnorm_forward_unbiased", "batchnorm_backward_alt"),
    ("batchnorm", "batchnorm_forward_momentum_swapped", "batchnorm_backward_alt"),
    ("spatial_batchnorm", "spatial_batchnorm_forward_no_transpose", "spatial_batchnorm_backward_no_transpose"),
    ("conv", "conv_forward_no_padding", "conv_backward_naive"),
    ("dropout", "dropout_forward_not_rescaled", "dropout_backward"),
    ("dropout", "dropout_forward_p_drops", "dropout_backward"),
]


def run(kind, forward, backward, **kw):
    file = CORRECT[kind][0]
    return check_layer(kind, at(file, forward), None if backward is None else at(file, backward), **kw)


def test_every_kind_has_a_correct_candidate_here_and_the_options_know_each():
    from oracles.families.layers.names import NAMES

    assert set(CORRECT) == set(KINDS) and tuple(KINDS) == NAMES


@pytest.mark.parametrize("kind", list(CORRECT))
def test_each_correct_layer_passes_against_all_three_oracles(kind):
    file, forward, backward = CORRECT[kind]
    report = run(kind, forward, backward)
    assert report.passed, [line for p in report.points for line in p.verdict_lines()]
    for p in report.points:
        if "(mode test)" in p.name and "test" in KINDS[kind].forward_only:  # batch norm's test mode: the forward alone
            assert p.checks == {} and set(p.forward_checks) >= set(KINDS[kind].outputs)
            continue
        assert set(p.checks) - {TIES} == {f"d{k}" for k in KINDS[kind].grads}
        assert all(set(per) == ORACLES for name, per in p.checks.items() if name != TIES)
        assert not p.not_the_layer and set(p.forward_checks) >= set(KINDS[kind].outputs)
        for k in KINDS[kind].grads:  # the forward is the layer: its formula's structure used
            way = EXPECTED[kind].get(k, SEARCHED)
            entries = int(np.prod(p.shapes[f"d{k}"][0]))
            again = p.differenced[k]["searched_again"]
            assert p.differenced[k]["as"] == way, (k, p.differenced)
            if way == SEARCHED:
                assert p.differenced[k]["evaluations"] >= 4 * entries
            elif KINDS[kind].smooth:  # nothing searched again: one evaluation per entry
                assert again == 0 and p.differenced[k]["evaluations"] == PER_ENTRY[way] * entries, (k, p.differenced)
            else:  # a kinked kind's grid point holds entries at its kinks (a zero, a tie): those searched
                assert p.differenced[k]["evaluations"] >= entries + 4 * again  # one each, four more where searched


@pytest.mark.parametrize("kind, forward, backward, wrong", GRADIENT_BUGS,
                         ids=[b[2] or b[1] for b in GRADIENT_BUGS])
def test_each_backward_bug_fails_against_every_oracle_and_its_forward_is_the_layer(kind, forward, backward, wrong):
    report = run(kind, forward, backward)
    assert not report.passed and report.exit_code() == 1
    failing = [p for p in report.points if not p.passed]
    assert failing
    for p in failing:
        assert not p.not_the_layer and p.violation is None
        assert {c.oracle for c in p.failures() if c.param == wrong} == ORACLES
        if wrong[1:] in EXPECTED[kind]:  # a shortcut was used: the entries it disagreed at were searched in full
            assert p.differenced[wrong[1:]]["searched_again"] > 0


@pytest.mark.parametrize("kind, forward, backward", FORWARD_BUGS, ids=[b[1] for b in FORWARD_BUGS])
def test_a_wrong_forward_is_reported_as_not_the_layer(kind, forward, backward):
    report = run(kind, forward, backward)
    assert not report.passed
    shown = [p for p in report.points if "'pad': 0" not in p.about  # no padding to forget at pad 0
             and not ("momentum" in forward and "(mode test)" in p.name)]  # nor a momentum in test mode
    assert shown and all(p.not_the_layer for p in shown)
    for p in shown:  # nothing the layer's formula promises is used for a forward that is not the layer
        assert {v["as"] for v in p.differenced.values()} <= {SCREENED, SEARCHED}  # no linear shortcut
    lines = [line for p in report.points for line in p.verdict_lines()]
    assert any(line.startswith(f"forward: your forward is not the layer {kind}") for line in lines)


def test_a_wrong_forward_with_its_own_gradient_is_the_gradient_of_its_forward_but_not_of_the_layer():
    """The affine forward without its bias, and the exact gradient of that forward: finite
    differences of the user's forward agree; torch's and jax's vjp do not."""
    report = run("affine", "affine_forward_no_bias", "affine_backward_no_bias")
    for p in report.points:
        assert all(per[FD].passed for per in p.checks.values())
        assert not p.checks["db"]["torch"].passed and not p.checks["db"]["jax"].passed


@pytest.mark.parametrize("kind, backward, held", [
    ("affine", "affine_backward_dx_not_reshaped", "dx has shape"),
    ("conv", "conv_backward_padding_not_cropped", "dx has shape"),
])
def test_a_gradient_of_the_wrong_shape_breaks_the_contract(kind, backward, held):
    report = run(kind, CORRECT[kind][1], backward)
    assert not report.passed
    shown = [p for p in report.points if "'pad': 0" not in p.about]  # no padding to leave on at pad 0
    assert shown and all(p.violation is not None and p.violation.startswith(held) for p in shown)


def test_both_paddings_and_both_strides_are_drawn_so_a_crop_that_needs_padding_fails_without_it():
    report = run("conv", "conv_forward_naive", "conv_backward_crop_negative")
    with_padding, without = report.points
    assert "'stride': 2, 'pad': 1" in with_padding.about and "'stride': 1, 'pad': 0" in without.about
    assert with_padding.passed
    assert without.violation is not None and without.violation.startswith("dx has shape")


def test_dropout_is_also_checked_in_test_mode_where_it_is_the_identity():
    report = run("dropout", "dropout_forward", "dropout_backward")
    assert report.passed and [p.name for p in report.points] == ["seed 0", "seed 1", "seed 0 (mode test)"]
    report = run("dropout", "dropout_forward_masks_in_test_mode", "dropout_backward_masks_always")
    *trained, tested = report.points
    assert all(p.passed for p in trained) and tested.not_the_layer


@pytest.mark.parametrize("kind, forward, backward, named", [
    ("conv", "conv_forward_naive", "conv_backward_flipped_kernel", "conv-flipped-kernel"),
    ("conv", "conv_forward_naive", "conv_backward_stride_ignored", "conv-stride-ignored"),
    ("embedding", "word_embedding_forward", "word_embedding_backward_overwrites", "embedding-overwrites"),
    ("max_pool", "max_pool_forward_naive", "max_pool_backward_every_position", "max-pool-every-position"),
    ("avg_pool", "avg_pool_forward_naive", "avg_pool_backward_not_divided", "avg-pool-not-divided"),
    ("batchnorm", "batchnorm_forward", "batchnorm_backward_no_mean_terms", "batchnorm-no-mean-terms"),
    ("dropout", "dropout_forward", "dropout_backward_not_rescaled", "dropout-not-rescaled"),
    ("relu", "relu_forward", "relu_backward_no_mask", "relu-no-mask"),
    ("rnn_step", "rnn_step_forward", "rnn_step_backward_no_tanh_derivative", "rnn-step-no-tanh-derivative"),
    ("lstm_step", "lstm_step_forward", "lstm_step_backward_gate_g_sigmoid", "lstm-g-gate-sigmoid-derivative"),
    ("lstm_step", "lstm_step_forward", "lstm_step_backward_no_cell_tanh", "lstm-no-cell-tanh-derivative"),
    ("rnn", "rnn_forward", "rnn_backward_no_carry", "rnn-not-carried"),
    ("lstm", "lstm_forward", "lstm_backward_cell_not_carried", "lstm-cell-not-carried"),
], ids=lambda v: v if isinstance(v, str) and "-" in v else None)
def test_a_classic_layer_mistake_is_named_where_it_fails(kind, forward, backward, named):
    report = run(kind, forward, backward)
    failing = [p for p in report.points if not p.passed]
    assert failing
    for p in failing:
        assert [d for d in p.diagnosis if d.endswith(f"[{named}]")], p.diagnosis


@pytest.mark.parametrize("kind, forward, backward, factor", [
    ("affine", "affine_forward", "affine_backward_db_mean", lambda n: f"db is {1 / n:.6g} (1 / N (1/{n}))"),
    ("softmax_loss", "softmax_loss_not_averaged", None, lambda n: f"dx is {n} (N = {n})"),
])
def test_a_constant_factor_is_named(kind, forward, backward, factor):
    """Each point's batch size N, read from its arrays' shapes, is the factor named."""
    report = run(kind, forward, backward)
    for p in report.points:
        n = int(p.about.split("x (")[1].split(",")[0])
        assert any(d.startswith(factor(n) + " times the gradient") for d in p.diagnosis), p.diagnosis


@pytest.mark.parametrize("kind, forward, backward, named", [
    ("batchnorm", "batchnorm_forward_unbiased", "batchnorm_backward_alt", "batchnorm-unbiased-variance"),
    ("batchnorm", "batchnorm_forward_eps_outside", "batchnorm_backward_alt", "batchnorm-eps-outside-sqrt"),
    ("affine", "affine_forward_no_bias", "affine_backward_no_bias", "affine-no-bias"),
    ("spatial_batchnorm", "spatial_batchnorm_forward_no_transpose", "spatial_batchnorm_backward_no_transpose",
     "spatial-batchnorm-no-transpose"),
    ("dropout", "dropout_forward_not_rescaled", "dropout_backward", "dropout-forward-not-rescaled"),
])
def test_a_classic_forward_mistake_is_named(kind, forward, backward, named):
    report = run(kind, forward, backward)
    for p in [p for p in report.points if "mode test" not in p.name]:  # dropout's test mode is the identity
        assert p.not_the_layer and [d for d in p.diagnosis if d.endswith(f"[{named}]")], p.diagnosis


def test_a_mistake_is_not_named_where_it_is_not_reproduced():
    """A relu that multiplies by x is none of the catalogue's relu mistakes, nor a constant factor."""
    report = run("relu", "relu_forward", "relu_backward_passes_x")
    assert not report.passed and all(p.diagnosis == [] for p in report.points)


def test_batchnorm_keeps_its_running_averages_in_bn_param():
    report = run("batchnorm", "batchnorm_forward", "batchnorm_backward_alt")
    assert all({"bn_param['running_mean']", "bn_param['running_var']"} <= set(p.forward_checks)
               for p in report.points)
    swapped = run("batchnorm", "batchnorm_forward_momentum_swapped", "batchnorm_backward_alt")
    for p in [p for p in swapped.points if "(mode test)" not in p.name]:  # test mode keeps them as they are
        assert p.forward_checks["out"]["torch"].passed  # the output is right
        assert not p.forward_checks["bn_param['running_mean']"]["torch"].passed
        assert all(c.passed for per in p.checks.values() for c in per.values())
    unkept = run("batchnorm", "batchnorm_forward_unbiased", "batchnorm_backward_alt")
    assert all(any("bn_param['running_mean'] after the call is missing" in line for line in p.verdict_lines())
               for p in unkept.points if "(mode test)" not in p.name)  # in test mode they were given


def test_fuzz_draws_more_points_and_all_agree_for_a_correct_layer(tmp_path):
    out = tmp_path / "fuzz.json"
    code = main(["--layer", "conv", "--forward", at("conv", "conv_forward_naive"), "--candidate",
                 at("conv", "conv_backward_naive"), "--fuzz", "6", "--format", "json", "--output", str(out), "--quiet"])
    assert code == 0
    fuzz = json.loads(out.read_text())["fuzz"]
    assert fuzz["passed"] and fuzz["examples"] == 6


def test_fuzz_stops_at_the_first_point_that_fails_and_its_seed_replays_it(tmp_path):
    """A backward wrong only for a batch of two (a size the first two points may not draw)."""
    from oracles.families.layers.run import _draw

    bad = tmp_path / "two.py"
    bad.write_text("import numpy as np\n\ndef forward(x):\n    return np.maximum(x, 0), x\n\n"
                   "def backward(dout, x):\n    return dout * (x > 0) * (0.5 if x.shape[0] == 2 else 1.0)\n")
    seed = next(s for s in range(50) if all(_draw(KINDS["relu"], s + i, {}, second=bool(i))["arrays"]["x"].shape[0] != 2
                                            for i in (0, 1)))
    report = check_layer("relu", f"{bad}:forward", f"{bad}:backward", seed=seed, fuzz=40)
    assert not report.passed and not report.fuzz["passed"]
    assert all(p.passed for p in report.points[:2]) and "x (2, " in report.points[-1].about
    replayed = check_layer("relu", f"{bad}:forward", f"{bad}:backward", seed=int(report.fuzz["replay"].split()[-1]))
    assert any("x (2, " in p.about and not p.passed for p in replayed.points)


def test_labels_are_integers_even_with_two_classes_and_a_mask_is_booleans():
    from oracles.families.layers.run import _draw

    drawn = [_draw(KINDS["softmax_loss"], s, {}, second=False)["arrays"] for s in range(40)]
    assert any(a["x"].shape[1] == 2 for a in drawn)
    assert all(a["y"].dtype.kind == "i" for a in drawn)
    assert _draw(KINDS["temporal_softmax_loss"], 0, {}, second=False)["arrays"]["mask"].dtype == bool


def test_relu_zeros_are_kinks_found_and_either_one_sided_slope_passes():
    """The second point's x lies on a grid: each exact zero of x is a kink the one-sided differences
    find (and no other entry is), and relu'(0) = 0 or 1 are both subgradients there."""
    from oracles.families.layers.run import _draw

    x = _draw(KINDS["relu"], 1, {}, second=True)["arrays"]["x"]
    zeros = int((x == 0).sum())
    assert zeros > 0
    for backward in ("relu_backward", "relu_backward_ge"):
        report = run("relu", "relu_forward", backward)
        assert report.passed
        assert report.points[1].checks["dx"][FD].subgradient == zeros
        assert report.points[0].checks["dx"][FD].subgradient == 0


def test_max_pool_ties_are_kinks_found():
    """A window whose maximum is tied: each tied entry is a kink (perturbing it up moves the
    gradient to it); an untied maximum is not."""
    from oracles.families.layers.run import _draw

    pool = {"pool_height": 2, "pool_width": 2, "stride": 2}
    x = _draw(KINDS["max_pool"], 1, pool, second=True)["arrays"]["x"]
    N, C, H, W = x.shape
    tied = np.zeros(x.shape, dtype=bool)
    for i in range(0, H - 1, 2):
        for j in range(0, W - 1, 2):
            window = x[:, :, i:i + 2, j:j + 2]
            at_max = window == window.max(axis=(2, 3), keepdims=True)
            tied[:, :, i:i + 2, j:j + 2] |= at_max & (at_max.sum(axis=(2, 3), keepdims=True) > 1)
    assert tied.any()
    report = run("max_pool", "max_pool_forward_naive", "max_pool_backward_naive", **pool)
    assert report.passed
    assert report.points[1].checks["dx"][FD].subgradient == int(tied.sum())


def test_max_pool_ties_in_overlapping_windows_pass_with_the_first_maximum():
    """Windows 2 x 3 at stride 2 overlap along the width: an entry tied in two windows may get either
    window's dout (torch's first maximum of each), which the one-sided differences alone miss."""
    pool = {"pool_height": 2, "pool_width": 3, "stride": 2}
    report = run("max_pool", "max_pool_forward_naive", "max_pool_backward_naive", **pool)
    assert report.passed
    assert report.points[1].checks["dx"][FD].subgradient > 0


@pytest.mark.parametrize("pool", [{"pool_height": 2, "pool_width": 2, "stride": 2},
                                  {"pool_height": 2, "pool_width": 3, "stride": 2},
                                  {"pool_height": 3, "pool_width": 3, "stride": 2}], ids=["2x2/2", "2x3/2", "3x3/2"])
def test_a_gradient_sent_to_every_tied_maximum_fails_on_its_sum_over_the_ties(pool):
    """Each tied entry alone lies in its interval; the sum over a window's tied maxima is the
    window's dout once (the first maximum's rule passes the same check)."""
    assert run("max_pool", "max_pool_forward_naive", "max_pool_backward_naive", **pool).passed
    report = run("max_pool", "max_pool_forward_naive", "max_pool_backward_every_tie", **pool)
    tied = report.points[1]
    assert not tied.passed and report.points[0].passed
    assert [c.param for c in tied.failures()] == [TIES]
    assert all(c.passed for c in tied.checks["dx"].values())


def test_at_the_drawn_pools_the_grid_point_catches_a_gradient_sent_to_every_tied_maximum():
    report = run("max_pool", "max_pool_forward_naive", "max_pool_backward_every_tie")
    overlapping, tied = report.points
    assert "'stride': 1" in overlapping.about and "'stride': 2" in tied.about
    assert overlapping.passed and [c.param for c in tied.failures()] == [TIES]


def test_fixed_hyper_parameters_are_the_ones_every_point_uses():
    report = run("conv", "conv_forward_naive", "conv_backward_naive", layer_args={"stride": 2}, pad=1)
    assert report.passed
    assert all("{'stride': 2, 'pad': 1}" in p.about for p in report.points)


def test_functions_given_to_the_api_run_by_value():
    from candidates.layers.recurrent import lstm_step_backward, lstm_step_forward

    assert check_layer("lstm_step", lstm_step_forward, lstm_step_backward).passed


def test_the_command_checks_a_convolution_and_writes_the_layers_json(tmp_path, capsys):
    out = tmp_path / "report.json"
    code = main(["--layer", "conv", "--forward", at("conv", "conv_forward_naive"), "--candidate",
                 at("conv", "conv_backward_naive"), "--layer-args", '{"stride": 2, "pad": 1}', "--format", "json",
                 "--output", str(out), "--quiet"])
    assert code == 0
    report = json.loads(out.read_text())
    assert report["family"] == "layers" and report["layer"] == "conv" and report["passed"]


def test_the_command_says_a_wrong_forward_is_not_the_layer(capsys):
    code = main(["--layer", "conv", "--forward", at("conv", "conv_forward_no_padding"), "--candidate",
                 at("conv", "conv_backward_naive"), "--layer-args", '{"pad": 1}', "--quiet"])
    assert code == 1
    assert "forward: your forward is not the layer conv" in capsys.readouterr().out


def test_a_loss_kind_is_one_candidate(capsys):
    assert main(["--layer", "softmax_loss", "--candidate", at("losses", "softmax_loss"), "--quiet"]) == 0


@pytest.mark.parametrize("argv, words", [
    (["--layer", "conv", "--candidate", "x.py:conv_backward"], "needs --forward"),
    (["--layer", "conv", "--forward", "FWD", "--candidate", "BWD", "--layer-args", "{stride: 2}"], "JSON object"),
    (["--layer", "conv", "--forward", "FWD", "--candidate", "BWD", "--layer-args", '{"strides": 2}'],
     "conv takes stride, pad, not strides"),
    (["--layer-args", '{"pad": 1}', "--candidate", "BWD"], "--layer-args goes with --layer"),
    (["--layer", "conv", "--forward", "missing.py:f", "--candidate", "BWD"], "missing.py: --forward file not found"),
    (["--layer", "conv", "--forward", "FWD", "--candidate", "BWD", "--plot", "p.png"],
     "--plot does not apply with --layer: not available with --layer yet"),
    (["--layer", "conv", "--forward", "FWD", "--candidate", "BWD", "--hidden", "16"],
     "--hidden does not apply with --layer: it describes the built-in network"),
    (["--layer", "conv", "--forward", "FWD", "--candidate", "BWD", "--dtype", "float64"],
     "--dtype does not apply with --layer: layers are checked in float64"),
])
def test_bad_layer_input_is_exit_2_and_one_line(argv, words, capsys):
    argv = [a.replace("FWD", at("conv", "conv_forward_naive")).replace("BWD", at("conv", "conv_backward_naive"))
            for a in argv]
    assert main(argv + ["--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err


def test_an_unknown_kind_is_refused_by_the_api():
    with pytest.raises(ValueError, match="layer must be one of"):
        check_layer("convolution", at("conv", "conv_forward_naive"), at("conv", "conv_backward_naive"))


def test_a_forward_that_raises_is_a_usage_error_naming_it(tmp_path, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("def forward(x):\n    raise RuntimeError('not written yet')\n\n"
                   "def backward(dout, cache):\n    return dout\n")
    assert main(["--layer", "relu", "--forward", f"{bad}:forward", "--candidate", f"{bad}:backward", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "not written yet" in err and "bad.py" in err


def test_a_backward_that_imports_the_judge_is_refused_in_its_worker(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("import numpy as np\n\ndef forward(x):\n    return np.maximum(x, 0), x\n\n"
                      "def backward(dout, cache):\n    import oracles\n    return dout * (cache > 0)\n")
    report = check_layer("relu", f"{sneaky}:forward", f"{sneaky}:backward")
    assert not report.passed
    assert all("refused" in (p.violation or "") for p in report.points)


def _losses(forward, kind: str, hyper: dict, arrays: dict, douts: list, stacked: bool) -> np.ndarray:
    """The forward's worker op on every entry stepped by +-h, in this process: slices stacked or one by one."""
    from oracles import worker

    layer = KINDS[kind].message(hyper)
    if not stacked:
        layer["stacks"], layer["units"] = [], []
    perturb = [[k, [i], [v + s]] for k, a in arrays.items() for i, v in enumerate(a.reshape(-1).tolist())
               for s in (1e-3, -1e-3)]  # blocks of one entry each
    reply = worker.layer_losses(forward, {"layer": layer, "params": arrays, "perturb": perturb, "base": 1,
                                          "inputs": {f"dout{i}": d for i, d in enumerate(douts)}})
    assert reply["kind"] == "losses"
    return reply["losses"]


def test_stacked_copies_give_the_losses_of_one_entry_at_a_time():
    from candidates.layers.conv import conv_forward_naive

    rng = np.random.default_rng(3)
    arrays = {"x": rng.standard_normal((2, 3, 5, 4)), "w": rng.standard_normal((4, 3, 3, 2)), "b": rng.standard_normal(4)}
    hyper = {"stride": 1, "pad": 1}
    dout = rng.standard_normal(conv_forward_naive(*arrays.values(), hyper)[0].shape)
    one = _losses(conv_forward_naive, "conv", hyper, arrays, [dout], stacked=False)
    many = _losses(conv_forward_naive, "conv", hyper, arrays, [dout], stacked=True)
    assert one.shape == many.shape == (1 + 2 * sum(a.size for a in arrays.values()),)
    np.testing.assert_allclose(many, one, rtol=0, atol=1e-12 * np.abs(one).max())


def test_a_forward_that_couples_the_rows_is_differenced_one_entry_at_a_time():
    def centred_relu(x):  # not the layer: each row depends on the others (the batch's mean)
        return np.maximum(x - x.mean(axis=0), 0), x

    rng = np.random.default_rng(4)
    arrays, dout = {"x": rng.standard_normal((4, 3))}, rng.standard_normal((4, 3))
    one = _losses(centred_relu, "relu", {}, arrays, [dout], stacked=False)
    np.testing.assert_array_equal(_losses(centred_relu, "relu", {}, arrays, [dout], stacked=True), one)


def _counted(forward):
    """``forward``, and a list whose length is how often it was called."""
    calls = []

    def counted(*args, **kw):
        calls.append(1)
        return forward(*args, **kw)
    return counted, calls


def _recurrent(kind: str, H: int, seed: int = 5):
    """A recurrent kind's arrays with H hidden units, and a dout for each of its outputs."""
    rng = np.random.default_rng(seed)
    G = 4 if kind.startswith("lstm") else 1
    N, T, D = 2, 3, 3
    arrays = {"x": rng.standard_normal((N, T, D) if kind in ("rnn", "lstm") else (N, D))}
    arrays.update({s: rng.standard_normal((N, H)) for s in KINDS[kind].args if s in ("h0", "prev_h", "prev_c")})
    arrays.update(Wx=rng.standard_normal((D, G * H)), Wh=rng.standard_normal((H, G * H)), b=rng.standard_normal(G * H))
    shape = (N, T, H) if kind in ("rnn", "lstm") else (N, H)
    return {k: arrays[k] for k in KINDS[kind].args}, [rng.standard_normal(shape) for _ in KINDS[kind].outputs]


@pytest.mark.parametrize("kind, forward", [("rnn_step", "rnn_step_forward"), ("lstm_step", "lstm_step_forward"),
                                           ("rnn", "rnn_forward"), ("lstm", "lstm_forward")])
def test_a_recurrent_layers_weights_are_differenced_many_copies_side_by_side_per_call(kind, forward):
    """Copies of the layer set side by side along its hidden units (``Kind.units``) give the losses
    of one perturbed entry at a time, in a few calls of the forward where one at a time makes one
    per entry: the weights, shared by every row and step, are reached by no batch stacking."""
    from candidates.layers import recurrent

    arrays, douts = _recurrent(kind, H=6)
    one = _losses(getattr(recurrent, forward), kind, {}, arrays, douts, stacked=False)
    counted, calls = _counted(getattr(recurrent, forward))
    many = _losses(counted, kind, {}, arrays, douts, stacked=True)
    np.testing.assert_allclose(many, one, rtol=0, atol=1e-12 * np.abs(one).max())
    weights = 2 * sum(arrays[k].size for k in ("Wx", "Wh", "b"))  # entries, each stepped twice
    assert len(calls) < weights / 10, (len(calls), weights)


def test_a_recurrent_forward_that_mixes_its_hidden_units_is_differenced_one_entry_at_a_time():
    """A forward whose units read each other beyond ``Wh`` (here each step's pre-activation centred
    over the units) is not the layer; set side by side its copies would read each other's units.
    The first call's check (the point and another point, as in place) sees it: the weights' losses
    are then one entry at a time, as the forward in place gives them."""
    def centred_rnn_step(x, prev_h, Wx, Wh, b):
        a = x @ Wx + prev_h @ Wh + b
        return np.tanh(a - a.mean(axis=1, keepdims=True)), None

    arrays, douts = _recurrent("rnn_step", H=5)
    one = _losses(centred_rnn_step, "rnn_step", {}, arrays, douts, stacked=False)
    counted, calls = _counted(centred_rnn_step)
    many = _losses(counted, "rnn_step", {}, arrays, douts, stacked=True)
    np.testing.assert_allclose(many, one, rtol=0, atol=1e-12 * np.abs(one).max())  # x's rows stacked: rounding
    weights = 2 * sum(arrays[k].size for k in ("Wx", "Wh", "b"))
    assert len(calls) > weights


def test_a_recurrent_layer_too_wide_for_copies_side_by_side_is_differenced_one_entry_at_a_time():
    """Past ``UNITS_STACKED`` hidden units in one call (fewer than ``UNITS_LEAST`` copies of the
    layer), the copies' recurrent matrix would cost more than the calls it saves: one at a time.
    At the widest layer of which ``UNITS_LEAST`` copies fit, side by side still."""
    from candidates.layers.recurrent import rnn_step_forward
    from oracles import worker

    widest = worker.UNITS_STACKED // worker.UNITS_LEAST
    for H, stacked in ((widest, True), (widest + 1, False)):
        arrays, douts = _recurrent("rnn_step", H=H)
        counted, calls = _counted(rnn_step_forward)
        perturb = [["b", list(range(H)), (arrays["b"] + 1e-3).tolist()]]
        reply = worker.layer_losses(counted, {"layer": KINDS["rnn_step"].message({}), "params": arrays,
                                              "perturb": perturb, "base": 0, "inputs": {"dout0": douts[0]}})
        assert reply["kind"] == "losses" and len(reply["losses"]) == H
        assert (len(calls) < H) == stacked, (H, len(calls))


def test_copies_side_by_side_are_as_many_as_fit_the_stacked_elements(monkeypatch):
    """The copies in one call are bounded by ``STACK_ELEMENTS`` (the recurrent matrix grows as the
    square of the copies): where just ``UNITS_LEAST`` copies fit, side by side; one element fewer,
    one at a time."""
    from candidates.layers.recurrent import rnn_step_forward
    from oracles import worker

    arrays, douts = _recurrent("rnn_step", H=3)
    units = dict((n, axes) for n, axes in KINDS["rnn_step"].message({})["units"])
    least = sum(arrays[n].size * worker.UNITS_LEAST ** len(axes) for n, axes in units.items())
    for elements, stacked in ((least, True), (least - 1, False)):
        monkeypatch.setattr(worker, "STACK_ELEMENTS", elements)
        counted, calls = _counted(rnn_step_forward)
        perturb = [["Wh", list(range(9)), (arrays["Wh"].reshape(-1) + 1e-3).tolist()]]
        reply = worker.layer_losses(counted, {"layer": KINDS["rnn_step"].message({}), "params": arrays,
                                              "perturb": perturb, "base": 0, "inputs": {"dout0": douts[0]}})
        assert reply["kind"] == "losses"
        assert (len(calls) < 9) == stacked, (elements, len(calls))


def test_a_correct_hinge_loss_at_an_exact_margin_tie_passes_against_torch_and_jax():
    """At seed 146 (x on the grid) a margin of row 4 is exactly 0: the finite differences find the
    kink and read its flat side's slope as 1.5e-10, not 0, from rounding. The candidate's 0, also
    torch's and JAX's, is held to that interval at the differences' tolerance, not at the
    frameworks' far tighter one (found by ``benchmarks/layers_fuzz.py --seed 5``)."""
    report = run("svm_loss", "svm_loss", None, seed=145)
    tie = report.points[1]
    assert tie.name == "seed 146" and "x on a grid" in tie.about
    assert tie.checks["dx"][FD].subgradient > 0  # the kink was found, and decided as a subgradient
    assert report.passed, [p.failure_lines() for p in report.points]


def test_random_directions_pass_a_correct_convolution_and_fail_a_flipped_kernel():
    right = run("conv", "conv_forward_naive", "conv_backward_naive", directions=3)
    assert right.passed and "3 random directions per array" in right.fd_mode
    for p in right.points:  # conv is linear in each array, so in each along a line: one evaluation per direction
        assert p.differenced == dict.fromkeys("xwb", {"as": "linear", "evaluations": 3, "searched_again": 0})
    wrong = run("conv", "conv_forward_naive", "conv_backward_flipped_kernel", directions=3)
    assert not wrong.passed
    assert all(not p.checks["dx"][FD].passed and p.checks["dw"][FD].passed for p in wrong.points)


def test_the_directions_depend_on_the_answer():
    from oracles.families.layers.directions import draw

    g = {"x": np.ones((2, 3))}
    first, again = draw(0, "seed 0", g, {"x": (2, 3)}, 4), draw(0, "seed 0", g, {"x": (2, 3)}, 4)
    other = draw(0, "seed 0", {"x": np.full((2, 3), 2.0)}, {"x": (2, 3)}, 4)
    np.testing.assert_array_equal(first["x"], again["x"])
    assert not np.allclose(first["x"], other["x"])
    np.testing.assert_allclose(np.linalg.norm(first["x"].reshape(4, -1), axis=1), 1.0)


def test_the_command_takes_directions_with_a_layer(capsys):
    assert main(["--layer", "conv", "--forward", at("conv", "conv_forward_naive"), "--candidate",
                 at("conv", "conv_backward_naive"), "--directions", "2", "--quiet"]) == 0


def test_batchnorm_test_mode_uses_the_running_averages_and_checks_the_forward_alone():
    right = run("batchnorm", "batchnorm_forward", "batchnorm_backward_alt")
    test = right.points[-1]
    assert test.name == "seed 0 (mode test)" and "running_mean" in test.about and test.passed
    assert test.checks == {} and {"out", "bn_param['running_mean']", "bn_param['running_var']"} <= set(test.forward_checks)
    wrong = run("batchnorm", "batchnorm_forward_batch_statistics_in_test", "batchnorm_backward_alt")
    assert [p.passed for p in wrong.points] == [True, True, False]
    bad = wrong.points[-1]
    assert not bad.forward_checks["out"]["torch"].passed and not bad.forward_checks["out"]["jax"].passed
    assert any(d.endswith("[batchnorm-batch-statistics-in-test-mode]") for d in bad.diagnosis), bad.diagnosis


def test_spatial_batchnorm_normalizes_each_channel_over_the_batch_and_positions():
    report = run("spatial_batchnorm", "spatial_batchnorm_forward", "spatial_batchnorm_backward")
    assert report.passed and len(report.points) == 3
    assert all(len(p.about.split("x (")[1].split(")")[0].split(",")) == 4 for p in report.points)
    wrong = run("spatial_batchnorm", "spatial_batchnorm_forward", "spatial_batchnorm_backward_dgamma_of_first_image")
    failing = [p for p in wrong.points if not p.passed]
    assert failing and all({c.param for c in p.failures()} == {"dgamma", "dbeta"} for p in failing)


def test_with_fuzz_a_backward_that_accumulates_between_calls_breaks_determinism():
    report = run("affine", "affine_forward", "affine_backward_accumulates", fuzz=1)
    first = report.points[0]
    assert not first.passed and first.checks["dw"][FD].passed  # its first answer is right
    assert first.laws and first.laws[0].startswith("law determinism: two calls on the same arrays and dout differ: dw[")


def test_with_fuzz_a_backward_that_clips_dout_breaks_linearity_where_its_gradient_passes():
    report = run("affine", "affine_forward", "affine_backward_clipped", fuzz=1)
    caught = [p for p in report.points if p.laws and all(c.passed for per in p.checks.values() for c in per.values())]
    assert caught, [p.verdict_lines() for p in report.points]
    assert all(line.startswith("law linearity in dout: backward(2 dout) is not 2 backward(dout): d")
               for p in caught for line in p.laws)


@pytest.mark.parametrize("kind", ["affine", "conv", "avg_pool", "temporal_affine", "embedding", "lstm", "relu"])
def test_with_fuzz_a_correct_layer_keeps_both_laws(kind):
    file, forward, backward = CORRECT[kind]
    report = run(kind, forward, backward, fuzz=1)
    assert report.passed and all(p.laws == [] for p in report.points)


def test_without_fuzz_the_laws_are_not_asked():
    assert run("affine", "affine_forward", "affine_backward_clipped").points[0].laws == []


def test_a_fuzz_point_that_breaks_a_law_is_replayed_with_the_laws_on():
    """At seed 1 the first two points' dout stays under 2.25 (no clip at 2 dout); the first fuzz point's does not."""
    report = run("affine", "affine_forward", "affine_backward_clipped_wide", seed=1, fuzz=4)
    assert not report.points[0].laws and not report.points[1].laws
    failed = report.points[-1]
    assert failed.laws and failed.failures() == []  # the law alone fails it
    assert report.fuzz["replay"] == "--fuzz 1 --seed 3"
    replayed = run("affine", "affine_forward", "affine_backward_clipped_wide", seed=3, fuzz=1)
    assert replayed.points[0].laws == failed.laws


def test_the_timeout_given_holds_the_backward_s_worker(tmp_path):
    slow = tmp_path / "slow.py"
    slow.write_text("import time\nimport numpy as np\n\ndef forward(x):\n    return np.maximum(x, 0), x\n\n"
                    "def backward(dout, cache):\n    time.sleep(3)\n    return dout * (cache > 0)\n")
    report = check_layer("relu", f"{slow}:forward", f"{slow}:backward", timeout=1)
    assert not report.passed
    assert all("time limit of 1 s" in (p.violation or "") for p in report.points), [p.violation for p in report.points]
