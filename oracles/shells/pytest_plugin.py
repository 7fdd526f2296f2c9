"""A pytest plugin: check a hand-written backward inside anyone's test suite.

Installed with the project (the ``pytest11`` entry point ``backprop``), it gives two fixtures::

    def test_my_backward(backprop_check):
        backprop_check(my_module.backward, hidden=(16,), activation="relu")

    def test_my_backward_fuzzed(backprop_fuzz):
        backprop_fuzz(my_module.backward, hidden=(16,), activation="relu")

``backprop_check`` runs :func:`oracles.harness.run` (finite differences, torch, jax at the
lesson's init and a generic point) on the configured data and fails with the report's
verdict: which parameter, which entry, both values, the likely cause. ``backprop_fuzz``
draws problems with hypothesis under the user's current settings profile
(``--hypothesis-profile``), runs every law, and fails with the shrunk counterexample.

Options (command line, then the ini key, then the default):
``--backprop-data=PATH`` / ``backprop_data`` (a CSV path or a packaged data set's name such as
``iris``; else ``BACKPROP_DATA``, else the packaged Pima data), ``--backprop-skip-oracles=jax,torch`` / ``backprop_skip_oracles``,
``--backprop-dtype=float32`` / ``backprop_dtype`` (default float64). Write them with ``=``:
pytest picks its rootdir before plugins' options are known, so a separate path value would be
taken for a test path.

Heavy imports (numpy, the harness, torch, jax) happen inside the fixtures, so an installed
plugin costs a pytest run that never uses it almost nothing.
"""
from __future__ import annotations

import inspect
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

@dataclass(frozen=True)
class Options:
    data_path: Path | str | None  # --backprop-data or the ini key: a resolved path, or a packaged name
    data_flag: str  # how the user named it, for messages
    skip: tuple
    dtype: str
    head: dict = None  # ini defaults: loss, reduction, l2, convention, target


_OPTIONS = pytest.StashKey[Options]()
_DATA = pytest.StashKey[dict]()  # path or None -> Dataset, loaded once per session
_USED = pytest.StashKey[list]()  # (data words, synthetic?) per check run, for the terminal summary


# ---------------------------------------------------------------- options

def pytest_addoption(parser):
    group = parser.getgroup("backprop", "checking a hand-written backward (backprop_check, backprop_fuzz)")
    group.addoption("--backprop-data", metavar="PATH", default=None,
                    help="CSV or packaged data set (iris, ...) for backprop_check (default: ini backprop_data, "
                         "$BACKPROP_DATA, else the packaged Pima data)")
    group.addoption("--backprop-skip-oracles", metavar="LIST", default=None,
                    help="comma list of oracles to skip: finite-differences, torch, jax")
    group.addoption("--backprop-dtype", metavar="DTYPE", default=None, help=_setting("dtype").help)
    parser.addini("backprop_data", "CSV for backprop_check, relative to the ini file", default="")
    parser.addini("backprop_skip_oracles", "comma list of oracles to skip", default="")
    for setting in _ini_settings():  # declared once, in oracles.options, for the CLI and the API too
        parser.addini(setting.ini_key, setting.help, default="")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if config.getoption("hypothesis_profile", None):
        # before hypothesis's own pytest_configure loads the selected profile, so dev/ci/fuzz exist
        _register_profiles()
    config.stash[_OPTIONS] = _options(config)
    config.stash[_DATA] = {}
    config.stash[_USED] = []
    opts = config.stash[_OPTIONS]
    if opts.data_path is not None:  # named on purpose: a bad file is a usage error, before any test runs
        _dataset(config, opts.data_path, opts.data_flag, usage=True)


def _options(config) -> Options:
    flag, value = _option(config, "backprop_data")
    if not value:
        data_path, flag = None, ""
    elif flag.startswith("--"):
        data_path = _data_value(config.invocation_params.dir, value)
    else:  # an ini path is relative to the ini file
        data_path = _data_value(config.inipath.parent if config.inipath else config.rootpath, value)
    skip_from, skip = _option(config, "backprop_skip_oracles")
    skip = _names(skip)
    if skip:
        from oracles.registry import NAMES as ORACLES

        unknown = [n for n in skip if n not in ORACLES]
        if unknown:
            raise pytest.UsageError(f"{skip_from}: unknown oracle {', '.join(unknown)}; "
                                    f"choose from {', '.join(ORACLES)}")
    dtype_from, dtype = _option(config, "backprop_dtype")
    if dtype:
        from reference.model import DTYPES  # numpy: only imported once a dtype is asked for

        if dtype not in DTYPES:
            raise pytest.UsageError(f"{dtype_from}: {dtype!r} is not one of {', '.join(DTYPES)}")
    return Options(data_path, flag, skip, dtype or "float64", _head_defaults(config))


def _data_value(base: Path, value: str):
    """``base / value`` when that exists or ``value`` names no packaged data set (nor the stand-in);
    else the name itself (reference.data.locate's rule, with paths relative to ``base``)."""
    from reference.data import SYNTHETIC, packaged_name

    path = base / value
    if os.path.lexists(path) or not (value == SYNTHETIC or packaged_name(value)):
        return path
    return value


HEAD = ("loss", "reduction", "l2", "convention", "target", "bias")  # the head's settings and bias, ini keys too (oracles.options)


def _head_defaults(config) -> dict:
    """The ini keys backprop_loss, _reduction, _l2, _convention, _target, _bias, validated once."""
    from oracles.options import SETTINGS

    out = _head_builtin()
    for name in HEAD:
        setting = SETTINGS[name]
        value = config.getini(setting.ini_key)
        if value:
            try:
                out[name] = setting.parse(value.strip(), f"ini {setting.ini_key}")
            except (TypeError, ValueError) as exc:
                raise pytest.UsageError(str(exc)) from None
    return out


def _head_builtin() -> dict:
    from oracles.options import SETTINGS

    return {name: SETTINGS[name].default for name in HEAD}


def _ini_settings() -> list:
    from oracles.options import SETTINGS

    return [s for s in SETTINGS.values() if s.ini]


def _setting(name: str):
    from oracles.options import SETTINGS

    return SETTINGS[name]


def _option(config, name: str):
    """``(where it was given, value)``: the command line first, then the ini key."""
    value = config.getoption(name)
    if value:
        return "--" + name.replace("_", "-"), value
    return f"ini {name}", config.getini(name)


def _register_profiles() -> None:
    """Add dev, ci and fuzz; load none, and keep a profile of the same name from the user's conftest."""
    from properties.profiles import register

    register(load=False, replace=False)


def _names(text) -> tuple:
    return tuple(t.strip() for t in str(text or "").split(",") if t.strip())


# ---------------------------------------------------------------- data

def _dataset(config, path, flag: str, usage: bool = False, target: str | None = None, loss: str | None = None):
    """The Dataset ``path`` names (reference.data.load's rule; None: BACKPROP_DATA, else the packaged
    Pima data), loaded once per (path, target, head)."""
    from reference.data import DATA_ENV, DataError, load

    cache = config.stash[_DATA]
    defaults = config.stash[_OPTIONS].head if _OPTIONS in config.stash else _head_builtin()
    target, loss = target if target is not None else defaults["target"], loss or defaults["loss"]
    key = (None if path is None else str(path), target, loss)
    if key in cache:
        return cache[key]
    try:
        cache[key] = load(path, target, loss)
        return cache[key]
    except DataError as exc:
        problem = f"{flag or (f'${DATA_ENV}' if os.environ.get(DATA_ENV) else 'the packaged data')}: {exc}"
    if usage:
        raise pytest.UsageError(problem)
    pytest.fail(f"backprop: {problem}", pytrace=False)  # outside the except block: no chained traceback


def _data_words(data) -> str:
    from reference.data import SYNTHETIC

    if data.source == SYNTHETIC:
        return f"the synthetic stand-in ({data.rows} rows, {data.features} features)"
    if data.packaged:
        return f"the packaged {data.packaged} data ({data.rows} rows, {data.features} features)"
    return f"{data.source} ({data.rows} rows, {data.features} features)"


def _real_data_hint() -> str:
    from reference.data import how_to_get_real_data

    return how_to_get_real_data("pass --backprop-data=PATH or set the backprop_data ini key")


def _resolve_data(config, data, target=None, loss=None):
    """``data`` as given to the fixture (None, a path, or a Dataset) -> a Dataset."""
    if data is None:
        opts = config.stash[_OPTIONS]
        return _dataset(config, opts.data_path, opts.data_flag, target=target, loss=loss)
    if isinstance(data, (str, os.PathLike)):  # a str may name a packaged data set (reference.data.locate)
        return _dataset(config, data, f"data={str(data)!r}", target=target, loss=loss)
    return data


# ---------------------------------------------------------------- shared

def _candidate_name(backward) -> str:
    module = getattr(backward, "__module__", None) or "?"
    name = getattr(backward, "__qualname__", None) or getattr(backward, "__name__", None) or type(backward).__name__
    return f"{module}:{name}"


def _candidate_arg(backward) -> str | None:
    """``path/to/file.py:backward`` for compare-frameworks, when the function is a module attribute."""
    module = sys.modules.get(getattr(backward, "__module__", "") or "")
    name = getattr(backward, "__name__", "")
    if module is None or getattr(module, name, None) is not backward:
        return None
    try:
        source = Path(inspect.getsourcefile(backward))
    except TypeError:
        return None
    try:
        source = source.relative_to(Path.cwd())
    except ValueError:
        pass
    return f"{source}:{name}"


def _oracles(config, oracles) -> tuple:
    from oracles import options

    chosen = _or_fail("backprop", lambda: options.oracles(oracles))
    skip = config.stash[_OPTIONS].skip
    kept = tuple(o for o in chosen if o not in skip)
    if not kept:
        pytest.fail(f"backprop: every oracle is skipped ({', '.join(chosen)} minus --backprop-skip-oracles "
                    f"{', '.join(skip)}): nothing to check against", pytrace=False)
    return kept


def _or_fail(who: str, build):
    """``build()``, or a one-line test failure for a bad argument (hidden, activation, dtype)."""
    __tracebackhide__ = True
    try:
        return build()
    except (TypeError, ValueError) as exc:
        problem = f"{who}: {exc}"
    pytest.fail(problem, pytrace=False)  # outside the except block: no chained traceback


def _hidden(hidden) -> tuple:
    from oracles import options

    return options.hidden(hidden)


def _handle(who: str, backward, isolate: bool):
    """The candidate's handle: a worker process (or in-process with ``isolate=False``), started."""
    from oracles.candidate import handle_for

    return _or_fail(who, lambda: handle_for(backward, isolate=isolate, name=_candidate_name(backward)))


# ---------------------------------------------------------------- backprop_check

@pytest.fixture
def backprop_check(request):
    """``backprop_check(backward, hidden=(16,), activation="relu", dtype=None, oracles=None, data=None,
    loss=None, reduction=None, l2=None, convention=None, target=None, bias=None)``.

    Checks ``backward(params, X, y) -> grads`` (or ``(loss, grads)``) against finite differences,
    torch and jax at the lesson's init and a generic point, on ``data`` (a CSV path or a
    Dataset, or a packaged data set's name such as ``"iris"``; default: ``--backprop-data``, the ini
    key, ``$BACKPROP_DATA``, else the packaged Pima data). ``dtype`` and ``oracles`` default to the options; skipped
    oracles are dropped even from an explicit ``oracles``. ``loss``, ``reduction``, ``l2``,
    ``convention`` and ``target`` (the head, and how ``backward`` lays out its arrays) default to
    the ini keys ``backprop_loss`` ... ``backprop_target``, else the lesson's; ``bias`` (False: a
    network without biases) to ``backprop_bias``, else True. Returns the
    :class:`~oracles.report.Report`; fails the test with its verdict when a check disagrees.
    """
    config = request.config

    def check(backward, hidden=(16,), activation="relu", dtype=None, oracles=None, data=None, isolate=True,
              loss=None, reduction=None, l2=None, convention=None, target=None, forward=None, init=None,
              params=None, inputs=None, seed=0, bias=None):
        __tracebackhide__ = True
        from oracles.harness import make_spec, run
        from reference.data import SYNTHETIC

        if forward is not None or init is not None or params is not None or inputs is not None:
            from oracles import options

            _or_fail("backprop_check", lambda: options.refuse_with_forward(
                check, hidden=hidden, activation=activation, dtype=dtype, oracles=oracles, isolate=isolate,
                reduction=reduction, l2=l2, convention=convention, bias=bias))
            return _check_forward(config, backward, forward, init, params, inputs, seed, data, loss, target)
        chosen = _oracles(config, oracles)
        head = _head("backprop_check", config, loss, reduction, l2, convention, target, bias)
        dataset = _resolve_data(config, data, head["target"], head["loss"])
        spec = _or_fail("backprop_check", lambda: make_spec(
            dataset, _hidden(hidden), activation, dtype or config.stash[_OPTIONS].dtype, head["loss"],
            head["reduction"], head["l2"], head["convention"], head["bias"]))
        with _handle("backprop_check", backward, isolate) as handle:
            report = run(spec, dataset, handle, chosen, convention=head["convention"])
        config.stash[_USED].append((_data_words(dataset), dataset.source == SYNTHETIC))
        if not report.passed:
            pytest.fail(_check_failure(report, spec, dataset, chosen, _candidate_arg(backward)), pytrace=False)
        return report

    return check


def _check_forward(config, backward, forward, init, params, inputs, seed, data, loss, target):
    """``backprop_check(backward, forward=loss, ...)``: the forward family; a failure is one line."""
    __tracebackhide__ = True
    from oracles import options
    from oracles.families.forward import ForwardError, check as check_forward

    def run():
        given = options.validate(forward=forward, init=init, inputs=inputs, seed=seed)
        if given["forward"] is None:
            raise TypeError("init, params and inputs go with forward=: your loss(params, inputs)")
        head = _head("backprop_check", config, loss, None, None, None, target)
        chosen = data if data is not None else config.stash[_OPTIONS].data_path  # read only if init needs it
        try:
            return check_forward(backward, given["forward"], init=given["init"], params=params,
                                 inputs=given["inputs"], data=chosen, target=head["target"], loss=head["loss"],
                                 seed=given["seed"])
        except ForwardError as exc:
            raise ValueError(str(exc)) from None

    report = _or_fail("backprop_check", run)
    if not report.passed:
        pytest.fail(_forward_failure(report, backward, forward, init, params, inputs), pytrace=False)
    return report


def _forward_failure(report, backward, forward, init, params, inputs) -> str:
    """One line: the first failing point's worst entry of each wrong parameter, the points, the command."""
    failed = [p for p in report.points if not p.passed]
    first = failed[0]
    lines = first.verdict_lines()
    why = "; ".join(line for line in lines if "vs candidate" in line) or (lines[0] if lines else "fails")
    out = f"{report.candidate} is not the gradient of {report.forward}: at {first.name}: {why}"
    if len(failed) > 1:
        out += f" (also fails at {', '.join(p.name for p in failed[1:])})"
    args = [_candidate_arg(f) if callable(f) else f for f in (forward, backward, init)]
    if init is not None:
        point = f"--init {shlex.quote(args[2])}" if args[2] else None
    else:  # params given as a dict have no command line
        point = f"--inputs {shlex.quote(str(inputs))}" if params is None and isinstance(inputs, (str, Path)) else None
    if all(args[:2]) and point:
        out += (f"; the full table: compare-frameworks --forward {shlex.quote(args[0])} "
                f"--candidate {shlex.quote(args[1])} {point}")
    return out


def _head(who: str, config, loss, reduction, l2, convention, target, bias=None) -> dict:
    """The fixture's head arguments and ``bias``, each validated, the ini defaults where one is None."""
    from oracles import options

    given = {"loss": loss, "reduction": reduction, "l2": l2, "convention": convention, "target": target, "bias": bias}
    out = dict(config.stash[_OPTIONS].head)
    for name, value in given.items():
        if value is not None:
            out[name] = _or_fail(who, lambda: options.SETTINGS[name].parse(value, name))
    return out


def _gist(point) -> str:
    if point.diagnosis:
        return f"diagnosis: {point.diagnosis[0]}"
    lines = point.verdict_lines()
    return lines[0] if lines else "fails"


def _check_failure(report, spec, dataset, oracles, candidate_arg) -> str:
    from oracles import options
    from oracles.registry import NAMES as ORACLES
    from reference.data import SYNTHETIC

    s = report.spec
    out = [f"{report.candidate} fails the check against {', '.join(oracles)} "
           f"(network {'-'.join(map(str, s['sizes']))} {s['activation']} {s['dtype']}; data {_data_words(dataset)})"]
    failed = [p for p in report.points if not p.passed]
    first = failed[0]
    out.append(f"at {first.name} ({first.about}):")
    out += [f"  {line}" for line in first.verdict_lines()]
    previous = [_gist(first)]
    for p in failed[1:]:
        gist = _gist(p)
        out.append(f"also fails at {p.name}" + (" the same way" if gist in previous else f": {gist}"))
        previous.append(gist)
    passed = [p.name for p in report.points if p.passed]
    if passed:
        out.append(f"passes at {', '.join(passed)}")
    if candidate_arg:
        command = [f"compare-frameworks --candidate {shlex.quote(candidate_arg)}",
                   f"--hidden {','.join(map(str, spec.hidden))}", f"--activation {spec.activation}",
                   f"--dtype {spec.dtype}"]
        if spec.loss != "bce":
            command.append(f"--loss {spec.loss} --target {shlex.quote(dataset.target)}")
        if spec.reduction != "mean":
            command.append(f"--reduction {spec.reduction}")
        if spec.l2:
            command.append(f"--l2 {spec.l2:g}")
        if not spec.bias:
            command.append(options.SETTINGS["bias"].flag)
        convention = (report.convention or {}).get("name")
        if convention and convention != "lesson":
            command.append(f"--convention {convention}")
        if dataset.source != SYNTHETIC:
            command.append(f"--data {shlex.quote(dataset.packaged or dataset.source)}")
        if tuple(oracles) != ORACLES:
            command.append(f"--oracles {','.join(oracles)}")
        out.append("the full table: " + " ".join(command))
    return "\n".join(out)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    used = config.stash.get(_USED, None)
    if not used:
        return
    counts = {}
    for key in used:
        counts[key] = counts.get(key, 0) + 1
    terminalreporter.write_sep("-", "backprop")
    for (words, synthetic), n in counts.items():
        terminalreporter.write_line(f"backprop_check: {n} check{'s' if n != 1 else ''} on {words}")
        if synthetic:
            terminalreporter.write_line(f"  {_real_data_hint()}")


# ---------------------------------------------------------------- backprop_fuzz

@pytest.fixture
def backprop_fuzz(request):
    """``backprop_fuzz(backward, hidden=(16,), activation="relu", dtype=None, oracles=None)``.

    Draws problems (any D, widths, N, seed, scale, labels, kinks, saturation) on networks of
    ``len(hidden)`` hidden layers with ``activation``, runs every law of
    :mod:`properties.laws` on each, and on a failure lets hypothesis shrink it; the test fails
    with the minimal problem's one-line description, the law and its message. The number of
    examples and the randomness come from the current hypothesis profile (select one with
    ``--hypothesis-profile``: ``dev``, ``ci``, ``fuzz`` or the user's own); only the deadline
    is lifted and the slow-data health checks suppressed, since each example runs the oracles.
    Returns a :class:`~properties.fuzz.FuzzResult`.
    """
    config = request.config

    def fuzz(backward, hidden=(16,), activation="relu", dtype=None, oracles=None, isolate=True,
             loss=None, reduction=None, l2=None, convention=None, forward=None, init=None, data=None, seed=0,
             bias=None):
        __tracebackhide__ = True
        from oracles.conventions import L2_FORM, Conventional
        from properties.strategies import problems, specs

        if forward is not None or init is not None:
            from oracles import options

            _or_fail("backprop_fuzz", lambda: options.refuse_with_forward(
                fuzz, hidden=hidden, activation=activation, dtype=dtype, oracles=oracles, isolate=isolate,
                reduction=reduction, l2=l2, convention=convention, bias=bias))
            return _fuzz_forward(config, backward, forward, init, data, loss, seed)
        _register_profiles()  # for settings.load_profile("fuzz") in a user's own code
        chosen = _oracles(config, oracles)

        head = _head("backprop_fuzz", config, loss, reduction, l2, convention, None, bias)
        depth = len(_or_fail("backprop_fuzz", lambda: _hidden(hidden)))
        dtype = dtype or config.stash[_OPTIONS].dtype
        strategy = _or_fail("backprop_fuzz", lambda: problems(specs(
            depth, depth, activations=(activation,), dtypes=(dtype,), losses=(head["loss"],),
            reductions=(head["reduction"],), l2s=(head["l2"],), l2_forms=(L2_FORM[head["convention"]],),
            biases=(head["bias"],))))
        with _handle("backprop_fuzz", backward, isolate) as candidate:
            speaking = Conventional(candidate, head["convention"], head["loss"])
            return _fuzz_in(request, speaking, strategy, chosen, depth, activation, dtype, backward)

    return fuzz


def _fuzz_forward(config, backward, forward, init, data, loss, seed):
    """``backprop_fuzz(backward, forward=loss, init=init)``: as many draws as the hypothesis profile's
    ``max_examples``, the laws for any forward at each (properties.forward_laws); a failure is one line."""
    __tracebackhide__ = True
    from hypothesis import settings

    from oracles.shells.api import fuzz as api_fuzz

    head = _head("backprop_fuzz", config, loss, None, None, None, None)
    chosen = data if data is not None else config.stash[_OPTIONS].data_path
    result = _or_fail("backprop_fuzz", lambda: api_fuzz(backward, settings().max_examples, forward=forward,
                                                         init=init, data=chosen, target=head["target"],
                                                         loss=head["loss"], seed=seed, progress=False))
    if not result.passed:
        pytest.fail(f"{_candidate_name(backward)}: {result.summary().replace(chr(10), '; ')}", pytrace=False)
    return result


def _fuzz_in(request, candidate, strategy, chosen, depth, activation, dtype, backward):
    """:func:`backprop_fuzz`'s run, with the candidate's handle open: the one fuzz driver
    (:func:`properties.fuzz.fuzz`) under the user's own hypothesis profile."""
    __tracebackhide__ = True
    from hypothesis import settings

    from properties.fuzz import fuzz

    # one database key per test and candidate, not one shared by every user of this fixture
    key = f"{request.node.nodeid}|{candidate.name}|{depth}|{activation}|{dtype}".encode()
    result = fuzz(lambda problem: candidate, None, strategy, oracles=chosen, seed=None,
                  candidate_arg=_candidate_arg(backward), profile=settings.default, database_key=key,
                  convention=getattr(candidate, "convention", None))
    if not result.passed:
        pytest.fail(_fuzz_failure(result, candidate.name, settings.get_current_profile_name()), pytrace=False)
    return result


def _fuzz_failure(result, name, profile) -> str:
    c = result.counterexample
    laws = c["laws"]
    out = [f"{name} broke {'a law' if len(laws) == 1 else f'{len(laws)} laws'} "
           f"after {result.examples} examples, shrinking included (hypothesis profile {profile!r}); "
           f"the shrunk counterexample:",
           f"  {c['problem']}"]
    for v in laws:
        parts = v["lines"]
        out.append(f"  law {v['law']}: {parts[0]}")
        out += [f"    {part}" for part in parts[1:]]
    if "flaky" in c:
        out.append(f"  (hypothesis: {c['flaky']})")
    if "--candidate" in c["repro"]:
        out.append(f"reproduce: {c['repro']}")
    return "\n".join(out)
