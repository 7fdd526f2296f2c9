"""The diagnosis names a cause only when a mistake of the grammar reproduces the candidate's numbers."""
import json

import numpy as np
import pytest

from oracles import policy
from oracles.candidate import InProcess
from oracles.harness import run
from oracles.mistakes import ALL_IDS, name_factor, ratio_words
from properties import catalogue
from properties.heldout import load_cases
from reference.model import Spec

CASES = {c.name: c for c in load_cases("batch1")}


def check(real, name, activation="relu", fn=None):
    """The CLI's run of a held-out case (or ``fn``) against torch on the real data."""
    fn = fn or CASES[name].backward
    return run(Spec((real.features, 16, 1), activation), real, InProcess(name, fn), oracles=("torch",))


def causes(report) -> list:
    return list(dict.fromkeys(i for p in report.points for f in p.findings if f.cause for i in f.ids))


def test_a_mean_over_x_shape_1_is_named_as_dividing_by_the_features_not_a_batch_size(real):
    report = check(real, "n_from_features")
    assert causes(report) == ["factor:D"]
    assert "hard-coded" not in " ".join(report.points[0].diagnosis)


def test_dividing_by_n_minus_1_is_named_with_enough_digits_to_see_the_ratio(real):
    report = check(real, "unbiased_mean")
    assert causes(report) == ["factor:N-1"]
    assert "1.0013x (0.13% too large)" in report.points[0].diagnosis[0]


def test_stray_factors_on_two_parameters_are_each_named_by_their_own_number(real):
    report = check(real, "stray_two_and_four")
    assert causes(report) == ["factor:2", "factor:4"]


def test_a_relu_backward_checked_under_tanh_is_called_a_relu_networks_not_a_dz2_error(real):
    report = check(real, "relu_under_tanh", "tanh")
    assert causes(report) == ["activation:relu"]
    text = report.points[0].diagnosis[0]
    assert "relu network's" in text and "--activation tanh" in text and "error enters" not in text


@pytest.mark.parametrize("name, mistake", [("sigmoid_derivative_from_z", "derivative:sigmoid-from-z"),
                                           ("relu_times_activation", "derivative:activation-for-derivative"),
                                           ("einsum_missing_mask", "mask:missing")])
def test_a_wrong_hidden_derivative_is_named_by_what_it_computed_not_only_where(real, name, mistake):
    report = check(real, name, CASES[name].expected.get("activation", "relu"))
    assert causes(report) == [mistake]


def test_the_lessons_loss_with_its_1e_8_passes_with_a_note_saying_how_far_it_is(real):
    report = check(real, "correct_lesson_loss")
    assert report.passed and report.exit_code() == 0
    note = report.points[0].notes[0]
    canonical, lesson = report.points[0].losses["reference"], report.points[0].losses["candidate"]
    assert "lesson's loss" in note and f"{abs(lesson / canonical - 1):.2g} relative" in note


def test_the_exact_gradient_of_the_lessons_loss_passes_with_a_note(real):
    report = check(real, "correct_lesson_exact_gradient")
    assert report.passed
    generic = report.points[1]
    assert generic.accepted and any(f.ids == ("convention:lesson-loss-gradient",) for f in generic.findings)


def test_a_summed_loss_still_fails_and_is_named(real):
    report = check(real, "loss_summed", fn=catalogue.loss_summed)
    assert not report.passed and causes(report) == ["loss:summed"]


@pytest.mark.parametrize("name", ["outside_mask_threshold", "outside_half_batch", "outside_labels_shuffled"])
def test_a_bug_outside_the_grammar_gets_where_it_enters_and_no_named_cause(real, name):
    report = check(real, name)
    assert not report.passed and causes(report) == []
    assert "the error enters at" in report.points[0].diagnosis[0]


def test_a_cause_that_one_point_contradicts_is_not_named_at_the_other(real):
    calls = []

    def changes_its_mistake(params, X, y):  # x N at the first call, x 2 at the second: no one cause
        calls.append(1)
        grads = catalogue.missing_1_over_n(params, X, y)
        return grads if len(calls) == 1 else {k: 2 * v / X.shape[0] for k, v in grads.items()}

    report = check(real, "two-faced", fn=changes_its_mistake)
    assert causes(report) == []
    assert all("the error enters at" in p.diagnosis[0] for p in report.points)


def test_each_diagnosis_is_printed_once_across_the_points(real):
    report = check(real, "unbiased_mean")
    text = report.to_text()
    assert text.count("divides by N - 1") == 1 and "the same as at point lesson-init" in text


@pytest.mark.parametrize("r, N, ids", [(768.0, 768, ("factor:N",)), (1 / 768, 768, ("factor:1/N",)),
                                       (96.0, 768, ("factor:D",)), (768 / 767, 768, ("factor:N-1",)),
                                       (-768.0, 768, ("factor:-1", "factor:N")), (5 / 768, 5, ("factor:hard-coded-N",)),
                                       (768 / 769, 768, ("factor:N+1",)), (1 / 8, 768, ("factor:N*D",)),
                                       (48.0, 768, ("factor:H",)), (3.0, 768, ("factor:3",)),
                                       (1 / 3, 768, ("factor:1/3",))])
def test_a_constant_factor_is_read_as_what_it_equals(r, N, ids):
    assert [i for i, _ in name_factor(r, N, 8, (16,))] == [ids]


def test_a_factor_no_rule_names_gets_no_name():
    assert name_factor(1.2345, 768, 8, (16,)) == []


def test_a_ratio_of_minus_1_is_a_flipped_sign_alone_and_a_ratio_of_1_names_nothing():
    """|r| = 1 is no factor: -1 is named by the sign alone (one alternative, id factor:-1), +1 by nothing."""
    assert [i for i, _ in name_factor(-1.0, 768, 8, (16,))] == [("factor:-1",)]
    assert name_factor(1.0, 768, 8, (16,)) == []
    assert [i for i, _ in name_factor(-1.0, 5, 5, (5,))] == [("factor:-1",)]  # N = D = H: still the sign alone


def test_ratios_near_1_keep_the_digits_that_differ_from_1():
    assert ratio_words(768 / 767) == "1.0013x (0.13% too large)"
    assert ratio_words(1 - 2.9e-8).startswith("0.999999971x")


def test_every_mistake_a_catalogue_entry_cites_is_in_the_grammar():
    cited = {m for e in catalogue.MUTANTS for m in e.mistakes}
    assert cited and cited <= set(ALL_IDS)
    assert all(e.mistakes for e in catalogue.MUTANTS) and not any(e.mistakes for e in catalogue.CORRECT)


# ---------------------------------------------------------------- the grammar, one rule at a time

def _net(params, X, act):
    z1 = X @ params["W1"] + params["b1"]
    a1 = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[act](z1)
    z2 = a1 @ params["W2"] + params["b2"]
    return z1, a1, 1 / (1 + np.exp(-z2))


def _grads(X, z1, a1, y_hat, y, W2, derivative):
    dz2 = (y_hat - y) / len(X)
    dz1 = dz2 @ W2.T * derivative
    return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True)}


def named(spec, params, X, y, grads):
    from oracles.diagnosis import diagnose
    from reference.model import backward

    oracle = backward(params, X, y, spec.activation)
    wrong = [k for k in params if not np.allclose(grads[k], oracle[k], rtol=0, atol=0)]
    return [f.ids for f in diagnose(spec, params, X, y, grads, oracle, wrong).findings]


def test_a_tanh_derivative_fed_the_activation_is_named_from_a(small_problem):
    spec, params, X, y = small_problem(activation="tanh")
    z1, a1, y_hat = _net(params, X, "tanh")
    grads = _grads(X, z1, a1, y_hat, y, params["W2"], 1 - np.tanh(a1) ** 2)  # tanh applied twice
    assert named(spec, params, X, y, grads) == [("derivative:tanh-from-a",)]


def test_a_gradient_returned_as_zeros_is_named_skipped(small_problem):
    spec, params, X, y = small_problem()
    z1, a1, y_hat = _net(params, X, "relu")
    grads = _grads(X, z1, a1, y_hat, y, params["W2"], z1 > 0)
    grads["b1"] = np.zeros_like(params["b1"])
    assert named(spec, params, X, y, grads) == [("step:skipped",)]


def test_only_state_from_a_previous_call_is_untestable_at_the_first_point_and_nothing_after_it(small_problem):
    from oracles.diagnosis import diagnose
    from reference.model import backward, random_params

    spec, params, X, y = small_problem()
    oracle = backward(params, X, y)
    doubled = {k: 2 * v for k, v in oracle.items()}
    first = diagnose(spec, params, X, y, doubled, oracle, list(params))
    later = diagnose(spec, params, X, y, doubled, oracle, list(params), previous=random_params(spec, 9, 1.0))
    assert first.untestable == {"state:previous-call"}
    assert later.untestable == set()


def test_two_simplest_causes_are_said_as_either_the_first_or_the_second(small_problem):
    from oracles.diagnosis import diagnose
    from reference.model import backward

    spec, params, X, y = small_problem(N=5)  # N = D = 5: a fifth is 1/N and N/(N * D) alike
    oracle = backward(params, X, y)
    findings = diagnose(spec, params, X, y, {k: v / 5 for k, v in oracle.items()}, oracle, list(params)).findings
    assert [f.ids for f in findings] == [("factor:1/N",), ("factor:N*D",)]
    assert findings[0].text.startswith("either every gradient is 0.2x the right value: divided by N = 5 a second time")
    assert findings[1].text.startswith("or every gradient is 0.2x the right value: divides by X.size = N * D = 25")


def test_either_of_two_simplest_causes_is_about_the_wrong_parameters_and_goes_into_the_json(small_problem):
    from oracles.diagnosis import diagnose
    from reference.model import backward

    spec, params, X, y = small_problem(N=5)  # a fifth: 1/N and N/(N * D) alike, as above
    oracle = backward(params, X, y)
    wrong = ["W1", "W2"]  # only these two are a fifth; the biases are right
    grads = {k: v / 5 if k in wrong else v for k, v in oracle.items()}
    findings = diagnose(spec, params, X, y, grads, oracle, wrong).findings
    assert len(findings) == 2 and all(f.cause for f in findings)
    assert [f.params for f in findings] == [("W1", "W2"), ("W1", "W2")]
    assert [json.loads(json.dumps(f.to_dict()))["params"] for f in findings] == [wrong, wrong]


def test_a_mistake_and_a_factor_on_the_data_term_alone_are_named_together_with_l2_left_right(small_problem):
    from dataclasses import replace

    from oracles.diagnosis import diagnose
    from reference.model import backward

    spec, params, X, y = small_problem()
    spec = replace(spec, l2=0.1)  # weight_decay: + 0.1 / 2 * sum(W ** 2)
    z1, a1, y_hat = _net(params, X, "relu")
    data_term = _grads(X, z1, a1, y_hat, y, params["W2"], 1.0)  # the mask forgotten
    decay = spec.head.l2_grads(params, len(X))
    grads = {k: 2 * v + decay.get(k, 0) for k, v in data_term.items()}  # ... and the data term doubled
    (finding,) = diagnose(spec, params, X, y, grads, backward(params, X, y, head=spec.head), list(params)).findings
    assert finding.ids == ("mask:missing", "factor:2")
    mask, factor = finding.text.split("; ")
    assert mask.startswith("no activation derivative: dz1 = da1 where dz1 = da1 * (z1 > 0) belongs")
    assert factor.startswith("the data term (the loss without L2) of every gradient is 2x the right value")
    assert factor.endswith("(the L2 term's gradient, dW1 += weight_decay * W1 and dW2 += weight_decay * W2, is right) "
                           "(wrong: dW1, db1, dW2, db2)")


def test_dividing_by_x_size_is_named_n_times_d_not_a_bare_number(small_problem):
    spec, params, X, y = small_problem()
    z1, a1, y_hat = _net(params, X, "relu")
    grads = {k: v / X.shape[1] for k, v in _grads(X, z1, a1, y_hat, y, params["W2"], z1 > 0).items()}
    assert named(spec, params, X, y, grads) == [("factor:N*D",)]


def test_weight_decay_on_biases_too_is_l2_in_the_gradient_only(small_problem):
    spec, params, X, y = small_problem()
    z1, a1, y_hat = _net(params, X, "relu")
    grads = {k: v + 0.003 * params[k] for k, v in _grads(X, z1, a1, y_hat, y, params["W2"], z1 > 0).items()}
    assert named(spec, params, X, y, grads) == [("term:l2-gradient-only",)]


def test_a_square_weight_left_untransposed_in_da_is_named(small_problem):
    spec, params, X, y = small_problem(sizes=(4, 6, 6, 1))
    W1, b1, W2, b2, W3, b3 = (params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + b2
    a2 = np.maximum(z2, 0)
    y_hat = 1 / (1 + np.exp(-(a2 @ W3 + b3)))
    dz3 = (y_hat - y) / len(X)
    dz2 = dz3 @ W3.T * (z2 > 0)
    dz1 = dz2 @ W2 * (z1 > 0)  # W2 where W2.T belongs: same shape, wrong numbers
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True),
             "W3": a2.T @ dz3, "b3": dz3.sum(0, keepdims=True)}
    assert named(spec, params, X, y, grads) == [("step:W-not-transposed",)]


def test_a_loss_off_by_another_factor_still_fails_and_names_no_cause(real):
    def half_loss(params, X, y):
        loss, grads = catalogue.loss_and_grads(params, X, y)
        return 0.5 * loss, grads

    report = check(real, "half-loss", fn=half_loss)
    assert not report.passed and causes(report) == []
    assert not report.points[0].loss_agrees["candidate"]


def test_a_flipped_sign_and_a_factor_are_named_together_in_one_phrase():
    # README's zoo table: "a flipped sign" and "a missing 1/N (x768)" for -768x
    ((ids, words),) = name_factor(-768.0, 768, 8, (16,))
    assert ids == ("factor:-1", "factor:N")
    assert words == "a flipped sign and a missing 1/N (x768)"
    ((_, n_minus_1),) = name_factor(768 / 767, 768, 8, (16,))
    assert n_minus_1 == "divides by N - 1 = 767 where N = 768 belongs"


def test_a_loss_n_times_the_canonical_is_named_summed_and_a_lessons_loss_is_a_note():
    from oracles.diagnosis import explain_loss

    summed = explain_loss(768 * 0.5, 0.5, 768)
    assert summed.ids == ("loss:summed",)
    assert summed.text == "the candidate's loss is 768x the canonical loss: summed over the batch, not averaged"
    lesson = explain_loss(0.5 + 1e-9, 0.5, 768, lesson=0.5 + 1e-9)
    assert lesson.ids == ("convention:lesson-loss",) and "so it passes" in lesson.text
    other = explain_loss(0.75, 0.5, 768)
    assert other.ids == () and other.text.startswith("the candidate's loss is 1.5x the canonical loss")


def test_a_factor_on_parameters_that_are_not_one_step_is_placed_in_each_of_their_steps():
    from oracles.diagnosis import _factor_site
    from oracles.mistakes import step

    keys = ["W1", "b1", "W2", "b2"]
    assert _factor_site(["W1", "W2"], keys, 2) == f"{step('W1', 2)} and {step('W2', 2)}"
    assert _factor_site(["W1", "b1"], keys, 2) == "dz1"  # everything at or below layer 1: one step


def test_a_forward_cached_at_the_first_call_and_never_invalidated_is_named_state_from_the_previous_call(real):
    from reference.model import forward

    kept = {}

    def stale_forward(params, X, y):  # the forward of the first call it saw, today's weights
        if "cache" not in kept:
            kept["cache"] = forward(params, X, "relu")[1]
        c = kept["cache"]
        dz2 = (1 / (1 + np.exp(-c["z2"])) - y) / X.shape[0]
        dz1 = (dz2 @ params["W2"].T) * (c["z1"] > 0)
        return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": c["a1"].T @ dz2,
                "b2": dz2.sum(axis=0, keepdims=True)}

    report = check(real, "stale_forward", fn=stale_forward)
    assert report.points[0].passed  # the first point is the cached one: right there
    assert not report.points[1].passed
    assert "state:previous-call" in causes(report)


def test_where_the_error_enters_names_the_layer_and_what_agrees_above_it(real):
    from reference.model import backward

    def one_entry_off(params, X, y):  # dW1 alone is wrong, in one entry
        grads = backward(params, X, y, "relu")
        grads["W1"] = grads["W1"].copy()
        grads["W1"][0, 0] += 1.0
        return grads

    def rows_weighted(params, X, y):  # dz1 weighted row by row: dW1 and db1 wrong, layer 2 right
        N = X.shape[0]
        z1 = X @ params["W1"] + params["b1"]
        a1 = np.maximum(z1, 0)
        dz2 = (1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"]))) - y) / N
        dz1 = (dz2 @ params["W2"].T) * (z1 > 0) * np.linspace(0.5, 1.5, N)[:, None]
        return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True), "W2": a1.T @ dz2,
                "b2": dz2.sum(axis=0, keepdims=True)}

    from oracles.mistakes import step

    (text,) = check(real, "one_entry_off", fn=one_entry_off).points[0].diagnosis
    assert text == f"only dW1 is wrong at layer 1: the error enters at {step('W1', 2)}"  # no constant ratio: no more

    def one_bias_off(params, X, y):  # db1 alone is wrong, in one entry
        grads = backward(params, X, y, "relu")
        grads["b1"] = grads["b1"] + np.eye(1, grads["b1"].shape[1])
        return grads

    (text,) = check(real, "one_bias_off", fn=one_bias_off).points[0].diagnosis
    assert text == f"only db1 is wrong at layer 1: the error enters at {step('b1', 2)}"

    def db2_doubled(params, X, y):  # db2 has one entry: any value is "a constant times" the right one
        grads = backward(params, X, y, "relu")
        grads["b2"] = 2 * grads["b2"] + 1.0
        return grads

    (text,) = check(real, "db2_doubled", fn=db2_doubled).points[0].diagnosis
    assert text == f"only db2 is wrong at layer 2: the error enters at {step('b2', 2)}"  # so no ratio is claimed
    (text,) = check(real, "rows_weighted", fn=rows_weighted).points[0].diagnosis
    assert text == f"dW2, db2 agree; the error enters at {step('a1', 2)} or {step('z1', 2, 'relu')}"


def test_a_missing_one_over_n_reads_as_the_readme_shows_it(real):
    # README, "The bug zoo": every gradient is 768x the right value: a missing 1/N (x768), in dz2 = ...
    report = check(real, "missing_1_over_n", fn=catalogue.missing_1_over_n)
    assert report.points[0].diagnosis[0].startswith("every gradient is 768x the right value: a missing 1/N (x768), in ")


def test_one_wrong_parameter_reads_is_in_the_singular(real):
    text = check(real, "stray_two_and_four").points[0].diagnosis[0]
    assert "dW1 is 2x" in text and "dW2 is 4x" in text  # subject-verb agreement per parameter


def test_a_loss_against_a_canonical_loss_of_exactly_zero_is_judged_without_a_cause():
    from oracles.diagnosis import explain_loss

    finding = explain_loss(0.5, 0.0, 10)
    assert finding.ids == () and finding.kind == "where" and "inf" in finding.text


def test_each_backward_step_is_written_as_the_lessons_code_writes_it():
    from oracles.mistakes import step

    # the lesson's backward, line by line (README, "Check your own backward")
    assert step("z2", 2) == "dz2 = (y_hat - y) / N"
    assert step("W2", 2) == "dW2 = a1.T @ dz2"
    assert step("a1", 2) == "da1 = dz2 @ W2.T"
    assert step("z1", 2) == "dz1 = da1 * (z1 > 0)"  # relu unless told otherwise
    assert step("W1", 2) == "dW1 = X.T @ dz1"
    assert step("z2", 3, "tanh") == "dz2 = da2 * (1 - a2**2)"
    assert step("z3", 3, loss="softmax") == "dz3 = (probs - onehot(y)) / N"



def test_masks_forgotten_in_every_hidden_layer_of_a_deeper_net_are_written_per_layer():
    from oracles.harness import Point, check_point
    from reference.model import random_params

    spec = Spec((4, 5, 3, 1))
    params = random_params(spec, 1, 1.0)
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((30, 4)), (rng.random((30, 1)) < 0.5).astype(float)

    def no_masks(p, X, y):  # the relu forward, and dz_l = da_l in both hidden layers
        a1 = np.maximum(X @ p["W1"] + p["b1"], 0)
        a2 = np.maximum(a1 @ p["W2"] + p["b2"], 0)
        dz3 = (1 / (1 + np.exp(-(a2 @ p["W3"] + p["b3"]))) - y) / X.shape[0]
        dz2 = dz3 @ p["W3"].T
        dz1 = dz2 @ p["W2"].T
        return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True),
                "W3": a2.T @ dz3, "b3": dz3.sum(0, keepdims=True)}

    result = check_point(spec, Point("p", params, ""), X, y, no_masks, ("torch",))
    assert "no activation derivative: dz_l = da_l where" in " ".join(result.diagnosis)  # every layer l, not dz1 alone


def test_two_gradients_built_transposed_and_reshaped_are_named_together_with_both_steps():
    from oracles.harness import Point, check_point
    from reference.model import random_params

    spec = Spec((4, 5, 3, 1))
    params = random_params(spec, 1, 1.0)
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((30, 4)), (rng.random((30, 1)) < 0.5).astype(float)

    def swapped(p, X, y):  # the right backward, but dW1 and dW2 as (out, in) products reshaped to fit
        z1 = X @ p["W1"] + p["b1"]
        a1 = np.maximum(z1, 0)
        z2 = a1 @ p["W2"] + p["b2"]
        a2 = np.maximum(z2, 0)
        dz3 = (1 / (1 + np.exp(-(a2 @ p["W3"] + p["b3"]))) - y) / X.shape[0]
        dz2 = dz3 @ p["W3"].T * (z2 > 0)
        dz1 = dz2 @ p["W2"].T * (z1 > 0)
        return {"W1": (dz1.T @ X).reshape(4, 5), "b1": dz1.sum(0, keepdims=True),
                "W2": (dz2.T @ a1).reshape(5, 3), "b2": dz2.sum(0, keepdims=True),
                "W3": a2.T @ dz3, "b3": dz3.sum(0, keepdims=True)}

    result = check_point(spec, Point("p", params, ""), X, y, swapped, ("torch",))
    assert [f.ids for f in result.findings if f.cause] == [("transpose",)]
    assert result.diagnosis[0] == ("dW1, dW2 hold the right numbers transposed (computed as the (out, in) product, then "
                                   "reshaped): operands swapped in dW1 = X.T @ dz1 and dW2 = a1.T @ dz2 (wrong: dW1, dW2)")



@pytest.mark.parametrize("sizes, activation, derivative, named, words", [
    ((5, 7, 1), "relu", lambda z, a: z < 0, "mask:inverted",
     "the mask on the wrong side of 0: dz1 = da1 * (z1 < 0) where dz1 = da1 * (z1 > 0) belongs"),
    ((5, 7, 6, 1), "relu", lambda z, a: z < 0, "mask:inverted",
     "the mask on the wrong side of 0: dz_l = da_l * (z_l < 0) where dz_l = da_l * (z_l > 0) belongs"),
    ((5, 7, 6, 1), "tanh", lambda z, a: 1 - z ** 2, "derivative:tanh-from-z",
     "the derivative computed from z_l instead of a_l: dz_l = da_l * (1 - z_l**2) where dz_l = da_l * (1 - a_l**2) "
     "belongs"),
])
def test_a_hidden_layers_mistake_is_written_in_layer_1s_names_with_one_hidden_layer_and_layer_ls_with_several(
        small_problem, sizes, activation, derivative, named, words):
    from oracles.diagnosis import diagnose
    from reference.model import backward, forward

    spec, params, X, y = small_problem(sizes=sizes, activation=activation)
    _, cache = forward(params, X, activation)
    grads, dz = {}, (cache["y_hat"] - y) / len(X)
    for l in range(len(sizes) - 1, 0, -1):  # every hidden layer's derivative replaced by ``derivative``
        grads[f"W{l}"], grads[f"b{l}"] = cache[f"a{l - 1}"].T @ dz, dz.sum(axis=0, keepdims=True)
        if l > 1:
            dz = (dz @ params[f"W{l}"].T) * derivative(cache[f"z{l - 1}"], cache[f"a{l - 1}"])
    findings = diagnose(spec, params, X, y, grads, backward(params, X, y, activation), list(params)).findings
    assert [f.ids for f in findings] == [(named,)]
    assert findings[0].text.startswith(words + " (wrong: ")


def test_a_missing_relu_mask_and_a_missing_derivative_are_the_same_mistake_and_nothing_else_is():
    from oracles.mistakes import same

    assert same("mask:missing", "derivative:missing") and same("derivative:missing", "mask:missing")
    assert same("factor:2", "factor:2")
    assert not same("mask:missing", "factor:2") and not same("mask:missing", "mask:inverted")


def test_the_lessons_own_gradient_with_its_1e_8_is_a_note_in_its_own_words(small_problem):
    from oracles.diagnosis import diagnose
    from reference.model import backward, forward

    spec, params, X, y = small_problem(scale=2.0)  # y_hat within 1e-3 of 1: the +1e-8 shows
    _, cache = forward(params, X, "relu")
    y_hat, N = cache["y_hat"], len(X)
    dz2 = -(y / (y_hat + 1e-8) - (1 - y) / (1 - y_hat + 1e-8)) / N * y_hat * (1 - y_hat)  # d/dz of the lesson's loss
    dz1 = dz2 @ params["W2"].T * (cache["z1"] > 0)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": cache["a1"].T @ dz2, "b2": dz2.sum(0, keepdims=True)}
    oracle = backward(params, X, y)
    assert not policy.tolerance("torch", "float64").close_array(grads["W2"], oracle["W2"]).all()  # not the canonical chain
    (finding,) = diagnose(spec, params, X, y, grads, oracle, list(params)).findings
    assert finding.ids == ("convention:lesson-loss-gradient",) and finding.kind == "note"
    assert finding.text.startswith("the gradients are the exact gradient of the lesson's loss -mean(y log(y_hat + 1e-8)")
    assert finding.text.endswith("so it passes")


def test_where_a_softmax_networks_error_enters_is_written_with_the_softmax_step(small_problem):
    from oracles.diagnosis import diagnose
    from reference.heads import Head
    from reference.model import backward

    from reference.model import random_params

    spec = Spec((5, 7, 3), "relu", loss="softmax")
    params, X, y = random_params(spec, 0, 1.0), np.random.default_rng(2).standard_normal((12, 5)), np.arange(12) % 3
    oracle = backward(params, X, y, head=Head("softmax"))
    noise = np.random.default_rng(1)
    grads = {k: v * (1 + 0.3 * noise.standard_normal(v.shape)) for k, v in oracle.items()}  # no mistake: noise
    (finding,) = diagnose(spec, params, X, y, grads, oracle, list(params)).findings
    assert finding.text == "every gradient from layer 2 down is wrong: the error enters at dz2 = (probs - onehot(y)) / N"


def test_a_finding_goes_into_the_json_as_its_ids_words_parameters_and_kind():
    from oracles.mistakes import Finding

    finding = Finding(("mask:missing", "factor:2"), "the mask forgotten; a stray 2", ("W1", "b1"), "cause")
    assert finding.to_dict() == {"ids": ["mask:missing", "factor:2"], "text": "the mask forgotten; a stray 2",
                                 "params": ["W1", "b1"], "kind": "cause"}
    assert json.loads(json.dumps(finding.to_dict())) == finding.to_dict()


def test_where_the_error_enters_without_biases_names_the_hidden_layers_da_and_dz_steps():
    """No bias: a wrong dW1 with dW2 right cannot tell its own step from the dz1 it reads, so the
    finding names dW1's step and, before it, layer 1's da1 and dz1 steps."""
    from oracles.diagnosis import diagnose
    from oracles.mistakes import step
    from reference.model import backward, random_params

    spec = Spec((5, 7, 1), "relu", bias=False)
    params, X = random_params(spec, 0, 1.0), np.random.default_rng(2).standard_normal((12, 5))
    y = (np.arange(12) % 2).reshape(-1, 1).astype(np.float64)
    assert list(params) == ["W1", "W2"]
    oracle = backward(params, X, y, "relu")
    noise = np.random.default_rng(1)
    grads = dict(oracle, W1=oracle["W1"] * (1 + 0.3 * noise.standard_normal(oracle["W1"].shape)))  # no mistake: noise
    (finding,) = diagnose(spec, params, X, y, grads, oracle, ["W1"]).findings
    assert finding.text == (f"dW1 is the first wrong gradient: the error enters at {step('W1', 2)} or before it, "
                            f"at {step('a1', 2)} or {step('z1', 2, 'relu')}")
    assert step("a1", 2) == "da1 = dz2 @ W2.T" and step("W1", 2) == "dW1 = X.T @ dz1"


def test_a_ratio_is_read_only_off_entries_strictly_above_the_rounding_bound(small_problem):
    """``Pieces.significant``: an entry counts when |o| > atol * max(1, max |o|) (the hypothesis
    tolerance of oracles/policy.py); an entry exactly at that bound is rounding, as is 0."""
    from oracles.mistakes import Pieces

    p = Pieces(*small_problem())
    atol = policy.tolerance("hypothesis", "float64").atol
    assert atol > 0
    assert p.significant(np.array([[atol, 2 * atol, atol / 2, 0.0]])).tolist() == [[False, True, False, False]]
    # max |o| = 4 > 1: the bound is 4 atol (exact: a power of 2 times atol)
    assert p.significant(np.array([[4.0, 4 * atol, -8 * atol]])).tolist() == [[True, False, True]]


def test_a_finite_difference_estimate_at_one_point_that_another_point_contradicts_falls_back_to_where_it_enters():
    # the candidate's numbers are a difference quotient at the first point and twice the gradient at the
    # second: neither reading holds at both, so each point says where its error enters instead of nothing
    from oracles.diagnosis import diagnose, reconcile
    from oracles.report import PointResult
    from reference.model import backward, loss, random_params

    spec = Spec((4, 6, 1), "tanh")
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((50, 4)), (rng.random((50, 1)) < 0.4).astype(float)
    h = 1e-5
    results = []
    for name, seed in (("first", 0), ("second", 1)):
        params = random_params(spec, seed, 1.0)
        oracle = backward(params, X, y, spec.activation)
        if name == "first":  # forward differences of the loss, entry by entry
            base, grads = loss(params, X, y, spec.activation), {}
            for k, W in params.items():
                grads[k] = np.zeros(W.shape)
                for i in range(W.size):
                    up = W.copy()
                    up.flat[i] += h
                    grads[k].flat[i] = (loss(dict(params, **{k: up}), X, y, spec.activation) - base) / h
        else:
            grads = {k: 2 * v for k, v in oracle.items()}
        r = PointResult(name)
        r.add(diagnose(spec, params, X, y, grads, oracle, list(params)))
        results.append(r)
    assert results[0].hypotheses.findings[0].ids == ("finite_difference_estimate",)  # what each point alone reads
    assert results[1].hypotheses.findings[0].cause
    reconcile(results)
    for r in results:
        assert [f.kind for f in r.findings] == ["where"] and len(r.diagnosis) == 1, r.name
