"""Options, parsed and validated once for every shell: the CLI, the pytest plugin, the notebook API.

Each function takes a value as a user gave it (a string from a command line or an ini file, or
a Python value from a call) and ``where`` (``--hidden``, ``hidden``, ``ini backprop_dtype``) and
returns the canonical value, or raises one ValueError/TypeError naming ``where`` and the value.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable

from oracles import registry
from oracles.conventions import CONVENTIONS
from reference.heads import LOSSES, OUTPUTS, REDUCTIONS
from reference.model import ACTIVATIONS, DTYPES
from oracles.families.layers.names import NAMES as LAYERS
from oracles.registry import NAMES as ORACLES
MAX_SEED = 2**32  # RandomState's seeds: 0 .. 2**32 - 1
MAX_MEMORY = 2**40  # --memory: 64M .. 1024G (more is a typo, and inf no size at all)
MAX_DIRECTIONS = 4096  # --directions: random directions per parameter
MAX_JOBS = 256  # --jobs: worker processes at once
MAX_EXAMPLES = 100_000  # --fuzz: drawn problems
MAX_ARRAY_BYTES = 2**30  # what one check's arrays may take, estimated before anything runs (footprint)
MAX_L2 = 8.0  # --l2: policy.MAX_L2 (repeated here, so a shell parses before NumPy; a test holds them equal)


def hidden(value, where: str = "hidden") -> tuple:
    """``16``, ``"64,64"`` or ``(64, 64)`` -> ``(64, 64)``: positive whole widths, at least one."""
    if isinstance(value, str):
        parts = [t.strip() for t in value.split(",")]
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"{where} takes widths like 16 or 64,64, got {value!r}")
        value = tuple(int(p) for p in parts)
    elif _whole(value):
        value = (value,)
    else:
        try:
            value = tuple(value)
        except TypeError:
            raise TypeError(f"{where} takes a width or a tuple of widths like (16,) or (64, 64), "
                            f"got {type(value).__name__}") from None
        if not all(_whole(v) for v in value):
            raise TypeError(f"{where} takes a width or a tuple of widths like (16,) or (64, 64), got {value!r}")
    widths = tuple(int(v) for v in value)
    if not widths or min(widths) < 1:
        raise ValueError(f"{where} takes positive widths like 16 or 64,64, got {value!r}")
    return widths


def _whole(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def oracles(value, where: str = "oracles") -> tuple:
    """A comma list or a sequence of oracle names, each known and named once."""
    if value is None:
        return ORACLES
    names = tuple(t.strip() for t in value.split(",")) if isinstance(value, str) else tuple(value)
    unknown = [n for n in names if n not in registry.BY_NAME]
    if unknown or not names:
        raise ValueError(f"{where} takes {', '.join(registry.BY_NAME)}, got {value!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"{where} names an oracle twice: {value!r}")
    return names


def choice(value, allowed, where: str) -> str:
    if value not in allowed:
        raise ValueError(f"{where} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def seed(value, where: str = "seed") -> int:
    if isinstance(value, str):
        value = int(value) if value.strip().lstrip("-").isdigit() else value
    if not _whole(value) or not 0 <= value < MAX_SEED:
        raise ValueError(f"{where} takes a whole number in 0..2**32-1, got {value!r}")
    return int(value)


def positive(value, where: str) -> float:
    """A positive finite number (seconds, say)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (0 < number < float("inf")) or isinstance(value, bool):
        raise ValueError(f"{where} takes a positive number, got {value!r}")
    return number


def count(value, where: str, most: int | None = None) -> int:
    """A positive whole number (examples, directions, jobs), at most ``most`` when given."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not _whole(value) or value < 1:
        raise ValueError(f"{where} takes a positive whole number, got {value!r}")
    if most is not None and value > most:
        raise ValueError(f"{where} takes a whole number in 1..{most}, got {value!r}")
    return int(value)


def directions(value, where: str = "directions") -> int:
    """Random directions per parameter: 1..MAX_DIRECTIONS."""
    return count(value, where, MAX_DIRECTIONS)


def jobs(value, where: str = "jobs") -> int:
    """Candidates checked at once: 1..MAX_JOBS."""
    return count(value, where, MAX_JOBS)


def examples(value, where: str = "examples") -> int:
    """Problems the fuzz draws: 1..MAX_EXAMPLES."""
    return count(value, where, MAX_EXAMPLES)


def footprint(sizes, rows: int, directions: int = 0) -> int:
    """Bytes (float64) of one check's arrays, estimated from the shapes alone: the inputs and
    targets, the parameters and one gradient, every layer's pre-activation and activation, and
    ``directions`` random directions per parameter (finite differences along directions)."""
    sizes = [int(s) for s in sizes]
    n_params = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    activations = 2 * rows * sum(sizes[1:])
    return 8 * (rows * (sizes[0] + sizes[-1]) + 2 * n_params + activations + directions * n_params)


def fits(sizes, rows: int, directions: int = 0, where: str = "the problem") -> None:
    """Raise one ValueError naming ``where`` when :func:`footprint` exceeds MAX_ARRAY_BYTES."""
    need = footprint(sizes, rows, directions)
    if need > MAX_ARRAY_BYTES:
        shape = "-".join(map(str, sizes))
        raise ValueError(f"{where}: a network {shape} on {rows} rows"
                         f"{f' with {directions} directions per parameter' if directions else ''} needs about "
                         f"{need / 2**30:.3g} GiB of arrays; the limit is {MAX_ARRAY_BYTES / 2**30:g} GiB")


def size(value, where: str = "memory") -> int:
    """Bytes from ``4G``, ``512M``, ``65536K`` or a number of bytes; 64 MiB .. MAX_MEMORY (1024G)."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    try:
        if isinstance(value, str) and value[-1:].upper() in units:
            number = float(value[:-1]) * units[value[-1].upper()]
        else:
            number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if not 64 * 2**20 <= number <= MAX_MEMORY or isinstance(value, bool):
        raise ValueError(f"{where} takes a size like 4G or 512M (64M to 1024G), got {value!r}")
    return int(number)


def modules(value, where: str = "forbid_import") -> tuple:
    """A comma list or a sequence of importable module names."""
    if not value:
        return ()
    names = tuple(t.strip() for t in value.split(",")) if isinstance(value, str) else tuple(value)
    if not all(isinstance(n, str) and all(p.isidentifier() for p in n.split(".")) for n in names):
        raise ValueError(f"{where} takes module names like torch,jax, got {value!r}")
    return names


FD_MODES = ("auto", "exhaustive", "directions")  # how finite differences run: oracles.harness.fd_mode


def yes_no(value, where: str) -> bool:
    """True or False; from an ini file or a string also true/false, yes/no, 1/0."""
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    if isinstance(value, str) and value.strip().lower() in words:
        return words[value.strip().lower()]
    if not isinstance(value, bool):
        raise ValueError(f"{where} takes True or False (an ini file: true or false), got {value!r}")
    return value


def l2(value, where: str = "l2") -> float:
    """A number from 0 to MAX_L2 (0: no weight decay), as the convention's own code writes it.

    Beyond MAX_L2 the L2 term's gradient would drown the data term's under the tolerance
    (``policy.MAX_L2``): no oracle could tell a wrong data gradient there."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not (0 <= number < float("inf")):
        raise ValueError(f"{where} takes a number >= 0 (the L2 strength as your code writes it), got {value!r}")
    if number > MAX_L2:
        raise ValueError(f"{where} takes a number from 0 to {MAX_L2:g}, got {value!r}: a stronger L2 term's gradient "
                         f"drowns the data term's, which no oracle could then check")
    return number


# ---------------------------------------------------------------- every option, declared once

@dataclass(frozen=True)
class Setting:
    """One option, for every shell: the API's keyword ``name``, the CLI's ``--name-with-dashes``
    and (``ini``) the pytest plugin's ini key ``backprop_name``, parsed by ``parse(value, where)``.
    hypothesis's ``_define_setting`` is the model: the shells generate their declarations from
    these, so a new option, a default or a help text changes here and nowhere else."""

    name: str
    parse: Callable  # (value as given, where it was given) -> canonical value, or one ValueError/TypeError
    default: object
    help: str
    metavar: str | None = None
    ini: bool = False
    choices: tuple | None = None  # shown as {a,b} by --help
    switch: bool = False  # True or False: the CLI's flag takes no value and turns the default over (--no-NAME)

    @property
    def shown(self) -> str:
        """How --help shows the value."""
        if self.choices:
            return "{" + ",".join(self.choices) + "}"
        return self.metavar or self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + ("no-" if self.switch and self.default else "") + self.name.replace("_", "-")

    @property
    def ini_key(self) -> str:
        return "backprop_" + self.name


def _pick(name: str, allowed: tuple, default, help: str, **more) -> Setting:
    """A setting whose value is one of ``allowed``."""
    return Setting(name, lambda value, where: choice(value, allowed, where), default, help, choices=allowed, **more)


def _column(value, where):
    if not isinstance(value, str):
        raise TypeError(f"{where} takes a column name, got {type(value).__name__}")
    return value


def function_target(value, where: str):
    """``file.py:function`` or ``module:function`` (a string, checked for its shape only: the file
    is read later), or a function (the API)."""
    if callable(value):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{where} takes a function or 'file.py:function', got {type(value).__name__}")
    source, sep, attr = value.rpartition(":")
    if not sep or not source or not attr.replace(".", "_").isidentifier():
        raise ValueError(f"{where} takes FILE.py:FUNCTION or MODULE:FUNCTION, got {value!r}")
    return value


def point_inputs(value, where: str):
    """A ``.npz`` path (``params/NAME`` and ``inputs/NAME`` arrays), or (the API) a dict of arrays."""
    import os

    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"{where} takes a dict of arrays keyed by name, got keys {list(value)!r}")
        return value
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{where} takes a .npz path or a dict of arrays, got {type(value).__name__}")
    if not str(value).endswith(".npz"):
        raise ValueError(f"{where} takes a .npz file (params/NAME and inputs/NAME arrays), got {str(value)!r}")
    return str(value)


def layer_args(value, where: str = "layer_args") -> dict:
    """A JSON object (the CLI) or a dict (the API) of a layer's hyper-parameters, keyed by name."""
    import json

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where} takes a JSON object such as '{{\"stride\": 2, \"pad\": 1}}', "
                             f"got {value!r} ({exc.msg})") from None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise TypeError(f"{where} takes a JSON object (a dict) of hyper-parameters keyed by name, "
                        f"got {type(value).__name__}")
    return value


def refuse_mean_over_rows(value) -> None:
    """``mean_over_rows=True`` without ``forward=``: a TypeError (the built-in network has ``reduction``)."""
    if yes_no(value, "mean_over_rows"):
        raise TypeError("mean_over_rows=True goes with forward= (your own forward); the built-in network says its "
                        "reduction with reduction=")


def _optional(parse):
    """``None`` stays None (the default is decided later); anything else goes through ``parse``."""
    return lambda value, where: None if value is None else parse(value, where)


SETTINGS = {s.name: s for s in (
    Setting("target", _optional(_column), None,
            "the target column (default: a packaged data set's own; else Outcome, or for other heads the last "
            "column when the file has no Outcome): "
            + ", ".join(f"{o.target_words} for {o.name}" for o in OUTPUTS.values()),
            ini=True),
    _pick("loss", LOSSES, "bce",
          "the head: " + ", ".join(f"{o.name} ({o.summary})" for o in OUTPUTS.values()), ini=True),
    _pick("reduction", REDUCTIONS, "mean",
          "the loss averaged over the batch (mean) or summed (sum: per-example code)", ini=True),
    Setting("l2", l2, 0.0,
            "weight decay on every W (never biases), 0 to 8, as the convention writes it: cs231n reg (+ reg*sum W^2), "
            "deeplearning-ai lambd (+ lambd/(2m)*sum W^2), lesson and torch weight_decay (+ C/2*sum W^2)",
            metavar="C", ini=True),
    _pick("convention", CONVENTIONS, "lesson",
          "how your backward receives and returns arrays: lesson, cs231n, deeplearning-ai, torch", ini=True),
    Setting("hidden", hidden, (16,), "hidden widths: 16 (the lesson) or 64,64"),
    Setting("bias", yes_no, True, "a network without biases: z = a @ W, parameters W1, ..., WL only, and your "
            "backward returns exactly their gradients", ini=True, switch=True),
    _pick("activation", ACTIVATIONS, "relu", f"the hidden activation: {', '.join(ACTIVATIONS)}"),
    Setting("seed", seed, 0, "the lesson init's seed, and with the candidate's answer the random directions' (default 0)"),
    _pick("dtype", DTYPES, "float64",
          "float64 (default) or float32: the dtype of the params, X and y handed to the backward", ini=True),
    Setting("oracles", oracles, ORACLES, f"comma list of {', '.join(registry.BY_NAME)} (default: {', '.join(ORACLES)})"),
    _pick("fd_mode", FD_MODES, "auto",
          "finite differences over every entry, along random directions, or auto (every entry up to the "
          "policy's parameter budget)"),
    Setting("directions", _optional(directions), None, "random directions per parameter (default 16)", metavar="K"),
    Setting("jobs", jobs, 1, "candidates checked in parallel (gradebook)", metavar="N"),
    Setting("timeout", _optional(positive), None,
            "time limit of one call of the candidate (default: 30 s, or more on big problems)", metavar="SECONDS"),
    Setting("memory", _optional(size), None, "address-space limit of the candidate's worker process (default 8G)",
            metavar="SIZE"),
    Setting("forward", _optional(function_target), None,
            "your own forward: loss(params, inputs) -> loss, or -> (loss, cache); checks that --candidate "
            "(backward(params, inputs) -> grads or (loss, grads)) is its gradient; with --layer and several "
            "--candidate or a pattern (a gradebook): NAME, the forward's function in each candidate's own file "
            "(in FILE:NAME the file part is not used)", metavar="FILE.py:FUNCTION"),
    Setting("init", _optional(function_target), None,
            "with --forward: init(seed) -> params, or (params, inputs); without it, params come from --inputs",
            metavar="FILE.py:FUNCTION"),
    Setting("inputs", _optional(point_inputs), None,
            "with --forward: a .npz of arrays named params/NAME and inputs/NAME (default inputs: X and y of --data)",
            metavar="FILE.npz"),
    _pick("layer", LAYERS, None, "check a layer of a from-scratch course: --forward FILE.py:layer_forward "
          "(x, *params, [hyper]) -> (out, cache), --candidate FILE.py:layer_backward (dout, cache) -> (dx, "
          "*dparams); a loss kind is one --candidate (x, y) -> (loss, dx); several --candidate or a pattern "
          "grade a class (a gradebook)", metavar="KIND"),
    Setting("layer_args", _optional(layer_args), None,
            "with --layer: the hyper-parameters held fixed, a JSON object ('{\"stride\": 2, \"pad\": 1}'); "
            "the others are drawn", metavar="JSON"),
    Setting("mean_over_rows", yes_no, False,
            "with --forward: your loss is a mean over the batch rows, so permuting them or doubling the batch "
            "must leave it and its gradient unchanged (the batch law, at each point and each --fuzz draw)",
            switch=True),
    Setting("forbid_import", modules, (), "modules the candidate may not import, e.g. torch,jax,autograd (the "
            "harness's own packages are always refused)", metavar="MODULES"),
)}


def validate(**given) -> dict:
    """Each keyword parsed by its :data:`SETTINGS` entry, named by its keyword: the API's checks."""
    return {name: SETTINGS[name].parse(value, name) for name, value in given.items()}


def _same(value, default) -> bool:
    if value is default:
        return True
    try:
        return type(value) is type(default) and bool(value == default)
    except (TypeError, ValueError):  # an array compared with a default
        return False


def refuse_with_forward(fn, **given) -> None:
    """With ``forward=``, a keyword that describes the built-in network (left off its default) is a
    TypeError naming it: it would be ignored."""
    import inspect
    import reprlib

    defaults = inspect.signature(fn).parameters
    for name, value in given.items():
        if not _same(value, defaults[name].default):
            raise TypeError(f"{name}={reprlib.repr(value)} does not apply with forward=: it describes the "
                            f"built-in network, and your forward is the network")
