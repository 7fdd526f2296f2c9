"""The torch oracle computed in a process of its own while the rest of a check runs: the same
numbers as computed here, and any failure there falls back to computing here."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from oracles import background
from oracles.harness import _inputs, default_points, make_spec, prepare_points
from oracles.torch_oracle import torch_oracle
from reference.data import synthetic


@pytest.fixture(scope="module")
def problem():
    data = synthetic(rows=64, seed=3)
    spec = make_spec(data, (6,))
    return data, spec, default_points(spec)


def test_the_background_torch_oracle_gives_bit_identical_answers_at_every_point(problem):
    data, spec, points = problem
    X, y = _inputs(spec, data.X, data.y)
    ahead = background.Ahead("torch", spec, [p.params for p in points], X, y)
    for i, point in enumerate(points):
        loss, grads = ahead.answer(i)
        here_loss, here = torch_oracle(spec, point.params, X, y)
        assert loss == here_loss
        assert all(np.array_equal(grads[k], here[k]) for k in here)
    assert ahead.process.returncode == 0


def test_a_child_that_fails_answers_none_and_the_oracle_is_computed_here(problem, monkeypatch):
    data, spec, points = problem
    X, y = _inputs(spec, data.X, data.y)
    monkeypatch.setattr(background, "_CHILD", "import sys; sys.exit(3)")
    ahead = background.Ahead("torch", spec, [p.params for p in points], X, y)
    assert ahead.answer(0) is None and ahead.process.returncode == 3
    monkeypatch.setattr(background, "start", lambda *a: {"torch": ahead})
    prepared = prepare_points(spec, data, ("finite-differences", "torch"))
    for p, point in zip(prepared, points):
        _, here = torch_oracle(spec, point.params, X, y)
        assert all(np.array_equal(p.grads["torch"][k], here[k]) for k in here)


def test_nothing_starts_in_the_background_once_torch_is_imported_or_with_torch_alone(problem):
    data, spec, points = problem
    X, y = _inputs(spec, data.X, data.y)
    assert "torch" in sys.modules  # imported by this module
    assert background.start(("finite-differences", "torch", "jax"), spec, points, X, y) == {}
    assert background.start(("jax",), spec, points, X, y) == {}


def test_a_cold_check_takes_torch_from_the_background_and_never_imports_it_here():
    code = ("import sys; from oracles.harness import make_spec, prepare_points; from reference.data import synthetic; "
            "data = synthetic(rows=64, seed=3); spec = make_spec(data, (6,)); "
            "p = prepare_points(spec, data, ('finite-differences', 'torch', 'jax')); "
            "print('torch' in sys.modules, p[0].agreement)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    imported, agreement = out.stdout.split(" ", 1)
    assert imported == "False", out.stderr[-2000:]
    assert "('finite-differences', 'torch', True)" in agreement and "('torch', 'jax', True)" in agreement


def _in_fresh_python(code: str) -> str:
    """The last line ``code`` prints, run in an interpreter that has not imported torch."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


RECORD = """
    import sys
    from oracles import background
    from oracles.shells import cli
    import reference.data
    launched, taken, events = [], [], []
    launch, start, load = background._launch, background.start, reference.data.load

    def recorded_launch(name):
        events.append("launch " + name)
        launched.append(launch(name))
        return launched[-1]

    def recorded_start(*args):
        started = start(*args)
        taken.extend(ahead.process for ahead in started.values())
        return started

    def recorded_load(*args):
        events.append("load")
        return load(*args)

    background._launch, background.start, reference.data.load = recorded_launch, recorded_start, recorded_load
"""


def test_the_shell_warms_the_torch_child_before_its_data_and_the_check_takes_that_child():
    code = RECORD + """
    code = cli.main(["--hidden", "4"])
    print(code, events, launched == taken, "torch" in sys.modules)
    """
    assert _in_fresh_python(code) == "0 ['launch torch', 'load'] True False"


def test_a_warmed_child_nobody_takes_is_ended_when_the_shell_gives_up():
    code = RECORD + """
    code = cli.main(["--data", "/nonexistent/d.csv"])
    print(code, events, [p.poll() is not None for p in launched], background._warm)
    """
    assert _in_fresh_python(code) == "2 ['launch torch', 'load'] [True] {}"
