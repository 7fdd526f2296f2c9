"""The layer kinds' names, without NumPy: what the options (``--layer``) choose from. Each is a
:class:`oracles.families.layers.kinds.Kind`, in this order (``tests/families/test_layers.py`` holds them equal)."""
NAMES = ("affine", "relu", "sigmoid", "tanh", "leaky_relu", "softmax_loss", "svm_loss", "batchnorm",
         "spatial_batchnorm", "layernorm", "dropout", "conv", "max_pool", "avg_pool", "rnn_step", "lstm_step", "rnn", "lstm", "embedding",
         "temporal_affine", "temporal_softmax_loss")
