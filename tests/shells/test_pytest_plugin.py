"""The pytest plugin as a user meets it: a fresh directory, their backward, a three-line test.

Each test writes a tiny project with ``pytester`` and runs pytest on it in-process, so the
plugin is found through its installed ``pytest11`` entry point, exactly as in a user's suite.
"""
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

from oracles.mistakes import PHRASES
from properties import catalogue
from properties.profiles import PROFILES
from properties.strategies import Problem
from reference.data import DATA_ENV

pytest_plugins = ["pytester"]

LESSON = Path(__file__).parent.parent / "candidates" / "lesson.py"
QUIET = ("-p", "no:cacheprovider")
FD_ONLY = ("--backprop-skip-oracles=torch,jax",)  # where torch and jax are not the point of the test

THREE_LINES = """\
import mybackward
def test_my_backward(backprop_check):
    backprop_check(mybackward.backward, hidden=(16,), activation="relu")
"""

# A user's conftest: a profile of their own, small enough to fuzz in a few seconds.
TINY_PROFILE = """\
from hypothesis import settings
settings.register_profile("tiny", max_examples={n}, derandomize=True, database=None)
"""


@pytest.fixture(scope="module", autouse=True)
def warm_frameworks():
    """Import and warm torch, jax and hypothesis before pytester snapshots ``sys.modules``.

    pytester removes modules first imported inside a test when the test ends; torch and jax
    cannot be imported twice in one process, so they are imported here, once.
    """
    from oracles.candidate import reference_candidate
    from oracles.harness import run
    from properties import fuzz, laws, strategies  # noqa: F401
    from reference.data import synthetic
    from reference.model import Spec

    data = synthetic(rows=8, features=2)
    run(Spec((2, 3, 1)), data, reference_candidate("relu"))
    from oracles import check_layer

    layers = Path(__file__).parent.parent / "candidates" / "layers" / "relu.py"
    check_layer("relu", f"{layers}:relu_forward", f"{layers}:relu_backward")  # the layers family's torch and jax


@pytest.fixture(autouse=True)
def isolated(pytester, monkeypatch):
    """The inner run sees no BACKPROP_DATA from the outer environment, and the hypothesis
    profile an inner ``--hypothesis-profile`` loads is put back afterwards."""
    from hypothesis import settings

    monkeypatch.delenv(DATA_ENV, raising=False)
    before = settings.get_current_profile_name()
    yield pytester
    settings.load_profile(before)


def write_backward(pytester, source: str) -> None:
    pytester.makepyfile(mybackward=source)


def catalogue_source(name: str) -> str:
    """A catalogue mutant's source, renamed ``backward``, as a user's ``mybackward.py``."""
    function = catalogue.by_name(name).backward
    body = inspect.getsource(function).replace(f"def {function.__name__}(", "def backward(", 1)
    return "import numpy as np\n\n\n" + body


def write_csv(pytester, name: str, rows: int, features: int) -> Path:
    rng = np.random.default_rng(7)
    X = rng.standard_normal((rows, features))
    y = (X[:, 0] + 0.5 * rng.standard_normal(rows) > 0).astype(int)
    header = ",".join([f"x{j}" for j in range(features)] + ["Outcome"])
    lines = [header] + [",".join([f"{v:.6f}" for v in x] + [str(t)]) for x, t in zip(X, y)]
    path = pytester.path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def failure_lines(result) -> list:
    """The lines of the inner failure message (between the FAILURES banner and the summary)."""
    text = result.stdout.str()
    start = text.index("= FAILURES =")
    end = text.index("short test summary info", start) if "short test summary info" in text else len(text)
    return text[start:end].splitlines()


# ------------------------------------------------------------------ backprop_check

def test_the_lessons_backward_passes_with_the_three_line_test(pytester):
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine=THREE_LINES)
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*backprop_check: 1 check on *"])


CLASSIC_BUGS = ["missing-1-over-N", "flipped-sign", "missing-relu-mask", "forgets-b1"]


@pytest.mark.parametrize("name", CLASSIC_BUGS)
def test_a_classic_bug_fails_naming_each_wrong_parameter_its_entry_and_the_cause(pytester, name):
    entry = catalogue.by_name(name)
    write_backward(pytester, catalogue_source(name))
    pytester.makepyfile(test_mine=THREE_LINES)
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(failed=1)
    lines = failure_lines(result)
    # one line per wrong parameter: oracle vs candidate, the worst entry, both values
    named = re.findall(r"^\s+([\w-]+) vs candidate: (\w+)\[\d+, \d+\]: \1 \S+, yours \S+ \(", "\n".join(lines), re.M)
    named = [param for _, param in named]
    assert sorted(named) == sorted(entry.params)
    diagnosis = " ".join(line for line in lines if line.strip().startswith("diagnosis:")).lower()
    assert PHRASES[entry.mistakes[0]] in diagnosis, diagnosis
    assert not any(re.search(r"\[\[|array\(", line) for line in lines)  # no dumped matrices


def test_forgetting_b1_passes_at_the_lessons_init_and_fails_at_the_generic_point(pytester):
    write_backward(pytester, catalogue_source("forgets-b1"))
    pytester.makepyfile(test_mine=THREE_LINES)
    result = pytester.runpytest(*QUIET, *FD_ONLY)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["at generic (*", "passes at lesson-init"])


def test_a_wrong_shape_fails_naming_the_parameter_and_the_axis(pytester):
    write_backward(pytester, catalogue_source("db1-wrong-axis"))
    pytester.makepyfile(test_mine=THREE_LINES)
    result = pytester.runpytest(*QUIET, *FD_ONLY)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*contract: db1 has shape (*, 1), expected (1, 16): summed over the wrong axis?*"])


def test_a_failure_names_the_data_it_ran_on(pytester):
    """A user's project outside the checkout, no BACKPROP_DATA, no data/diabetes.csv of its own: the
    check runs on the packaged Pima data (768 rows), and a failure says so."""
    write_backward(pytester, catalogue_source("flipped-sign"))
    pytester.makepyfile(test_mine=THREE_LINES)
    assert not (pytester.path / "data" / "diabetes.csv").exists()
    result = pytester.runpytest(*QUIET, *FD_ONLY)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*fails the check against finite-differences (network *; data the packaged "
                                 "diabetes data (768 rows*"])


# ------------------------------------------------------------------ options

def test_backprop_data_option_runs_the_check_on_that_file(pytester):
    write_csv(pytester, "small.csv", rows=40, features=3)
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine=THREE_LINES)
    result = pytester.runpytest(*QUIET, *FD_ONLY, "--backprop-data=small.csv")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["backprop_check: 1 check on *small.csv (40 rows, 3 features)"])


def test_backprop_data_ini_key_is_read_relative_to_the_ini_file(pytester):
    write_csv(pytester, "small.csv", rows=30, features=2)
    pytester.makeini("[pytest]\nbackprop_data = small.csv\n")
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine=THREE_LINES)
    result = pytester.runpytest(*QUIET, *FD_ONLY)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"backprop_check: 1 check on {pytester.path / 'small.csv'} (30 rows, 2 features)"])


def test_a_missing_backprop_data_file_is_a_usage_error_naming_it(pytester):
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine=THREE_LINES)
    result = pytester.runpytest(*QUIET, "--backprop-data=nowhere.csv")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --backprop-data: *nowhere.csv: file not found"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize("option, words", [
    ("--backprop-skip-oracles=jax,tensorflow", "unknown oracle tensorflow"),
    ("--backprop-dtype=float16", "'float16' is not one of"),
])
def test_a_bad_option_value_is_a_usage_error_naming_it(pytester, option, words):
    pytester.makepyfile(test_mine="def test_nothing():\n    pass\n")
    result = pytester.runpytest(*QUIET, option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {option.split('=')[0]}: *{words}*"])


SHOW_REPORT = """\
import mybackward
def test_my_backward(backprop_check):
    def backward(params, X, y):  # a closure: shipped to the worker by value, its print captured there
        print(f"dtype-seen={X.dtype}")
        return mybackward.backward(params, X, y)
    report = backprop_check(backward)
    seen = sorted({line for p in report.points for line in p.output.splitlines()})
    print(f"oracles={report.oracles} timed={sorted(report.timings_s)}")
    print(f"spec={report.spec['dtype']} seen={seen}")
"""


def test_skipping_jax_never_runs_the_jax_oracle(pytester):
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine=SHOW_REPORT)
    result = pytester.runpytest(*QUIET, "-s", "--backprop-skip-oracles=jax")
    result.assert_outcomes(passed=1)
    out = result.stdout.str()
    assert "oracles=['finite-differences', 'torch'] timed=" in out  # the report's oracles
    assert "'jax'" not in out  # and jax has no timing: it never ran


def test_the_ini_key_skips_oracles_too(pytester):
    pytester.makeini("[pytest]\nbackprop_skip_oracles = jax, torch\n")
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine=SHOW_REPORT)
    result = pytester.runpytest(*QUIET, "-s")
    result.assert_outcomes(passed=1)
    assert "oracles=['finite-differences'] timed=" in result.stdout.str()


def test_backprop_dtype_float32_hands_the_backward_float32_and_checks_at_float32(pytester):
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine=SHOW_REPORT)
    result = pytester.runpytest(*QUIET, "-s", "--backprop-dtype=float32")
    result.assert_outcomes(passed=1)
    assert "spec=float32 seen=['dtype-seen=float32']" in result.stdout.str()


# ------------------------------------------------------------------ backprop_fuzz

FUZZ = """\
import mybackward
def test_my_backward_fuzzed(backprop_fuzz):
    result = backprop_fuzz(mybackward.backward, hidden=(16,), activation="relu")
    print(f"examples={result.examples}")
"""


def test_fuzzing_a_hard_coded_batch_size_fails_with_the_shrunk_counterexample(pytester):
    entry = catalogue.by_name("hard-coded-N")
    write_backward(pytester, catalogue_source("hard-coded-N"))
    pytester.makeconftest(TINY_PROFILE.format(n=10))
    pytester.makepyfile(test_mine=FUZZ)
    result = pytester.runpytest(*QUIET, *FD_ONLY, "--hypothesis-profile=tiny")
    result.assert_outcomes(failed=1)
    lines = failure_lines(result)
    head = next(i for i, line in enumerate(lines) if "the shrunk counterexample:" in line)
    problem = Problem.parse(lines[head + 1].strip())  # the line --replay takes
    assert problem.N == 1  # shrunk to the smallest batch, where / 768 is furthest from / N
    laws = " ".join(line for line in lines[head + 2:] if line.startswith("  ")).lower()
    assert "law agreement:" in laws and PHRASES[entry.mistakes[0]] in laws, laws
    result.stdout.fnmatch_lines([f"reproduce: compare-frameworks --replay '{problem.describe()}' --candidate *"])


def test_the_fuzz_fixture_draws_as_many_examples_as_the_users_own_profile(pytester):
    write_backward(pytester, LESSON.read_text())
    pytester.makeconftest(TINY_PROFILE.format(n=4))
    pytester.makepyfile(test_mine=FUZZ)
    result = pytester.runpytest(*QUIET, *FD_ONLY, "-s", "--hypothesis-profile=tiny")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*examples=4"])


# The next two run in a fresh process: in this one, tests/conftest.py has registered and
# loaded our profiles already, which would hide what the plugin itself does.

def test_our_dev_profile_is_registered_before_hypothesis_loads_the_selected_one(pytester):
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine=FUZZ)
    result = pytester.runpytest_subprocess(*QUIET, *FD_ONLY, "-s", "--hypothesis-profile=dev")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*examples={PROFILES['dev']['max_examples']}"])


def test_the_plugin_loads_no_hypothesis_profile_of_its_own(pytester):
    pytester.makepyfile(test_mine="""\
from hypothesis import settings
def test_profile():
    print(f"profile={settings.get_current_profile_name()}")
""")
    without = pytester.runpytest_subprocess(*QUIET, "-s", "-p", "no:backprop")
    without.assert_outcomes(passed=1)
    name = next(line for line in without.stdout.lines if "profile=" in line).split("profile=")[1].split()[0]
    result = pytester.runpytest_subprocess(*QUIET, "-s")  # hypothesis's own choice: "default", or "ci" under CI
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*profile={name}*"])


NOTHING_LEAKS = """\
import os
import mybackward
import wrongbackward

def exits(params, X, y):
    os._exit(0)

def patches_the_judge(params, X, y):
    import oracles.policy
    oracles.policy.TABLE.clear()
    return mybackward.backward(params, X, y)

def test_a_candidate_that_patches_the_judge(backprop_check):
    backprop_check(patches_the_judge)

def test_a_candidate_that_exits(backprop_check):
    backprop_check(exits)

def test_a_wrong_backward_after_them(backprop_check):
    backprop_check(wrongbackward.backward)

def test_the_right_backward_after_them(backprop_check):
    backprop_check(mybackward.backward)
"""


def test_nothing_a_candidate_does_leaks_into_other_tests_or_ends_the_run(pytester):
    """In a separate pytest process: if a candidate could end the run, the outcome would show it."""
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(wrongbackward=LESSON.read_text().replace("dz1 = da1 * (z1 > 0)", "dz1 = da1"))
    pytester.makepyfile(test_mine=NOTHING_LEAKS)
    result = pytester.runpytest_subprocess(*QUIET, *FD_ONLY)
    result.assert_outcomes(passed=1, failed=3)
    out = result.stdout.str()
    assert "imported oracles, one of the judge's own packages" in out
    assert "exited with code 0" in out


def test_a_lambda_and_a_closure_are_checked_in_a_worker_too(pytester):
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine="""\
import mybackward
def test_lambda(backprop_check):
    report = backprop_check(lambda params, X, y: mybackward.backward(params, X, y))
    assert "no-isolation" not in " ".join(report.notes)
""")
    result = pytester.runpytest(*QUIET, *FD_ONLY)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("call, words", [
    ('backprop_check(mybackward.backward, hidden="16x")', "hidden takes widths like 16 or 64,64, got '16x'"),
    ('backprop_check(mybackward.backward, hidden=[16, 1.5])', "hidden takes a width or a tuple of widths"),
    ("backprop_check(None)", "the candidate must be a function"),
])
def test_a_bad_argument_fails_the_test_with_one_clear_line(pytester, call, words):
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine=f"import mybackward\ndef test_it(backprop_check):\n    {call}\n")
    result = pytester.runpytest(*QUIET, *FD_ONLY)
    result.assert_outcomes(failed=1)
    assert words in result.stdout.str()


def test_a_test_module_that_imports_the_harness_still_has_its_backward_checked(pytester):
    """Importing the test module by name in the worker is refused (it imports oracles): the
    function is shipped by value instead, and checked like any other."""
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine="""\
import numpy as np
import oracles.harness  # the judge, imported by the user's own test module
from mybackward import backward as lesson

def backward(params, X, y):
    return lesson(params, X, y)

def test_it(backprop_check):
    backprop_check(backward)
""")
    result = pytester.runpytest(*QUIET, *FD_ONLY)
    result.assert_outcomes(passed=1)


def test_hidden_as_a_string_means_what_it_means_on_the_command_line(pytester):
    """``hidden="16"`` is one layer of 16 units (it used to become the widths 1 and 6)."""
    write_backward(pytester, LESSON.read_text())
    pytester.makepyfile(test_mine="""\
import mybackward
def test_it(backprop_check):
    report = backprop_check(mybackward.backward, hidden="16")
    print("sizes", report.spec["sizes"])
""")
    result = pytester.runpytest(*QUIET, *FD_ONLY, "-s")
    result.assert_outcomes(passed=1)
    assert "sizes [8, 16, 1]" in result.stdout.str()


# ------------------------------------------------------------------ heads and conventions

COURSES = Path(__file__).parent.parent / "candidates" / "courses.py"


def _iris() -> Path:
    from test_data_heads import shared

    return shared("iris")


def test_backprop_check_takes_the_head_and_convention_as_arguments(pytester):
    write_backward(pytester, COURSES.read_text())
    pytester.makepyfile(test_mine=f"""\
import mybackward
def test_cs231n(backprop_check):
    backprop_check(mybackward.cs231n_two_layer_net, hidden=(16,), loss="softmax", l2=0.05, convention="cs231n",
                   data={str(_iris())!r})
def test_cs231n_forgets_minus_one(backprop_check):
    backprop_check(mybackward.cs231n_bug_no_minus_one, hidden=(16,), loss="softmax", l2=0.05,
                   convention="cs231n", data={str(_iris())!r})
""")
    result = pytester.runpytest(*QUIET, *FD_ONLY)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*--loss softmax --target species*--l2 0.05*--convention cs231n*"])


def test_the_ini_keys_set_the_head_and_convention_defaults(pytester):
    write_backward(pytester, COURSES.read_text())
    pytester.makeini(f"[pytest]\nbackprop_data = {_iris()}\nbackprop_loss = softmax\nbackprop_l2 = 0.05\n"
                     f"backprop_convention = cs231n\n")
    pytester.makepyfile(test_mine="""\
import mybackward
def test_cs231n(backprop_check):
    backprop_check(mybackward.cs231n_two_layer_net, hidden=(16,))
""")
    result = pytester.runpytest(*QUIET, *FD_ONLY)
    result.assert_outcomes(passed=1)


def test_backprop_data_takes_a_packaged_data_sets_name_and_its_target(pytester):
    write_backward(pytester, COURSES.read_text())
    pytester.makeini("[pytest]\nbackprop_loss = softmax\nbackprop_l2 = 0.05\nbackprop_convention = cs231n\n")
    pytester.makepyfile(test_mine="""\
import mybackward
def test_cs231n(backprop_check):
    backprop_check(mybackward.cs231n_two_layer_net, hidden=(16,))
""")
    assert not (pytester.path / "iris").exists()
    result = pytester.runpytest(*QUIET, *FD_ONLY, "--backprop-data=iris")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["backprop_check: 1 check on the packaged iris data (150 rows, 4 features)"])


def test_a_bad_head_ini_key_is_a_usage_error_naming_it(pytester):
    pytester.makeini("[pytest]\nbackprop_convention = keras\n")
    pytester.makepyfile(test_mine="def test_nothing():\n    pass\n")
    result = pytester.runpytest(*QUIET)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "backprop_convention" in result.stderr.str() and "keras" in result.stderr.str()


def test_backprop_fuzz_keeps_the_head_and_convention_it_is_given(pytester):
    write_backward(pytester, COURSES.read_text())
    pytester.makeconftest(TINY_PROFILE.format(n=5))
    pytester.makepyfile(test_mine="""\
import mybackward
def test_fuzz_cs231n(backprop_fuzz):
    backprop_fuzz(mybackward.cs231n_two_layer_net, hidden=(16,), loss="softmax", l2=0.05, convention="cs231n")
def test_fuzz_cs231n_forgets_minus_one(backprop_fuzz):
    backprop_fuzz(mybackward.cs231n_bug_no_minus_one, hidden=(16,), loss="softmax", l2=0.05, convention="cs231n")
""")
    result = pytester.runpytest(*QUIET, *FD_ONLY, "--hypothesis-profile=tiny")
    # CS231n's loss as written, -log(probs[y]), is inf once a true class's probability underflows (a
    # drawn saturated softmax, one logit 800 ahead) while its gradients stay right: a note, it passes
    # (README, "A loss that is inf where the canonical loss is finite"); the mutant's gradient disagrees
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*cs231n_bug_no_minus_one broke*", "*loss=softmax*",
                                 "*law agreement: finite-differences vs candidate*", "*--convention cs231n*"])


def test_an_ini_l2_beyond_the_bound_is_a_usage_error_naming_it(pytester):
    pytester.makeini("[pytest]\nbackprop_l2 = 1e11\n")
    pytester.makepyfile(test_mine="def test_nothing():\n    pass\n")
    result = pytester.runpytest(*QUIET)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "backprop_l2" in result.stderr.str() and "from 0 to 8" in result.stderr.str()

# ------------------------------------------------------------------ backprop_check(forward=...)

FORWARDS = Path(__file__).parent.parent / "candidates" / "forwards"

YOUR_FORWARD = """\
import mymodel
def test_my_network(backprop_check):
    backprop_check(mymodel.{backward}, forward=mymodel.loss, init=mymodel.init)
"""


def test_your_forward_s_correct_backward_passes(pytester):
    pytester.makepyfile(mymodel=(FORWARDS / "no_bias.py").read_text())
    pytester.makepyfile(test_mine=YOUR_FORWARD.format(backward="backward"))
    pytester.runpytest(*QUIET).assert_outcomes(passed=1)


def test_your_forward_s_buggy_backward_fails_with_one_line_naming_the_wrong_params_and_the_command(pytester):
    pytester.makepyfile(mymodel=(FORWARDS / "no_bias.py").read_text())
    pytester.makepyfile(test_mine=YOUR_FORWARD.format(backward="backward_buggy"))
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(failed=1)
    said = [line for line in failure_lines(result)[1:] if line.strip() and not line.startswith(("_", "="))]
    assert len(said) == 1, said
    line = said[0]
    assert line.startswith("mymodel:backward_buggy is not the gradient of mymodel:loss: at seed 0: ")
    assert re.search(r"W1\[\d+, \d+\]: finite-differences \S+, yours \S+ \(", line)
    assert re.search(r"W2\[\d+, \d+\]: finite-differences \S+, yours \S+ \(", line)
    assert "(also fails at seed 1)" in line
    assert line.endswith("the full table: compare-frameworks --forward mymodel.py:loss "
                         "--candidate mymodel.py:backward_buggy --init mymodel.py:init")


def test_your_forward_with_a_network_keyword_or_a_bad_point_fails_with_one_line(pytester):
    pytester.makepyfile(mymodel=(FORWARDS / "no_bias.py").read_text())
    pytester.makepyfile(test_mine="""\
import numpy as np
import mymodel
def test_hidden(backprop_check):
    backprop_check(mymodel.backward, forward=mymodel.loss, init=mymodel.init, hidden=(32,))
def test_integer_params(backprop_check):
    backprop_check(mymodel.backward, forward=mymodel.loss, params={"W1": np.ones((4, 6), dtype=int)}, inputs={})
""")
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*backprop_check: hidden=(32,) does not apply with forward=*",
                                 "*backprop_check: params?'W1'? has dtype int64*"])
    assert "Traceback" not in result.stdout.str()


def test_backprop_fuzz_with_your_forward_passes_a_correct_backward_and_fails_a_bug_naming_the_draw(pytester):
    pytester.makepyfile(mymodel=(FORWARDS / "huber.py").read_text())
    pytester.makeconftest(TINY_PROFILE.format(n=10))
    pytester.makepyfile(test_mine="""\
import mymodel
def test_fuzz_right(backprop_fuzz):
    assert backprop_fuzz(mymodel.backward, forward=mymodel.loss, init=mymodel.init).ran == 10
def test_fuzz_bug(backprop_fuzz):
    backprop_fuzz(mymodel.backward_buggy, forward=mymodel.loss, init=mymodel.init)
""")
    result = pytester.runpytest(*QUIET, "--hypothesis-profile=tiny")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["mymodel:backward_buggy: 1 of 10 draws: law agreement broken at seed *, scale *; "
                                 "replay: python -c *"])


def test_backprop_check_and_fuzz_take_mean_over_rows_with_your_forward(pytester):
    from test_forward_laws import ROWS

    pytester.makepyfile(mymodel=ROWS)
    pytester.makeconftest(TINY_PROFILE.format(n=10))
    pytester.makepyfile(test_mine="""\
import mymodel
def test_check_weighted(backprop_check):
    backprop_check(mymodel.weighted_backward, forward=mymodel.weighted, init=mymodel.init, mean_over_rows=True)
def test_fuzz_mean(backprop_fuzz):
    assert backprop_fuzz(mymodel.backward, forward=mymodel.loss, init=mymodel.init, mean_over_rows=True).held["batch"] == 10
def test_builtin(backprop_check):
    backprop_check(mymodel.backward, mean_over_rows=True)
""")
    result = pytester.runpytest(*QUIET, "--hypothesis-profile=tiny")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*at seed 0: batch law: of your forward, not the backward: with the rows permuted*"
                                 "--mean-over-rows*",
                                 "*backprop_check: mean_over_rows=True goes with forward=*"])
    assert "Traceback" not in result.stdout.str()


# ------------------------------------------------------------------ backprop_layer

LAYER_TEST = """\
import mylayers
def test_my_conv(backprop_layer):
    backprop_layer("conv", mylayers.conv_forward_naive, mylayers.{backward}, pad=1)
"""


def test_backprop_layer_passes_a_correct_convolution(pytester):
    pytester.makepyfile(mylayers=(Path(__file__).parent.parent / "candidates" / "layers" / "conv.py").read_text())
    pytester.makepyfile(test_mine=LAYER_TEST.format(backward="conv_backward_naive"))
    pytester.runpytest(*QUIET).assert_outcomes(passed=1)


def test_backprop_layer_fails_a_flipped_kernel_naming_dx_and_the_command(pytester):
    pytester.makepyfile(mylayers=(Path(__file__).parent.parent / "candidates" / "layers" / "conv.py").read_text())
    pytester.makepyfile(test_mine=LAYER_TEST.format(backward="conv_backward_flipped_kernel"))
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(failed=1)
    text = "\n".join(failure_lines(result))
    assert "mylayers:conv_backward_flipped_kernel fails the conv layer check:" in text
    assert re.search(r"finite-differences vs candidate: dx\[\d+, \d+, \d+, \d+\]: finite-differences \S+, yours", text)
    assert "dw[" not in text  # dw and db are right: only dx is named
    assert "conv-flipped-kernel" in text
    assert ("the full table: compare-frameworks --layer conv --forward mylayers.py:conv_forward_naive "
            "--candidate mylayers.py:conv_backward_flipped_kernel --layer-args '{\"pad\": 1}'") in text
    assert "Traceback" not in result.stdout.str()


def test_backprop_layer_fails_a_bad_kind_with_one_line(pytester):
    pytester.makepyfile(test_mine="""\
def test_it(backprop_layer):
    backprop_layer("convolution", lambda x: x, lambda d, c: d)
""")
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*backprop_layer: layer must be one of*"])
