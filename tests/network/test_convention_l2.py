"""Every convention with every L2 form: a backward passes with ``--l2 C --convention X`` when it
writes L2 as X's own course does, and fails on the weights, named as written, when it writes it as
another course does (tests/candidates/l2_forms.py).

The course each convention comes from, and so the form it writes L2 in, is stated here from the
courses (not read from the harness's table): the lesson and torch's optimizer add ``weight_decay * W``
(the loss's ``weight_decay / 2 * sum(W ** 2)``), CS231n adds ``2 * reg * W`` (``reg * sum(W ** 2)``),
deeplearning.ai adds ``lambd / m * W`` (``lambd / (2 m) * sum(W ** 2)``).
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from oracles.conventions import CONVENTIONS
from oracles.harness import make_spec, run
from oracles.isolation import InProcess
from reference.heads import L2_FORMS

FILE = Path(__file__).parent.parent / "candidates" / "l2_forms.py"
_spec = importlib.util.spec_from_file_location("l2_forms", FILE)
l2_forms = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(l2_forms)

OWN = {"lesson": "weight_decay", "torch": "weight_decay", "cs231n": "reg", "deeplearning-ai": "lambd"}
ORACLES = ("finite-differences", "torch")
WEIGHTS = {"lesson": {"W1", "W2"}, "cs231n": {"W1", "W2"}, "torch": {"W1", "W2"}, "deeplearning-ai": {"dW1", "dW2"}}
FAILED_ENTRY = re.compile(r"^\S+ vs candidate: (\w+)\[")


def _report(real, convention: str, form: str):
    spec = make_spec(real, (16,), l2=l2_forms.L2, convention=convention)
    fn = getattr(l2_forms, l2_forms.name(convention, form))
    return run(spec, real, InProcess(fn.__name__, fn), ORACLES, convention=convention)


def test_every_convention_and_every_form_is_covered():
    assert set(OWN) == set(CONVENTIONS) and set(OWN.values()) <= set(L2_FORMS)


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_a_backward_with_its_own_courses_l2_form_passes(real, convention):
    report = _report(real, convention, OWN[convention])
    assert report.passed, report.to_text(width=400)


@pytest.mark.parametrize("convention, form", [(c, f) for c in CONVENTIONS for f in L2_FORMS if f != OWN[c]])
def test_a_backward_with_another_courses_l2_form_fails_on_the_weights_named_as_written(real, convention, form):
    report = _report(real, convention, form)
    assert not report.passed
    for p in report.points:
        assert all(p.loss_agrees.values()) and p.violation is None
        assert {c.param for c in p.failures()} == {"W1", "W2"}  # every bias right: the L2 term is on the weights
        named = {m.group(1) for m in map(FAILED_ENTRY.match, p.failure_lines()) if m}
        assert named == WEIGHTS[convention], p.failure_lines()


@pytest.mark.parametrize("form, code", [("weight_decay", 0), ("reg", 1)])
def test_the_command_with_convention_torch_and_l2_holds_weight_decay_and_refuses_reg(capsys, form, code):
    from oracles.shells.cli import main

    target = f"{FILE}:{l2_forms.name('torch', form)}"
    status = main(["--data", "diabetes", "--candidate", target, "--convention", "torch", "--l2", str(l2_forms.L2), "--oracles",
                   ",".join(ORACLES), "--format", "json", "--quiet"])
    out = json.loads(capsys.readouterr().out)
    assert status == code
    failing = {row["name"] for p in out["points"] for row in p["parameters"]
               if not all(c["passed"] for c in row["checks"].values())}
    assert failing == (set() if code == 0 else {"W1", "W2"})
    assert out["spec"]["l2_form"] == "weight_decay" and out["spec"]["l2"] == l2_forms.L2
