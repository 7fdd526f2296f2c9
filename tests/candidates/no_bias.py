"""A bias-free two-layer network, as public warm-up notebooks write it: params W1 and W2 only.

``backward`` is correct; the others carry one realistic bug each.
"""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def backward(params, X, y):
    W1, W2 = params["W1"], params["W2"]
    N = X.shape[0]
    z1 = X @ W1                   # (N, H)
    a1 = np.maximum(0, z1)        # (N, H)
    z2 = a1 @ W2                  # (N, 1)
    y_hat = sigmoid(z2)           # (N, 1)

    dz2 = (y_hat - y) / N         # (N, 1)
    dW2 = a1.T @ dz2              # (H, 1)
    da1 = dz2 @ W2.T              # (N, H)
    dz1 = da1 * (z1 > 0)          # (N, H)
    dW1 = X.T @ dz1               # (D, H)
    return {"W1": dW1, "W2": dW2}


def backward_no_mask(params, X, y):
    """dW1 from da1: the ReLU's mask left out."""
    W1, W2 = params["W1"], params["W2"]
    N = X.shape[0]
    z1 = X @ W1
    a1 = np.maximum(0, z1)
    y_hat = sigmoid(a1 @ W2)
    dz2 = (y_hat - y) / N
    dW2 = a1.T @ dz2
    da1 = dz2 @ W2.T
    dW1 = X.T @ da1               # should be X.T @ (da1 * (z1 > 0))
    return {"W1": dW1, "W2": dW2}


def backward_with_bias_grads(params, X, y):
    """The correct W gradients, plus gradients for biases the network does not have."""
    grads = backward(params, X, y)
    N = X.shape[0]
    z1 = X @ params["W1"]
    a1 = np.maximum(0, z1)
    dz2 = (sigmoid(a1 @ params["W2"]) - y) / N
    dz1 = (dz2 @ params["W2"].T) * (z1 > 0)
    return dict(grads, b1=dz1.sum(axis=0, keepdims=True), b2=dz2.sum(axis=0, keepdims=True))


def backward_torch(params, X, y):
    """The same network in torch's layout, ``nn.Linear(D, H, bias=False)``: W (out, in), y (N,)."""
    W1, W2 = params["W1"], params["W2"]  # (H, D), (1, H)
    N = X.shape[0]
    z1 = X @ W1.T                 # (N, H)
    a1 = np.maximum(0, z1)        # (N, H)
    z2 = a1 @ W2.T                # (N, 1)
    y_hat = sigmoid(z2[:, 0])     # (N,)
    dz2 = ((y_hat - y) / N)[:, None]  # (N, 1)
    dW2 = dz2.T @ a1              # (1, H)
    da1 = dz2 @ W2                # (N, H)
    dz1 = da1 * (z1 > 0)          # (N, H)
    dW1 = dz1.T @ X               # (H, D)
    return {"W1": dW1, "W2": dW2}


def backward_dlai(parameters, X, Y):
    """The same network in deeplearning.ai's layout: X (D, m), W (out, in), Y (1, m), dW keys."""
    W1, W2 = parameters["W1"], parameters["W2"]
    m = X.shape[1]
    Z1 = W1 @ X                   # (H, m)
    A1 = np.maximum(0, Z1)        # (H, m)
    A2 = sigmoid(W2 @ A1)         # (1, m)
    dZ2 = A2 - Y                  # (1, m)
    dW2 = dZ2 @ A1.T / m          # (1, H)
    dA1 = W2.T @ dZ2              # (H, m)
    dZ1 = dA1 * (Z1 > 0)          # (H, m)
    dW1 = dZ1 @ X.T / m           # (H, D)
    return {"dW1": dW1, "dW2": dW2}
