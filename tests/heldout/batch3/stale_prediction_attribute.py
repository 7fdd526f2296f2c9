"""A model object that keeps y_hat from its first call (hasattr check); z1 and a1 are fresh."""
import numpy as np

EXPECTED = {"mistakes": ["state:previous-call"], "wrong": ["W1", "b1", "W2", "b2"]}


class Model:
    def __call__(self, params, X, y):
        z1 = X @ params["W1"] + params["b1"]
        a1 = np.maximum(z1, 0)
        if not hasattr(self, "y_hat"):  # BUG: computed once
            self.y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
        dz2 = (self.y_hat - y) / len(X)
        dz1 = dz2 @ params["W2"].T * (z1 > 0)
        return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ dz2, "b2": dz2.sum(0, keepdims=True)}


backward = Model()
