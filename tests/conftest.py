"""Shared fixtures: the real Pima file (shipped in the package: reference/datasets/diabetes.csv).

The tests are filed by what they test: ``core/`` (the harness, the session, the policy, isolation),
``network/`` (the built-in family: reference, heads, conventions, diagnosis), ``families/`` (your
own forward, layers), ``fuzzing/`` (laws, the zoo, the held-out sets), ``shells/`` (API, plugin,
gradebook, rendering) and ``e2e/`` (the command run as a user runs it). ``candidates/`` holds the
code under test. A test imports a sibling's helpers by module name from any of these folders.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from reference.data import load_csv, packaged_path
from reference.model import Spec, init_params

ROOT = Path(__file__).resolve().parent.parent
for _area in sorted(p for p in Path(__file__).resolve().parent.iterdir() if p.is_dir() and any(p.glob("test_*.py"))):
    if str(_area) not in sys.path:
        sys.path.insert(0, str(_area))  # `from test_forward import target` from any folder
SHARED = ROOT.parent / "shared" / "data"  # the development layout's verified copies and their README
REQUIRE = "BACKPROP_REQUIRE_REAL_DATA"  # set by .ci/run: there, ../shared/data/README.md must be present


@pytest.fixture(scope="session")
def real_path() -> Path:
    """The packaged Pima file; tests/network/test_packaged_data.py holds it byte-equal to the verified copy."""
    return packaged_path("diabetes")


@pytest.fixture(scope="session")
def real(real_path):
    return load_csv(real_path)


@pytest.fixture(scope="session")
def zoo(real):
    """The bug zoo on the real data: every catalogue entry through every check, run once per
    session (its matrix is what tests/fuzzing/test_zoo.py reads; nothing else runs the zoo)."""
    from properties.zoo import run_zoo

    return run_zoo(real)


@pytest.fixture
def lesson_params():
    return init_params(Spec())


@pytest.fixture
def small_problem():
    """A small problem with non-zero biases: (spec, params, X, y)."""
    from reference.model import random_params

    def make(sizes=(5, 7, 1), activation="relu", dtype="float64", N=20, seed=0, scale=1.0):
        spec = Spec(sizes, activation, dtype)
        rng = np.random.default_rng(seed + 100)
        X = rng.standard_normal((N, sizes[0])).astype(dtype)
        y = (rng.random((N, 1)) < 0.4).astype(dtype)
        return spec, random_params(spec, seed, scale), X, y

    return make


# deliberately buggy code, run in-process by tests: the catalogues, and the held-out cases (loaded
# by properties.heldout as modules named heldout_<batch>_<case>)
CATALOGUES = ("properties.catalogue", "properties.head_catalogue", "heldout_batch")


def pytest_configure(config):
    """The RuntimeWarnings the bug catalogues' and held-out cases' own code raises (an unshifted exp that overflows, a
    log of 0: the bugs themselves) are silenced, and only those: a warning from the harness, or
    from anything else, still ends the run's summary."""
    for module in CATALOGUES:
        config.addinivalue_line("filterwarnings", f"ignore::RuntimeWarning:{module.replace('.', '[.]')}")


from fold_skips import pytest_runtest_makereport, pytest_terminal_summary  # noqa: E402,F401  (one line per skip reason)
from properties import profiles  # noqa: E402  (dev / ci / fuzz, chosen with --hypothesis-profile)

profiles.register()
