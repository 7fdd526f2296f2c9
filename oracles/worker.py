"""The candidate's side of the boundary: load a backward, call it, send back what it returned.

This module runs in two places. As the worker process (``python -c BOOT worker.py FD FD``,
run by path, so the ``oracles`` package is never imported there) it serves the judge over a
pair of pipes; in the judge, :func:`invoke` and :func:`describe` are the in-process handle's
whole work (``--no-isolation``). It imports only the standard library and NumPy (and
cloudpickle to receive a function shipped by value): nothing of the judge lives here.

Judge -> worker messages are pickles (the worker trusts the judge). Worker -> judge messages
are JSON with NumPy arrays as ``.npy`` bytes (``allow_pickle=False``): the judge never
unpickles anything the candidate could have shaped.
"""
from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import pickle
import struct
import sys
import sysconfig
import time
import traceback

import numpy as np

JUDGE_PACKAGES = ("reference", "oracles", "properties")
HEADER = struct.Struct("<Q")


# ---------------------------------------------------------------- what the candidate returned

def _where(exc: BaseException) -> str:
    """The innermost frame of the candidate's own code as ``file:line`` (empty when there is none).

    Frames in this file, the standard library and installed packages (NumPy's, say) are
    skipped: the line to look at is the candidate's.
    """
    if isinstance(exc, SyntaxError) and exc.filename:  # the line that does not parse, not the importer's
        return f"{os.path.basename(exc.filename)}:{exc.lineno}"
    # no source lines are read (a file the worker's guard refuses stays unopened)
    summary = traceback.StackSummary.extract(traceback.walk_tb(exc.__traceback__), lookup_lines=False)
    frames = [f for f in summary if f.filename != __file__]
    libraries = tuple({sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")})
    own = [f for f in frames if not f.filename.startswith(libraries) and not f.filename.startswith("<frozen")]
    frame = (own or frames or [None])[-1]
    return f"{os.path.basename(frame.filename)}:{frame.lineno}" if frame else ""


def _text(exc: BaseException) -> str:
    """The first line of an exception's message, even when its ``__str__`` raises."""
    try:
        lines = str(exc).splitlines()
    except BaseException:  # noqa: B902: the candidate's own exception class
        return "(its message could not be read)"
    return lines[0][:500] if lines else ""


def _read_only(a) -> np.ndarray:
    copy = np.array(a, copy=True)
    copy.setflags(write=False)
    return copy


def _value(v) -> dict:
    """A description of one returned value: the array itself when it is a plain numeric one."""
    if isinstance(v, np.ndarray) and v.dtype.kind in "biufc" and not v.dtype.hasobject:
        return {"array": v}
    scalar = bool(np.isscalar(v) or isinstance(v, np.generic))
    out = {"type": type(v).__name__, "scalar": scalar}
    if scalar:
        try:
            out["float"] = float(v)
        except (TypeError, ValueError, OverflowError):
            pass
    return out


def _loss(v) -> dict:
    """A returned loss: its value when it converts to one float, else its type."""
    try:
        a = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        a = None
    if a is not None and a.size == 1:
        return {"float": float(a.reshape(()))}
    return {"type": type(v).__name__}


def describe(out) -> dict:
    """What ``backward`` returned, as plain data: a grads dict, or a (loss, grads) pair, or a type."""
    if isinstance(out, dict):
        return {"kind": "grads", "grads": [[str(k), _value(v)] for k, v in out.items()]}
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
        return {"kind": "loss+grads", "loss": _loss(out[0]),
                "grads": [[str(k), _value(v)] for k, v in out[1].items()]}
    return {"kind": "other", "type": type(out).__name__}


def invoke(fn, params: dict, X, y) -> dict:
    """Call ``fn`` on read-only copies; every way it ends becomes plain data (nothing escapes)."""
    p_in = {k: _read_only(v) for k, v in params.items()}
    given = dict(p_in)  # the arrays handed over, to see whether the dict was rebound
    try:
        out = fn(p_in, _read_only(X), _read_only(y))
    except BaseException as exc:  # noqa: B902: SystemExit and KeyboardInterrupt are verdicts too
        message = _text(exc)
        return {"kind": "raised", "type": type(exc).__name__, "message": message, "where": _where(exc),
                "read_only": isinstance(exc, ValueError) and "read-only" in message}
    if set(p_in) != set(given) or any(p_in[k] is not given[k] for k in given):
        return {"kind": "rebound"}
    try:
        return describe(out)
    except BaseException as exc:  # noqa: B902: a returned object whose methods raise
        return {"kind": "raised", "type": type(exc).__name__, "message": _text(exc), "where": _where(exc),
                "read_only": False}


# ---------------------------------------------------------------- where a non-finite value comes from
# The first floating-point warning is often not the origin of a NaN (an exp that underflows to 0
# before a division by it): the origin is the line after which a value of the candidate's first
# holds a NaN or inf, and the warnings raised on that line say which operation made it.

ORIGIN_EVENTS = 200_000  # line events traced at most (a per-entry loop): past it, no origin is claimed
_WARNED = ("overflow encountered in exp", "divide by zero encountered in log", "divide by zero encountered in",
           "invalid value encountered in divide", "invalid value encountered in true_divide")


def _not_finite(v) -> bool:
    if isinstance(v, np.ndarray) and v.dtype.kind in "fc":
        return not np.isfinite(v).all()
    if isinstance(v, (float, np.floating)):
        return not np.isfinite(v)
    if isinstance(v, (list, tuple)) or isinstance(v, dict):
        return any(_not_finite(x) for x in (v.values() if isinstance(v, dict) else v) if not isinstance(x, (list, tuple, dict)))
    return False


def traced_invoke(fn, params: dict, X, y) -> dict:
    """:func:`invoke` for a call known to return a NaN or inf: the reply names its origin, the
    candidate's line after which a value first holds one (and the operation that the warnings on
    that line name), as ``{"kind": "raised", "type": "FloatingPointError", ...}``; where none is
    found (the value is born in a library, the call is too long to trace), the first warning
    raised, as before."""
    import linecache
    import warnings

    libraries = tuple({sysconfig.get_path(n) for n in ("stdlib", "platstdlib", "purelib", "platlib")})
    state = {"events": 0, "origin": None, "bad": {}, "last": {}}

    def own(frame) -> bool:
        name = frame.f_code.co_filename
        return name != __file__ and not name.startswith(libraries) and not name.startswith("<")

    def check(frame, line, value=None, returned=False):
        bad = state["bad"].setdefault(id(frame), set())
        now = {k for k, v in list(frame.f_locals.items()) if _not_finite(v)}
        if (now - bad or returned and _not_finite(value)) and line is not None:
            state["origin"] = (frame.f_code.co_filename, line)
        bad |= now

    def local(frame, event, arg):
        if state["origin"] is not None or state["events"] > ORIGIN_EVENTS:
            return None
        state["events"] += 1
        if event in ("line", "return"):
            check(frame, state["last"].get(id(frame)), arg, event == "return")
            state["last"][id(frame)] = frame.f_lineno
        return local

    def tracer(frame, event, arg):
        return local if event == "call" and own(frame) and state["origin"] is None else None

    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        before = sys.gettrace()  # a coverage or debugger tracer: put back after
        sys.settrace(tracer)
        try:
            reply = invoke(fn, params, X, y)
        finally:
            sys.settrace(before)
    if state["origin"] is None or state["events"] > ORIGIN_EVENTS:
        with np.errstate(all="raise"):
            return invoke(fn, params, X, y)
    file, line = state["origin"]
    said = [str(w.message) for w in caught if w.filename == file and w.lineno == line]
    said = [m for m in said if m.startswith(_WARNED)] or said
    try:
        text = linecache.getline(file, line).split("  #")[0].strip()
    except Exception:  # noqa: BLE001: a file the guard keeps closed: the line number is still said
        text = ""
    what = "; ".join(dict.fromkeys(said)) or "no NumPy warning on that line"
    code = f" in `{text}`" if text else ""
    return {"kind": "raised", "type": "FloatingPointError", "where": f"{os.path.basename(file)}:{line}",
            "message": f"the first non-finite value is made here{code}: {what}", "read_only": False,
            "returned": reply.get("kind")}


# ---------------------------------------------------------------- encoding, safe both ways

def encode(message: dict) -> bytes:
    """JSON, with each array replaced by its dtype, shape and an index into raw byte blobs."""
    blobs = []

    def walk(v):
        if isinstance(v, np.ndarray):
            a = np.ascontiguousarray(v)
            blobs.append(a.tobytes())
            return {"__array__": len(blobs) - 1, "dtype": a.dtype.str, "shape": list(a.shape)}
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [walk(x) for x in v]
        return v  # str, int, float (NaN and inf as JSON's NaN / Infinity), bool, None

    head = json.dumps(walk(message)).encode()
    head += b" " * (-len(head) % 8)  # every blob starts 8-aligned: the judge's arrays are views, not copies
    return b"".join([HEADER.pack(len(head)), head] + [HEADER.pack(len(b)) + b + b"\0" * (-len(b) % 8) for b in blobs])


def decode(data) -> dict:
    """The inverse of :func:`encode`. Only numeric dtypes are rebuilt: nothing is ever unpickled.
    Arrays are views of a writable ``data`` (a bytearray, as the judge reads a reply): a reply
    is held once, not copied again; from read-only bytes they are copies."""
    view = memoryview(data)
    (n,) = HEADER.unpack_from(view, 0)
    head = json.loads(bytes(view[HEADER.size:HEADER.size + n]))
    blobs, at = [], HEADER.size + n
    while at < len(view):
        (m,) = HEADER.unpack_from(view, at)
        blobs.append(view[at + HEADER.size:at + HEADER.size + m])
        at += HEADER.size + m + (-m % 8)

    def walk(v):
        if isinstance(v, dict):
            if "__array__" in v:
                dtype = np.dtype(v["dtype"])
                if dtype.kind not in "biufc":
                    raise ValueError(f"refused dtype {dtype}")
                a = np.frombuffer(blobs[v["__array__"]], dtype=dtype).reshape(v["shape"])
                return a if a.flags.writeable and a.flags.aligned else a.copy()
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(head)


def send(fd: int, payload: bytes) -> None:
    data = HEADER.pack(len(payload)) + payload
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def receive(fd: int) -> bytes | None:
    """One framed message, or None at end of file."""
    head = _read_exactly(fd, HEADER.size)
    if head is None:
        return None
    return _read_exactly(fd, HEADER.unpack(head)[0])


def _read_exactly(fd: int, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- the worker process

class ImportGuard(importlib.abc.MetaPathFinder):
    """Refuses the judge's packages (and ``--forbid-import`` names) by name to ``importlib``.

    The first of two layers, and the one a candidate can remove (it is a finder in
    ``sys.meta_path``): it refuses ``importlib.import_module`` of a refused name that has no file
    (a module compiled into the interpreter, a dotted ``--forbid-import`` name) while it is there.
    :func:`install_guard`'s audit hook is the layer that cannot be removed; every refusal is noted
    with it. ``allowed`` holds the candidate's own module and its packages (a catalogue entry of
    ours may be a candidate).
    """

    def __init__(self, refused, allowed=()):
        self.refused, self.allowed = tuple(refused), set(allowed)

    def find_spec(self, name, path=None, target=None):
        refused = _refused_name(name, self.refused)
        if refused is not None and name not in self.allowed:
            sys.audit(NOTE_EVENT, refused)
            raise ImportError(f"import of {name} refused in the candidate's worker")
        return None


NOTE_EVENT = "backprop.refused"  # the worker's own audit events: note one refused name, read them back
READ_EVENT = "backprop.read-refused"
GC_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})


def _refused_name(name: str, refused) -> str | None:
    """The entry of ``refused`` that ``name`` is or lies under (``torch`` for ``torch.nn``), or None."""
    for entry in refused:
        if name == entry or name.startswith(entry + "."):
            return entry
    return None


def _locate(name: str, path) -> list:
    """Where the top-level module ``name`` lives along ``path``, without importing it: each
    package folder (one with an ``__init__``) and each module file (with its bytecode)."""
    suffixes = importlib.machinery.all_suffixes()
    found = []
    for entry in path:
        if not isinstance(entry, str):
            continue
        folder = os.path.join(entry or ".", name)
        if any(os.path.isfile(os.path.join(folder, "__init__" + s)) for s in suffixes):
            found.append(folder)
        for s in suffixes:
            if os.path.isfile(folder + s):
                found += _with_bytecode(folder + s)
    return found


def _with_bytecode(file: str) -> list:
    """``file`` and, for a ``.py`` file, its cached bytecode when there is one."""
    if not file.endswith(".py"):
        return [file]
    cached = importlib.util.cache_from_source(file)
    return [file, cached] if os.path.isfile(cached) else [file]


def _module_file(name: str, path):
    """The file of the (dotted) module ``name`` along ``path``, found without importing it, or None."""
    locations, origin = list(path), None
    for part in name.split("."):
        origin = None
        for entry in locations:
            if not isinstance(entry, str):
                continue
            folder = os.path.join(entry or ".", part)
            if os.path.isfile(os.path.join(folder, "__init__.py")):
                origin, locations = os.path.join(folder, "__init__.py"), [folder]
                break
            if os.path.isfile(folder + ".py"):
                origin, locations = folder + ".py", []
                break
        if origin is None:
            return None
    return origin


def _inode(path):
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def install_guard(refused, allowed=(), allowed_files=(), path=()) -> None:
    """Refuse the ``refused`` modules to everything this process runs from now on, for good.

    An audit hook (``sys.addaudithook``), which Python code cannot remove. It refuses an
    ``import`` (the statement, ``__import__``) of a refused name, whatever ``sys.meta_path`` and
    ``sys.modules`` hold; and opening, compiling or executing any file inside a refused module's
    folder (or its file) along ``path``, under any name or path (symlinks and ``..`` included: a
    path is judged by the folders the system resolves it through). ``allowed`` names and
    ``allowed_files`` (this worker's own file, the candidate's) stay open. Each refusal is noted
    (:func:`refused_so_far`) even when the candidate catches the error.

    The hook holds its state in immutable values in its closure and calls only functions taken
    now (nothing the candidate may later patch: not ``os``, not ``builtins``); the garbage
    collector's introspection (``gc.get_objects``, ``get_referrers``, ``get_referents``), the one
    way to reach a closure's cells, is refused in the worker.
    """
    refused = tuple(refused)
    tops = frozenset(r for r in refused if "." not in r)
    dotted = tuple(r for r in refused if "." in r)
    roots = {}
    for name in sorted(tops):
        for place in _locate(name, path):
            key = _inode(place)
            if key is not None:
                roots[key] = name
    allowed = frozenset(allowed)
    allowed_keys = frozenset(filter(None, (_inode(f) for file in allowed_files if file
                                           for f in _with_bytecode(file))))
    suffixes = tuple(importlib.machinery.all_suffixes())
    top_key = _inode("/")
    note_event, read_event = NOTE_EVENT, READ_EVENT
    watched = frozenset({"import", "open", "exec", "compile", note_event, read_event}) | GC_EVENTS
    # every callable the hook uses, taken now: the candidate may rebind os.stat or builtins.isinstance later
    stat, fspath, isinstance_, type_, str_, bytes_, int_ = os.stat, os.fspath, isinstance, type, str, bytes, int
    getattr_, list_, range_ = getattr, list, range
    decode, dirent, error_types = bytes.decode, os.DirEntry, (OSError, ValueError, TypeError)
    import pathlib

    plain_paths = (pathlib.PurePosixPath, pathlib.PosixPath, pathlib.PurePath, pathlib.Path)
    path_methods = (pathlib.PurePath.__fspath__, pathlib.PurePath.__str__)
    import_error, permission_error, runtime_error = ImportError, PermissionError, RuntimeError
    seen = ()

    def owner(name):
        """The refused entry that the module ``name`` is or lies under."""
        top = name.partition(".")[0]
        if top in tops:
            return top
        for entry in dotted:
            if name == entry or name.startswith(entry + "."):
                return entry
        return None

    def key_of(p):
        try:
            st = stat(p)
        except error_types:
            return None
        return st.st_dev, st.st_ino

    def inside(p):
        """The refused name whose folder or file holds the path ``p`` (str), or None."""
        key = key_of(p)
        if key is not None:
            if key in allowed_keys:
                return None
            if key in roots:
                return roots[key]
        head, sep, _ = p.rpartition("/")
        folder = head if head else ("/" if sep else ".")
        if not p.startswith("/"):  # it may be relative to a folder descriptor (dir_fd) the audit does not show
            parts = p.split("/")
            for part in parts[:-1]:
                if part in tops:
                    return part
            last = parts[-1]
            for s in suffixes:
                if last.endswith(s) and last[:-len(s)] in tops:
                    return last[:-len(s)]
        for _ in range_(64):  # up through the folders the system resolves: symlinks and ".." as it sees them
            key = key_of(folder)
            if key is None:
                return None
            if key in roots:
                return roots[key]
            if key == top_key:
                return None
            folder = folder + "/.."
        return None

    def as_text(p):
        """A path argument as text, or None when it cannot be judged without running the candidate's code."""
        t = type_(p)
        if t is str_:
            return p
        if t is bytes_:
            return decode(p, "utf-8", "surrogateescape")
        if t is dirent or (t in plain_paths and (t.__fspath__, t.__str__) == path_methods):
            return fspath(p)
        return None

    def note(name):
        nonlocal seen
        if name not in seen:
            seen = seen + (name,)

    def refuse(name, error, what):
        note(name)
        raise error(f"{what} refused in the candidate's worker ({name})")

    def hook(event, args):
        if event not in watched:
            return
        if event == "open":
            p = args[0]
            if isinstance_(p, int_) or p is None:
                return
            text = as_text(p)
            if text is None:
                raise permission_error("a path of this type cannot be checked in the candidate's worker")
            name = inside(text)
            if name is not None:
                refuse(name, permission_error, f"opening {text}")
        elif event == "import":
            module, file = args[0], args[1]
            name = owner(module) if isinstance_(module, str_) and module not in allowed else None
            if name is None and isinstance_(file, str_):
                name = inside(file)
            if name is not None:
                refuse(name, import_error, f"import of {module}")
        elif event == "exec" or event == "compile":
            file = getattr_(args[0], "co_filename", None) if event == "exec" else args[1]
            text = as_text(file) if file is not None else None
            if text is not None and text.startswith("/"):
                name = inside(text)
                if name is not None:
                    refuse(name, import_error, f"running {text}")
        elif event == note_event:
            if args and type_(args[0]) is str_:
                note(args[0])
        elif event == read_event:
            if args and type_(args[0]) is list_:
                args[0].extend(seen)
        else:
            raise runtime_error(f"{event} refused in the candidate's worker")

    sys.addaudithook(hook)


def refused_so_far() -> list:
    """The refused names noted by :func:`install_guard`'s hook in this process (empty without one)."""
    box = []
    sys.audit(READ_EVENT, box)
    return box


def load(source: dict):
    """The candidate's function from ``{"file": path, "attr": name}``, ``{"module", "attr"}`` or ``{"pickled"}``."""
    if "pickled" in source:
        return pickle.loads(source["pickled"])
    if "file" in source:
        path = source["file"]
        spec = importlib.util.spec_from_file_location("_candidate", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["_candidate"] = module  # pickling, dataclasses and typing look it up by name
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(source["module"])
    fn = module
    for part in source["attr"].split("."):
        fn = getattr(fn, part, None)
    return fn


def _limit_memory(limit_bytes):
    if limit_bytes:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def _confine() -> None:
    """Before any candidate code runs (Linux; elsewhere nothing): every signal unblocked (the
    judge blocks SIGINT to read it with its sender); this worker adopts its own descendants'
    orphans, so its whole tree stays under it; it is not dumpable (its /proc entries need
    CAP_SYS_PTRACE); and as root it drops every capability but CAP_DAC_READ_SEARCH (reading
    files), and all from its bounding set, with no_new_privs, so neither it nor anything it
    executes can reach into the judge's or another worker's /proc entries (CAP_SYS_PTRACE), nor
    gain a capability back."""
    import signal

    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return
    for option, value in ((36, 1), (4, 0), (38, 1)):  # CHILD_SUBREAPER, DUMPABLE 0, NO_NEW_PRIVS
        libc.prctl(option, value, 0, 0, 0)
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            last = int(f.read())
    except (OSError, ValueError):
        last = 63
    for cap in range(last + 1):
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP (refused without CAP_SETPCAP: nothing to drop)
    libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, CLEAR_ALL
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    read = 1 << 2  # CAP_DAC_READ_SEARCH, kept: the candidate reads what the judge's user can read, as before
    data = (ctypes.c_uint32 * 6)(read, read, 0, 0, 0, 0)  # effective, permitted, inheritable (low, then high words)
    libc.capset(header, data)


def serve(read_fd: int, write_fd: int) -> None:
    """The worker's loop: ``load`` once, then ``call`` until ``quit`` or end of file."""
    fn = None
    while True:
        raw = receive(read_fd)
        if raw is None:
            break
        message = pickle.loads(raw)
        if message["op"] == "quit":
            break
        if message["op"] == "load":
            sys.path[:] = message["path"]
            _limit_memory(message.get("memory"))
            _confine()
            refused, allowed = message["refused"], message["allowed"]
            for name in list(sys.modules):  # a refused module this worker imported itself (json, say)
                if _refused_name(name, refused) is not None and name not in allowed:
                    del sys.modules[name]
            source = message["source"]
            allowed_files = [__file__, source.get("file")] + [_module_file(m, sys.path) for m in allowed]
            install_guard(refused, allowed, allowed_files, sys.path)  # for good: nothing can remove it
            sys.meta_path.insert(0, ImportGuard(refused, allowed))
            try:
                fn = load(message["source"])
                reply = {"kind": "loaded"} if callable(fn) else {"kind": "missing"}
            except BaseException as exc:  # noqa: B902: anything at import is the candidate's
                reply = {"kind": "raised", "type": type(exc).__name__, "message": _text(exc), "where": _where(exc)}
        elif message["op"] == "calls":  # several calls in one round trip, each reply sent as it is ready
            for call in message["calls"][:-1]:
                _reply(write_fd, invoke(fn, call["params"], call["X"], call["y"]))
            last = message["calls"][-1]
            reply = invoke(fn, last["params"], last["X"], last["y"])
        elif message["op"] in FAMILY_OPS:  # a forward or backward of the user's own (oracles.families.forward)
            reply = FAMILY_OPS[message["op"]](fn, message)
        else:
            if message.get("errstate"):  # a NaN or inf came back: where it is made
                reply = traced_invoke(fn, message["params"], message["X"], message["y"])
            else:
                reply = invoke(fn, message["params"], message["X"], message["y"])
        _reply(write_fd, reply)
    os._exit(0)  # whatever threads the candidate started


def _reply(write_fd: int, reply: dict) -> None:
    """One reply to the judge, after what the candidate printed so far is flushed."""
    reply["refused_imports"] = refused_so_far()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001: a candidate may have replaced or closed them
            pass
    send(write_fd, encode(reply))


# ---------------------------------------------------------------- a forward of the user's own
# The ops of the ``forward`` family (oracles/families/forward): the candidate's ``backward(params,
# inputs)``, the user's ``loss(params, inputs)`` at many perturbed params per message, and that
# forward traced by HIPS autograd with its ``numpy`` substituted. Each runs in a worker of its own:
# the forward's worker never loads the backward.

def _views(arrays: dict) -> dict:
    """Read-only views of ``arrays`` (the caller's own stay writable, for the next perturbation)."""
    out = {}
    for k, a in arrays.items():
        v = a.view()
        v.setflags(write=False)
        out[k] = v
    return out


def _raised(exc: BaseException) -> dict:
    message = _text(exc)
    return {"kind": "raised", "type": type(exc).__name__, "message": message, "where": _where(exc),
            "read_only": isinstance(exc, ValueError) and "read-only" in message}


def call_backward(fn, message) -> dict:
    """``op: "backward"``: ``fn(params, inputs)`` on read-only copies, described as :func:`invoke` does."""
    params = {k: _read_only(v) for k, v in message["params"].items()}
    given = dict(params)
    try:
        out = fn(params, {k: _read_only(v) for k, v in message["inputs"].items()})
    except BaseException as exc:  # noqa: B902: every way the candidate ends is data
        return _raised(exc)
    if set(params) != set(given) or any(params[k] is not given[k] for k in given):
        return {"kind": "rebound"}
    try:
        return describe(out)
    except BaseException as exc:  # noqa: B902
        return _raised(exc)


def forward_losses(fn, message) -> dict:
    """``op: "losses"``: the forward's loss at ``params`` ``base`` times, then at each perturbation
    of ``perturb``, a list of blocks ``[name, flat indices, values]``: entry ``indices[j]`` of
    ``name`` set to ``values[j]``, one entry changed at a time, in order; as one float64 array. A
    forward returning ``(loss, cache)`` gives its first item. The first failure (a raise, a loss
    that is not one number) ends the batch and says at which evaluation.

    The point is sent once per message and each perturbation as an index and a value, not as
    params: a batch of thousands crosses as a few arrays. The read-only views the forward sees are
    made once per message (each call gets a fresh dict of them); the entry changed is put back
    after each call. With ``extended``, the params, the float inputs, the values and the losses are
    ``np.longdouble``: the same arithmetic carried with more digits, where NumPy has them."""
    wide = np.longdouble if message.get("extended") else None
    work = {k: np.array(v, dtype=wide, copy=True) for k, v in message["params"].items()}
    inputs = {k: _read_only(np.asarray(v, dtype=wide) if wide and np.asarray(v).dtype.kind == "f" else v)
              for k, v in message["inputs"].items()}
    views, flats = _views(work), {k: w.reshape(-1) for k, w in work.items()}
    base = message.get("base", 0)

    def scalars(values):  # Python floats are the fastest to assign; a long double keeps its digits as itself
        return list(np.asarray(values, dtype=wide)) if wide else np.asarray(values, np.float64).tolist()
    blocks = [(flats[name], np.asarray(index, dtype=np.int64).tolist(), scalars(values))
              for name, index, values in message["perturb"]]
    losses = np.empty(base + sum(len(index) for _, index, _ in blocks), dtype=wide or np.float64)
    changes = [(None, 0, 0.0)] * base + [(flat, i, v) for flat, index, values in blocks for i, v in zip(index, values)]
    start = time.perf_counter()
    for i, (flat, index, value) in enumerate(changes):
        if flat is not None:
            old, flat[index] = flat[index], value
        try:
            out = fn(dict(views), inputs)
            if isinstance(out, tuple) and out:
                out = out[0]
            if type(out) in _FLOATS or (wide and isinstance(out, np.longdouble)):  # a float: its value, as _loss would read it
                losses[i] = out
                continue
            value_of = _loss(out)
        except BaseException as exc:  # noqa: B902
            return dict(_raised(exc), kind="failed", at=i)
        finally:
            if flat is not None:
                flat[index] = old
        if "float" not in value_of:
            return {"kind": "not-a-loss", "type": value_of["type"], "at": i}
        losses[i] = value_of["float"]
    return {"kind": "losses", "losses": losses, "seconds": time.perf_counter() - start}


_FLOATS = frozenset({float, np.float64, np.float32, np.float16})  # exactly float64 values: stored as they are


def _autograd_namespace(namespace: dict) -> None:
    """Bind ``np``/``numpy`` (and functions imported from NumPy by name) to autograd's, in place."""
    import autograd.numpy as anp

    modules = {id(np): anp, id(np.random): anp.random, id(np.linalg): anp.linalg}
    for key, value in list(namespace.items()):
        if id(value) in modules:
            namespace[key] = modules[id(value)]
        elif callable(value) and getattr(np, getattr(value, "__name__", "") or "", None) is value \
                and hasattr(anp, value.__name__):
            namespace[key] = getattr(anp, value.__name__)


def _traced(source: dict):
    """The forward loaded afresh (a module of its own, never the one the losses come from) with
    its NumPy substituted by autograd's."""
    if "pickled" in source:  # by value: a fresh copy of the function and the globals it shares with its helpers
        fn = pickle.loads(source["pickled"])
        _autograd_namespace(getattr(fn, "__globals__", {}))
        return fn
    if "file" in source:
        spec = importlib.util.spec_from_file_location("_forward_traced", source["file"])
    else:
        spec = importlib.util.find_spec(source["module"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _autograd_namespace(module.__dict__)
    fn = module
    for part in source["attr"].split("."):
        fn = getattr(fn, part, None)
    return fn


def autograd_grads(fn, message) -> dict:
    """``op: "autograd"``: the gradient of the user's forward by HIPS autograd, in float64; where it
    cannot trace (an in-place write, a call it does not know), the line that stopped it."""
    try:
        from autograd import value_and_grad

        traced = _traced(message["source"])
    except BaseException as exc:  # noqa: B902: autograd missing, or the module failing a second time
        return dict(_raised(exc), kind="untraceable")
    inputs = {k: _read_only(v) for k, v in message["inputs"].items()}

    def scalar(params):
        out = traced(params, inputs)
        return out[0] if isinstance(out, tuple) and out else out

    params = {k: np.array(v, dtype=np.float64) for k, v in message["params"].items()}
    try:
        loss, grads = value_and_grad(scalar)(params)
        grads = {k: np.broadcast_to(np.asarray(grads[k], dtype=np.float64), params[k].shape).copy() for k in params}
        loss = float(np.asarray(loss, dtype=np.float64))
    except BaseException as exc:  # noqa: B902
        return dict(_raised(exc), kind="untraceable")
    return {"kind": "grads", "loss": loss, "grads": [[k, {"array": g}] for k, g in grads.items()]}


def _arrays(d) -> list:
    """A dict's items as ``[[key, value]]``: numbers as 0-d arrays, arrays by value, anything else described."""
    if not isinstance(d, dict):
        return [["", {"type": type(d).__name__, "scalar": False}]]
    out = []
    for k, v in d.items():
        if isinstance(v, (int, float, np.generic)) and not isinstance(v, bool):
            v = np.asarray(v)
        value = _value(v)
        if "array" in value and v.ndim == 0:  # encode sends a 0-d array as shape (1,)
            value["zero_d"] = True
        out.append([str(k), value])
    return out


def call_init(fn, message) -> dict:
    """``op: "init"``: the user's ``init(seed)`` (loaded afresh from ``source``), returning ``params``
    or ``(params, inputs)``, described by value."""
    try:
        out = load(message["source"])(message["seed"])
    except BaseException as exc:  # noqa: B902
        return dict(_raised(exc), kind="failed")
    if isinstance(out, tuple) and len(out) == 2:
        return {"kind": "point", "params": _arrays(out[0]), "inputs": _arrays(out[1])}
    if isinstance(out, dict):
        return {"kind": "point", "params": _arrays(out), "inputs": None}
    return {"kind": "other", "type": type(out).__name__}


FAMILY_OPS = {"backward": call_backward, "losses": forward_losses, "autograd": autograd_grads, "init": call_init}


# ---------------------------------------------------------------- a layer of a from-scratch course
# The ops of the ``layers`` family (oracles/families/layers): ``layer_forward(x, *params, [hyper])
# -> (out, cache)`` (or ``(out1, out2, cache)``) and ``layer_backward(dout, cache) -> (dx, *dparams)``,
# or a loss ``(x, y) -> (loss, dx)``. ``message["layer"]`` says how the forward is called: ``args``
# (the arrays' names in order), ``style`` (None, "dict": one positional dict, "keywords") and
# ``hyper``, ``outputs`` (arrays before the cache) and ``loss``.

def _layer_call(forward, layer: dict, arrays: dict, hyper: dict | None = None):
    """The user's forward on ``arrays`` as the layer's kind calls it (``hyper``, or a fresh copy of its
    hyper-parameters: the forward may write into the dict, as batch norm's running averages are)."""
    import copy

    args = [arrays[name] for name in layer["args"]]
    hyper = copy.deepcopy(layer["hyper"]) if hyper is None else hyper
    if layer["style"] == "dict":
        return forward(*args, hyper)
    if layer["style"] == "keywords":
        return forward(*args, **hyper)
    return forward(*args)


def _layer_outputs(out, layer: dict):
    """``(outputs, cache)`` of what the forward returned, or raise TypeError saying what it returned instead."""
    n = 1 if layer["loss"] else layer["outputs"]
    if not isinstance(out, (tuple, list)) or len(out) != n + 1:
        length = f"a {type(out).__name__} of {len(out)}" if isinstance(out, (tuple, list)) else type(out).__name__
        expected = "(loss, dx)" if layer["loss"] else "(" + ", ".join(["out"] * n) + ", cache)"
        raise TypeError(f"the forward returned {length}, not {expected}")
    return tuple(out[:n]), out[n]


def _layer_total(outs, layer: dict, inputs: dict):
    """``sum(out * dout)`` over the forward's outputs (the loss itself for a loss kind)."""
    if layer["loss"]:
        return outs[0]
    total = 0.0
    for i, o in enumerate(outs):
        o, dout = np.asarray(o), inputs[f"dout{i}"]
        if o.shape != dout.shape:
            raise ValueError(f"output {i} of the forward has shape {o.shape}, the layer's is {dout.shape}")
        total += float(np.sum(o.astype(np.float64) * dout))
    return total


def layer_losses(fn, message) -> dict:
    """``op: "layer_losses"``: :func:`forward_losses` of ``sum(out * dout)`` (the loss itself for a
    loss kind) as a function of the differentiated arrays; ``dout0``, ``dout1`` ... among the inputs."""
    layer = message["layer"]

    def scalar(params, inputs):
        return _layer_total(_layer_outputs(_layer_call(fn, layer, {**inputs, **params}), layer)[0], layer, inputs)

    stacks = layer.get("stacks") or []
    if not (stacks or layer.get("units")) or not message["perturb"]:
        return forward_losses(scalar, message)
    return _stacked_losses(fn, layer, scalar, message, stacks)


STACK_ELEMENTS = 1 << 22  # floats in the stacked arrays of one call (32 MiB), the copies evaluated together
EPS64 = float(np.finfo(np.float64).eps)
# how closely a stacked call must give each slice's part of sum(out * dout) as the call in place did:
# the same arithmetic in another order, so a few ulps per term (relative, and of the largest part)
STACKED_AGREEMENT = 64 * EPS64


def _contributions(outs, douts, axis: int) -> np.ndarray:
    """``sum(out * dout)`` of each slice along ``axis`` of the outputs, summed over the outputs."""
    total = 0.0
    for o, d in zip(outs, douts):
        o = np.asarray(o, dtype=np.float64)
        if o.shape[:axis] != d.shape[:axis] or o.shape[axis + 1:] != d.shape[axis + 1:]:
            raise ValueError(f"an output of shape {o.shape} for slices of {d.shape}")
        total = total + np.sum(o * d, axis=tuple(i for i in range(o.ndim) if i != axis))
    return total


def _stacked_call(fn, layer, arrays: dict, inputs: dict, group: dict, axis: int, index: np.ndarray, changes):
    """The forward on the slices ``index`` of the group's arrays stacked along their axes (one copy
    per entry of ``index``), ``changes`` ``[(copy, name, index within the slice, value)]`` written into
    the copies; each copy's ``sum(out * dout)`` (the douts' slices ``index`` along ``axis``)."""
    moved = dict(arrays)
    for name, ax in group.items():
        moved[name] = np.take(arrays[name], index, axis=ax)
    copies = {name: np.moveaxis(moved[name], ax, 0) for name, ax in group.items()}  # views: copy p first
    for p, name, at, value in changes:
        copies[name][(p, *at)] = value
    outs, _ = _layer_outputs(_layer_call(fn, layer, {**inputs, **_views(moved)}), layer)
    douts = [np.take(inputs[f"dout{i}"], index, axis=axis) for i in range(len(outs))]
    return _contributions(outs, douts, axis)


def _stacked_losses(fn, layer, scalar, message, stacks) -> dict:
    """:func:`forward_losses`, with the perturbations of arrays the layer treats slice by slice
    (``stacks``: ``[[{name: axis}, out axis]]``, a batch's rows, a convolution's filters) evaluated
    many per call: the slice each perturbation changes, copied once per perturbation and stacked
    along the axis, one forward call; each copy's ``sum(out * dout)`` replaces its slice's own in
    the loss at the point. A group is used only where the forward, called on its slices stacked in
    another order and one repeated, gives each slice's contribution as it does in place (to
    rounding); otherwise, or if that call raises, its perturbations are evaluated one by one."""
    perturb = [(name, int(i), float(v)) for name, index, values in message["perturb"]  # one entry each
               for i, v in zip(np.asarray(index).tolist(), np.asarray(values, np.float64).tolist())]
    base = message.get("base", 0)
    params = {k: np.array(v, dtype=np.float64) for k, v in message["params"].items()}
    inputs = {k: _read_only(v) for k, v in message["inputs"].items()}
    arrays = {**params}
    owner = {name: (g, ax) for g, (group, _) in enumerate(stacks) for name, ax in group.items() if name in params}
    units = [(name, axes) for name, axes in layer.get("units") or [] if name in params]
    losses = np.full(base + len(perturb), np.nan)
    rest = [i for i, (name, _, _) in enumerate(perturb) if name not in owner]
    try:
        outs, _ = _layer_outputs(_layer_call(fn, layer, {**inputs, **_views(arrays)}), layer)
        point = float(_layer_total(outs, layer, inputs))
    except BaseException:  # noqa: B902: the one-by-one path reports the failure where it happens
        rest = list(range(len(perturb)))
        stacks, owner, units = [], {}, []
    for g, (group, axis) in enumerate(stacks):
        mine = [i for i, (name, _, _) in enumerate(perturb) if owner.get(name, (None,))[0] == g]
        if not mine:
            continue
        group = {name: ax for name, ax in group.items() if name in arrays}
        try:
            whole = _contributions(outs, [inputs[f"dout{i}"] for i in range(len(outs))], axis)
            slices = whole.shape[0]
            shuffled = np.r_[np.arange(slices)[::-1], 0]
            again = _stacked_call(fn, layer, arrays, inputs, group, axis, shuffled, [])
            if again.shape != shuffled.shape or not np.allclose(
                    again, whole[shuffled], rtol=STACKED_AGREEMENT, atol=STACKED_AGREEMENT * float(np.abs(whole).max())):
                raise ValueError("the slices stacked are not evaluated as in place")
            per_copy = max(1, int(np.prod([arrays[n].size // arrays[n].shape[ax] for n, ax in group.items()])))
            chunk = max(1, STACK_ELEMENTS // per_copy)
            for start in range(0, len(mine), chunk):
                part = mine[start:start + chunk]
                index, changes = np.empty(len(part), dtype=np.intp), []
                for p, i in enumerate(part):
                    name, flat, value = perturb[i]
                    at = np.unravel_index(int(flat), arrays[name].shape)
                    ax = group[name]
                    index[p] = at[ax]
                    changes.append((p, name, at[:ax] + at[ax + 1:], value))
                got = _stacked_call(fn, layer, arrays, inputs, group, axis, index, changes)
                losses[base + np.asarray(part)] = point - whole[index] + got
        except BaseException:  # noqa: B902: not evaluated slice by slice; one by one instead
            rest += mine
    unit_names = {name for name, _ in units}
    side_by_side = [i for i in rest if perturb[i][0] in unit_names]
    if side_by_side:
        try:
            _unit_losses(fn, layer, scalar, arrays, inputs, units, point, [perturb[i] for i in side_by_side],
                         losses[base:], np.asarray(side_by_side))
            rest = sorted(set(rest) - set(side_by_side))
        except BaseException:  # noqa: B902: not evaluated side by side; one by one instead
            pass
    rest.sort()
    if base or rest:
        reply = forward_losses(scalar, dict(message, perturb=[[perturb[i][0], [perturb[i][1]], [perturb[i][2]]]
                                                              for i in rest]))
        if reply["kind"] != "losses":
            at = reply["at"]
            reply["at"] = at if at < base else base + rest[at - base]
            return reply
        losses[:base] = reply["losses"][:base]
        losses[base + np.asarray(rest, dtype=np.intp)] = reply["losses"][base:]
    return {"kind": "losses", "losses": losses}


UNITS_STACKED = 256  # hidden units of one call with copies side by side (copies x H): its recurrent matrix
# grows as the square of the copies, so past this a call costs more than the calls it saves
UNITS_LEAST = 4  # copies side by side per call, at the least; with fewer, one perturbation per call


@functools.lru_cache(maxsize=64)
def _side_by_side(shape: tuple, axes: tuple, K: int, H: int) -> tuple:
    """Where ``K`` copies of an array of ``shape`` go in the array holding them side by side along its
    unit ``axes`` (``[[axis, gate blocks], ...]``): ``(the big array's shape, the flat index of each
    entry of copy 0 in it, how far each next copy is moved)``. Along a unit axis each gate's block
    (i, f, o, g) is ``K H`` wide and copy ``k`` holds its ``k H`` to ``(k + 1) H``."""
    big = list(shape)
    index = [np.arange(n) for n in shape]
    for ax, blocks in axes:
        big[ax] *= K
        index[ax] = (np.arange(blocks)[:, None] * K * H + np.arange(H)).reshape(-1)
    strides = np.cumprod([1, *big[::-1]])[-2::-1]  # of the big array, in entries
    first = np.zeros(shape, dtype=np.intp)
    for ax, at in enumerate(index):
        first = first + (at * strides[ax]).reshape([-1 if a == ax else 1 for a in range(len(shape))])
    return tuple(big), first.reshape(-1), int(sum(H * strides[ax] for ax, _ in axes))


def _units_call(fn, layer, arrays: dict, inputs: dict, units, H: int, copies: dict):
    """The forward called once on ``K`` copies of a recurrent layer side by side along its hidden
    units (``copies``: ``{name: (K, ...) array}`` for the arrays in ``units``, ``[name, [[axis, gate
    blocks], ...]]``): each unit axis made ``K`` times as long (:func:`_side_by_side`), zeros between
    the copies, so an array with two unit axes (``Wh``) is block-diagonal and no copy reads
    another's state. ``x`` is shared. The outputs' last axis holds each copy's units in turn: each
    copy's ``sum(out * dout)``, and ``sum(|out * dout|)``, the scale its rounding is measured against."""
    K = len(next(iter(copies.values())))
    moved = dict(arrays)
    for name, axes in units:
        shape, first, shift = _side_by_side(arrays[name].shape, tuple(map(tuple, axes)), K, H)
        big = np.zeros(shape)
        big.reshape(-1)[first[None, :] + shift * np.arange(K)[:, None]] = copies[name].reshape(K, -1)
        moved[name] = big
    outs, _ = _layer_outputs(_layer_call(fn, layer, {**inputs, **_views(moved)}), layer)
    total, scale = np.zeros(K), np.zeros(K)
    for i, o in enumerate(outs):
        o, d = np.asarray(o, dtype=np.float64), inputs[f"dout{i}"]
        if o.shape != d.shape[:-1] + (K * H,):
            raise ValueError(f"an output of shape {o.shape} for {K} copies of {d.shape}")
        parts = o.reshape(*d.shape[:-1], K, H) * d[..., None, :]
        others = tuple(a for a in range(parts.ndim) if a != parts.ndim - 2)
        total, scale = total + parts.sum(axis=others), scale + np.abs(parts).sum(axis=others)
    return total, scale


def _unit_losses(fn, layer, scalar, arrays: dict, inputs: dict, units, point: float, perturb: list,
                 losses: np.ndarray, at: np.ndarray) -> None:
    """The losses of ``perturb`` (``[(name, flat index, value)]``, written to ``losses[at]``) with
    many perturbed copies of a recurrent layer side by side in one call (:func:`_units_call`): a
    layer's weights are shared by every row and step, so no batch stacking reaches them. Each
    call holds the point once and each loss is the point's plus its copy's difference from the
    point's copy. Used only where the first call's copies of the point and of another point give
    what the forward gives in place (to rounding: :data:`STACKED_AGREEMENT`); else it raises."""
    H = next(arrays[name].shape[ax] // blocks for name, axes in units for ax, blocks in axes)
    K = min(len(perturb) + 1, UNITS_STACKED // max(H, 1))
    while K >= UNITS_LEAST and sum(arrays[n].size * K ** len(axes) for n, axes in units) > STACK_ELEMENTS:
        K -= 1
    if K < UNITS_LEAST:
        raise ValueError("too few copies fit one call")

    def copies(count):  # the point's arrays, count times
        return {n: np.repeat(arrays[n][None], count, axis=0) for n, _ in units}
    rng = np.random.default_rng(0)
    other = {n: arrays[n] + rng.standard_normal(arrays[n].shape) * (0.1 + 0.1 * np.abs(arrays[n])) for n, _ in units}
    todo = [None, *perturb]  # None: the other point, which the first call is checked on
    for start in range(0, len(todo), K - 1):
        part = todo[start:start + K - 1]
        held = copies(len(part) + 1)  # copy 0 the point's
        for p, change in enumerate(part, 1):
            if change is None:
                for n, a in other.items():
                    held[n][p] = a
            else:
                name, flat, value = change
                held[name].reshape(len(part) + 1, -1)[p, flat] = value
        got, scale = _units_call(fn, layer, arrays, inputs, units, H, held)
        if start == 0:
            there = np.array([point, float(scalar(_views({**arrays, **other}), inputs))])
            if not (np.abs(got[:2] - there) <= STACKED_AGREEMENT * scale[:2]).all():
                raise ValueError("the copies side by side are not evaluated as in place")
        index = np.arange(start, start + len(part)) - 1  # in perturb
        mine = index >= 0
        losses[at[index[mine]]] = point + (got[1:][mine] - got[0])


_LAYER_FORWARDS = {}


def layer_pair(fn, message) -> dict:
    """``op: "layer_pair"``: the user's forward (``message["forward"]``, loaded in this worker) and
    then ``fn``, the backward, on the forward's own cache and the judge's ``douts``; for a loss kind
    ``fn`` alone. The outputs and the gradients by value; ``stage`` says which of the two failed."""
    layer = message["layer"]
    arrays = {k: _read_only(v) for k, v in message["arrays"].items()}
    forward = fn
    if message.get("forward") is not None:
        key = pickle.dumps(message["forward"])
        try:
            if key not in _LAYER_FORWARDS:
                _LAYER_FORWARDS[key] = load(message["forward"])
            forward = _LAYER_FORWARDS[key]
            import copy

            hyper = copy.deepcopy(layer["hyper"])
            outs, cache = _layer_outputs(_layer_call(forward, layer, arrays, hyper), layer)
        except BaseException as exc:  # noqa: B902
            return dict(_raised(exc), kind="failed", stage="forward")
        if message.get("forward_only"):  # batch norm's test mode: no backward asked
            return {"kind": "layer", "outs": [_value(np.asarray(o) if np.isscalar(o) else o) for o in outs],
                    "grads": [], "hyper_after": [[k, v] for k, v in _arrays(hyper) if "array" in v]}
    else:
        try:
            outs, dx = _layer_outputs(_layer_call(fn, layer, arrays), layer)
        except BaseException as exc:  # noqa: B902
            return _raised(exc)
        return {"kind": "layer", "outs": [_loss(outs[0])], "grads": [_value(dx)]}
    try:
        back = fn(*[_read_only(d) for d in message["douts"]], cache)
    except BaseException as exc:  # noqa: B902
        return _raised(exc)
    grads = list(back) if isinstance(back, (tuple, list)) else [back]
    after = _arrays(hyper) if isinstance(hyper, dict) else []
    return {"kind": "layer", "outs": [_value(np.asarray(o) if np.isscalar(o) else o) for o in outs],
            "grads": [_value(g) for g in grads], "hyper_after": [[k, v] for k, v in after if "array" in v]}


FAMILY_OPS.update({"layer_losses": layer_losses, "layer_pair": layer_pair})


if __name__ == "__backprop_worker__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
