"""Correct: CS231n on wine through the softmax's full Jacobian, diag(p) - p p^T per row (einsum), from dL/dprobs."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": [], "data": "wine", "convention": "cs231n"}


def backward(params, X, y):
    N = X.shape[0]
    hidden = np.maximum(0, X @ params["W1"] + params["b1"])
    scores = hidden @ params["W2"] + params["b2"]
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)  # (N, C)
    dprobs = np.zeros_like(probs)
    dprobs[np.arange(N), y] = -1 / (N * probs[np.arange(N), y])  # dL/dprobs
    jacobian = np.einsum("ij,jk->ijk", probs, np.eye(probs.shape[1])) - np.einsum("ij,ik->ijk", probs, probs)  # (N, C, C)
    dscores = np.einsum("ij,ijk->ik", dprobs, jacobian)  # (N, C)
    dhidden = dscores @ params["W2"].T * (hidden > 0)
    return {"W1": X.T @ dhidden, "b1": dhidden.sum(axis=0), "W2": hidden.T @ dscores, "b2": dscores.sum(axis=0)}
