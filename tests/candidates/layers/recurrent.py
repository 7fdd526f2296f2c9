"""The vanilla RNN step and the LSTM step as CS231n writes them (assignment 3), and realistic bugs."""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da.dot(Wx.T), da.dot(Wh.T), x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def rnn_step_backward_no_tanh_derivative(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h
    return da.dot(Wx.T), da.dot(Wh.T), x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i, f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * tc, dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)])
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def lstm_step_backward_gate_g_sigmoid(dnext_h, dnext_c, cache):
    """The candidate gate g's derivative taken as a sigmoid's, g (1 - g), instead of tanh's, 1 - g^2."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * tc, dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * g * (1 - g)])
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def lstm_step_backward_no_cell_tanh(dnext_h, dnext_c, cache):
    """dnext_h reaches the cell without tanh's derivative."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * tc, dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)])
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)
