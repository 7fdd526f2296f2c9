"""Handles on a candidate: the judge asks for an :class:`Outcome`, never calls candidate code.

:class:`Worker` runs the candidate in a process of its own (a fresh interpreter started with
``subprocess``: none of the judge's state, none of its modules), which receives copies of
``params, X, y`` and returns the loss and gradients by value (DESIGN.md, contract 7). Every way
the worker ends (an exception of any kind, an exit with any code, a signal, a call past its
time limit, memory past its limit, a refused import) becomes an Outcome with one line, and
whatever it prints is kept apart from the judge's own output. :class:`InProcess` gives the
same Outcomes from a call in the judge's interpreter (``--no-isolation``, and the judge's own
catalogue), for stepping through a candidate with a debugger.
"""
from __future__ import annotations

import enum
import os
import pickle
import secrets
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from oracles import policy, reaper, worker
from oracles.worker import JUDGE_PACKAGES


class CandidateError(ValueError):
    """The candidate cannot be loaded (a usage error: exit 2)."""


class Ending(enum.Enum):
    """How a call of the candidate ended, as a kind (the failure's line says it in words)."""

    RETURNED = "returned"
    RAISED = "raised"  # an exception, sys.exit, or a write into its inputs, at a line of its own
    REFUSED = "refused"  # it imported one of the judge's packages or a --forbid-import one
    REBOUND = "rebound"  # it replaced or removed an entry of the params dict it was given
    NOT_LOADED = "not loaded"  # its file or function could not be loaded: every call says so
    TIMED_OUT = "timed out"
    OFFENCE = "offence"  # it signalled the judge: its verdict for this call and every later one
    DIED = "died"  # its process exited or was killed mid-call
    UNREADABLE = "unreadable"  # its worker's reply could not be read
    INTERRUPTED = "interrupted"  # the run was interrupted before it was graded


FATAL = (Ending.TIMED_OUT, Ending.OFFENCE)  # the worker is not asked again after these


@dataclass(frozen=True)
class Outcome:
    """One call of the candidate: what it returned, printed, and how it ended.

    ``returned`` is :func:`oracles.worker.describe`'s plain data (arrays by value) when the call
    returned; ``failure`` is one line when it did not (or broke the contract on its way out).
    """

    returned: dict | None
    failure: str | None = None
    output: str = ""
    seconds: float = 0.0
    fp_error: str | None = None  # for non-finite results: the first floating-point error, re-run under errstate
    ending: Ending = Ending.RETURNED  # how the call ended, as a kind
    unmended: dict | None = None  # a layout's grads whose shape no fix mends, kept for their values (conventions)


def _signal_words(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    description = signal.strsignal(number) or name
    return f"signal {number} ({description.lower()})"


def raised_words(reply: dict, when: str = "") -> str:
    """One line for a candidate that raised: ``the candidate crashed at mine.py:12: ValueError: ...``."""
    where = f" at {reply['where']}" if reply.get("where") else ""
    if reply.get("read_only"):
        return (f"the candidate wrote into its inputs{where} "
                f"(an in-place update of the caller's weights or data?)")
    kind = reply["type"]
    message = f": {reply['message']}" if reply.get("message") else ""
    if kind == "SystemExit":
        return f"the candidate called sys.exit({reply.get('message') or ''}){when}{where}"
    return f"the candidate crashed{when}{where}: {kind}{message}"


def refused_words(names) -> str:
    """``the candidate imported reference, one of the judge's own packages, refused in its worker``."""
    judge = [n for n in names if n.partition(".")[0] in JUDGE_PACKAGES]
    why = ("one of the judge's own packages" if judge else "which --forbid-import refuses")
    return f"the candidate imported {', '.join(names)}, {why}: refused in its worker"


def reply_failure(reply: dict) -> str | None:
    """The one-line failure of a reply that is not a returned value, or None."""
    refused = reply.get("refused_imports") or []
    if refused:
        return refused_words(refused)
    if reply["kind"] == "raised":
        return raised_words(reply)
    if reply["kind"] == "rebound":
        return ("the candidate changed the params dict it was given "
                "(replaced or removed an entry: an update of the caller's weights?)")
    return None


def reply_ending(reply: dict) -> Ending:
    """The kind of a reply's ending (:func:`reply_failure` says it in words)."""
    if reply.get("refused_imports"):
        return Ending.REFUSED
    return {"raised": Ending.RAISED, "rebound": Ending.REBOUND}.get(reply["kind"], Ending.RETURNED)


def _outcome(reply: dict, output: str, seconds: float, memory: int | None = None) -> Outcome:
    failure = reply_failure(reply)
    if failure and reply.get("type") == "MemoryError" and memory:
        failure += f" (the worker's memory limit is {memory / 2**30:.3g} GiB: --memory)"
    return Outcome(None if failure else reply, failure, output, seconds, ending=reply_ending(reply))


@dataclass
class Source:
    """Where the candidate's function comes from: a file, a module, or a pickled function."""

    name: str  # as the user wrote it, for reports
    file: str | None = None
    module: str | None = None
    attr: str = ""
    pickled: bytes | None = None
    path: list = field(default_factory=list)  # sys.path for the worker
    fallback: object = None  # () -> the other Source (by value, or by module and name), when this one's import is refused

    def message(self) -> dict:
        if self.pickled is not None:
            return {"pickled": self.pickled}
        if self.file is not None:
            return {"file": self.file, "attr": self.attr}
        return {"module": self.module, "attr": self.attr}

    def allowed(self) -> list:
        """The candidate's own module and its packages (a catalogue entry may be a candidate)."""
        if self.module is None:
            return []
        parts = self.module.split(".")
        return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def parse_target(target: str) -> Source:
    """``path/to/file.py:backward`` or ``package.module:backward`` -> a Source (paths resolved now)."""
    source, sep, attr = target.rpartition(":")
    if not sep or not source or not attr:
        raise CandidateError(f"{target}: --candidate takes FILE.py:FUNCTION or MODULE:FUNCTION")
    if source.endswith(".py") or "/" in source or "\\" in source:
        path = Path(source)
        if not path.is_file():
            raise CandidateError(f"{path}: candidate file not found")
        resolved = path.resolve()
        # as when the file runs as a script: its folder comes first, so its siblings import
        return Source(target, file=str(resolved), attr=attr, path=[str(resolved.parent), *sys.path])
    return Source(target, module=source, attr=attr, path=[os.getcwd(), *sys.path])


def function_source(fn, name: str | None = None, by_value: bool = False) -> Source:
    """A function object -> a Source.

    By default (pytest) by module and qualified name when it can be imported again that way,
    else by value with cloudpickle (``__main__``, a notebook, a lambda, a closure). With
    ``by_value`` (the notebook's ``check`` and ``fuzz``) by value first, its module's globals as
    the caller holds them now, and by module and name only when cloudpickle cannot ship it (or
    its worker refuses what the shipped function imports: a catalogue entry of ours)."""
    if not callable(fn):
        raise CandidateError(f"the candidate must be a function backward(params, X, y), got {type(fn).__name__}")
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", "") or ""
    name = name or f"{module}:{qualname or type(fn).__name__}"
    importable = module and module != "__main__" and "<" not in qualname and _resolves(module, qualname, fn)
    if by_value:
        try:
            source = _by_value(fn, name)
        except CandidateError:
            if not importable:
                raise
            return Source(name, module=module, attr=qualname, path=list(sys.path))
        if importable:
            source.fallback = lambda: Source(name, module=module, attr=qualname, path=list(sys.path))
        return source
    if importable:
        # a test module that imports the harness itself cannot be imported in the worker: then by value
        return Source(name, module=module, attr=qualname, path=list(sys.path), fallback=lambda: _by_value(fn, name))
    return _by_value(fn, name)


def _by_value(fn, name: str) -> Source:
    """The function pickled by value (its code and the globals it uses) with cloudpickle."""
    import cloudpickle

    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    own = module is not None and module.__name__ != "__main__"  # its module goes by value too, for this once
    if own:
        cloudpickle.register_pickle_by_value(module)
    try:
        pickled = cloudpickle.dumps(fn)
    except Exception as exc:  # noqa: BLE001: whatever the function's globals hold
        raise CandidateError(f"{name}: cannot ship the candidate to its worker: {type(exc).__name__}: {exc}; "
                             f"define it at the top level of a module, or pass isolate=False") from None
    finally:
        if own:
            cloudpickle.unregister_pickle_by_value(module)
    return Source(name, pickled=pickled, path=list(sys.path))


def _resolves(module: str, qualname: str, fn) -> bool:
    obj = sys.modules.get(module)
    if obj is None or not getattr(obj, "__file__", None):
        return False
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj is fn


def load_in_process(source: Source):
    """The candidate's function, imported into the judge's own interpreter (``--no-isolation``)."""
    if source.file is not None and source.path[0] not in sys.path:
        sys.path.insert(0, source.path[0])  # as when the file runs as a script: its siblings import
    import contextlib
    import io

    was, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ beside the user's file
    try:  # what the module prints while importing stays out of the report's own output
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            fn = worker.load(source.message())
    except BaseException as exc:  # noqa: B902: sys.exit at import is the candidate's, not the judge's
        reply = {"type": type(exc).__name__, "message": worker._text(exc), "where": worker._where(exc)}
        words = raised_words(reply, " while importing")
        if reply["type"] in NOT_IMPORTABLE:
            raise CandidateError(_import_failure(source, words)) from None
        raise LoadVerdict(words) from None
    finally:
        sys.dont_write_bytecode = was
    if not callable(fn):
        raise CandidateError(f"{source.name}: no function {source.attr!r} in the candidate")
    return fn


# What the candidate's import raised that means it cannot be found or read: a usage error (exit 2).
# Anything else its module does while importing (exits, crashes, dies, hangs) is its own verdict.
NOT_IMPORTABLE = ("SyntaxError", "IndentationError", "TabError", "ImportError", "ModuleNotFoundError",
                  "FileNotFoundError")


class LoadVerdict(Exception):
    """The candidate's module did something while importing that is a verdict (exit 1), not a usage error."""


def _import_failure(source: Source, failure: str) -> str:
    what = "candidate file failed to import" if source.file else (
        "candidate module not importable" if source.module else "candidate failed to load")
    return f"{source.name}: {what}: {failure}"


# ---------------------------------------------------------------- the handles

def _call_message(params, X, y, errstate: bool) -> dict:
    return {"op": "call", "params": {k: np.asarray(v) for k, v in params.items()},
            "X": np.asarray(X), "y": np.asarray(y), "errstate": errstate}


class InProcess:
    """The candidate called in the judge's own interpreter (``--no-isolation``): for debugging."""

    isolated = False

    def __init__(self, name: str, fn, failure: str | None = None):
        self.name, self.fn, self.failure = name, fn, failure  # failure: what importing it did

    def start(self):
        return self

    def evaluate(self, params, X, y, errstate: bool = False, timeout: float | None = None) -> Outcome:
        """The candidate's Outcome on copies of the arrays (``timeout`` cannot be enforced in-process)."""
        import contextlib
        import io

        if self.failure is not None:
            return Outcome(None, self.failure, ending=Ending.NOT_LOADED)
        captured = io.StringIO()
        start = time.perf_counter()
        call = worker.traced_invoke if errstate else worker.invoke  # a NaN or inf came back: where it is made
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            reply = call(self.fn, params, X, y)
        reply = worker.decode(worker.encode(reply))  # the worker's codec: the same Outcomes either way
        return _outcome(reply, captured.getvalue(), time.perf_counter() - start)

    def evaluate_many(self, inputs: list, timeout: float | None = None) -> list:
        """Outcomes of several calls, in order."""
        return [self.evaluate(params, X, y) for params, X, y in inputs]

    def close(self):
        pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


_LIVE: set = set()  # the workers alive now, for :func:`blame`
_LIVE_LOCK = threading.Lock()


def watch_interrupts() -> bool:
    """From now on, a SIGINT sent to this process by a candidate (its worker or a descendant)
    is that candidate's verdict, and any other SIGINT is KeyboardInterrupt as before (Linux, main
    thread; :class:`oracles.reaper.Interrupts`). True when it took effect."""
    return reaper.watch_interrupts(blame)


def _drain_interrupts() -> None:
    reaper.drain_interrupts()


def blame(pid: int, number: int = signal.SIGINT) -> bool:
    """If ``pid`` is a live worker or one of its descendants, that worker's candidate signalled
    the judge: it is told so (:meth:`Worker.offend`) and True is returned."""
    with _LIVE_LOCK:
        workers = [w for w in _LIVE if w.process is not None]
    for w in workers:
        if pid in reaper.descendants([w.process.pid]) or pid in reaper.adopted(w.token, anywhere=True, among=[pid]):
            w.offend(f"the candidate sent {_signal_words(number)} to the judge's process: a candidate may not "
                     f"signal the judge")
            return True
    return False


def end_all() -> None:
    """End every live worker now (Ctrl-C in a gradebook): each later call of theirs fails at once."""
    with _LIVE_LOCK:
        workers = list(_LIVE)
    for w in workers:
        w.fatal = w.fatal or Outcome(None, "not graded: the run was interrupted", ending=Ending.INTERRUPTED)
        process = w.process
        if process is not None:
            w._end(process)


class Worker:
    """The candidate in a worker process of its own, kept across the calls of one run.

    ``timeout``: seconds per call (None: the policy's default, scaled per call by the caller);
    ``memory``: bytes of address space (RLIMIT_AS); ``forbid``: top-level module names the
    candidate may not import, besides the judge's own packages. A worker that dies is replaced
    at the next call; one that ran past its time limit is not restarted in the same run: every
    later call reports the same timeout at once, so a hanging candidate ends a run in bounded time.
    """

    isolated = True

    def __init__(self, source: Source, timeout: float | None = None, memory: int | None = None,
                 forbid=(), load_timeout: float | None = None):
        self.source = source
        self.name = source.name
        self.timeout = timeout
        self.memory = policy.WORKER_MEMORY_BYTES if memory is None else memory
        self.load_timeout = load_timeout or max(policy.WORKER_LOAD_TIMEOUT_S, timeout or 0)
        self.refused = sorted(set(JUDGE_PACKAGES) | set(forbid))
        self.process = None
        self.fatal: Outcome | None = None  # a timeout: every later call gets it at once
        self.loaded_failure: str | None = None
        self.offence: str | None = None  # the candidate signalled the judge: its verdict
        self.signalled: int | None = None  # its worker died of (or stopped on) a signal the judge did not send
        self.token = secrets.token_hex(8)  # in its worker's environment: orphans of its own are known by it
        self.lock = threading.RLock()
        self.ending = False

    # ------------------------------------------------------------ lifetime
    def start(self):
        """Start the worker and load the candidate; CandidateError (exit 2) when it cannot load."""
        if self.process is None and self.fatal is None:
            self._spawn()
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """End the worker and every process under it (a descendant that called ``setsid()``
        included: :mod:`oracles.reaper`) and wait until each is dead. A SIGINT its candidate sent
        the judge is read first (:func:`watch_interrupts`), so its verdict is never lost."""
        _drain_interrupts()
        with self.lock:
            process, self.process = self.process, None
            if process is None:
                return
            self._end(process)
            for fd in (self.to_worker, self.from_worker):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.output.close()
            with _LIVE_LOCK:
                _LIVE.discard(self)

    def _end(self, process):
        """Stop and kill the worker's whole tree, and the orphans of its own that the judge adopted."""
        self.ending = True
        dead = process.returncode is not None or not reaper.alive(process.pid)  # its orphans went up: find them
        reaper.end_tree([process.pid, *reaper.adopted(self.token, anywhere=dead)], spare={process.pid})
        if process.returncode is None:  # not reaped yet, so its pid is still its group's: the group too (not Linux)
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()

    def offend(self, line: str) -> None:
        """The candidate did what a candidate may not (signalled the judge): that is its verdict
        for this call and every later one, and its worker is ended now."""
        self.offence = line
        self.fatal = Outcome(None, line, ending=Ending.OFFENCE)
        process = self.process
        if process is not None:
            self._end(process)

    def _spawn(self):
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        self.output = tempfile.TemporaryFile()
        self.read_at = 0
        self.ending = False
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1", **{reaper.TOKEN: self.token})
        boot = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__backprop_worker__')"
        self.process = subprocess.Popen(
            [sys.executable, "-c", boot, worker.__file__, str(to_worker_r), str(from_worker_w)],
            pass_fds=(to_worker_r, from_worker_w), stdin=subprocess.DEVNULL, stdout=self.output,
            stderr=subprocess.STDOUT, start_new_session=True, env=env, close_fds=True)
        os.close(to_worker_r)
        os.close(from_worker_w)
        self.to_worker, self.from_worker = to_worker_w, from_worker_r
        os.set_blocking(self.to_worker, False)  # a worker that stops reading cannot hold the judge's write
        with _LIVE_LOCK:
            _LIVE.add(self)
        message = {"op": "load", "source": self.source.message(), "path": self.source.path,
                   "refused": self.refused, "allowed": self.source.allowed(), "memory": self.memory}
        reply, failure, _ = self._exchange(message, self.load_timeout, "while importing the candidate")
        if failure is not None or reply["kind"] != "loaded":
            self.load_output = self._output()  # what the module printed while importing: shown once
            self.close()
            self._load_failed(reply, failure)

    def _load_failed(self, reply, failure):
        refused = (reply or {}).get("refused_imports") or []
        if refused and self.source.fallback is not None:  # the module imports the judge: ship the function itself
            self.source = self.source.fallback()
            self._spawn()
            return
        if refused:  # a refused import is a verdict (exit 1), not a usage error
            self.loaded_failure = refused_words(refused)
            return
        if failure is None and reply["kind"] == "missing":
            raise CandidateError(f"{self.name}: no function {self.source.attr!r} in the candidate")
        if failure is None and reply.get("type") in NOT_IMPORTABLE:
            raise CandidateError(_import_failure(self.source, raised_words(reply, " while importing")))
        self.loaded_failure = failure or raised_words(reply, " while importing")  # a verdict: exit 1

    # ------------------------------------------------------------ calls
    def evaluate(self, params, X, y, errstate: bool = False, timeout: float | None = None) -> Outcome:
        return self.ask(_call_message(params, X, y, errstate), timeout=timeout)

    def ask(self, message: dict, when: str = "during the call", timeout: float | None = None) -> Outcome:
        """One message of a family's own op (:data:`oracles.worker.FAMILY_OPS`) and its reply as
        an Outcome, under the same lifetime, limits and failure lines as :meth:`evaluate`."""
        if self.fatal is not None:
            return self.fatal
        if self.loaded_failure is not None:
            return self._load_verdict()
        if self.process is None:
            self._spawn()
            if self.loaded_failure is not None:
                return self._load_verdict()
        limit = self.timeout or timeout or policy.WORKER_CALL_TIMEOUT_S  # --timeout, else the caller's default
        start = time.perf_counter()
        reply, failure, ending = self._exchange(message, limit, when)
        seconds, output = time.perf_counter() - start, self._output()
        if failure is not None:
            outcome = Outcome(None, failure, output, seconds, ending=ending)
            if ending in FATAL:
                self.fatal = outcome
            self.close()
            return outcome
        return _outcome(reply, output, seconds, self.memory)

    def evaluate_many(self, inputs: list, timeout: float | None = None) -> list:
        """Outcomes of several calls, in order, in one round trip to the worker (the laws ask a
        handful of small questions per drawn problem: one exchange instead of one each). Each
        call has its own time limit (the worker answers each as it is done); past it, every
        call of the batch fails with it. A worker that dies in the batch is asked the calls it
        did not answer again one by one, so each Outcome says what that call did."""
        if len(inputs) < 2 or self.fatal is not None or self.loaded_failure is not None:
            return [self.evaluate(params, X, y, timeout=timeout) for params, X, y in inputs]
        if self.process is None:
            self._spawn()
            if self.loaded_failure is not None:
                return [self._load_verdict()] + [Outcome(None, self.loaded_failure, ending=Ending.NOT_LOADED)] * (
                    len(inputs) - 1)
        limit = self.timeout or timeout or policy.WORKER_CALL_TIMEOUT_S
        calls = [{"params": {k: np.asarray(v) for k, v in params.items()}, "X": np.asarray(X), "y": np.asarray(y)}
                 for params, X, y in inputs]
        start = time.perf_counter()
        replies, failure, ending = self._exchange({"op": "calls", "calls": calls}, limit, "during a batch of calls",
                                                  len(inputs))
        seconds = (time.perf_counter() - start) / len(inputs)
        output = self._output()
        if ending in FATAL:
            self.fatal = Outcome(None, failure, output, seconds * len(inputs), ending=ending)
            self.close()
            return [self.fatal] * len(inputs)
        answered = [_outcome(r, output if i == 0 else "", seconds, self.memory) for i, r in enumerate(replies or [])]
        if failure is not None:
            self.close()
            return answered + [self.evaluate(params, X, y, timeout=timeout) for params, X, y in inputs[len(answered):]]
        return answered

    def _load_verdict(self) -> Outcome:
        output, self.load_output = getattr(self, "load_output", ""), ""
        return Outcome(None, self.loaded_failure, output, ending=Ending.NOT_LOADED)

    def _exchange(self, message: dict, limit: float, when: str, replies: int = 0):
        """Send one message and wait for its reply, each part under the time limit:
        ``(reply, None, RETURNED)`` or ``(None, failure line, its Ending)``. With ``replies``, that
        many replies, each under a limit of its own: ``(list of the replies read, None or the
        failure line, its Ending)``. A candidate that signalled the judge meanwhile ends in its offence."""
        got = []
        deadline = time.monotonic() + limit
        try:
            if not self._send(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL), deadline):
                return (got or None), *self._failed(self._death(when), Ending.DIED)
            for _ in range(max(replies, 1)):
                raw = self._receive(deadline)
                if raw is None:
                    return (got or None), *self._failed(self._death(when), Ending.DIED)
                reply = worker.decode(raw)
                if not isinstance(reply, dict) or not isinstance(reply.get("kind"), str):
                    raise ValueError("not a reply of the worker's")
                got.append(reply)
                deadline = time.monotonic() + limit
        except TimeoutError:
            stopped = reaper.stopped(self.process.pid)
            self._end(self.process)
            if stopped and self.offence is None:  # stopped by a signal the judge did not send
                self.signalled = signal.SIGSTOP
            late = f"the candidate ran past its time limit of {limit:.3g} s {when} (--timeout)"
            return (got or None), *self._failed(late, Ending.TIMED_OUT)
        except ValueError as exc:
            self._end(self.process)
            return (got or None), *self._failed(f"the candidate's worker sent an unreadable reply {when} ({exc})",
                                                Ending.UNREADABLE)
        except (KeyError, IndexError, TypeError, struct.error) as exc:
            return (got or None), f"the candidate's worker sent an unreadable reply {when} ({type(exc).__name__})", \
                Ending.UNREADABLE
        _drain_interrupts()
        if self.offence is not None:
            return (got or None), self.offence, Ending.OFFENCE
        return (got, None, Ending.RETURNED) if replies else (got[0], None, Ending.RETURNED)

    def _failed(self, line: str, ending: Ending) -> tuple:
        """``(line, ending)``, or the offence when the candidate signalled the judge meanwhile."""
        return (self.offence, Ending.OFFENCE) if self.offence is not None else (line, ending)

    def _send(self, payload: bytes, deadline: float) -> bool:
        """The framed message written under the deadline however slowly the worker reads it
        (TimeoutError past it; False: the worker is gone)."""
        with selectors.DefaultSelector() as sel:
            sel.register(self.to_worker, selectors.EVENT_WRITE)
            for part in (worker.HEADER.pack(len(payload)), payload):
                view = memoryview(part)
                while view:
                    try:
                        view = view[os.write(self.to_worker, view[:1 << 20]):]
                        continue
                    except BlockingIOError:
                        pass
                    except OSError:  # a broken pipe: the worker is gone
                        return False
                    if not sel.select(timeout=min(0.25, max(0.0, deadline - time.monotonic()))):
                        if self.process.poll() is not None:
                            return False
                        if time.monotonic() >= deadline:
                            raise TimeoutError
        return True

    def _receive(self, deadline: float):
        """One framed reply, read under the deadline however the bytes arrive (None: the worker
        died). The worker is the candidate's process: a length it claims is never trusted to arrive,
        and one over the worker's own memory limit is refused before anything is allocated for it."""
        head = self._read(worker.HEADER.size, deadline)
        if head is None:
            return None
        (n,) = worker.HEADER.unpack(head)
        limit = min(policy.WORKER_REPLY_BYTES, self.memory or policy.WORKER_REPLY_BYTES)
        if n > limit:
            raise ValueError(f"a reply of {n:,} bytes, over the limit of {limit:,} bytes, "
                             f"the worker's memory limit: --memory")
        return self._read(n, deadline)

    def _read(self, n: int, deadline: float):
        """``n`` bytes into one bytearray, grown as they arrive (never allocated ahead of them)."""
        buffer = bytearray()
        with selectors.DefaultSelector() as sel:
            sel.register(self.from_worker, selectors.EVENT_READ)
            while len(buffer) < n:
                if not sel.select(timeout=min(0.25, max(0.0, deadline - time.monotonic()))):
                    if self.process.poll() is not None:  # dead, though a child of its may hold the pipe
                        return None
                    if time.monotonic() >= deadline:
                        raise TimeoutError
                    continue
                chunk = os.read(self.from_worker, min(n - len(buffer), 1 << 20))
                if not chunk:
                    return None
                buffer += chunk
        return buffer

    def _death(self, when: str) -> str:
        if self.offence is not None:
            return self.offence
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._end(self.process)
            code = self.process.returncode
        _drain_interrupts()
        if self.offence is not None:
            return self.offence
        if code is not None and code < 0:
            if not self.ending:  # a signal the judge did not send (a gradebook re-grades it alone)
                self.signalled = -code
            words = f"died of {_signal_words(-code)}"
            if -code == signal.SIGKILL:
                words += " (killed: out of memory?)"
        else:
            words = f"exited with code {code}"
        memory = self._memory_hint()
        return f"the candidate's process {words} {when}{memory}"

    def _memory_hint(self) -> str:
        text = self._output(peek=True)
        if "MemoryError" in text or "Cannot allocate memory" in text or "std::bad_alloc" in text:
            return f" (out of memory: the limit is {self.memory / 2**30:.3g} GiB, --memory)"
        return ""

    def _output(self, peek: bool = False) -> str:
        """What the worker printed since the last call (stdout and stderr, in order), at most
        ``policy.WORKER_OUTPUT_BYTES`` of it: a candidate that prints without end costs no memory."""
        try:
            self.output.seek(0, os.SEEK_END)
            end, start = self.output.tell(), self.read_at
            self.output.seek(start)
            data = self.output.read(min(end - start, policy.WORKER_OUTPUT_BYTES))
        except (ValueError, OSError):
            return ""
        if not peek:
            self.read_at = end
        text = data.decode("utf-8", "replace")
        if end - start > len(data):
            text += f"\n[... {end - start - len(data):,} more bytes not shown]"
        return text
