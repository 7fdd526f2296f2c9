"""Nielsen's ``network.py`` backprop (Neural Networks and Deep Learning, chapter 2) as the book
writes it: one example at a time, column vectors, sigmoid units everywhere and the quadratic cost
C = 1/2 ||a - y||^2. ``update_mini_batch`` adds up each example's nablas, so the gradient is of
the summed cost. Check with ``--loss quadratic --reduction sum --activation sigmoid --convention
deeplearning-ai`` (W (out, in), b (out, 1), X (D, N), Y (1, N)).
"""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class Network:
    def __init__(self, weights, biases, output_delta="quadratic"):
        self.weights, self.biases = weights, biases
        self.num_layers = len(weights) + 1
        self.output_delta = output_delta

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y)
        if self.output_delta == "quadratic":
            delta = delta * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def cost_derivative(self, output_activations, y):
        return output_activations - y


def _summed(parameters, X, Y, output_delta):
    L = len(parameters) // 2
    net = Network([parameters[f"W{l}"] for l in range(1, L + 1)], [parameters[f"b{l}"] for l in range(1, L + 1)],
                  output_delta)
    nabla_b = [np.zeros(b.shape) for b in net.biases]
    nabla_w = [np.zeros(w.shape) for w in net.weights]
    for i in range(X.shape[1]):  # update_mini_batch: every example's nablas added up
        delta_nabla_b, delta_nabla_w = net.backprop(X[:, [i]], Y[:, [i]])
        nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
        nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
    grads = {f"dW{l}": nabla_w[l - 1] for l in range(1, L + 1)}
    grads.update({f"db{l}": nabla_b[l - 1] for l in range(1, L + 1)})
    return grads


def backward(parameters, X, Y):
    return _summed(parameters, X, Y, "quadratic")


def backward_cross_entropy_delta(parameters, X, Y):
    """The bug: chapter 3's output delta (a - y), right for cross-entropy, kept with the quadratic
    cost, so the output layer's sigmoid'(z) is missing."""
    return _summed(parameters, X, Y, "cross-entropy")
