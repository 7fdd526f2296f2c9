"""The forward family: a user's own loss(params, inputs) and backward(params, inputs), checked in
workers against finite differences and autograd of that forward (oracles.families.forward)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from oracles import check, policy, registry
from oracles.shells.cli import main

CASES = Path(__file__).resolve().parent.parent / "candidates" / "forwards"

# (file, forward, correct backward, buggy backward)
PUBLIC = [
    ("no_bias", "loss", "backward", "backward_buggy"),
    ("dropout", "loss", "backward", "backward_buggy"),
    ("sigmoid_quadratic", "loss", "backward", "backward_buggy"),
    ("log_likelihood", "log_likelihood", "ascent", "ascent_buggy"),
    ("summed_cross_entropy", "loss", "backward", "backward_buggy"),
]
MORE = [
    ("skip_connection", "loss", "backward", "backward_buggy"),
    ("shared_weights", "loss", "backward", "backward_buggy"),
    ("softplus_gelu", "loss", "backward", "backward_buggy"),
    ("huber", "loss", "backward", "backward_buggy"),
    ("weighted_bce", "loss", "backward", "backward_buggy"),
    ("kinked", "loss", "backward", "backward_buggy"),
    ("in_place", "loss", "backward", "backward_buggy"),
]


def target(case: str, name: str) -> str:
    return f"{CASES / case}.py:{name}"


def run(case, forward, backward, **kw):
    return check(target(case, backward), forward=target(case, forward), init=target(case, "init"), **kw)


@pytest.mark.parametrize("case, forward, good, bad", PUBLIC + MORE, ids=[c[0] for c in PUBLIC + MORE])
def test_each_correct_backward_passes_and_its_bug_fails(case, forward, good, bad):
    assert run(case, forward, good).passed
    report = run(case, forward, bad)
    assert not report.passed
    assert all(not c.passed for p in report.points for c in p.failures())
    assert report.exit_code() == 1


def test_the_ascent_direction_is_not_the_gradient_of_the_negative_log_likelihood():
    """The contract: backward returns the gradient of what forward returns; the ascent direction of
    a log-likelihood is minus the gradient of its negative."""
    report = run("log_likelihood", "neg_log_likelihood", "ascent")
    assert not report.passed
    for p in report.points:
        for per in p.checks.values():
            c = per[registry.DIFFERENCES]
            assert c.candidate_value == pytest.approx(-c.oracle_value, rel=1e-6)


def test_every_entry_is_checked_against_both_oracles_which_agree():
    report = run("no_bias", "loss", "backward")
    for p in report.points:
        assert {k: set(per) for k, per in p.checks.items()} == {"W1": {"finite-differences", "autograd"},
                                                                "W2": {"finite-differences", "autograd"}}
        assert p.agreement == [("finite-differences", "autograd", True)]


def test_kinks_are_found_where_a_pre_activation_is_exactly_zero_and_either_relu_slope_passes():
    """kinked.py: X's row 0 is zero and b1 is zero, so each of the 4 hidden units sits exactly at 0
    on that row and only a step of b1 crosses it: 4 kinks, all in b1."""
    for backward in ("backward", "backward_at_one"):
        report = run("kinked", "loss", backward)
        assert report.passed, report.to_text()
        for p in report.points:
            assert {k: c["subgradient"] for k, c in p.kink_counts().items()} == {"W1": 0, "b1": 4, "W2": 0}


def test_a_forward_autograd_cannot_trace_names_its_line_and_the_differences_still_decide():
    lines = (CASES / "in_place.py").read_text().splitlines()
    line = next(i + 1 for i, text in enumerate(lines) if "y_hat[:] =" in text)
    good, bad = run("in_place", "loss", "backward"), run("in_place", "loss", "backward_buggy")
    assert good.passed and not bad.passed
    for p in good.points + bad.points:
        assert f"in_place.py:{line}" in p.autograd
        assert all(set(per) == {"finite-differences"} for per in p.checks.values())


def test_the_report_header_names_the_forward_and_the_path_and_renders_every_format():
    report = run("no_bias", "loss", "backward_buggy")
    text, markdown = report.to_text(), report.to_markdown()
    assert report.header().startswith(f"forward {target('no_bias', 'loss')} | candidate ")
    assert "path your forward" in report.header()
    assert report.header() in text and report.header() in markdown
    assert "FAIL" in text.splitlines()[-1]
    data = json.loads(report.to_json())
    assert data["family"] == "forward" and data["forward"] == target("no_bias", "loss")
    assert data["points"][0]["parameters"][0]["shape"] == [4, 6]
    assert report._repr_html_().count("<table>") == 2


def test_the_lesson_forward_with_reference_model_backward_passes_and_a_zoo_bug_fails():
    """The lesson's network as a plain loss(params, {"X", "y"}) (inputs from the packaged Pima data):
    reference.model's own backward, shipped to the worker by value, passes; dz2 without 1/N fails."""
    import cloudpickle

    import reference.heads
    import reference.model

    backward = reference.model.backward  # a closure's cell, shipped by value with its module

    def reference_backward(params, inputs):
        return backward(params, inputs["X"], inputs["y"], "relu")

    for module in (reference.model, reference.heads):
        cloudpickle.register_pickle_by_value(module)
    try:
        report = check(reference_backward, forward=target("lesson", "loss"), init=target("lesson", "init"),
                       data="diabetes")
    finally:
        for module in (reference.model, reference.heads):
            cloudpickle.unregister_pickle_by_value(module)
    assert report.passed, report.to_text()
    assert not check(target("lesson", "backward_missing_mean"), forward=target("lesson", "loss"),
                     init=target("lesson", "init"), data="diabetes").passed


def test_a_right_backward_is_settled_by_the_screen_and_a_wrong_one_searched_in_full_as_the_report_says():
    """The JSON's ``differenced``: a right backward's entries settled at one evaluation each, a
    backward off by the batch size everywhere (dz2 without 1/N) sent to the full search in every entry."""
    args = dict(forward=target("lesson", "loss"), init=target("lesson", "init"), data="diabetes")
    sizes = {"W1": 8 * 16, "b1": 16, "W2": 16, "b2": 1}
    right = check(target("lesson", "backward"), **args)
    wrong = check(target("lesson", "backward_missing_mean"), **args)
    assert right.passed and not wrong.passed
    for point in right.to_dict()["points"]:
        assert point["differenced"] == {k: {"as": "screened", "evaluations": n, "searched_again": 0}
                                        for k, n in sizes.items()}
    for point in wrong.to_dict()["points"]:
        for k, n in sizes.items():
            row = point["differenced"][k]
            assert row["as"] == "screened" and row["searched_again"] == n
            assert row["evaluations"] >= n * (1 + 4)  # the screen's one, the search's four (and any finer steps)


def test_the_lesson_file_s_init_is_the_reference_init():
    import importlib.util

    from reference.model import Spec, init_params

    spec = importlib.util.spec_from_file_location("lesson_case", CASES / "lesson.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ours, theirs = module.init(3), init_params(Spec(sizes=(8, 16, 1)), seed=3)
    assert ours.keys() == theirs.keys() and all(np.array_equal(ours[k], theirs[k]) for k in ours)


# ---------------------------------------------------------------- the command

@pytest.mark.parametrize("case, backward, code", [("no_bias", "backward", 0), ("no_bias", "backward_buggy", 1),
                                                   ("summed_cross_entropy", "backward_buggy", 1),
                                                   ("dropout", "backward", 0)])
def test_the_command_exits_0_for_a_correct_backward_and_1_for_a_bug(case, backward, code, capsys):
    argv = ["--forward", target(case, "loss"), "--candidate", target(case, backward), "--init", target(case, "init"),
            "--format", "json"]
    assert main(argv) == code
    assert json.loads(capsys.readouterr().out)["passed"] is (code == 0)


def test_the_command_reads_params_and_inputs_from_an_npz(tmp_path, capsys):
    rng = np.random.default_rng(5)
    arrays = {"params/W1": rng.normal(size=(4, 6)), "params/W2": rng.normal(size=(6, 1)),
              "inputs/X": rng.normal(size=(5, 4)), "inputs/y": (rng.random((5, 1)) < 0.5).astype(float)}
    np.savez(tmp_path / "point.npz", **arrays)
    base = ["--forward", target("no_bias", "loss"), "--inputs", str(tmp_path / "point.npz")]
    assert main(base + ["--candidate", target("no_bias", "backward")]) == 0
    assert main(base + ["--candidate", target("no_bias", "backward_buggy")]) == 1
    assert "points " + str(tmp_path / "point.npz") in capsys.readouterr().out


def test_the_command_takes_inputs_from_data_when_init_returns_params_only(capsys):
    argv = ["--forward", target("lesson", "loss"), "--init", target("lesson", "init"), "--data", "diabetes"]
    assert main(argv + ["--candidate", target("lesson", "backward")]) == 0
    assert main(argv + ["--candidate", target("lesson", "backward_missing_mean")]) == 1


def _bad(tmp_path):
    np.savez(tmp_path / "ints.npz", **{"params/W": np.arange(6).reshape(2, 3)})
    np.savez(tmp_path / "stray.npz", **{"W": np.ones(3)})
    nb = target("no_bias", "loss")
    return [
        (["--forward", str(tmp_path / "absent.py:loss"), "--candidate", target("no_bias", "backward")],
         "absent.py: --forward file not found"),
        (["--init", target("no_bias", "init"), "--candidate", target("no_bias", "backward")], "go with --forward"),
        (["--forward", "model_without_function", "--candidate", target("no_bias", "backward")],
         "--forward takes FILE.py:FUNCTION"),
        (["--forward", nb, "--candidate", target("no_bias", "backward")], "--forward needs params"),
        (["--forward", nb, "--candidate", target("no_bias", "backward"), "--inputs", str(tmp_path / "ints.npz")],
         "dtype int64: params are float32 or float64"),
        (["--forward", nb, "--candidate", target("no_bias", "backward"), "--inputs", str(tmp_path / "stray.npz")],
         "not W"),
    ]


def test_bad_input_is_exit_2_and_one_line(tmp_path, capsys):
    for argv, words in _bad(tmp_path):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err and "Traceback" not in err, (argv, err)


NETWORK_FLAGS = [["--hidden", "32"], ["--activation", "tanh"], ["--convention", "cs231n"], ["--reduction", "sum"],
                 ["--l2", "0.1"], ["--fd-mode", "directions"], ["--directions", "4"], ["--bug-zoo"],
                 ["--replay", "anything"], ["--dtype", "float32"], ["--oracles", "torch"], ["--no-isolation"],
                 ["--plot", "errors.png"], ["--jobs", "2"], ["--glob"], ["--hidden", "16"], ["--hid", "8"]]


@pytest.mark.parametrize("flag", NETWORK_FLAGS, ids=[" ".join(f) for f in NETWORK_FLAGS])
def test_an_option_that_does_not_apply_with_forward_is_exit_2_naming_it(flag, capsys):
    """Even at its default value (--hidden 16) or abbreviated (--hid): written, it is refused, before any worker."""
    argv = ["--forward", target("no_bias", "loss"), "--candidate", target("no_bias", "backward"),
            "--init", target("no_bias", "init")] + flag
    assert main(argv) == 2
    err = capsys.readouterr().err
    name = {"--hid": "--hidden"}.get(flag[0], flag[0])
    assert err.count("\n") == 1 and f"{name} does not apply with --forward" in err and "Traceback" not in err


def test_the_options_that_apply_with_forward_are_accepted(tmp_path, capsys):
    argv = ["--forward", target("lesson", "loss"), "--candidate", target("lesson", "backward"),
            "--init", target("lesson", "init"), "--data", "diabetes", "--target", "Outcome", "--loss", "bce",
            "--seed", "3", "--timeout", "60", "--memory", "4G", "--forbid-import", "torch", "--quiet",
            "--format", "json", "--output", str(tmp_path / "r.json")]
    assert main(argv) == 0
    assert json.loads((tmp_path / "r.json").read_text())["points_from"].endswith("(seeds 3, 4)")


@pytest.mark.parametrize("keyword, value", [("hidden", 32), ("hidden", (64, 64)), ("activation", "tanh"),
                                            ("convention", "cs231n"), ("reduction", "sum"), ("l2", 0.1),
                                            ("dtype", "float32"), ("oracles", "torch"), ("hidden", np.ones(3))])
def test_an_api_keyword_that_does_not_apply_with_forward_is_a_type_error_naming_it(keyword, value):
    with pytest.raises(TypeError, match=f"^{keyword}=.* does not apply with forward="):
        run("no_bias", "loss", "backward", **{keyword: value})


def test_a_forward_that_raises_is_exit_2_naming_its_line(tmp_path, capsys):
    (tmp_path / "broken.py").write_text("import numpy as np\n\ndef loss(params, inputs):\n"
                                        "    return np.sum(params['W'] @ inputs['X'])\n\n"
                                        "def init(seed):\n    return {'W': np.ones((2, 3))}, {'X': np.ones((2, 2))}\n\n"
                                        "def backward(params, inputs):\n    return {'W': params['W']}\n")
    f = str(tmp_path / "broken.py")
    assert main(["--forward", f + ":loss", "--candidate", f + ":backward", "--init", f + ":init"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.py:4" in err and "ValueError" in err


# ---------------------------------------------------------------- isolation

def test_the_forward_and_the_backward_run_in_two_workers_and_never_in_the_judge(tmp_path):
    """Each module writes its process id when it is imported: the forward's worker imports only
    the forward's file (and init's), the candidate's only the backward's, neither is the judge."""
    log = tmp_path / "pids.txt"
    common = (f"import os\nimport numpy as np\nwith open({str(log)!r}, 'a') as f:\n"
              f"    f.write(__file__.rsplit('/', 1)[-1] + ' ' + str(os.getpid()) + '\\n')\n")
    (tmp_path / "fwd.py").write_text(common + "def loss(params, inputs):\n    return np.sum(params['w'] ** 2)\n\n"
                                     "def init(seed):\n    return {'w': np.ones(3) * (seed + 1)}, {}\n")
    (tmp_path / "bwd.py").write_text(common + "def backward(params, inputs):\n    return {'w': 2 * params['w']}\n")
    report = check(str(tmp_path / "bwd.py:backward"), forward=str(tmp_path / "fwd.py:loss"),
                   init=str(tmp_path / "fwd.py:init"))
    assert report.passed
    seen = [line.split() for line in log.read_text().splitlines()]
    by_file = {}
    for name, pid in seen:
        by_file.setdefault(name, set()).add(int(pid))
    assert set(by_file) == {"fwd.py", "bwd.py"}
    assert not by_file["fwd.py"] & by_file["bwd.py"]
    assert os.getpid() not in by_file["fwd.py"] | by_file["bwd.py"]


def test_a_forward_that_gives_two_losses_for_one_point_is_reported(tmp_path):
    (tmp_path / "noisy.py").write_text(
        "import numpy as np\n_rng = np.random.default_rng()\n\n"
        "def loss(params, inputs):\n    return np.sum(params['w'] ** 2) + _rng.normal()\n\n"
        "def backward(params, inputs):\n    return {'w': 2 * params['w']}\n")
    f = str(tmp_path / "noisy.py")
    report = check(f + ":backward", forward=f + ":loss", params={"w": np.ones(2)}, inputs={})
    assert not report.passed
    assert "two losses for the same params" in report.points[0].nondeterministic


def test_the_forward_oracles_have_policy_rows_in_each_dtype():
    for oracle in registry.FORWARD_ORACLES:
        for dtype in ("float64", "float32"):
            assert isinstance(policy.TABLE[(oracle.name, dtype)], policy.Tolerance)


def test_a_kink_two_thirds_of_a_step_away_is_found_though_both_one_sided_differences_miss_it(tmp_path, monkeypatch):
    """|w - k| at w = 0.5 with k = w + 2h/3: both one-sided differences of second order read -1
    (the left slope, the true derivative); only the central one (-2/3) sees the kink. (At the first
    step alone: a finer step then decides the entry, the next test.) The full search, as an entry
    gets when a gradient disagrees with its one-sided screen: the screen's step, sqrt(eps), is far
    from the kink and would settle the right backward's entry before any search."""
    from oracles.families.forward import run as family_run
    from oracles.families.forward.judge import differences

    monkeypatch.setattr(family_run, "screened", lambda side, p, i, against, tol: differences(side, p, i))
    monkeypatch.setattr(policy, "FD_NEAR_KINK_FACTORS", (1.0,))
    w = np.array([0.5])
    h = float(((w + policy.fd_step(w)) - w)[0])
    k = 0.5 + 2 * h / 3
    (tmp_path / "absolute.py").write_text(
        f"import numpy as np\n\ndef loss(params, inputs):\n    return np.sum(np.abs(params['w'] - {k!r}))\n\n"
        "def backward(params, inputs):\n    return {'w': np.sign(params['w'] - " + repr(k) + ")}\n\n"
        "def other_side(params, inputs):\n    return {'w': np.ones_like(params['w'])}\n")
    f = str(tmp_path / "absolute.py")
    report = check(f + ":backward", forward=f + ":loss", params={"w": w}, inputs={})
    assert report.passed and report.points[0].kink_counts()["w"]["subgradient"] == 1
    assert not check(f + ":other_side", forward=f + ":loss", params={"w": w}, inputs={}).passed


def test_a_kink_found_near_an_entry_is_decided_at_a_finer_step_where_the_forward_is_smooth(tmp_path):
    """|w - k| with k = w + 2h/3: at h/4 no kink lies within 2h/4 of w, the three differences agree
    on the derivative at w, -1; the other side's slope, +1, is then wrong, and no kink is counted."""
    w = np.array([0.5])
    h = float(((w + policy.fd_step(w)) - w)[0])
    k = 0.5 + 2 * h / 3
    (tmp_path / "absolute.py").write_text(
        f"import numpy as np\n\ndef loss(params, inputs):\n    return np.sum(np.abs(params['w'] - {k!r}))\n\n"
        "def left(params, inputs):\n    return {'w': -np.ones_like(params['w'])}\n\n"
        "def right(params, inputs):\n    return {'w': np.ones_like(params['w'])}\n")
    f = str(tmp_path / "absolute.py")
    report = check(f + ":left", forward=f + ":loss", params={"w": w}, inputs={})
    assert report.passed and report.points[0].kink_counts()["w"]["subgradient"] == 0
    assert report.points[0].checks["w"]["finite-differences"].oracle_value == pytest.approx(-1, abs=1e-9)
    assert not check(f + ":right", forward=f + ":loss", params={"w": w}, inputs={}).passed


def test_two_kinks_on_either_side_of_an_entry_within_a_step_leave_no_false_alarm(tmp_path):
    """|w - a| + |w - b| with a = w - h/2 and b = w + h/2 (two rows' ReLUs crossing near one entry): at
    the first step every difference crosses one kink or both; at h/4 neither, and the derivative at
    w (the slopes cancel: 0) is the oracle's value."""
    w = np.array([0.5])
    h = float(((w + policy.fd_step(w)) - w)[0])
    a, b = 0.5 - h / 2, 0.5 + h / 2
    (tmp_path / "two.py").write_text(
        f"import numpy as np\n\ndef loss(params, inputs):\n"
        f"    return np.sum(np.abs(params['w'] - {a!r})) + 3 * np.sum(np.maximum(params['w'] - {b!r}, 0))\n\n"
        "def backward(params, inputs):\n    return {'w': np.ones_like(params['w'])}\n")
    f = str(tmp_path / "two.py")
    report = check(f + ":backward", forward=f + ":loss", params={"w": w}, inputs={})
    assert report.passed, report.to_text()
    assert report.points[0].checks["w"]["finite-differences"].oracle_value == pytest.approx(1, abs=1e-9)


def _module(case: str):
    """A case file as a module that is not in sys.modules: its functions go to the workers by value."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"{case}_by_value", CASES / f"{case}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_functions_given_to_the_api_are_traced_by_autograd_in_the_forward_s_worker():
    m = _module("sigmoid_quadratic")
    params, inputs = m.init(3)
    report = check(m.backward, forward=m.loss, params=params, inputs=inputs)
    assert report.passed and report.points[0].autograd is None
    assert all(set(per) == {"finite-differences", "autograd"} for per in report.points[0].checks.values())
    assert not check(m.backward_buggy, forward=m.loss, params=params, inputs=inputs).passed


def test_a_float32_point_is_held_to_the_float32_rows():
    m = _module("sigmoid_quadratic")
    params, inputs = m.init(4)
    params = {k: v.astype(np.float32) for k, v in params.items()}
    inputs = {k: v.astype(np.float32) for k, v in inputs.items()}
    report = check(m.backward, forward=m.loss, params=params, inputs=inputs)
    assert report.passed
    check_ = report.points[0].checks["W1"]["finite-differences"]
    want = policy.tolerance("finite-differences", "float32")
    assert (check_.atol, check_.rtol) == (want.atol, want.rtol)


def test_a_returned_loss_is_held_to_the_forward_s():
    m = _module("sigmoid_quadratic")
    params, inputs = m.init(5)
    right = check(lambda p, i: (m.loss(p, i), m.backward(p, i)), forward=m.loss, params=params, inputs=inputs)
    doubled = check(lambda p, i: (2 * m.loss(p, i), m.backward(p, i)), forward=m.loss, params=params, inputs=inputs)
    assert right.passed and right.points[0].loss_agrees == {"candidate": True}
    assert not doubled.passed and doubled.points[0].loss_agrees == {"candidate": False}


def test_a_forward_that_hangs_is_exit_2_at_its_time_limit(tmp_path, capsys):
    (tmp_path / "slow.py").write_text("import time\nimport numpy as np\n\ndef loss(params, inputs):\n"
                                      "    time.sleep(60)\n    return 0.0\n\n"
                                      "def init(seed):\n    return {'w': np.ones(2)}, {}\n\n"
                                      "def backward(params, inputs):\n    return {'w': params['w']}\n")
    f = str(tmp_path / "slow.py")
    assert main(["--forward", f + ":loss", "--candidate", f + ":backward", "--init", f + ":init",
                 "--timeout", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "time limit of 1 s" in err and "the forward" in err


class _OneAtATime:
    """The lesson's forward in this process, one call per perturbation: what the worker's batches must equal."""

    def __init__(self, fn):
        self.fn = fn

    def losses(self, params, inputs, perturb, base=0, extended=False):
        out = [self.fn(params, inputs)] * base
        for name, index, values in perturb:
            for i, value in zip(index, values):
                moved = {k: v.copy() for k, v in params.items()}
                moved[name].reshape(-1)[i] = value
                out.append(self.fn(moved, inputs))
        return np.asarray(out, dtype=np.float64)


def _lesson_points(X):
    """init(0), init(1), and init(0) with b1 putting hidden unit 3 at 0 on row 5 (kinks in W1 and b1)."""
    lesson = _module("lesson")
    kinked = lesson.init(0)
    kinked["b1"][0, 3] = -(X[5] @ kinked["W1"][:, 3])
    return lesson, [lesson.init(0), lesson.init(1), kinked]


@pytest.mark.parametrize("batch", [7, 4096])
def test_the_batched_differences_equal_one_forward_per_perturbation_on_the_lesson_s_network(real, batch,
                                                                                          monkeypatch):
    """The worker's batches (blocks of indices and values, several messages when the batch is 7)
    give the same losses, bit for bit, as the forward called once per perturbed copy of the params:
    the same central differences, kink intervals and refined entries."""
    from oracles.families.forward import judge
    from oracles.families.forward.sides import ForwardSide, source_of

    monkeypatch.setattr(judge, "MAX_BATCH", batch)
    lesson, points = _lesson_points(real.X)
    inputs = {"X": real.X, "y": real.y}
    side = ForwardSide(source_of(str(CASES / "lesson.py") + ":loss", "--forward")).start()
    try:
        kinks = 0
        for params in points:
            got = judge.differences(side, params, inputs)
            want = judge.differences(_OneAtATime(lesson.loss), params, inputs)
            assert got.loss == want.loss
            for k in params:
                assert np.array_equal(got.central[k], want.central[k]), k
                assert np.array_equal(got.kinks[k].lo, want.kinks[k].lo) and np.array_equal(got.kinks[k].hi,
                                                                                            want.kinks[k].hi), k
                assert np.array_equal(got.refined[k], want.refined[k]), k
            kinks += sum(int(r.sum()) for r in got.refined.values())
        assert kinks > 0  # entries of the kinked point were differenced at finer steps
    finally:
        side.close()


def test_the_batched_differences_agree_with_the_built_in_ones_on_the_lesson_s_network(real):
    """Within the finite-differences tolerance of the policy at init(0) and init(1), where no kink is
    left after the finer steps (the built-in decides its entries whose step crosses a ReLU's kink at
    a finer step too)."""
    from oracles.families.forward.judge import differences
    from oracles.families.forward.sides import ForwardSide, source_of
    from oracles.finite_differences import fd_gradients
    from reference.model import Spec

    _, points = _lesson_points(real.X)
    tol = policy.tolerance("finite-differences", "float64")
    side = ForwardSide(source_of(str(CASES / "lesson.py") + ":loss", "--forward")).start()
    try:
        for params in points[:2]:
            built = fd_gradients(Spec(sizes=(real.X.shape[1], 16, 1)), params, real.X, real.y)
            found = differences(side, params, {"X": real.X, "y": real.y})
            for k in params:
                assert tol.close_array(found.central[k], built.grads[k]).all(), k
                assert not found.kinks[k].mask.any(), k
    finally:
        side.close()


def test_an_entry_within_float32_s_tolerance_is_looked_at_again_when_its_parameter_fails_the_whole_rule():
    """One column of W1 off by 1e-5, inside float32's entrywise tolerance (1e-4 of the scale) but
    beyond its whole-parameter rule: that column, and only it, is differenced again (the entries
    outside the float64 row); the same gradient against a float64 row selects it entry by entry."""
    from oracles.families.forward.judge import wrong_entries

    rng = np.random.default_rng(3)
    o = rng.normal(size=(8, 16)) * 1e-3
    g = o.copy()
    g[:, 5] += 1e-5
    tol32 = policy.tolerance("finite-differences", "float32")
    assert tol32.close_array(g, o).all() and not tol32.whole_close(g, o)
    want = np.zeros(o.shape, dtype=bool)
    want[:, 5] = True
    assert np.array_equal(wrong_entries(g, o, tol32), want)
    assert np.array_equal(wrong_entries(g, o, policy.tolerance("finite-differences", "float64")), want)
    close = o * (1 + 1e-7)  # float32-sized rounding: within both rules, nothing to look at again
    assert not wrong_entries(close, o, tol32).any()


class _SlowRoundTrips(_OneAtATime):
    """Messages whose round trip takes 10 s while the worker's own evaluations take 1e-5 s each
    (``per_evaluation``, None: a side that does not time them); counts the messages."""

    def __init__(self, fn, per_evaluation):
        super().__init__(fn)
        self.limit, self.messages, self.timed = 30.0, 0, per_evaluation

    def losses(self, params, inputs, perturb, base=0, extended=False):
        self.messages += 1
        self.last_seconds, self.per_evaluation = 10.0, self.timed
        return super().losses(params, inputs, perturb, base)


def test_batches_are_sized_from_the_worker_s_own_time_per_evaluation_not_the_round_trip():
    """A slow pipe (10 s a message) and a fast forward: the 12 perturbations of 3 entries go in one
    message after the point's, as many as the batch allows (MAX_BATCH); a side that does not time
    its evaluations falls back on half the first round trip, 5 s each, the fewest per message (4)."""
    from oracles.families.forward import judge

    def loss(params, inputs):
        return float(np.sum(params["w"] ** 2))

    timed = _SlowRoundTrips(loss, 1e-5)
    found = judge.differences(timed, {"w": np.array([1.0, -2.0, 3.0])}, {})
    assert found.batch == judge.MAX_BATCH and timed.messages == 2
    assert np.allclose(found.central["w"], [2.0, -4.0, 6.0], rtol=1e-9)
    untimed = _SlowRoundTrips(loss, None)
    found = judge.differences(untimed, {"w": np.array([1.0, -2.0, 3.0])}, {})
    assert found.batch == judge.EVALUATIONS_PER_ENTRY and untimed.messages == 1 + 3


def test_the_forward_s_worker_times_its_own_evaluations_inside_the_round_trip(real):
    from oracles.families.forward.sides import ForwardSide, source_of

    lesson = _module("lesson")
    side = ForwardSide(source_of(str(CASES / "lesson.py") + ":loss", "--forward")).start()
    try:
        losses = side.losses(lesson.init(0), {"X": real.X, "y": real.y}, [], base=2)
        assert losses[0] == losses[1] == lesson.loss(lesson.init(0), {"X": real.X, "y": real.y})
        assert 0 < side.per_evaluation * 2 <= side.last_seconds
    finally:
        side.close()
