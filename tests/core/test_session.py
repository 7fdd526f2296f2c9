"""The session: one candidate asked only through it, its handle built once, its outcomes kept."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from oracles.harness import default_points, make_spec, prepare_points
from oracles.isolation import InProcess
from oracles.session import Session
from reference.data import synthetic
from reference.model import Spec, init_params
from test_laws import _Counting, _reference

LESSON = Path(__file__).parent.parent / "candidates" / "lesson.py"


def _inputs():
    spec = Spec((3, 4, 1))
    params = init_params(spec)
    X, y = np.random.default_rng(0).standard_normal((5, 3)), np.ones((5, 1))
    return params, X, y


def test_a_question_asked_twice_reaches_the_candidate_once_and_a_second_call_goes_past_the_memory():
    handle = _Counting(_reference)
    session = Session(handle)
    params, X, y = _inputs()
    first = session.evaluate(params, X, y)
    assert session.evaluate({k: v.copy() for k, v in params.items()}, X.copy(), y.copy()) is first
    assert handle.asked == 1
    second = session.second(params, X, y)
    assert second is not first and handle.asked == 2


def test_inputs_asked_together_go_in_one_round_trip_each_distinct_input_once():
    handle = _Counting(_reference)
    session = Session(handle)
    params, X, y = _inputs()
    session.ask([(params, X, y), (params, X[:2], y[:2]), (params, X, y)], again=True)
    assert (handle.asked, handle.trips) == (3, 1)  # two distinct inputs and the first again
    session.evaluate(params, X[:2], y[:2])
    session.second(params, X, y)  # asked ahead: no new call
    assert (handle.asked, handle.trips) == (3, 1)


def test_a_session_on_a_candidate_in_another_layout_names_each_wrong_entry_as_written():
    from candidates.courses import torch_layout_backward

    def doubled_W1(params, X, y):  # torch layout: dW1 is (out, in), the transpose of the canonical W1
        grads = torch_layout_backward(params, X, y)
        return {**grads, "W1": 2 * grads["W1"]}

    data = synthetic(rows=30, features=3, seed=1)
    spec = make_spec(data, hidden=(4,))
    prepared = prepare_points(spec, data, ("torch",), points=default_points(spec, seed=0))
    session = Session(doubled_W1, "torch", spec.loss)
    for result in session.check(prepared):
        check = result.checks["W1"]["torch"]
        assert not check.passed and all(result.checks[k]["torch"].passed for k in ("b1", "W2", "b2"))
        row, col = check.worst_index
        assert check.as_written == f"W1[{col}, {row}]"


def test_a_session_ends_the_worker_it_started_and_leaves_a_given_handle_open():
    with Session(f"{LESSON}:backward", isolate=True) as session:
        params, X, y = _inputs()
        assert session.evaluate(params, X, y).failure is None
        worker = session.handle
        assert worker.process is not None
    assert worker.process is None
    given = InProcess("given", _reference)
    with Session(given) as session:
        session.evaluate(*_inputs())
    assert given.evaluate(*_inputs()).failure is None


# ---------------------------------------------------------------- the memory's questions

def test_a_question_is_its_arrays_dtype_shape_and_values_and_their_order():
    handle = _Counting(_reference)
    session = Session(handle)
    params, X, y = _inputs()
    session.evaluate(params, X, y)
    session.evaluate(params, X.astype(np.float32), y)  # the same values in another dtype
    session.evaluate(params, X, y.astype(np.float32))
    session.evaluate({k: v.astype(np.float32) for k, v in params.items()}, X, y)
    assert handle.asked == 4
    moved = X.copy()
    moved[0, 0] += 1e-12
    session.evaluate(params, moved, y)
    assert handle.asked == 5
    flat = {**params, "b1": params["b1"].reshape(-1)}  # the same bytes in another shape
    session.evaluate(flat, X, y)
    assert handle.asked == 6
    session.evaluate(params, np.asfortranarray(X), y)  # another memory order, the same array: known
    assert handle.asked == 6 and len(session.outcomes) == 6


def test_a_question_with_options_goes_to_the_candidate_as_asked_and_is_not_kept():
    handle = _Counting(_reference)
    session = Session(handle)
    params, X, y = _inputs()
    session.evaluate(params, X, y, errstate=True)
    session.evaluate(params, X, y, errstate=True)
    assert (handle.asked, handle.errstate, session.outcomes) == (2, 2, {})


def test_asking_only_known_inputs_or_nothing_makes_no_round_trip():
    handle = _Counting(_reference)
    session = Session(handle)
    params, X, y = _inputs()
    session.ask([(params, X, y)])
    session.ask([(params, X, y)])
    session.ask([], again=True)
    assert (handle.asked, handle.trips) == (1, 1) and session.again == {}
    session.ask([(params, X, y)], again=True)  # known, but asked again for the determinism law
    assert (handle.asked, handle.trips) == (2, 2)
    ahead = session.again[next(iter(session.outcomes))]
    assert session.second(params, X, y) is ahead and session.again == {}
    session.second(params, X, y)  # nothing ahead any more: asked now
    assert handle.asked == 3


def test_outcomes_asked_in_a_batch_are_the_ones_later_questions_get():
    handle = _Counting(_reference)
    session = Session(handle)
    params, X, y = _inputs()
    session.ask([(params, X, y), (params, X[:3], y[:3])])
    first, short = session.evaluate(params, X, y), session.evaluate(params, X[:3], y[:3])
    assert first is not short and handle.asked == 2
    grads = dict(first.returned["grads"])
    assert np.array_equal(grads["W1"]["array"], _reference(params, X, y)["W1"])
    assert dict(short.returned["grads"])["W1"]["array"].shape == params["W1"].shape


# ---------------------------------------------------------------- the handle it builds

def test_a_function_becomes_an_in_process_handle_named_as_given_or_after_the_function():
    session = Session(_reference)
    assert isinstance(session.handle, InProcess) and session.handle.fn is _reference
    assert session.name == "test_laws:_reference" and session.isolated is False and session.speaker is None
    assert Session(_reference, name="mine").name == "mine"


def test_of_keeps_a_session_and_makes_one_on_anything_else():
    session = Session(_reference)
    assert Session.of(session) is session
    other = Session.of(_reference)
    assert isinstance(other, Session) and other is not session and isinstance(other.handle, InProcess)


def test_a_session_on_a_session_shares_its_handle_and_leaves_it_to_its_owner():
    closed = []
    handle = _Counting(_reference)
    handle.close = lambda: closed.append(True)
    inner = Session(handle)
    outer = Session(inner)
    assert outer.handle is handle and outer.name == "counted"
    outer.close()
    inner.close()
    assert closed == []  # a handle given is its giver's to close


def test_a_convention_wraps_the_candidate_in_its_layout_and_names_entries_as_written():
    from oracles.conventions import Conventional

    session = Session(_reference, "torch", "bce")
    assert isinstance(session.handle, Conventional) and session.handle.convention == "torch"
    assert session.speaker is session.handle and session.name == session.handle.inner.name
    assert Session(session.handle, "cs231n").handle is session.handle  # already speaks its layout
    assert Session(_reference).speaker is None and not isinstance(Session(_reference, None).handle, Conventional)
    reference = InProcess("reference", _reference)
    assert Session(reference, "torch").handle is reference  # the reference speaks the canonical layout


def test_the_convention_is_told_the_head_so_one_hot_labels_are_laid_out_for_softmax():
    session = Session(_reference, "deeplearning-ai", "softmax")
    assert session.handle.loss == "softmax"
    assert Session(_reference, "deeplearning-ai").handle.loss == "bce"


# ---------------------------------------------------------------- checking prepared points

def _prepared(rows=30, hidden=(4,)):
    data = synthetic(rows=rows, features=3, seed=1)
    spec = make_spec(data, hidden=hidden)
    return spec, prepare_points(spec, data, ("torch",), points=default_points(spec, seed=0))


def test_check_asks_each_point_again_for_determinism_only_when_told():
    spec, prepared = _prepared()
    once, twice = _Counting(_reference), _Counting(_reference)
    assert all(r.passed for r in Session(once).check(prepared, repeat=False))
    assert once.asked == len(prepared) == 2
    Session(twice).check(prepared)
    assert twice.asked > 2 * len(prepared) - 1


def test_check_keeps_each_points_outcome_so_the_laws_do_not_ask_it_again():
    _, prepared = _prepared()
    handle = _Counting(_reference)
    session = Session(handle)
    session.check(prepared, repeat=False)
    assert len(session.outcomes) == len(prepared)
    p = prepared[1]
    session.evaluate(p.point.params, p.X, p.y)
    assert handle.asked == len(prepared)


def test_check_hands_the_judge_the_point_before_only_where_its_shapes_match(monkeypatch):
    from oracles import harness

    _, prepared = _prepared()
    seen = []
    judge = harness.judge
    monkeypatch.setattr(harness, "judge", lambda p, first, second, previous, timings: seen.append(previous) or
                        judge(p, first, second, previous, timings))
    Session(_reference).check(prepared, repeat=False)
    assert seen == [None, prepared[0].point]
    _, wider = _prepared(hidden=(5,))
    seen.clear()
    Session(_reference).check(prepared, repeat=False, previous=wider[1].point)  # W1 (3, 5) before W1 (3, 4)
    assert seen == [None, prepared[0].point]
    seen.clear()
    Session(_reference).check(prepared[1:], repeat=False, previous=prepared[0].point)
    assert seen == [prepared[0].point]


def test_across_points_a_cause_said_before_is_referred_to_and_without_across_it_is_said_again():
    _, prepared = _prepared()

    def doubled(params, X, y):
        return {k: 2 * v for k, v in _reference(params, X, y).items()}
    together = Session(doubled).check(prepared, repeat=False)
    apart = Session(doubled).check(prepared, repeat=False, across=False)
    assert not any(r.passed for r in together + apart)
    assert any(f.text.startswith("the same as at point") for f in together[1].findings)
    assert not any(f.text.startswith("the same as at point") for f in apart[1].findings)
    assert [f.ids for f in apart[1].findings] == [f.ids for f in apart[0].findings] == [f.ids for f in together[1].findings]


def test_check_records_the_candidates_time_into_the_timings_given():
    _, prepared = _prepared()
    timings = {}
    Session(_reference).check(prepared, timings, repeat=False)
    assert timings["candidate"] > 0


def test_check_hands_the_judge_the_timings_so_directional_differences_drawn_there_are_timed():
    data = synthetic(rows=30, features=3, seed=1)
    spec = make_spec(data, hidden=(4,))
    prepared = prepare_points(spec, data, ("finite-differences",), points=default_points(spec, seed=0),
                              mode="directions", directions=4)
    timings = {}
    Session(_reference).check(prepared, timings, repeat=False)
    assert timings["finite-differences"] > 0 and timings["candidate"] > 0
