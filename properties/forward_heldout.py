"""The forward family's diagnosis measured on bugs it has never seen: ``tests/heldout/forward/``.

Each case is a backward (``backward(params, inputs)``) for a forward of ``tests/candidates/forwards``
(``FORWARD``, its function ``FUNCTION``, default ``loss``, its ``init``, and ``DATA`` when that
init returns params only), or for the case's own ``loss`` and ``init`` (``FORWARD = None``). It
declares ``EXPECTED``: per wrong parameter, the cause a reader should be told (``"factor N"``,
``"factor 1/N"``, ``"factor N-1"``, ``"factor D"``, ``"factor N/D"``, ``"factor 2"``, ``"factor
1/2"``, ``"sign"``, ``"transpose"``, ``"copy of P"``, ``"entries"``, ``"entries at kinks"``,
``"constant"`` for a constant factor the shapes do not explain, or None for a mistake no such cause
describes). The constants are read from the file's text, never by importing it: the case runs only
in its worker, as any candidate.

Grades, from the first failing point's named causes (``ForwardPoint.causes``): **right** (every
expected parameter named with its expected cause, and nothing else named); **wrong cause** (some
parameter named with a cause it does not have; for a parameter whose expected cause is None, or
"constant", only "constant" is not wrong); **false alarm** (a correct case fails); **missed** (a buggy
case passes); **vague** (nothing wrong named, something expected left unnamed).

``python -m properties.forward_heldout [FOLDER]`` prints one row per case and the counts.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "heldout" / "forward"
FORWARDS = ROOT / "tests" / "candidates" / "forwards"


def constants(path: Path) -> dict:
    """The case's upper-case constants, read from its text."""
    out = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id.isupper():
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return out


def run_case(path: Path):
    from oracles import check

    c = constants(path)
    where = path if c.get("FORWARD") is None else FORWARDS / f"{c['FORWARD']}.py"
    return check(f"{path}:backward", forward=f"{where}:{c.get('FUNCTION', 'loss')}", init=f"{where}:init",
                 data=c.get("DATA")), c["EXPECTED"]


def grade(report, expected: dict) -> tuple:
    """``(grade, named)``: named is the first failing point's ``{param: cause}``."""
    failed = [p for p in report.points if not p.passed]
    if not failed:
        return ("right" if not expected else "missed"), {}
    if not expected:
        return "false alarm", dict(getattr(failed[0], "causes", {}))
    named = dict(getattr(failed[0], "causes", {}))
    for param, cause in named.items():
        want = expected.get(param, "not wrong")
        if cause != want and not (cause == "constant" and want is None):
            return "wrong cause", named
    if all(named.get(p) == cause for p, cause in expected.items() if cause is not None):
        return "right", named
    return "vague", named


def measure(folder: Path = FOLDER) -> list:
    """``[(case, grade, expected, named)]`` for every case in ``folder``."""
    rows = []
    for path in sorted(folder.glob("*.py")):
        report, expected = run_case(path)
        g, named = grade(report, expected)
        rows.append((path.stem, g, expected, named))
    return rows


def table(rows) -> str:
    lines = [f"{name:32} {g:12} {expected} / {named}" for name, g, expected, named in rows]
    counts = {g: sum(1 for r in rows if r[1] == g) for g in ("right", "wrong cause", "false alarm", "missed",
                                                            "vague")}
    lines.append(f"right {counts['right']}/{len(rows)}, " + ", ".join(f"{g} {n}" for g, n in counts.items()
                                                                       if g != "right"))
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER)))
