"""What the strategies draw (properties/strategies.py): specs, scales and problems within their
bounds and honouring every argument, the arrays a Problem builds (labels per head, kinks, saturation),
its replay line (describe / parse / to_dict) and the bad lines parse refuses. Draws go through
properties.fuzz.draw (the same settings as a run) with few examples and a fixed seed."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import find, settings

from properties.fuzz import draw
from properties.strategies import (KINKS, LABELS, NEAR_KINK, REPLAY_MAX_N, REPLAY_MAX_WIDTH, SATURATION,
                                   SOFTMAX_SATURATION, Problem, candidate_problems, lesson_problems, problems,
                                   scales, specs)
from reference.model import ACTIVATIONS, Spec, forward, random_params

QUIET = settings(database=None, max_examples=200)


def drawn(strategy, n=30, seed=0):
    found = draw(strategy, n, seed)
    assert 0 < len(found) <= n  # fewer where hypothesis has drawn every value the strategy has
    return found


def z_of(problem, l):
    params, X, _ = problem.arrays()
    _, cache = forward({k: v.astype(np.float64) for k, v in params.items()}, X.astype(np.float64),
                       problem.activation, problem.loss)
    return cache[f"z{l}"]


# ---------------------------------------------------------------- specs

def test_default_specs_are_the_lesson_s_head_on_1_to_3_hidden_layers_of_1_to_32_and_1_to_16_inputs():
    got = drawn(specs(), 40)
    assert all(isinstance(s, Spec) for s in got)
    assert all(s.sizes[-1] == 1 and 1 <= len(s.hidden) <= 3 for s in got)
    assert all(1 <= h <= 32 for s in got for h in s.hidden) and all(1 <= s.sizes[0] <= 16 for s in got)
    assert all((s.loss, s.reduction, s.l2, s.l2_form, s.bias, s.dtype) == ("bce", "mean", 0.0, "weight_decay", True,
                                                                           "float64") for s in got)
    assert {s.activation for s in got} <= set(ACTIVATIONS) and len({s.activation for s in got}) >= 3
    assert len({len(s.hidden) for s in got}) >= 2


def test_specs_honour_their_depth_width_inputs_activation_and_dtype_bounds():
    got = drawn(specs(min_depth=2, max_depth=2, max_width=3, max_inputs=2, activations=("tanh",),
                      dtypes=("float32",)), 30)
    assert all(len(s.hidden) == 2 and max(s.hidden) <= 3 and s.sizes[0] <= 2 for s in got)
    assert {h for s in got for h in s.hidden} == {1, 2, 3}
    assert {s.sizes[0] for s in got} == {1, 2}
    assert all(s.activation == "tanh" and s.dtype == "float32" for s in got)
    assert all(s.sizes[0] == 5 for s in drawn(specs(inputs=5), 10))
    assert all(s.sizes == (s.sizes[0], 1) for s in drawn(specs(min_depth=0, max_depth=0), 10))


@pytest.mark.parametrize("loss, outputs", [("softmax", set(range(2, 7))), ("mse", {1, 2, 3}), ("quadratic", {1, 2, 3})])
def test_a_head_s_outputs_are_drawn_in_its_range(loss, outputs):
    got = drawn(specs(losses=(loss,)), 40)
    assert all(s.loss == loss and s.reduction == "mean" and s.bias for s in got)
    assert {s.sizes[-1] for s in got} <= outputs and len({s.sizes[-1] for s in got}) >= 2


def test_classes_fix_the_outputs_of_a_head_other_than_bce():
    got = drawn(specs(losses=("softmax", "bce"), classes=4), 30)
    assert {s.loss for s in got} == {"softmax", "bce"}
    assert all(s.sizes[-1] == (4 if s.loss == "softmax" else 1) for s in got)


def test_specs_draw_each_reduction_l2_form_and_bias_given_and_only_those():
    got = drawn(specs(reductions=("sum",), l2s=(0.5, 2.0), l2_forms=("reg", "lambd"), biases=(False,)), 30)
    assert all(s.loss == "bce" and s.reduction == "sum" and not s.bias for s in got)
    assert {s.l2 for s in got} == {0.5, 2.0} and {s.l2_form for s in got} == {"reg", "lambd"}
    both = drawn(specs(reductions=("mean", "sum"), biases=(True, False)), 30)
    assert {s.reduction for s in both} == {"mean", "sum"} and {s.bias for s in both} == {True, False}


@pytest.mark.parametrize("kw, words", [
    (dict(min_depth=-1), "depth"), (dict(min_depth=3, max_depth=2), "depth"), (dict(max_width=0), "width"),
    (dict(max_inputs=0), "inputs"), (dict(activations=("gelu",)), "activations"), (dict(activations=()), "activations"),
    (dict(dtypes=("float16",)), "dtypes"), (dict(dtypes=()), "dtypes"), (dict(losses=("hinge",)), "losses"),
    (dict(losses=()), "losses"), (dict(reductions=("max",)), "reductions"), (dict(reductions=()), "reductions"),
    (dict(l2s=()), "losses/reductions"), (dict(l2_forms=("l1",)), "l2_forms"), (dict(l2_forms=()), "l2_forms"),
    (dict(biases=()), "biases"), (dict(biases=("yes",)), "biases"),
])
def test_specs_refuse_bad_bounds_and_choices_naming_them(kw, words):
    with pytest.raises(ValueError, match=words):
        specs(**kw)


def test_the_bounds_messages_give_the_bounds():
    with pytest.raises(ValueError) as info:
        specs(min_depth=3, max_depth=2)
    assert "0 <= min <= max" in str(info.value) and "3..2" in str(info.value)
    with pytest.raises(ValueError, match="gelu"):
        specs(activations=("relu", "gelu"))


# ---------------------------------------------------------------- scales

def test_scales_lie_between_their_bounds_and_shrink_toward_1_or_the_nearest_bound():
    got = drawn(scales(), 40)
    assert all(1e-3 <= s <= 10.0 for s in got) and 1.0 in got and min(got) < 0.5 and max(got) > 2
    assert all(2.0 <= s <= 5.0 for s in drawn(scales(2.0, 5.0), 40)) and 5.0 in drawn(scales(2.0, 5.0), 40)
    assert find(scales(), lambda s: True, settings=QUIET) == 1.0
    assert find(scales(2.0, 5.0), lambda s: True, settings=QUIET) == 2.0
    assert find(scales(1e-3, 1e-2), lambda s: True, settings=QUIET) == 1e-2
    assert find(scales(), lambda s: s > 3, settings=QUIET) > 3
    assert set(drawn(scales(3.0, 3.0), 5)) == {3.0}


@pytest.mark.parametrize("low, high", [(0, 1), (-1, 1), (2.0, 1.0)])
def test_scales_refuse_bounds_that_are_not_0_lt_low_le_high(low, high):
    with pytest.raises(ValueError, match="scales"):
        scales(low, high)


# ---------------------------------------------------------------- problems

def test_problems_draw_n_seed_scale_labels_kinks_and_saturation_within_their_bounds():
    got = drawn(problems(min_n=3, max_n=6), 60)
    assert all(3 <= p.N <= 6 for p in got) and {p.N for p in got} == {3, 4, 5, 6}
    assert all(0 <= p.seed < 2**32 for p in got) and len({p.seed for p in got}) > 10
    assert all(1e-3 <= p.scale <= 10 for p in got)
    assert {p.labels for p in got} == set(LABELS) and {p.kink for p in got} == set(KINKS)
    assert {p.saturate for p in got} == {True, False}


def test_problems_honour_the_labels_kinks_saturation_and_scales_given():
    got = drawn(problems(labels=("ones",), kinks=("near",), saturate=(True,), scale_strategy=scales(0.5, 0.5)), 15)
    assert all(p.labels == "ones" and p.kink == "near" and p.saturate and p.scale == pytest.approx(0.5) for p in got)
    assert all(1 <= p.N <= 256 for p in got)


def test_problems_keep_the_spec_s_head_and_saturate_only_with_biases():
    spec = specs(losses=("mse",), classes=2, reductions=("sum",), l2s=(0.3,), l2_forms=("lambd",), biases=(False,))
    got = drawn(problems(spec, saturate=(True,)), 15)
    assert all((p.loss, p.reduction, p.l2, p.l2_form, p.bias, p.sizes[-1]) == ("mse", "sum", 0.3, "lambd", False, 2)
               for p in got)
    assert not any(p.saturate for p in got)
    assert all(p.spec == Spec(p.sizes, p.activation, p.dtype, "mse", "sum", 0.3, "lambd", False) for p in got)


@pytest.mark.parametrize("kw", [dict(min_n=0), dict(min_n=5, max_n=4), dict(labels=("maybe",)), dict(kinks=("off",))])
def test_problems_refuse_bad_bounds(kw):
    with pytest.raises(ValueError):
        problems(**kw)


def test_lesson_problems_are_one_relu_layer_and_the_lesson_s_head():
    got = drawn(lesson_problems(max_n=8), 20)
    assert all(len(p.sizes) == 3 and p.activation == "relu" and p.loss == "bce" and p.N <= 8 for p in got)


def test_candidate_problems_keep_the_candidate_s_depth_activation_dtype_and_head():
    spec = Spec((3, 4, 5, 3), "tanh", "float32", "softmax", "sum", 0.2, "reg", False)
    got = drawn(candidate_problems(spec), 20)
    assert all(len(p.sizes) == 4 and p.sizes[-1] == 3 for p in got)
    assert all((p.activation, p.dtype, p.loss, p.reduction, p.l2, p.l2_form, p.bias)
               == ("tanh", "float32", "softmax", "sum", 0.2, "reg", False) for p in got)
    assert len({p.sizes[:-1] for p in got}) > 3


# ---------------------------------------------------------------- the arrays a problem builds

def test_a_plain_problem_s_arrays_come_from_default_rng_of_its_seed_and_random_params():
    p = Problem((4, 5, 1), "tanh", "float64", 7, seed=11, scale=2.0)
    params, X, y = p.arrays()
    rng = np.random.default_rng(11)
    assert np.array_equal(X, rng.standard_normal((7, 4)))
    expected = random_params(p.spec, 11, 2.0)
    assert sorted(params) == sorted(expected) and all(np.array_equal(params[k], expected[k]) for k in expected)
    assert y.shape == (7, 1) and set(np.unique(y)) <= {0.0, 1.0} and y[0, 0] == 0 and y[-1, 0] == 1
    other = Problem((4, 5, 1), "tanh", "float64", 7, seed=12, scale=2.0).arrays()
    assert not np.array_equal(other[1], X)


@pytest.mark.parametrize("labels, value", [("zeros", 0.0), ("ones", 1.0)])
def test_one_class_labels_are_all_0_or_all_1_for_bce(labels, value):
    _, _, y = Problem((2, 3, 1), "relu", "float64", 6, seed=1, scale=1.0, labels=labels).arrays()
    assert y.shape == (6, 1) and np.all(y == value)


def test_softmax_targets_hold_every_class_when_n_allows_and_one_class_when_asked():
    _, _, y = Problem((2, 3, 4), "relu", "float64", 9, seed=5, scale=1.0, loss="softmax").arrays()
    assert y.shape == (9,) and y.dtype == np.int64 and y[:4].tolist() == [0, 1, 2, 3] and y.max() <= 3 and y.min() >= 0
    _, _, few = Problem((2, 3, 4), "relu", "float64", 2, seed=5, scale=1.0, loss="softmax").arrays()
    assert few.tolist() == [0, 1]
    for labels, cls in (("zeros", 0), ("ones", 3)):
        _, _, one = Problem((2, 3, 4), "relu", "float32", 5, seed=5, scale=1.0, loss="softmax", labels=labels).arrays()
        assert one.dtype == np.int64 and one.tolist() == [cls] * 5


@pytest.mark.parametrize("loss", ["mse", "quadratic"])
def test_number_targets_are_n_by_c_standard_normal_draws_in_the_problem_s_dtype(loss):
    p = Problem((2, 3, 3), "relu", "float32", 8, seed=2, scale=1.0, loss=loss)
    _, X, y = p.arrays()
    rng = np.random.default_rng(2)
    X64 = rng.standard_normal((8, 2))
    assert np.array_equal(X, X64.astype(np.float32))
    assert y.shape == (8, 3) and y.dtype == np.float32 and np.array_equal(y, rng.standard_normal((8, 3)).astype(np.float32))


def test_float32_problems_build_every_array_in_float32():
    params, X, y = Problem((3, 4, 1), "relu", "float32", 5, seed=1, scale=1.0, kink="on", saturate=True).arrays()
    assert X.dtype == y.dtype == np.float32 and all(v.dtype == np.float32 for v in params.values())


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_on_the_kink_row_0_is_zero_and_b1_0_0_is_exactly_0_so_z1_0_0_is_0(activation):
    p = Problem((3, 4, 1), activation, "float64", 6, seed=3, scale=1.0, kink="on")
    params, X, _ = p.arrays()
    assert np.all(X[0] == 0) and params["b1"][0, 0] == 0.0 and z_of(p, 1)[0, 0] == 0.0
    assert np.array_equal(X[1:], np.random.default_rng(3).standard_normal((6, 3))[1:])
    assert p.has_kink is (activation == "relu")


@pytest.mark.parametrize("seed, sign", [(3, 1), (4, -1)])
def test_near_the_kink_b1_0_0_is_1e_9_signed_by_the_seed_s_parity(seed, sign):
    p = Problem((3, 4, 1), "relu", "float64", 6, seed=seed, scale=1.0, kink="near")
    params, X, _ = p.arrays()
    assert np.all(X[0] == 0) and params["b1"][0, 0] == sign * NEAR_KINK
    assert z_of(p, 1)[0, 0] == sign * NEAR_KINK and not p.has_kink


def test_without_biases_the_kink_is_made_by_w1_0_0_and_a_unit_row_or_a_1e_9_row():
    on = Problem((3, 4, 1), "relu", "float64", 6, seed=2, scale=1.0, kink="on", bias=False)
    params, X, _ = on.arrays()
    assert "b1" not in params and X[0].tolist() == [1.0, 0.0, 0.0] and params["W1"][0, 0] == 0.0
    assert z_of(on, 1)[0, 0] == 0.0 and on.has_kink
    for seed, sign in ((5, 1), (6, -1)):
        near = Problem((3, 4, 1), "relu", "float64", 6, seed=seed, scale=1.0, kink="near", bias=False)
        params, X, _ = near.arrays()
        assert X[0].tolist() == [sign * NEAR_KINK, 0.0, 0.0]
        assert np.array_equal(params["W1"], random_params(near.spec, seed, 1.0)["W1"])
        assert not near.has_kink


@pytest.mark.parametrize("bias", [True, False])
def test_on_the_kink_deeper_layers_of_a_kinked_network_are_on_it_where_the_seed_s_bits_say(bias):
    sizes = (3, 4, 5, 6, 1)  # z2 by bit 0 of the seed, z3 by bit 1
    for seed, (on2, on3) in ((1, (True, False)), (2, (False, True)), (3, (True, True))):
        p = Problem(sizes, "leaky_relu", "float64", 5, seed=seed, scale=1.0, kink="on", bias=bias)
        params, _, _ = p.arrays()
        if on2:
            assert z_of(p, 2)[0, 0] == 0.0 and (not bias or params["b2"][0, 0] == 0.0)
        if on3:
            assert z_of(p, 3)[0, 0] == 0.0 and (not bias or params["b3"][0, 0] == 0.0)
        untouched = [l for l, on in ((2, on2), (3, on3)) if not on]
        plain = random_params(p.spec, seed, 1.0)
        assert all(np.array_equal(params[f"W{l}"], plain[f"W{l}"]) for l in untouched)
    smooth = Problem(sizes, "tanh", "float64", 5, seed=3, scale=1.0, kink="on")
    params, _, _ = smooth.arrays()
    plain = random_params(smooth.spec, 3, 1.0)
    assert all(np.array_equal(params[k], plain[k]) for k in ("W2", "W3", "b2", "b3"))


@pytest.mark.parametrize("seed, sign", [(1, 1), (2, 1), (3, -1), (6, -1)])
def test_saturated_bce_logits_are_40_and_more_their_sign_by_the_seed(seed, sign):
    p = Problem((3, 5, 4, 1), "tanh", "float64", 8, seed=seed, scale=2.0, saturate=True)
    params, X, _ = p.arrays()
    plain = {k: v.copy() for k, v in params.items()}
    plain["b3"][...] = 0.0
    _, cache = forward(plain, X, "tanh")
    reach = np.abs(cache["z3"]).max()
    assert params["b3"][0, 0] == pytest.approx(sign * (SATURATION + reach), rel=1e-12)
    z = z_of(p, 3)
    assert np.all(sign * z >= SATURATION) and np.all(sign * z <= (SATURATION + 2 * reach) * (1 + 1e-12))


@pytest.mark.parametrize("seed", [4, 5, 7])
def test_a_saturated_softmax_puts_the_seed_s_class_800_ahead_of_every_other(seed):
    p = Problem((3, 5, 3), "relu", "float64", 6, seed=seed, scale=1.0, loss="softmax", saturate=True)
    params, _, _ = p.arrays()
    k = seed % 3
    assert all(params["b2"][0, j] == 0.0 for j in range(3) if j != k) and params["b2"][0, k] >= SOFTMAX_SATURATION
    z = z_of(p, 2)
    others = np.delete(z, k, axis=1)
    assert np.all(z[:, k] - others.max(axis=1) >= SOFTMAX_SATURATION)


@pytest.mark.parametrize("loss, C", [("mse", 2), ("quadratic", 2)])
def test_saturation_leaves_a_head_without_a_saturating_output_unchanged(loss, C):
    kw = dict(sizes=(3, 4, C), activation="relu", dtype="float64", N=5, seed=3, scale=1.0, loss=loss)
    sat, plain = Problem(**kw, saturate=True).arrays(), Problem(**kw).arrays()
    assert all(np.array_equal(sat[0][k], plain[0][k]) for k in plain[0])


# ---------------------------------------------------------------- the replay line

def test_describe_writes_the_lesson_s_fields_in_order_and_the_head_s_only_where_not_the_lesson_s():
    p = Problem((8, 16, 1), "relu", "float64", 5, seed=3, scale=1.0)
    assert p.describe() == "sizes=8,16,1 activation=relu dtype=float64 N=5 seed=3 scale=1.0 labels=both kink=none saturate=0"
    q = Problem((3, 4), "tanh", "float32", 2, seed=0, scale=0.5, labels="ones", kink="near", saturate=True, loss="mse",
                reduction="sum", l2=0.5, l2_form="reg", bias=False)
    fields = dict(part.split("=") for part in q.describe().split())
    assert fields == {"sizes": "3,4", "activation": "tanh", "dtype": "float32", "N": "2", "seed": "0", "scale": "0.5",
                      "labels": "ones", "kink": "near", "saturate": "1", "loss": "mse", "reduction": "sum",
                      "l2": "0.5", "l2_form": "reg", "bias": "0"}


def test_to_dict_lists_the_sizes_and_drops_the_head_fields_left_at_the_lesson_s():
    d = Problem((3, 4, 1), "relu", "float64", 2, seed=1, scale=1.0, l2=0.1).to_dict()
    assert d == {"sizes": [3, 4, 1], "activation": "relu", "dtype": "float64", "N": 2, "seed": 1, "scale": 1.0,
                 "labels": "both", "kink": "none", "saturate": False, "l2": 0.1}
    assert Problem((3, 4, 2), "relu", "float64", 2, seed=1, scale=1.0, loss="softmax", bias=False).to_dict()["bias"] is False


def test_every_drawn_problem_round_trips_through_its_replay_line():
    spec = specs(losses=("bce", "softmax", "mse", "quadratic"), reductions=("mean", "sum"), l2s=(0.0, 0.25),
                 l2_forms=("weight_decay", "reg", "lambd"), biases=(True, False), dtypes=("float64", "float32"))
    for p in drawn(problems(spec, max_n=12, scale_strategy=scales(0.1, 2.0)), 25, seed=3):
        assert Problem.parse(p.describe()) == p, p.describe()


def test_parse_fills_the_defaults_and_skips_words_without_an_equals_sign():
    p = Problem.parse("compare sizes=3,2,1 N=4 extra")
    assert p == Problem((3, 2, 1), "relu", "float64", 4, seed=0, scale=1.0)
    assert p.labels == "both" and p.kink == "none" and not p.saturate and p.loss == "bce" and p.bias is True
    assert Problem.parse("sizes=3,2,1 N=4 bias=1").bias is True


@pytest.mark.parametrize("line, words", [
    ("N=4", "sizes"), ("sizes=3,1", "N"), ("sizes=3,x,1 N=4", "invalid literal"), ("sizes=3,1 N=four", "four"),
    ("sizes=3,1 N=4 saturate=yes", "yes"), ("sizes=3,1 N=4 bias=maybe", "bias"),
    ("sizes=3,1 N=4 activation=gelu", "activation"), ("sizes=3,2 N=4", "1 output"), ("sizes=3,1 N=4 loss=hinge", "loss"),
    ("sizes=3,1 N=0", "N=0"), (f"sizes=3,1 N={REPLAY_MAX_N + 1}", f"N={REPLAY_MAX_N + 1}"), ("sizes=3,1 N=4 seed=-1", "seed=-1"),
    (f"sizes=3,1 N=4 seed={2**32}", f"seed={2**32}"), ("sizes=3,1 N=4 scale=0", "scale=0"),
    ("sizes=3,1 N=4 scale=-1", "scale=-1"), ("sizes=3,1 N=4 scale=inf", "scale=inf"), ("sizes=3,1 N=4 scale=nan", "scale=nan"),
    (f"sizes=3,{REPLAY_MAX_WIDTH + 1},1 N=4", f"3,{REPLAY_MAX_WIDTH + 1},1"), ("sizes=3,1 N=4 labels=some", "labels"),
    ("sizes=3,1 N=4 kink=off", "kink"), ("sizes=3,1 N=4 saturate=1 bias=0", "saturate=1"),
    ("sizes=3,1 N=4 l2=9", "l2"), ("sizes=3,1 N=4 l2=-1", "l2"),
    ("sizes=4000,4000,4000,1 N=100000", "GiB"), ("sizes=3,4,1 N=4 scale=1e300", "overflows float64"),
])
def test_parse_refuses_a_bad_line_with_a_value_error_saying_replay_and_naming_the_field(line, words):
    with pytest.raises(ValueError) as info:
        Problem.parse(line)
    assert str(info.value).startswith("--replay") and words in str(info.value)


def test_the_bounds_of_a_replayed_problem_are_inclusive():
    assert Problem.parse(f"sizes=3,1 N={REPLAY_MAX_N}").N == REPLAY_MAX_N
    assert Problem.parse(f"sizes=3,1 N=1 seed={2**32 - 1}").seed == 2**32 - 1
    assert Problem.parse(f"sizes=2,{REPLAY_MAX_WIDTH},1 N=2").sizes[1] == REPLAY_MAX_WIDTH
    assert Problem.parse("sizes=3,1 N=4 l2=8").l2 == 8.0
    assert Problem.parse("sizes=3,1 N=4 saturate=1").saturate is True


def test_overflow_says_where_the_forward_first_stops_being_finite_and_none_when_finite():
    assert Problem((3, 4, 1), "relu", "float64", 5, seed=1, scale=1.0).overflow() is None
    assert Problem((3, 4, 1), "relu", "float64", 5, seed=1, scale=1e300).overflow() == "z2 is not finite"  # z1 ~ 1e300, z2 ~ 1e600
    said = Problem((3, 4, 1), "relu", "float32", 5, seed=1, scale=1e30).overflow()
    assert said is not None and "not finite" in said

    with pytest.raises(ValueError) as info:
        Problem.parse("sizes=3,4,1 N=5 seed=1 dtype=float32 scale=1e30 l2=0.5")
    assert "float32" in str(info.value) and "scale=1e+30" in str(info.value) and "l2=0.5" in str(info.value)


def test_both_labels_come_in_about_even_shares_between_the_first_row_s_0_and_the_last_row_s_1():
    _, _, y = Problem((2, 3, 1), "relu", "float64", 200, seed=8, scale=1.0).arrays()
    inner = y[1:-1, 0]
    assert y[0, 0] == 0 and y[-1, 0] == 1 and 0.35 < inner.mean() < 0.65


def test_a_saturated_softmax_s_lead_is_800_plus_twice_the_logits_reach():
    p = Problem((3, 5, 3), "tanh", "float64", 6, seed=4, scale=1.0, loss="softmax", saturate=True)
    params, X, _ = p.arrays()
    plain = {k: v.copy() for k, v in params.items()}
    plain["b2"][...] = 0.0
    _, cache = forward(plain, X, "tanh", "softmax")
    reach = float(np.abs(cache["z2"]).max())
    assert params["b2"][0, 4 % 3] == pytest.approx(SOFTMAX_SATURATION + 2 * reach, rel=1e-12)
