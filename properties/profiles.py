"""Hypothesis settings profiles: ``dev`` (default, quick), ``ci`` (derandomized, no deadline), ``fuzz`` (10,000).

Select one with pytest's ``--hypothesis-profile``; under ``CI=true`` the default is ``ci``.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument

# A drawn problem runs three oracles and several backward calls: slow by hypothesis's standards.
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]

PROFILES = {
    "dev": dict(max_examples=25, deadline=None, suppress_health_check=_SLOW),
    "ci": dict(max_examples=100, deadline=None, derandomize=True, database=None, print_blob=True,
               suppress_health_check=_SLOW),
    "fuzz": dict(max_examples=10_000, deadline=None, suppress_health_check=_SLOW),
}


def _registered(name: str) -> bool:
    try:
        settings.get_profile(name)
    except InvalidArgument:
        return False
    return True


def register(load: bool = True, replace: bool = True) -> None:
    """Register ``dev``, ``ci`` and ``fuzz``; with ``load`` also load ``ci`` under CI, else ``dev``.

    The pytest plugin calls ``register(load=False, replace=False)``: it only adds the names that
    are missing, so the profile selected with ``--hypothesis-profile`` (loaded by hypothesis's own
    plugin after ours registers) or registered under the same name in a conftest is what runs.
    """
    for name, kwargs in PROFILES.items():
        if replace or not _registered(name):
            settings.register_profile(name, **kwargs)
    if load:
        settings.load_profile("ci" if os.environ.get("CI") else "dev")
