"""Inverted dropout as CS231n writes it (p the probability of keeping a unit), and realistic bugs."""
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout


def dropout_forward_not_rescaled(x, dropout_param):
    """A wrong forward: the kept units not divided by p (and a backward that matches it)."""
    np.random.seed(dropout_param["seed"])
    mask = np.random.rand(*x.shape) < dropout_param["p"]
    return x * mask, (dropout_param, mask)


def dropout_forward_p_drops(x, dropout_param):
    """A wrong forward: p read as the probability of dropping a unit."""
    p = dropout_param["p"]
    np.random.seed(dropout_param["seed"])
    mask = (np.random.rand(*x.shape) >= p) / (1 - p)
    return x * mask, (dropout_param, mask)


def dropout_backward_not_rescaled(dout, cache):
    """The backward forgets 1/p (the forward has it)."""
    dropout_param, mask = cache
    return dout * (mask != 0)


def dropout_backward_new_mask(dout, cache):
    """A mask drawn again in the backward instead of the forward's."""
    dropout_param, mask = cache
    p = dropout_param["p"]
    return dout * (np.random.rand(*dout.shape) < p) / p


def dropout_forward_masks_in_test_mode(x, dropout_param):
    """Test mode still drops units (the mode never read)."""
    np.random.seed(dropout_param["seed"])
    mask = (np.random.rand(*x.shape) < dropout_param["p"]) / dropout_param["p"]
    return x * mask, (dropout_param, mask)


def dropout_backward_masks_always(dout, cache):
    dropout_param, mask = cache
    return dout * mask
