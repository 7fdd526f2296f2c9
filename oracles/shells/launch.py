"""The console script ``compare-frameworks`` (also ``python -m oracles.shells.launch``): the judge
confined, the torch oracle's child started, then the command.

Before anything else loads, the process becomes the judge (:func:`confine_judge`): SIGINT blocked
and read with its sender, which must happen before any thread exists (NumPy's BLAS starts its
threads on import, and a SIGINT delivered to one of them would be an interrupt, not the
candidate's verdict). Then, as ``import torch`` in a fresh interpreter costs seconds and the
options module imports NumPy and the heads, the script looks at its raw arguments: a check of the
network (not ``--replay``, ``--forward``, ``--layer`` or ``--help``) warms the oracles it names
(``--oracles``, or all), and only then loads the command. :func:`oracles.shells.cli.main` warms
again after parsing, which costs nothing for a child already started; a child nobody takes (the
arguments turn out wrong) is ended as the command ends.
"""
from __future__ import annotations

import sys

from oracles import background, registry

NOT_A_NETWORK_CHECK = {"--replay", "--forward", "--layer", "--help", "-h"}


def oracles_named(argv: list) -> tuple | None:
    """The oracles ``--oracles`` names in ``argv`` (the default ones when absent), or None when the
    command is not a check of the network or the value is not a plain list of known names (the
    command's parser will say why)."""
    value = ",".join(registry.NAMES)
    for i, arg in enumerate(argv):
        if arg.split("=", 1)[0] in NOT_A_NETWORK_CHECK:
            return None
        if arg == "--oracles" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--oracles="):
            value = arg.split("=", 1)[1]
    names = tuple(n.strip() for n in value.split(","))
    return names if all(n in registry.BY_NAME for n in names) else None


def confine_judge() -> None:
    """This process as the judge (Linux; elsewhere nothing changes): it adopts the orphans of its
    workers' descendants, its /proc entries open only with CAP_SYS_PTRACE, and a SIGINT is read
    with its sender, so a candidate's is that candidate's verdict."""
    from oracles import reaper

    reaper.become_subreaper()
    reaper.close_proc()

    def blame(pid: int) -> bool:
        isolation = sys.modules.get("oracles.isolation")  # not imported yet: no worker to blame
        return isolation is not None and isolation.blame(pid)

    try:
        reaper.watch_interrupts(blame)
    except (OSError, ValueError, RuntimeError):  # no signalfd here: Ctrl-C and any SIGINT stay interrupts
        pass


def entry() -> None:
    """The command, then out without unloading the interpreter's modules, which took half a second
    with JAX and torch loaded, after the report was out. The exit handlers still run (hypothesis's
    temporary files are removed); nothing is left to write. Ctrl-C is exit 130 with one line, as a
    shell reports it, not a traceback."""
    import atexit
    import os

    confine_judge()
    names = oracles_named(sys.argv[1:])
    if names:
        background.warm(names)
    try:
        from oracles.shells import cli

        code = cli.main()
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
