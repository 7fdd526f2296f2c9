"""``compare-frameworks``: check a backward pass against finite differences, PyTorch and JAX.

A thin shell over :func:`oracles.harness.run`: parse arguments, one library call, print, exit.
Exit codes: 0 every check agrees; 1 a check disagrees or the candidate broke its contract;
2 a usage or input error (one line naming the problem and the file, never a traceback).
"""
from __future__ import annotations

import argparse
import sys

from oracles import background, formats, options


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        raise UsageError(message)


def _typed(parse, flag: str):
    """An argparse ``type`` from an :mod:`oracles.options` parser: one error line naming the flag."""
    def convert(text: str):
        try:
            return parse(text, flag)
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="compare-frameworks",
                description="Check a backward pass against finite differences, PyTorch and JAX.")
    p.add_argument("--data", metavar="DATA",
                   help="a CSV file, or a packaged data set: diabetes (the default, the lesson's Pima data), iris, "
                        "wine, digits, diabetes_progression; synthetic for the stand-in. A path that exists is "
                        "read as a path; $BACKPROP_DATA names the data when --data is not given")
    p.add_argument("--candidate", action="append",
                   help="your backward: path/to/file.py:backward or package.module:backward; repeat it, or "
                        "give a glob ('submissions/*.py:backward'), for a gradebook")
    p.add_argument("--glob", action="store_true",
                   help="read every --candidate's file part as a glob pattern; without it a pattern is expanded "
                        "only where no file of that name exists (a path that exists is always literal)")
    for setting in options.SETTINGS.values():  # declared once, for the API and the plugin too
        if setting.switch:  # no value: the flag turns the default over
            p.add_argument(setting.flag, dest=setting.name, action="store_false" if setting.default else "store_true",
                           default=setting.default, help=setting.help)
        else:
            parse = _forward_or_name if setting.name == "forward" else setting.parse
            p.add_argument(setting.flag, type=_typed(parse, setting.flag), default=setting.default,
                           metavar=setting.shown, help=setting.help)
    p.add_argument("--results", metavar="DIR",
                   help="gradebook: write each candidate's row here as it arrives and resume from it; a rerun "
                        "grades only what is missing or changed (default: beside --output, as NAME.results)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="gradebook on Dask: local (a LocalCluster of --jobs workers on 127.0.0.1) or a "
                        "scheduler's address, tcp://host:8786 (needs: pip install 'backprop-oracles[cluster]')")
    p.add_argument("--no-isolation", action="store_true",
                   help="run the candidate inside this process, for a debugger; every report says so")
    p.add_argument("--format", choices=list(formats.FORMATS), default="table", help=formats.help_text())
    p.add_argument("--output", help="write the report here instead of standard output")
    p.add_argument("--quiet", action="store_true",
                   help="no progress on standard error (it never goes to standard output)")
    p.add_argument("--plot", help="draw per-parameter errors against tolerance to this file (.png, .pdf or .svg)")
    p.add_argument("--fuzz", type=_typed(options.examples, "--fuzz"), metavar="N", help="also draw N problems and run every law on the candidate")
    p.add_argument("--replay", metavar="LINE", help="run every law on one problem, as a fuzz failure prints it")
    p.add_argument("--bug-zoo", action="store_true",
                   help="run the catalogue of classic bugs and correct rewrites through every check: the kill matrix "
                        "(the lesson's; with --loss, --convention, --reduction or --l2, the entries written that way)")
    return p


def _forward_or_name(value, where: str):
    """--forward: FILE.py:FUNCTION or MODULE:FUNCTION, or a bare NAME, which only a layers gradebook
    takes (refused elsewhere by :func:`_bare_forward`, in the parser's words)."""
    if isinstance(value, str) and value.isidentifier():
        return value
    return options.function_target(value, where)


def _bare_forward(args, targets) -> None:
    """A bare ``--forward NAME`` outside a layers gradebook: the parser's own refusal."""
    if args.forward and ":" not in args.forward and not (args.layer and _is_gradebook(args, targets)):
        raise UsageError(f"argument --forward: --forward takes FILE.py:FUNCTION or MODULE:FUNCTION, got "
                         f"{args.forward!r} (a bare NAME is for a layers gradebook: --layer KIND with several "
                         f"--candidate or a pattern)")


def main(argv=None) -> int:
    try:
        args = parser().parse_args(argv)
        args.given = _given_flags(argv)
        if not args.replay and not args.forward and not args.layer:  # the torch oracle's child imports torch while this process loads the rest
            background.warm(args.oracles)
        return _run(args)
    except UsageError as exc:
        print(f"compare-frameworks: error: {exc}", file=sys.stderr)
        return 2
    finally:
        background.discard()


def _given_flags(argv) -> set:
    """The destinations of the options written on the command line (not those left at their default)."""
    p = parser()
    for action in p._actions:
        action.default = argparse.SUPPRESS
    return set(vars(p.parse_args(argv)))


# what --forward reads: the two functions and where the points come from (--data, read as --loss and
# --target read targets, when init returns params only), the workers' limits, the report's output
FORWARD_FLAGS = {"forward", "candidate", "init", "inputs", "data", "target", "loss", "seed", "timeout", "memory",
                 "forbid_import", "format", "output", "quiet", "fuzz", "mean_over_rows"}


def _run(args) -> int:
    from oracles.candidate import CandidateError, reference_candidate
    from oracles import harness
    from reference.data import SYNTHETIC, DataError, how_to_get_real_data, load

    targets = _targets(args)
    _bare_forward(args, targets)
    if args.layer or args.layer_args is not None:
        return _run_layer(args, targets)
    if args.forward or args.init or args.inputs:
        return _run_forward(args, targets)
    if args.mean_over_rows:
        raise UsageError("--mean-over-rows goes with --forward FILE.py:FUNCTION (the built-in network says its "
                         "reduction with --reduction)")
    zoo = _zoo_entries(args)
    outputs = _outputs(args, targets)  # every path resolved and checked before any candidate runs
    try:
        data = load(args.data, args.target, args.loss)
        spec = harness.make_spec(data, args.hidden, args.activation, args.dtype, args.loss, args.reduction, args.l2,
                         args.convention, args.bias)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    _refuse_inputs(args, outputs, run_inputs(args, targets, data))  # the file the data was read from, however found
    _fits(args, spec, data)
    if _is_gradebook(args, targets):
        book = _gradebook(args, spec, data, targets, outputs)
        _emit(book, args, outputs)
        if book.interrupted:  # the rows finished before Ctrl-C are written; then out as Ctrl-C always is
            print("compare-frameworks: interrupted", file=sys.stderr)
            return 130
        return book.exit_code()
    try:
        handle = _open(args, targets[0]) if targets else reference_candidate(args.activation, spec.head)
    except CandidateError as exc:
        raise UsageError(str(exc)) from None
    with handle:
        with _status(args, f"checking {getattr(handle, 'name', 'the candidate')} against {', '.join(args.oracles)}"):
            report = _replay(args, handle) if args.replay else run_check(args, spec, data, handle)
        if data.source == SYNTHETIC and not args.replay:
            report.notes.append(how_to_get_real_data())
        if args.fuzz:
            report.fuzz = _fuzz(args, spec, handle).to_dict()
    _offence(report, handle)
    if args.bug_zoo:
        from properties.zoo import run_zoo

        with _progress(len(zoo[0]) + len(zoo[1]), "bug zoo", args.quiet, piped=True) as advance:
            report.bug_zoo = run_zoo(data, progress=advance, mutants=zoo[0], correct=zoo[1]).to_dict()
    _emit(report, args, outputs)
    return report.exit_code()


def _run_forward(args, targets) -> int:
    """``--forward``: the user's own forward and backward (oracles.families.forward), one candidate."""
    if not args.forward:
        raise UsageError("--init and --inputs go with --forward FILE.py:FUNCTION (your forward)")
    if len(targets) != 1:
        raise UsageError("--forward checks one --candidate FILE.py:FUNCTION (your backward)")
    for flag in sorted(getattr(args, "given", set()) - FORWARD_FLAGS, key=_flag_order):
        why = _FORWARD_WHY.get(flag, "it describes the built-in network, and your forward is the network")
        raise UsageError(f"{_flag(flag)} does not apply with --forward: {why}")
    if args.inputs and args.data:
        raise UsageError("--inputs and --data both give inputs: choose one")
    if args.fuzz and not args.init:
        raise UsageError("--fuzz with --forward draws its points through --init FILE.py:FUNCTION (your init(seed))")
    outputs = _outputs(args, targets)
    from oracles.families.forward import ForwardError, check

    try:
        with _status(args, f"checking {targets[0]} against the gradient of {args.forward}"):
            report = check(targets[0], args.forward, init=args.init, inputs=args.inputs, data=args.data,
                           target=args.target, loss=args.loss, seed=args.seed, timeout=args.timeout,
                           memory=args.memory, forbid_import=args.forbid_import, mean_over_rows=args.mean_over_rows)
            if args.fuzz:
                report.fuzz = _fuzz_forward(args, targets[0])
    except ForwardError as exc:
        raise UsageError(str(exc)) from None
    _emit(report, args, outputs)
    return report.exit_code()


# what --layer reads: the kind and its hyper-parameters, the two functions, the seed and the fuzz, the
# workers' limits, the report's output
LAYER_FLAGS = {"layer", "layer_args", "forward", "candidate", "seed", "fuzz", "timeout", "memory", "forbid_import",
               "format", "output", "quiet", "directions"}
_LAYER_WHY = {
    "plot": "not available with --layer yet", "bug_zoo": "not available with --layer yet",
    "replay": "a layer's point is replayed with --seed", "no_isolation": "your forward and backward always run in workers",
    "oracles": "finite differences, torch and jax always run", "dtype": "layers are checked in float64",
    "data": "the harness draws the layer's arrays", "init": "the harness draws the layer's arrays",
    "inputs": "the harness draws the layer's arrays",
    "fd_mode": "every entry of the layer's arrays is differenced, or --directions N random directions per array",
    "jobs": "one --candidate, not a gradebook", "results": "one --candidate, not a gradebook",
    "scheduler": "one --candidate, not a gradebook",
}
# a layers gradebook (several --candidate or a pattern) takes these too, and says why it refuses others
LAYER_BOOK_FLAGS = LAYER_FLAGS | {"glob", "jobs", "results", "scheduler"}
_LAYER_BOOK_WHY = {
    "plot": "it draws one candidate's report, not a gradebook",
}


def _run_layer(args, targets) -> int:
    """``--layer KIND``: a layer of a from-scratch course (oracles.families.layers), one candidate."""
    if not args.layer:
        raise UsageError("--layer-args goes with --layer KIND")
    from oracles.families.layers import KINDS

    kind = KINDS[args.layer]
    if _is_gradebook(args, targets):
        return _run_layer_gradebook(args, kind, targets)
    if len(targets) != 1:
        raise UsageError(f"--layer checks one --candidate FILE.py:FUNCTION (your {args.layer} "
                         f"{'loss' if kind.loss else 'backward'})")
    if not kind.loss and not args.forward:
        raise UsageError(f"--layer {args.layer} needs --forward FILE.py:FUNCTION (your {args.layer} forward)")
    for flag in sorted(getattr(args, "given", set()) - LAYER_FLAGS, key=_flag_order):
        why = _LAYER_WHY.get(flag, "it describes the built-in network, and the layer is yours")
        raise UsageError(f"{_flag(flag)} does not apply with --layer: {why}")
    outputs = _outputs(args, targets)
    from oracles.families.layers import ForwardError, check_layer

    forward = args.forward or targets[0]
    try:
        with _status(args, f"checking {targets[0]} against the {args.layer} layer and the gradient of {forward}"):
            report = check_layer(args.layer, forward, targets[0], layer_args=args.layer_args or {}, seed=args.seed,
                                 fuzz=args.fuzz or 0, timeout=args.timeout, memory=args.memory,
                                 forbid_import=args.forbid_import, directions=args.directions)
    except ForwardError as exc:
        raise UsageError(str(exc)) from None
    _emit(report, args, outputs)
    return report.exit_code()


def _run_layer_gradebook(args, kind, targets) -> int:
    """``--layer KIND`` with several candidates or a pattern: one row per candidate
    (oracles.shells.layerbook), each candidate's forward the function --forward names in its own file."""
    for flag in sorted(getattr(args, "given", set()) - LAYER_BOOK_FLAGS, key=_flag_order):
        why = _LAYER_BOOK_WHY.get(flag) or _LAYER_WHY.get(flag, "it describes the built-in network, and the "
                                                                 "layer is yours")
        raise UsageError(f"{_flag(flag)} does not apply with --layer: {why}")
    if not kind.loss and not args.forward:
        raise UsageError(f"--layer {args.layer} needs --forward NAME: your {args.layer} forward's name, read in "
                         f"each candidate's own file")
    outputs = _outputs(args, targets)
    from oracles.shells.cluster import ClusterUnavailable
    from oracles.shells.layerbook import grade_layers
    from oracles.shells.progress import line
    from oracles.shells.results import ResultsError

    with _progress(len(targets), "gradebook", args.quiet, piped=True) as advance:
        status = (lambda snap: advance(snap["done"], line(snap))) if advance else None
        try:
            book = grade_layers(kind, args.forward, targets, seed=args.seed, jobs=args.jobs,
                                layer_args=args.layer_args or {}, fuzz=args.fuzz or 0, directions=args.directions,
                                timeout=args.timeout, memory=args.memory, forbid_import=args.forbid_import,
                                status=status, results=outputs.get("results"), scheduler=args.scheduler)
        except (ValueError, TypeError,  # ForwardError too: what every candidate would meet
                ClusterUnavailable, ResultsError) as exc:  # no Dask; a results folder that cannot be written
            raise UsageError(str(exc)) from None
    _emit(book, args, outputs)
    if book.interrupted:
        print("compare-frameworks: interrupted", file=sys.stderr)
        return 130
    return book.exit_code()


_FORWARD_WHY = {
    "plot": "not available with --forward yet",
    "replay": "it replays a problem of the built-in network", "bug_zoo": "its catalogue is the built-in network's",
    "fd_mode": "every entry of your params is differenced", "directions": "every entry of your params is differenced",
    "no_isolation": "your forward and backward always run in workers",
    "oracles": "finite differences and autograd of your forward always run",
    "dtype": "the dtype is your params'", "glob": "one --candidate, not a gradebook",
    "jobs": "one --candidate, not a gradebook",
}


def _flag(dest: str) -> str:
    """An option's flag as written (``bias`` is ``--no-bias``)."""
    return options.SETTINGS[dest].flag if dest in options.SETTINGS else "--" + dest.replace("_", "-")


def _flag_order(dest: str) -> int:
    """Options in the order the parser declares them: the first written one is named."""
    order = [a.dest for a in parser()._actions]
    return order.index(dest) if dest in order else len(order)


def _offence(report, handle) -> None:
    """A signal the candidate sent the judge (read when its worker ended) fails the report."""
    offence = getattr(handle, "offence", None)
    if offence and report.points and not any(p.violation == offence for p in report.points):
        report.points[0].violation = offence


def _fits(args, spec, data) -> None:
    """Refuse, before anything runs, a check whose arrays would exceed ``options.MAX_ARRAY_BYTES``
    (a huge --hidden, or --directions on a big network): one line, not a MemoryError."""
    from oracles import policy
    from oracles.harness import fd_mode

    along = "finite-differences" in args.oracles and fd_mode(spec, args.fd_mode) == "directions"
    count = (args.directions or policy.FD_DIRECTIONS) if along else 0
    try:
        options.fits(spec.sizes, data.X.shape[0], count,
                     f"--hidden {','.join(map(str, args.hidden))} on {data.source}")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _zoo_entries(args):
    """--bug-zoo's entries for the head flags: the lesson's catalogue with every flag at the lesson's
    default; else the entries written for --loss, narrowed by --convention, --reduction and --l2
    when given (properties.zoo.entries). None without --bug-zoo."""
    if not args.bug_zoo:
        return None
    if not args.bias:
        raise UsageError("--bug-zoo's catalogue is written for networks with biases: drop --no-bias or --bug-zoo")
    from properties.zoo import entries

    mutants, correct = entries(args.loss, args.convention, args.reduction, args.l2)
    if not mutants and not correct:
        raise UsageError(f"--bug-zoo has no entries written for --loss {args.loss} with "
                         f"--convention {args.convention} --reduction {args.reduction}"
                         f"{' and L2' if args.l2 else ''}; drop a flag to see the others")
    return mutants, correct


def run_check(args, spec, data, handle):
    from oracles.harness import run

    return run(spec, data, handle, args.oracles, args.seed, mode=args.fd_mode, directions=args.directions,
               convention=args.convention if args.candidate else None)


def _is_gradebook(args, targets) -> bool:
    """Several candidates, or a pattern (which may match one file): a gradebook."""
    return len(targets) > 1 or bool(args.candidate and _is_glob(args.candidate[0], args.glob))


def _is_glob(target: str, asked: bool = False) -> bool:
    """Whether ``target``'s file part is a pattern to expand: always with ``--glob`` (``asked``);
    otherwise only when it holds ``*``, ``?`` or ``[`` and no file or folder of that name exists
    (a path that exists is read literally: ``sub [v1]/cand.py`` is that file)."""
    import os

    source = target.rpartition(":")[0]
    return asked or (any(c in source for c in "*?[") and not os.path.exists(source))


def _targets(args) -> list:
    """The candidates named, globs expanded (sorted), in order; a glob that matches nothing is an error."""
    import glob

    out = []
    for target in args.candidate or []:
        source, sep, attr = target.rpartition(":")
        if sep and _is_glob(target, args.glob):
            matches = sorted(glob.glob(source))
            if not matches:
                hint = (" (in a pattern [...] is a set of characters: write [[] for a literal [)"
                        if "[" in source else "")
                raise UsageError(f"{source}: no candidate file matches{hint}")
            out += [f"{m}:{attr}" for m in matches]
        else:
            out.append(target)
    if _is_gradebook(args, out) and (args.replay or args.bug_zoo):  # a pattern is a gradebook, even of one
        raise UsageError("--replay and --bug-zoo take one --candidate, not a gradebook")
    return out


def _open(args, target: str):
    from oracles.candidate import load_candidate

    if args.no_isolation:
        return load_candidate(target, isolate=False)
    return load_candidate(target, timeout=args.timeout, memory=args.memory, forbid=args.forbid_import)


def _gradebook(args, spec, data, targets, outputs):
    from oracles.shells.gradebook import grade

    if args.no_isolation:
        raise UsageError("--no-isolation checks one candidate at a time, not a gradebook")
    if args.plot:
        raise UsageError("--plot draws one candidate's report, not a gradebook")
    from oracles.shells.cluster import ClusterUnavailable
    from oracles.shells.results import ResultsError

    from oracles.shells.progress import line

    with _progress(len(targets), "gradebook", args.quiet, piped=True) as advance:
        status = (lambda snap: advance(snap["done"], line(snap))) if advance else None
        try:
            return grade(spec, data, targets, oracles=args.oracles, seed=args.seed, jobs=args.jobs, mode=args.fd_mode,
                         directions=args.directions, convention=args.convention, timeout=args.timeout,
                         memory=args.memory, forbid=args.forbid_import, status=status,
                         results=outputs.get("results"), scheduler=args.scheduler, fuzz=args.fuzz)
        except (ClusterUnavailable, ResultsError) as exc:
            raise UsageError(str(exc)) from None


def _outputs(args, targets) -> dict:
    """``--output`` and ``--plot`` resolved to absolute paths now (a candidate's ``os.chdir`` changes
    nothing), refused when they name the data, a candidate file or each other, or a plot format we
    cannot draw; a gradebook's results folder (``--results``, or beside ``--output``) too."""
    import os
    from pathlib import Path

    def resolve(value: str) -> Path:  # realpath: a symlink loop resolves to itself instead of raising
        return Path(os.path.realpath(os.path.expanduser(value)))

    out = {}
    for flag in ("output", "plot"):
        value = getattr(args, flag)
        if value:
            out[flag] = resolve(value)
    if args.results or args.scheduler:
        if not _is_gradebook(args, targets):
            raise UsageError(f"--{'results' if args.results else 'scheduler'} is for gradebooks (several candidates)")
    if args.results:
        out["results"] = resolve(args.results)
    elif "output" in out and _is_gradebook(args, targets):  # beside the output: grades.csv -> grades.results
        out["results"] = out["output"].with_suffix(".results")
        if out["results"] == out["output"]:
            out["results"] = out["output"].with_name(out["output"].name + ".d")
    if "results" in out:
        if out["results"].exists() and not out["results"].is_dir():
            raise UsageError(f"{out['results']}: the results folder names a file, not a folder (--results)")
        for flag in ("output", "plot"):
            if flag in out and out[flag] == out["results"]:
                raise UsageError(f"{getattr(args, flag)}: --{flag} and the results folder name the same path")
    if "plot" in out and out["plot"].suffix.lower() not in PLOT_FORMATS:
        raise UsageError(f"{args.plot}: --plot writes {', '.join(PLOT_FORMATS)}, not {out['plot'].suffix or 'no extension'}")
    _refuse_inputs(args, out, run_inputs(args, targets))
    for flag, path in out.items():
        if flag != "results" and path.is_dir():
            raise UsageError(f"{getattr(args, flag)}: --{flag} names a directory")
    if "output" in out and "plot" in out and out["output"] == out["plot"]:
        raise UsageError(f"{args.output}: --output and --plot name the same file")
    return out


def run_inputs(args, targets, data=None) -> dict:
    """Every file the run reads, as ``{real path: what it is}``: the data however it was found
    (``--data``, ``$BACKPROP_DATA``, the default path; with ``data``, the file it was read from),
    every candidate's source (a ``MODULE:FN`` candidate's module and its packages' ``__init__``,
    found as its worker will find them, never imported here), and the files any other option
    names (``--replay``, ``--forward``, ``--init``, ``--inputs``, when given as files)."""
    import os
    from pathlib import Path

    from oracles.candidate import candidate_files
    from reference.data import DATA_ENV, SYNTHETIC, locate, packaged_path

    found = {}

    def add(path, what: str) -> None:
        if path:
            found.setdefault(Path(os.path.realpath(os.path.expanduser(str(path)))), what)

    where = locate(args.data)
    if isinstance(where, Path):
        add(where, "--data file" if args.data else f"data file found through ${DATA_ENV}")
    elif where != SYNTHETIC:
        add(packaged_path(where), f"packaged data set {where}")
    if data is not None and getattr(data, "packaged", None):
        add(packaged_path(data.packaged), f"packaged data set {data.packaged}")
    elif data is not None and data.source != SYNTHETIC and os.path.isfile(data.source):
        add(data.source, "data file")
    for target in targets:
        for path, what in candidate_files(target):
            add(path, what)
    for flag in ("replay", "forward", "init", "inputs"):
        value = getattr(args, flag, None)
        if not isinstance(value, str) or not value:
            continue
        for path in (value, value.rpartition(":")[0]):
            if path and os.path.isfile(path):
                add(path, f"--{flag} file")
                break
    return found


def _refuse_inputs(args, outputs: dict, inputs: dict) -> None:
    """Exit 2 (one line naming the flag and the file) when ``--output`` or ``--plot`` is a file
    the run reads: the same real path, or the same file under another name (a hard link); and
    when the results folder is, or holds, a file the run reads."""
    import os
    from pathlib import Path

    def identity(path):
        try:
            st = os.stat(path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    by_file = {identity(p): what for p, what in inputs.items() if identity(p) is not None}
    for flag, path in outputs.items():
        if flag == "results":  # a folder: nothing the run reads may lie in it
            for read, what in inputs.items():
                if Path(read) == path or path in Path(read).parents:
                    raise UsageError(f"{path}: the results folder holds the {what} ({read}); rows are never "
                                     f"written among the files the run reads (--results)")
            continue
        what = inputs.get(path) or by_file.get(identity(path))
        if what is not None:
            raise UsageError(f"{getattr(args, flag)}: --{flag} names the {what} ({path}); it would be overwritten")


PLOT_FORMATS = (".png", ".pdf", ".svg")


def _factory(args, candidate):
    """The fuzz calls ``factory(problem)``: the reference follows each problem's activation and head;
    a user's backward is spoken to in its convention."""
    from oracles.candidate import reference_candidate
    from oracles.conventions import Conventional

    if args.candidate:  # the labels' layout follows the problem's head (a replayed line names it)
        return lambda problem: Conventional(candidate, args.convention, problem.loss)
    return lambda problem: reference_candidate(problem.activation, problem.spec.head)


def _fuzz(args, spec, candidate):
    from properties.fuzz import fuzz
    from properties.strategies import candidate_problems, problems, specs

    from reference.heads import L2_FORMS, LOSSES, REDUCTIONS

    if args.candidate:  # the user's backward: its depth, activation and head, any widths, inputs and batch
        strategy = candidate_problems(spec)
    else:  # the reference: every depth, activation, head, class count, reduction and L2 form
        strategy = problems(specs(dtypes=(spec.dtype,), losses=LOSSES, reductions=REDUCTIONS,
                                  l2s=(0.0, 0.05, 0.7), l2_forms=L2_FORMS, biases=(spec.bias,)))
    with _progress(args.fuzz, "fuzz", args.quiet) as advance:
        return fuzz(_factory(args, candidate), args.fuzz, strategy, oracles=args.oracles, progress=advance,
                    candidate_arg=args.candidate[0] if args.candidate else None,
                    convention=args.convention if args.candidate else None)


def _fuzz_forward(args, target: str) -> dict:
    """--fuzz with --forward: every law at N points drawn through --init (properties.forward_laws)."""
    from properties.forward_laws import fuzz

    with _progress(args.fuzz, "fuzz", args.quiet) as advance:
        return fuzz(target, args.forward, args.init, args.fuzz, seed=args.seed, data=args.data, target=args.target,
                    loss=args.loss, timeout=args.timeout, memory=args.memory, forbid_import=args.forbid_import,
                    progress=advance, mean_over_rows=args.mean_over_rows).to_dict()


def _replay(args, candidate):
    from properties.fuzz import replay
    from properties.strategies import Problem

    try:
        problem = Problem.parse(args.replay)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not args.bias and problem.bias:
        raise UsageError("--replay: the line's network has biases (it has no bias=0); drop --no-bias")
    return replay(problem, _factory(args, candidate)(problem), args.oracles)


def _progress(total: int, label: str = "fuzz", quiet: bool = False, piped: bool | None = None):
    """Progress on standard error: a live bar on a terminal; piped, a plain line every few steps
    when the step is long enough to need one (``piped``; by default ``PROGRESS_LINES_FROM`` steps
    or more); none with --quiet."""
    from oracles.shells.api import ProgressBar, progress_mode

    piped = total >= PROGRESS_LINES_FROM if piped is None else piped
    mode = None if quiet else progress_mode(None, piped=piped)
    return ProgressBar(total, mode, label, transient=True)


PROGRESS_LINES_FROM = 50  # fewer fuzz examples than this finish in seconds: no lines in a pipe


def _status(args, what: str):
    """A transient spinner on a terminal's standard error while ``what`` runs (the oracles' imports
    and the checks take seconds); nothing in a pipe or with --quiet."""
    from contextlib import nullcontext

    if args.quiet or not sys.stderr.isatty():
        return nullcontext()
    from rich.console import Console
    from rich.markup import escape

    return Console(stderr=True, force_jupyter=False).status(escape(what))


def _emit(report, args, outputs: dict) -> None:
    """Print or write the report (and the plot); a file is written whole or not at all."""
    import shutil

    width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 200  # a pipe: the full table
    try:
        text = formats.render(report, args.format, width)
    except ValueError as exc:  # a format for the other kind of result (csv for one candidate)
        raise UsageError(str(exc)) from None
    _end_strays()  # every process the run started, and every orphan of theirs, gone before a file is written
    if "output" in outputs:
        _atomic(outputs["output"], lambda tmp: tmp.write_text(text), args.output)
    if "plot" in outputs:
        _atomic(outputs["plot"], report.plot, args.plot)
        print(f"plot written to {args.plot}", file=sys.stderr)
    if "output" in outputs:
        print(f"{report.verdict()} (report written to {args.output})")
    else:
        print(text, end="" if text.endswith("\n") else "\n")


def _end_strays() -> None:
    """Kill and wait for every orphan the judge adopted (a subreaper: :func:`entry`), keeping
    only the oracle children it started itself."""
    from oracles import reaper

    reaper.end_strays(keep=background.pids())


def _atomic(path, write, shown: str) -> None:
    """``write(temporary path)`` beside ``path``, then rename it into place: the old file stays
    whole if anything fails (a full disk, a device)."""
    import os
    import tempfile
    from pathlib import Path

    if path.exists() and not path.is_file():  # /dev/full, a FIFO: write in place, never rename over it
        try:
            write(path)
        except OSError as exc:
            raise UsageError(f"{shown}: cannot write: {exc.strerror}") from None
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write: {exc.strerror}") from None
    os.close(fd)
    try:
        os.chmod(tmp, _mode_for(path))  # mkstemp made it 0600
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write: {exc.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _mode_for(path) -> int:
    """The permissions an ordinary write would leave: an existing file's own, else 0666 less the umask."""
    import os
    import stat

    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


if __name__ == "__main__":  # the console script is oracles.shells.launch, which confines the judge before NumPy loads
    from oracles.shells.launch import entry

    entry()
