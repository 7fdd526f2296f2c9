"""The classic mistakes of the softmax and mse heads, L2 and the layouts: each written as the courses
write it, killed by at least two checks, and diagnosed by its mistake id."""
from __future__ import annotations

import pytest

from oracles import registry
from oracles.candidate import handle_for
from oracles.harness import make_spec, run
from reference.data import load_csv

from test_conventions import courses
from test_data_heads import shared

ORACLES = registry.NAMES
IRIS = ("iris", "species", "softmax")
PIMA = ("diabetes", "Outcome", "bce")
PROGRESSION = ("diabetes_progression", "progression", "mse")

# function, data, convention, l2, the id a diagnosis must name where the candidate is wrong
MUTANTS = {
    "cs231n_bug_no_minus_one": (IRIS, "cs231n", 0.05, "softmax:no-minus-one"),
    "cs231n_bug_wrong_axis": (IRIS, "cs231n", 0.05, "softmax:wrong-axis"),
    "cs231n_bug_index_as_one_hot": (IRIS, "cs231n", 0.05, "labels:one-hot-vs-index"),
    "cs231n_bug_l2_no_2": (IRIS, "cs231n", 0.05, "l2:no-2"),
    "cs231n_bug_l2_on_biases": (IRIS, "cs231n", 0.05, "l2:on-biases"),
    "dlai_bug_l2_gradient_only": (PIMA, "deeplearning-ai", 0.7, "l2:missing-in-loss"),
    "mse_bug_half": (PROGRESSION, "lesson", 0.0, "mse:no-2"),
}
CORRECT = {
    "cs231n_two_layer_net": (IRIS, "cs231n", 0.05),
    "dlai_softmax_backward": (IRIS, "deeplearning-ai", 0.0),
    "mse_backward": (PROGRESSION, "lesson", 0.0),
}


def _report(name, where, convention, l2):
    file, target, loss = where
    data = load_csv(shared(file), target, loss)
    spec = make_spec(data, (16,), "relu", "float64", loss, "mean", l2, convention)
    return run(spec, data, handle_for(getattr(courses, name), isolate=False), ORACLES, convention=convention)


def _failed_checks(report) -> set:
    failed = set()
    for p in report.points:
        failed |= {(p.name, "loss")} if not p.loss_agrees.get("candidate", True) else set()
        failed |= {(p.name, o) for per in p.checks.values() for o, c in per.items() if not c.passed}
    return failed


@pytest.mark.parametrize("name", list(MUTANTS))
def test_each_head_mistake_is_killed_by_two_checks_and_named_by_its_id(name):
    where, convention, l2, mistake = MUTANTS[name]
    report = _report(name, where, convention, l2)
    assert len(_failed_checks(report)) >= 2, report.to_text()
    wrong = [p for p in report.points if not p.passed]
    assert wrong
    for p in wrong:
        named = {i for f in p.findings for i in f.ids}
        assert mistake in named, (p.name, named, report.to_text())


@pytest.mark.parametrize("name", list(CORRECT))
def test_correct_rewrites_in_each_convention_pass(name):
    where, convention, l2 = CORRECT[name]
    report = _report(name, where, convention, l2)
    assert report.passed, report.to_text()


def test_mse_at_half_the_oracle_is_named_the_half_convention_not_a_stray_factor():
    report = _report("mse_bug_half", PROGRESSION, "lesson", 0.0)
    named = {i for p in report.points for f in p.findings for i in f.ids}
    assert "mse:no-2" in named and "factor:1/2" not in named


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the candidate's own overflow, in-process, is the point
def test_softmax_without_the_max_shift_is_killed_on_saturated_logits_by_two_laws():
    from oracles.conventions import Conventional
    from oracles.isolation import InProcess
    from properties.laws import check_laws
    from properties.strategies import Problem

    candidate = Conventional(InProcess("no-max-shift", courses.cs231n_bug_no_max_shift), "cs231n", "softmax")
    saturated = Problem((4, 16, 3), "relu", "float64", 12, seed=1, scale=1.0, saturate=True, loss="softmax",
                        l2=0.05, l2_form="reg")
    violated = {v.law for v in check_laws(candidate, saturated, ["finite", "agreement"], oracles=("finite-differences",))}
    assert violated == {"finite", "agreement"}
    moderate = Problem((4, 16, 3), "relu", "float64", 12, seed=1, scale=1.0, loss="softmax", l2=0.05, l2_form="reg")
    assert not check_laws(candidate, moderate, ["finite", "agreement"], oracles=("finite-differences",))


def dlai_l2_without_its_2(parameters, X, Y):
    """lambd / (2m) * W added to dW where the cost's lambd / (2m) * sum(W ** 2) gives lambd / m * W."""
    cost, grads = courses.dlai_backward_with_regularization(parameters, X, Y)
    m = Y.shape[1]
    for key in [k for k in grads if k.startswith("dW")]:
        grads[key] = grads[key] - 0.7 / (2 * m) * parameters[key[1:]]
    return cost, grads


def test_an_l2_gradient_without_its_2_in_the_per_batch_lambd_form_is_named():
    # the deeplearning-ai form lambd / (2m) * sum(W ** 2) is the one whose coefficient depends on N
    file, target, loss = PIMA
    data = load_csv(shared(file), target, loss)
    spec = make_spec(data, (16,), "relu", "float64", loss, "mean", 0.7, "deeplearning-ai")
    report = run(spec, data, handle_for(dlai_l2_without_its_2, isolate=False), ("torch",), convention="deeplearning-ai")
    wrong = [p for p in report.points if not p.passed]
    assert wrong
    for p in wrong:
        assert "l2:no-2" in {i for f in p.findings for i in f.ids}, report.to_text()


# ---------------------------------------------------------------- L2 terms and the softmax's pieces, one bug each
# Each bug is written here by hand in the lesson's layout (the data term's backward, then the L2
# term as the bug writes it), never from the grammar's own hypotheses.

def _problem(loss="softmax", l2=0.0, l2_form="weight_decay", reduction="mean", N=24, seed=3):
    import numpy as np

    from reference.model import Spec, random_params

    C = {"softmax": 3, "mse": 1, "bce": 1}[loss]
    spec = Spec((5, 7, C), "relu", "float64", loss, reduction, l2, l2_form)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, 5))
    y = {"softmax": rng.integers(0, C, N), "mse": rng.standard_normal((N, 1)),
         "bce": (rng.random((N, 1)) < 0.4).astype(float)}[loss]
    return spec, random_params(spec, seed), X, y


def _by_hand(params, X, dz2):
    """The lesson's two-layer ReLU backward from a given dz2 (no L2 term)."""
    import numpy as np

    z1 = X @ params["W1"] + params["b1"]
    a1 = np.maximum(z1, 0)
    dz1 = dz2 @ params["W2"].T * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True)}


def _probs(params, X):
    import numpy as np

    s = np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _findings(spec, params, X, y, grads):
    import numpy as np

    from oracles.diagnosis import diagnose
    from reference.model import backward

    oracle = backward(params, X, spec.head.targets(y, np.float64), head=spec.head)
    wrong = [k for k in params if not np.allclose(grads[k], oracle[k], rtol=1e-9, atol=0)]
    return diagnose(spec, params, X, y, grads, oracle, wrong).findings


def _softmax_dz(params, X, y, divisor):
    import numpy as np

    dz = _probs(params, X)
    dz[np.arange(len(y)), y] -= 1
    return dz / divisor


# l2_form, the L2 term each weight's gradient gets (W, N, l2), the id, words the finding must hold
L2_BUGS = {
    "reg over N (cs231n)": ("reg", lambda W, N, l2: 2 * l2 * W / N, "l2_divided_by_N", "dW1 += 2 * reg * W1 / N"),
    "lambd without 1/m": ("lambd", lambda W, N, l2: l2 * W, "l2_times_N", "dW2 += lambd * W2 where"),
    "decay added twice": ("weight_decay", lambda W, N, l2: 2 * l2 * W, "l2_doubled", "dW1 += 2 * weight_decay * W1"),
    "the cost's lambd/(2m)": ("lambd", lambda W, N, l2: l2 / (2 * N) * W, "l2:no-2", "dW1 += lambd / (2 * m) * W1"),
}


@pytest.mark.parametrize("bug", list(L2_BUGS))
def test_each_wrong_l2_coefficient_is_named_in_the_candidates_own_convention(bug):
    form, term, mistake, words = L2_BUGS[bug]
    spec, params, X, y = _problem(l2=0.1, l2_form=form)
    grads = _by_hand(params, X, _softmax_dz(params, X, y, len(y)))
    grads = {k: v + term(params[k], len(y), 0.1) if k[0] == "W" else v for k, v in grads.items()}
    (finding,) = _findings(spec, params, X, y, grads)
    assert finding.ids == (mistake,) and finding.params == ("W1", "W2")
    assert words in finding.text, finding.text


def test_an_l2_gradient_added_to_the_output_layer_only_is_named_missing_from_dw1():
    spec, params, X, y = _problem(l2=0.05, l2_form="reg")
    grads = _by_hand(params, X, _softmax_dz(params, X, y, len(y)))
    grads["W2"] = grads["W2"] + 2 * 0.05 * params["W2"]  # dW1 never gets its 2 * reg * W1
    (finding,) = _findings(spec, params, X, y, grads)
    assert finding.ids == ("l2_missing_from_gradient",)
    assert finding.text.startswith("the L2 term's gradient left out of dW1: the loss adds reg * sum(W ** 2), so "
                                   "dW1 += 2 * reg * W1 belongs")


def _extra_jacobian(params, X, y):
    p = _probs(params, X)
    return _softmax_dz(params, X, y, len(y)) * p * (1 - p)


def _dprobs(params, X, y):
    import numpy as np

    p, onehot = _probs(params, X), np.eye(3)[y]
    return -onehot / p / len(y)


def _minus_one_everywhere(params, X, y):
    dz = _probs(params, X)
    dz[:, y] -= 1  # the bug: every row, at every class a label names
    return dz / len(y)


@pytest.mark.parametrize("dz, mistake, words", [
    (_extra_jacobian, "softmax_extra_jacobian", "dz2 = (probs - onehot(y)) / N * probs * (1 - probs)"),
    (_dprobs, "softmax_dprobs_as_dscores", "dz2 = -onehot(y) / probs / N"),
    (_minus_one_everywhere, "softmax_minus_one_every_column", "dscores[:, y] -= 1"),
])
def test_each_wrong_piece_of_the_softmax_gradient_is_named(dz, mistake, words):
    spec, params, X, y = _problem()
    (finding,) = _findings(spec, params, X, y, _by_hand(params, X, dz(params, X, y)))
    assert finding.ids == (mistake,) and words in finding.text, finding.text


def test_under_a_summed_loss_no_diagnosis_formula_divides_by_n():
    import numpy as np

    spec, params, X, y = _problem(reduction="sum")
    dz = _probs(params, X)
    dz[:, y] -= 1  # summed: no / N anywhere
    (finding,) = _findings(spec, params, X, y, _by_hand(params, X, dz))
    assert finding.ids == ("softmax_minus_one_every_column",)
    assert "/ N" not in finding.text and "dz2 = (probs - onehot(y))" in finding.text
    spec, params, X, y = _problem(reduction="sum", l2=0.1, l2_form="reg")
    grads = _by_hand(params, X, _softmax_dz(params, X, y, 1))
    grads = {k: v + 2 * 0.1 * params[k] / len(y) if k[0] == "W" else v for k, v in grads.items()}  # reg / N anyway
    (finding,) = _findings(spec, params, X, y, grads)
    assert finding.ids == ("l2_divided_by_N",)
    assert "dW1 += 2 * reg * W1 / N and dW2 += 2 * reg * W2 / N where dW1 += 2 * reg * W1 and" in finding.text
    weighted = _softmax_dz(params, X, y, 1) * np.linspace(0.5, 1.5, len(y))[:, None]  # outside the grammar
    (where,) = _findings(spec, params, X, y, _by_hand(params, X, weighted))
    assert where.kind == "where" and "/ N" not in where.text and "dz2 = (probs - onehot(y))" in where.text


def test_weights_alone_wrong_by_an_unnamed_l2_factor_lists_every_weight_and_the_l2_term_not_only_dw2():
    spec, params, X, y = _problem(l2=0.1, l2_form="reg")
    grads = _by_hand(params, X, _softmax_dz(params, X, y, len(y)))
    grads = {k: v + 3 * 2 * 0.1 * params[k] if k[0] == "W" else v for k, v in grads.items()}  # 3x: no rule names it
    (finding,) = _findings(spec, params, X, y, grads)
    assert finding.kind == "where" and finding.params == ("W1", "W2")
    assert finding.text.startswith("dW2, dW1 are wrong and every bias gradient is right")
    assert "dW2 += 2 * reg * W2 and dW1 += 2 * reg * W1" in finding.text and "only dW2" not in finding.text


def test_a_bias_without_mses_2_is_a_half_on_db2_not_the_half_convention_with_a_stray_2_elsewhere():
    spec, params, X, y = _problem(loss="mse")
    grads = _by_hand(params, X, 2 * (_mse_out(params, X) - y) / len(y))
    grads["b2"] = grads["b2"] / 2  # db2 = mean(err): the 2 forgotten there only
    (finding,) = _findings(spec, params, X, y, grads)
    assert finding.ids == ("factor:1/2",) and finding.params == ("b2",)


def _mse_out(params, X):
    import numpy as np

    return np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"]


def test_a_softmax_loss_averaged_over_the_classes_is_named_the_wrong_axis():
    import numpy as np

    spec, params, X, y = _problem(N=40)  # N / C = 40 / 3: no bare number (at N = 24 a stray 8 would tie)
    loss_rows = _softmax_dz(params, X, y, 1)
    (finding,) = _findings(spec, params, X, y, _by_hand(params, X, loss_rows / 3))  # np.mean(..., axis=1): / C
    assert finding.ids == ("head:mean-wrong-axis",) and "over the outputs (axis=1, C = 3) only" in finding.text


def test_a_several_output_mse_averaged_over_the_rows_only_is_named_the_wrong_axis():
    import numpy as np

    from reference.model import Spec, random_params

    spec = Spec((5, 7, 3), "relu", "float64", "mse")
    params = random_params(spec, 3)
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((24, 5)), rng.standard_normal((24, 3))
    err = _mse_out(params, X) - y
    findings = _findings(spec, params, X, y, _by_hand(params, X, 2 * err / len(X)))  # mean over rows, summed over outputs
    # C times the right value: a stray 3 fits as well, and both are said ("either ... or ...")
    assert {f.ids for f in findings} == {("head:mean-wrong-axis",), ("factor:3",)}
    assert any("over the rows (axis=0) only where N * C = 72 belongs" in f.text for f in findings)
