"""The parts of --fuzz with --forward (properties/forward_laws.py) one by one: a draw's rows, kept count
and words; what draw() picks; the batch's N; the subsets and rearrangements; the descent law's branches;
how a run and a failure are told (summary, HTML, JSON, the replay line); a run's counts, progress and the
draws whose subset the forward refused."""
from __future__ import annotations

import numpy as np
import pytest

from properties import forward_laws
from properties.forward_laws import (LAWS, SCALES, Draw, Failure, ForwardFuzz, LawBroken, batch_rows, draw, fuzz,
                                     rearranged, replay_line, subset)


# ---------------------------------------------------------------- a draw

def test_a_draw_s_rows_are_a_sorted_subset_from_default_rng_of_its_seed_and_none_for_every_row():
    d = Draw(5, 1.0, 4)
    rows = d.rows(10)
    assert rows.tolist() == sorted(np.random.default_rng(5).choice(10, 4, replace=False).tolist())
    assert Draw(5, 1.0, None).rows(10) is None and Draw(5, 1.0, 10).rows(10) is None and Draw(5, 1.0, 12).rows(10) is None
    assert len({tuple(Draw(s, 1.0, 3).rows(10)) for s in range(20)}) > 5


def test_a_draw_keeps_every_row_its_size_or_fewer_when_fewer_exist():
    assert Draw(1).kept(10) == 10 and Draw(1).kept(None) == 0
    assert Draw(1, 1.0, 4).kept(10) == 4 and Draw(1, 1.0, 12).kept(10) == 10 and Draw(1, 1.0, 4).kept(None) == 4


def test_a_draw_in_words_gives_its_seed_scale_and_rows():
    assert Draw(3, 1.5).words(10) == "seed 3, scale 1.5, every row"
    assert Draw(3, 0.25, 10).words(10) == "seed 3, scale 0.25, every row"
    rows = Draw(3, 2.0, 2).rows(10).tolist()
    assert Draw(3, 2.0, 2).words(10) == f"seed 3, scale 2.0, 2 of 10 rows {rows}"
    assert Draw(3, 2.0, 2).words() == "seed 3, scale 2.0, 2 of the rows"
    assert Draw(3, 2.0, 12).words(40) == f"seed 3, scale 2.0, 12 of 40 rows {Draw(3, 2.0, 12).rows(40).tolist()}"
    assert Draw(3, 2.0, 13).words(40) == "seed 3, scale 2.0, 13 of 40 rows"  # more than 12 rows are not listed


def test_draw_picks_a_seed_a_three_digit_scale_within_a_quarter_and_four_and_a_batch_size():
    rng = np.random.default_rng(1)
    draws = [draw(rng, 8) for _ in range(100)]
    assert all(0 <= d.seed < 2**31 - 1 for d in draws)
    assert all(2.0 ** SCALES[0] <= d.scale <= 2.0 ** SCALES[1] and d.scale == float(f"{d.scale:.3g}") for d in draws)
    sizes = [d.size for d in draws]
    assert None in sizes and set(sizes) - {None} <= set(range(1, 8)) and {1, 7} <= set(sizes)
    assert 10 <= sizes.count(None) <= 45  # ALL_ROWS: a quarter keep every row
    assert all(draw(rng, n).size is None for n in (None, 0, 1) for _ in range(10))
    again = np.random.default_rng(1)
    assert [draw(again, 8) for _ in range(100)] == draws


# ---------------------------------------------------------------- the batch's rows

def test_n_is_the_most_common_leading_length_the_largest_on_a_tie_and_none_without_arrays():
    assert batch_rows({"X": np.ones((5, 2)), "y": np.ones(5), "M": np.ones((3, 5))}) == 5
    assert batch_rows({"a": np.ones((4, 2)), "b": np.ones(6)}) == 6
    assert batch_rows({"a": np.ones(6), "b": np.ones((4, 2))}) == 6
    assert batch_rows({"s": np.array(2.0)}) is None and batch_rows({}) is None


def test_a_subset_of_none_is_the_inputs_themselves():
    inputs = {"X": np.ones((4, 2))}
    assert subset(inputs, None, 4) is inputs


def test_rearranged_permutes_never_to_the_identity_and_doubles_every_row_indexed_input_alike():
    inputs = {"X": np.arange(10.0).reshape(5, 2), "y": np.arange(5.0), "M": np.ones((2, 3)), "s": np.array(1.0)}
    (how1, permuted), (how2, doubled) = rearranged(inputs, seed=4)
    assert (how1, how2) == ("permuted", "doubled")
    order = permuted["y"].astype(int)
    assert sorted(order) == list(range(5)) and order.tolist() != list(range(5))
    assert np.array_equal(permuted["X"], inputs["X"][order]) and permuted["M"] is inputs["M"]
    assert np.array_equal(doubled["X"], np.concatenate([inputs["X"]] * 2)) and doubled["y"].tolist() == [0, 1, 2, 3, 4] * 2
    assert doubled["M"] is inputs["M"] and doubled["s"] is inputs["s"]
    identity = next(s for s in range(100) if np.random.default_rng(s).permutation(2).tolist() == [0, 1])
    (_, two), _ = rearranged({"y": np.array([7.0, 8.0])}, identity)
    assert two["y"].tolist() == [8.0, 7.0]


def test_one_row_is_only_doubled_and_no_rows_nothing():
    (how, doubled), = rearranged({"y": np.array([3.0])}, 0)
    assert how == "doubled" and doubled["y"].tolist() == [3.0, 3.0]
    assert rearranged({"s": np.array(1.0)}, 0) == []


# ---------------------------------------------------------------- the descent law's branches

class Square:
    """A forward side computing sum(w**2) in the judge: the descent law's arithmetic alone."""

    def __init__(self):
        self.calls = 0

    def losses(self, params, inputs, perturb, base=0, extended=False):
        self.calls += 1
        return np.array([float(np.sum(params["w"] ** 2))] * base)


def test_descent_is_not_asserted_for_a_zero_or_non_finite_or_unmeasurable_gradient():
    w = {"w": np.array([1.0, 2.0])}
    side = Square()
    assert forward_laws._descent(side, w, {}, {"w": np.zeros(2)}, 5.0) is False
    assert forward_laws._descent(side, w, {}, {"w": np.array([np.inf, 1.0])}, 5.0) is False
    assert forward_laws._descent(side, w, {}, {"w": np.array([1e-12, 0.0])}, 5.0) is False  # lr |g|^2 below the floor
    assert side.calls == 0


def test_descent_holds_along_the_gradient_and_breaks_uphill_naming_the_numbers():
    w = {"w": np.array([0.5, -1.5, 2.0], dtype=np.float32)}
    base = float(np.sum(w["w"].astype(np.float64) ** 2))
    assert forward_laws._descent(Square(), w, {}, {"w": 2 * w["w"]}, base) is True
    with pytest.raises(LawBroken) as info:
        forward_laws._descent(Square(), w, {}, {"w": -2 * w["w"]}, base)
    s = float(np.sum((2 * w["w"].astype(np.float64)) ** 2))
    assert info.value.law == "descent" and f"|g|^2 = {s:.3g}" in info.value.message and f"loss {base:.6g}" in info.value.message


# ---------------------------------------------------------------- how a run is told

def test_a_broken_law_is_an_assertion_naming_the_law():
    exc = LawBroken("finite", "dW is NaN")
    assert isinstance(exc, AssertionError) and (exc.law, exc.message) == ("finite", "dW is NaN")
    assert str(exc) == "finite: dW is NaN"


def test_a_failure_s_summary_names_the_draw_the_first_draw_when_shrunk_and_the_replay():
    plain = Failure("agreement", "off by 2x", Draw(0, 1.0, 1), 10, "python -c ...")
    assert plain.summary() == f"law agreement broken at {Draw(0, 1.0, 1).words(10)}: off by 2x\nreplay: python -c ..."
    shrunk = Failure("agreement", "off", Draw(0, 1.0, 1), 10, "r", first=Draw(7, 2.5, 6), tried=4, first_n=12)
    assert f"(shrunk from {Draw(7, 2.5, 6).words(12)} in 4 tries): off" in shrunk.summary()


def test_a_passing_run_says_how_many_draws_and_how_often_each_law_was_asserted():
    run = ForwardFuzz(3, ran=3, seconds=1.25)
    assert run.held == {law: 0 for law in LAWS} and run.passed and run.every_row == 0
    run.held.update(returns=3, descent=2)
    assert run.summary() == ("every law held over 3 draws (seeds, scales 1/4..4, batch rows) of your init "
                             "(returns 3, shapes 0, finite 0, determinism 0, agreement 0, descent 2, batch 0 asserted) "
                             "in 1.2 s")
    assert str(run) == run.summary() and run._repr_html_() == f"<pre>{run.summary()}</pre>"


def test_a_failing_run_s_summary_html_and_json_name_the_failure_and_where_it_was_shrunk_from():
    failure = Failure("shapes", "w is <float32>", Draw(2, 0.5, 3), 9, "python -c x", first=Draw(8, 3.0, 6), tried=5,
                      first_n=9)
    run = ForwardFuzz(10, ran=4, failure=failure, seconds=2.0)
    assert not run.passed and run.summary() == "4 of 10 draws: " + failure.summary()
    assert "&lt;float32&gt;" in run._repr_html_() and "<float32>" not in run._repr_html_()
    d = run.to_dict()
    assert d["passed"] is False and (d["examples"], d["ran"], d["seconds"]) == (10, 4, 2.0) and d["summary"] == run.summary()
    assert d["failure"] == {"law": "shapes", "message": "w is <float32>", "seed": 2, "scale": 0.5, "rows": 3,
                            "replay": "python -c x", "shrunk_from": {"seed": 8, "scale": 3.0, "rows": 6}, "shrink_tries": 5}
    assert d["held"] == run.held and d["held"] is not run.held
    unshrunk = ForwardFuzz(10, ran=1, failure=Failure("finite", "m", Draw(2), None, "r")).to_dict()["failure"]
    assert unshrunk["shrunk_from"] is None and unshrunk["rows"] is None and unshrunk["shrink_tries"] == 0
    assert ForwardFuzz(2).to_dict()["failure"] is None


def _backward(params, inputs):
    return {}


def test_the_replay_line_names_each_function_the_draw_and_only_the_options_given():
    d = Draw(4, 0.75, 3)
    line = replay_line("m.py:backward", "m.py:loss", "m.py:init", d)
    assert line == ("python -c \"from properties.forward_laws import replay; print(replay('m.py:backward', "
                    "'m.py:loss', 'm.py:init', seed=4, scale=0.75, size=3))\"")
    line = replay_line(_backward, "m.py:loss", "m.py:init", Draw(4), data="diabetes", target="Outcome", loss="mse",
                       mean_over_rows=True)
    assert "replay('_backward', 'm.py:loss'" in line and "size=None" in line
    assert line.endswith(", data='diabetes', target='Outcome', loss='mse', mean_over_rows=True))\"")
    plain = replay_line("b", "f", "i", Draw(1), data={"X": 1}, loss="bce")
    assert "data=" not in plain and "loss=" not in plain and "mean_over_rows" not in plain
    assert forward_laws._name(3) == "3" and forward_laws._name("x") == "x" and forward_laws._name(_backward) == "_backward"


# ---------------------------------------------------------------- a run's counts

SQUARE = """import numpy as np

def init(seed):
    rng = np.random.default_rng(seed)
    return {"w": rng.normal(size=(3, 1))}, {"X": rng.normal(size=(8, 3)), "y": rng.normal(size=(8, 1))}

def loss(params, inputs):
    r = inputs["X"] @ params["w"] - inputs["y"]
    return np.mean(r ** 2)

def all_rows(params, inputs):
    if inputs["X"].shape[0] != 8:
        raise ValueError("this forward takes the whole batch")
    return loss(params, inputs)

def backward(params, inputs):
    X, y = inputs["X"], inputs["y"]
    return {"w": 2 * X.T @ (X @ params["w"] - y) / X.shape[0]}
"""


def test_a_run_counts_each_law_asserted_reports_progress_and_runs_a_refused_subset_on_every_row(tmp_path):
    (tmp_path / "sq.py").write_text(SQUARE)
    f = str(tmp_path / "sq.py")
    ticks = []
    result = fuzz(f + ":backward", f + ":all_rows", f + ":init", 6, seed=2, progress=lambda: ticks.append(1))
    assert result.passed and result.ran == 6 and len(ticks) == 6, result.summary()
    assert "batch" not in result.held
    assert all(result.held[law] == 6 for law in ("returns", "shapes", "finite", "determinism", "agreement"))
    first = np.random.default_rng(2)
    draws = [draw(first, None)] + [draw(first, 8) for _ in range(5)]
    assert result.every_row == sum(d.size is not None and d.size < 8 for d in draws) > 0
    mean = fuzz(f + ":backward", f + ":loss", f + ":init", 4, seed=2, mean_over_rows=True)
    assert mean.passed and mean.every_row == 0 and mean.held["batch"] == 4 and result.seconds > 0
