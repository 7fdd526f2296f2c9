"""The Python API: ``from oracles import check, fuzz``, one line under the lesson's code.

Both run what ``compare-frameworks`` runs, with the same data resolution, contracts and
verdicts, and return objects that render themselves in a notebook (``_repr_html_``). Every
argument is validated before anything runs: a bad one raises one ValueError or TypeError
naming it.
"""
from __future__ import annotations

import os
import sys

from oracles import options


def _setup(backward, data, target, hidden, activation, dtype, oracles, seed, isolate, timeout, memory,
           forbid_import, loss="bce", reduction="mean", l2=0.0, convention="lesson", bias=True):
    """Validate every argument, then load the data and open the candidate's handle."""
    from oracles.candidate import CandidateError, handle_for
    from oracles.harness import make_spec
    from reference.data import DataError, Dataset, load

    given = options.validate(hidden=hidden, loss=loss, reduction=reduction, convention=convention, l2=l2,
                             activation=activation, dtype=dtype, oracles=oracles, seed=seed, target=target,
                             timeout=timeout, memory=memory, forbid_import=forbid_import, bias=bias)
    widths, l2, chosen, seed, target = (given[k] for k in ("hidden", "l2", "oracles", "seed", "target"))
    worker = {"timeout": given["timeout"], "memory": given["memory"], "forbid": given["forbid_import"]}
    if not isinstance(isolate, bool):
        raise TypeError(f"isolate takes True or False, got {isolate!r}")
    if backward is None or not (callable(backward) or isinstance(backward, str)):
        raise TypeError(f"backward takes a function backward(params, X, y) or 'file.py:function', "
                        f"got {type(backward).__name__}")
    if isinstance(data, Dataset):
        dataset = data
    elif data is None or isinstance(data, (str, os.PathLike)):
        try:
            dataset = load(data, target, loss)
        except DataError as exc:
            raise ValueError(f"data: {exc}") from None
    else:
        raise TypeError(f"data takes a CSV path or a Dataset, got {type(data).__name__}")
    try:
        spec = make_spec(dataset, widths, activation, dtype, loss, reduction, l2, convention, given["bias"])
    except ValueError as exc:
        raise ValueError(f"data: {exc}") from None
    from oracles import policy

    along = "finite-differences" in chosen and spec.n_params() > policy.FD_EXHAUSTIVE_BUDGET
    options.fits(spec.sizes, dataset.X.shape[0], policy.FD_DIRECTIONS if along else 0, "hidden")  # before any worker
    try:
        handle = handle_for(backward, isolate=isolate, by_value=True, **(worker if isolate else {}))
    except CandidateError as exc:
        raise ValueError(f"backward: {exc}") from None
    return spec, dataset, chosen, seed, handle


def check(backward, *, data=None, target=None, hidden=(16,), activation="relu", dtype="float64", oracles=None,
          seed=0, isolate=True, timeout=None, memory=None, forbid_import=(), loss="bce", reduction="mean", l2=0.0,
          convention="lesson", bias=True, forward=None, init=None, params=None, inputs=None):
    """Check ``backward`` against finite differences, PyTorch and JAX; returns the Report.

    backward: ``backward(params, X, y) -> grads`` or ``-> (loss, grads)`` (a function: from a
        module, a notebook cell, a lambda or a closure), or ``"file.py:function"``.
    data: a CSV path, a packaged data set's name (``"iris"`` or ``"iris.csv"``: diabetes, iris,
        wine, digits, diabetes_progression; a path that exists comes first), ``"synthetic"`` for
        the stand-in, or a ``reference.data.Dataset``; None: ``$BACKPROP_DATA``, else the
        packaged Pima data (as the CLI).
    target: the target column (default ``Outcome``; for softmax and mse the file's last column when it
        has no ``Outcome``).
    hidden: the hidden widths, ``16``, ``(64, 64)`` or ``"64,64"``.
    activation: relu (the lesson), identity, tanh, sigmoid or leaky_relu.
    dtype: float64 or float32, the dtype ``backward`` receives and is held to.
    oracles: a list or comma string of finite-differences, torch, jax (default all three).
    seed: the lesson init's seed, 0 .. 2**32-1.
    isolate: run ``backward`` in a worker process (default); False runs it here, for a debugger.
    timeout, memory, forbid_import: the worker's time limit per call (seconds), its memory limit
        (``"4G"`` or bytes), and modules ``backward`` may not import.

    loss: the head, bce (the lesson's), softmax or mse; reduction: mean or sum (per-example code).
    l2: weight decay on every W as ``convention``'s code writes it (cs231n ``reg``, deeplearning-ai
        ``lambd``, lesson and torch ``weight_decay``).
    convention: how ``backward`` receives and returns arrays: lesson, cs231n, deeplearning-ai, torch.
    bias: False for a network without biases (``z = a @ W``): params ``W1, ..., WL`` only, and
        ``backward`` returns exactly their gradients.

    forward: your own forward, ``loss(params, inputs) -> loss`` or ``-> (loss, cache)`` (a function or
        ``"file.py:function"``): then ``backward(params, inputs) -> grads`` (or ``(loss, grads)``) is
        checked against its gradient (finite differences and autograd of ``forward``), at the points
        of ``init(seed) -> params`` or ``(params, inputs)`` (seeds ``seed`` and ``seed + 1``), or at
        ``params`` (a dict of float arrays); ``inputs``: a dict of arrays or a ``.npz`` of
        ``params/NAME`` and ``inputs/NAME`` arrays (default: ``{"X": X, "y": y}`` of ``data``).
        The network options (hidden, activation, convention...) do not apply.

    The report renders in a notebook (``report`` alone in a cell), prints as the CLI's table
    (``print(report.to_text())``), and ``report.plot()`` draws where the error is.
    """
    if forward is not None or init is not None or params is not None or inputs is not None:
        options.refuse_with_forward(check, hidden=hidden, activation=activation, dtype=dtype, oracles=oracles,
                        reduction=reduction, l2=l2, convention=convention, bias=bias)
        return _check_forward(backward, forward, init, params, inputs, data, target, loss, seed, isolate, timeout,
                              memory, forbid_import)
    from oracles.harness import run
    from reference.data import SYNTHETIC, how_to_get_real_data

    spec, dataset, chosen, seed, handle = _setup(backward, data, target, hidden, activation, dtype, oracles, seed,
                                                 isolate, timeout, memory, forbid_import, loss, reduction, l2,
                                                 convention, bias)
    with handle:
        report = run(spec, dataset, handle, chosen, seed, convention=convention)
    if dataset.source == SYNTHETIC:
        report.notes.append(how_to_get_real_data("pass data=PATH"))
    return report


def _check_forward(backward, forward, init, params, inputs, data, target, loss, seed, isolate, timeout, memory,
                   forbid_import):
    """:func:`check` with ``forward``: the forward family (oracles.families.forward)."""
    from oracles.families.forward import check as check_forward

    given = options.validate(forward=forward, init=init, inputs=inputs, seed=seed, target=target, loss=loss,
                             timeout=timeout, memory=memory, forbid_import=forbid_import)
    if given["forward"] is None:
        raise TypeError("init, params and inputs go with forward=: your loss(params, inputs)")
    if backward is None or not (callable(backward) or isinstance(backward, str)):
        raise TypeError(f"backward takes a function backward(params, inputs) or 'file.py:function', "
                        f"got {type(backward).__name__}")
    if isolate is not True:
        raise ValueError("isolate=False is not available with forward= yet: your code runs in workers")
    if params is not None and not isinstance(params, dict):
        raise TypeError(f"params takes a dict of float arrays, got {type(params).__name__}")
    return check_forward(backward, given["forward"], init=given["init"], params=params, inputs=given["inputs"],
                         data=data, target=given["target"], loss=given["loss"], seed=given["seed"],
                         timeout=given["timeout"], memory=given["memory"], forbid_import=given["forbid_import"])


def check_layer(layer, forward, backward=None, *, layer_args=None, seed=0, fuzz=0, timeout=None, memory=None,
                forbid_import=(), **hyper):
    """Check a layer of a from-scratch course: ``backward(dout, cache) -> (dx, *dparams)`` against the
    gradient of ``forward(x, *params, [hyper]) -> (out, cache)``, and ``forward`` against the layer
    ``layer`` (``"conv"``, ``"lstm_step"`` ...) computed by torch and JAX on the same arrays.

    ``forward``, ``backward``: functions or ``"file.py:function"``; a loss kind (``softmax_loss``,
    ``svm_loss``) is one function ``(x, y) -> (loss, dx)``, given as ``forward``. ``layer_args`` (a
    dict) and ``**hyper`` (``stride=2, pad=1``) hold hyper-parameters fixed; the others are drawn.
    ``seed``: the two points are drawn at ``seed`` and ``seed + 1``; ``fuzz``: that many more
    points, up to the first that fails. The report is the CLI's ``--layer``'s. A bad argument raises
    one ValueError or TypeError naming it.
    """
    from oracles.families.layers import check_layer as run

    given = options.validate(layer=layer, layer_args={**options.layer_args(layer_args or {}), **hyper},
                             forward=forward, seed=seed, timeout=timeout, memory=memory,
                             forbid_import=forbid_import)
    if given["forward"] is None:
        raise TypeError("forward takes a function or 'file.py:function', got None")
    if backward is not None:
        options.function_target(backward, "backward")
    examples = options.examples(fuzz, "fuzz") if fuzz else 0
    return run(given["layer"], given["forward"], backward, layer_args=given["layer_args"], seed=given["seed"],
               fuzz=examples, timeout=given["timeout"], memory=given["memory"], forbid_import=given["forbid_import"])


def fuzz(backward, examples=200, *, data=None, target=None, hidden=(16,), activation="relu", dtype="float64",
         oracles=None, seed=0, isolate=True, timeout=None, memory=None, forbid_import=(), progress=None,
         loss="bce", reduction="mean", l2=0.0, convention="lesson", bias=True, forward=None, init=None):
    """Draw ``examples`` problems at ``backward``'s depth, activation and head (any inputs, widths,
    batch sizes, scales, kinks, saturated logits), run every law on each, shrink the first
    failure; returns the FuzzResult (it renders its counterexample and the replay command).

    The arguments are :func:`check`'s (``data`` and ``target`` are validated and give the head's
    class count; the problems are drawn). ``loss``, ``reduction``, ``l2``, ``convention`` and ``bias`` are
    kept on every drawn problem, and ``backward`` is spoken to in its convention, as by
    ``check``. ``seed``: the same seed draws the same problems. ``progress``: show the progress
    (default: in a notebook, one plain-text line updated in place; on a terminal, a bar on
    standard error; silent otherwise; True: plain lines on standard error when not a terminal).

    forward, init: your own ``loss(params, inputs)`` and ``init(seed)`` (functions or
    ``"file.py:function"``): ``examples`` points drawn through ``init`` (seeds, scales, subsets of
    the batch rows; inputs from ``data`` when ``init`` returns params only) and the laws for any
    forward at each (:mod:`properties.forward_laws`); returns its ForwardFuzz. The network
    keywords do not apply.
    """
    if forward is not None or init is not None:
        options.refuse_with_forward(fuzz, hidden=hidden, activation=activation, dtype=dtype, oracles=oracles,
                                    reduction=reduction, l2=l2, convention=convention, bias=bias)
        return _fuzz_forward(backward, forward, init, examples, data, target, loss, seed, isolate, timeout, memory,
                             forbid_import, progress)
    from oracles.conventions import Conventional
    from properties.fuzz import fuzz as run_fuzz
    from properties.strategies import candidate_problems

    examples = options.examples(examples, "examples")
    spec, _, chosen, seed, handle = _setup(backward, data, target, hidden, activation, dtype, oracles, seed,
                                           isolate, timeout, memory, forbid_import, loss, reduction, l2, convention,
                                           bias)
    strategy = candidate_problems(spec)
    speaking = Conventional(handle, convention, loss)
    bar = ProgressBar(examples, progress_mode(progress))
    with handle, bar as advance:
        result = run_fuzz(lambda problem: speaking, examples, strategy, oracles=chosen, seed=seed, progress=advance,
                          candidate_arg=_target(backward), convention=convention)
    bar.becomes(result)
    return result


def _fuzz_forward(backward, forward, init, examples, data, target, loss, seed, isolate, timeout, memory,
                  forbid_import, progress):
    """:func:`fuzz` with ``forward``: properties.forward_laws."""
    from oracles.families.forward import ForwardError
    from properties.forward_laws import fuzz as run_fuzz

    examples = options.examples(examples, "examples")
    given = options.validate(forward=forward, init=init, seed=seed, target=target, loss=loss, timeout=timeout,
                             memory=memory, forbid_import=forbid_import)
    if given["forward"] is None or given["init"] is None:
        raise TypeError("fuzz with your own forward takes forward= (your loss(params, inputs)) and init= (your "
                        "init(seed)): the points are drawn through init")
    if isolate is not True:
        raise ValueError("isolate=False is not available with forward= yet: your code runs in workers")
    try:
        with ProgressBar(examples, progress_mode(progress)) as advance:
            return run_fuzz(backward, given["forward"], given["init"], examples, seed=given["seed"], data=data,
                            target=given["target"], loss=given["loss"], timeout=given["timeout"],
                            memory=given["memory"], forbid_import=given["forbid_import"], progress=advance)
    except ForwardError as exc:
        raise ValueError(str(exc)) from None


def _target(backward) -> str:
    """``file.py:function`` for the replay command: the function's own file when it has one."""
    import inspect

    if isinstance(backward, str):
        return backward
    module = sys.modules.get(getattr(backward, "__module__", "") or "")
    name = getattr(backward, "__name__", "")
    if module is not None and module.__name__ != "__main__" and getattr(module, name, None) is backward:
        try:
            return f"{inspect.getsourcefile(backward)}:{name}"
        except TypeError:
            pass
    return f"YOUR_FILE.py:{name if name.isidentifier() else 'backward'}"


def _in_notebook() -> bool:
    """In a notebook's kernel (IPython's ZMQ shell)."""
    shell = sys.modules.get("IPython")
    if shell is not None:
        ip = shell.get_ipython() if hasattr(shell, "get_ipython") else None
        if ip is not None and type(ip).__name__ == "ZMQInteractiveShell":
            return True
    return False


def _interactive() -> bool:
    """In a notebook's kernel, or on a terminal."""
    return _in_notebook() or sys.stderr.isatty()


def progress_mode(show, piped: bool = False):
    """How a long step shows its progress: ``"notebook"`` (one plain-text line updated in place),
    ``"bar"`` (a live bar on a terminal's standard error), ``"lines"`` (a plain line on standard
    error every few steps, when ``piped`` or asked for), or None. ``show``: False for none, True
    to ask for it, None to decide from where we run."""
    if show is False:
        return None
    if _in_notebook():
        return "notebook"
    if sys.stderr.isatty():
        return "bar"
    return "lines" if (show or piped) else None


LINES = 10  # a piped job prints at most about this many progress lines


class ProgressBar:
    """Progress on standard error or in a notebook, never on standard output (reports stay clean).

    ``with ProgressBar(total, mode) as advance:`` gives ``advance(n)`` (or None when silent);
    ``advance(n, note)`` shows a few words more after the count (the gradebook's rate, say).
    ``mode`` is one of :func:`progress_mode`'s answers; True or False are kept for "decide from
    where we run" and "none". In a notebook the line is plain text, so nothing needs ipywidgets.
    """

    def __init__(self, total: int, show, label: str = "fuzz", transient: bool = False, every: int | None = None):
        self.total, self.label, self.transient, self.progress, self.display = total, label, transient, None, None
        self.mode = progress_mode(show) if isinstance(show, bool) else show
        self.every = every or max(1, -(-total // LINES))
        self.show, self.done, self.start, self.shown, self.note = self.mode is not None, 0, 0.0, 0.0, ""

    def __enter__(self):
        import time

        self.start = time.perf_counter()
        if self.mode == "bar":
            from rich.console import Console
            from rich.progress import Progress

            console = Console(stderr=True, force_jupyter=False)
            self.progress = Progress(transient=self.transient, console=console)
            self.progress.start()
            task = self.progress.add_task(self.label, total=self.total)
            return lambda n, note="": self.progress.update(
                task, completed=min(n, self.total), description=f"{self.label} {note}" if note else self.label)
        if self.mode == "notebook":
            from IPython.display import display

            self.display = display({"text/plain": self._line(0)}, raw=True, display_id=True)
            return self._notebook
        if self.mode == "lines":
            return self._lines
        return None

    def _line(self, n: int, note: str = "") -> str:
        import time

        line = f"{self.label}: {min(n, self.total)} of {self.total} ({time.perf_counter() - self.start:.0f} s)"
        return f"{line}, {note}" if note else line

    def _notebook(self, n: int, note: str = "") -> None:
        """The notebook's one line, updated at most a few times a second and at the end."""
        import time

        self.done, self.note = n, note
        if n >= self.total or time.perf_counter() - self.shown > 0.25:
            self.shown = time.perf_counter()
            self.display.update({"text/plain": self._line(n, note)}, raw=True)

    def _lines(self, n: int, note: str = "") -> None:
        """A plain line on standard error every ``every`` steps (and at the last)."""
        if n <= self.total and (n % self.every == 0 or n == self.total) and n > self.done:
            self.done = n
            print(self._line(n, note), file=sys.stderr, flush=True)

    def becomes(self, result) -> None:
        """In a notebook, the progress line becomes ``result`` (its HTML and text), and ``result``
        is not shown again by the cell that made it: one output per call."""
        if self.display is None:
            return
        from IPython import get_ipython

        self.display.update(result.mimebundle(), raw=True)
        result.shown_at = getattr(get_ipython(), "execution_count", None)

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()
        if self.display is not None:
            self.display.update({"text/plain": self._line(self.done, self.note)}, raw=True)
