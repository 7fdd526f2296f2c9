"""Correct: a class with a forward cache that is refreshed on every call."""
import numpy as np

EXPECTED = {"mistakes": [], "wrong": []}


class Net:
    def __call__(self, params, X, y):
        self.cache = {}
        self.cache["z1"] = X @ params["W1"] + params["b1"]
        self.cache["a1"] = np.maximum(self.cache["z1"], 0)
        z2 = self.cache["a1"] @ params["W2"] + params["b2"]
        y_hat = np.exp(-np.logaddexp(0, -z2))
        dz2 = (y_hat - y) / X.shape[0]
        dz1 = (dz2 @ params["W2"].T) * (self.cache["z1"] > 0)
        return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True),
                "W2": self.cache["a1"].T @ dz2, "b2": dz2.sum(0, keepdims=True)}


backward = Net()
