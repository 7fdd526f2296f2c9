"""The judge never runs the code it judges: whatever a candidate does is a verdict of one line.

Every adversarial candidate here runs through the real command (a subprocess, as a user or a
grading script runs it), so a candidate that could end or hijack the judge would show in the
exit code and the output, not take the test runner down with it.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from oracles import policy

HERE = Path(__file__).resolve().parent.parent
LESSON = (HERE / "candidates" / "lesson.py").read_text()
# the lesson's backward with the ReLU mask forgotten: wrong, and every cheat below tries to pass it
WRONG = LESSON.replace("dz1 = da1 * (z1 > 0)", "dz1 = da1")
FAST = ("--oracles", "finite-differences")  # no torch or jax import: a cold run in about a second
# the installed console script, as a user runs it (``python -m`` would put the cwd on the judge's path)
COMMAND = Path(sys.executable).parent / "compare-frameworks"


def compare(tmp_path, source: str, *argv, name="cand.py", function="backward", timeout=120):
    """Run ``compare-frameworks`` on ``source`` written to a file: (exit code, stdout, stderr, seconds)."""
    path = tmp_path / name
    path.write_text(source)
    command = [str(COMMAND), "--candidate", f"{path}:{function}", *argv]
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=tmp_path,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


def verdict_lines(out: str) -> list:
    return [line.strip() for line in out.splitlines() if line.strip().startswith("contract:")]


CHEATS = {
    # name: source (the wrong backward plus its trick); each must still FAIL with exit 1
    "loosens the policy table": "import oracles.policy as p\np.TABLE.clear()\n" + WRONG,
    "replaces the comparison": "import oracles.compare as c\nc.compare = None\n" + WRONG,
    "patches np.abs": "import numpy\nnumpy.abs = lambda x: 0 * x\n" + WRONG,
    "reads the caller's frames": WRONG.replace(
        "    return {", "    import sys\n    f = sys._getframe(1)\n    while f:\n"
                       "        g = f.f_locals.get('grads_by_oracle') or f.f_locals.get('grads')\n"
                       "        if isinstance(g, dict) and 'torch' in g:\n            return g['torch']\n"
                       "        f = f.f_back\n    return {"),
    "answers with the reference when the judge is loaded": WRONG.replace(
        "def backward(params, X, y):", "def backward(params, X, y):\n    import sys\n"
        "    if 'oracles.harness' in sys.modules:\n        return sys.modules['reference.model'].backward(params, X, y)"),
    "patches the laws": "import properties.laws as laws\nlaws.LAWS.clear()\n" + WRONG,
    "registers an atexit that exits 0": "import atexit, os\natexit.register(lambda: os._exit(0))\n" + WRONG,
}


@pytest.mark.parametrize("trick", list(CHEATS))
def test_a_wrong_backward_still_fails_whatever_trick_it_plays(tmp_path, trick):
    code, out, err, _ = compare(tmp_path, CHEATS[trick], *FAST)
    assert code == 1, out + err
    assert "FAIL" in out and "PASS" not in out
    assert "Traceback" not in out + err


def test_importing_the_judge_is_a_contract_violation_naming_the_import(tmp_path):
    code, out, err, _ = compare(tmp_path, "from reference.model import backward\n", *FAST)
    assert code == 1, out + err
    assert verdict_lines(out) and "imported reference, one of the judge's own packages" in verdict_lines(out)[0]


def test_forbid_import_refuses_a_framework_an_instructor_names(tmp_path):
    source = "import numpy as np\nimport json\n" + LESSON.replace("import numpy as np", "")
    ok, out_ok, _, _ = compare(tmp_path, source, *FAST)
    code, out, err, _ = compare(tmp_path, source, *FAST, "--forbid-import", "json")
    assert ok == 0, out_ok
    assert code == 1 and "imported json, which --forbid-import refuses" in out, out + err


def test_torch_patched_inside_the_candidate_does_not_reach_the_judges_torch(tmp_path):
    trick = ("import torch\ntorch.relu = lambda z: z\ntorch.nn.functional.relu = lambda z, inplace=False: z\n"
             + WRONG)
    code, out, err, _ = compare(tmp_path, trick, "--oracles", "torch,jax")
    assert code == 1, out + err
    assert "agree with each other but not with the candidate" in out


ENDINGS = {
    # name: (what the backward does, words of its one verdict line)
    "sys.exit(0)": ("import sys; sys.exit(0)", "sys.exit(0)"),
    "sys.exit(3)": ("import sys; sys.exit(3)", "sys.exit(3)"),
    "raise SystemExit": ("raise SystemExit", "sys.exit("),
    "os._exit(0)": ("import os; os._exit(0)", "exited with code 0"),
    "KeyboardInterrupt": ("raise KeyboardInterrupt", "KeyboardInterrupt"),
    "BaseException": ("raise BaseException('mine')", "BaseException: mine"),
    "a segfault": ("import ctypes; ctypes.string_at(0)", "signal 11 (segmentation fault)"),
    "SIGKILL of itself": ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "signal 9"),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_every_way_the_candidate_ends_is_exit_1_with_one_line(tmp_path, ending):
    action, words = ENDINGS[ending]
    source = LESSON.replace("    W1, b1, W2, b2 =", f"    {action}\n    W1, b1, W2, b2 =")
    code, out, err, _ = compare(tmp_path, source, *FAST)
    assert code == 1, out + err
    lines = verdict_lines(out)
    assert lines and words in lines[0], out
    assert "Traceback" not in out + err


def test_a_hanging_candidate_ends_within_its_timeout(tmp_path):
    source = LESSON.replace("    N = X.shape[0]", "    while True:\n        pass")
    code, out, err, seconds = compare(tmp_path, source, *FAST, "--timeout", "1")
    assert code == 1, out + err
    assert "time limit of 1 s" in verdict_lines(out)[0]
    assert seconds < 1 * 4 + 10  # one timeout, not one per call: later calls report it at once


def test_a_module_level_thread_does_not_keep_the_run_alive(tmp_path):
    source = "import threading, time\nthreading.Thread(target=lambda: time.sleep(10**6)).start()\n" + LESSON
    code, out, err, seconds = compare(tmp_path, source, *FAST, timeout=60)
    assert code == 0, out + err


def test_a_child_process_the_candidate_starts_is_ended_with_it(tmp_path):
    marker = tmp_path / "child.pid"
    source = ("import subprocess, sys\n"
              f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
              f"open({str(marker)!r}, 'w').write(str(p.pid))\n" + LESSON)
    code, out, err, _ = compare(tmp_path, source, *FAST)
    assert code == 0, out + err
    pid = int(marker.read_text())
    time.sleep(0.2)
    stat = Path(f"/proc/{pid}/stat")
    # gone, or a zombie waiting for a container's init to reap it: either way it runs no more
    assert not stat.exists() or stat.read_text().rpartition(")")[2].split()[0] == "Z"


def test_memory_past_the_limit_is_a_verdict_naming_the_limit(tmp_path):
    source = LESSON.replace("    N = X.shape[0]", "    big = np.ones(2**31)\n    N = X.shape[0]")
    code, out, err, _ = compare(tmp_path, source, *FAST, "--memory", "1G")
    assert code == 1, out + err
    assert "MemoryError" in verdict_lines(out)[0] and "1 GiB" in verdict_lines(out)[0]


def test_what_the_candidate_prints_stays_out_of_the_json_and_is_shown_under_its_name(tmp_path):
    source = LESSON.replace("    N = X.shape[0]", "    print('debug: N is', X.shape[0])\n    N = X.shape[0]")
    code, out, err, _ = compare(tmp_path, source, *FAST, "--format", "json")
    assert code == 0, out + err
    report = json.loads(out)  # parseable: nothing of the candidate's is mixed in
    assert report["points"][0]["output"][0] == "debug: N is 768"
    code, out, err, _ = compare(tmp_path, source, *FAST)
    assert "cand.py:backward printed" in out and "| debug: N is 768" in out


def test_a_candidate_that_differs_between_calls_is_not_deterministic(tmp_path):
    source = LESSON.replace("def backward(params, X, y):",
                            "CALLS = [0]\n\ndef backward(params, X, y):\n    CALLS[0] += 1").replace(
        "    return {", "    dW1 = dW1 * (2 if CALLS[0] % 3 == 0 else 1)\n    return {")
    code, out, err, _ = compare(tmp_path, source, *FAST)
    assert code == 1, out + err
    assert "not deterministic: two calls on the same point differ at W1[" in out


def test_a_flaky_candidate_fails_in_at_least_19_runs_of_20(tmp_path):
    """The issue's flaky candidate doubles its answer 30% of the time (it passed 4 runs of 6)."""
    source = LESSON.replace("    return {", "    if np.random.random() < 0.3:\n        dW1 = 2 * dW1\n    return {")
    path = tmp_path / "flaky.py"
    path.write_text(source)
    from oracles.candidate import load_candidate
    from oracles.harness import prepare_points, run
    from reference.data import synthetic
    from reference.model import Spec

    data, spec = synthetic(), Spec()
    prepared = prepare_points(spec, data, FAST[1:])
    failed = 0
    for _ in range(20):
        with load_candidate(f"{path}:backward") as handle:
            failed += not run(spec, data, handle, FAST[1:], prepared=prepared).passed
    assert failed >= 19


def test_a_torch_module_beside_the_candidate_does_not_break_the_torch_oracle(tmp_path):
    (tmp_path / "torch.py").write_text("raise ImportError('not the real torch')\n")
    code, out, err, _ = compare(tmp_path, LESSON, "--oracles", "finite-differences,torch")
    assert code == 0, out + err


def test_no_isolation_runs_in_process_and_every_report_says_so(tmp_path):
    code, out, err, _ = compare(tmp_path, LESSON, *FAST, "--no-isolation")
    assert code == 0, out + err
    assert "--no-isolation: the candidate ran inside the judge's own process" in out


def test_the_harness_writes_no_bytecode_beside_the_candidate_nor_hypothesis_files_in_the_cwd(tmp_path):
    (tmp_path / "helper.py").write_text("def two():\n    return 2\n")
    source = "import helper\n" + LESSON
    code, out, err, _ = compare(tmp_path, source, *FAST, "--fuzz", "3")
    assert code == 0, out + err
    assert not (tmp_path / "__pycache__").exists()
    assert not (tmp_path / ".hypothesis").exists()


def test_a_candidate_that_changes_directory_cannot_move_the_report(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    source = f"import os\nos.chdir({str(elsewhere)!r})\n" + LESSON
    code, out, err, _ = compare(tmp_path, source, *FAST, "--output", "report.md", "--format", "markdown")
    assert code == 0, out + err
    assert (tmp_path / "report.md").is_file() and not (elsewhere / "report.md").exists()


def test_a_candidate_file_that_does_not_parse_is_a_usage_error_of_one_line(tmp_path):
    code, out, err, _ = compare(tmp_path, "import numpy as np\ndef backward(:  # does not parse\n", *FAST)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "SyntaxError" in err and "cand.py:2" in err


@pytest.mark.parametrize("prelude, words, isolation", [
    ("print('hello')\nimport sys\nsys.exit(0)\n", "called sys.exit(0) while importing", ()),
    ("print('hello')\nimport sys\nsys.exit(0)\n", "called sys.exit(0) while importing", ("--no-isolation",)),
    ("print('hello')\nimport os\nos._exit(0)\n", "exited with code 0 while importing", ()),  # in-process it ends the judge
    ("print('hello')\nraise RuntimeError('broken at import')\n", "RuntimeError: broken at import", ()),
    ("print('hello')\nraise RuntimeError('broken at import')\n", "RuntimeError: broken at import", ("--no-isolation",)),
])
def test_what_a_module_does_while_importing_is_a_verdict_with_a_clean_json_report(tmp_path, prelude, words,
                                                                                   isolation):
    code, out, err, _ = compare(tmp_path, prelude + LESSON, *FAST, "--format", "json", *isolation)
    assert code == 1, out + err
    report = json.loads(out)  # parseable: neither the print nor the exit reached the judge's output
    assert report["passed"] is False
    assert all(words in p["violation"] for p in report["points"])
    if not isolation:
        assert report["points"][0]["output"] == ["hello"]


# ---------------------------------------------------------------- the handle, directly

def test_the_worker_keeps_state_across_the_calls_of_one_run(tmp_path):
    from oracles.candidate import load_candidate
    from reference.model import Spec, init_params

    path = tmp_path / "count.py"
    path.write_text("import numpy as np\nSEEN = []\ndef backward(params, X, y):\n    SEEN.append(1)\n"
                    "    return {k: np.full_like(v, len(SEEN)) for k, v in params.items()}\n")
    params = init_params(Spec((2, 3, 1)))
    X, y = params["W1"][:, :2].T.copy(), params["W1"][:1, :2].T.copy()
    with load_candidate(f"{path}:backward") as handle:
        values = [handle.evaluate(params, X, y).returned["grads"][0][1]["array"][0, 0] for _ in range(3)]
    assert values == [1.0, 2.0, 3.0]


def test_a_dead_worker_is_replaced_for_the_next_call(tmp_path):
    from oracles.candidate import load_candidate
    from reference.model import Spec, init_params

    path = tmp_path / "dies.py"
    path.write_text("import os\nimport numpy as np\ndef backward(params, X, y):\n"
                    "    if X.shape[0] == 1:\n        os._exit(1)\n"
                    "    return {k: np.zeros_like(v) for k, v in params.items()}\n")
    params = init_params(Spec((2, 3, 1)))
    with load_candidate(f"{path}:backward") as handle:
        died = handle.evaluate(params, params["W1"][:, :1].T.copy(), params["W1"][:1, :1].copy())
        lived = handle.evaluate(params, params["W1"][:, :2].T.copy(), params["W1"][:1, :2].T.copy())
    assert "exited with code 1" in died.failure
    assert lived.failure is None


def test_the_worker_sends_no_pickle_back_to_the_judge():
    """Replies are JSON and raw numeric bytes: decoding refuses an object array outright."""
    import numpy as np

    from oracles import worker

    message = worker.encode({"kind": "grads", "grads": [["W1", {"array": np.ones((2, 3))}]]})
    assert worker.decode(message)["grads"][0][1]["array"].shape == (2, 3)
    forged = message.replace(b'"<f8"', b'"|O8"')
    with pytest.raises(ValueError, match="refused dtype"):
        worker.decode(forged)


def test_the_default_time_limit_grows_with_the_problem():
    assert policy.call_timeout(0.0) == policy.WORKER_CALL_TIMEOUT_S
    slow = 10 * policy.WORKER_CALL_TIMEOUT_S / policy.WORKER_TIMEOUT_PER_REFERENCE
    assert policy.call_timeout(slow) == pytest.approx(10 * policy.WORKER_CALL_TIMEOUT_S)


MORE_ENDINGS = {
    # name: (a module-level prelude, what the backward does first, words of the verdict line)
    "an exception whose message raises": (
        "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no words')\n",
        "raise Odd()", "Odd"),
    "a forged reply claiming a huge length": (
        "import os, struct, sys\n",
        "os.write(int(sys.argv[2]), struct.pack('<Q', 2**40)); import time; time.sleep(60)",
        "unreadable reply"),
    "a forged reply of garbage": (
        "import os, struct, sys\n",
        "os.write(int(sys.argv[2]), struct.pack('<Q', 5) + b'{{{{{'); import time; time.sleep(60)",
        "unreadable reply"),
    "death while a child holds the reply pipe": (
        "import os\n", "pid = os.fork()\n    if pid == 0:\n        import time; time.sleep(600)\n    os._exit(3)",
        "exited with code 3"),
}


@pytest.mark.parametrize("ending", list(MORE_ENDINGS))
def test_a_candidate_that_attacks_the_channel_gets_a_one_line_verdict_in_bounded_time(tmp_path, ending):
    prelude, action, words = MORE_ENDINGS[ending]
    source = prelude + LESSON.replace("    W1, b1, W2, b2 =", f"    {action}\n    W1, b1, W2, b2 =")
    code, out, err, seconds = compare(tmp_path, source, *FAST, "--timeout", "5")
    assert code == 1, out + err
    lines = verdict_lines(out)
    assert lines and words in lines[0], out
    assert seconds < 30


def test_endless_printing_costs_the_judge_no_memory_and_is_cut_in_the_report(tmp_path):
    source = LESSON.replace("    N = X.shape[0]", "    print('x' * 10**7)\n    N = X.shape[0]")
    code, out, err, _ = compare(tmp_path, source, *FAST)
    assert code == 0, out + err
    assert "more bytes not shown" in out
    assert len(out) < 100_000


def test_a_crash_is_one_line_naming_where_and_what_and_a_write_into_the_inputs_is_named_as_such():
    from oracles.isolation import raised_words

    crash = {"type": "ValueError", "message": "shapes (3,2) and (4,) not aligned", "where": "mine.py:12"}
    assert raised_words(crash) == "the candidate crashed at mine.py:12: ValueError: shapes (3,2) and (4,) not aligned"
    assert raised_words(dict(crash, where=""), " while importing") == \
        "the candidate crashed while importing: ValueError: shapes (3,2) and (4,) not aligned"
    wrote = {"type": "ValueError", "message": "assignment destination is read-only", "where": "mine.py:7",
             "read_only": True}
    assert raised_words(wrote) == ("the candidate wrote into its inputs at mine.py:7 "
                                   "(an in-place update of the caller's weights or data?)")
    assert raised_words({"type": "SystemExit", "message": "3", "where": ""}) == "the candidate called sys.exit(3)"


def test_a_function_from_an_imported_module_is_shipped_by_value_with_its_module(tmp_path, monkeypatch):
    # a candidate whose module the worker cannot import (not on the worker's path) still runs there
    import pickle
    import sys as _sys

    from oracles.isolation import _by_value

    module = tmp_path / "shipped_only.py"
    module.write_text("FACTOR = 3.0\n\ndef backward(params, X, y):\n    return {k: v * 0 + FACTOR for k, v in params.items()}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import shipped_only

    source = _by_value(shipped_only.backward, "shipped_only:backward")
    import cloudpickle

    assert "shipped_only" not in cloudpickle.list_registry_pickle_by_value()  # by value for this one shipment only
    monkeypatch.delitem(_sys.modules, "shipped_only")
    monkeypatch.setattr(_sys, "path", [p for p in _sys.path if p != str(tmp_path)])
    import numpy as np

    fn = pickle.loads(source.pickled)  # by value: no import of shipped_only needed
    assert fn({"W1": np.zeros(2)}, None, None)["W1"].tolist() == [3.0, 3.0]


def test_in_its_worker_an_import_crash_is_named_as_such_and_errstate_finds_the_first_floating_point_error(tmp_path):
    import numpy as np

    from oracles.candidate import handle_for

    broken = tmp_path / "brk.py"
    broken.write_text('raise RuntimeError("broken at import")\ndef backward(p, X, y):\n    return {}\n')
    nan = tmp_path / "nanw.py"
    nan.write_text("import numpy as np\ndef backward(p, X, y):\n    g = {k: v * 0 for k, v in p.items()}\n"
                   "    g['W1'] = g['W1'] * (np.zeros(1) / np.zeros(1))\n    return g\n")
    params, X, y = {"W1": np.zeros((2, 2))}, np.zeros((3, 2)), np.zeros((3, 1))
    handle = handle_for(f"{broken}:backward")
    try:
        assert handle.evaluate(params, X, y).failure == \
            "the candidate crashed while importing at brk.py:1: RuntimeError: broken at import"
    finally:
        handle.close()
    handle = handle_for(f"{nan}:backward")
    try:
        assert handle.evaluate(params, X, y).failure is None  # NaN, quietly, as NumPy does by default
        traced = handle.evaluate(params, X, y, errstate=True).failure  # the line that made the NaN, and how
        assert traced.startswith("the candidate crashed at nanw.py:4: FloatingPointError: ")
        assert traced.endswith("invalid value encountered in divide")
    finally:
        handle.close()


def _worker_failure(tmp_path, body, **call):
    import numpy as np

    from oracles.candidate import handle_for

    path = tmp_path / "cand.py"
    path.write_text("import os, struct, sys\ndef backward(p, X, y):\n" + body + "\n    return {k: v * 0 for k, v in p.items()}\n")
    params, X, y = {"W1": np.zeros((2, 2))}, np.zeros((3, 2)), np.zeros((3, 1))
    handle = handle_for(f"{path}:backward", timeout=10)
    try:
        return handle.evaluate(params, X, y, **call).failure
    finally:
        handle.close()


def test_in_process_the_judge_names_a_garbage_reply_and_an_out_of_memory_death(tmp_path):
    garbage = _worker_failure(tmp_path, "    os.write(int(sys.argv[2]), struct.pack('<Q', 5) + b'{{{{{'); "
                                        "import time; time.sleep(60)")
    assert garbage.startswith("the candidate's worker sent an unreadable reply during the call (")
    assert garbage.endswith("(error)")  # the decoder's own exception class, named
    died = _worker_failure(tmp_path, "    sys.stderr.write('MemoryError\\n'); sys.stderr.flush(); os._exit(3)")
    assert died.startswith("the candidate's process exited with code 3 during the call")
    assert "(out of memory: the limit is" in died and "--memory)" in died


def test_a_batch_of_calls_in_one_round_trip_answers_each(tmp_path):
    import numpy as np

    from oracles.candidate import handle_for

    path = tmp_path / "cand.py"
    imports = tmp_path / "imports.log"  # one line each time a worker imports the candidate
    path.write_text(f"open({str(imports)!r}, 'a').write('imported\\n')\n"
                    "def backward(p, X, y):\n    return {k: v * 0 + X.shape[0] for k, v in p.items()}\n")
    params = {"W1": np.zeros((2, 2))}
    handle = handle_for(f"{path}:backward")
    try:
        outcomes = handle.evaluate_many([(params, np.zeros((n, 2)), np.zeros((n, 1))) for n in (3, 5)])
    finally:
        handle.close()
    got = [dict(o.returned["grads"])["W1"]["array"][0, 0] for o in outcomes]
    assert got == [3.0, 5.0]
    assert imports.read_text() == "imported\n"  # one worker answered both: no restart, no second import


def test_without_isolation_an_import_crash_is_a_verdict_naming_the_line(tmp_path):
    import numpy as np

    from oracles.candidate import handle_for

    broken = tmp_path / "brk.py"
    broken.write_text('raise RuntimeError("broken at import")\ndef backward(p, X, y):\n    return {}\n')
    handle = handle_for(f"{broken}:backward", isolate=False)
    failure = handle.evaluate({"W1": np.zeros((2, 2))}, np.zeros((3, 2)), np.zeros((3, 1))).failure
    assert "broken at import" in failure and "brk.py:1" in failure


def test_without_isolation_a_file_that_does_not_parse_is_a_usage_error_naming_the_file(tmp_path):
    from oracles.candidate import handle_for
    from oracles.isolation import CandidateError

    bad = tmp_path / "bad.py"
    bad.write_text("def backward(p, X, y)\n    return {}\n")
    with pytest.raises(CandidateError) as err:
        handle_for(f"{bad}:backward", isolate=False)
    assert str(err.value).startswith(f"{bad}:backward: candidate file failed to import: ")
    assert "SyntaxError" in str(err.value) and "bad.py:1" in str(err.value)


def test_in_its_worker_a_file_that_does_not_parse_is_a_usage_error_naming_the_import(tmp_path):
    from oracles.candidate import handle_for
    from oracles.isolation import CandidateError

    bad = tmp_path / "bad.py"
    bad.write_text("def backward(p, X, y)\n    return {}\n")
    with pytest.raises(CandidateError) as err:
        handle_for(f"{bad}:backward")
    assert str(err.value).startswith(f"{bad}:backward: candidate file failed to import: "
                                     "the candidate crashed while importing at bad.py:1: SyntaxError")


def test_the_judge_words_a_refused_import_a_memory_error_and_undecodable_output_from_the_reply():
    from oracles.isolation import _outcome, reply_failure

    refused = reply_failure({"kind": "returned", "refused_imports": ["oracles.harness", "torch"]})
    assert refused == ("the candidate imported oracles.harness, torch, one of the judge's own packages: "
                       "refused in its worker")
    raised = {"kind": "raised", "type": "MemoryError", "message": "", "where": "mine.py:3"}
    plain = reply_failure(raised)
    limited = _outcome(raised, "", 0.1, memory=2**31).failure
    assert limited == plain + " (the worker's memory limit is 2 GiB: --memory)"


def test_output_that_is_not_utf8_is_shown_with_replacement_characters(tmp_path):
    import numpy as np

    from oracles.candidate import load_candidate

    mine = tmp_path / "mine.py"
    mine.write_text("import os\n\ndef backward(params, X, y):\n"
                    "    os.write(1, b'caf\\xe9 \\xff\\n')\n    raise ValueError('stop')\n")
    with load_candidate(f"{mine}:backward") as worker:
        outcome = worker.evaluate({"W1": np.ones((1, 1)), "b1": np.ones((1, 1))}, np.ones((1, 1)), np.ones((1, 1)))
    assert "caf\ufffd \ufffd" in outcome.output


@pytest.mark.parametrize("isolation", [(), ("--no-isolation",)])
def test_a_backward_that_prints_and_calls_sys_exit_0_is_exit_1_with_a_clean_json_report(tmp_path, isolation):
    source = LESSON.replace("    W1, b1, W2, b2 =", "    print('debug: computing grads')\n"
                                                    "    import sys; sys.exit(0)\n    W1, b1, W2, b2 =")
    code, out, err, _ = compare(tmp_path, source, *FAST, "--format", "json", *isolation)
    assert code == 1, out + err
    report = json.loads(out)  # parseable: the print and the exit stayed the candidate's
    assert report["passed"] is False and all("sys.exit(0)" in p["violation"] for p in report["points"])


def test_the_console_script_skips_unloading_modules_but_still_runs_the_exit_handlers(tmp_path):
    # the hypothesis files of a --fuzz run live in a temporary folder an exit handler removes
    temp = tmp_path / "tmp"
    temp.mkdir()
    (tmp_path / "cand.py").write_text(LESSON)
    done = subprocess.run([str(COMMAND), "--candidate", f"{tmp_path / 'cand.py'}:backward", "--fuzz", "2", *FAST],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=dict(os.environ, TMPDIR=str(temp)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("PASS: every check agrees")
    assert list(temp.iterdir()) == []


def test_ctrl_c_while_a_candidate_hangs_is_exit_130_with_one_line(tmp_path):
    import signal

    (tmp_path / "cand.py").write_text("import time\n\ndef backward(params, X, y):\n    time.sleep(300)\n")
    process = subprocess.Popen([str(COMMAND), "--candidate", f"{tmp_path / 'cand.py'}:backward", *FAST],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(5)  # the judge is waiting on the candidate's first call by now
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, err, out) == (130, "compare-frameworks: interrupted\n", "")


def test_a_candidate_named_by_module_is_imported_in_its_worker_from_the_working_directory(tmp_path, monkeypatch):
    from oracles.candidate import load_candidate
    from reference.model import Spec, init_params

    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "grads.py").write_text(LESSON)
    monkeypatch.chdir(tmp_path)
    params, X, y = init_params(Spec()), np.ones((4, 8)), np.ones((4, 1))
    with load_candidate("mypkg.grads:backward") as handle:
        outcome = handle.evaluate(params, X, y)
    assert outcome.failure is None and [k for k, _ in outcome.returned["grads"]] == list(params)


@pytest.mark.parametrize("ending, words", [("os.kill(os.getpid(), signal.SIGTERM)", "died of signal 15 (terminated)"),
                                           ("os._exit(4)", "exited with code 4")])
def test_the_judge_names_how_its_worker_died_in_the_failure_of_that_call(tmp_path, ending, words):
    from oracles.candidate import load_candidate
    from reference.model import Spec, init_params

    path = tmp_path / "cand.py"
    path.write_text(f"import os, signal\n\ndef backward(params, X, y):\n    {ending}\n")
    params, X, y = init_params(Spec()), np.ones((4, 8)), np.ones((4, 1))
    with load_candidate(f"{path}:backward") as handle:
        outcome = handle.evaluate(params, X, y)
    assert outcome.returned is None and outcome.failure.startswith(f"the candidate's process {words} ")


def _batch(ns):
    from reference.model import Spec, init_params

    params = init_params(Spec((2, 3, 1)))
    return [(params, np.ones((n, 2)), np.ones((n, 1))) for n in ns]


def test_a_healthy_batch_is_one_exchange_its_output_shown_once_and_a_batch_of_one_one_call(tmp_path, monkeypatch):
    from oracles.candidate import load_candidate

    path = tmp_path / "cand.py"
    path.write_text("import numpy as np\ndef backward(p, X, y):\n    print(X.shape[0])\n"
                    "    return {k: v * 0 + X.shape[0] + y.sum() for k, v in p.items()}\n")
    with load_candidate(f"{path}:backward") as handle:
        (one,) = handle.evaluate_many(_batch([2]))  # a batch of one is one call
        exchanges = []
        real = handle._exchange
        monkeypatch.setattr(handle, "_exchange", lambda *a: exchanges.append(a[2]) or real(*a))
        outcomes = handle.evaluate_many(_batch([3, 4, 5]))
    assert dict(one.returned["grads"])["W1"]["array"][0, 0] == 2.0 + 2.0  # X's rows and y's sum: both reached it
    assert exchanges == ["during a batch of calls"]
    assert [dict(o.returned["grads"])["W1"]["array"][0, 0] for o in outcomes] == [3.0 + 3, 4.0 + 4, 5.0 + 5]
    assert [o.output for o in outcomes] == ["3\n4\n5\n", "", ""]  # what the batch printed, shown once


def test_a_worker_that_dies_in_a_batch_is_asked_again_call_by_call_so_each_outcome_is_its_own(tmp_path):
    from oracles.candidate import load_candidate

    path = tmp_path / "cand.py"
    path.write_text("import os\nimport numpy as np\ndef backward(p, X, y):\n    if X.shape[0] == 1:\n        os._exit(3)\n"
                    "    return {k: v * 0 + X.shape[0] for k, v in p.items()}\n")
    with load_candidate(f"{path}:backward") as handle:
        first, died, last = handle.evaluate_many(_batch([3, 1, 5]))
    assert dict(first.returned["grads"])["W1"]["array"][0, 0] == 3.0
    assert died.returned is None and died.failure.startswith("the candidate's process exited with code 3 ")
    assert dict(last.returned["grads"])["W1"]["array"][0, 0] == 5.0


def test_a_batch_past_its_time_limit_fails_every_call_in_it_and_every_call_after_it(tmp_path):
    from oracles.candidate import load_candidate

    path = tmp_path / "cand.py"
    path.write_text("import time\nimport numpy as np\ndef backward(p, X, y):\n    if X.shape[0] == 1:\n"
                    "        print('waiting')\n        time.sleep(60)\n    return {k: v * 0 for k, v in p.items()}\n")
    with load_candidate(f"{path}:backward", timeout=1.0) as handle:
        outcomes = handle.evaluate_many(_batch([3, 1]))
        later = handle.evaluate_many(_batch([3, 4])) + [handle.evaluate(*_batch([3])[0])]
    assert all(o.returned is None and "time limit" in o.failure for o in outcomes)
    assert outcomes[0].output == "waiting\n"  # the batch's output, shown once
    assert [o.failure for o in later] == [outcomes[0].failure] * 3  # no new worker: the same verdict at once


def test_an_import_time_exit_is_named_while_importing_the_candidate(tmp_path):
    from oracles.candidate import load_candidate

    path = tmp_path / "cand.py"
    path.write_text("import os\nos._exit(3)\ndef backward(p, X, y):\n    return p\n")
    with load_candidate(f"{path}:backward") as handle:
        outcome = handle.evaluate(*_batch([2])[0])
    assert outcome.returned is None
    assert outcome.failure.startswith("the candidate's process exited with code 3 while importing the candidate")


def test_a_function_resolves_by_module_and_name_only_from_a_module_loaded_from_a_file():
    from oracles.isolation import _resolves
    from reference.model import backward

    assert _resolves("reference.model", "backward", backward)
    assert not _resolves("reference.model", "forward", backward)  # another function of that module
    assert not _resolves("sys", "getsizeof", sys.getsizeof)  # a built-in module: nothing a worker can import by file
    assert not _resolves("no_such_module_here", "backward", backward)


def test_a_batch_asked_of_a_candidate_that_fails_at_import_gets_that_failure_for_every_call_and_its_print_once(
        tmp_path):
    from oracles.candidate import load_candidate

    path = tmp_path / "cand.py"
    path.write_text("print('loading')\nraise RuntimeError('broken at import')\ndef backward(p, X, y):\n    return p\n")
    with load_candidate(f"{path}:backward") as handle:
        outcomes = handle.evaluate_many(_batch([2, 3, 4]))
        again = handle.evaluate_many(_batch([2, 3]))
    failure = "the candidate crashed while importing at cand.py:2: RuntimeError: broken at import"
    assert [o.failure for o in outcomes + again] == [failure] * 5
    assert [o.output for o in outcomes + again] == ["loading\n", "", "", "", ""]  # what it printed: shown once


# ---------------------------------------------------------------- the same endings, asked of the handle in the test process
# (the command's tests above hold the exit code and the one line; these hold the handle's words,
# where a mutation of the judge's side of the channel shows)

def _asked(tmp_path, source: str, timeout=5.0, calls=1, **worker_options):
    """The Outcomes of ``calls`` calls of ``cand.py:backward`` (``source``) in its worker, on the lesson's point."""
    from oracles.candidate import load_candidate
    from reference.model import Spec, init_params

    path = tmp_path / "cand.py"
    path.write_text(source)
    params, X, y = init_params(Spec()), np.ones((4, 8)), np.ones((4, 1))
    with load_candidate(f"{path}:backward", timeout=timeout, **worker_options) as handle:
        return [handle.evaluate(params, X, y) for _ in range(calls)]


@pytest.mark.parametrize("ending", list(ENDINGS) + list(MORE_ENDINGS))
def test_the_handle_words_every_ending_of_a_call_as_the_verdict_line_does(tmp_path, ending):
    prelude, action, words = MORE_ENDINGS[ending] if ending in MORE_ENDINGS else ("", *ENDINGS[ending])
    (outcome,) = _asked(tmp_path, prelude + LESSON.replace("    W1, b1, W2, b2 =", f"    {action}\n    W1, b1, W2, b2 ="))
    assert outcome.returned is None and words in outcome.failure


def test_a_worker_killed_by_sigkill_is_suspected_of_running_out_of_memory(tmp_path):
    (outcome,) = _asked(tmp_path, "import os, signal\ndef backward(p, X, y):\n    os.kill(os.getpid(), signal.SIGKILL)\n")
    assert outcome.failure.startswith("the candidate's process died of signal 9 (killed) (killed: out of memory?)")


def test_a_call_past_its_time_limit_is_named_with_the_limit_and_every_later_call_gets_the_same_at_once(tmp_path):
    outcomes = _asked(tmp_path, "import time\ndef backward(p, X, y):\n    print('waiting')\n    time.sleep(60)\n",
                      timeout=1.0, calls=2)
    assert outcomes[0].failure == "the candidate ran past its time limit of 1 s during the call (--timeout)"
    assert outcomes[0].output == "waiting\n"  # what it printed before the limit is still shown
    assert outcomes[1] is outcomes[0]


def test_what_a_call_printed_before_its_worker_died_is_kept_with_the_failure(tmp_path):
    (outcome,) = _asked(tmp_path, "import os\ndef backward(p, X, y):\n    print('before', flush=True)\n    os._exit(5)\n")
    assert outcome.failure.startswith("the candidate's process exited with code 5 ")
    assert outcome.output == "before\n"


def test_running_out_of_the_workers_memory_is_named_with_the_limit_in_gib(tmp_path):
    (outcome,) = _asked(tmp_path, "import numpy as np\ndef backward(p, X, y):\n    big = np.ones(2**31)\n",
                        memory=2**29)
    assert "MemoryError" in outcome.failure and "0.5 GiB" in outcome.failure
    dies = ("import os, sys\ndef backward(p, X, y):\n"  # as a C++ extension dies when an allocation fails
            "    sys.stderr.write(\"terminate called after throwing an instance of 'std::bad_alloc'\\n\")\n"
            "    sys.stderr.flush()\n    os._exit(134)\n")
    (outcome,) = _asked(tmp_path, dies, memory=2**29)
    assert outcome.failure == ("the candidate's process exited with code 134 during the call (out of memory: the "
                               "limit is 0.5 GiB, --memory)")


def test_what_a_call_prints_past_the_limit_is_cut_with_a_count_of_what_was_not_shown(tmp_path):
    n = policy.WORKER_OUTPUT_BYTES + 1000
    (outcome,) = _asked(tmp_path, f"def backward(p, X, y):\n    print('x' * {n - 1})\n    return p\n")
    assert outcome.output == "x" * policy.WORKER_OUTPUT_BYTES + "\n[... 1,000 more bytes not shown]"


def test_a_candidate_file_that_imports_the_judge_is_refused_in_its_worker_naming_the_import(tmp_path):
    (outcome,) = _asked(tmp_path, "import oracles.compare\ndef backward(p, X, y):\n    return p\n")
    assert outcome.failure == ("the candidate imported oracles, one of the judge's own packages: "
                               "refused in its worker")


def test_a_function_whose_module_imports_the_judge_is_shipped_by_value_instead(tmp_path, monkeypatch):
    import importlib

    from oracles.candidate import handle_for

    (tmp_path / "judged.py").write_text("import oracles.compare\nimport numpy as np\n"
                                        "def backward(p, X, y):\n    return {k: np.zeros_like(v) for k, v in p.items()}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("judged")
    handle = handle_for(module.backward)
    try:
        outcome = handle.evaluate({"W1": np.ones((2, 2))}, np.ones((3, 2)), np.ones((3, 1)))
    finally:
        handle.close()
        sys.modules.pop("judged", None)
    assert outcome.failure is None and dict(outcome.returned["grads"])["W1"]["array"].tolist() == [[0, 0], [0, 0]]


def test_what_cannot_be_a_candidate_is_a_usage_error_naming_why():
    import threading

    from oracles.isolation import CandidateError, Source, function_source, load_in_process

    with pytest.raises(CandidateError, match="must be a function backward"):
        function_source(42)
    lock = threading.Lock()
    with pytest.raises(CandidateError, match="cannot ship the candidate to its worker: TypeError"):
        function_source(lambda p, X, y: lock)  # a closure over a lock: not picklable
    with pytest.raises(CandidateError, match="no function 'DESCENT_STEP' in the candidate"):  # a number
        load_in_process(Source("oracles.policy:DESCENT_STEP", module="oracles.policy", attr="DESCENT_STEP",
                               path=list(sys.path)))


def test_a_signal_is_named_by_its_number_and_description_and_an_unknown_one_by_its_number():
    from oracles.isolation import _signal_words

    assert _signal_words(9) == "signal 9 (killed)" and _signal_words(250) == "signal 250"


def test_a_candidate_file_imports_its_siblings_in_its_worker(tmp_path):
    (tmp_path / "helper.py").write_text("FACTOR = 7.0\n")
    (outcome,) = _asked(tmp_path, "from helper import FACTOR\ndef backward(p, X, y):\n"
                                  "    return {k: v * 0 + FACTOR for k, v in p.items()}\n")
    assert outcome.failure is None and dict(outcome.returned["grads"])["W1"]["array"][0, 0] == 7.0


def test_without_isolation_an_import_crash_is_named_while_importing_at_its_line(tmp_path):
    from oracles.candidate import handle_for

    path = tmp_path / "brk.py"
    path.write_text("raise RuntimeError('broken at import')\ndef backward(p, X, y):\n    return p\n")
    handle = handle_for(f"{path}:backward", isolate=False)
    outcome = handle.evaluate({"W1": np.ones((2, 2))}, np.ones((3, 2)), np.ones((3, 1)))
    assert outcome.failure == "the candidate crashed while importing at brk.py:1: RuntimeError: broken at import"


@pytest.mark.parametrize("flag", [True, False])
def test_loading_a_candidate_in_process_leaves_the_interpreters_dont_write_flag_as_it_was(tmp_path, monkeypatch, flag):
    # the judge's own setting (python -B, PYTHONDONTWRITEBYTECODE) outlives the candidate's import
    from oracles.isolation import LoadVerdict, Source, load_in_process

    monkeypatch.setattr(sys, "dont_write_bytecode", flag)
    good = tmp_path / f"fine_{flag}.py"
    good.write_text("def backward(p, X, y):\n    return p\n")
    fn = load_in_process(Source(f"{good}:backward", file=str(good), attr="backward", path=[str(tmp_path)]))
    assert callable(fn) and sys.dont_write_bytecode is flag
    assert not (tmp_path / "__pycache__").exists()  # while it imported, nothing was written beside the file
    bad = tmp_path / f"dies_{flag}.py"
    bad.write_text("raise RuntimeError('at import')\n")
    with pytest.raises(LoadVerdict):
        load_in_process(Source(f"{bad}:backward", file=str(bad), attr="backward", path=[str(tmp_path)]))
    assert sys.dont_write_bytecode is flag  # and after an import that raised


class _Told:
    """A stand-in for a live worker in ``oracles.isolation._LIVE``: its process, its token, what it was told."""

    def __init__(self, process, token):
        self.process, self.token, self.told = process, token, []

    def offend(self, line):
        self.told.append(line)


def _sleeper(env=None):
    return subprocess.Popen(["sleep", "60"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="senders and tokens are read from /proc")
def test_a_signal_is_blamed_on_the_worker_it_came_from_or_whose_token_it_carries_and_on_no_other(monkeypatch):
    import signal

    from oracles import isolation, reaper

    worker_process, orphan, stranger = _sleeper(), _sleeper(dict(os.environ, **{reaper.TOKEN: "t0ken"})), _sleeper()
    try:
        w = _Told(worker_process, "t0ken")
        monkeypatch.setattr(isolation, "_LIVE", {w})
        assert isolation.blame(stranger.pid) is False and w.told == []  # not under the worker, not carrying its token
        assert isolation.blame(worker_process.pid, signal.SIGINT) is True  # the worker itself
        assert len(w.told) == 1 and f"signal {int(signal.SIGINT)}" in w.told[0]
        assert isolation.blame(orphan.pid, signal.SIGTERM) is True  # an orphan of its own, outside its tree
        assert len(w.told) == 2 and f"signal {int(signal.SIGTERM)}" in w.told[1]
    finally:
        for p in (worker_process, orphan, stranger):
            p.kill()
            p.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="senders and tokens are read from /proc")
def test_blaming_a_sender_reads_that_process_environment_alone_not_every_process(monkeypatch):
    # the watcher thread asks on every SIGINT: looking for the token among all the machine's processes
    # would read every environment it may open (and wait on any process that holds its memory's lock)
    import builtins

    from oracles import isolation, reaper

    worker_process, orphan = _sleeper(), _sleeper(dict(os.environ, **{reaper.TOKEN: "t0ken"}))
    read = []

    def counting_open(path, *args, **kwargs):
        if str(path).endswith("/environ"):
            read.append(int(str(path).split("/")[2]))
        return builtins.open(path, *args, **kwargs)

    try:
        monkeypatch.setattr(isolation, "_LIVE", {_Told(worker_process, "t0ken")})
        monkeypatch.setattr(reaper, "open", counting_open, raising=False)
        assert isolation.blame(orphan.pid) is True
        assert read == [orphan.pid]
    finally:
        for p in (worker_process, orphan):
            p.kill()
            p.wait()
