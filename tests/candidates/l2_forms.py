"""The lesson's network written in each course's layout, with L2 written in each course's form.

``{convention}_{form}(params, X, y)``, for every layout of ``oracles/conventions.py`` and every
form a course writes its L2 in, with the coefficient :data:`L2` (what the tests pass as ``--l2``):

    weight_decay   loss + wd / 2 * sum(W ** 2)        dW += wd * W        torch's optimizer weight_decay
    reg            loss + reg * sum(W ** 2)           dW += 2 * reg * W   CS231n's two-layer net
    lambd          loss + lambd / (2 m) * sum(W ** 2) dW += lambd / m * W deeplearning.ai, m examples

Each reads its arrays by their own shapes (no converter of the harness's), runs the lesson's
backward and returns its gradients in the layout it was given (``dW1`` keys in deeplearning.ai's,
``W1`` keys elsewhere). Only its own course's form is right for a convention; the others differ
on the weights alone. NumPy only, so the CLI can run it in its worker.
"""
import numpy as np

L2 = 0.7

# X (N, D) or (D, N); W (in, out) or (out, in); gradient keys
LAYOUTS = {"lesson": (True, True, ""), "cs231n": (True, True, ""), "deeplearning-ai": (False, False, "d"),
           "torch": (True, False, "")}


def _data_term(params, X, y, rows, w_in_out):
    """The lesson's backward of mean(logaddexp(0, z2) - y z2), in the lesson's layout."""
    X = np.asarray(X) if rows else np.asarray(X).T  # (N, D)
    W1 = params["W1"] if w_in_out else params["W1"].T  # (D, H)
    W2 = params["W2"] if w_in_out else params["W2"].T  # (H, 1)
    b1, b2 = params["b1"].reshape(1, -1), params["b2"].reshape(1, -1)  # (1, H), (1, 1)
    y = np.asarray(y).reshape(-1, 1)  # (N, 1)
    N = X.shape[0]
    z1 = X @ W1 + b1  # (N, H)
    a1 = np.maximum(0, z1)  # (N, H)
    z2 = a1 @ W2 + b2  # (N, 1)
    y_hat = 1 / (1 + np.exp(-z2))  # (N, 1)
    dz2 = (y_hat - y) / N  # (N, 1)
    dW2 = a1.T @ dz2  # (H, 1)
    db2 = np.sum(dz2, axis=0, keepdims=True)  # (1, 1)
    dz1 = (dz2 @ W2.T) * (z1 > 0)  # (N, H)
    dW1 = X.T @ dz1  # (D, H)
    db1 = np.sum(dz1, axis=0, keepdims=True)  # (1, H)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}, N


def _l2(form, c, W, m):
    """The L2 term's gradient as each course writes it."""
    if form == "weight_decay":
        return c * W
    if form == "reg":
        return 2 * c * W
    return c / m * W  # lambd


def _written(convention, form):
    rows, w_in_out, prefix = LAYOUTS[convention]

    def backward(params, X, y):
        grads, m = _data_term(params, X, y, rows, w_in_out)
        out = {}
        for k, g in grads.items():
            g = g if (w_in_out or k[0] == "b") else g.T  # back to the layout given
            g = g.reshape(np.shape(params[k]))
            if k[0] == "W":
                g = g + _l2(form, L2, params[k], m)
            out[prefix + k] = g
        return out

    backward.__name__ = name(convention, form)
    return backward


def name(convention, form):
    return f"{convention.replace('-', '_')}_{form}"


for _convention in LAYOUTS:
    for _form in ("weight_decay", "reg", "lambd"):
        globals()[name(_convention, _form)] = _written(_convention, _form)
