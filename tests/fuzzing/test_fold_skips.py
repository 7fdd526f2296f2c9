"""``pytest -ra`` prints a repeated skip reason once (``tests/fold_skips.py``), run as pytest runs it."""
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent

CONFTEST = '''
import pytest

@pytest.fixture(scope="session")
def real():
    pytest.skip("the real file is not here")
'''
TESTS_FILE = '''
import pytest

def test_one(real):
    pass

@pytest.mark.parametrize("x", range(3))
def test_many(real, x):
    pass

def test_other():
    pytest.skip("another reason")

@pytest.mark.skip(reason="a mark's reason")
def test_marked():
    pass
'''


def _summary(folder: Path, *plugin) -> list:
    env = dict(os.environ, PYTHONPATH=str(TESTS), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    done = subprocess.run([sys.executable, "-m", "pytest", "-ra", "-q", "-p", "no:cacheprovider", *plugin],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert "12 skipped" in done.stdout, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]


def test_a_repeated_skip_reason_prints_once(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    for name in ("test_a.py", "test_b.py"):
        (tmp_path / name).write_text(TESTS_FILE)
    plain = _summary(tmp_path)
    assert sum("the real file is not here" in line for line in plain) > 1  # pytest alone: one line per test line
    folded = _summary(tmp_path, "-p", "fold_skips")
    real = [line for line in folded if "the real file is not here" in line]
    assert real == ["SKIPPED [8] conftest.py:6: the real file is not here"], folded
    # a reason raised from several lines (a mark on two tests, a skip call in two files): one line,
    # at the folder that holds them all
    assert "SKIPPED [2] .: a mark's reason" in folded and "SKIPPED [2] .: another reason" in folded, folded
    assert len(folded) == 3, folded
