"""A model object that computes its ReLU mask on the first call only and reuses it on every later call."""
import numpy as np

EXPECTED = {"mistakes": ["state:previous-call"], "wrong": ["W1", "b1"]}


class Net:
    def __init__(self):
        self.mask = None

    def __call__(self, params, X, y):
        z1 = X @ params["W1"] + params["b1"]
        if self.mask is None:
            self.mask = (z1 > 0).astype(float)  # BUG: never recomputed for new weights
        a1 = np.maximum(z1, 0)
        y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
        dz2 = (y_hat - y) / X.shape[0]
        dz1 = dz2 @ params["W2"].T * self.mask
        return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0, keepdims=True),
                "W2": a1.T @ dz2, "b2": dz2.sum(axis=0, keepdims=True)}


backward = Net()
