"""``compare-frameworks``: check a backward pass against finite differences, PyTorch and JAX.

A thin shell over :func:`oracles.harness.run`: parse arguments, one library call, print, exit.
Exit codes: 0 every check agrees; 1 a check disagrees or the candidate broke its contract;
2 a usage or input error (one line naming the problem and the file, never a traceback).
"""
from __future__ import annotations

import argparse
import sys

from oracles.harness import ORACLES

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
    p.add_argument("--candidate", help="your backward: path/to/file.py:backward or package.module:backward")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--output", help="write the report here instead of standard output")
    p.add_argument("--plot", help="draw per-parameter errors against tolerance to this PNG")
    return p


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
    report = run(spec, data, candidate, args.oracles, args.seed)
    if data.source == SYNTHETIC:
        report.notes.append(how_to_get_real_data())
    _emit(report, args)
    return report.exit_code()


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
