"""Backward passes written as the courses write them, each checked as written with one command.

- ``cs231n_two_layer_net``: CS231n's ``TwoLayerNet.loss`` (``classifiers/neural_net.py``): X (N, D),
  W (in, out), b (out,), y (N,) int labels, a softmax head and ``reg * sum(W ** 2)``; returns
  ``(loss, grads)`` with ``W1, b1, W2, b2`` keys.
  ``compare-frameworks --candidate tests/candidates/courses.py:cs231n_two_layer_net --convention cs231n
  --loss softmax --l2 0.05 --data iris.csv --target species``
- ``dlai_backward`` / ``dlai_backward_with_regularization``: deeplearning.ai's ``L_model_forward``,
  ``compute_cost``, ``L_model_backward`` (and the L2 versions with ``lambd``): X (D, N), W (out, in),
  b (out, 1), Y (1, N); ``dW1, db1`` keys.
  ``compare-frameworks --candidate ...:dlai_backward --convention deeplearning-ai``
- ``torch_layout_backward``: an ``nn.Linear`` layout written by hand: W (out, in), b (out,), y (N,).
- ``per_example_backward``: Nielsen's style, one example at a time, the gradients summed over the
  batch (``--reduction sum``).

The ``*_bug_*`` functions are their classic mistakes, each marked ``BUG``.
"""
import numpy as np


# ------------------------------------------------------------------ CS231n (softmax + reg)

def _cs231n_loss(params, X, y, reg, bug=None):
    W1, b1 = params["W1"], params["b1"]
    W2, b2 = params["W2"], params["b2"]
    N = X.shape[0]
    h1 = np.maximum(0, X.dot(W1) + b1)  # (N, H)
    scores = h1.dot(W2) + b2  # (N, C)
    if bug == "no-max-shift":
        exp_scores = np.exp(scores)  # BUG: no max shift, overflows on saturated scores
    else:
        exp_scores = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    if bug == "wrong-axis":
        probs = exp_scores / np.sum(exp_scores, axis=0, keepdims=True)  # BUG: normalized over the batch
    else:
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)  # (N, C)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = probs.copy()
    if bug == "index-as-one-hot":
        dscores = probs - y.reshape(-1, 1)  # BUG: y holds class indices, not a one-hot matrix
    elif bug != "no-minus-one":
        dscores[np.arange(N), y] -= 1  # (the BUG variant forgets this)
    dscores /= N
    grads = {}
    grads["W2"] = h1.T.dot(dscores)
    grads["b2"] = np.sum(dscores, axis=0)
    dh1 = dscores.dot(W2.T)
    dh1[h1 <= 0] = 0
    grads["W1"] = X.T.dot(dh1)
    grads["b1"] = np.sum(dh1, axis=0)
    if bug == "l2-no-2":
        grads["W2"] += reg * W2  # BUG: the derivative of reg * W^2 is 2 reg W
        grads["W1"] += reg * W1
    elif bug == "l2-on-biases":
        grads["W2"] += 2 * reg * W2
        grads["W1"] += 2 * reg * W1
        grads["b2"] += 2 * reg * b2  # BUG: biases are not regularized
        grads["b1"] += 2 * reg * b1
    else:
        grads["W2"] += 2 * reg * W2
        grads["W1"] += 2 * reg * W1
    return loss, grads


def cs231n_two_layer_net(params, X, y):
    return _cs231n_loss(params, X, y, reg=0.05)


def cs231n_bug_no_minus_one(params, X, y):
    return _cs231n_loss(params, X, y, reg=0.05, bug="no-minus-one")


def cs231n_bug_wrong_axis(params, X, y):
    return _cs231n_loss(params, X, y, reg=0.05, bug="wrong-axis")


def cs231n_bug_no_max_shift(params, X, y):
    return _cs231n_loss(params, X, y, reg=0.05, bug="no-max-shift")


def cs231n_bug_index_as_one_hot(params, X, y):
    return _cs231n_loss(params, X, y, reg=0.05, bug="index-as-one-hot")


def cs231n_bug_l2_no_2(params, X, y):
    return _cs231n_loss(params, X, y, reg=0.05, bug="l2-no-2")


def cs231n_bug_l2_on_biases(params, X, y):
    return _cs231n_loss(params, X, y, reg=0.05, bug="l2-on-biases")


# ------------------------------------------------------------------ deeplearning.ai (column-major)

def _sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        Z = np.dot(parameters["W" + str(l)], A_prev) + parameters["b" + str(l)]
        A = np.maximum(0, Z)
        caches.append(((A_prev, parameters["W" + str(l)], parameters["b" + str(l)]), Z))
    Z = np.dot(parameters["W" + str(L)], A) + parameters["b" + str(L)]
    AL = _sigmoid(Z)
    caches.append(((A, parameters["W" + str(L)], parameters["b" + str(L)]), Z))
    return AL, caches


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    return np.squeeze(cost)


def linear_backward(dZ, cache, bias_axis=1):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=bias_axis, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def L_model_backward(AL, Y, caches, bias_axis=1):
    grads = {}
    L = len(caches)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    linear_cache, Z = caches[L - 1]
    dZ = dAL * AL * (1 - AL)  # sigmoid_backward
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_backward(dZ, linear_cache, bias_axis)
    for l in reversed(range(L - 1)):
        linear_cache, Z = caches[l]
        dZ = np.array(grads["dA" + str(l + 1)], copy=True)
        dZ[Z <= 0] = 0  # relu_backward
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = linear_backward(dZ, linear_cache,
                                                                                                   bias_axis)
    return grads


def _dlai(parameters, X, Y, lambd=0.0, bug=None):
    AL, caches = L_model_forward(X, parameters)
    m = Y.shape[1]
    L = len(parameters) // 2
    cost = compute_cost(AL, Y)
    if lambd:
        if bug != "l2-gradient-only":
            cost = cost + lambd / (2 * m) * sum(np.sum(np.square(parameters["W" + str(l)])) for l in range(1, L + 1))
    grads = L_model_backward(AL, Y, caches, bias_axis=0 if bug == "bias-wrong-axis" else 1)  # BUG: axis=0
    if lambd:
        for l in range(1, L + 1):
            grads["dW" + str(l)] = grads["dW" + str(l)] + lambd / m * parameters["W" + str(l)]
    return float(cost), {k: v for k, v in grads.items() if not k.startswith("dA")}


def dlai_backward(parameters, X, Y):
    return _dlai(parameters, X, Y)


def dlai_backward_with_regularization(parameters, X, Y):
    return _dlai(parameters, X, Y, lambd=0.7)


def dlai_bug_l2_gradient_only(parameters, X, Y):
    return _dlai(parameters, X, Y, lambd=0.7, bug="l2-gradient-only")


def dlai_bug_bias_wrong_axis(parameters, X, Y):
    return _dlai(parameters, X, Y, bug="bias-wrong-axis")


# ------------------------------------------------------------------ torch layout (nn.Linear), by hand

def torch_layout_backward(params, X, y):
    """``params["W1"]`` is ``fc1.weight`` (out, in), ``params["b1"]`` is ``fc1.bias`` (out,); y (N,)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    z1 = X @ W1.T + b1  # (N, H)
    a1 = np.maximum(z1, 0)  # (N, H)
    z2 = a1 @ W2.T + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2[:, 0]))  # (N,)
    dz2 = ((y_hat - y) / N)[:, None]  # (N, 1)
    dW2 = dz2.T @ a1  # (1, H): (out, in)
    db2 = dz2.sum(axis=0)  # (1,)
    dz1 = (dz2 @ W2) * (z1 > 0)  # (N, H)
    dW1 = dz1.T @ X  # (H, D)
    db1 = dz1.sum(axis=0)  # (H,)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# ------------------------------------------------------------------ per example, summed (Nielsen)

def per_example_backward(params, X, y):
    """One example at a time, the gradient of each example's loss added up: ``--reduction sum``."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    nabla = {k: np.zeros_like(v) for k, v in params.items()}
    for x, t in zip(X, y):
        z1 = x @ W1 + b1[0]  # (H,)
        a1 = np.maximum(z1, 0)
        z2 = a1 @ W2 + b2[0]  # (1,)
        delta2 = 1 / (1 + np.exp(-z2)) - t  # (1,): this example's dL/dz2
        nabla["W2"] += np.outer(a1, delta2)
        nabla["b2"] += delta2
        delta1 = (W2 @ delta2) * (z1 > 0)  # (H,)
        nabla["W1"] += np.outer(x, delta1)
        nabla["b1"] += delta1
    return nabla


# ------------------------------------------------------------------ deeplearning.ai with a softmax output

def dlai_softmax_backward(parameters, X, Y):
    """Column-major softmax: Y one-hot (C, m), ``dZ2 = (A2 - Y) / m``."""
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    m = X.shape[1]
    Z1 = np.dot(W1, X) + b1  # (H, m)
    A1 = np.maximum(0, Z1)
    Z2 = np.dot(W2, A1) + b2  # (C, m)
    T = np.exp(Z2 - np.max(Z2, axis=0, keepdims=True))
    A2 = T / np.sum(T, axis=0, keepdims=True)  # (C, m)
    dZ2 = (A2 - Y) / m
    dW2 = np.dot(dZ2, A1.T)
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (Z1 > 0)
    dW1 = np.dot(dZ1, X.T)
    db1 = np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


# ------------------------------------------------------------------ mean squared error

def _mse(params, X, y, half=False):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N, C = X.shape[0], W2.shape[1]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(z1, 0)
    y_hat = a1 @ W2 + b2  # (N, C): identity output
    loss = np.mean((y_hat - y) ** 2)
    if half:
        dz2 = (y_hat - y) / (N * C)  # BUG: the gradient of 1/2 (y_hat - y)^2, not of the MSE
    else:
        dz2 = 2 * (y_hat - y) / (N * C)  # (N, C)
    dW2 = a1.T @ dz2
    db2 = dz2.sum(axis=0, keepdims=True)
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    dW1 = X.T @ dz1
    db1 = dz1.sum(axis=0, keepdims=True)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mse_backward(params, X, y):
    return _mse(params, X, y)


def mse_bug_half(params, X, y):
    return _mse(params, X, y, half=True)
