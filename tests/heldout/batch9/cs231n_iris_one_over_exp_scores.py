"""CS231n on iris through the quotient rule, dividing by exp_scores[range(N), y]: 1/0 once a true class's exp underflows."""
import numpy as np

EXPECTED = {"mistakes": ["nan_division_by_zero"], "wrong": ["W1", "b1", "W2", "b2"], "data": "iris",
            "convention": "cs231n", "scale": 20.0}


def backward(params, X, y):
    N = X.shape[0]
    hidden = np.maximum(0, X.dot(params["W1"]) + params["b1"])
    scores = hidden.dot(params["W2"]) + params["b2"]
    exp_scores = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    sum_exp = np.sum(exp_scores, axis=1, keepdims=True)
    # L = -log(exp_scores[y] / sum_exp): dL/dexp_scores = -1/exp_scores[y] at y, + 1/sum_exp everywhere
    dexp = np.zeros_like(exp_scores)
    dexp[range(N), y] = -1 / exp_scores[range(N), y]  # BUG: 1/0 where exp_scores[y] underflows
    dexp += 1 / sum_exp
    dscores = dexp * exp_scores / N
    dhidden = dscores.dot(params["W2"].T)
    dhidden[hidden <= 0] = 0
    return {"W1": X.T.dot(dhidden), "b1": np.sum(dhidden, axis=0), "W2": hidden.T.dot(dscores), "b2": np.sum(dscores, axis=0)}
