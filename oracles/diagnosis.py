"""Name the likely bug by testing hypotheses from the grammar of mistakes (``oracles/mistakes.py``).

Advisory, not an oracle: for a candidate whose gradients disagree with the oracles', every
mistake in the grammar builds the gradients it would give from the reference's pieces (the
forward's cache, the exact backward's steps), alone or times a scalar factor on any parameter
(N, 1/N, N - 1, D, a width, 2, ...). An explanation is kept only when it reproduces the
candidate's numbers on every parameter within the policy's ``hypothesis`` tolerance, and across
the points of a run (:func:`reconcile`) only when it held at every point where the candidate
was wrong. Among the survivors the simplest (fewest mistakes) are reported; when none survives,
the diagnosis says where the error enters, with that step's formula, and names no cause.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import numpy as np

from oracles import policy
from oracles.mistakes import (MISTAKES, NOTES, Finding, Pieces, _is, l2_words, name_factor, name_product, ratio_words,
                              step)
from oracles.per_layer import per_layer_hypotheses
from oracles.precision import precision_finding, residuals, same_noise


@dataclass
class Diagnosis:
    """What one point's diagnosis found, and the evidence :func:`reconcile` needs.

    ``held``: every explanation (a frozenset of ids) that reproduced the candidate here;
    ``untestable``: ids that could not be tested here (state from a previous call, at the first
    point); ``fallback``: where the error enters, said when no cause survives.
    """

    findings: list
    held: set = field(default_factory=set)
    untestable: set = field(default_factory=set)
    fallback: Finding | None = None
    residual: dict | None = None  # the candidate's error here, for noise told across points (oracles/precision.py)


def _names(keys) -> str:
    return ", ".join(f"d{k}" for k in keys)


def _factor_site(keys: list, all_keys: list, L: int, silent: list = (), loss: str = "bce") -> str:
    """The step a factor shared by ``keys`` most simply sits in (``silent`` parameters, whose
    gradient is zero here, fit any factor)."""
    keys = sorted(set(keys) | (set(silent) if len(keys) > 0 else set()))
    if sorted(keys) == sorted(all_keys):
        return step(f"z{L}", L, loss=loss)
    for l in range(L - 1, 0, -1):  # every gradient at or below layer l: dz_l
        if sorted(keys) == sorted(k for k in all_keys if int(k[1:]) <= l):
            return f"dz{l}"
    return " and ".join(step(k, L) for k in keys)


def _factor_words(p: Pieces, choice: dict, ratios: dict, keys: list, silent: list = (), of: str = "") -> tuple:
    """(ids, words) for the factors ``choice`` = {param: (ids, words)} puts on some parameters
    (``of``: what part of each gradient they scale, "" for the whole)."""
    groups = {}
    for k, (ids, words) in choice.items():
        groups.setdefault((ids, words, ratios[k] if not ids else None), []).append(k)  # one named factor, one group
    all_ids, parts = [], []
    for (ids, words, r), ks in groups.items():
        all_ids += [i for i in ids if i not in all_ids]
        r = ratios[ks[0]]
        who = (f"{of}every gradient is" if sorted(ks) == sorted(keys)
               else f"{of}{_names(ks)} {'is' if len(ks) == 1 else 'are'}")
        if ids == ("step:skipped",):
            parts.append(f"{_names(ks)} {'is' if len(ks) == 1 else 'are'} all zeros: never computed (a zeros buffer "
                         f"returned unfilled?) where {' and '.join(step(k, p.L) for k in ks)} belongs")
        elif ids == ("transpose",):
            parts.append(f"{_names(ks)} {'holds' if len(ks) == 1 else 'hold'} the right numbers transposed (computed as the (out, in) product, "
                         f"then reshaped): operands swapped in {' and '.join(step(k, p.L) for k in ks)}")
        else:
            parts.append(f"{who} {ratio_words(r)} the right value: {words}, in "
                         f"{_factor_site(ks, keys, p.L, silent, p.head.loss)}")
    return tuple(all_ids), parts


def _explain(p: Pieces, g: dict, base_ids: tuple, base_words: str, h: dict, keys: list, of: str = ""):
    """Every (ids, text) that explains ``g`` as ``h`` with a named factor (or a transpose) on some parameters."""
    options, ratios = {}, {}
    for k in keys:
        if p.close(g[k], h[k], k):
            continue
        r = p.ratio(g[k], h[k], single=True, key=k)  # a named factor only: never "some number" on one entry
        alternatives = (name_factor(r, p.N, p.D, p.widths) or name_product(r, p.N)) if r is not None else []
        # the right numbers in the wrong order: a transpose laid out in the shape (a row or a column
        # never reads so: laid out again, its transpose is itself, and g is not h here)
        if not alternatives and not base_ids and np.ndim(h[k]) == 2 and p.close(g[k], h[k].T.reshape(h[k].shape), k):
            alternatives, r = [(("transpose",), "")], 1.0
        if not alternatives and not base_ids and np.shape(g[k]) == np.shape(h[k]) and not np.any(g[k]):
            alternatives, r = [(("step:skipped",), "")], 0.0
        if not alternatives:
            return []
        options[k], ratios[k] = alternatives, r
    if not base_ids and not options:
        return []
    out = []
    for combo in itertools.product(*options.values()):
        silent = [k for k in keys if k not in options and not p.significant(h[k]).any()] if len(options) == 1 else []
        ids, parts = _factor_words(p, dict(zip(options, combo)), ratios, keys, silent, of)
        ids = base_ids + tuple(i for i in ids if i not in base_ids)
        out.append((ids, "; ".join(([base_words] if base_words else []) + parts)))
    return out


def _explain_both(p: Pieces, g: dict, base_ids: tuple, base_words: str, h: dict, keys: list):
    """:func:`_explain` on the whole gradients and, with an L2 term, on the loss's data term alone:
    a factor (a missing 1/N, a stray 2) in the data term's chain leaves the L2 gradient ``2 c W``
    as it was, so it is a factor on ``g - 2 c W``, not on ``g``."""
    out = _explain(p, g, base_ids, base_words, h, keys)
    if p.decay:
        said = {frozenset(ids) for ids, _ in out}
        right = l2_words(p, [k for k in keys if k in p.decay])
        out += [(ids, f"{text} (the L2 term's gradient, {right}, is right)")
                for ids, text in _explain(p, p.data_term(g), base_ids, base_words, p.data_term(h), keys,
                                          of="the data term (the loss without L2) of ")
                if set(ids) != set(base_ids) and frozenset(ids) not in said]
    return out


def diagnose(spec, params, X, y, grads: dict, oracle: dict, wrong: list, previous=None) -> Diagnosis:
    """The findings for a candidate whose ``wrong`` parameters disagree with ``oracle``.

    ``grads``: as the contract passed them (:func:`oracles.candidate.unpack`): every parameter's
    key, each of its parameter's shape (a mendable shape mended), all finite.
    ``previous``: the parameters of the point checked before with the same candidate (to test
    state kept between calls).
    """
    if not wrong:
        return Diagnosis([])
    with np.errstate(all="ignore"):  # any finite or non-finite gradient: an overflow explains nothing
        return _diagnose(spec, params, X, y, grads, oracle, wrong, previous)


def _diagnose(spec, params, X, y, grads: dict, oracle: dict, wrong: list, previous) -> Diagnosis:
    """:func:`diagnose`'s work, under its floating-point error state."""
    p = Pieces(spec, params, X, y, previous)
    keys = list(params)
    g = {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}
    explanations = list(_explain_both(p, g, (), "", p.true, keys))
    untestable = set()
    for m in (m for m in MISTAKES.values() if m.fits(spec.loss)):
        if m.needs_previous and previous is None:
            untestable.add(m.id)
        try:
            for words, h in m.build(p, g):
                explanations += _explain_both(p, g, (m.id,), words, h, keys)
        except ArithmeticError:  # a hypothesis whose own numbers overflow reproduces nothing
            continue
    for mid, words, h in per_layer_hypotheses(p, g):  # deep networks: one hidden layer's derivative wrong
        explanations += _explain_both(p, g, (mid,), words, h, keys)
    if any(tuple(ids) == ("mse:no-2",) for ids, _ in explanations):  # 0.5x on an mse head: the 1/2 convention, by name
        explanations = [(ids, text) for ids, text in explanations if tuple(ids) != ("factor:1/2",)]
    held = {frozenset(ids) for ids, _ in explanations}
    fallback = Finding((), _reduction_words(p, _where_it_enters(p, g, oracle, wrong, keys, spec.activation)),
                       tuple(wrong), "where")
    if not explanations:  # no formula: finite differences, float32 rounding (noise is told across points)
        found = precision_finding(p, g, wrong)
        if found is not None:
            return Diagnosis([found], {frozenset(found.ids)}, untestable, fallback)
        return Diagnosis([fallback], held, untestable, fallback, residuals(p, g))
    fewest = min(len(ids) for ids, _ in explanations)
    findings, seen = [], set()
    for ids, text in explanations:
        if len(ids) == fewest and frozenset(ids) not in seen:
            seen.add(frozenset(ids))
            kind = "note" if set(ids) <= set(NOTES) else "cause"
            if kind == "note":
                text = _lesson_gradient_note(p, g)
            findings.append(Finding(ids, _reduction_words(p, f"{text} (wrong: {_names(wrong)})" if kind == "cause" else text),
                                    tuple(wrong), kind))
    if len(findings) > 1:  # several simplest explanations reproduce the numbers: say so
        findings = [Finding(f.ids, f"either {f.text}" if i == 0 else f"or {f.text}", f.params, f.kind)
                    for i, f in enumerate(findings)]
    return Diagnosis(findings, held, untestable, fallback)


def _reduction_words(p: Pieces, text: str) -> str:
    """``text`` with the data term's ``/ N`` (after a bracket or ``probs``: ``(y_hat - y) / N``) dropped
    under a summed loss (``--reduction sum`` divides by nothing); a wrong L2 term's ``W1 / N`` is the
    candidate's and stays."""
    return re.sub(r"(?<=[)s]) / N\b", "", text) if p.head.reduction == "sum" else text


def _lesson_gradient_note(p: Pieces, g: dict) -> str:
    worst = max(float(np.max(np.abs(g[k] - p.true[k]) / policy.gradient_scale(p.true[k]))) for k in p.P)
    return (f"the gradients are the exact gradient of the lesson's loss -mean(y log(y_hat + 1e-8) + ...), the "
            f"+1e-8 carried into dL/dy_hat; they differ from the canonical (y_hat - y) / N chain by at most "
            f"{worst:.2g} of the gradient's scale here. That is right for the loss the lesson prints, and the two "
            f"part only where y_hat saturates toward 0 or 1, so it passes")


def reconcile(results: list) -> None:
    """Across the points one candidate was checked at: keep a named cause only where it also held
    at every other point where the candidate was wrong (and it could be tested), fall back to
    where the error enters when none is left, and print each diagnosis once."""
    diagnosed = [r for r in results if r.hypotheses is not None]
    first_said = {}
    for r in results:
        said = [f.text for f in r.findings]
        if r.hypotheses is not None:
            d = r.hypotheses
            kept = [f for f in d.findings
                    if not f.cause or all(frozenset(f.ids) in q.hypotheses.held for q in diagnosed
                                          if q is not r and not set(f.ids) & q.hypotheses.untestable)]
            if not any(f.kind in ("cause", "note") for f in kept) and d.fallback is not None:
                kept = [_noise_across(d, diagnosed) or d.fallback]
            r.findings = [f for f in r.findings if f not in d.findings] + kept
        r.diagnosis = [t for t in r.diagnosis if t not in said]
        for i, f in enumerate(r.findings):
            key = (f.ids, f.params, f.kind, f.text if f.kind == "where" else "")  # where: its evidence too
            if key in first_said and first_said[key] != r.name:
                f = r.findings[i] = Finding(f.ids, f"the same as at point {first_said[key]}", f.params, f.kind)
            first_said.setdefault(key, r.name)
            if f.kind != "note" and f.text not in r.diagnosis:
                r.diagnosis.append(f.text)


def _noise_across(d: Diagnosis, diagnosed: list) -> Finding | None:
    """Seeded noise: the same error at this point and another (:func:`oracles.precision.same_noise`)."""
    for q in diagnosed:
        other = q.hypotheses.residual
        if other is not None and d.residual is not None and other is not d.residual:
            found = same_noise(d.residual, other, list(d.fallback.params))
            if found is not None:
                return Finding(found[0], found[1], d.fallback.params)
    return None


def explain_loss(candidate: float, reference: float, N: int, lesson: float | None = None,
                 dtype: str = "float64", penalty: float = 0.0,
                 words: str = "mean(logaddexp(0, z) - y * z)") -> Finding:
    """A finding for a candidate's loss that disagrees with the canonical one: the lesson's loss
    passes with a note; a summed loss is named; a loss without the L2 term (``penalty``) is named;
    anything else says by how much it differs."""
    r = candidate / reference if reference else float("inf")
    if penalty and policy.tolerance("loss", dtype).close(candidate, reference - penalty):
        return Finding(("l2:missing-in-loss",), f"the candidate's loss lacks the L2 term ({penalty:.6g}): weight decay "
                                                f"in the gradient but not in the loss", (), "cause")
    if N > 1 and _is(r, N):
        return Finding(("loss:summed",), f"the candidate's loss is {N}x the canonical loss: summed over the batch, "
                                         f"not averaged", (), "cause")
    if lesson is not None and policy.tolerance("loss", dtype).close(candidate, lesson):
        return Finding(("convention:lesson-loss",),
                       f"the candidate returns the lesson's loss -mean(y log(y_hat + 1e-8) + ...), "
                       f"{abs(candidate - reference):.2g} {'below' if candidate < reference else 'above'} the canonical "
                       f"mean(logaddexp(0, z) - y * z) ({abs(r - 1):.2g} relative); the +1e-8 only keeps log away "
                       f"from 0, so it passes", (), "note")
    return Finding((), f"the candidate's loss is {ratio_words(r)} the canonical loss {words}", (), "where")


def _where_it_enters(p: Pieces, g: dict, oracle: dict, wrong: list, keys: list, activation: str) -> str:
    """Name the first backward step whose output disagrees (and a constant ratio, if any: evidence, no cause)."""
    L = p.L
    order = sorted(keys, key=lambda k: (-int(k[1:]), k[0] != "W"))  # WL, bL, ..., W1, b1
    first = next(k for k in order if k in wrong)
    l = int(first[1:])
    partner = f"{'b' if first[0] == 'W' else 'W'}{l}"
    if partner not in keys:  # no bias: dW_l alone cannot tell its own step from the dz_l it reads
        before = (step(f"z{L}", L, loss=p.head.loss) if l == L
                  else f"{step(f'a{l}', L)} or {step(f'z{l}', L, activation)}")
        text = f"d{first} is the first wrong gradient: the error enters at {step(first, L)} or before it, at {before}"
    elif partner not in wrong and len(wrong) > 1:
        text = _several_alone(p, [k for k in order if k in wrong])
    elif partner not in wrong:
        text = f"only d{first} is wrong at layer {l}: the error enters at {_step_with_l2(p, first)}"
    elif l == L:
        text = f"every gradient from layer {L} down is wrong: the error enters at {step(f'z{L}', L, loss=p.head.loss)}"
    else:
        agree = ", ".join(f"d{k}" for k in order if int(k[1:]) > l)
        text = f"{agree} agree; the error enters at {step(f'a{l}', L)} or {step(f'z{l}', L, activation)}"
    extra = []
    for k in wrong:
        r = p.ratio(np.asarray(g[k], dtype=np.float64), oracle[k], key=k)
        if r is not None:
            extra.append(f"d{k} is a constant {ratio_words(r)} the right value")
        elif not np.any(g[k]):
            extra.append(f"d{k} is all zeros")
    return text + (f" ({'; '.join(extra)}; no mistake in the grammar gives that)" if extra else "")


def _step_with_l2(p: Pieces, key: str) -> str:
    """The step that computes ``key``, with the L2 term's gradient where the loss has one."""
    return step(key, p.L) + (f" + {l2_words(p, [key]).split(' += ')[1]}" if key in p.decay else "")


def _several_alone(p: Pieces, wrong: list) -> str:
    """Where several gradients are wrong though the first one's partner (``dW2``'s ``db2``) is right:
    every one of them is named. Weights alone, with an L2 term: a term on the weights, said so."""
    names = _names(wrong)
    if all(k[0] == "W" for k in wrong) and p.decay:
        return (f"{names} are wrong and every bias gradient is right: the error is in a term on the weights alone, "
                f"not in the chain (which reaches the biases); the loss's L2 term gives {l2_words(p, wrong)}")
    first = wrong[0]
    partner = f"{'b' if first[0] == 'W' else 'W'}{first[1:]}"
    return f"{names} are wrong while d{partner} is right: the error enters at {_step_with_l2(p, first)}, and again below it"


__all__ = ["Diagnosis", "diagnose", "explain_loss", "reconcile", "step"]
