"""The notebook API's own work, in-process and without running the oracles: what check, fuzz and
check_layer hand the library (the run's spec, data, oracles, seed, worker limits, convention), what
they refuse before anything runs, the replay target, and where progress goes (notebook, terminal,
pipe). The verdicts themselves are tested in test_api.py."""
from __future__ import annotations

import io
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import oracles
from oracles import candidate as candidate_module
from oracles import harness
from oracles.shells import api
from properties import catalogue
from reference.data import Dataset, synthetic

LESSON = Path(__file__).parent.parent / "candidates" / "lesson.py"


def backward(params, X, y):  # a module attribute: its replay target is this file
    return {}


@pytest.fixture
def ran(monkeypatch):
    """harness.run recorded instead of run: the arguments check hands it, and a stand-in report."""
    calls = []

    def run(spec, dataset, handle, chosen, seed, convention=None):
        calls.append({"spec": spec, "data": dataset, "handle": handle, "oracles": chosen, "seed": seed,
                      "convention": convention})
        return types.SimpleNamespace(notes=[])

    monkeypatch.setattr(harness, "run", run)
    return calls


# ---------------------------------------------------------------- check: what it runs

def test_check_hands_the_run_the_spec_the_data_the_oracles_the_seed_and_the_convention(ran):
    stand_in = synthetic(rows=30, features=3)
    data = Dataset(stand_in.X, stand_in.y, "mine.csv")
    report = oracles.check(backward, data=data, hidden="5,4", activation="tanh", dtype="float32", oracles="jax",
                           seed="7", isolate=False, loss="mse", reduction="sum", l2="0.5", convention="cs231n")
    [call] = ran
    spec = call["spec"]
    assert spec.sizes == (3, 5, 4, 1) and spec.activation == "tanh" and spec.dtype == "float32"
    assert (spec.loss, spec.reduction, spec.l2, spec.bias) == ("mse", "sum", 0.5, True)
    assert call["data"] is data and call["oracles"] == ("jax",) and call["seed"] == 7
    assert call["convention"] == "cs231n"
    assert call["handle"].name.endswith(":backward")  # in-process: the function itself
    assert report.notes == []  # a Dataset handed in is not the stand-in asked for by name


def test_check_defaults_to_every_oracle_seed_0_the_lesson_and_notes_the_stand_in(ran):
    report = oracles.check(backward, data="synthetic", isolate=False)
    [call] = ran
    assert call["oracles"] == ("finite-differences", "torch", "jax") and call["seed"] == 0
    assert call["convention"] == "lesson" and call["spec"].sizes == (8, 16, 1)
    assert (call["spec"].activation, call["spec"].dtype, call["spec"].loss) == ("relu", "float64", "bce")
    assert call["data"].source == "synthetic" and len(report.notes) == 1
    assert report.notes[0].endswith("for another file, pass data=PATH")  # the API's own way to name a file


def test_check_without_biases_builds_the_network_without_them(ran):
    oracles.check(backward, data="synthetic", isolate=False, bias=False)
    assert ran[0]["spec"].bias is False


def test_check_reads_the_target_it_is_given(ran, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n1,2,0\n2,1,1\n3,3,0\n4,1,1\n")
    oracles.check(backward, data=str(path), target="label", isolate=False)
    assert ran[0]["data"].rows == 4 and ran[0]["data"].target == "label"


def test_check_hands_the_worker_its_limits(ran, monkeypatch):
    given = {}

    class Handle:
        name = "stand-in"

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            given["closed"] = True

    def handle_for(target, **kwargs):
        given.update(kwargs, target=target)
        return Handle()

    monkeypatch.setattr(candidate_module, "handle_for", handle_for)
    oracles.check("m.py:backward", data="synthetic", timeout=3, memory="1G", forbid_import="torch, jax")
    assert given == {"target": "m.py:backward", "isolate": True, "by_value": True, "timeout": 3.0,
                     "memory": 2**30, "forbid": ("torch", "jax"), "closed": True}
    given.clear()
    oracles.check("m.py:backward", data="synthetic", isolate=False, timeout=3)
    assert given == {"target": "m.py:backward", "isolate": False, "by_value": True, "closed": True}


# ---------------------------------------------------------------- check: refusals

@pytest.mark.parametrize("argument, value, error, start", [
    ("data", 3.5, TypeError, "data takes a CSV path or a Dataset, got float"),
    ("data", "/no/such.csv", ValueError, "data: "),
    ("isolate", 1, TypeError, "isolate takes True or False, got 1"),
    ("target", 3, TypeError, "target "),
    ("l2", 9, ValueError, "l2 "),
    ("bias", "maybe", ValueError, "bias "),
    ("convention", "keras", ValueError, "convention "),
    ("reduction", "max", ValueError, "reduction "),
    ("loss", "hinge", ValueError, "loss "),
    ("forbid_import", "a-b", ValueError, "forbid_import "),
])
def test_a_bad_argument_is_one_error_naming_it_before_any_run(ran, argument, value, error, start):
    with pytest.raises(error) as caught:
        oracles.check(backward, **{"data": "synthetic", argument: value})
    assert str(caught.value).startswith(start) and ran == []


@pytest.mark.parametrize("value", [None, 3, [backward]])
def test_a_backward_that_is_neither_a_function_nor_a_target_is_a_type_error_naming_its_type(ran, value):
    with pytest.raises(TypeError) as caught:
        oracles.check(value, data="synthetic")
    assert str(caught.value).startswith("backward takes ") and str(caught.value).endswith(type(value).__name__)


def test_a_target_that_cannot_be_loaded_is_a_value_error_naming_backward(ran):
    with pytest.raises(ValueError) as caught:
        oracles.check("no_such_module_here:backward", data="synthetic", isolate=False)
    assert str(caught.value).startswith("backward: ") and ran == []


def test_a_data_set_the_head_cannot_read_is_a_value_error_naming_data(ran):
    binary = synthetic(rows=10, features=2)  # read for bce: one output, no softmax head on it
    with pytest.raises(ValueError) as caught:
        oracles.check(backward, data=binary, isolate=False, loss="softmax")
    assert str(caught.value).startswith("data: ") and ran == []


def test_a_network_too_big_for_memory_is_refused_naming_hidden(ran, monkeypatch):
    from oracles import options, policy

    spec_sizes, rows = (8, 160, 120, 1), 768
    n_params = 8 * 160 + 160 + 160 * 120 + 120 + 120 + 1
    assert n_params > policy.FD_EXHAUSTIVE_BUDGET  # differenced along directions: they count
    monkeypatch.setattr(options, "MAX_ARRAY_BYTES", options.footprint(spec_sizes, rows, policy.FD_DIRECTIONS) - 1)
    with pytest.raises(ValueError) as caught:
        oracles.check(backward, data="synthetic", hidden=(160, 120), isolate=False)
    assert str(caught.value).startswith("hidden: ") and ran == []
    oracles.check(backward, data="synthetic", hidden=(160, 120), isolate=False, oracles="jax")  # no directions: fits
    assert len(ran) == 1


def test_mean_over_rows_without_forward_is_refused(ran):
    with pytest.raises(TypeError, match="^mean_over_rows=True goes with forward="):
        oracles.check(backward, data="synthetic", mean_over_rows=True)
    with pytest.raises(TypeError, match="^mean_over_rows=True goes with forward="):
        oracles.fuzz(backward, 3, mean_over_rows=True)
    assert ran == []


# ---------------------------------------------------------------- your forward

@pytest.fixture
def forward_ran(monkeypatch):
    import oracles.families.forward as forward_family

    calls = []

    def check(backward, forward, **kwargs):
        calls.append({"backward": backward, "forward": forward, **kwargs})
        return "the report"

    monkeypatch.setattr(forward_family, "check", check)
    return calls


def loss(params, inputs):
    return 0.0


def test_check_with_forward_hands_the_forward_family_every_argument(forward_ran):
    params = {"w": np.zeros(2)}
    assert oracles.check(backward, forward=loss, params=params, inputs={"x": np.ones(2)}, data="d.csv",
                         target="t", loss="mse", seed="4", timeout="2", memory="1G", forbid_import="torch",
                         mean_over_rows="yes") == "the report"
    [call] = forward_ran
    assert call["backward"] is backward and call["forward"] is loss and call["params"] is params
    assert call["inputs"].keys() == {"x"} and call["init"] is None
    assert (call["data"], call["target"], call["loss"], call["seed"]) == ("d.csv", "t", "mse", 4)
    assert (call["timeout"], call["memory"], call["forbid_import"], call["mean_over_rows"]) == (
        2.0, 2**30, ("torch",), True)


def test_check_with_init_or_params_or_inputs_alone_goes_to_the_forward_family(forward_ran):
    for given in ({"init": "i.py:init"}, {"params": {}}, {"inputs": "p.npz"}):
        with pytest.raises(TypeError, match=r"^init, params and inputs go with forward=.*your loss\(params, inputs\)$"):
            oracles.check(backward, **given)
    assert forward_ran == []


@pytest.mark.parametrize("keyword, value", [("hidden", (8,)), ("activation", "tanh"), ("dtype", "float32"),
                                            ("oracles", "jax"), ("reduction", "sum"), ("l2", 0.5),
                                            ("convention", "cs231n"), ("bias", False)])
def test_a_network_keyword_with_forward_is_a_type_error_naming_it(forward_ran, keyword, value):
    with pytest.raises(TypeError) as caught:
        oracles.check(backward, forward=loss, **{keyword: value})
    assert str(caught.value).startswith(f"{keyword}=") and forward_ran == []
    with pytest.raises(TypeError) as caught:
        oracles.fuzz(backward, 3, forward=loss, init="i.py:init", **{keyword: value})
    assert str(caught.value).startswith(f"{keyword}=")


def test_check_with_forward_refuses_a_bad_backward_isolate_false_and_params_not_a_dict(forward_ran):
    for bad in (None, 3):
        with pytest.raises(TypeError) as caught:
            oracles.check(bad, forward=loss)
        assert str(caught.value).startswith("backward takes ") and str(caught.value).endswith(type(bad).__name__)
    with pytest.raises(ValueError, match="^isolate=False is not available with forward=.*runs in workers$"):
        oracles.check(backward, forward=loss, isolate=False)
    with pytest.raises(TypeError, match="^params takes a dict of float arrays, got list$"):
        oracles.check(backward, forward=loss, params=[1])
    with pytest.raises(ValueError, match="^forward "):
        oracles.check(backward, forward="nofunction")
    assert forward_ran == []
    oracles.check("b.py:backward", forward="f.py:loss")
    assert forward_ran[0]["backward"] == "b.py:backward" and forward_ran[0]["forward"] == "f.py:loss"


@pytest.fixture
def forward_fuzzed(monkeypatch):
    import properties.forward_laws as forward_laws

    calls = []

    def fuzz(backward, forward, init, examples, **kwargs):
        calls.append({"backward": backward, "forward": forward, "init": init, "examples": examples, **kwargs})
        return "the fuzz"

    monkeypatch.setattr(forward_laws, "fuzz", fuzz)
    return calls


def test_fuzz_with_forward_hands_the_forward_laws_every_argument(forward_fuzzed):
    assert oracles.fuzz(backward, "6", forward=loss, init="i.py:init", data="d.csv", target="t", loss="mse",
                        seed=5, timeout=2, memory="1G", forbid_import=["jax"], progress=False,
                        mean_over_rows=True) == "the fuzz"
    [call] = forward_fuzzed
    assert (call["backward"], call["forward"], call["init"], call["examples"]) == (backward, loss, "i.py:init", 6)
    assert (call["seed"], call["data"], call["target"], call["loss"]) == (5, "d.csv", "t", "mse")
    assert (call["timeout"], call["memory"], call["forbid_import"], call["mean_over_rows"]) == (
        2.0, 2**30, ("jax",), True)
    assert call["progress"] is None  # progress=False: silent


def test_fuzz_with_forward_needs_init_refuses_isolate_false_and_bad_examples(forward_fuzzed):
    with pytest.raises(TypeError, match="^fuzz with your own forward takes forward=.*drawn through init$"):
        oracles.fuzz(backward, 3, forward=loss)
    with pytest.raises(TypeError, match="^fuzz with your own forward takes forward="):
        oracles.fuzz(backward, 3, init="i.py:init")
    with pytest.raises(ValueError, match="^isolate=False is not available.*runs in workers$"):
        oracles.fuzz(backward, 3, forward=loss, init="i.py:init", isolate=False)
    with pytest.raises(ValueError, match="^examples "):
        oracles.fuzz(backward, 0, forward=loss, init="i.py:init")
    assert forward_fuzzed == []


def test_a_forward_error_in_the_fuzz_is_a_value_error(monkeypatch):
    import properties.forward_laws as forward_laws
    from oracles.families.forward import ForwardError

    def fuzz(*args, **kwargs):
        raise ForwardError("init.py: init(seed) returned 3")

    monkeypatch.setattr(forward_laws, "fuzz", fuzz)
    with pytest.raises(ValueError, match=r"^init.py: init\(seed\) returned 3$"):
        oracles.fuzz(backward, 3, forward=loss, init="i.py:init", progress=False)


# ---------------------------------------------------------------- check_layer

@pytest.fixture
def layer_ran(monkeypatch):
    import oracles.families.layers as layers

    calls = []

    def check_layer(kind, forward, backward, **kwargs):
        calls.append({"kind": kind, "forward": forward, "backward": backward, **kwargs})
        return "the layer report"

    monkeypatch.setattr(layers, "check_layer", check_layer)
    return calls


def test_check_layer_hands_the_layer_family_every_argument_and_merges_the_hyper_parameters(layer_ran):
    assert oracles.check_layer("conv", "c.py:fw", "c.py:bw", layer_args={"pad": 1, "stride": 1}, stride=2,
                               seed="3", fuzz="4", timeout=2, memory="1G", forbid_import="torch",
                               directions="8") == "the layer report"
    [call] = layer_ran
    assert (call["kind"], call["forward"], call["backward"]) == ("conv", "c.py:fw", "c.py:bw")
    assert call["layer_args"] == {"pad": 1, "stride": 2} and call["seed"] == 3 and call["fuzz"] == 4
    assert (call["timeout"], call["memory"], call["forbid_import"], call["directions"]) == (
        2.0, 2**30, ("torch",), 8)


def test_check_layer_defaults(layer_ran):
    oracles.check_layer("softmax_loss", loss)
    [call] = layer_ran
    assert call["backward"] is None and call["layer_args"] == {} and call["seed"] == 0 and call["fuzz"] == 0
    assert (call["timeout"], call["memory"], call["forbid_import"], call["directions"]) == (None, None, (), None)


@pytest.mark.parametrize("call, error, start", [
    (lambda: oracles.check_layer("conv", None), TypeError, "forward takes a function or 'file.py:function', got None"),
    (lambda: oracles.check_layer("convolution", "c.py:fw"), ValueError, "layer must be one of"),
    (lambda: oracles.check_layer("conv", "c.py:fw", 3), TypeError, "backward takes"),
    (lambda: oracles.check_layer("conv", "c.py:fw", "nofunction"), ValueError, "backward takes"),
    (lambda: oracles.check_layer("conv", "c.py:fw", fuzz=-1), ValueError, "fuzz "),
    (lambda: oracles.check_layer("conv", "c.py:fw", directions=0), ValueError, "directions "),
    (lambda: oracles.check_layer("conv", "c.py:fw", seed=-1), ValueError, "seed "),
    (lambda: oracles.check_layer("conv", "c.py:fw", layer_args=[1]), TypeError, "layer_args "),
    (lambda: oracles.check_layer("conv", "c.py:fw", memory="1K"), ValueError, "memory "),
])
def test_check_layer_refuses_a_bad_argument_naming_it(layer_ran, call, error, start):
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value).startswith(start) and layer_ran == []


# ---------------------------------------------------------------- fuzz

class _Result:
    def mimebundle(self):
        return {"text/plain": "the result"}


@pytest.fixture
def fuzzed(monkeypatch):
    import properties.fuzz as fuzz_module

    calls = []

    def fuzz(factory, examples, strategy, **kwargs):
        calls.append({"candidate": factory(None), "examples": examples, "strategy": strategy, **kwargs})
        return _Result()

    monkeypatch.setattr(fuzz_module, "fuzz", fuzz)
    return calls


def test_fuzz_hands_the_driver_the_examples_oracles_seed_convention_and_replay_target(fuzzed):
    result = oracles.fuzz(catalogue.hard_coded_n, "12", oracles="finite-differences", seed=9, isolate=False,
                          convention="cs231n", data="synthetic", progress=False)
    [call] = fuzzed
    assert isinstance(result, _Result) and call["examples"] == 12
    assert call["oracles"] == ("finite-differences",) and call["seed"] == 9 and call["convention"] == "cs231n"
    assert call["candidate_arg"] == f"{sys.modules['properties.catalogue'].__file__}:hard_coded_n"
    assert call["candidate"].convention == "cs231n" and call["progress"] is None


def test_fuzz_draws_problems_at_the_candidates_depth_activation_dtype_and_head(fuzzed):
    import warnings

    from hypothesis.errors import NonInteractiveExampleWarning

    from oracles.conventions import L2_FORM

    oracles.fuzz(backward, 3, hidden=(4, 4), activation="sigmoid", dtype="float32", reduction="sum", l2=0.5,
                 convention="cs231n", bias=False, isolate=False, data="synthetic", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        drawn = [fuzzed[0]["strategy"].example() for _ in range(5)]
    for problem in drawn:
        assert len(problem.sizes) == 4 and problem.sizes[-1] == 1 and problem.activation == "sigmoid"
        assert (problem.dtype, problem.loss, problem.reduction, problem.l2, problem.l2_form, problem.bias) == (
            "float32", "bce", "sum", 0.5, L2_FORM["cs231n"], False)


def test_fuzz_draws_200_examples_unless_told_and_shows_progress_as_decided_from_where_it_runs(fuzzed, monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    oracles.fuzz(backward, isolate=False, data="synthetic")
    assert fuzzed[0]["examples"] == 200 and fuzzed[0]["progress"] is None and fuzzed[0]["seed"] == 0
    assert fuzzed[0]["oracles"] == ("finite-differences", "torch", "jax") and fuzzed[0]["convention"] == "lesson"
    oracles.fuzz(backward, 5, isolate=False, data="synthetic", progress=True)
    assert callable(fuzzed[1]["progress"])  # asked for: plain lines on standard error


def test_fuzz_refuses_bad_examples_before_it_runs(fuzzed):
    for bad in (0, "x", 10**6):
        with pytest.raises(ValueError, match="^examples "):
            oracles.fuzz(backward, bad, isolate=False)
    assert fuzzed == []


# ---------------------------------------------------------------- the replay target

def test_the_replay_target_is_the_functions_own_file_a_string_as_given_or_a_placeholder():
    assert api._target("m.py:backward") == "m.py:backward"
    assert api._target(backward) == f"{__file__}:backward"
    assert api._target(lambda p, X, y: None) == "YOUR_FILE.py:backward"

    def inner(params, X, y):
        pass

    assert api._target(inner) == "YOUR_FILE.py:inner"  # not an attribute of its module
    namespace = {"__name__": "__main__"}
    exec("def typed(params, X, y): pass", namespace)
    assert api._target(namespace["typed"]) == "YOUR_FILE.py:typed"
    assert api._target(print) == "YOUR_FILE.py:print"  # a builtin has no source file


def test_a_backward_without_a_name_gets_the_placeholder_target():
    import functools

    wrapped = functools.partial(backward)  # a callable with no __name__
    assert not hasattr(wrapped, "__name__")
    assert api._target(wrapped) == "YOUR_FILE.py:backward"


# ---------------------------------------------------------------- where progress goes

def fake_ipython(monkeypatch, shell_class: str | None, has_get_ipython: bool = True):
    module = types.ModuleType("IPython")
    if has_get_ipython:
        shell = type(shell_class, (), {"execution_count": 42})() if shell_class else None
        module.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", module)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_notebook_is_an_ipython_zmq_shell_only(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert api._in_notebook() is False
    fake_ipython(monkeypatch, "ZMQInteractiveShell")
    assert api._in_notebook() is True and api._interactive() is True
    fake_ipython(monkeypatch, "TerminalInteractiveShell")
    assert api._in_notebook() is False and api._interactive() is False
    fake_ipython(monkeypatch, None)
    assert api._in_notebook() is False
    fake_ipython(monkeypatch, None, has_get_ipython=False)
    assert api._in_notebook() is False
    monkeypatch.setattr("sys.stderr", Terminal())
    assert api._interactive() is True


def test_progress_mode_is_notebook_then_bar_then_lines_when_asked_or_piped(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert [api.progress_mode(s) for s in (None, True, False)] == [None, "lines", None]
    assert api.progress_mode(None, piped=True) == "lines" and api.progress_mode(False, piped=True) is None
    monkeypatch.setattr("sys.stderr", Terminal())
    assert [api.progress_mode(s) for s in (None, True, False)] == ["bar", "bar", None]
    fake_ipython(monkeypatch, "ZMQInteractiveShell")
    assert [api.progress_mode(s) for s in (None, True, False)] == ["notebook", "notebook", None]


def test_a_progress_bar_decides_its_mode_from_a_boolean_and_prints_a_line_every_tenth(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert api.ProgressBar(5, True).mode == "lines" and api.ProgressBar(5, False).mode is None
    assert api.ProgressBar(5, None).mode is None and api.ProgressBar(5, "bar").mode == "bar"
    assert api.ProgressBar(95, "lines").every == 10 and api.ProgressBar(100, "lines").every == 10
    assert api.ProgressBar(101, "lines").every == 11 and api.ProgressBar(3, "lines").every == 1
    assert api.ProgressBar(100, "lines", every=7).every == 7
    bar = api.ProgressBar(5, "lines", "gradebook", every=2)
    assert (bar.total, bar.label, bar.show) == (5, "gradebook", True)
    assert api.ProgressBar(5, None).show is False
    default = api.ProgressBar(5, "lines")
    assert (default.label, default.transient, default.done, default.note, default.display) == ("fuzz", False, 0, "",
                                                                                                  None)


def test_piped_lines_count_each_step_once_and_stop_at_the_total(monkeypatch):
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    with api.ProgressBar(5, "lines", "book", every=2) as advance:
        for n in (1, 2, 2, 3, 4, 1, 5, 6, 7):
            advance(n, "3/s" if n == 4 else "")
    lines = [line.split(" (")[0] for line in stderr.getvalue().splitlines()]
    assert lines == ["book: 2 of 5", "book: 4 of 5", "book: 5 of 5"]
    assert stderr.getvalue().splitlines()[1].endswith(", 3/s")
    assert api.LINES == 10


def test_a_line_names_the_label_the_count_capped_at_the_total_the_seconds_and_the_note(monkeypatch):
    import time

    clock = iter([100.0, 103.4, 110.0])
    monkeypatch.setattr(time, "perf_counter", lambda: next(clock))
    bar = api.ProgressBar(4, "lines", "fuzz")
    bar.__enter__()
    assert bar._line(9) == "fuzz: 4 of 4 (3 s)"
    assert bar._line(2, "fast") == "fuzz: 2 of 4 (10 s), fast"


def test_in_a_notebook_the_line_updates_in_place_and_becomes_the_result(monkeypatch):
    import time

    import IPython.display

    shown = []

    class Display:
        def update(self, bundle, raw):
            shown.append(bundle["text/plain"])

    def display(bundle, raw, display_id):
        assert raw is True and display_id is True
        shown.append(bundle["text/plain"])
        return Display()

    monkeypatch.setattr(IPython.display, "display", display)
    now = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: now[0])
    bar = api.ProgressBar(10, "notebook", "fuzz")
    with bar as advance:
        now[0] = 1.0
        advance(3)  # the first update is shown
        now[0] = 1.1
        advance(4)  # a tenth of a second later: not yet
        now[0] = 1.5
        advance(5, "note")  # a quarter of a second and more: shown
        now[0] = 1.6
        advance(10)  # the last: always shown
    assert [line.split(" (")[0] for line in shown] == ["fuzz: 0 of 10", "fuzz: 3 of 10", "fuzz: 5 of 10",
                                                       "fuzz: 10 of 10", "fuzz: 10 of 10"]
    assert shown[2].endswith(", note")
    result = _Result()
    fake_ipython(monkeypatch, "ZMQInteractiveShell")
    bar.becomes(result)
    assert shown[-1] == "the result" and result.shown_at == 42


def test_a_silent_or_piped_bar_becomes_nothing():
    result = _Result()
    api.ProgressBar(3, "lines").becomes(result)
    assert not hasattr(result, "shown_at")


def test_a_terminal_bar_counts_up_to_the_total_with_its_note_and_stops():
    bar = api.ProgressBar(4, "bar", "book", transient=True)
    with bar as advance:
        advance(9, "2/s")
        assert bar.progress.live.transient is True and bar.progress.console.stderr is True
        assert bar.progress.console.is_jupyter is False
        task = bar.progress.tasks[0]
        assert task.completed == 4 and task.description == "book 2/s" and task.total == 4
        advance(2)
        assert bar.progress.tasks[0].description == "book"
    assert bar.progress.live.is_started is False
