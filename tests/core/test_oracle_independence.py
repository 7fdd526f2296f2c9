"""The oracles' independence shown by numbers, not only by their imports: a wrong reference
backward is contradicted by every oracle, and no framework oracle's answer moves when the
reference's forward is sabotaged."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import reference.model
from oracles import registry
from oracles.harness import make_spec, run
from reference.data import synthetic
from reference.model import Spec, random_params

EVERY = tuple(registry.BY_NAME)


def _sabotage(monkeypatch, name, wrong):
    """Put ``wrong`` wherever ``reference.model.<name>`` is bound in a loaded module."""
    original = getattr(reference.model, name)
    for module in list(sys.modules.values()):
        for attribute, value in list(vars(module).items()) if module else ():
            if value is original:
                monkeypatch.setattr(module, attribute, wrong)


def test_a_wrong_reference_backward_is_contradicted_by_every_oracle(monkeypatch):
    right = reference.model.backward

    def wrong(params, X, y, *args, **kwargs):
        grads = right(params, X, y, *args, **kwargs)
        grads["W1"] = grads["W1"] * 1.01  # one percent off: every oracle must see it
        return grads

    _sabotage(monkeypatch, "backward", wrong)
    data = synthetic(rows=40, features=4, seed=2)
    spec = make_spec(data, hidden=(6,))
    report = run(spec, data, lambda params, X, y: wrong(params, X, y, spec.activation, head=spec.head), EVERY)
    assert not report.passed
    for point in report.points:
        failed = {c.oracle for c in point.checks["W1"].values() if not c.passed}
        assert failed == set(EVERY)


@pytest.mark.parametrize("name", registry.FRAMEWORKS)
def test_no_framework_oracle_moves_when_the_reference_forward_is_sabotaged(monkeypatch, name):
    spec = Spec((3, 5, 1), "tanh", "float64")
    params = random_params(spec, seed=4, scale=1.0)
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((8, 3)), (rng.random((8, 1)) < 0.5).astype(float)
    oracle = registry.get(name).load()
    before = oracle(spec, params, X, y)
    right = reference.model.forward

    def wrong(params, X, *args, **kwargs):
        y_hat, cache = right(params, X, *args, **kwargs)
        return y_hat * 0.5, {k: v * 0.5 for k, v in cache.items()}

    _sabotage(monkeypatch, "forward", wrong)
    _sabotage(monkeypatch, "loss", lambda *a, **k: 123.0)
    after = oracle(spec, params, X, y)
    assert after[0] == before[0]
    for k in params:
        np.testing.assert_array_equal(after[1][k], before[1][k])
