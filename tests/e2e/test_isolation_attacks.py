"""The second round of attacks on the judge's isolation: each one, as it was reported, holds.

Nothing a run reads can be written by it; the worker's descendants do not outlive it; every
exchange with the worker is bounded in time; a reply is bounded by ``--memory``; the judge's
/proc entries are closed to the candidate; a neighbour's signal cannot fail a gradebook row; a
candidate's SIGINT to the judge is its own verdict. Attacks that need the judge as a user runs it
(its own process, a subreaper, SIGINT read with its sender) go through the console script.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from oracles.shells.cli import main

HERE = Path(__file__).resolve().parent.parent
LESSON = (HERE / "candidates" / "lesson.py").read_text()
WRONG = LESSON.replace("dz1 = da1 * (z1 > 0)", "dz1 = da1")
FAST = ("--oracles", "finite-differences")
COMMAND = Path(sys.executable).parent / "compare-frameworks"
LINUX = sys.platform.startswith("linux")


def compare(tmp_path, source: str, *argv, name="cand.py", timeout=180):
    """``compare-frameworks`` on ``source`` (written to ``name``), as a user runs it: (code, stdout, stderr)."""
    path = tmp_path / name
    path.write_text(source)
    done = subprocess.run([str(COMMAND), "--candidate", f"{path}:backward", *argv], capture_output=True, text=True,
                          timeout=timeout, cwd=tmp_path, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    return done.returncode, done.stdout, done.stderr


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def dead(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rpartition(")")[2].split()[0] in ("Z", "X")
    except OSError:
        return True


# ---------------------------------------------------------------- 1. nothing a run reads is written by it

def test_an_output_naming_the_data_found_through_the_environment_is_refused_and_the_data_kept(
        tmp_path, capsys, monkeypatch, real_path):
    data = tmp_path / "d.csv"
    data.write_bytes(real_path.read_bytes())
    monkeypatch.setenv("BACKPROP_DATA", str(data))
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, *FAST, "--output", "./d.csv")
    assert code == 2
    line = one_line(err)
    assert "--output" in line and "$BACKPROP_DATA" in line and str(data) in line
    assert data.read_bytes() == real_path.read_bytes()


def test_an_output_naming_the_default_data_file_through_a_symlink_is_refused(tmp_path, capsys, monkeypatch):
    from reference.data import DEFAULT, packaged_path

    shipped = packaged_path(DEFAULT)
    before = shipped.read_bytes()
    (tmp_path / "link.csv").symlink_to(shipped)
    monkeypatch.delenv("BACKPROP_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, *FAST, "--output", "link.csv")
    assert code == 2
    line = one_line(err)
    assert "--output" in line and f"packaged data set {DEFAULT}" in line
    assert shipped.read_bytes() == before


def test_a_plot_naming_a_hard_link_of_the_data_is_refused(tmp_path, capsys, real_path):
    data = tmp_path / "d.png"  # a data file may carry any name
    data.write_bytes(real_path.read_bytes())
    os.link(data, tmp_path / "same.png")
    code, _, err = run_cli(capsys, "--data", str(data), *FAST, "--plot", str(tmp_path / "same.png"))
    assert code == 2 and "--plot" in one_line(err) and "--data file" in one_line(err)
    assert data.read_bytes() == real_path.read_bytes()


@pytest.mark.parametrize("target, output", [("mysub:backward", "mysub.py"),
                                            ("mypkg.grads:backward", "mypkg/grads.py"),
                                            ("mypkg.grads:backward", "mypkg/__init__.py")])
def test_an_output_naming_a_module_candidates_file_is_refused_before_it_is_imported(
        tmp_path, capsys, monkeypatch, real_path, target, output):
    marker = tmp_path / "imported"
    source = f"open({str(marker)!r}, 'w').close()\n" + LESSON
    (tmp_path / "mysub.py").write_text(source)
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (tmp_path / "mypkg" / "grads.py").write_text(source)
    before = (tmp_path / output).read_text()
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "--data", str(real_path), *FAST, "--candidate", target, "--output", output)
    assert code == 2
    line = one_line(err)
    assert "--output" in line and "file of the candidate module" in line
    assert (tmp_path / output).read_text() == before
    assert not marker.exists()  # found as the worker finds it, never imported by the judge


def test_run_inputs_names_every_file_the_run_reads(tmp_path, monkeypatch, real_path):
    from types import SimpleNamespace

    from oracles.shells.cli import run_inputs

    (tmp_path / "mysub.py").write_text(LESSON)
    (tmp_path / "cand.py").write_text(LESSON)
    replay = tmp_path / "replay.txt"
    replay.write_text("sizes=2,3,1 N=5 seed=0\n")
    forward = tmp_path / "fwd.py"
    forward.write_text("def loss(p, X, y):\n    return 0.0\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKPROP_DATA", str(real_path))
    args = SimpleNamespace(data=None, replay=str(replay), forward=f"{forward}:loss", inputs=None)
    found = run_inputs(args, ["mysub:backward", "cand.py:backward"])
    assert found == {real_path.resolve(): "data file found through $BACKPROP_DATA",
                     (tmp_path / "mysub.py").resolve(): "file of the candidate module mysub",
                     (tmp_path / "cand.py").resolve(): "--candidate file",
                     replay.resolve(): "--replay file", forward.resolve(): "--forward file"}


@pytest.mark.skipif(not LINUX, reason="ending a whole process tree is a Linux promise")
def test_a_setsid_grandchild_cannot_outlive_the_run_and_rewrite_the_report(tmp_path):
    marker = tmp_path / "daemon.pid"
    report = tmp_path / "report.json"
    daemon = ("import os, time\n"
              "if os.fork() == 0:\n"
              "    os.setsid()\n"
              "    if os.fork() == 0:\n"
              f"        open({str(marker)!r}, 'w').write(str(os.getpid()))\n"
              "        time.sleep(3)\n"
              f"        open({str(report)!r}, 'w').write('{{\"passed\": true}}')\n"
              "        os._exit(0)\n"
              "    os._exit(0)\n")
    code, out, err = compare(tmp_path, daemon + WRONG, *FAST, "--format", "json", "--output", str(report))
    assert code == 1, out + err
    pid = int(marker.read_text())
    assert dead(pid)  # gone (or a zombie) when the judge has exited: it writes nothing more
    time.sleep(4)  # past the moment it would have written
    assert json.loads(report.read_text())["passed"] is False


# ---------------------------------------------------------------- 2. bounded in time, whatever the worker does

def _wide_csv(tmp_path) -> Path:
    """A data file whose call message is well over a pipe's 64 KiB."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1500, 12))
    y = (X[:, 0] > 0).astype(int)
    path = tmp_path / "wide.csv"
    header = ",".join(f"x{j}" for j in range(12)) + ",Outcome\n"
    path.write_text(header + "".join(",".join(f"{v:.6f}" for v in row) + f",{t}\n" for row, t in zip(X, y)))
    return path


def test_a_worker_that_stops_reading_its_pipe_cannot_block_the_judges_write_past_the_timeout(tmp_path):
    # the worker's loop stops reading its pipe after this call: its next message (> 64 KiB) cannot be written whole
    stops = LESSON.replace("    return {", "    import sys, time\n    f = sys._getframe()\n"
                                           "    while f and 'receive' not in f.f_globals:\n        f = f.f_back\n"
                                           "    f.f_globals['receive'] = lambda fd: time.sleep(10**6)\n"
                                           "    return {", 1)
    code, out, err = compare(tmp_path, stops, "--data", str(_wide_csv(tmp_path)), *FAST, "--timeout", "3",
                             timeout=120)
    assert code == 1, out + err
    assert "ran past its time limit of 3 s" in out


def test_a_correct_backward_slower_than_a_batch_but_within_the_per_call_limit_passes_the_fuzz(tmp_path):
    slow = LESSON.replace("    N = X.shape[0]", "    import time\n    time.sleep(0.7)\n    N = X.shape[0]", 1)
    code, out, err = compare(tmp_path, slow, *FAST, "--timeout", "2", "--fuzz", "3", timeout=600)
    assert code == 0, out + err


def test_each_call_of_a_batch_has_its_own_time_limit(tmp_path):
    from oracles.candidate import load_candidate
    from reference.model import Spec, init_params

    path = tmp_path / "cand.py"
    path.write_text("import time\nimport numpy as np\ndef backward(p, X, y):\n    time.sleep(0.6)\n"
                    "    return {k: v * 0 for k, v in p.items()}\n")
    params = init_params(Spec((2, 3, 1)))
    with load_candidate(f"{path}:backward", timeout=1.0) as handle:
        outcomes = handle.evaluate_many([(params, np.ones((n, 2)), np.ones((n, 1))) for n in (2, 3, 4)])
    assert [o.failure for o in outcomes] == [None, None, None]


@pytest.mark.skipif(not LINUX, reason="SIGINT read with its sender is a Linux promise")
def test_ctrl_c_in_a_gradebook_writes_the_rows_finished_so_far_and_exits_130(tmp_path):
    started = tmp_path / "hanging.started"
    (tmp_path / "a_fine.py").write_text(LESSON)
    (tmp_path / "b_hangs.py").write_text(f"import time\ndef backward(params, X, y):\n"
                                         f"    open({str(started)!r}, 'w').close()\n    time.sleep(300)\n")
    (tmp_path / "c_fine.py").write_text(LESSON)
    out_csv = tmp_path / "book.csv"
    process = subprocess.Popen([str(COMMAND), "--candidate", f"{tmp_path}/*.py:backward", *FAST, "--format", "csv",
                                "--output", str(out_csv)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=tmp_path, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for _ in range(1200):  # a_fine is graded by the time b_hangs is called (--jobs 1, in order)
        if started.exists() or process.poll() is not None:
            break
        time.sleep(0.1)
    assert started.exists()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert err.strip().splitlines()[-1] == "compare-frameworks: interrupted"
    rows = out_csv.read_text().splitlines()
    assert rows[0].startswith("candidate,verdict") and len(rows) == 2  # the header and a_fine's row
    assert rows[1].startswith(f"{tmp_path}/a_fine.py:backward,PASS")


def test_an_interrupted_gradebook_says_so_and_does_not_pass():
    from oracles.shells.gradebook import Gradebook, Row

    book = Gradebook({}, {}, [], [Row("a.py:backward", True, "PASS")], interrupted=True)
    assert not book.passed and book.verdict().startswith("INTERRUPTED: 1 candidate graded before Ctrl-C")
    assert book.to_dict()["interrupted"] is True


# ---------------------------------------------------------------- 5. the isolation's promises

def test_a_forged_reply_claiming_more_than_the_memory_limit_is_refused_as_the_candidates_verdict(tmp_path):
    forged = LESSON.replace("    N = X.shape[0]", "    import os, struct, sys, time\n"
                                                 "    os.write(int(sys.argv[2]), struct.pack('<Q', 2_400_000_000))\n"
                                                 "    time.sleep(60)\n    N = X.shape[0]", 1)
    code, out, err = compare(tmp_path, forged, *FAST, "--memory", "1G", "--timeout", "30")
    assert code == 1, out + err
    assert "unreadable reply" in out and "2,400,000,000 bytes, over the limit of 1,073,741,824 bytes" in out


def test_a_reply_is_read_into_one_buffer_and_its_arrays_are_views_of_it():
    from oracles import worker

    message = worker.encode({"kind": "grads", "grads": [["W1", {"array": np.arange(6.0).reshape(2, 3)}],
                                                        ["b1", {"array": np.ones(3, np.float32)}]]})
    buffer = bytearray(message)
    decoded = worker.decode(buffer)
    arrays = [v["array"] for _, v in decoded["grads"]]
    assert [a.tolist() for a in arrays] == [[[0, 1, 2], [3, 4, 5]], [1, 1, 1]]
    assert all(not a.flags.owndata and a.flags.aligned for a in arrays)  # views: the reply is held once


@pytest.mark.skipif(not LINUX, reason="closing the judge's /proc entries is a Linux promise")
def test_a_candidate_writing_to_the_judges_stdout_through_proc_cannot_corrupt_the_json(tmp_path):
    attack = LESSON.replace("    N = X.shape[0]", "    import os\n    try:\n"
                                                 "        with open(f'/proc/{os.getppid()}/fd/1', 'w') as f:\n"
                                                 "            f.write('GARBAGE')\n"
                                                 "    except OSError:\n        pass\n    N = X.shape[0]", 1)
    code, out, err = compare(tmp_path, attack, *FAST, "--format", "json")
    assert "GARBAGE" not in out
    assert json.loads(out)["passed"] is True and code == 0, out + err


@pytest.mark.skipif(not LINUX, reason="capabilities are Linux's")
def test_the_worker_holds_no_capability_but_reading_files_before_candidate_code_runs(tmp_path):
    probe = ("S = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
             "import numpy as np\ndef backward(p, X, y):\n"
             "    held = [int(S[k], 16) for k in ('CapEff', 'CapPrm', 'CapInh', 'CapAmb', 'CapBnd')]\n"
             "    return {'W1': np.array([held + [int(S['NoNewPrivs'])]], dtype=float)}\n")
    from oracles.candidate import load_candidate

    path = tmp_path / "probe.py"
    path.write_text(probe)
    with load_candidate(f"{path}:backward") as handle:
        outcome = handle.evaluate({"W1": np.ones((1, 6))}, np.ones((2, 1)), np.ones((2, 1)))
    held = dict(outcome.returned["grads"])["W1"]["array"][0]
    effective, permitted, inheritable, ambient, bounding, no_new_privs = held
    read_search = 1 << 2  # CAP_DAC_READ_SEARCH: the one kept, so it reads what the judge's user reads
    assert (int(effective) & ~read_search, int(permitted) & ~read_search, inheritable, ambient) == (0, 0, 0, 0)
    assert no_new_privs == 1
    if os.geteuid() == 0:  # as root the bounding set is emptied too (a user has nothing to drop)
        assert bounding == 0


@pytest.mark.skipif(not LINUX, reason="SIGINT read with its sender is a Linux promise")
def test_a_sigint_the_candidate_sends_the_judge_is_its_verdict_not_an_interrupt(tmp_path):
    rude = LESSON.replace("    N = X.shape[0]", "    import os, signal\n    os.kill(os.getppid(), signal.SIGINT)\n"
                                               "    N = X.shape[0]", 1)
    code, out, err = compare(tmp_path, rude, *FAST)
    assert code == 1, out + err
    assert "sent signal 2 (interrupt) to the judge's process" in out
    assert "interrupted" not in err


@pytest.mark.skipif(not LINUX, reason="SIGINT read with its sender is a Linux promise")
def test_a_sigint_from_a_grandchild_of_the_candidate_is_its_verdict_too(tmp_path):
    judge = "os.getppid()"  # the worker's parent, read before the fork
    rude = LESSON.replace("    N = X.shape[0]", f"    import os, signal, time\n    judge = {judge}\n"
                                               "    if os.fork() == 0:\n        os.setsid()\n"
                                               "        os.kill(judge, signal.SIGINT)\n        os._exit(0)\n"
                                               "    time.sleep(0.5)\n    N = X.shape[0]", 1)
    code, out, err = compare(tmp_path, rude, *FAST)
    assert code == 1, out + err
    assert "sent signal 2 (interrupt) to the judge's process" in out


def _neighbour_killer() -> str:
    """A candidate that waits for another worker of the same judge to appear and SIGKILLs it,
    then answers correctly."""
    return ("import os, signal, time\n"
            "def _others():\n"
            "    out = []\n"
            "    for pid in filter(str.isdigit, os.listdir('/proc')):\n"
            "        try:\n"
            "            cmd = open(f'/proc/{pid}/cmdline', 'rb').read()\n"
            "            ppid = int(open(f'/proc/{pid}/stat').read().rpartition(')')[2].split()[1])\n"
            "        except (OSError, ValueError, IndexError):\n"
            "            continue\n"
            "        if b'__backprop_worker__' in cmd and int(pid) != os.getpid() and ppid == os.getppid():\n"
            "            out.append(int(pid))\n"
            "    return out\n"
            "for _ in range(600):\n"
            "    if _others():\n"
            "        break\n"
            "    time.sleep(0.05)\n"
            "time.sleep(0.3)\n"
            "for pid in _others():\n"
            "    os.kill(pid, signal.SIGKILL)\n" + LESSON)


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_a_neighbours_sigkill_cannot_fail_a_correct_candidate_in_a_gradebook(tmp_path, capsys, real_path):
    (tmp_path / "a_victim.py").write_text(LESSON.replace("    N = X.shape[0]",
                                                         "    import time\n    time.sleep(0.2)\n    N = X.shape[0]", 1))
    (tmp_path / "b_killer.py").write_text(_neighbour_killer())
    code, out, err = run_cli(capsys, "--data", str(real_path), *FAST, "--candidate", f"{tmp_path}/*.py:backward",
                             "--jobs", "2", "--format", "json")
    rows = {Path(r["candidate"].rpartition(":")[0]).name: r for r in json.loads(out)["candidates"]}
    assert rows["a_victim.py"]["verdict"] == "PASS", rows["a_victim.py"]


def test_the_judge_tells_a_signal_it_sent_from_one_it_did_not(tmp_path):
    from oracles.candidate import load_candidate
    from reference.model import Spec, init_params

    path = tmp_path / "cand.py"
    path.write_text("import os, signal, time\nimport numpy as np\ndef backward(p, X, y):\n"
                    "    if X.shape[0] == 1:\n        os.kill(os.getpid(), signal.SIGKILL)\n"
                    "    if X.shape[0] == 2:\n        time.sleep(60)\n    return {k: v * 0 for k, v in p.items()}\n")
    params = init_params(Spec((2, 3, 1)))
    with load_candidate(f"{path}:backward", timeout=1.0) as handle:
        handle.evaluate(params, np.ones((2, 2)), np.ones((2, 1)))  # past its limit: the judge's own SIGKILL
        judged = handle.signalled
    with load_candidate(f"{path}:backward", timeout=5.0) as handle:
        handle.evaluate(params, np.ones((1, 2)), np.ones((1, 1)))
        own = handle.signalled
    assert (judged, own) == (None, signal.SIGKILL)


@pytest.mark.skipif(not LINUX, reason="SIGINT read with its sender is a Linux promise")
def test_in_a_gradebook_a_candidates_sigint_to_the_judge_fails_its_row_only(tmp_path):
    (tmp_path / "a_fine.py").write_text(LESSON)
    (tmp_path / "b_rude.py").write_text(LESSON.replace(
        "    N = X.shape[0]", "    import os, signal\n    os.kill(os.getppid(), signal.SIGINT)\n    N = X.shape[0]", 1))
    done = subprocess.run([str(COMMAND), "--candidate", f"{tmp_path}/*.py:backward", *FAST, "--format", "json"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    rows = {Path(r["candidate"].rpartition(":")[0]).name: r for r in json.loads(done.stdout)["candidates"]}
    assert rows["a_fine.py"]["verdict"] == "PASS"
    assert rows["b_rude.py"]["verdict"] == "FAIL"
    assert "sent signal 2 (interrupt) to the judge's process" in rows["b_rude.py"]["first_failure"]


@pytest.mark.skipif(not LINUX, reason="reads the worker's state from /proc")
def test_a_worker_found_stopped_at_its_time_limit_counts_as_signalled_by_someone_else(tmp_path):
    from oracles.candidate import load_candidate
    from reference.model import Spec, init_params

    path = tmp_path / "cand.py"
    path.write_text("import os, signal\nimport numpy as np\ndef backward(p, X, y):\n"
                    "    os.kill(os.getpid(), signal.SIGSTOP)\n    return {k: v * 0 for k, v in p.items()}\n")
    params = init_params(Spec((2, 3, 1)))
    with load_candidate(f"{path}:backward", timeout=1.0) as handle:
        outcome = handle.evaluate(params, np.ones((2, 2)), np.ones((2, 1)))
    assert "time limit of 1 s" in outcome.failure and handle.signalled == signal.SIGSTOP


# ---------------------------------------------------------------- 8. the import guard cannot be removed

TORCH_LINE = "contract: the candidate imported torch, which --forbid-import refuses: refused in its worker"
UNHOOK = "import sys\nsys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != 'ImportGuard']\n"


def torch_folder() -> str:
    import importlib.util

    return importlib.util.find_spec("torch").submodule_search_locations[0]  # found, not imported


def in_backward(code: str) -> str:
    """The lesson's correct backward doing ``code`` (indented, in its body) first: only the guard fails it."""
    body = "".join(f"    {line}\n" for line in code.strip().splitlines())
    return LESSON.replace("    N = X.shape[0]", body + "    N = X.shape[0]", 1)


def refused_torch(tmp_path, source):
    code, out, err = compare(tmp_path, source, *FAST, "--forbid-import", "torch")
    assert code == 1, out + err
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("contract:")]
    assert lines and set(lines) == {TORCH_LINE}, out + err


def test_removing_the_import_guard_from_meta_path_then_importing_torch_is_still_refused(tmp_path):
    refused_torch(tmp_path, UNHOOK + "import torch\n" + LESSON)


def test_importing_torch_with_sys_modules_cleared_and_meta_path_emptied_is_refused(tmp_path):
    refused_torch(tmp_path, in_backward("""
import sys
saved, finders = dict(sys.modules), list(sys.meta_path)
sys.meta_path.clear()
sys.modules.clear()
try:
    import torch
except ImportError:
    pass
finally:
    sys.modules.update(saved)
    sys.meta_path[:] = finders
"""))


def test_importlib_import_module_of_torch_after_removing_the_guard_is_refused(tmp_path):
    refused_torch(tmp_path, in_backward(UNHOOK + """
import importlib
try:
    importlib.import_module('torch')
except ImportError:
    pass
"""))


def test_running_torchs_own_init_file_under_another_name_is_refused(tmp_path):
    refused_torch(tmp_path, in_backward(UNHOOK + f"""
import importlib.util
spec = importlib.util.spec_from_file_location('not_torch', {torch_folder() + '/__init__.py'!r})
try:
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
except Exception:
    pass
"""))


def test_running_torchs_init_file_through_a_symlink_to_its_folder_is_refused(tmp_path):
    link = tmp_path / "elsewhere"
    link.symlink_to(torch_folder())
    refused_torch(tmp_path, in_backward(UNHOOK + f"""
import importlib.util
spec = importlib.util.spec_from_file_location('not_torch', {str(link / '__init__.py')!r})
try:
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
except Exception:
    pass
"""))


def test_a_judge_package_file_run_under_another_name_is_refused_without_any_option(tmp_path):
    import reference

    model = str(Path(reference.__file__).parent / "model.py")
    source = in_backward(UNHOOK + f"""
import importlib.util
spec = importlib.util.spec_from_file_location('not_the_reference', {model!r})
try:
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
except Exception:
    pass
""")
    code, out, err = compare(tmp_path, source, *FAST)
    assert code == 1, out + err
    assert "contract: the candidate imported reference, one of the judge's own packages: refused in its worker" in out


def test_a_candidate_that_catches_the_refused_import_still_fails(tmp_path):
    refused_torch(tmp_path, "try:\n    import torch\nexcept ImportError:\n    torch = None\n" + LESSON)


def test_the_guards_state_cannot_be_reached_through_the_garbage_collector(tmp_path):
    # the way to a closure's cells (and so to the hook's refused names) is refused in the worker
    source = in_backward(UNHOOK + """
import gc
try:
    for f in gc.get_objects():
        for cell in getattr(f, '__closure__', None) or ():
            if isinstance(cell.cell_contents, frozenset):
                cell.cell_contents = frozenset()
except RuntimeError:
    pass
try:
    import torch
except ImportError:
    pass
""")
    refused_torch(tmp_path, source)


def test_a_correct_candidate_importing_numpy_submodules_passes_under_the_guard(tmp_path):
    source = "import numpy.linalg\nimport numpy.fft\n" + in_backward("""
assert numpy.linalg.norm(X) >= 0 and numpy.fft.fft(X[0]).shape == X[0].shape
import numpy.polynomial as polynomial  # a submodule first imported during a call
assert polynomial.Polynomial([1.0])(2.0) == 1.0
""")
    code, out, err = compare(tmp_path, source, *FAST, "--forbid-import", "torch")
    assert code == 0 and "PASS" in out and "contract:" not in out, out + err


# ---------------------------------------------------------------- 9. check(fn) checks the function the user holds

SCALED = LESSON.replace('return {"W1": dW1,', 'return {"W1": FACTOR * dW1,') + "\n\nFACTOR = {factor}\n"


def scaled_module(tmp_path, monkeypatch, name: str, factor: float):
    import importlib

    assert "FACTOR * dW1" in SCALED
    (tmp_path / f"{name}.py").write_text(SCALED.replace("{factor}", repr(factor)))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    monkeypatch.setitem(sys.modules, name, module)  # removed again after the test
    return module


def test_check_of_a_module_function_checks_the_global_the_user_changed_not_a_fresh_import(tmp_path, monkeypatch):
    from oracles import check

    module = scaled_module(tmp_path, monkeypatch, "scaled_fixed_in_session", 2.0)  # wrong as the file stands
    module.FACTOR = 1.0  # fixed in the session: the function the user holds is right
    report = check(module.backward, oracles="finite-differences")
    assert report.passed, report.to_text()


def test_check_of_a_module_function_fails_when_the_user_broke_a_global_the_file_has_right(tmp_path, monkeypatch):
    from oracles import check

    module = scaled_module(tmp_path, monkeypatch, "scaled_broken_in_session", 1.0)  # right as the file stands
    module.FACTOR = 2.0
    report = check(module.backward, oracles="finite-differences")
    assert not report.passed and report.exit_code() == 1, report.to_text()


def test_a_module_function_cloudpickle_cannot_ship_is_checked_by_module_and_name(tmp_path, monkeypatch):
    import importlib

    from oracles import check

    locked = LESSON.replace("import numpy as np", "import threading\n\nimport numpy as np\n\nLOCK = threading.Lock()")
    locked = locked.replace("    N = X.shape[0]", "    with LOCK:\n        pass\n    N = X.shape[0]", 1)
    (tmp_path / "locked_candidate.py").write_text(locked)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("locked_candidate")
    monkeypatch.setitem(sys.modules, "locked_candidate", module)
    report = check(module.backward, oracles="finite-differences")
    assert report.passed, report.to_text()


RELU_LAYER = ("import numpy as np\n\ndef relu_forward(x):\n    return np.maximum(x, 0), x\n\n"
              "def relu_backward(dout, cache):\n    import time\n    time.sleep(0.2)\n    return dout * (cache > 0)\n")


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_a_neighbours_sigkill_cannot_fail_a_correct_layer_in_a_layers_gradebook(tmp_path, capsys):
    """The killer waits for the victim's workers and SIGKILLs them: the victim's check ends in a
    dead worker, which the judge did not kill, so its row is graded again alone, and passes."""
    (tmp_path / "a_victim.py").write_text(RELU_LAYER)
    (tmp_path / "b_killer.py").write_text(_neighbour_killer().replace(LESSON, "") + RELU_LAYER)
    code, out, err = run_cli(capsys, "--layer", "relu", "--forward", "relu_forward",
                             "--candidate", f"{tmp_path}/*.py:relu_backward", "--jobs", "2", "--format", "json")
    rows = {Path(r["candidate"].rpartition(":")[0]).name: r for r in json.loads(out)["candidates"]}
    assert rows["a_victim.py"]["verdict"] == "PASS", rows["a_victim.py"]
