"""The console script ``compare-frameworks``: the torch oracle's child starts importing first.

``import torch`` in a fresh interpreter costs seconds; the options module imports NumPy and the
heads. So the script looks at its raw arguments before loading anything else: a check of the
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
    """The oracles ``--oracles`` names in ``argv`` (all when absent), or None when its value is not a
    plain list of known names (the command's parser will say why)."""
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


def entry() -> None:
    names = oracles_named(sys.argv[1:])
    if names:
        background.warm(names)
    from oracles.shells import cli

    cli.entry()
