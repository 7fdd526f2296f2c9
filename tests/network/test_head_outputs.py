"""Each head's parts one by one (reference/heads.py): its prediction, targets, row loss and dz against
formulas written here by hand, the labels it reads from a file, the outputs it fits, the hints it gives at
saturated logits, and the Head's reduction, divisor, L2 coefficient, penalty, gradient and words."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from oracles import policy
from reference.heads import L2_FORMS, LOSSES, OUTPUTS, REDUCTIONS, Bce, Head, Mse, Quadratic, Softmax, sigmoid

TOL = policy.tolerance("loss", "float64")  # formulas of the same numbers: rounding apart
Z = np.array([[0.5, -1.0, 2.0], [-0.25, 3.0, 0.0]])  # (N=2, C=3)


def close(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(TOL.close(a, b, 1.0)))


def by_hand_sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=np.float64)))


# ---------------------------------------------------------------- the registry of heads

def test_the_four_heads_are_registered_under_their_names_in_order():
    assert LOSSES == ("bce", "softmax", "mse", "quadratic")
    assert [type(o) for o in OUTPUTS.values()] == [Bce, Softmax, Mse, Quadratic]
    assert all(OUTPUTS[name].name == name for name in LOSSES)
    assert REDUCTIONS == ("mean", "sum") and L2_FORMS == ("weight_decay", "reg", "lambd")


def test_which_heads_read_labels_binary_labels_or_class_indices():
    assert [OUTPUTS[n].labelled for n in LOSSES] == [True, True, False, True]
    assert [OUTPUTS[n].binary for n in LOSSES] == [True, False, False, True]
    assert [OUTPUTS[n].indexed for n in LOSSES] == [False, True, False, False]
    assert [OUTPUTS[n].hint_in_error_line for n in LOSSES] == [True, False, False, False]
    assert all(OUTPUTS[n].summary and OUTPUTS[n].row_words and OUTPUTS[n].dz_words for n in LOSSES)


# ---------------------------------------------------------------- outputs each head fits

@pytest.mark.parametrize("loss, fits, misfits", [("bce", [1], [2, 3]), ("softmax", [2, 3, 10], [1]),
                                                 ("mse", [1, 2, 5], []), ("quadratic", [1, 4], [])])
def test_each_head_fits_its_number_of_outputs_and_names_what_it_needs_otherwise(loss, fits, misfits):
    output = OUTPUTS[loss]
    assert all(output.check_outputs(C) is None for C in fits)
    for C in misfits:
        said = output.check_outputs(C)
        assert isinstance(said, str) and ("1 output" if loss == "bce" else "C >= 2") in said


@pytest.mark.parametrize("loss, C, per_row", [("bce", 1, 1), ("softmax", 4, 1), ("mse", 1, 1), ("mse", 3, 3),
                                              ("quadratic", 3, 1)])
def test_a_row_is_c_terms_of_the_mean_for_mse_only(loss, C, per_row):
    assert OUTPUTS[loss].per_row(C) == per_row


# ---------------------------------------------------------------- targets

@pytest.mark.parametrize("loss", ["bce", "mse", "quadratic"])
def test_a_flat_target_becomes_a_column_and_a_table_stays_a_table_in_the_dtype_asked(loss):
    out = OUTPUTS[loss].targets([0, 1, 1], np.float32)
    assert out.shape == (3, 1) and out.dtype == np.float32 and out[:, 0].tolist() == [0, 1, 1]
    table = np.array([[0.5, 0.25], [1.0, 0.0]])
    kept = OUTPUTS[loss].targets(table, np.float64)
    assert kept.shape == (2, 2) and np.array_equal(kept, table)
    assert Head(loss).targets([1, 0], np.float64).shape == (2, 1)


def test_softmax_targets_are_a_flat_vector_of_int64_classes_whatever_they_come_as():
    for y in ([2, 0, 1], np.array([[2], [0], [1]]), np.array([2.0, 0.0, 1.0])):
        out = Head("softmax").targets(y, np.float32)
        assert out.shape == (3,) and out.dtype == np.int64 and out.tolist() == [2, 0, 1]


# ---------------------------------------------------------------- labels read from a file

def test_the_target_column_by_default_is_outcome_for_bce_and_else_outcome_or_the_last_column():
    assert OUTPUTS["bce"].default_target(["a", "b"]) == "Outcome"
    for loss in ("softmax", "mse", "quadratic"):
        assert OUTPUTS[loss].default_target(["a", "Outcome", "c"]) == "Outcome"
        assert OUTPUTS[loss].default_target(["a", "b", "c"]) == "c"


def test_bce_reads_0_1_labels_as_a_column_and_names_the_first_line_that_is_not():
    labels = np.array([0.0, 1.0, 1.0, 0.0])
    y, classes = OUTPUTS["bce"].read_labels(labels, "Outcome", [2, 3, 4, 5])
    assert classes is None and y.shape == (4, 1) and y[:, 0].tolist() == [0, 1, 1, 0]
    y[0, 0] = 9.0
    assert labels[0] == 0.0  # a copy
    with pytest.raises(ValueError) as info:
        OUTPUTS["bce"].read_labels(np.array([0.0, 1.0, 2.0, 0.5]), "Outcome", [2, 3, 4, 5])
    assert "'Outcome'" in str(info.value) and "line 4" in str(info.value) and "has 2" in str(info.value)


@pytest.mark.parametrize("loss", ["mse"])
def test_mse_reads_any_number_as_a_column(loss):
    labels = np.array([-3.5, 0.25, 12.0])
    y, classes = OUTPUTS[loss].read_labels(labels, "t", [2, 3, 4])
    assert classes is None and y[:, 0].tolist() == [-3.5, 0.25, 12.0] and y.shape == (3, 1)
    y[0, 0] = 0.0
    assert labels[0] == -3.5


def test_quadratic_reads_numbers_in_0_1_and_names_the_first_line_outside():
    y, classes = OUTPUTS["quadratic"].read_labels(np.array([0.0, 0.3, 1.0]), "t", [2, 3, 4])
    assert classes is None and y[:, 0].tolist() == [0.0, 0.3, 1.0]
    for bad, line in ((np.array([0.5, -0.1, 2.0]), 8), (np.array([0.5, 0.2, 1.5]), 9)):
        with pytest.raises(ValueError) as info:
            OUTPUTS["quadratic"].read_labels(bad, "t", [7, 8, 9])
        assert f"line {line}" in str(info.value) and "'t'" in str(info.value)


def test_softmax_reads_whole_numbers_as_class_indices_of_the_sorted_distinct_labels():
    y, classes = OUTPUTS["softmax"].read_labels(np.array([7.0, 3.0, 5.0, 7.0, 3.0]), "cls", list(range(2, 7)))
    assert classes == [3.0, 5.0, 7.0] and y.tolist() == [2, 0, 1, 2, 0] and y.dtype == np.int64
    with pytest.raises(ValueError) as info:
        OUTPUTS["softmax"].read_labels(np.array([1.0, 2.5, 3.0]), "cls", [10, 11, 12])
    assert "line 11" in str(info.value) and "2.5" in str(info.value)
    with pytest.raises(ValueError) as info:
        OUTPUTS["softmax"].read_labels(np.array([4.0, 4.0]), "cls", [2, 3])
    assert "single class (4)" in str(info.value)


# ---------------------------------------------------------------- prediction, row loss and dz, by hand

def test_bce_predicts_the_sigmoid_and_its_row_loss_and_dz_are_the_cross_entropy_s():
    z = np.array([[-2.0], [0.0], [3.0]])
    y = np.array([[1.0], [0.0], [1.0]])
    p = by_hand_sigmoid(z)
    assert close(OUTPUTS["bce"].predict(z), p)
    assert close(OUTPUTS["bce"].row_loss(z, y), -(y * np.log(p) + (1 - y) * np.log(1 - p))[:, 0])
    assert close(OUTPUTS["bce"].dz_rows(z, y), p - y)


def test_softmax_predicts_rows_of_probabilities_unmoved_by_a_shift_of_the_logits():
    p = OUTPUTS["softmax"].predict(Z)
    by_hand = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert close(p, by_hand)
    assert close(OUTPUTS["softmax"].predict(Z + 500.0), by_hand)
    assert close(OUTPUTS["softmax"].predict(np.array([[1000.0, 0.0]])), [[1.0, 0.0]])


def test_softmax_dz_is_probs_minus_onehot_and_leaves_the_logits_alone():
    y = np.array([2, 0])
    kept = Z.copy()
    dz = OUTPUTS["softmax"].dz_rows(Z, y)
    onehot = np.eye(3)[y]
    assert close(dz, np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True) - onehot)
    assert np.array_equal(Z, kept)


def test_softmax_row_loss_broadcasts_over_leading_axes_as_the_finite_differences_ask():
    y = np.array([1, 2])
    stacked = np.stack([Z, Z + 1.0, 2 * Z])  # (3, N, C)
    rows = OUTPUTS["softmax"].row_loss(stacked, y)
    assert rows.shape == (3, 2)
    for k, z in enumerate(stacked):
        by_hand = np.log(np.exp(z).sum(axis=1)) - z[np.arange(2), y]
        assert close(rows[k], by_hand)


def test_mse_predicts_the_logits_as_a_copy_and_its_row_loss_and_dz_are_the_squared_error_s():
    y = np.array([[0.0, 1.0, 1.0], [2.0, 2.0, -1.0]])
    p = OUTPUTS["mse"].predict(Z)
    assert np.array_equal(p, Z) and p is not Z
    p[0, 0] = 99.0
    assert Z[0, 0] == 0.5
    assert close(OUTPUTS["mse"].row_loss(Z, y), ((Z - y) ** 2).sum(axis=1))
    assert close(OUTPUTS["mse"].dz_rows(Z, y), 2 * (Z - y))


def test_quadratic_is_half_the_squared_error_of_the_sigmoid_and_its_dz_carries_sigmoid_prime():
    y = np.array([[0.0, 1.0, 0.5], [1.0, 0.25, 0.0]])
    a = by_hand_sigmoid(Z)
    assert close(OUTPUTS["quadratic"].predict(Z), a)
    assert close(OUTPUTS["quadratic"].row_loss(Z, y), 0.5 * ((a - y) ** 2).sum(axis=1))
    assert close(OUTPUTS["quadratic"].dz_rows(Z, y), (a - y) * a * (1 - a))


@pytest.mark.parametrize("loss", LOSSES)
def test_each_head_s_dz_rows_is_the_derivative_of_its_summed_row_loss(loss):
    """Against central differences of the row loss itself (float64, the policy's finite-difference row)."""
    C = 1 if loss == "bce" else 3
    rng = np.random.default_rng(4)
    Zc = rng.standard_normal((5, C))
    y = {"bce": (rng.random((5, 1)) < 0.5).astype(float), "softmax": np.array([0, 2, 1, 1, 0]),
         "mse": rng.standard_normal((5, C)), "quadratic": rng.random((5, C))}[loss]
    out = OUTPUTS[loss]
    h = 1e-6
    fd = np.zeros_like(Zc)
    for idx in np.ndindex(Zc.shape):
        up, down = Zc.copy(), Zc.copy()
        up[idx] += h
        down[idx] -= h
        fd[idx] = (out.row_loss(up, y).sum() - out.row_loss(down, y).sum()) / (2 * h)
    tol = policy.tolerance("finite-differences", "float64")
    assert np.all(tol.close(out.dz_rows(Zc, y), fd, 1.0))


# ---------------------------------------------------------------- hints at saturated logits

def test_bce_hints_at_an_overflowing_exp_once_some_logit_reaches_the_saturated_size_either_sign():
    bce = OUTPUTS["bce"]
    assert bce.saturation_hint(np.array([[29.9], [-10.0]]), 30.0) == ""
    assert "overflow" in bce.saturation_hint(np.array([[30.0], [1.0]]), 30.0)
    assert "overflow" in bce.saturation_hint(np.array([[0.0], [-45.0]]), 30.0)


def test_softmax_hints_at_the_missing_max_shift_past_exp_s_overflow_and_at_underflow_past_tiny():
    soft = OUTPUTS["softmax"]
    overflow = np.log(np.finfo(np.float64).max)
    assert soft.saturation_hint(np.array([[700.0, 0.0]]), 30.0) == ""
    said = soft.saturation_hint(np.array([[overflow + 1, 0.0]]), 30.0)
    assert "max" in said and f"{overflow + 1:.4g}" in said
    wide = soft.saturation_hint(np.array([[100.0, -650.0]]), 30.0)  # a span of 750 > -log(tiny) = 708.4
    assert wide and "underflow" in wide and "max" not in wide
    assert soft.saturation_hint(np.array([[100.0, -600.0]]), 30.0) == ""


def test_the_saturation_hints_raise_no_warning_of_their_own():
    # a hint is read while a failure is reported: under -W error (or a NumPy that turns a deprecation into
    # an error) it must still come out
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for loss in ("bce", "softmax", "mse"):
            for z in (np.array([[100.0, -650.0]]), np.array([[0.5, -0.25]])):
                OUTPUTS[loss].saturation_hint(z, 30.0)


@pytest.mark.parametrize("loss", ["mse", "quadratic"])
def test_heads_without_a_log_give_no_saturation_or_underflow_hint(loss):
    huge = np.array([[1e4, -1e4]])
    assert OUTPUTS[loss].saturation_hint(huge, 30.0) == ""
    assert OUTPUTS[loss].log_underflow(huge, "float64") == ""


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bce_says_a_probability_rounds_to_0_from_minus_log_eps_of_the_dtype_on(dtype):
    limit = -np.log(np.finfo(dtype).eps)  # 36.04 in float64, 15.94 in float32
    bce = OUTPUTS["bce"]
    assert bce.log_underflow(np.array([[limit - 0.01], [1.0]]), dtype) == ""
    said = bce.log_underflow(np.array([[1.0], [-(limit + 0.5)]]), dtype)
    assert f"{limit + 0.5:.4g}" in said and f"{limit:.4g}" in said


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_says_a_class_probability_underflows_from_minus_log_tiny_of_the_dtype_on(dtype):
    limit = -np.log(np.finfo(dtype).tiny)  # 708.4 in float64, 87.3 in float32
    soft = OUTPUTS["softmax"]
    assert soft.log_underflow(np.array([[limit - 1, 0.0], [0.0, 1.0]]), dtype) == ""
    said = soft.log_underflow(np.array([[0.0, 1.0], [limit / 2 + 1, -limit / 2]]), dtype)
    assert f"{limit + 1:.4g}" in said and f"{limit:.4g}" in said


# ---------------------------------------------------------------- the Head: validation

@pytest.mark.parametrize("kw, field", [(dict(loss="hinge"), "loss"), (dict(reduction="max"), "reduction"),
                                       (dict(l2_form="l1"), "l2_form"), (dict(l2=-0.1), "l2"),
                                       (dict(l2=float("inf")), "l2"), (dict(l2=float("nan")), "l2"),
                                       (dict(l2=True), "l2")])
def test_a_head_refuses_a_field_outside_its_choices_naming_it(kw, field):
    with pytest.raises(ValueError) as info:
        Head(**kw)
    assert str(info.value).startswith(f"{field} must")
    choices = {"loss": LOSSES, "reduction": REDUCTIONS, "l2_form": L2_FORMS}.get(field)
    if choices:  # the message lists the choices
        assert ", ".join(choices) in str(info.value)


def test_a_head_keeps_its_l2_as_a_float_and_its_fields_in_to_dict():
    head = Head("mse", "sum", 2, "reg")
    assert isinstance(head.l2, float) and head.l2 == 2.0
    assert head.to_dict() == {"loss": "mse", "reduction": "sum", "l2": 2.0, "l2_form": "reg"}
    assert Head() == Head("bce", "mean", 0.0, "weight_decay") and Head(l2=0).l2 == 0.0
    assert Head("softmax").output is OUTPUTS["softmax"]


# ---------------------------------------------------------------- reduction and L2

@pytest.mark.parametrize("loss, C, mean_divisor", [("bce", 1, 7), ("softmax", 3, 7), ("mse", 3, 21), ("quadratic", 3, 7)])
def test_the_divisor_is_n_or_n_c_for_mse_averaged_and_1_summed_and_unit_its_ratio(loss, C, mean_divisor):
    assert Head(loss, "mean").divisor(7, C) == mean_divisor and Head(loss, "mean").unit(7, C) == 1.0
    assert Head(loss, "sum").divisor(7, C) == 1 and Head(loss, "sum").unit(7, C) == mean_divisor
    assert Head(loss).divisor(7) == 7


@pytest.mark.parametrize("form, coefficient", [("weight_decay", 0.6 / 2), ("reg", 0.6), ("lambd", 0.6 / (2 * 5))])
def test_the_l2_coefficient_is_each_convention_s_own(form, coefficient):
    assert Head(l2=0.6, l2_form=form).l2_coefficient(5) == pytest.approx(coefficient, rel=policy.FACTOR.rtol)


def test_the_penalty_and_its_gradient_count_weights_only_in_float64():
    params = {"W1": np.array([[1.0, 2.0]], dtype=np.float32), "b1": np.array([[5.0, 5.0]]),
              "W2": np.array([[3.0], [-1.0]])}  # sum of W squared: 1 + 4 + 9 + 1 = 15
    head = Head(l2=0.4, l2_form="reg")
    assert head.penalty(params, 3) == pytest.approx(0.4 * 15, rel=policy.FACTOR.rtol)
    assert isinstance(head.penalty(params, 3), float)
    grads = head.l2_grads(params, 3)
    assert sorted(grads) == ["W1", "W2"]
    assert close(grads["W1"], 2 * 0.4 * params["W1"]) and close(grads["W2"], 2 * 0.4 * params["W2"])
    lambd = Head(l2=0.4, l2_form="lambd")
    assert lambd.penalty(params, 4) == pytest.approx(0.4 / 8 * 15, rel=policy.FACTOR.rtol)
    assert close(lambd.l2_grads(params, 4)["W2"], 2 * 0.4 / 8 * params["W2"])
    assert Head().penalty(params, 3) == 0.0 and isinstance(Head().penalty(params, 3), float)
    big = {"W1": np.array([[1e20, 3e19]], dtype=np.float32)}  # squares past float32's 3.4e38, summed in float64
    assert Head(l2=1.0, l2_form="reg").penalty(big, 3) == pytest.approx(1e40 + 9e38, rel=policy.tolerance("loss", "float32").rtol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss", LOSSES)
def test_the_value_is_the_reduced_row_losses_plus_the_penalty(loss, reduction):
    C = 1 if loss == "bce" else 3
    rng = np.random.default_rng(9)
    Zc = rng.standard_normal((6, C))
    y = {"bce": (rng.random((6, 1)) < 0.5).astype(float), "softmax": np.array([0, 1, 2, 2, 1, 0]),
         "mse": rng.standard_normal((6, C)), "quadratic": rng.random((6, C))}[loss]
    params = {"W1": np.full((2, 2), 0.5), "b1": np.ones((1, 2))}  # sum W^2 = 1
    head = Head(loss, reduction, 0.3, "weight_decay")
    rows = OUTPUTS[loss].row_loss(Zc, y)
    divisor = 1 if reduction == "sum" else 6 * (C if loss == "mse" else 1)
    assert head.value(Zc, y, params) == pytest.approx(rows.sum() / divisor + 0.15, rel=TOL.rtol)
    assert close(head.dz_top(Zc, y), OUTPUTS[loss].dz_rows(Zc, y) / divisor)


def test_dz_top_keeps_the_logits_dtype():
    z = np.array([[0.5], [-1.0]], dtype=np.float32)
    dz = Head().dz_top(z, np.array([[1.0], [0.0]], dtype=np.float32))
    assert dz.dtype == np.float32
    expected = (by_hand_sigmoid(z) - [[1.0], [0.0]]) / 2
    assert np.all(policy.tolerance("loss", "float32").close(dz.astype(np.float64), expected, 1.0))


@pytest.mark.parametrize("head, words", [
    (Head(), "mean(logaddexp(0, z) - y * z)"),
    (Head("mse", "sum"), "sum((z - y) ** 2)"),
    (Head("softmax", l2=0.5), "mean(logsumexp(z) - z[y]) + 0.5 / 2 * sum(W ** 2)"),
    (Head("bce", l2=0.25, l2_form="reg"), "mean(logaddexp(0, z) - y * z) + 0.25 * sum(W ** 2)"),
    (Head("quadratic", "sum", 2.0, "lambd"), "sum((sigmoid(z) - y) ** 2 / 2) + 2 / (2 m) * sum(W ** 2)"),
])
def test_the_loss_in_words_is_the_reduction_of_the_row_loss_and_the_l2_term_as_written(head, words):
    assert head.words() == words


# ---------------------------------------------------------------- the sigmoid

@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sigmoid_is_the_logistic_function_in_the_input_s_dtype_without_overflow(dtype):
    z = np.array([-800.0, -30.0, -1.0, 0.0, 2.0, 40.0, 800.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(z)
    assert s.dtype == np.dtype(dtype)
    assert s[3] == 0.5 and s[0] == 0.0 and s[-1] == 1.0
    with np.errstate(over="ignore"):
        expected = 1 / (1 + np.exp(-z.astype(np.float64)))
    tol = policy.tolerance("loss", dtype)
    assert np.all(tol.close(s.astype(np.float64), expected, 1.0))
    assert np.all(s[1:] >= s[:-1])


def test_each_hint_starts_at_its_limit_itself():
    """The limits are inclusive: a logit exactly at exp's overflow, a span exactly at -log(tiny), a
    |z| exactly at -log(eps) already round."""
    overflow = float(np.log(np.finfo(np.float64).max))
    tiny = -np.log(np.finfo(np.float64).tiny)
    soft = OUTPUTS["softmax"]
    assert "max" in soft.saturation_hint(np.array([[overflow, 0.0]]), 30.0)
    assert "underflow" in soft.saturation_hint(np.array([[tiny, 0.0]]), 30.0)
    for dtype in ("float64", "float32"):
        eps, low = -np.log(np.finfo(dtype).eps), -np.log(np.finfo(dtype).tiny)
        assert OUTPUTS["bce"].log_underflow(np.array([[float(eps)]]), dtype) != ""
        assert soft.log_underflow(np.array([[float(low), 0.0]]), dtype) != ""
