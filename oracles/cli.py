"""``compare-frameworks``: check a backward pass against finite differences, PyTorch and JAX.

A thin shell over :func:`oracles.harness.run`: parse arguments, one library call, print, exit.
Exit codes: 0 every check agrees; 1 a check disagrees or the candidate broke its contract;
2 a usage or input error (one line naming the problem and the file, never a traceback).
"""
from __future__ import annotations

import argparse
import sys

from oracles.harness import FD_MODES, ORACLES

FORMATS = ("table", "json", "markdown")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        raise UsageError(message)


def _hidden(text: str) -> tuple:
    try:
        sizes = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden takes widths like 16 or 64,64, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--hidden takes positive widths like 16 or 64,64, got {text!r}")
    return sizes


def _oracles(text: str) -> tuple:
    names = tuple(t.strip() for t in text.split(",") if t.strip())
    unknown = [n for n in names if n not in ORACLES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"--oracles takes a comma list of {', '.join(ORACLES)}, got {text!r}")
    return names


def parser() -> argparse.ArgumentParser:
    from reference.model import ACTIVATIONS, DTYPES

    p = _Parser(prog="compare-frameworks", description=__doc__.splitlines()[0])
    p.add_argument("--data", help="CSV file (default: $BACKPROP_DATA, then data/diabetes.csv, else a synthetic stand-in)")
    p.add_argument("--target", default="Outcome", help="the 0/1 target column (default: Outcome)")
    p.add_argument("--hidden", type=_hidden, default=(16,), help="hidden widths: 16 (the lesson) or 64,64")
    p.add_argument("--activation", choices=ACTIVATIONS, default="relu")
    p.add_argument("--seed", type=int, default=0, help="the lesson init's seed (default 0)")
    p.add_argument("--dtype", choices=DTYPES, default="float64")
    p.add_argument("--oracles", type=_oracles, default=ORACLES, help="comma list (default: all three)")
    p.add_argument("--fd-mode", choices=FD_MODES, default="auto",
                   help="finite differences over every entry, along random directions, or auto "
                        "(every entry up to the policy's parameter budget)")
    p.add_argument("--directions", type=_count, metavar="K", help="random directions per parameter (default 16)")
    p.add_argument("--candidate", help="your backward: path/to/file.py:backward or package.module:backward")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--output", help="write the report here instead of standard output")
    p.add_argument("--plot", help="draw per-parameter errors against tolerance to this PNG")
    p.add_argument("--fuzz", type=_count, metavar="N", help="also draw N problems and run every law on the candidate")
    p.add_argument("--replay", metavar="LINE", help="run every law on one problem, as a fuzz failure prints it")
    p.add_argument("--bug-zoo", action="store_true",
                   help="run the catalogue of classic bugs and correct rewrites through every check: the kill matrix")
    return p


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"takes a positive whole number, got {text!r}")
    return n


def main(argv=None) -> int:
    try:
        args = parser().parse_args(argv)
        return _run(args)
    except UsageError as exc:
        print(f"compare-frameworks: error: {exc}", file=sys.stderr)
        return 2


def _run(args) -> int:
    from oracles.candidate import CandidateError, load_candidate, reference_candidate
    from oracles.harness import run
    from reference.data import SYNTHETIC, DataError, how_to_get_real_data, load
    from reference.model import Spec

    try:
        data = load(args.data, args.target)
        spec = Spec((data.features, *args.hidden, 1), args.activation, args.dtype)
        candidate = load_candidate(args.candidate) if args.candidate else reference_candidate(args.activation)
    except (DataError, CandidateError) as exc:
        raise UsageError(str(exc)) from None
    if args.replay:
        report = _replay(args, candidate)
    else:
        report = run(spec, data, candidate, args.oracles, args.seed, mode=args.fd_mode, directions=args.directions)
        if data.source == SYNTHETIC:
            report.notes.append(how_to_get_real_data())
    if args.fuzz:
        report.fuzz = _fuzz(args, spec, candidate).to_dict()
    if args.bug_zoo:
        from properties import catalogue
        from properties.zoo import run_zoo

        with _progress(len(catalogue.MUTANTS) + len(catalogue.CORRECT), "bug zoo") as advance:
            report.bug_zoo = run_zoo(data, progress=advance).to_dict()
    _emit(report, args)
    return report.exit_code()


def _factory(args, candidate):
    """The fuzz calls ``factory(problem)``: the reference follows each problem's activation."""
    from oracles.candidate import reference_candidate

    return (lambda problem: candidate) if args.candidate else (lambda problem: reference_candidate(problem.activation))


def _fuzz(args, spec, candidate):
    from properties.fuzz import fuzz
    from properties.strategies import problems, specs

    if args.candidate:  # the user's backward: its depth and activation, any widths, inputs and batch
        depth = len(spec.hidden)
        strategy = problems(specs(depth, depth, activations=(spec.activation,), dtypes=(spec.dtype,)))
    else:  # the reference: every depth and activation
        strategy = problems(specs(dtypes=(spec.dtype,)))
    with _progress(args.fuzz) as advance:
        return fuzz(_factory(args, candidate), args.fuzz, strategy, oracles=args.oracles, progress=advance,
                    candidate_arg=args.candidate)


def _replay(args, candidate):
    from properties.fuzz import replay
    from properties.strategies import Problem

    try:
        problem = Problem.parse(args.replay)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return replay(problem, _factory(args, candidate)(problem), args.oracles)


class _progress:
    """A rich progress bar on a terminal's standard error; silent otherwise."""

    def __init__(self, total: int, label: str = "fuzz"):
        self.total, self.label, self.bar = total, label, None

    def __enter__(self):
        if sys.stderr.isatty():
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            task = self.bar.add_task(self.label, total=self.total)
            return lambda n: self.bar.update(task, completed=min(n, self.total))
        return None

    def __exit__(self, *exc):
        if self.bar:
            self.bar.stop()


def _emit(report, args) -> None:
    text = {"table": report.to_text, "json": report.to_json, "markdown": report.to_markdown}[args.format]()
    for path, write in ((args.output, lambda p: open(p, "w").write(text)), (args.plot, report.plot)):
        if path:
            try:
                write(path)
            except OSError as exc:
                raise UsageError(f"{path}: cannot write: {exc.strerror}") from None
    if args.output:
        print(f"{report.verdict()} (report written to {args.output})")
    else:
        print(text, end="" if text.endswith("\n") else "\n")


if __name__ == "__main__":
    sys.exit(main())
