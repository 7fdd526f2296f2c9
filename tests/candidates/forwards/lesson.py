"""The lesson's network written as a plain forward: ReLU hidden layer of 16, a sigmoid output, the
mean binary cross-entropy (from the logit, exactly), on the lesson's Pima data (8 features: the
inputs are ``{"X": X, "y": y}`` of ``--data``). ``init`` is the lesson's: ``RandomState(seed)``,
weights ``randn * 0.1``, biases 0.

``init_float32`` is the same network in float32 on 768 random rows of 8 features (float32, labels
0/1), drawn from the seed: a float32 point of the lesson's size for ``--fuzz``.

``backward`` is the lesson's five steps; ``backward_missing_mean`` the classic bug of the lesson's
bug zoo: dz2 = y_hat - y without the 1/N.
"""
import numpy as np

D, H = 8, 16


def init(seed):
    rng = np.random.RandomState(seed)
    W1 = rng.randn(D, H) * 0.1
    W2 = rng.randn(H, 1) * 0.1
    return {"W1": W1, "b1": np.zeros((1, H)), "W2": W2, "b2": np.zeros((1, 1))}


def init_float32(seed):
    rng = np.random.RandomState(seed)
    params = {k: v.astype(np.float32) for k, v in init(seed).items()}
    X = rng.randn(768, D).astype(np.float32)
    y = (rng.rand(768, 1) < 0.5).astype(np.float32)
    return params, {"X": X, "y": y}


def loss(params, inputs):
    X, y = inputs["X"], inputs["y"]
    z1 = X @ params["W1"] + params["b1"]  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    z2 = a1 @ params["W2"] + params["b2"]  # (N, 1)
    return np.mean(np.logaddexp(0, z2) - y * z2)


def _backward(params, inputs, divide):
    X, y = inputs["X"], inputs["y"]
    N = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    y_hat = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))  # (N, 1)
    dz2 = (y_hat - y) / (N if divide else 1)  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    da1 = dz2 @ params["W2"].T  # (N, H)
    dz1 = da1 * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def backward(params, inputs):
    return _backward(params, inputs, True)


def backward_missing_mean(params, inputs):
    return _backward(params, inputs, False)
