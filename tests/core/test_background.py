"""The torch oracle computed in a process of its own while the rest of a check runs: the same
numbers as computed here, and any failure there falls back to computing here."""
import io
import pickle
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
    import torch  # noqa: F401  (the claim is about a process that has imported it; run alone, nothing else did)

    assert "torch" in sys.modules
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


# ---------------------------------------------------------------- in this process: what mutmut can credit

class _Fake:
    """A child process as Ahead, warm and discard use it: communicate, kill, wait, pid, returncode."""

    def __init__(self, answers=None, returncode=0, pid=101, raises=None):
        self.out = pickle.dumps(answers) if answers is not None else b""
        self.returncode, self.pid, self.raises = returncode, pid, raises
        self.sent, self.killed, self.waited = None, False, False

    def communicate(self, job, timeout):
        self.sent = (pickle.loads(job), timeout)
        if self.raises:
            raise self.raises
        return self.out, None

    def kill(self):
        self.killed = True

    def wait(self):
        self.waited = True
        return self.returncode


@pytest.fixture
def clean(monkeypatch):
    """background's module state emptied for the test and restored after it."""
    monkeypatch.setattr(background, "_warm", {})
    monkeypatch.setattr(background, "_started", [])
    monkeypatch.delenv("BACKPROP_NO_BACKGROUND", raising=False)
    return monkeypatch


def test_the_oracle_function_is_the_registrys_and_the_differences_are_not_one():
    assert background.oracle("torch") is torch_oracle
    with pytest.raises(ValueError, match="computed by the harness"):
        background.oracle("finite-differences")


def test_serve_imports_the_framework_then_answers_every_point_of_the_job_in_order(problem, monkeypatch):
    data, spec, points = problem
    X, y = _inputs(spec, data.X, data.y)
    job = {"spec": spec, "points": [p.params for p in points], "X": X, "y": y}
    out = io.BytesIO()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(pickle.dumps(job))))
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BufferedWriter(out, buffer_size=1 << 20)))  # as a pipe's:
    # buffered, so an answer not flushed before os._exit never reaches the parent

    def leave(code):
        raise SystemExit(code)
    monkeypatch.setattr(background.os, "_exit", leave)
    with pytest.raises(SystemExit) as ended:
        background._serve("torch")
    assert ended.value.code == 0
    answers = pickle.loads(out.getvalue())
    assert len(answers) == len(points) >= 2
    for (loss, grads), point in zip(answers, points):
        here_loss, here = torch_oracle(spec, point.params, X, y)
        assert loss == here_loss and all(np.array_equal(grads[k], here[k]) for k in here)


def test_a_launched_child_is_given_this_paths_and_the_name_and_is_recorded(clean):
    launched = []

    class Popen:
        def __init__(self, argv, **kwargs):
            self.argv, self.kwargs, self.stdin, self.pid, self.returncode = argv, kwargs, io.BytesIO(), 7, None
            self.stdin.flush = lambda: launched.append(self.stdin.getvalue())
    clean.setattr(background.subprocess, "Popen", Popen)
    process = background._launch("torch")
    assert process.argv == [sys.executable, "-I", "-c", background._CHILD]
    assert process.kwargs["stdin"] == process.kwargs["stdout"] == subprocess.PIPE
    assert process.kwargs["stderr"] == subprocess.DEVNULL
    assert pickle.loads(launched[0]) == (list(sys.path), "torch")
    assert background._started == [process] and background.pids() == {7}


def test_pids_are_the_children_not_yet_waited_for(clean):
    background._started.extend([_Fake(pid=1, returncode=None), _Fake(pid=2, returncode=0), _Fake(pid=3, returncode=None)])
    assert background.pids() == {1, 3}


def test_worth_is_a_slow_import_not_yet_here_beside_other_work_on_a_second_core(clean):
    clean.delitem(sys.modules, "torch", raising=False)  # imported or not by the tests before
    clean.setattr(background.os, "cpu_count", lambda: 2)
    assert background._worth(("finite-differences", "torch", "jax")) == ["torch"]
    assert background._worth(["torch", "jax"]) == ["torch"]
    assert background._worth(("torch",)) == []  # nothing to overlap
    assert background._worth(("finite-differences", "jax")) == []  # no slow import named
    clean.setattr(background.os, "cpu_count", lambda: 1)
    assert background._worth(("torch", "jax")) == []
    clean.setattr(background.os, "cpu_count", lambda: None)
    assert background._worth(("torch", "jax")) == []
    clean.setattr(background.os, "cpu_count", lambda: 2)
    clean.setenv("BACKPROP_NO_BACKGROUND", "1")
    assert background._worth(("torch", "jax")) == []


def test_warm_starts_each_child_worth_starting_once_and_discard_ends_them(clean):
    made = []
    clean.setattr(background, "_worth", lambda oracles: [n for n in oracles if n == "torch"])
    clean.setattr(background, "_launch", lambda name: made.append(_Fake(pid=len(made) + 1)) or made[-1])
    background.warm(("torch", "jax"))
    background.warm(("torch", "jax"))
    assert len(made) == 1 and background._warm == {"torch": made[0]}
    background.discard()
    assert background._warm == {} and made[0].killed and made[0].waited


def test_warm_gives_up_quietly_when_no_process_can_be_had(clean):
    def refuse(name):
        raise OSError("no more processes")
    clean.setattr(background, "_worth", lambda oracles: ["torch"])
    clean.setattr(background, "_launch", refuse)
    background.warm(("torch", "jax"))
    assert background._warm == {}


def test_start_takes_the_warmed_child_and_sends_it_the_job(problem, clean):
    data, spec, points = problem
    X, y = _inputs(spec, data.X, data.y)
    child = _Fake(answers=[(1.5, {"W1": np.ones(2)}), (2.5, {"W1": np.zeros(2)})])
    background._warm["torch"] = child
    started = background.start(("finite-differences", "torch", "jax"), spec, points, X, y)
    assert list(started) == ["torch"] and started["torch"].process is child
    assert background._warm == {}
    assert started["torch"].answer(1)[0] == 2.5 and started["torch"].answer(0)[0] == 1.5
    assert started["torch"].answer(2) is None  # past the answers given
    sent, timeout = child.sent
    assert timeout == background.LIMIT_S
    assert len(sent["points"]) == len(points) and sent["spec"] == spec
    assert np.array_equal(sent["X"], X) and np.array_equal(sent["y"], y)
    assert all(np.array_equal(sent["points"][i][k], points[i].params[k]) for i in range(len(points)) for k in points[i].params)


def test_start_launches_what_is_worth_it_when_nothing_was_warmed(problem, clean):
    data, spec, points = problem
    X, y = _inputs(spec, data.X, data.y)
    clean.setattr(background, "_worth", lambda oracles: ["torch"])
    clean.setattr(background, "_launch", lambda name: _Fake(answers=[(0.5, {})]))
    started = background.start(("torch", "jax"), spec, points, X, y)
    assert started["torch"].answer(0) == (0.5, {})


def test_a_child_that_cannot_be_started_answers_none(problem, clean):
    data, spec, points = problem
    X, y = _inputs(spec, data.X, data.y)

    def refuse(name):
        raise OSError("no more processes")
    clean.setattr(background, "_launch", refuse)
    ahead = background.Ahead("torch", spec, [p.params for p in points], X, y)
    assert ahead.process is None and ahead.answer(0) is None


@pytest.mark.parametrize("child", [
    _Fake(answers=[(1.0, {})], returncode=1),  # ended with an error: its output is not read
    _Fake(answers=None),  # status 0 but a truncated (empty) answer
    _Fake(raises=subprocess.TimeoutExpired("python", 300)),  # past the limit
], ids=["failed", "truncated", "timeout"])
def test_a_child_that_fails_answers_none_and_a_broken_one_is_killed(problem, clean, child):
    data, spec, points = problem
    X, y = _inputs(spec, data.X, data.y)
    background._warm["torch"] = child
    ahead = background.Ahead("torch", spec, [p.params for p in points], X, y)
    assert ahead.answer(0) is None and ahead.answer(0) is None
    assert child.killed == (child.returncode == 0)


def test_a_child_past_the_limit_is_killed_and_answers_none(problem, clean):
    data, spec, points = problem
    X, y = _inputs(spec, data.X, data.y)
    clean.setattr(background, "_CHILD", "import time; time.sleep(60)")
    clean.setattr(background, "LIMIT_S", 0.5)
    ahead = background.Ahead("torch", spec, [p.params for p in points], X, y)
    assert ahead.answer(0) is None
    assert ahead.process.wait(timeout=30) != 0
