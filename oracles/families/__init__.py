"""Families of problems the harness checks, each beside the others: ``forward`` is the user's own
network (their forward and their backward). The built-in network family still lives in
:mod:`oracles.harness`."""
