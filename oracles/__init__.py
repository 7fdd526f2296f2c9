"""Oracles for a hand-written backward: finite differences, PyTorch, JAX; the comparison
under one policy, the diagnosis, the report and the ``compare-frameworks`` CLI."""
