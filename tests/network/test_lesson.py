"""Every figure the lesson prints, reproduced on the real file."""
import math

import numpy as np
import pytest

from oracles import policy
from reference.model import Spec, backward, forward, init_params, lesson_loss, loss, sgd_step

# The lesson's code on this file prints 0.6948479517 (it says to expect a value "near" 0.6931 = ln 2).
LESSON_INITIAL_LOSS = 0.6948479517


def test_frame_is_768_rows_by_9_columns(real):
    assert real.frame().shape == (768, 9)


def test_outcome_balance_is_500_negative_268_positive(real):
    assert real.frame()["Outcome"].value_counts().to_dict() == {0: 500, 1: 268}


def test_X_is_768_by_8_and_y_is_768_by_1(real):
    assert real.X.shape == (768, 8)
    assert real.y.shape == (768, 1)


def test_X_is_standardized_with_the_population_std(real):
    raw = np.ascontiguousarray(real.frame().drop(columns="Outcome").to_numpy())
    np.testing.assert_array_equal(real.X, (raw - raw.mean(axis=0)) / raw.std(axis=0, ddof=0))


def test_every_gradient_has_its_parameter_shape(real, lesson_params):
    grads = backward(lesson_params, real.X, real.y)
    assert {k: g.shape for k, g in grads.items()} == {"W1": (8, 16), "b1": (1, 16), "W2": (16, 1), "b2": (1, 1)}


def test_initial_loss_is_the_lessons_printed_value(real, lesson_params):
    y_hat, _ = forward(lesson_params, real.X)
    assert round(lesson_loss(y_hat, real.y), 10) == LESSON_INITIAL_LOSS


def test_initial_loss_lies_within_0_01_of_ln_2(real, lesson_params):
    y_hat, _ = forward(lesson_params, real.X)
    assert abs(lesson_loss(y_hat, real.y) - math.log(2)) < 0.01


def test_canonical_loss_is_within_the_lessons_epsilon_of_its_printed_loss(real, lesson_params):
    y_hat, _ = forward(lesson_params, real.X)
    # the +1e-8 inside the lesson's logs moves the loss by at most about 1e-8 / min(y_hat, 1 - y_hat)
    bound = 1e-8 / float(np.minimum(y_hat, 1 - y_hat).min())
    assert abs(loss(lesson_params, real.X, real.y) - lesson_loss(y_hat, real.y)) <= bound


@pytest.mark.parametrize("key", ["W2", "W1"])
def test_analytic_entry_0_0_matches_the_lessons_numeric_check(real, lesson_params, key):
    """The lesson's check: central difference of its loss with eps 1e-5 vs the analytic gradient."""
    eps = 1e-5
    plus = {k: v.copy() for k, v in lesson_params.items()}
    minus = {k: v.copy() for k, v in lesson_params.items()}
    plus[key][0, 0] += eps
    minus[key][0, 0] -= eps
    numeric = (lesson_loss(forward(plus, real.X)[0], real.y) - lesson_loss(forward(minus, real.X)[0], real.y)) / (2 * eps)
    analytic = backward(lesson_params, real.X, real.y)[key][0, 0]
    assert policy.tolerance("lesson", "float64").close(analytic, numeric)


def test_one_sgd_step_at_lr_0_1_lowers_the_loss(real, lesson_params):
    grads = backward(lesson_params, real.X, real.y)
    after = sgd_step(lesson_params, grads, lr=0.1)
    assert loss(after, real.X, real.y) < loss(lesson_params, real.X, real.y)


def test_identity_activation_gives_dz1_equal_to_da1(real):
    params = init_params(Spec(activation="identity"))
    steps = {}
    backward(params, real.X, real.y, "identity", steps=steps)
    np.testing.assert_array_equal(steps["dz1"], steps["da1"])


def test_two_samples_sit_within_1e_5_of_the_kink_in_one_hidden_unit(real, lesson_params):
    _, cache = forward(lesson_params, real.X)
    rows, units = np.nonzero(np.abs(cache["z1"]) < 1e-5)
    assert len(rows) == 2 and len(set(units)) == 1
