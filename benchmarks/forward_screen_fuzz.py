"""False alarms of checks through the one-sided screen, on points drawn as the forward family's fuzz
draws them (``properties.forward_laws.draw``: a seed, a scale log-uniform over 1/4 .. 4, a subset of
the batch rows or every row), for correct backwards of several forwards.

    .venv/bin/python benchmarks/forward_screen_fuzz.py [--draws 400] [--seed 11] [--case lesson ...]

Each draw runs one point of a check (``oracles.families.forward.run._judge``: autograd, the
candidate in its worker, the screen, the full search where a gradient disagrees, the recheck) on
the case's right backward, at float64 and, where the case has ``init_float32``, at float32.
Prints per case and dtype: draws, false alarms (a right backward failed, each named with its draw)
and the entries searched after the screen, with their share of every entry differenced."""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CASES = ROOT / "tests" / "candidates" / "forwards"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--case", nargs="*", default=["lesson", "kinked", "softplus_gelu", "huber", "skip_connection"])
    args = parser.parse_args(argv)

    from oracles.families.forward import run as family_run
    from oracles.families.forward.points import Point, inputs_of, params_of
    from oracles.families.forward.sides import BackwardSide, ForwardSide, source_of
    from properties.forward_laws import batch_rows, draw, subset
    from reference.data import load

    data = load("diabetes")
    fallback = {"X": data.X, "y": data.y}
    print(f"{'case':16} {'dtype':8} {'draws':>6} {'false alarms':>13} {'searched':>9} {'of entries':>11}")
    for case in args.case:
        path = CASES / f"{case}.py"
        spec = importlib.util.spec_from_file_location(f"screen_{case}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        inits = [("float64", "init")] + ([("float32", "init_float32")] if hasattr(module, "init_float32") else [])
        fside = ForwardSide(source_of(f"{path}:loss", "--forward")).start()
        bside = BackwardSide(source_of(f"{path}:backward", "--candidate")).start()
        try:
            for dtype, init in inits:
                rng = np.random.default_rng([args.seed, len(case)])
                alarms, searched, entries = 0, 0, 0
                for i in range(args.draws):
                    reply = fside.init(source_of(f"{path}:{init}", "--init"), 0)
                    inputs = inputs_of(reply["inputs"], "inputs") if reply["inputs"] is not None else fallback
                    n = batch_rows(inputs)
                    d = draw(rng, n)
                    reply = fside.init(source_of(f"{path}:{init}", "--init"), d.seed)
                    params = params_of(reply["params"], "params")
                    if reply["inputs"] is not None:  # the draw's own inputs, as the fuzz takes them
                        inputs = inputs_of(reply["inputs"], "inputs")
                    params = {k: (p * d.scale).astype(p.dtype) for k, p in params.items()}
                    point = Point(f"draw {i}", "", params, subset(inputs, d.rows(n), n))
                    result = family_run._judge(fside, bside, point)
                    alarms += not result.passed
                    for k, row in result.differenced.items():
                        searched += row["searched_again"]
                        entries += params[k].size
                    if not result.passed:
                        print(f"  false alarm: {case} {dtype} {d.words(n)}: {result.failure_lines()[:2]}")
                print(f"{case:16} {dtype:8} {args.draws:6d} {alarms:13d} {searched:9d} {searched / max(1, entries):10.2%}")
        finally:
            fside.close()
            bside.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
