"""Correct: torch layout, CrossEntropyLoss(reduction="sum") on digits, written by hand."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "digits", "convention": "torch", "reduction": "sum"}


def backward(params, input, target):
    hidden_pre = input @ params["W1"].T + params["b1"]
    hidden = hidden_pre * (hidden_pre > 0)
    logits = hidden @ params["W2"].T + params["b2"]
    logits = logits - logits.max(axis=1, keepdims=True)
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    loss = -log_softmax[np.arange(len(target)), target].sum()
    grad_logits = np.exp(log_softmax)
    grad_logits[np.arange(len(target)), target] -= 1.0
    grad_hidden = grad_logits @ params["W2"] * (hidden_pre > 0)
    return loss, {"W1": grad_hidden.T @ input, "b1": grad_hidden.sum(0),
                  "W2": grad_logits.T @ hidden, "b2": grad_logits.sum(0)}
