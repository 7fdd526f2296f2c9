"""Bring your own backward: load it, call it safely, and hold it to its contract."""
import json
from pathlib import Path

import numpy as np
import pytest

from oracles.shells.cli import main
from properties import catalogue

HERE = Path(__file__).resolve().parent.parent
LESSON = HERE / "candidates" / "lesson.py"


def run(capsys, real_path, *argv):
    code = main(["--data", str(real_path), *argv])
    out, err = capsys.readouterr()
    return code, out + err


def write(tmp_path, body: str) -> str:
    path = tmp_path / "cand.py"
    path.write_text("import numpy as np\n\n" + body)
    return f"{path}:backward"


def test_the_lessons_own_code_as_a_candidate_exits_0(capsys, real_path):
    code, out = run(capsys, real_path, "--candidate", f"{LESSON}:backward")
    assert code == 0, out
    assert "PASS" in out


def test_a_candidate_loads_from_a_module_path(capsys, real_path):
    code, out = run(capsys, real_path, "--candidate", "properties.catalogue:einsum_everywhere",
                    "--oracles", "finite-differences")
    assert code == 0, out


# the classic bugs: each exits 1 and the report names the parameter and the likely cause
CLASSIC = {
    "missing_1_over_n": ("dz2", "1/N"),
    "flipped_sign": ("dz2", "flipped sign"),
    "missing_relu_mask": ("dW1", "mask"),
    "db1_wrong_axis": ("db1", "wrong axis"),
    "db1_no_keepdims": ("db1", "keepdims"),
    "updated_too_early": ("W2", "updated before the backward finished"),
    "in_place_update": ("inputs", "in-place update"),
}


@pytest.mark.parametrize("function", list(CLASSIC))
def test_a_classic_bug_exits_1_naming_parameter_and_cause(capsys, real_path, function):
    code, out = run(capsys, real_path, "--candidate", f"properties.catalogue:{function}")
    assert code == 1
    where, cause = CLASSIC[function]
    assert where in out and cause in out, out


def test_the_oracles_agreeing_against_the_candidate_is_said_in_words(capsys, real_path):
    code, out = run(capsys, real_path, "--candidate", "properties.catalogue:flipped_sign")
    assert code == 1
    assert "agree with each other but not with the candidate: the candidate is wrong" in out


@pytest.mark.parametrize("body, words", [
    ("def backward(params, X, y):\n    raise RuntimeError('boom')\n", "crashed"),
    ("def backward(params, X, y):\n    return {k: np.zeros_like(v) for k, v in params.items() if k != 'b2'}\n",
     "missing b2"),
    ("def backward(params, X, y):\n    g = {k: np.zeros_like(v) for k, v in params.items()}\n    g['W3'] = 1\n    return g\n",
     "extra W3"),
    ("def backward(params, X, y):\n    return {k: np.zeros_like(v, dtype=np.float32) for k, v in params.items()}\n",
     "dtype float32"),
    ("def backward(params, X, y):\n    return {k: np.full_like(v, np.nan) for k, v in params.items()}\n",
     "non-finite"),
    ("def backward(params, X, y):\n    return [1, 2]\n", "expected a grads dict"),
    ("def backward(params, X, y):\n    X[0, 0] = 1.0\n    return {}\n", "wrote into its inputs"),
    ("def backward(params, X, y):\n    return float('nan'), {k: np.zeros_like(v) for k, v in params.items()}\n",
     "non-finite loss"),
])
def test_a_contract_violation_exits_1_naming_it(capsys, real_path, tmp_path, body, words):
    code, out = run(capsys, real_path, "--candidate", write(tmp_path, body), "--oracles", "finite-differences")
    assert code == 1
    assert words in out, out


def test_a_shape_that_would_silently_broadcast_is_named(capsys, real_path, tmp_path):
    body = LESSON.read_text() + ("\n_lesson = backward\n\n\ndef backward(params, X, y):\n"
                                 "    g = _lesson(params, X, y)\n    g['b1'] = g['b1'].ravel()\n    return g\n")
    code, out = run(capsys, real_path, "--candidate", write(tmp_path, body), "--oracles", "torch")
    assert code == 1
    assert "db1 has shape (16,), expected (1, 16): it would silently broadcast" in out


def test_a_candidates_wrong_loss_fails_the_forward_check(capsys, real_path):
    code, out = run(capsys, real_path, "--candidate", "properties.catalogue:loss_summed", "--format", "json")
    report = json.loads(out[out.index("{"):])
    assert code == 1
    assert report["points"][0]["loss_agrees"]["candidate"] is False


def test_the_candidate_gets_read_only_copies_and_the_callers_arrays_are_untouched():
    from oracles.candidate import InProcess, ContractViolation, call_candidate
    from reference.model import Spec, init_params

    params = init_params(Spec((3, 4, 1)))
    X, y = np.ones((5, 3)), np.zeros((5, 1))
    before = {k: v.copy() for k, v in params.items()}
    with pytest.raises(ContractViolation, match="wrote into its inputs"):
        call_candidate(InProcess("inplace", catalogue.in_place_update), params, X, y)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert params[k].flags.writeable


def test_a_candidate_replacing_entries_of_the_params_dict_is_caught():
    from oracles.candidate import InProcess, ContractViolation, call_candidate
    from reference.model import Spec, init_params

    params = init_params(Spec((3, 4, 1)))
    with pytest.raises(ContractViolation, match="changed the params dict"):
        call_candidate(InProcess("rebind", catalogue.replaces_caller_weights), params, np.ones((5, 3)),
                       np.zeros((5, 1)))


def test_a_stale_cache_is_named_at_the_second_point(capsys, real_path):
    catalogue.stale_cache.reset()
    code, out = run(capsys, real_path, "--candidate", "properties.catalogue:stale_cache", "--format", "json")
    assert code == 1
    lesson, generic = json.loads(out)["points"]
    assert lesson["passed"] and [f["ids"] for f in generic["findings"]] == [["state:previous-call"]]


def test_a_candidate_file_can_import_its_sibling_modules(capsys, real_path, tmp_path):
    (tmp_path / "mylayers.py").write_text("import numpy as np\n\ndef relu_mask(z):\n    return z > 0\n")
    body = LESSON.read_text().replace("import numpy as np", "import numpy as np\nfrom mylayers import relu_mask")
    body = body.replace("dz1 = da1 * (z1 > 0)", "dz1 = da1 * relu_mask(z1)")
    path = tmp_path / "mine.py"
    path.write_text(body)
    code, out = run(capsys, real_path, "--candidate", f"{path}:backward", "--oracles", "torch")
    assert code == 0, out
