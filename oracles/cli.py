"""``compare-frameworks``: check a backward pass against finite differences, PyTorch and JAX.

A thin shell over :func:`oracles.harness.run`: parse arguments, one library call, print, exit.
Exit codes: 0 every check agrees; 1 a check disagrees or the candidate broke its contract;
2 a usage or input error (one line naming the problem and the file, never a traceback).
"""
from __future__ import annotations

import argparse
import sys

from oracles import background, options

FORMATS = ("table", "json", "markdown")


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
    p = _Parser(prog="compare-frameworks", description=__doc__.splitlines()[0])
    p.add_argument("--data", help="CSV file (default: $BACKPROP_DATA, then data/diabetes.csv, else a synthetic stand-in)")
    p.add_argument("--target", default=None,
                   help="the target column (default: Outcome; for softmax and mse, the last column when the file "
                        "has no Outcome): 0/1 for bce, whole-number classes for softmax, any number for mse")
    p.add_argument("--loss", choices=options.LOSSES, default="bce",
                   help="the head: bce (sigmoid + binary cross-entropy, the lesson), softmax (cross-entropy over "
                        "the target's classes), mse (identity output, mean squared error)")
    p.add_argument("--reduction", choices=options.REDUCTIONS, default="mean",
                   help="the loss averaged over the batch (mean) or summed (sum: per-example code)")
    p.add_argument("--l2", type=_typed(options.l2, "--l2"), default=0.0, metavar="C",
                   help="weight decay on every W (never biases), as the convention writes it: cs231n reg "
                        "(+ reg*sum W^2), deeplearning-ai lambd (+ lambd/(2m)*sum W^2), lesson and torch "
                        "weight_decay (+ C/2*sum W^2)")
    p.add_argument("--convention", choices=options.CONVENTIONS, default="lesson",
                   help="how your backward receives and returns arrays: lesson, cs231n, deeplearning-ai, torch")
    p.add_argument("--hidden", type=_typed(options.hidden, "--hidden"), default=(16,), help="hidden widths: 16 (the lesson) or 64,64")
    p.add_argument("--activation", choices=options.ACTIVATIONS, default="relu")
    p.add_argument("--seed", type=_typed(options.seed, "--seed"), default=0, help="the lesson init's seed (default 0)")
    p.add_argument("--dtype", choices=options.DTYPES, default="float64")
    p.add_argument("--oracles", type=_typed(options.oracles, "--oracles"), default=options.ORACLES, help="comma list (default: all three)")
    p.add_argument("--fd-mode", choices=options.FD_MODES, default="auto",
                   help="finite differences over every entry, along random directions, or auto "
                        "(every entry up to the policy's parameter budget)")
    p.add_argument("--directions", type=_typed(options.directions, "--directions"), metavar="K", help="random directions per parameter (default 16)")
    p.add_argument("--candidate", action="append",
                   help="your backward: path/to/file.py:backward or package.module:backward; repeat it, or "
                        "give a glob ('submissions/*.py:backward'), for a gradebook")
    p.add_argument("--glob", action="store_true",
                   help="read every --candidate's file part as a glob pattern; without it a pattern is expanded "
                        "only where no file of that name exists (a path that exists is always literal)")
    p.add_argument("--jobs", type=_typed(options.jobs, "--jobs"), default=1, metavar="N", help="candidates checked in parallel (gradebook)")
    p.add_argument("--timeout", type=_typed(options.positive, "--timeout"), metavar="SECONDS",
                   help="time limit of one call of the candidate (default: 30 s, or more on big problems)")
    p.add_argument("--memory", type=_typed(options.size, "--memory"), metavar="SIZE",
                   help="address-space limit of the candidate's worker process (default 8G)")
    p.add_argument("--forbid-import", type=_typed(options.modules, "--forbid-import"), default=(), metavar="MODULES",
                   help="modules the candidate may not import, e.g. torch,jax,autograd (the harness's "
                        "own packages are always refused)")
    p.add_argument("--no-isolation", action="store_true",
                   help="run the candidate inside this process, for a debugger; every report says so")
    p.add_argument("--format", choices=FORMATS + ("csv",), default="table",
                   help="table, json, markdown (csv: gradebooks only)")
    p.add_argument("--output", help="write the report here instead of standard output")
    p.add_argument("--plot", help="draw per-parameter errors against tolerance to this file (.png, .pdf or .svg)")
    p.add_argument("--fuzz", type=_typed(options.examples, "--fuzz"), metavar="N", help="also draw N problems and run every law on the candidate")
    p.add_argument("--replay", metavar="LINE", help="run every law on one problem, as a fuzz failure prints it")
    p.add_argument("--bug-zoo", action="store_true",
                   help="run the catalogue of classic bugs and correct rewrites through every check: the kill matrix "
                        "(the lesson's; with --loss, --convention, --reduction or --l2, the entries written that way)")
    return p


def main(argv=None) -> int:
    try:
        args = parser().parse_args(argv)
        if not args.replay:  # the torch oracle's child imports torch while this process loads the rest
            background.warm(args.oracles)
        return _run(args)
    except UsageError as exc:
        print(f"compare-frameworks: error: {exc}", file=sys.stderr)
        return 2
    finally:
        background.discard()


def _run(args) -> int:
    from oracles.candidate import CandidateError, reference_candidate
    from oracles import harness
    from reference.data import SYNTHETIC, DataError, how_to_get_real_data, load

    targets = _targets(args)
    zoo = _zoo_entries(args)
    outputs = _outputs(args, targets)  # every path resolved and checked before any candidate runs
    try:
        data = load(args.data, args.target, args.loss)
        spec = harness.make_spec(data, args.hidden, args.activation, args.dtype, args.loss, args.reduction, args.l2,
                         args.convention)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    _fits(args, spec, data)
    if len(targets) > 1 or (args.candidate and _is_glob(args.candidate[0], args.glob)):
        book = _gradebook(args, spec, data, targets)
        _emit(book, args, outputs)
        return book.exit_code()
    try:
        handle = _open(args, targets[0]) if targets else reference_candidate(args.activation, spec.head)
    except CandidateError as exc:
        raise UsageError(str(exc)) from None
    with handle:
        report = _replay(args, handle) if args.replay else run_check(args, spec, data, handle)
        if data.source == SYNTHETIC and not args.replay:
            report.notes.append(how_to_get_real_data())
        if args.fuzz:
            report.fuzz = _fuzz(args, spec, handle).to_dict()
    if args.bug_zoo:
        from properties.zoo import run_zoo

        with _progress(len(zoo[0]) + len(zoo[1]), "bug zoo") as advance:
            report.bug_zoo = run_zoo(data, progress=advance, mutants=zoo[0], correct=zoo[1]).to_dict()
    _emit(report, args, outputs)
    return report.exit_code()


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
    if len(out) > 1 and (args.replay or args.fuzz or args.bug_zoo):
        raise UsageError("--fuzz, --replay and --bug-zoo take one --candidate, not a gradebook")
    return out


def _open(args, target: str):
    from oracles.candidate import load_candidate

    if args.no_isolation:
        return load_candidate(target, isolate=False)
    return load_candidate(target, timeout=args.timeout, memory=args.memory, forbid=args.forbid_import)


def _gradebook(args, spec, data, targets):
    from oracles.gradebook import grade

    if args.no_isolation:
        raise UsageError("--no-isolation checks one candidate at a time, not a gradebook")
    if args.plot:
        raise UsageError("--plot draws one candidate's report, not a gradebook")
    return grade(spec, data, targets, oracles=args.oracles, seed=args.seed, jobs=args.jobs, mode=args.fd_mode,
                 directions=args.directions, convention=args.convention, timeout=args.timeout, memory=args.memory,
                 forbid=args.forbid_import)


def _outputs(args, targets) -> dict:
    """``--output`` and ``--plot`` resolved to absolute paths now (a candidate's ``os.chdir`` changes
    nothing), refused when they name the data, a candidate file or each other, or a plot format we
    cannot draw."""
    import os
    from pathlib import Path

    def resolve(value: str) -> Path:  # realpath: a symlink loop resolves to itself instead of raising
        return Path(os.path.realpath(os.path.expanduser(value)))

    out = {}
    for flag in ("output", "plot"):
        value = getattr(args, flag)
        if value:
            out[flag] = resolve(value)
    if "plot" in out and out["plot"].suffix.lower() not in PLOT_FORMATS:
        raise UsageError(f"{args.plot}: --plot writes {', '.join(PLOT_FORMATS)}, not {out['plot'].suffix or 'no extension'}")
    inputs = {}
    if args.data:
        inputs[resolve(args.data)] = "--data"
    for target in targets:
        source = target.rpartition(":")[0]
        if source.endswith(".py") or "/" in source:
            inputs[resolve(source)] = "--candidate"
    for flag, path in out.items():
        if path in inputs:
            raise UsageError(f"{getattr(args, flag)}: --{flag} names the {inputs[path]} file; "
                             f"it would be overwritten")
        if path.is_dir():
            raise UsageError(f"{getattr(args, flag)}: --{flag} names a directory")
    if len(out) == 2 and out["output"] == out["plot"]:
        raise UsageError(f"{args.output}: --output and --plot name the same file")
    return out


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
                                  l2s=(0.0, 0.05, 0.7), l2_forms=L2_FORMS))
    with _progress(args.fuzz) as advance:
        return fuzz(_factory(args, candidate), args.fuzz, strategy, oracles=args.oracles, progress=advance,
                    candidate_arg=args.candidate[0] if args.candidate else None,
                    convention=args.convention if args.candidate else None)


def _replay(args, candidate):
    from properties.fuzz import replay
    from properties.strategies import Problem

    try:
        problem = Problem.parse(args.replay)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return replay(problem, _factory(args, candidate)(problem), args.oracles)


def _progress(total: int, label: str = "fuzz"):
    """A progress bar on a terminal's standard error; silent otherwise."""
    from oracles.api import ProgressBar

    return ProgressBar(total, sys.stderr.isatty(), label, transient=True)


def _emit(report, args, outputs: dict) -> None:
    """Print or write the report (and the plot); a file is written whole or not at all."""
    import shutil
    from functools import partial

    width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 200  # a pipe: the full table
    renderers = {"table": partial(report.to_text, width=width), "json": report.to_json, "markdown": report.to_markdown,
                 "csv": getattr(report, "to_csv", None)}
    if renderers[args.format] is None:
        raise UsageError("--format csv is for gradebooks (several candidates); use table, json or markdown")
    text = renderers[args.format]()
    if "output" in outputs:
        _atomic(outputs["output"], lambda tmp: tmp.write_text(text), args.output)
    if "plot" in outputs:
        _atomic(outputs["plot"], report.plot, args.plot)
        print(f"plot written to {args.plot}", file=sys.stderr)
    if "output" in outputs:
        print(f"{report.verdict()} (report written to {args.output})")
    else:
        print(text, end="" if text.endswith("\n") else "\n")


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
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write: {exc.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def entry() -> None:
    """The console script: :func:`main`, then out without unloading the interpreter's modules,
    which took half a second with JAX and torch loaded, after the report was out. The exit
    handlers still run (hypothesis's temporary files are removed); nothing is left to write.
    Ctrl-C is exit 130 with one line, as a shell reports it, not a traceback."""
    import atexit
    import os

    try:
        code = main()
    except KeyboardInterrupt:
        print("compare-frameworks: interrupted", file=sys.stderr)
        code = 130
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: nothing more to say
        pass
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    entry()
