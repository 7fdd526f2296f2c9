"""Correct: nn.Linear layout by hand (weight (out, in), bias (out,)), MSELoss on diabetes progression."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "diabetes_progression", "convention": "torch"}


def backward(params, x, target):
    fc1_weight, fc1_bias = params["W1"], params["b1"]
    fc2_weight, fc2_bias = params["W2"], params["b2"]
    target = target.reshape(-1, 1)
    pre = x @ fc1_weight.T + fc1_bias
    h = pre.clip(min=0)
    out = h @ fc2_weight.T + fc2_bias
    loss = ((out - target) ** 2).mean()
    grad_out = 2.0 * (out - target) / out.size
    grad_fc2_weight = grad_out.T @ h
    grad_fc2_bias = grad_out.sum(0)
    grad_h = grad_out @ fc2_weight
    grad_pre = grad_h * (pre > 0)
    return loss, {"W1": grad_pre.T @ x, "b1": grad_pre.sum(0), "W2": grad_fc2_weight, "b2": grad_fc2_bias}
