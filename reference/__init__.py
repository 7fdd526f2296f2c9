"""The lesson's NumPy network and its data loader: pure NumPy (+ pandas for the frame)."""
from reference.data import DataError, Dataset, load, load_csv, synthetic
from reference.model import (ACTIVATIONS, Spec, backward, bce_from_logits, forward, init_params,
                             lesson_loss, loss, random_params, sgd_step)

__all__ = ["ACTIVATIONS", "DataError", "Dataset", "Spec", "backward", "bce_from_logits", "forward",
           "init_params", "lesson_loss", "load", "load_csv", "loss", "random_params", "sgd_step",
           "synthetic"]
