"""CS231n on digits through dL/dprobs, with only the Jacobian's diagonal: dscores = dprobs * probs * (1 - probs), the off-diagonal -p_i p_j dropped."""
import numpy as np

EXPECTED = {"mistakes": ["softmax_jacobian_diagonal_only"], "wrong": ["W1", "b1", "W2", "b2"], "data": "digits",
            "convention": "cs231n"}


def backward(params, X, y):
    N = X.shape[0]
    hidden = np.maximum(0, X @ params["W1"] + params["b1"])
    scores = hidden @ params["W2"] + params["b2"]
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    dprobs = np.zeros_like(probs)
    dprobs[np.arange(N), y] = -1.0 / probs[np.arange(N), y] / N
    dscores = dprobs * probs * (1 - probs)  # BUG: the full Jacobian diag(p) - p p^T per row
    dhidden = dscores @ params["W2"].T
    dhidden *= hidden > 0
    return {"W1": X.T @ dhidden, "b1": dhidden.sum(axis=0), "W2": hidden.T @ dscores, "b2": dscores.sum(axis=0)}
