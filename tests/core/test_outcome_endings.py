"""How a call ended is a kind (isolation.Ending), not a phrase searched for in the failure's words."""
from __future__ import annotations

import numpy as np

from oracles.candidate import handle_for
from oracles.isolation import Ending
from reference.model import Spec, init_params

SOLVER = """
calls = []

def backward(params, X, y):
    calls.append(1)
    if len(calls) == 1:
        raise RuntimeError("time limit of my line search exceeded")
    if len(calls) == 2:
        import time
        time.sleep(30)
    return {k: 0 * v for k, v in params.items()}
"""


def _point():
    params = init_params(Spec((2, 3, 1)))
    return params, np.ones((4, 2)), np.zeros((4, 1))


def test_an_error_that_mentions_a_time_limit_is_a_crash_and_the_worker_is_asked_again(tmp_path):
    source = tmp_path / "solver.py"
    source.write_text(SOLVER)
    with handle_for(f"{source}:backward", timeout=3) as handle:
        crashed = handle.evaluate(*_point())
        late = handle.evaluate(*_point())
        after = handle.evaluate(*_point())
    assert crashed.ending is Ending.RAISED and "time limit" in crashed.failure
    assert late.ending is Ending.TIMED_OUT
    assert after.ending is Ending.TIMED_OUT and after.failure == late.failure  # past its time limit: not asked again


def test_a_returned_call_and_a_refused_import_say_their_kind(tmp_path):
    source = tmp_path / "mine.py"
    source.write_text("def backward(params, X, y):\n    return {k: 0 * v for k, v in params.items()}\n"
                      "def sneaky(params, X, y):\n    import oracles.policy\n    return {}\n")
    with handle_for(f"{source}:backward") as handle:
        assert handle.evaluate(*_point()).ending is Ending.RETURNED
    with handle_for(f"{source}:sneaky") as handle:
        assert handle.evaluate(*_point()).ending is Ending.REFUSED
