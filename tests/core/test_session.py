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
