"""tanh 16,16,16 written with lists of caches: the third hidden layer's derivative evaluated on z3 (1 - z3**2), the other two right."""
import numpy as np

EXPECTED = {"mistakes": ["derivative:tanh-from-z"], "wrong": ["W1", "b1", "W2", "b2", "W3", "b3"],
            "activation": "tanh", "hidden": [16, 16, 16]}


def backward(params, X, y):
    Ws = [params[f"W{i}"] for i in range(1, 5)]
    bs = [params[f"b{i}"] for i in range(1, 5)]
    pre, post = [], [X]
    for W, b in zip(Ws[:-1], bs[:-1]):
        pre.append(post[-1] @ W + b)
        post.append(np.tanh(pre[-1]))
    out = post[-1] @ Ws[-1] + bs[-1]
    p = 1.0 / (1.0 + np.exp(-out))
    delta = (p - y) / len(X)
    grads = {}
    for i in range(3, -1, -1):
        grads[f"W{i + 1}"] = post[i].T @ delta
        grads[f"b{i + 1}"] = delta.sum(0, keepdims=True)
        if i > 0:
            back = delta @ Ws[i].T
            if i == 3:
                delta = back * (1 - pre[i - 1] ** 2)  # BUG: tanh' from z3; 1 - post[3] ** 2 belongs
            else:
                delta = back * (1 - post[i] ** 2)
    return grads
