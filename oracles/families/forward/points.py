"""Where a forward check's points come from: the user's ``init(seed)`` (run in the forward's
worker), a ``.npz`` of ``params/NAME`` and ``inputs/NAME`` arrays, params and inputs given to the
API, and ``{"X": X, "y": y}`` from the data when nothing else gives inputs. Each is validated
here: params a dict of float arrays (the differentiated ones), inputs a dict of numeric arrays
(held fixed, integer ones included)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class ForwardError(ValueError):
    """Bad input to a forward check (a usage error: exit 2, one line)."""

    signalled = False  # set by a layer check whose worker died of a signal the judge did not send


@dataclass
class Point:
    name: str  # "seed 0", "given"
    about: str
    params: dict
    inputs: dict

    @property
    def dtype(self) -> str:
        """float32 when any param is float32 (the candidate is held to float32's tolerances), else float64."""
        return "float32" if any(p.dtype == np.float32 for p in self.params.values()) else "float64"


def _items(value, who: str) -> list:
    if isinstance(value, dict):
        return list(value.items())
    raise ForwardError(f"{who} must be a dict of arrays keyed by name, got {type(value).__name__}")


def _array(value, who: str, name: str):
    """An array from what a worker described (``{"array": a}`` or a type) or from the caller."""
    if isinstance(value, dict):
        if "array" not in value:
            raise ForwardError(f"{who}[{name!r}] is a {value.get('type')}, not a NumPy array")
        return value["array"].reshape(()) if value.get("zero_d") else value["array"]
    a = np.asarray(value)
    if a.dtype.kind not in "biuf":
        raise ForwardError(f"{who}[{name!r}] is not a numeric array (dtype {a.dtype})")
    return a


def params_of(items, who: str) -> dict:
    """A dict of float arrays (copies, native byte order), or one line saying which entry is not."""
    items = _items(items, who) if not isinstance(items, list) else items
    if not items:
        raise ForwardError(f"{who} holds no arrays: nothing to differentiate")
    out = {}
    for k, v in items:
        a = _array(v, who, k)
        if a.dtype.kind != "f" or a.dtype.itemsize not in (4, 8):
            raise ForwardError(f"{who}[{k!r}] has dtype {a.dtype}: params are float32 or float64 arrays "
                               f"(integer arrays belong in inputs, held fixed)")
        if not np.isfinite(a).all():
            raise ForwardError(f"{who}[{k!r}] holds non-finite values")
        out[str(k)] = np.array(a, dtype=a.dtype.newbyteorder("="), copy=True)
    return out


def inputs_of(items, who: str) -> dict:
    items = _items(items, who) if not isinstance(items, list) else items
    out = {}
    for k, v in items:
        a = _array(v, who, k)
        if a.dtype.kind not in "biuf":
            raise ForwardError(f"{who}[{k!r}] is not a numeric array (dtype {a.dtype})")
        out[str(k)] = np.array(a, dtype=a.dtype.newbyteorder("="), copy=True)
    return out


def from_npz(path: str) -> tuple:
    """``(params or None, inputs or None)`` from ``params/NAME`` and ``inputs/NAME`` arrays."""
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise ForwardError(f"{path}: --inputs file not found") from None
    except (OSError, ValueError, EOFError) as exc:
        raise ForwardError(f"{path}: --inputs is not a readable .npz ({exc})") from None
    other = [k for k in arrays if not k.startswith(("params/", "inputs/"))]
    if other:
        raise ForwardError(f"{path}: --inputs names arrays params/NAME and inputs/NAME, not {', '.join(other)}")
    params = {k[len("params/"):]: a for k, a in arrays.items() if k.startswith("params/")}
    inputs = {k[len("inputs/"):]: a for k, a in arrays.items() if k.startswith("inputs/")}
    return (params_of(params, f"{path} params") if params else None,
            inputs_of(inputs, f"{path} inputs") if inputs else None)
