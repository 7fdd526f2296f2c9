"""Oracles for a hand-written backward: finite differences, PyTorch, JAX; the comparison
under one policy, the diagnosis, the report and the ``compare-frameworks`` CLI.

``from oracles import check, check_layer, fuzz`` is the Python API (:mod:`oracles.shells.api`); it is loaded on
first use, so importing this package stays free of NumPy and the frameworks.
"""

__all__ = ["check", "check_layer", "fuzz"]


def __getattr__(name):
    if name in __all__:
        from oracles.shells import api

        return getattr(api, name)
    raise AttributeError(f"module 'oracles' has no attribute {name!r}")
