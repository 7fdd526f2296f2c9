"""The pytest plugin's own work, in-process with stand-in configs and reports: where each option
comes from (command line, ini key, default) and its refusals, the data it resolves and caches, the
oracles it keeps, and what its failure messages carry (each failing point, the points that pass, and
the command that shows the full table with exactly the flags that differ from the defaults).
The fixtures as a user meets them are tested in test_pytest_plugin.py."""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from oracles.conventions import L2_FORM
from oracles.options import SETTINGS
from oracles.shells import pytest_plugin as plugin
from reference.data import DATA_ENV, packaged_path, synthetic

Failed = pytest.fail.Exception


class Config:
    """A stand-in for pytest's config: options, ini keys, a stash, the invocation and ini folders."""

    def __init__(self, options=None, ini=None, tmp=Path("/tmp"), inipath=None):
        self.options = options or {}
        self.ini = ini or {}
        self.stash = pytest.Stash()
        self.invocation_params = SimpleNamespace(dir=tmp / "invoked")
        self.inipath = inipath
        self.rootpath = tmp / "root"

    def getoption(self, name, default=None):
        return self.options.get(name, default)

    def getini(self, name):
        return self.ini.get(name, "")


def configured(**kwargs) -> Config:
    config = Config(**kwargs)
    config.stash[plugin._OPTIONS] = plugin._options(config)
    config.stash[plugin._DATA] = {}
    config.stash[plugin._USED] = []
    return config


# ---------------------------------------------------------------- options

def test_the_plugin_declares_its_three_options_and_every_ini_setting():
    class Recorder:
        def __init__(self):
            self.options, self.ini, self.helps = {}, {}, {}

        def getgroup(self, name, description):
            self.group = (name, description)
            return self

        def addoption(self, flag, metavar, default, help):
            self.options[flag] = (metavar, default)
            self.helps[flag] = help

        def addini(self, name, help, default=None):
            self.ini[name] = default
            self.helps[name] = help

    recorder = Recorder()
    plugin.pytest_addoption(recorder)
    assert recorder.options == {"--backprop-data": ("PATH", None), "--backprop-skip-oracles": ("LIST", None),
                                "--backprop-dtype": ("DTYPE", None)}
    wanted = {"backprop_data", "backprop_skip_oracles"} | {s.ini_key for s in SETTINGS.values() if s.ini}
    assert recorder.ini == {key: "" for key in wanted}
    from oracles.registry import NAMES
    from reference.data import DATA_ENV

    name, description = recorder.group
    assert name == "backprop" and "backprop_check" in description and "backprop_fuzz" in description
    helps = recorder.helps
    assert "iris" in helps["--backprop-data"] and f"${DATA_ENV}" in helps["--backprop-data"]
    assert all(oracle in helps["--backprop-skip-oracles"] for oracle in NAMES)
    assert helps["--backprop-dtype"] == SETTINGS["dtype"].help
    assert "CSV" in helps["backprop_data"] and "ini file" in helps["backprop_data"]
    assert "oracles to skip" in helps["backprop_skip_oracles"]
    assert all(helps[s.ini_key] == s.help for s in SETTINGS.values() if s.ini)


def test_an_option_comes_from_the_command_line_first_then_the_ini_key():
    config = Config(options={"backprop_dtype": "float32"}, ini={"backprop_dtype": "float64",
                                                                 "backprop_data": "d.csv"})
    assert plugin._option(config, "backprop_dtype") == ("--backprop-dtype", "float32")
    assert plugin._option(config, "backprop_data") == ("ini backprop_data", "d.csv")
    assert plugin._option(config, "backprop_skip_oracles") == ("ini backprop_skip_oracles", "")


def test_the_defaults_are_no_data_no_skip_float64_and_the_lessons_head(tmp_path):
    options = plugin._options(Config(tmp=tmp_path))
    assert (options.data_path, options.data_flag, options.skip, options.dtype) == (None, "", (), "float64")
    assert options.head == {"loss": "bce", "reduction": "mean", "l2": 0.0, "convention": "lesson", "target": None,
                            "bias": True}
    assert plugin._head_builtin() == options.head


def test_a_data_path_is_relative_to_the_invocation_on_the_command_line_and_to_the_ini_file_in_it(tmp_path):
    cli = plugin._options(Config(options={"backprop_data": "d.csv"}, tmp=tmp_path))
    assert (cli.data_path, cli.data_flag) == (tmp_path / "invoked" / "d.csv", "--backprop-data")
    ini = plugin._options(Config(ini={"backprop_data": "d.csv"}, tmp=tmp_path, inipath=tmp_path / "cfg" / "tox.ini"))
    assert (ini.data_path, ini.data_flag) == (tmp_path / "cfg" / "d.csv", "ini backprop_data")
    rootless = plugin._options(Config(ini={"backprop_data": "d.csv"}, tmp=tmp_path))
    assert rootless.data_path == tmp_path / "root" / "d.csv"


def test_a_data_value_is_a_path_when_it_exists_or_names_no_packaged_set(tmp_path):
    assert plugin._data_value(tmp_path, "iris") == "iris"
    assert plugin._data_value(tmp_path, "iris.csv") == "iris.csv"
    assert plugin._data_value(tmp_path, "synthetic") == "synthetic"
    assert plugin._data_value(tmp_path, "mine.csv") == tmp_path / "mine.csv"
    (tmp_path / "iris").write_text("")
    assert plugin._data_value(tmp_path, "iris") == tmp_path / "iris"
    (tmp_path / "synthetic").symlink_to(tmp_path / "nowhere")  # a dangling link is still a file named so
    assert plugin._data_value(tmp_path, "synthetic") == tmp_path / "synthetic"


def test_skipped_oracles_are_read_as_a_comma_list_and_an_unknown_one_is_a_usage_error_naming_where():
    assert plugin._options(Config(options={"backprop_skip_oracles": " torch,, jax "})).skip == ("torch", "jax")
    assert plugin._options(Config(ini={"backprop_skip_oracles": "jax"})).skip == ("jax",)
    with pytest.raises(pytest.UsageError) as caught:
        plugin._options(Config(options={"backprop_skip_oracles": "torch,mxnet,tf"}))
    message = str(caught.value)
    from oracles.registry import NAMES

    assert message.startswith("--backprop-skip-oracles: unknown oracle mxnet, tf;")  # only the unknown ones
    assert message.endswith(", ".join(NAMES))
    with pytest.raises(pytest.UsageError, match="^ini backprop_skip_oracles: "):
        plugin._options(Config(ini={"backprop_skip_oracles": "autograd"}))  # not one of the three run


def test_a_dtype_is_float64_or_float32_and_another_is_a_usage_error_naming_where():
    assert plugin._options(Config(options={"backprop_dtype": "float32"})).dtype == "float32"
    assert plugin._options(Config(ini={"backprop_dtype": "float32"})).dtype == "float32"
    with pytest.raises(pytest.UsageError) as caught:
        plugin._options(Config(options={"backprop_dtype": "float16"}))
    assert str(caught.value).startswith("--backprop-dtype: 'float16' ") and "float64, float32" in str(caught.value)
    with pytest.raises(pytest.UsageError, match="^ini backprop_dtype: 'half' "):
        plugin._options(Config(ini={"backprop_dtype": "half"}))


def test_the_head_ini_keys_are_parsed_and_a_bad_one_is_a_usage_error_naming_the_key():
    head = plugin._head_defaults(Config(ini={"backprop_loss": " softmax ", "backprop_l2": "0.5",
                                             "backprop_reduction": "sum", "backprop_convention": "cs231n",
                                             "backprop_target": "label", "backprop_bias": "false"}))
    assert head == {"loss": "softmax", "reduction": "sum", "l2": 0.5, "convention": "cs231n", "target": "label",
                    "bias": False}
    for key, bad in (("backprop_loss", "hinge"), ("backprop_l2", "9"), ("backprop_bias", "maybe")):
        with pytest.raises(pytest.UsageError) as caught:
            plugin._head_defaults(Config(ini={key: bad}))
        assert str(caught.value).startswith(f"ini {key} ") and repr(bad) in str(caught.value)


def test_the_fixtures_head_arguments_override_the_ini_defaults_and_are_validated():
    config = configured(ini={"backprop_loss": "mse", "backprop_l2": "0.5"})
    assert plugin._head("who", config, None, None, None, None, None) == \
        {"loss": "mse", "reduction": "mean", "l2": 0.5, "convention": "lesson", "target": None, "bias": True}
    assert plugin._head("who", config, "bce", "sum", "0", "torch", "y", False) == \
        {"loss": "bce", "reduction": "sum", "l2": 0.0, "convention": "torch", "target": "y", "bias": False}
    with pytest.raises(Failed, match="^who: reduction "):
        plugin._head("who", config, None, "max", None, None, None)


def test_ini_settings_are_the_settings_marked_ini():
    assert [s.name for s in plugin._ini_settings()] == [n for n, s in SETTINGS.items() if s.ini]
    assert plugin._setting("dtype") is SETTINGS["dtype"]


def test_the_profiles_are_registered_without_loading_or_replacing_the_users(monkeypatch):
    import properties.profiles as profiles

    calls = []
    monkeypatch.setattr(profiles, "register", lambda **kwargs: calls.append(kwargs))
    plugin._register_profiles()
    assert calls == [{"load": False, "replace": False}]


def test_names_split_a_comma_list_dropping_blanks():
    assert plugin._names(" a, b ,,c ") == ("a", "b", "c")
    assert plugin._names("") == () and plugin._names(None) == ()


def test_configure_stashes_the_options_and_loads_named_data_at_once(tmp_path, monkeypatch):
    registered = []
    monkeypatch.setattr(plugin, "_register_profiles", lambda: registered.append(True))
    config = Config(tmp=tmp_path)
    plugin.pytest_configure(config)
    assert config.stash[plugin._DATA] == {} and config.stash[plugin._USED] == [] and registered == []
    assert config.stash[plugin._OPTIONS].data_path is None
    with pytest.raises(pytest.UsageError, match="^--backprop-data: "):
        plugin.pytest_configure(Config(options={"backprop_data": "missing.csv"}, tmp=tmp_path))
    named = Config(options={"backprop_data": "synthetic", "hypothesis_profile": "dev"}, tmp=tmp_path)
    plugin.pytest_configure(named)
    assert registered == [True] and list(named.stash[plugin._DATA]) == [("synthetic", None, "bce")]


# ---------------------------------------------------------------- data

def test_a_data_set_is_loaded_once_per_path_target_and_head(monkeypatch):
    import reference.data as data_module

    loads = []
    real_load = data_module.load

    def load(path, target, loss):
        loads.append((path, target, loss))
        return real_load(path, target, loss)

    monkeypatch.setattr(data_module, "load", load)
    config = configured()
    first = plugin._dataset(config, "synthetic", "f")
    assert plugin._dataset(config, "synthetic", "f") is first and loads == [("synthetic", None, "bce")]
    plugin._dataset(config, "iris", "f", loss="softmax")
    plugin._dataset(config, "iris", "f", loss="mse")
    assert loads[1:] == [("iris", None, "softmax"), ("iris", None, "mse")] and len(config.stash[plugin._DATA]) == 3


def test_a_data_set_is_read_for_the_ini_head_and_target_or_the_lessons_before_the_options_exist(monkeypatch):
    import reference.data as data_module

    loads = []
    monkeypatch.setattr(data_module, "load", lambda path, target, loss: loads.append((path, target, loss)) or path)
    config = configured(ini={"backprop_target": "label", "backprop_loss": "mse"})
    plugin._dataset(config, "a.csv", "f")
    plugin._dataset(config, "a.csv", "f", target="other", loss="bce")
    early = Config()
    early.stash[plugin._DATA] = {}
    plugin._dataset(early, "a.csv", "f")
    assert loads == [("a.csv", "label", "mse"), ("a.csv", "other", "bce"), ("a.csv", None, "bce")]


def test_a_data_file_that_cannot_be_read_fails_naming_how_it_was_given(tmp_path, monkeypatch):
    config = configured()
    with pytest.raises(Failed) as caught:
        plugin._dataset(config, tmp_path / "none.csv", "data='none.csv'")
    assert str(caught.value).startswith("backprop: data='none.csv': ")
    with pytest.raises(pytest.UsageError, match="^--backprop-data: "):
        plugin._dataset(config, tmp_path / "none.csv", "--backprop-data", usage=True)
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "none.csv"))
    with pytest.raises(Failed, match=rf"^backprop: \${DATA_ENV}: "):
        plugin._dataset(config, None, "")
    monkeypatch.delenv(DATA_ENV)
    with pytest.raises(Failed, match="^backprop: the packaged data: "):
        plugin._dataset(config, None, "", target="no_such_column")


def test_the_data_a_fixture_is_given_is_resolved_by_kind(tmp_path):
    config = configured()
    given = synthetic(rows=10, features=2)
    assert plugin._resolve_data(config, given) is given
    assert plugin._resolve_data(config, "synthetic").source == "synthetic"
    with pytest.raises(Failed, match=r"^backprop: data='nowhere.csv': "):
        plugin._resolve_data(config, "nowhere.csv")
    with pytest.raises(Failed, match=r"^backprop: data='"):
        plugin._resolve_data(config, tmp_path / "nowhere.csv")
    iris = configured(options={"backprop_data": "iris"})
    assert plugin._resolve_data(iris, None, loss="softmax").packaged == "iris"


def test_the_data_is_described_by_where_it_came_from():
    from reference.data import load

    assert plugin._data_words(synthetic(rows=10, features=2)) == "the synthetic stand-in (10 rows, 2 features)"
    iris = load("iris", None, "softmax")
    assert plugin._data_words(iris) == f"the packaged iris data ({iris.rows} rows, {iris.features} features)"
    own = load(str(packaged_path("iris")), None, "softmax")
    assert plugin._data_words(own) == f"{own.source} ({own.rows} rows, {own.features} features)"


def test_the_summary_counts_the_checks_per_data_and_hints_at_real_data_after_the_stand_in():
    lines = []
    reporter = SimpleNamespace(write_sep=lambda sep, title: lines.append(f"{sep} {title}"),
                               write_line=lines.append)
    config = configured()
    plugin.pytest_terminal_summary(reporter, 0, config)
    assert lines == []  # no check ran: no section
    config.stash[plugin._USED] += [("a.csv", False), ("the stand-in", True), ("a.csv", False)]
    plugin.pytest_terminal_summary(reporter, 0, config)
    assert lines[:3] == ["- backprop", "backprop_check: 2 checks on a.csv", "backprop_check: 1 check on the stand-in"]
    assert len(lines) == 4 and lines[3] == f"  {plugin._real_data_hint()}"
    assert lines[3].endswith("for another file, pass --backprop-data=PATH or set the backprop_data ini key")
    plugin.pytest_terminal_summary(reporter, 0, Config())  # nothing stashed: nothing written
    assert len(lines) == 4


# ---------------------------------------------------------------- oracles and small helpers

def test_skipped_oracles_are_dropped_even_from_an_explicit_list_and_none_left_fails():
    config = configured(options={"backprop_skip_oracles": "jax"})
    assert plugin._oracles(config, None) == ("finite-differences", "torch")
    assert plugin._oracles(config, "jax,torch") == ("torch",)
    with pytest.raises(Failed) as caught:
        plugin._oracles(config, "jax")
    assert str(caught.value).startswith("backprop: every oracle is skipped (jax minus --backprop-skip-oracles jax)")
    both = configured(options={"backprop_skip_oracles": "jax,torch"})
    with pytest.raises(Failed) as caught:
        plugin._oracles(both, "torch,jax")
    assert "(torch, jax minus --backprop-skip-oracles jax, torch)" in str(caught.value)
    with pytest.raises(Failed, match="^backprop: oracles "):
        plugin._oracles(config, "mxnet")


def test_or_fail_returns_the_value_or_fails_with_one_line_naming_who():
    assert plugin._or_fail("who", lambda: 3) == 3
    for error in (TypeError, ValueError):
        def build():
            raise error("bad thing")

        with pytest.raises(Failed) as caught:
            plugin._or_fail("who", build)
        assert str(caught.value) == "who: bad thing"
    with pytest.raises(KeyError):
        plugin._or_fail("who", lambda: {}["x"])
    assert plugin._hidden("8,4") == (8, 4)


def helper(params, X, y):
    return {}


def test_a_candidate_is_named_module_and_qualname_and_given_a_path_when_it_is_a_module_attribute(monkeypatch):
    assert plugin._candidate_name(helper) == f"{__name__}:helper"
    assert plugin._candidate_name(SimpleNamespace()) == "?:SimpleNamespace"
    monkeypatch.chdir(Path(__file__).parent)
    assert plugin._candidate_arg(helper) == f"{Path(__file__).name}:helper"  # relative to the working folder
    monkeypatch.chdir("/")
    assert plugin._candidate_arg(helper) == f"{Path(__file__).relative_to('/')}:helper"
    assert plugin._candidate_arg(lambda p, X, y: None) is None
    assert plugin._candidate_arg(print) is None
    assert plugin._candidate_arg(SimpleNamespace()) is None


def test_a_candidate_outside_the_working_folder_keeps_its_absolute_path(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert plugin._candidate_arg(helper) == f"{Path(__file__)}:helper"


# ---------------------------------------------------------------- failure messages

class Point:
    def __init__(self, name, passed=True, lines=(), diagnosis=(), about="here"):
        self.name, self.passed, self._lines, self.diagnosis, self.about = name, passed, list(lines), list(diagnosis), about

    def verdict_lines(self):
        return self._lines


def check_report(points, convention=None):
    return SimpleNamespace(candidate="mod:backward", points=points, convention=convention,
                           spec={"sizes": [4, 8, 1], "activation": "relu", "dtype": "float64"})


def spec(**changes):
    fields = {"hidden": (8,), "activation": "relu", "dtype": "float64", "loss": "bce", "reduction": "mean",
              "l2": 0.0, "bias": True}
    return SimpleNamespace(**{**fields, **changes})


def dataset(source="synthetic", packaged=None, target="Outcome"):
    return SimpleNamespace(source=source, packaged=packaged, target=target, rows=10, features=4)


ALL = ("finite-differences", "torch", "jax")


def test_a_check_failure_names_the_network_the_first_failing_point_and_the_others():
    points = [Point("lesson-init", False, ["W1 wrong", "b1 wrong"], ["a missing 1/N"], "the lesson's init"),
              Point("generic", False, ["W1 wrong"], ["a missing 1/N"]), Point("third", False, ["other"]),
              Point("fourth", True), Point("fifth", True)]
    lines = plugin._check_failure(check_report(points), spec(), dataset(), ALL, None).splitlines()
    assert lines[0] == ("mod:backward fails the check against finite-differences, torch, jax (network 4-8-1 relu "
                        "float64; data the synthetic stand-in (10 rows, 4 features))")
    assert lines[1:4] == ["at lesson-init (the lesson's init):", "  W1 wrong", "  b1 wrong"]
    assert lines[4:] == ["also fails at generic the same way", "also fails at third: other",
                         "passes at fourth, fifth"]


def test_a_points_gist_is_its_diagnosis_else_its_first_line_else_fails():
    assert plugin._gist(Point("p", False, ["x", "y"], ["cause"])) == "diagnosis: cause"
    assert plugin._gist(Point("p", False, ["x", "y"])) == "x"
    assert plugin._gist(Point("p", False)) == "fails"


def full_table(message: str) -> str:
    [line] = [line for line in message.splitlines() if line.startswith("the full table: ")]
    return line[len("the full table: "):]


def test_the_full_table_command_carries_only_the_flags_off_their_defaults():
    report = check_report([Point("p", False, ["x"])])
    plain = full_table(plugin._check_failure(report, spec(), dataset(), ALL, "my file.py:backward"))
    assert plain == "compare-frameworks --candidate 'my file.py:backward' --hidden 8 --activation relu --dtype float64"
    assert "the full table" not in plugin._check_failure(report, spec(), dataset(), ALL, None)


def test_the_full_table_command_names_every_flag_that_differs():
    report = check_report([Point("p", False, ["x"])], convention={"name": "cs231n"})
    command = full_table(plugin._check_failure(
        report, spec(hidden=(64, 32), activation="tanh", dtype="float32", loss="softmax", reduction="sum", l2=0.25,
                     bias=False),
        dataset("/d/my data.csv", target="my label"), ("torch", "jax"), "m.py:backward"))
    assert command == ("compare-frameworks --candidate m.py:backward --hidden 64,32 --activation tanh --dtype float32 "
                       "--loss softmax --target 'my label' --reduction sum --l2 0.25 --no-bias --convention cs231n "
                       "--data '/d/my data.csv' --oracles torch,jax")


def test_the_full_table_names_a_packaged_data_set_by_name_and_the_lesson_convention_not_at_all():
    report = check_report([Point("p", False, ["x"])], convention={"name": "lesson"})
    command = full_table(plugin._check_failure(report, spec(), dataset("iris (packaged)", packaged="iris"), ALL,
                                               "m.py:f"))
    assert command.endswith("--dtype float64 --data iris")


def forward_report(points):
    return SimpleNamespace(candidate="bw.py:backward", forward="fw.py:loss", points=points)


def test_a_forward_failure_is_one_line_of_the_wrong_parameters_the_other_points_and_the_command():
    points = [Point("seed-0", False, ["W: 1.0 vs candidate 2.0", "noise", "batch law: rows permuted"]),
              Point("seed-1", False, ["x"]), Point("seed-2", True), Point("seed-3", False)]
    message = plugin._forward_failure(forward_report(points), "bw.py:backward", "fw.py:loss", "in it.py:init",
                                      None, None)
    assert message == ("bw.py:backward is not the gradient of fw.py:loss: at seed-0: W: 1.0 vs candidate 2.0; "
                       "batch law: rows permuted (also fails at seed-1, seed-3); the full table: compare-frameworks "
                       "--forward fw.py:loss --candidate bw.py:backward --init 'in it.py:init'")
    assert "\n" not in message


def test_a_forward_failure_without_a_wrong_entry_says_its_first_line_or_fails():
    one = plugin._forward_failure(forward_report([Point("p", False, ["loss is nan"])]), "b.py:f", "f.py:l",
                                  None, None, "pts.npz", mean_over_rows=True)
    assert one == ("bw.py:backward is not the gradient of fw.py:loss: at p: loss is nan; the full table: "
                   "compare-frameworks --forward f.py:l --candidate b.py:f --inputs pts.npz --mean-over-rows")
    bare = plugin._forward_failure(forward_report([Point("p", False)]), "b.py:f", "f.py:l", None, {"w": 1}, None)
    assert bare == "bw.py:backward is not the gradient of fw.py:loss: at p: fails"  # params by value: no command
    dict_inputs = plugin._forward_failure(forward_report([Point("p", False)]), "b.py:f", "f.py:l", None, None,
                                          {"X": 1})
    assert "the full table" not in dict_inputs
    unnamed = plugin._forward_failure(forward_report([Point("p", False)]), lambda p, i: None, "f.py:l", "i.py:i",
                                      None, None)
    assert "the full table" not in unnamed  # a lambda has no file to name
    no_init_file = plugin._forward_failure(forward_report([Point("p", False)]), "b.py:f", "f.py:l",
                                           lambda seed: None, None, None)
    assert "the full table" not in no_init_file
    named_init = plugin._forward_failure(forward_report([Point("p", False)]), "b.py:f", helper, "i.py:i", None, None)
    assert full_table(named_init.replace("; the full table: ", "\nthe full table: ")).startswith(
        f"compare-frameworks --forward {Path(plugin._candidate_arg(helper).rpartition(':')[0])}:helper ")


def test_a_layer_failure_lists_each_failing_point_and_the_command_with_its_fixed_hyper_parameters():
    points = [Point("seed-0", False, ["dx wrong", "dw wrong"]), Point("seed-1", True), Point("seed-2", False, ["dx"])]
    report = SimpleNamespace(candidate="c.py:conv_backward", points=points)
    message = plugin._layer_failure(report, "conv", "c.py:conv_forward", "c.py:conv_backward",
                                    {"stride": 2, "directions": 4})
    assert message.splitlines() == [
        "c.py:conv_backward fails the conv layer check:", "  at seed-0:", "    dx wrong", "    dw wrong",
        "  at seed-2:", "    dx",
        "the full table: compare-frameworks --layer conv --forward c.py:conv_forward --candidate c.py:conv_backward "
        "--layer-args '{\"stride\": 2}' --directions 4"]
    loss = plugin._layer_failure(report, "softmax_loss", "l.py:softmax_loss", None, {})
    assert loss.splitlines()[-1] == "the full table: compare-frameworks --layer softmax_loss --candidate l.py:softmax_loss"
    unnamed = plugin._layer_failure(report, "conv", "c.py:f", lambda d, c: None, {})
    assert "the full table" not in unnamed
    assert "the full table" not in plugin._layer_failure(report, "conv", lambda x: None, "c.py:bw", {})
    assert "the full table" not in plugin._layer_failure(report, "softmax_loss", lambda x, y: None, None, {})


def fuzz_result(laws, repro, flaky=None, examples=17):
    counterexample = {"problem": "sizes=2,3,1 N=2", "laws": laws, "repro": repro}
    if flaky:
        counterexample["flaky"] = flaky
    return SimpleNamespace(counterexample=counterexample, examples=examples)


def test_a_fuzz_failure_names_the_laws_broken_the_shrunk_problem_and_the_reproduction():
    one = plugin._fuzz_failure(fuzz_result([{"law": "gating", "lines": ["W1 off", "by 2"]}],
                                           "compare-frameworks --replay 'x' --candidate m.py:f"), "m:f", "dev")
    assert one.splitlines() == [
        "m:f broke a law after 17 examples, shrinking included (hypothesis profile 'dev'); the shrunk counterexample:",
        "  sizes=2,3,1 N=2", "  law gating: W1 off", "    by 2",
        "reproduce: compare-frameworks --replay 'x' --candidate m.py:f"]
    two = plugin._fuzz_failure(fuzz_result([{"law": "a", "lines": ["x"]}, {"law": "b", "lines": ["y"]}],
                                           "compare-frameworks --replay 'x'", flaky="flaky!"), "m:f", "ci")
    assert two.splitlines()[0].startswith("m:f broke 2 laws after 17 examples")
    assert two.splitlines()[-1] == "  (hypothesis: flaky!)" and "reproduce" not in two


# ---------------------------------------------------------------- the fixtures, with the library recorded

def fixture(name, config, nodeid="test_x.py::test_it"):
    """The function a test receives from fixture ``name``, for a stand-in request."""
    request = SimpleNamespace(config=config, node=SimpleNamespace(nodeid=nodeid))
    return getattr(plugin, name).__wrapped__(request)


def stand_in_report(passed=True):
    return SimpleNamespace(passed=passed, candidate="mod:backward", convention=None,
                           spec={"sizes": [8, 16, 1], "activation": "relu", "dtype": "float64"},
                           points=[Point("lesson-init", passed, [] if passed else ["W1 wrong"])])


@pytest.fixture
def ran(monkeypatch):
    from oracles import harness

    calls, outcome = [], {"passed": True}

    def run(spec, dataset, handle, chosen, convention=None):
        calls.append({"spec": spec, "data": dataset, "handle": handle, "oracles": chosen, "convention": convention})
        return stand_in_report(outcome["passed"])

    monkeypatch.setattr(harness, "run", run)
    return calls, outcome


def test_backprop_check_runs_the_configured_network_and_records_the_data_it_ran_on(ran):
    calls, _ = ran
    config = configured(options={"backprop_skip_oracles": "torch", "backprop_dtype": "float32",
                                 "backprop_data": "synthetic"}, ini={"backprop_convention": "cs231n"})
    report = fixture("backprop_check", config)(helper, hidden="4,3", activation="tanh", isolate=False)
    [call] = calls
    assert report.passed and call["oracles"] == ("finite-differences", "jax") and call["convention"] == "cs231n"
    spec = call["spec"]
    assert (spec.sizes, spec.activation, spec.dtype, spec.loss, spec.bias) == ((8, 4, 3, 1), "tanh", "float32",
                                                                              "bce", True)
    assert call["data"].source == "synthetic" and call["handle"].name == f"{__name__}:helper"
    assert config.stash[plugin._USED] == [("the synthetic stand-in (768 rows, 8 features)", True)]


def test_backprop_checks_own_arguments_come_before_the_options(ran):
    calls, _ = ran
    config = configured(options={"backprop_dtype": "float32"})
    fixture("backprop_check", config)(helper, dtype="float64", oracles="jax", data="synthetic", isolate=False,
                                      l2="0.5", reduction="sum", bias=False)
    spec = calls[0]["spec"]
    assert (spec.dtype, spec.l2, spec.reduction, spec.bias) == ("float64", 0.5, "sum", False)
    assert calls[0]["oracles"] == ("jax",)


def test_backprop_check_fails_with_the_reports_verdict_and_the_full_table(ran):
    calls, outcome = ran
    outcome["passed"] = False
    config = configured(options={"backprop_data": "synthetic"})
    with pytest.raises(Failed) as caught:
        fixture("backprop_check", config)(helper, isolate=False, oracles="jax")
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("mod:backward fails the check against jax (network 8-16-1")
    assert lines[-1].startswith("the full table: compare-frameworks --candidate ") and "--oracles jax" in lines[-1]
    assert len(config.stash[plugin._USED]) == 1  # a failed check still ran on its data


@pytest.mark.parametrize("given, start", [
    ({"hidden": "0"}, "backprop_check: hidden "), ({"loss": "hinge"}, "backprop_check: loss "),
    ({"oracles": "mxnet"}, "backprop: oracles "), ({"activation": "gelu"}, "backprop_check: activation must be"),
    ({"mean_over_rows": True}, "backprop_check: mean_over_rows=True goes with forward="),
    ({"forward": "f.py:loss", "hidden": (8,)}, "backprop_check: hidden=(8,) does not apply with forward="),
    ({"forward": "f.py:loss", "isolate": False}, "backprop_check: isolate=False does not apply"),
    ({"init": "i.py:init"}, "backprop_check: init, params and inputs go with forward=: your loss(params, inputs)"),
    ({"forward": "nofunction"}, "backprop_check: forward "),
    ({"forward": "f.py:l", "loss": "hinge"}, "backprop_check: loss "),
])
def test_backprop_check_fails_a_bad_argument_in_one_line_naming_it(ran, given, start):
    calls, _ = ran
    with pytest.raises(Failed) as caught:
        fixture("backprop_check", configured())(helper, **{"data": "synthetic", **given})
    assert str(caught.value).startswith(start) and "\n" not in str(caught.value) and calls == []


@pytest.fixture
def forward_ran(monkeypatch):
    import oracles.families.forward as forward_family

    calls, outcome = [], {"passed": True, "error": None}

    def check(backward, forward, **kwargs):
        if outcome["error"]:
            raise forward_family.ForwardError(outcome["error"])
        calls.append({"backward": backward, "forward": forward, **kwargs})
        return SimpleNamespace(passed=outcome["passed"], candidate="b.py:f", forward="f.py:l",
                               points=[Point("seed-0", outcome["passed"], ["W: 1 vs candidate 2"])])

    monkeypatch.setattr(forward_family, "check", check)
    return calls, outcome


def test_backprop_check_with_forward_hands_the_family_the_point_the_data_and_the_head(forward_ran):
    calls, _ = forward_ran
    config = configured(options={"backprop_data": "iris"}, ini={"backprop_loss": "softmax", "backprop_target": "c"})
    params = {"w": 1}
    report = fixture("backprop_check", config)("b.py:f", forward="f.py:l", init="i.py:i", params=params,
                                               inputs="p.npz", seed="3", mean_over_rows="yes")
    [call] = calls
    assert report.passed and (call["backward"], call["forward"], call["init"]) == ("b.py:f", "f.py:l", "i.py:i")
    assert call["params"] is params and call["inputs"] == "p.npz" and call["seed"] == 3
    assert (call["data"], call["target"], call["loss"], call["mean_over_rows"]) == ("iris", "c", "softmax", True)
    fixture("backprop_check", config)("b.py:f", forward="f.py:l", data="wine", loss="mse", target="t")
    assert (calls[1]["data"], calls[1]["loss"], calls[1]["target"]) == ("wine", "mse", "t")


def test_backprop_check_with_forward_fails_in_one_line(forward_ran):
    calls, outcome = forward_ran
    outcome["passed"] = False
    with pytest.raises(Failed) as caught:
        fixture("backprop_check", configured())("b.py:f", forward="f.py:l", init="i.py:i")
    assert str(caught.value).startswith("b.py:f is not the gradient of f.py:l: at seed-0: W: 1 vs candidate 2")
    outcome["error"] = "i.py: no function i"
    with pytest.raises(Failed) as caught:
        fixture("backprop_check", configured())("b.py:f", forward="f.py:l", init="i.py:i")
    assert str(caught.value) == "backprop_check: i.py: no function i"


def test_a_failing_forward_check_shows_no_frame_of_the_plugin_in_its_traceback(forward_ran):
    _, outcome = forward_ran
    outcome["passed"] = False
    for error in (None, "i.py: no function i"):  # a wrong gradient, then a bad argument
        outcome["error"] = error
        with pytest.raises(Failed) as caught:
            fixture("backprop_check", configured())("b.py:f", forward="f.py:l", init="i.py:i")
        shown = caught.traceback.filter(caught)  # the frames pytest prints (--tb=long, the crash line of --tb=line)
        assert shown and Path(plugin.__file__).resolve() not in {Path(entry.path).resolve() for entry in shown}


def test_backprop_layer_returns_the_report_or_fails_with_its_points_and_command(monkeypatch):
    from oracles.shells import api

    calls, outcome = [], {"passed": True}

    def check_layer(kind, forward, backward, fuzz=0, **hyper):
        calls.append((kind, forward, backward, fuzz, hyper))
        return SimpleNamespace(passed=outcome["passed"], candidate="c.py:bw",
                               points=[Point("seed-0", outcome["passed"], ["dx wrong"])])

    monkeypatch.setattr(api, "check_layer", check_layer)
    check = fixture("backprop_layer", configured())
    assert check("conv", "c.py:fw", "c.py:bw", fuzz=2, stride=2).passed
    assert calls == [("conv", "c.py:fw", "c.py:bw", 2, {"stride": 2})]
    outcome["passed"] = False
    with pytest.raises(Failed) as caught:
        check("conv", "c.py:fw", "c.py:bw", pad=1)
    assert str(caught.value).splitlines()[0] == "c.py:bw fails the conv layer check:"
    assert str(caught.value).splitlines()[-1].endswith("--layer-args '{\"pad\": 1}'")
    monkeypatch.undo()  # the API's own check_layer: it refuses the kind before anything runs
    with pytest.raises(Failed, match="^backprop_layer: layer must be one of"):
        check("convolution", "c.py:fw")


@pytest.fixture
def fuzzed(monkeypatch):
    import properties.fuzz as fuzz_module

    calls, outcome = [], {"passed": True}

    def fuzz(factory, examples, strategy, **kwargs):
        calls.append({"candidate": factory(None), "examples": examples, "strategy": strategy, **kwargs})
        counterexample = {"problem": "sizes=2,3,1", "laws": [{"law": "gating", "lines": ["off"]}],
                          "repro": "compare-frameworks --replay x"}
        return SimpleNamespace(passed=outcome["passed"], examples=5, counterexample=counterexample)

    monkeypatch.setattr(fuzz_module, "fuzz", fuzz)
    return calls, outcome


def test_backprop_fuzz_runs_the_driver_under_the_users_profile_with_a_key_of_its_own(fuzzed, monkeypatch):
    from hypothesis import settings

    calls, _ = fuzzed
    registered = []
    monkeypatch.setattr(plugin, "_register_profiles", lambda: registered.append(True))
    config = configured(options={"backprop_skip_oracles": "jax"}, ini={"backprop_convention": "torch"})
    result = fixture("backprop_fuzz", config, "t.py::test_a")(helper, hidden=(4, 4), activation="tanh",
                                                               isolate=False)
    [call] = calls
    assert result.passed and call["examples"] is None and call["seed"] is None
    assert call["oracles"] == ("finite-differences", "torch") and call["convention"] == "torch"
    source, _, name = call["candidate_arg"].rpartition(":")
    assert call["profile"] is settings.default and name == "helper" and Path(source).resolve() == Path(__file__)
    assert call["database_key"] == f"t.py::test_a|{__name__}:helper|2|tanh|float64".encode()
    assert registered == [True]  # for settings.load_profile("fuzz") in the user's own code


def drawn(strategy, n=5) -> list:
    """A few problems the strategy draws."""
    import warnings

    from hypothesis.errors import NonInteractiveExampleWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        return [strategy.example() for _ in range(n)]


def test_backprop_fuzz_draws_problems_of_the_networks_depth_activation_dtype_and_head(fuzzed):
    calls, _ = fuzzed
    config = configured(options={"backprop_dtype": "float32"},
                        ini={"backprop_loss": "mse", "backprop_reduction": "sum", "backprop_l2": "0.5",
                             "backprop_convention": "cs231n", "backprop_bias": "false"})
    fixture("backprop_fuzz", config)(helper, hidden="4,4,4", activation="sigmoid", isolate=False)
    for problem in drawn(calls[0]["strategy"]):
        assert len(problem.sizes) == 5 and problem.activation == "sigmoid" and problem.dtype == "float32"
        assert (problem.loss, problem.reduction, problem.l2, problem.l2_form, problem.bias) == (
            "mse", "sum", 0.5, L2_FORM["cs231n"], False)
    fixture("backprop_fuzz", config)(helper, dtype="float64", loss="bce", reduction="mean", l2="0.25", bias=True,
                                     convention="deeplearning-ai", isolate=False)
    for problem in drawn(calls[1]["strategy"]):
        assert len(problem.sizes) == 3 and problem.activation == "relu" and problem.dtype == "float64"
        assert (problem.loss, problem.reduction, problem.l2, problem.l2_form, problem.bias) == (
            "bce", "mean", 0.25, L2_FORM["deeplearning-ai"], True)


def test_backprop_fuzz_fails_with_the_shrunk_counterexample_and_on_a_bad_argument(fuzzed):
    calls, outcome = fuzzed
    outcome["passed"] = False
    fuzz = fixture("backprop_fuzz", configured())
    with pytest.raises(Failed) as caught:
        fuzz(helper, isolate=False)
    assert str(caught.value).splitlines()[0].startswith(f"{__name__}:helper broke a law after 5 examples")
    for given, start in (({"hidden": "x"}, "backprop_fuzz: hidden "), ({"l2": -1}, "backprop_fuzz: l2 "),
                         ({"activation": "gelu"}, "backprop_fuzz: "),
                         ({"mean_over_rows": True}, "backprop_fuzz: mean_over_rows=True"),
                         ({"forward": "f.py:l", "hidden": (8,)}, "backprop_fuzz: hidden=(8,) does not apply")):
        with pytest.raises(Failed) as caught:
            fuzz(helper, isolate=False, **given)
        assert str(caught.value).startswith(start), given
    assert len(calls) == 1


def test_backprop_fuzz_with_forward_draws_the_profiles_count_through_init(monkeypatch):
    from hypothesis import settings

    from oracles.shells import api

    calls, outcome = [], {"passed": True}

    def fuzz(backward, examples, **kwargs):
        calls.append({"backward": backward, "examples": examples, **kwargs})
        return SimpleNamespace(passed=outcome["passed"], summary=lambda: "fuzz: FAILED\nat draw 3")

    monkeypatch.setattr(api, "fuzz", fuzz)
    config = configured(options={"backprop_data": "iris"}, ini={"backprop_loss": "softmax", "backprop_target": "c"})
    fixture("backprop_fuzz", config)(helper, forward="f.py:l", init="i.py:i", seed=4, mean_over_rows=True)
    [call] = calls
    assert call["examples"] == settings().max_examples and call["progress"] is False
    assert (call["forward"], call["init"], call["data"], call["target"], call["loss"], call["seed"]) == (
        "f.py:l", "i.py:i", "iris", "c", "softmax", 4)
    assert call["mean_over_rows"] is True
    outcome["passed"] = False
    with pytest.raises(Failed) as caught:
        fixture("backprop_fuzz", config)(helper, forward="f.py:l", init="i.py:i", data="wine", loss="mse")
    assert str(caught.value) == f"{__name__}:helper: fuzz: FAILED; at draw 3"
    assert (calls[1]["data"], calls[1]["loss"]) == ("wine", "mse")
