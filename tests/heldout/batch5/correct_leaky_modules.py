"""Correct: torch-like modules (weight (out, in)) for a leaky-ReLU network, grads collected from .grad."""
import numpy as np


EXPECTED = {"mistakes": [], "wrong": [], "activation": "leaky_relu", "convention": "torch"}


class LinearFn:
    def __init__(self, weight, bias):
        self.weight, self.bias = weight, bias

    def __call__(self, inp):
        self.inp = inp
        return inp @ self.weight.T + self.bias

    def backward(self, grad_output):
        self.weight_grad = grad_output.T @ self.inp
        self.bias_grad = grad_output.sum(axis=0)
        return grad_output @ self.weight


class LeakyReLU:
    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def __call__(self, inp):
        self.positive = inp > 0
        return np.where(self.positive, inp, self.negative_slope * inp)

    def backward(self, grad_output):
        return grad_output * np.where(self.positive, 1.0, self.negative_slope)


def backward(params, x, y):
    fc1, act, fc2 = LinearFn(params["W1"], params["b1"]), LeakyReLU(), LinearFn(params["W2"], params["b2"])
    logits = fc2(act(fc1(x)))
    prob = 1 / (1 + np.exp(-logits))
    grad_logits = (prob - y.reshape(-1, 1)) / x.shape[0]
    fc1.backward(act.backward(fc2.backward(grad_logits)))
    return {"W1": fc1.weight_grad, "b1": fc1.bias_grad, "W2": fc2.weight_grad, "b2": fc2.bias_grad}
