"""Shared fixtures: the real Pima file (skipped with a reason when absent, a failure in CI)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from reference.data import DATA_ENV, load_csv
from reference.model import Spec, init_params

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "diabetes.csv"
REQUIRE = "BACKPROP_REQUIRE_REAL_DATA"  # set by .ci/run: in CI the real file must be there


def real_data_path() -> Path | None:
    for candidate in (os.environ.get(DATA_ENV), SHARED, ROOT / "data" / "diabetes.csv"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def real_path():
    path = real_data_path()
    if path is None:
        message = (f"the real diabetes.csv is not here: set {DATA_ENV}, put it at data/diabetes.csv, "
                   f"or place ../shared/data/diabetes.csv beside the checkout")
        if os.environ.get(REQUIRE):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def real(real_path):
    return load_csv(real_path)


@pytest.fixture(scope="session")
def zoo(real):
    """The bug zoo on the real data: every catalogue entry through every check, run once per
    session (its matrix is what tests/test_zoo.py reads; nothing else runs the zoo)."""
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


CATALOGUES = ("properties.catalogue", "properties.head_catalogue")  # deliberately buggy code, run in-process by tests


def pytest_configure(config):
    """The RuntimeWarnings the bug catalogues' own code raises (an unshifted exp that overflows, a
    log of 0: the bugs themselves) are silenced, and only those: a warning from the harness, or
    from anything else, still ends the run's summary."""
    for module in CATALOGUES:
        config.addinivalue_line("filterwarnings", f"ignore::RuntimeWarning:{module.replace('.', '[.]')}")


from fold_skips import pytest_runtest_makereport, pytest_terminal_summary  # noqa: E402,F401  (one line per skip reason)
from properties import profiles  # noqa: E402  (dev / ci / fuzz, chosen with --hypothesis-profile)

profiles.register()
