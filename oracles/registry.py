"""The oracles, each declared once: its name, its words, its package and where its code lives.

Every other module asks this one: the options' choices (``--oracles``), the report's words, the
versions the report records, which framework is imported in a background process, the laws' and
the fuzz's defaults and the zoo's checks. A new framework oracle is one entry here, its module
(``fn(spec, params, X, y) -> (loss, grads)``, a rewrite that never calls the reference) and its
rows in :data:`oracles.policy.TABLE`; ``tests/core/test_registry.py`` holds each of those to it.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Oracle:
    """One oracle. ``kind`` is ``"differences"`` (of the reference's forward loss alone, computed
    by the harness) or ``"framework"`` (the network rewritten in that framework's own idiom,
    ``module:function``)."""

    name: str  # as --oracles, the JSON report and the policy table spell it
    words: str  # as the text report says it
    kind: str
    package: str | None = None  # the distribution whose version the report records
    function: str | None = None  # "module:function" of a framework oracle
    slow_import: bool = False  # its first import costs seconds: computed in a process of its own (background)
    default: bool = True  # a check runs it unless --oracles says otherwise

    def load(self):
        """A framework oracle's function ``(spec, params, X, y) -> (loss, grads)``."""
        if self.function is None:
            raise ValueError(f"the {self.name} oracle is computed by the harness, not loaded")
        module, _, attribute = self.function.partition(":")
        return getattr(importlib.import_module(module), attribute)


DIFFERENCES = "finite-differences"

ORACLES = (
    Oracle(DIFFERENCES, "finite differences", "differences"),
    Oracle("torch", "torch", "framework", "torch", "oracles.torch_oracle:torch_oracle", slow_import=True),
    Oracle("jax", "jax", "framework", "jax", "oracles.jax_oracle:jax_oracle"),
    Oracle("autograd", "autograd", "framework", "autograd", "oracles.autograd_oracle:autograd_oracle", default=False),
)
NAMES = tuple(o.name for o in ORACLES if o.default)  # what a check runs when --oracles is not given
BY_NAME = {o.name: o for o in ORACLES}  # every oracle --oracles may name
FRAMEWORKS = tuple(o.name for o in ORACLES if o.kind == "framework")
PACKAGES = ("numpy",) + tuple(o.package for o in ORACLES if o.package)

# The oracles of a forward the user wrote (oracles.families.forward): finite differences of that
# forward, and that forward traced by HIPS autograd (its ``numpy`` substituted, in the forward's worker).
AUTOGRAD = Oracle("autograd", "autograd of your forward", "traced", "autograd")
FORWARD_ORACLES = (BY_NAME[DIFFERENCES], AUTOGRAD)


def words(name: str) -> str:
    """How the text report says an oracle (a name it does not know, as it is). The forward's
    oracles share their names with the registry's, so the registry's words are said for them too."""
    oracle = BY_NAME.get(name)
    return oracle.words if oracle else name


def get(name: str) -> Oracle:
    """The oracle called ``name``; a ValueError naming the known ones otherwise."""
    if name not in BY_NAME:
        raise ValueError(f"unknown oracle {name!r}: choose from {', '.join(BY_NAME)}")
    return BY_NAME[name]


def versions(packages) -> dict:
    """``{package: its installed version, or None where it is not installed}`` for the report."""
    import importlib.metadata as md

    out = {}
    for package in packages:
        try:
            out[package] = md.version(package)
        except md.PackageNotFoundError:
            out[package] = None
    return out
