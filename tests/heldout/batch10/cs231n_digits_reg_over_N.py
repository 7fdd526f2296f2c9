"""CS231n on digits with reg: the data term is right, but the regularization gradient is written 2 * reg * W / N (the loss's reg term has no 1/N)."""
import numpy as np

EXPECTED = {"mistakes": ["l2_divided_by_N"], "wrong": ["W1", "W2"], "data": "digits", "convention": "cs231n",
            "l2": 0.05}

reg = 0.05


def backward(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    num_train = X.shape[0]
    hidden_layer = np.maximum(0, np.dot(X, W1) + b1)
    scores = np.dot(hidden_layer, W2) + b2
    exp_scores = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    correct_logprobs = -np.log(probs[range(num_train), y])
    loss = np.sum(correct_logprobs) / num_train + reg * np.sum(W1 * W1) + reg * np.sum(W2 * W2)
    dscores = probs
    dscores[range(num_train), y] -= 1
    dscores /= num_train
    dW2 = np.dot(hidden_layer.T, dscores)
    db2 = np.sum(dscores, axis=0)
    dhidden = np.dot(dscores, W2.T)
    dhidden[hidden_layer <= 0] = 0
    dW1 = np.dot(X.T, dhidden)
    db1 = np.sum(dhidden, axis=0)
    dW2 += 2 * reg * W2 / num_train  # BUG: 2 * reg * W2
    dW1 += 2 * reg * W1 / num_train  # BUG: 2 * reg * W1
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
