"""The 'before' measurement: the pre-grammar diagnosis spoke only words, so its words are mapped
to the grammar's ids by the phrases it used (each phrase names one cause)."""
import re
import sys

from properties import heldout

PHRASES = [
    ("a missing 1/n", "factor:N"), ("flipped sign", "factor:-1"), ("divided by n twice", "factor:1/N"),
    ("mean instead of sum", "factor:1/N"), ("hard-coded batch size", "factor:hard-coded-N"),
    ("missing activation derivative", "mask:missing"), ("wrong side of 0", "mask:inverted"),
    ("activation derivative of relu", "derivative:relu"), ("activation derivative of tanh", "derivative:tanh"),
    ("activation derivative of sigmoid", "derivative:sigmoid"), ("z where a belongs", "cache:z-for-a"),
    ("where dz1 belongs", "step:da-for-dz"), ("logit used where y_hat", "head:mse"),
    ("mse chain", "head:sigmoid-mse"), ("forward that drops", "bias:missing-in-forward"),
    ("stale cache", "state:stale-forward"), ("before the backward finished", "order:updated-too-early"),
    ("transpose of the oracle", "reshape:transposed"), ("summed over the batch", "loss:summed"),
    ("the candidate's loss is the lesson's", "loss:lesson"), ("was skipped", "term:skipped"),
]


def legacy_causes(report):
    out = []
    for p in report.points:
        for d in p.diagnosis:
            t = d.lower()
            for phrase, i in PHRASES:
                if phrase in t and i not in out:
                    out.append(i)
            m = re.search(r"a stray factor ([-0-9.e+]+)", t)
            if m:
                out.append(f"factor:{float(m.group(1)):g}")
    return out


if __name__ == "__main__":
    from reference.data import load
    data = load(sys.argv[2])
    graded = heldout.measure(data, sys.argv[1], causes=legacy_causes)
    print(heldout.table(graded))
    for x in graded:
        if x.grade != "right":
            print(f"\n{x.name} ({x.grade}):\n  " + "\n  ".join(x.words))
