"""The forward family's judge-side code called in this process (fakes stand in for its two workers):
the finite differences and the kinks found, the points' validation, the two sides' words, the
diagnosis and the report."""
from __future__ import annotations

import numpy as np
import pytest

from family_fakes import Side, Answering, quadratic, without_package
from oracles import policy, registry
from oracles.compare import compare
from oracles.families.forward import judge
from oracles.families.forward.diagnosis import diagnose, shape_factors
from oracles.families.forward.points import ForwardError, Point, from_npz, inputs_of, params_of
from oracles.families.forward.report import ForwardPoint, ForwardReport
from oracles.families.forward.sides import ForwardSide, failed_words, source_of

FD_TOL = policy.tolerance("finite-differences", "float64")


def test_the_central_differences_of_a_smooth_forward_are_its_gradient_and_find_no_kink():
    params = {"w": np.array([[0.5, -1.5], [2.0, 3.0]]), "b": np.array([0.3, -0.7, 1.1])}
    inputs = {"a": np.array([[1.0, 2.0], [3.0, 4.0]])}
    found = judge.differences(Side(quadratic), params, inputs)
    assert found.loss == quadratic(params, inputs) and found.nondeterministic is None
    assert FD_TOL.close_array(found.central["w"], inputs["a"] * params["w"]).all()
    assert FD_TOL.close_array(found.central["b"], 3 * params["b"] ** 2).all()
    assert found.central["w"].shape == (2, 2) and found.central["b"].shape == (3,)
    for k, p in params.items():
        assert not found.kinks[k].mask.any() and found.kinks[k].lo.shape == p.shape
        assert not found.refined[k].any()
        assert np.array_equal(found.steps[k], (p.reshape(-1) + policy.fd_step(p.reshape(-1))) - p.reshape(-1))
    assert found.scales["w"] == policy.gradient_scale(found.central["w"].reshape(-1), FD_TOL.unit)


def test_a_kink_at_an_entry_is_found_and_held_to_the_one_sided_slopes():
    params = {"w": np.array([0.0, 2.0, -3.0])}
    found = judge.differences(Side(lambda p, i: float(np.abs(p["w"]).sum())), params, {})
    kinks = found.kinks["w"]
    assert kinks.mask.tolist() == [True, False, False]
    assert kinks.lo[0] == pytest.approx(-1.0) and kinks.hi[0] == pytest.approx(1.0)
    assert found.central["w"][1:] == pytest.approx([1.0, -1.0])
    assert found.refined["w"].tolist() == [True, False, False]  # differenced again at the finer steps
    assert kinks.slopes(np.zeros(3), FD_TOL).size == 0


def test_a_kink_within_a_step_of_an_entry_is_decided_at_a_finer_step_where_the_forward_is_smooth():
    w0 = 1.0
    h = float(policy.fd_step(np.array([w0]))[0])
    corner = w0 + 0.6 * h  # inside the first step, outside h/4 of it
    fn = lambda p, i: float(2.0 * abs(p["w"][0] - corner))  # noqa: E731
    found = judge.differences(Side(fn), {"w": np.array([w0])}, {})
    assert found.refined["w"].tolist() == [True]
    assert not found.kinks["w"].mask.any()
    assert found.central["w"][0] == pytest.approx(-2.0, rel=1e-6)


def test_a_forward_that_gives_two_losses_at_one_point_is_named_nondeterministic_with_both():
    side = Side(lambda p, i: 1.0, drift=0.5)
    found = judge.differences(side, {"w": np.array([1.0])}, {})
    assert found.nondeterministic is not None
    assert "1.0" in found.nondeterministic and "1.5" in found.nondeterministic
    assert found.loss == 1.0


@pytest.mark.parametrize("batch", [4, 5, 7, 12, 40])
def test_the_perturbations_go_in_batches_of_at_most_the_batch_in_order(batch):
    params = {"w": np.arange(5.0), "b": np.arange(3.0) - 1}
    blocks = [judge.stepped(k, p, np.arange(p.size), np.full(p.size, 0.1)) for k, p in params.items()]
    side = Side(lambda p, i: float(np.sum(p["w"] * np.arange(1, 6)) + np.sum(p["b"] ** 2)))
    got = judge.evaluate(side, params, {}, blocks, batch)
    assert got.size == 4 * 8 and max(side.sizes) <= batch and sum(side.sizes) == 32
    assert all(s == batch for s in side.sizes[:-1])
    one = Side(side.fn)
    assert np.array_equal(got, np.concatenate([one.losses(params, {}, [b]) for b in blocks]))
    assert judge.evaluate(side, params, {}, [], batch).size == 0


def test_stepped_moves_each_entry_to_w_plus_h_minus_h_plus_2h_minus_2h_in_that_order():
    name, idx, values = judge.stepped("w", np.array([10.0, 20.0, 30.0]), np.array([0, 2]), np.array([1.0, 0.5]))
    assert name == "w" and idx.tolist() == [0, 0, 0, 0, 2, 2, 2, 2] and idx.dtype == np.int64
    assert values.tolist() == [11.0, 9.0, 12.0, 8.0, 30.5, 29.5, 31.0, 29.0]


def test_the_batch_is_sized_from_the_forwards_time_and_the_message_limit():
    class Timed(Side):
        last_seconds, limit = 0.01, 30.0

    side = Timed(lambda p, i: float(np.sum(p["w"])))
    found = judge.differences(side, {"w": np.ones(3)}, {})
    assert found.batch == int(1.0 / 0.005)  # a second's worth at half the two base calls' time
    slow = Timed(side.fn)
    slow.last_seconds = 100.0
    assert judge.differences(slow, {"w": np.ones(3)}, {}).batch == judge.EVALUATIONS_PER_ENTRY
    assert judge.differences(Side(side.fn), {"w": np.ones(3)}, {}).batch == 100  # no timing yet: 1 ms each, a tenth of a second
    tight = Timed(side.fn)
    tight.limit, tight.last_seconds = 2.0, 0.0001
    assert judge.differences(tight, {"w": np.ones(3)}, {}).batch == 4000  # 0.2 s of 0.00005 s each


def test_wrong_entries_are_those_outside_the_tolerance_or_the_kink_interval():
    o = np.array([1.0, 2.0, 0.0])
    g = np.array([1.0, 2.5, 0.5])
    assert judge.wrong_entries(g, o, FD_TOL).tolist() == [False, True, True]
    kinks = judge.Found(np.array([1.0, 2.0, -1.0]), np.array([1.0, 2.0, 1.0]))
    assert judge.wrong_entries(g, o, FD_TOL, kinks).tolist() == [False, True, False]


def test_recheck_differences_the_masked_entries_again_once_and_updates_the_oracle():
    params = {"w": np.array([1.0, 0.25, -2.0])}
    side = Side(lambda p, i: float(2 * p["w"][0] + 5 * p["w"][1] + p["w"][2] ** 2))
    found = judge.differences(side, params, {})
    found.central["w"][0] = found.central["w"][1] = 99.0  # as two kinks within a step on either side leave it
    calls = len(side.sizes)
    assert judge.recheck(side, params, {}, found, {"w": np.array([False, False, False])}) == 0
    assert len(side.sizes) == calls  # nothing asked of the forward
    assert judge.recheck(side, params, {}, found, {"w": np.array([True, False, False])}) == 1
    assert found.refined["w"].tolist() == [True, False, False]
    assert found.central["w"][0] == pytest.approx(2.0, rel=1e-6) and found.central["w"][1] == 99.0
    assert found.central["w"].shape == (3,) and found.kinks["w"].lo.shape == (3,)
    assert found.kinks["w"].lo[0] == found.kinks["w"].hi[0] == found.central["w"][0]
    assert judge.recheck(side, params, {}, found, {"w": np.array([True, True, False])}) == 1
    assert found.refined["w"].tolist() == [True, True, False] and found.central["w"][1] == pytest.approx(5.0)
    assert found.central["w"][2] == pytest.approx(-4.0, rel=1e-6)


def test_a_kink_left_at_every_step_keeps_the_union_of_the_intervals():
    fn = lambda p, i: float(abs(p["w"][0]) + 3 * max(p["w"][0], 0.0))  # noqa: E731  slopes -1 and 4 at 0
    found = judge.differences(Side(fn), {"w": np.array([0.0])}, {})
    assert found.kinks["w"].mask.tolist() == [True]
    assert found.kinks["w"].lo[0] == pytest.approx(-1.0) and found.kinks["w"].hi[0] == pytest.approx(4.0)


# points --------------------------------------------------------------------------------------------


def test_params_must_be_a_non_empty_dict_of_finite_float_arrays():
    with pytest.raises(ForwardError, match="must be a dict"):
        params_of([1.0], "params") if False else params_of((1.0,), "params")
    with pytest.raises(ForwardError, match="nothing to differentiate"):
        params_of({}, "params")
    with pytest.raises(ForwardError, match=r"\['n'\] has dtype int64"):
        params_of({"n": np.arange(3)}, "params")
    with pytest.raises(ForwardError, match="float16"):
        params_of({"h": np.ones(2, np.float16)}, "params")
    with pytest.raises(ForwardError, match=r"\['w'\] holds non-finite"):
        params_of({"w": np.array([1.0, np.inf])}, "params")
    with pytest.raises(ForwardError, match="not a numeric array"):
        params_of({"s": np.array(["a"])}, "params")


def test_params_are_native_order_copies_keyed_by_string():
    big = np.arange(3.0, dtype=">f8")
    mine = np.ones(2, np.float32)
    out = params_of({"w": big, 1: mine}, "p")
    assert set(out) == {"w", "1"} and out["w"].dtype == np.float64 and out["w"].dtype.byteorder in "=<|"
    assert out["1"].dtype == np.float32
    out["1"][0] = 5.0
    assert mine[0] == 1.0


def test_a_workers_description_gives_its_array_or_names_what_it_is():
    assert params_of([("w", {"array": np.array([2.0]), "zero_d": True})], "init").get("w").shape == ()
    assert params_of([("w", {"array": np.array([2.0, 3.0])})], "init")["w"].tolist() == [2.0, 3.0]
    with pytest.raises(ForwardError, match=r"init\['w'\] is a list, not a NumPy array"):
        params_of([("w", {"type": "list"})], "init")


def test_inputs_hold_any_numeric_array_and_refuse_others():
    out = inputs_of({"y": np.array([1, 0]), "m": np.array([True, False]), "x": [1.5]}, "inputs")
    assert out["y"].dtype.kind == "i" and out["m"].dtype == bool and out["x"].tolist() == [1.5]
    assert inputs_of({}, "inputs") == {}
    with pytest.raises(ForwardError, match=r"inputs\['s'\]"):
        inputs_of({"s": np.array(["a"])}, "inputs")
    with pytest.raises(ForwardError, match="dict of arrays"):
        inputs_of(3, "inputs")


def test_a_point_is_float32_when_any_param_is():
    assert Point("a", "", {"w": np.ones(1), "b": np.ones(1, np.float32)}, {}).dtype == "float32"
    assert Point("a", "", {"w": np.ones(1)}, {"x": np.ones(1, np.float32)}).dtype == "float64"


def test_an_npz_gives_its_params_and_inputs_apart(tmp_path):
    path = tmp_path / "p.npz"
    np.savez(path, **{"params/w": np.ones(2), "inputs/X": np.zeros((2, 2))})
    params, inputs = from_npz(str(path))
    assert list(params) == ["w"] and list(inputs) == ["X"]
    only = tmp_path / "q.npz"
    np.savez(only, **{"inputs/X": np.zeros(2)})
    assert from_npz(str(only))[0] is None
    np.savez(only, **{"params/w": np.zeros(2)})
    assert from_npz(str(only))[1] is None


def test_a_bad_npz_is_one_line_naming_the_file(tmp_path):
    with pytest.raises(ForwardError, match="missing.npz: --inputs file not found"):
        from_npz(str(tmp_path / "missing.npz"))
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ForwardError, match="junk.npz: --inputs is not a readable"):
        from_npz(str(junk))
    other = tmp_path / "other.npz"
    np.savez(other, w=np.ones(2), **{"params/b": np.ones(1)})
    with pytest.raises(ForwardError, match=r"other.npz: .*not w$"):
        from_npz(str(other))


# sides ---------------------------------------------------------------------------------------------


def test_source_of_names_the_flag_for_a_missing_file_or_a_bad_target(tmp_path):
    with pytest.raises(ForwardError, match=r"nowhere.py: --init file not found"):
        source_of(str(tmp_path / "nowhere.py") + ":init", "--init")
    with pytest.raises(ForwardError, match=r"^--forward: "):
        source_of("no colon here", "--forward")
    found = tmp_path / "f.py"
    found.write_text("def loss(p, i):\n    return 0.0\n")
    assert source_of(f"{found}:loss", "--forward").attr == "loss"
    assert source_of(quadratic, "--forward").pickled is not None


def test_failed_words_say_who_raised_where_and_what():
    assert failed_words({"type": "ValueError", "message": "bad", "where": "f.py:3"}, "forward f") == \
        "forward f raised at f.py:3: ValueError: bad"
    assert failed_words({"type": "KeyError", "message": "", "where": None}, "init g(0)") == "init g(0) raised: KeyError"


def _side(*replies, failure=None):
    side = ForwardSide(source_of(quadratic, "--forward"))
    side.worker = Answering(*replies, failure=failure)
    return side


def test_the_forward_side_turns_the_workers_replies_into_losses_or_one_line():
    side = _side({"kind": "losses", "losses": [1, 2]})
    got = side.losses({"w": np.ones(1)}, {}, [("w", [0], [2.0])], base=1)
    assert got.dtype == np.float64 and got.tolist() == [1.0, 2.0] and side.last_seconds == 0.25
    message, when = side.worker.asked[0]
    assert message["op"] == "losses" and message["base"] == 1 and message["perturb"] == [("w", [0], [2.0])]
    assert when == "during the forward"
    with pytest.raises(ForwardError, match="returned str, not one number"):
        _side({"kind": "not-a-loss", "type": "str"}).losses({}, {}, [])
    with pytest.raises(ForwardError, match="raised: ZeroDivisionError"):
        _side({"kind": "failed", "type": "ZeroDivisionError"}).losses({}, {}, [])
    with pytest.raises(ForwardError, match=r"^forward \S*quadratic: the forward timed out; the candidate's limit$"):
        _side(failure="the candidate timed out; the candidate's limit").losses({}, {}, [])  # the first one only


def test_the_forward_side_reads_init_replies():
    reply = {"kind": "point", "params": [], "inputs": None}
    side = _side(reply)
    assert side.init(side.source, 3) is reply
    assert side.worker.asked[0][0]["seed"] == 3 and side.worker.asked[0][0]["op"] == "init"
    with pytest.raises(ForwardError, match=r"returned list; expected params"):
        _side({"kind": "other", "type": "list"}).init(side.source, 0)
    with pytest.raises(ForwardError, match=r"\(0\) raised"):
        _side({"kind": "failed", "type": "OSError"}).init(side.source, 0)
    traced = _side({"kind": "grads"})
    assert traced.autograd({}, {}) == {"kind": "grads"} and traced.worker.asked[0][0]["op"] == "autograd"


# diagnosis -----------------------------------------------------------------------------------------


def test_the_shape_factors_are_the_rows_and_columns_of_the_inputs():
    kinds = {k: v for k, v, _ in shape_factors({"X": np.zeros((5, 3)), "y": np.zeros(5)})}
    assert kinds == {"sign": -1.0, "factor N": 5.0, "factor 1/N": 0.2, "factor N-1": 1.25, "factor 2": 2.0,
                     "factor 1/2": 0.5, "factor D": 3.0, "factor 1/D": 1 / 3, "factor N/D": 5 / 3}
    two = [k for k, _, _ in shape_factors({"X": np.zeros((2, 2))})]
    assert "factor N-1" not in two and "factor D" not in two and "factor N" in two
    assert [k for k, _, _ in shape_factors({"s": np.float64(1.0)})] == ["sign", "factor 2", "factor 1/2"]
    # the most common leading length is N; ties go to the larger
    most = {k: v for k, v, _ in shape_factors({"a": np.zeros((4, 2)), "b": np.zeros(4), "c": np.zeros((7, 3))})}
    assert most["factor N"] == 4.0 and most["factor D"] == 2.0 and "factor N/D" in most
    tie = {k: v for k, v, _ in shape_factors({"a": np.zeros(3), "b": np.zeros(6)})}
    assert tie["factor N"] == 6.0


def _causes(grads, oracle, inputs, kinks=None):
    wrong = list(grads)
    return {c.param: c for c in diagnose(grads, oracle, kinks or {}, inputs, wrong, FD_TOL, "finite differences")}


def test_each_kind_of_cause_is_named_in_the_order_tried():
    rng = np.random.default_rng(1)
    o = {"W": rng.standard_normal((3, 3)), "V": rng.standard_normal((3, 3)), "b": rng.standard_normal(4),
         "c": rng.standard_normal(4)}
    inputs = {"X": np.zeros((8, 5))}
    g = {"W": o["W"].T, "V": o["W"].copy(), "b": 7.3 * o["b"], "c": -o["c"]}
    got = _causes(g, o, inputs)
    assert got["W"].kind == "transpose" and got["V"].kind == "copy of W" and got["b"].kind == "constant"
    assert got["c"].kind == "sign" and "7.3" in got["b"].text
    assert _causes({"b": 8 * o["b"]}, o, inputs)["b"].kind == "factor N"
    assert _causes({"b": o["b"] / 5}, o, inputs)["b"].kind == "factor 1/D"
    assert _causes({"b": o["b"] * 1.6}, o, inputs)["b"].kind == "factor N/D"
    assert _causes({"b": o["b"] * 8 / 7}, o, inputs)["b"].kind == "factor N-1"
    assert _causes({"b": o["b"] * 2}, o, {"X": np.zeros((2, 4))})["b"].text.count("too") == 1  # N = 2 and 2


def test_a_one_entry_parameter_is_named_only_with_a_factor_another_shows():
    o = {"w": np.array([1.0, -2.0, 0.5]), "s": np.array([0.7])}
    got = _causes({"w": 3.3 * o["w"], "s": 3.3 * o["s"]}, o, {"X": np.zeros((6, 5))})
    assert got["s"].kind == "constant" and "dw" in got["s"].text
    alone = _causes({"s": 3.3 * o["s"]}, o, {"X": np.zeros((6, 5))})
    assert "s" not in alone


def test_a_many_entry_parameter_s_own_constant_is_said_unexplained_by_the_shapes_not_borrowed_from_itself():
    o = {"w": np.array([1.0, -2.0, 0.5])}
    got = _causes({"w": 3.3 * o["w"]}, o, {"X": np.zeros((6, 5))})["w"]
    assert got.kind == "constant" and "3.3x" in got.text
    assert "do not explain" in got.text  # the shapes were tried first and gave no factor
    assert "dw" not in got.text  # no other parameter shows it: the factor is measured on w itself


def test_an_error_in_a_few_entries_is_placed_by_row_column_or_index():
    o = {"W": np.arange(1.0, 13.0).reshape(3, 4)}
    g = o["W"].copy()
    g[:, 2] += 1.0
    assert "column 2 of W" in _causes({"W": g}, o, {})["W"].text
    g = o["W"].copy()
    g[1, :] += 1.0
    assert "row 1 of W" in _causes({"W": g}, o, {})["W"].text
    g = o["W"].copy()
    g[0, 1] += 1.0
    g[2, 3] += 1.0
    cause = _causes({"W": g}, o, {})["W"]
    assert cause.kind == "entries" and "W[0, 1], W[2, 3]" in cause.text and "2 of 12" in cause.text
    g = o["W"].copy()
    g[:, :2] *= 1.5
    g[0, 2] += 9
    assert "W" not in _causes({"W": g}, o, {})  # seven of twelve: not confined, and no factor


def test_wrong_entries_all_at_kinks_are_said_so_whatever_their_count():
    o = {"w": np.array([1.0, 0.0, 0.0])}
    kinks = {"w": judge.Found(np.array([1.0, -1.0, -1.0]), np.array([1.0, 1.0, 1.0]))}
    cause = _causes({"w": np.array([1.0, 3.0, 3.0])}, o, {}, kinks)["w"]
    assert cause.kind == "entries at kinks" and "2 of 3" in cause.text


# the forward family's report ----------------------------------------------------------------------


def _forward_point(**kw):
    point = ForwardPoint("seed 0", "from init(0)", shapes={"w": ((2, 3), "float64")}, **kw)
    point.checks["w"] = {"fd": compare("w", "fd", np.ones((2, 3)), np.ones((2, 3)), FD_TOL)}
    return point


def test_a_forward_point_fails_on_a_broken_batch_law_and_says_it():
    point = _forward_point()
    assert point.passed and point.failure_lines() == []
    point.batch = "rows permuted: dw changed"
    assert not point.passed and point.failure_lines()[-1] == "batch law: rows permuted: dw changed"


def test_a_forward_points_dict_holds_shapes_causes_the_autograd_note_and_the_batch_law():
    point = _forward_point(autograd="autograd could not trace", causes={"w": "sign"}, batch_asserted=True)
    d = point.to_dict()
    row = d["parameters"][0]
    assert row["shape"] == [2, 3] and row["dtype"] == "float64"
    assert d["autograd"] == "autograd could not trace" and d["causes"] == {"w": "sign"}
    assert d["batch"] is None and d["batch_asserted"] is True
    assert "note: autograd could not trace" in point.verdict_lines()
    assert not any(line.startswith("note:") for line in _forward_point().verdict_lines())


def test_a_forward_reports_header_and_dict_name_the_forward_the_points_and_the_path():
    report = ForwardReport(data={"source": "s"}, spec={"family": "forward"}, candidate="b.py:grad",
                           oracles=["fd"], points=[_forward_point()], timings_s={}, versions={}, forward="f.py:loss", points_from="f.py:init")
    header = report.header()
    assert header.startswith("forward f.py:loss | candidate b.py:grad | points f.py:init | params w (2, 3) float64 |")
    d = report.to_dict()
    assert d["family"] == "forward" and d["forward"] == "f.py:loss" and d["points_from"] == "f.py:init"
    assert d["candidate"] == "b.py:grad" and d["passed"] is True and len(d["points"]) == 1
    assert d["path"] == header.rpartition("| path ")[2]
    assert d["path"].startswith("your forward (") and "finite differences and autograd" in d["path"]
    assert set(d) == {"passed", "family", "forward", "candidate", "points_from", "path", "data", "spec", "oracles",
                      "fd_mode", "points", "fuzz", "timings_s", "versions", "notes"}
    assert d["oracles"] == ["fd"] and d["data"] == {"source": "s"} and d["spec"] == {"family": "forward"}
    assert d["fd_mode"] == report.fd_mode and d["fuzz"] is None and d["timings_s"] == {} and d["versions"] == {}
    assert report.plot_title().endswith("| forward f.py:loss, candidate b.py:grad")
    empty = ForwardReport(data={}, spec={}, candidate="c", oracles=[], points=[], timings_s={}, versions={}, forward="f", points_from="p")
    assert "| params  |" in empty.header()


def test_the_batch_is_capped_at_max_batch_and_a_forward_timed_at_0_s_counts_a_microsecond(monkeypatch):
    class Timed(Side):
        limit = 30.0

    fast = Timed(lambda p, i: float(np.sum(p["w"])))
    fast.last_seconds = 1e-9
    assert judge.differences(fast, {"w": np.ones(2)}, {}).batch == judge.MAX_BATCH == 4096
    monkeypatch.setattr(judge, "MAX_BATCH", 10 ** 9)
    assert judge.differences(fast, {"w": np.ones(2)}, {}).batch == 10 ** 6  # 1 s at 1e-6 s each


def test_an_entry_near_a_kink_is_decided_at_the_first_finer_step_that_is_smooth():
    w0 = 0.5
    h = float(policy.fd_step(np.array([w0]))[0])
    corner = w0 + 0.6 * h  # a kink inside the first step and outside the second (h/4)
    fn = lambda p, i: float(np.exp(p["w"][0]) + 2.0 * abs(p["w"][0] - corner) + np.sum(p["w"][1:] ** 2))  # noqa: E731
    params = {"w": np.array([w0, 1.0, -1.0])}
    side = Side(fn)
    found = judge.differences(side, params, {})
    h4 = (w0 + h * 0.25) - w0
    at = lambda v: fn({"w": np.array([v, 1.0, -1.0])}, {})  # noqa: E731
    assert found.central["w"][0] == (at(w0 + h4) - at(w0 - h4)) / (2 * h4)  # h/4's central difference, exactly
    assert sum(side.sizes) == 4 * 3 + 4  # every entry at h, then the one entry at h/4 alone
    assert found.refined["w"].tolist() == [True, False, False] and not found.kinks["w"].mask.any()


def test_the_noise_allowance_grows_with_the_loss_so_a_large_smooth_loss_is_not_a_kink():
    big = 1e12
    found = judge.differences(Side(lambda p, i: big + float(p["w"][0] ** 2)), {"w": np.array([0.3])}, {})
    assert not found.kinks["w"].mask.any() and found.refined["w"].tolist() == [False]
    h = 2.0 ** -20
    c, lo, hi, kink = judge._sides(2.0, np.array([2.0 + h]), np.array([2.0 - h]), np.array([2.0 + 2 * h]),
                                   np.array([2.0 - 2 * h]), np.array([h]), FD_TOL, None)
    assert c.tolist() == [1.0] and not kink.any() and lo.tolist() == hi.tolist() == [1.0]
    c, lo, hi, kink = judge._sides(0.0, np.array([1e-6]), np.array([1e-6]), np.array([2e-6]), np.array([2e-6]),
                                   np.array([1e-6]), FD_TOL, None)
    assert kink.tolist() == [True] and lo.tolist() == [-1.0] and hi.tolist() == [1.0] and c.tolist() == [0.0]


# the forward family's run, its two workers' ops called in this process --------------------------------

from pathlib import Path  # noqa: E402

from family_fakes import BackwardHere, ForwardHere, substitute  # noqa: E402
from oracles.families.forward import run as forward_run  # noqa: E402

FORWARDS = Path(__file__).resolve().parent.parent / "candidates" / "forwards"


def _at(case, name):
    return f"{FORWARDS / case}.py:{name}"


@pytest.fixture
def here(monkeypatch):
    """check() with both workers' ops in this process; the sides it made, kept."""
    return substitute(monkeypatch, forward_run, ForwardSide=ForwardHere, BackwardSide=BackwardHere)


def test_a_correct_backward_passes_both_oracles_at_two_seeds_and_the_workers_are_closed(here):
    report = forward_run.check(_at("no_bias", "backward"), forward=_at("no_bias", "loss"), init=_at("no_bias", "init"),
                               seed=4, timeout=3.0, memory=100)
    assert report.passed and [p.name for p in report.points] == ["seed 4", "seed 5"]
    assert report.points_from == f"{FORWARDS / 'no_bias'}.py:init (seeds 4, 5)"
    assert report.points[0].about == f"params and inputs from {FORWARDS / 'no_bias'}.py:init(4)"
    assert report.oracles == [registry.DIFFERENCES, registry.AUTOGRAD.name] and report.forward.endswith("no_bias.py:loss")
    for point in report.points:
        assert set(point.checks) == {"W1", "W2"} and all(set(per) == set(report.oracles) for per in point.checks.values())
        assert point.agreement == [(registry.DIFFERENCES, registry.AUTOGRAD.name, True)]
        assert point.shapes == {"W1": ((4, 6), "float64"), "W2": ((6, 1), "float64")} and point.autograd is None
        assert point.losses["forward"] > 0 and "candidate" not in point.losses and not point.batch_asserted
    assert all(side.closed for side in here) and len(here) == 2
    assert here[0].options == {"timeout": 3.0, "memory": 100}
    assert set(report.timings_s) == {"points", "total"} and report.timings_s["total"] >= report.timings_s["points"]
    assert set(report.versions) == {"numpy", "autograd"} and report.versions["numpy"] == np.__version__


def test_a_missing_one_over_n_fails_and_its_cause_is_named_factor_n(here):
    report = forward_run.check(_at("no_bias", "backward_buggy"), forward=_at("no_bias", "loss"),
                               init=_at("no_bias", "init"))
    assert not report.passed
    point = report.points[0]
    assert point.causes == {"W1": "factor N", "W2": "factor N"}
    assert point.diagnosis[0].startswith("W1: every entry is N = 12 times the oracle's")
    assert not point.checks["W2"][registry.AUTOGRAD.name].passed and not point.checks["W2"][registry.DIFFERENCES].passed


def test_params_and_inputs_given_make_one_point_and_a_returned_loss_is_held_to_the_forwards(here):
    params, inputs = _module_init("no_bias")

    def with_loss(p, i):
        from candidates.forwards.no_bias import backward, loss

        return loss(p, i) + 0.5, backward(p, i)

    report = forward_run.check(with_loss, forward=_at("no_bias", "loss"), params=params, inputs=inputs)
    point = report.points[0]
    assert [p.name for p in report.points] == ["given"] and point.about == "from params= and inputs="
    assert point.losses["candidate"] == pytest.approx(point.losses["forward"] + 0.5)
    assert point.loss_agrees == {"candidate": False} and not report.passed
    assert point.failure_lines()[0].startswith("loss: candidate ") and " vs forward " in point.failure_lines()[0]
    assert point.loss_line().startswith(f"loss  forward {point.losses['forward']:.12g}   candidate ")
    assert point.loss_line().endswith(" DIFFERS")
    assert all(c.passed for per in point.checks.values() for c in per.values())


def _module_init(case):
    import importlib

    return importlib.import_module(f"candidates.forwards.{case}").init(0)


def test_a_broken_contract_stops_the_point_and_says_why(here):
    params, inputs = _module_init("no_bias")
    report = forward_run.check(lambda p, i: {"W1": np.zeros((4, 6))}, forward=_at("no_bias", "loss"), params=params,
                               inputs=inputs)
    point = report.points[0]
    assert point.violation is not None and "W2" in point.violation and point.checks == {} and not report.passed


def test_a_forward_autograd_cannot_trace_is_noted_and_the_differences_decide_alone(here):
    params, inputs = _module_init("no_bias")
    report = forward_run.check(_at("in_place", "backward"), forward=_at("in_place", "loss"), init=_at("in_place", "init"))
    point = report.points[0]
    assert point.autograd is not None and point.autograd.startswith("autograd could not trace the forward at ")
    assert point.autograd.endswith("; the other oracles still ran")
    assert all(set(per) == {registry.DIFFERENCES} for per in point.checks.values()) and point.agreement == []
    assert report.passed


def test_with_mean_over_rows_the_batch_law_is_asserted_at_each_point(here):
    report = forward_run.check(_at("no_bias", "backward"), forward=_at("no_bias", "loss"), init=_at("no_bias", "init"),
                               mean_over_rows=True)
    assert report.passed and all(p.batch_asserted and p.batch is None for p in report.points)


def test_inputs_come_from_the_data_when_init_gives_params_only(here, real):
    def init(seed):
        return {"w": np.full((real.X.shape[1], 1), 0.01 * (seed + 1))}

    def loss(params, inputs):
        return np.mean((inputs["X"] @ params["w"] - inputs["y"]) ** 2)

    def grad(params, inputs):
        X, y = inputs["X"], inputs["y"]
        return {"w": 2 * X.T @ (X @ params["w"] - y) / len(X)}

    report = forward_run.check(grad, forward=loss, init=init, loss="mse")
    assert report.passed and [p.name for p in report.points] == ["seed 0", "seed 1"]
    assert report.points[0].about.startswith("params from ") and " and inputs " not in report.points[0].about
    assert report.points[1].about.endswith("(1)")
    assert report.points[0].checks["w"][registry.DIFFERENCES].passed and report.points[0].autograd is None
    assert report.points[0].checks["w"][registry.AUTOGRAD.name].passed


def test_a_forward_needs_params_and_params_are_not_given_twice(here, tmp_path):
    with pytest.raises(ForwardError, match="--forward needs params"):
        forward_run.check(_at("no_bias", "backward"), forward=_at("no_bias", "loss"))
    path = tmp_path / "p.npz"
    np.savez(path, **{"params/w": np.ones(2), "inputs/X": np.ones((2, 2))})
    with pytest.raises(ForwardError, match="params given twice"):
        forward_run.check(_at("no_bias", "backward"), forward=_at("no_bias", "loss"), params={"w": np.ones(2)},
                          inputs=str(path))
    params, inputs, named = forward_run._given(None, str(path))
    assert list(params) == ["w"] and list(inputs) == ["X"] and named == str(path)
    params, inputs, named = forward_run._given({"w": np.ones(2)}, {"X": np.ones(1)})
    assert list(params) == ["w"] and list(inputs) == ["X"] and named == "params= and inputs="
    assert forward_run._given(None, None) == (None, None, "params= and inputs=")


def test_a_bad_candidate_or_init_target_given_to_check_names_its_own_flag(here, tmp_path):
    missing = str(tmp_path / "nowhere.py")
    with pytest.raises(ForwardError, match=r"nowhere.py: --candidate file not found$"):
        forward_run.check(missing + ":backward", forward=_at("no_bias", "loss"), init=_at("no_bias", "init"))
    with pytest.raises(ForwardError, match=r"^--candidate: "):
        forward_run.check("no colon here", forward=_at("no_bias", "loss"), init=_at("no_bias", "init"))
    with pytest.raises(ForwardError, match=r"nowhere.py: --init file not found$"):
        forward_run.check(_at("no_bias", "backward"), forward=_at("no_bias", "loss"), init=missing + ":init")
    with pytest.raises(ForwardError, match=r"^--init: "):
        forward_run.check(_at("no_bias", "backward"), forward=_at("no_bias", "loss"), init="no colon here")
    assert here == []  # refused before either worker was started


def test_the_kink_test_counts_atol_in_the_parameters_own_scale():
    """A smooth entry's O(h^2) spread (3 a h^2 of a w^3 at 0: about 1e-6) is within atol counted in the
    scale of the parameter's largest gradient (1e4), though not within atol alone (1e-7): no kink."""
    fn = lambda p, i: float(1e4 * p["w"][0] + 1e4 * p["w"][1] ** 3)  # noqa: E731
    found = judge.differences(Side(fn), {"w": np.array([0.0, 0.0])}, {})
    assert found.scales["w"] == pytest.approx(1e4)
    assert found.refined["w"].tolist() == [False, False] and not found.kinks["w"].mask.any()
    h = float(policy.fd_step(np.array([0.0]))[0])
    assert 3e4 * h * h > FD_TOL.atol  # the spread alone is over atol in units of 1


def test_an_npz_holding_pickled_objects_is_not_loaded(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, **{"params/w": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(ForwardError, match=r"objects.npz: --inputs is not a readable \.npz \(.*allow_pickle"):
        from_npz(str(path))


def test_inputs_an_init_returned_are_held_to_numeric_arrays_too():
    with pytest.raises(ForwardError, match=r"^init\(0\) inputs\['s'\] is not a numeric array \(dtype <U1\)$"):
        inputs_of([("s", {"array": np.array(["a"])})], "init(0) inputs")
    assert inputs_of([("n", {"array": np.array([3]), "zero_d": True})], "init(0) inputs")["n"].shape == ()


def test_a_package_not_installed_has_no_version_in_the_report(monkeypatch):
    without_package(monkeypatch, "autograd")
    assert forward_run._versions() == {"numpy": np.__version__, "autograd": None}


def test_a_one_entry_parameters_kink_interval_is_scaled_with_the_factor_another_shows():
    o = {"w": np.array([1.0, -2.0, 0.5]), "s": np.array([0.0])}
    kinks = {"w": judge.Found(o["w"].copy(), o["w"].copy()), "s": judge.Found(np.array([-0.5]), np.array([0.5]))}
    got = _causes({"w": 3.3 * o["w"], "s": np.array([1.5])}, o, {}, kinks)
    assert got["w"].kind == "constant" and got["s"].kind == "constant"  # 1.5 lies in 3.3 x [-0.5, 0.5]
    assert "dw" in got["s"].text
    outside = _causes({"w": 3.3 * o["w"], "s": np.array([1.8])}, o, {}, kinks)
    assert outside["s"].kind == "entries at kinks"  # not the factor: the one entry, at its kink


def test_the_forward_sides_pass_the_worker_options_on():
    from oracles.families.forward.sides import BackwardSide

    back = BackwardSide(source_of(quadratic, "--candidate"), forbid=("scipy",), timeout=2.5, memory=10 ** 9)
    assert back.worker.timeout == 2.5 and back.worker.memory == 10 ** 9 and "scipy" in back.worker.refused
    assert back.name == back.worker.name
    side = ForwardSide(source_of(quadratic, "--forward"), timeout=4.0)
    assert side.worker.timeout == 4.0 and side.limit == 4.0 and side.name == side.source.name


def test_the_kinks_found_in_a_forward_are_said_as_the_one_sided_differences_interval(here):
    report = forward_run.check(_at("kinked", "backward"), forward=_at("kinked", "loss"), init=_at("kinked", "init"))
    assert report.passed
    lines = [p.kink_line() for p in report.points if p.kink_line()]
    assert lines and all("one-sided differences" in line and "a kink found in your forward" in line for line in lines)
    assert not any("near" in line for line in lines)


def test_a_missing_path_without_py_is_named_and_a_module_target_is_taken_as_one(tmp_path):
    with pytest.raises(ForwardError, match=r"nowhere/mod: --candidate file not found$"):
        source_of(str(tmp_path / "nowhere" / "mod") + ":fn", "--candidate")
    module = source_of("json:dumps", "--forward")
    assert module.module == "json" and module.attr == "dumps" and module.file is None


def test_more_than_six_scattered_wrong_entries_are_listed_to_the_sixth():
    o = {"W": np.arange(1.0, 51.0).reshape(5, 10)}
    g = o["W"].copy()
    picked = [(0, 1), (0, 3), (1, 5), (2, 2), (3, 7), (4, 0), (4, 9)]
    for i, j in picked:
        g[i, j] += 1.0
    cause = _causes({"W": g}, o, {})["W"]
    assert cause.kind == "entries" and "7 of 50" in cause.text
    assert "W[0, 1], W[0, 3], W[1, 5], W[2, 2], W[3, 7], W[4, 0], ..." in cause.text and "W[4, 9]" not in cause.text
    assert cause.text.endswith("none at a kink; every other entry agrees")


def test_two_columns_and_two_rows_are_named_together():
    o = {"W": np.arange(1.0, 25.0).reshape(4, 6)}
    g = o["W"].copy()
    g[:, [1, 4]] *= 3.0
    assert "columns 1, 4 of W" in _causes({"W": g}, o, {})["W"].text
    g = o["W"].copy()
    g[[0, 2], :] *= 3.0
    assert "rows 0, 2 of W" in _causes({"W": g}, o, {})["W"].text


def test_no_constant_is_read_from_an_oracle_of_zeros_or_a_gradient_of_zeros():
    from oracles.families.forward.diagnosis import _constant

    assert _constant(np.ones(3), np.zeros(3), FD_TOL) is None
    assert _constant(np.zeros(3), np.ones(3), FD_TOL) is None
    assert _constant(np.array([2.0, 4.0, 6.0]), np.array([1.0, 2.0, 3.0]), FD_TOL) == 2.0
    assert _constant(np.array([2.0, 4.0, 7.0]), np.array([1.0, 2.0, 1e-9]), FD_TOL) == 2.0  # the tiny entry left out


# the sides in their own workers -----------------------------------------------------------------------

DYING = ("import os\nimport numpy as np\n\n"
         "def loss(params, inputs):\n    if params['w'][0] < 0:\n        os._exit(3)\n    return float(np.sum(params['w'] ** 2))\n\n"
         "def backward(params, inputs):\n    os._exit(3)\n")


def _dying(tmp_path, name):
    (tmp_path / "dying.py").write_text(DYING)
    return source_of(f"{tmp_path / 'dying.py'}:{name}", "--forward")


def test_the_forward_side_s_losses_are_only_the_perturbed_ones_unless_a_base_is_asked(tmp_path):
    side = ForwardSide(_dying(tmp_path, "loss")).start()
    try:
        w = np.array([1.0, 2.0])
        assert side.losses({"w": w}, {}, [("w", [0, 1], [3.0, 4.0])]).tolist() == [13.0, 17.0]
        assert side.losses({"w": w}, {}, [("w", [0], [3.0])], base=2).tolist() == [5.0, 5.0, 13.0]
    finally:
        side.close()


def test_a_worker_that_dies_says_when_it_died(tmp_path):
    from oracles.families.forward.sides import BackwardSide

    bside = BackwardSide(_dying(tmp_path, "backward")).start()
    try:
        failure = bside.evaluate({"w": np.ones(2)}, {}).failure
    finally:
        bside.close()
    assert "exited with code 3" in failure and failure.endswith("during the call")
    fside = ForwardSide(_dying(tmp_path, "loss")).start()
    try:
        with pytest.raises(ForwardError) as caught:
            fside.autograd({"w": -np.ones(2)}, {})
    finally:
        fside.close()
    assert "exited with code 3" in str(caught.value) and str(caught.value).endswith("while autograd traced the forward")


# ---------------------------------------------------------------- the one-sided screen (judge.screened)

SMOOTH_POINT = ({"w": np.array([[0.5, -1.5], [2.0, 3.0]]), "b": np.array([0.3, -0.7, 1.1])},
                {"a": np.array([[1.0, 2.0], [3.0, 4.0]])})


def quadratic_grads(params, inputs):
    return {"w": inputs["a"] * params["w"], "b": 3 * params["b"] ** 2}


def test_a_right_gradient_settles_every_entry_at_the_screen_with_one_evaluation_each():
    params, inputs = SMOOTH_POINT
    side = Side(quadratic)
    found = judge.screened(side, params, inputs, [quadratic_grads(params, inputs), None], FD_TOL)
    assert side.sizes == [0, 4 + 3]  # the point alone (twice: determinism), then one step per entry, nothing searched
    assert judge.summary(found) == {"w": {"as": judge.SCREENED, "evaluations": 4, "searched_again": 0},
                                    "b": {"as": judge.SCREENED, "evaluations": 3, "searched_again": 0}}
    for k, g in quadratic_grads(params, inputs).items():
        flat = params[k].reshape(-1)
        h = (flat + policy.fd_screen_step(flat)) - flat
        one_sided = (np.array([quadratic({**params, k: (flat + h * np.eye(flat.size)[i]).reshape(params[k].shape)},
                                         inputs) for i in range(flat.size)]) - found.loss) / h
        assert np.array_equal(found.central[k].reshape(-1), one_sided)  # the value held to is the forward's own slope
        assert compare(k, "finite-differences", g, found.central[k], FD_TOL).passed
        assert not found.kinks[k].mask.any() and not found.searched[k].any()


def test_an_entry_a_gradient_disagrees_with_is_searched_in_full_and_held_to_the_central_difference():
    params, inputs = SMOOTH_POINT
    right = quadratic_grads(params, inputs)
    wrong = {k: g.copy() for k, g in right.items()}
    wrong["b"][1] *= 2  # one entry off by a factor of 2
    found = judge.screened(Side(quadratic), params, inputs, [right, wrong], FD_TOL)
    assert found.searched["b"].tolist() == [False, True, False] and not found.searched["w"].any()
    assert found.evaluations["b"] == 3 + judge.EVALUATIONS_PER_ENTRY  # the screen's three, the search's four
    h = found.steps["b"][1]
    b = params["b"]
    central = (quadratic(params | {"b": b + [0, h, 0]}, inputs) - quadratic(params | {"b": b - [0, h, 0]}, inputs)) / (2 * h)
    assert found.central["b"][1] == central
    assert not compare("b", "finite-differences", wrong["b"], found.central["b"], FD_TOL).passed


def test_the_screen_settles_an_entry_only_within_its_share_of_the_tolerance_the_rest_is_searched():
    params, inputs = SMOOTH_POINT
    right = quadratic_grads(params, inputs)
    probe = judge.screened(Side(quadratic), params, inputs, [right], FD_TOL)
    one_sided, scale = probe.central["w"], probe.scales["w"]
    bound = FD_TOL.bound(one_sided, scale)
    inside = {**right, "w": one_sided + 0.4 * bound}  # within half the tolerance of the screen's value
    between = {**right, "w": one_sided + 0.8 * bound}  # within the tolerance, not within half of it
    assert not judge.screened(Side(quadratic), params, inputs, [inside], FD_TOL).searched["w"].any()
    found = judge.screened(Side(quadratic), params, inputs, [between], FD_TOL)
    assert found.searched["w"].all()
    assert compare("w", "finite-differences", between["w"], found.central["w"], FD_TOL).passed  # searched, then judged


# ---------------------------------------------------------------- where the forward bends below the tolerance (judge.spans)

def faint_kink(params, inputs):
    """A steep bowl in w[1] (its gradient sets the scale, 1,000) and a kink of jump 1e-5 at w[0] = 0:
    below the tolerance's atol at that scale (1e-7 x 1,000), so :func:`judge.differences` finds no kink."""
    w = params["w"]
    return float(500.0 * (w[1] - 2.0) ** 2 + 1e-5 * max(w[0], 0.0))


def test_a_kink_below_the_tolerance_is_no_kink_found_but_its_span_holds_both_one_sided_slopes():
    params = {"w": np.array([0.0, 1.0])}
    found = judge.differences(Side(faint_kink), params, {})
    assert not found.kinks["w"].mask.any()  # too faint for the finite-difference tolerance
    bent = judge.spans(Side(faint_kink), params, {}, found, {"w": np.array([True, True])})
    assert bent["w"].mask.tolist() == [True, False]  # the smooth bowl adds nothing
    assert bent["w"].lo[0] == pytest.approx(0.0, abs=1e-9) and bent["w"].hi[0] == pytest.approx(1e-5, rel=1e-3)
    assert bent["w"].lo[1] == bent["w"].hi[1] == found.central["w"][1]
    assert not judge.spans(Side(faint_kink), params, {}, found, {"w": np.array([False, True])})["w"].mask.any()


# ---------------------------------------------------------------- long double where float64 loses the digits (judge.extended)

WIDER = bool(np.finfo(np.longdouble).eps < np.finfo(np.float64).eps)  # x86-64 Linux: 80-bit; elsewhere maybe float64


def test_the_worker_carries_the_forward_s_arithmetic_in_long_double_when_asked_and_leaves_integers_alone():
    from oracles import worker

    seen = []

    def forward(params, inputs):
        seen.append((params["w"].dtype, inputs["a"].dtype, inputs["i"].dtype))
        return params["w"].sum() * inputs["a"][0]

    tiny = np.longdouble(2) ** -60  # below float64's resolution at 1, inside long double's (on x86-64)
    message = {"params": {"w": np.array([1.0, 2.0])}, "inputs": {"a": np.array([3.0]), "i": np.array([1])},
               "perturb": [("w", np.array([0]), np.array([np.longdouble(1) + tiny]))], "base": 1}
    wide = worker.forward_losses(forward, {**message, "extended": True})
    assert wide["kind"] == "losses" and wide["losses"].dtype == np.longdouble
    assert seen[-1] == (np.dtype(np.longdouble), np.dtype(np.longdouble), np.dtype(np.int64))
    assert wide["losses"][0] == 9 and bool(wide["losses"][1] > 9) is WIDER  # the step's digits survived
    plain = worker.forward_losses(forward, message)
    assert plain["losses"].dtype == np.float64 and plain["losses"].tolist() == [9.0, 9.0]
    assert seen[-1] == (np.dtype(np.float64), np.dtype(np.float64), np.dtype(np.int64))


QUADRATIC_SOURCE = """import numpy as np

def loss(params, inputs):
    return 0.5 * np.sum(inputs["a"] * params["w"] ** 2) + np.sum(params["b"] ** 3)

def float64_only(params, inputs):
    if params["w"].dtype != np.float64:
        raise TypeError("float64 only")
    return loss(params, inputs)
"""


def _quadratic_side(tmp_path, name):
    (tmp_path / "quadratic_file.py").write_text(QUADRATIC_SOURCE)
    return ForwardHere(source_of(f"{tmp_path / 'quadratic_file.py'}:{name}", "--forward"))


def test_extended_holds_only_the_entries_whose_float64_differences_lie_outside_the_tolerance_of_long_double_s(tmp_path):
    params, inputs = SMOOTH_POINT
    found = judge.differences(Side(quadratic), params, inputs)
    exact = quadratic_grads(params, inputs)
    found.central["b"].reshape(-1)[1] += 1e-3  # as a float64 forward that lost its digits would leave it
    held = judge.extended(_quadratic_side(tmp_path, "loss"), params, inputs, found,
                          {"w": np.ones((2, 2), dtype=bool), "b": np.ones(3, dtype=bool)}, FD_TOL)
    if not WIDER:
        assert held == {}
        return
    assert list(held) == ["b"] and held["b"].tolist() == [False, True, False]  # the smooth entries agree: kept
    assert found.central["b"][1] == pytest.approx(exact["b"][1], rel=1e-9)
    assert found.kinks["b"].lo[1] == found.kinks["b"].hi[1] == found.central["b"][1]


def test_a_forward_that_cannot_run_in_long_double_keeps_its_float64_differences(tmp_path):
    params, inputs = SMOOTH_POINT
    found = judge.differences(Side(quadratic), params, inputs)
    found.central["b"].reshape(-1)[1] += 1e-3
    before = found.central["b"].copy()
    side = _quadratic_side(tmp_path, "float64_only")
    assert judge.extended(side, params, inputs, found, {"b": np.ones(3, dtype=bool)}, FD_TOL) == {}
    assert np.array_equal(found.central["b"], before)
