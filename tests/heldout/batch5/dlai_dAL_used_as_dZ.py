"""deeplearning.ai's L-layer code on Pima with linear_activation_backward's sigmoid_backward skipped: dZ2 = dAL."""
import numpy as np

EXPECTED = {"mistakes": ["chain:missing-sigmoid-derivative"], "wrong": ["W1", "b1", "W2", "b2"],
            "convention": "deeplearning-ai"}


def linear_backward(dZ, A_prev, W):
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), 1. / m * np.dot(dZ, A_prev.T), 1. / m * np.sum(dZ, axis=1, keepdims=True)


def backward(parameters, X, Y):
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    AL = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dZ2 = dAL  # BUG: sigmoid_backward(dAL, Z2) = dAL * AL * (1 - AL)
    dA1, dW2, db2 = linear_backward(dZ2, A1, W2)
    dZ1 = np.array(dA1, copy=True)
    dZ1[Z1 <= 0] = 0
    _, dW1, db1 = linear_backward(dZ1, X, W1)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
