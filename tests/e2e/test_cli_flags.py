"""compare-frameworks' flags, in-process: what each parses to, which combinations are refused
(exit 2, one line naming the flag, before any candidate runs), where outputs and results go, and
which oracles the command warms. The checks themselves are tested in test_cli.py."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from oracles import background, options
from oracles.shells import cli
from oracles.shells.cli import main, parser

CANDIDATES = Path(__file__).parent.parent / "candidates"
LESSON = CANDIDATES / "lesson.py"
FD = ("--oracles", "finite-differences")


@pytest.fixture(autouse=True)
def warmed(monkeypatch):
    """The oracles main() warms, recorded instead of started (no torch child for a refused command)."""
    calls = []
    monkeypatch.setattr(background, "warm", lambda oracles: calls.append(tuple(oracles)))
    return calls


def refused(capsys, *argv) -> str:
    """The one line a refused command prints on standard error (exit 2, nothing on standard output)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 2 and out == "", (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("compare-frameworks: error: "), err
    return lines[0][len("compare-frameworks: error: "):]


# ---------------------------------------------------------------- parsing

def test_the_defaults_are_the_settings_and_the_plain_flags_are_off():
    args = parser().parse_args([])
    for name, setting in options.SETTINGS.items():
        assert getattr(args, name) == setting.default, name
    assert (args.data, args.candidate, args.results, args.scheduler, args.output, args.plot, args.fuzz,
            args.replay) == (None,) * 8
    assert (args.glob, args.no_isolation, args.quiet, args.bug_zoo) == (False,) * 4
    assert args.format == "table"


def test_each_flag_parses_to_its_canonical_value():
    args = parser().parse_args(["--hidden", "8,4", "--seed", "3", "--memory", "1G", "--timeout", "2",
                                "--oracles", "jax,torch", "--no-bias", "--mean-over-rows", "--fuzz", "5",
                                "--candidate", "a.py:f", "--candidate", "b.py:g", "--glob", "--quiet",
                                "--no-isolation", "--bug-zoo", "--jobs", "4", "--directions", "8",
                                "--forbid-import", "torch,jax", "--layer-args", '{"pad": 1}', "--l2", "0.5",
                                "--format", "json", "--output", "o.json", "--plot", "p.png", "--data", "iris"])
    assert (args.hidden, args.seed, args.memory, args.timeout, args.oracles) == ((8, 4), 3, 2**30, 2.0,
                                                                                  ("jax", "torch"))
    assert (args.bias, args.mean_over_rows, args.fuzz, args.candidate) == (False, True, 5, ["a.py:f", "b.py:g"])
    assert (args.glob, args.quiet, args.no_isolation, args.bug_zoo) == (True,) * 4
    assert (args.jobs, args.directions, args.forbid_import, args.layer_args, args.l2) == (
        4, 8, ("torch", "jax"), {"pad": 1}, 0.5)
    assert (args.format, args.output, args.plot, args.data) == ("json", "o.json", "p.png", "iris")


@pytest.mark.parametrize("argv, flag", [
    (["--seed", "x"], "--seed"), (["--fuzz", "0"], "--fuzz"), (["--fuzz", str(options.MAX_EXAMPLES + 1)], "--fuzz"),
    (["--jobs", "0"], "--jobs"), (["--hidden", "0"], "--hidden"), (["--oracles", "mxnet"], "--oracles"),
    (["--layer-args", "{pad"], "--layer-args"), (["--forward", "nofunction"], "--forward"),
])
def test_a_value_its_parser_refuses_is_exit_2_naming_the_flag_and_the_value(capsys, argv, flag):
    line = refused(capsys, *argv)
    assert line.startswith(f"argument {flag}: {flag} ") and argv[1] in line


def test_an_unknown_flag_or_choice_is_exit_2_on_one_line(capsys):
    assert "--colour" in refused(capsys, "--colour", "red")
    assert "'xml'" in refused(capsys, "--format", "xml")


def test_the_flags_written_are_told_from_those_left_at_their_default():
    assert cli._given_flags([]) == set()
    assert cli._given_flags(["--seed", "0", "--no-bias", "--quiet", "--candidate", "a.py:f"]) == \
        {"seed", "bias", "quiet", "candidate"}
    assert cli._given_flags(["--layer-args", "{}", "--fd-mode", "auto"]) == {"layer_args", "fd_mode"}


def test_a_flag_is_named_as_written_and_ordered_as_declared():
    assert cli._flag("bias") == "--no-bias" and cli._flag("mean_over_rows") == "--mean-over-rows"
    assert cli._flag("no_isolation") == "--no-isolation" and cli._flag("bug_zoo") == "--bug-zoo"
    order = [cli._flag_order(d) for d in ("data", "candidate", "glob", "target", "hidden", "results", "bug_zoo")]
    assert order == sorted(order) and len(set(order)) == len(order)
    assert cli._flag_order("nonesuch") == len(parser()._actions)


# ---------------------------------------------------------------- warming

def test_a_network_check_warms_the_oracles_it_names_and_other_commands_warm_none(capsys, warmed):
    refused(capsys, "--oracles", "jax", "--mean-over-rows")  # refused after warming: no check runs
    assert warmed == [("jax",)]
    for argv in (["--forward", "f.py:loss"], ["--layer", "relu"], ["--replay", "nonsense"]):
        warmed.clear()
        main(argv)
        capsys.readouterr()
        assert warmed == [], argv


def test_main_discards_every_warmed_child_however_it_ends(capsys, monkeypatch):
    ended = []
    monkeypatch.setattr(background, "discard", lambda: ended.append(True))
    refused(capsys, "--seed", "x")
    refused(capsys, "--mean-over-rows")
    assert ended == [True, True]


# ---------------------------------------------------------------- the network check's refusals

def test_mean_over_rows_without_forward_is_refused(capsys):
    line = refused(capsys, *FD, "--mean-over-rows")
    assert line.startswith("--mean-over-rows goes with --forward") and line.endswith("--reduction)")


def test_a_network_too_big_for_memory_is_refused_before_it_runs_naming_hidden_and_the_data(capsys):
    line = refused(capsys, *FD, "--data", "synthetic", "--hidden", "20000,20000")
    assert line.startswith("--hidden 20000,20000 on synthetic: ") and "8-20000-20000-1" in line


def test_directions_count_in_the_footprint_of_finite_differences_along_directions(capsys, monkeypatch):
    from oracles import policy

    sizes, rows = (8, 64, 64, 1), 768
    along = options.footprint(sizes, rows, policy.FD_DIRECTIONS)
    monkeypatch.setattr(options, "MAX_ARRAY_BYTES", along - 1)  # fits without directions, not with the default 16
    line = refused(capsys, *FD, "--data", "synthetic", "--hidden", "64,64", "--fd-mode", "directions")
    assert f"{policy.FD_DIRECTIONS} directions per parameter" in line
    monkeypatch.setattr(options, "MAX_ARRAY_BYTES", options.footprint(sizes, rows, 4))
    line = refused(capsys, *FD, "--data", "synthetic", "--hidden", "64,64", "--fd-mode", "directions",
                   "--directions", "5")
    assert "5 directions per parameter" in line


def test_the_bug_zoo_refuses_no_bias_and_a_head_with_no_entries(capsys):
    line = refused(capsys, *FD, "--bug-zoo", "--no-bias")
    assert line.startswith("--bug-zoo's catalogue") and line.endswith("drop --no-bias or --bug-zoo")
    line = refused(capsys, *FD, "--bug-zoo", "--loss", "quadratic", "--convention", "cs231n", "--l2", "0.5")
    assert "--loss quadratic" in line and "--convention cs231n" in line and "L2" in line


def test_the_bug_zoos_entries_follow_the_head_flags():
    from properties import catalogue
    from properties.zoo import entries

    assert cli._zoo_entries(parser().parse_args([])) is None
    assert cli._zoo_entries(parser().parse_args(["--bug-zoo"])) == (catalogue.MUTANTS, catalogue.CORRECT)
    softmax = cli._zoo_entries(parser().parse_args(["--bug-zoo", "--loss", "softmax"]))
    assert softmax == entries("softmax") and softmax[0]
    cs231n = cli._zoo_entries(parser().parse_args(["--bug-zoo", "--loss", "softmax", "--convention", "cs231n"]))
    assert cs231n == entries("softmax", "cs231n") and cs231n != softmax
    summed = cli._zoo_entries(parser().parse_args(["--bug-zoo", "--loss", "mse", "--reduction", "sum"]))
    assert summed == entries("mse", "lesson", "sum") != entries("mse")


def test_replay_and_bug_zoo_take_one_candidate(capsys):
    for flag in (["--replay", "sizes=2,3,1 N=5 seed=0"], ["--bug-zoo"]):
        line = refused(capsys, *FD, *flag, "--candidate", f"{LESSON}:backward", "--candidate", f"{LESSON}:backward")
        assert line.startswith("--replay and --bug-zoo take one --candidate") and line.endswith("not a gradebook")


def test_a_replay_line_with_biases_is_refused_with_no_bias_and_a_bad_line_is_named(capsys):
    line = refused(capsys, *FD, "--no-bias", "--replay", "sizes=2,3,1 N=5 seed=0")
    assert line.startswith("--replay: ") and line.endswith("drop --no-bias")
    assert "seed" in refused(capsys, *FD, "--replay", "sizes=2,3,1 N=5 seed=-1")


def test_a_gradebook_refuses_no_isolation_and_plot(capsys, tmp_path):
    two = ("--candidate", f"{LESSON}:backward", "--candidate", f"{LESSON}:backward")
    line = refused(capsys, *FD, *two, "--no-isolation")
    assert line.startswith("--no-isolation checks one candidate") and line.endswith("not a gradebook")
    line = refused(capsys, *FD, *two, "--plot", str(tmp_path / "p.png"))
    assert line.startswith("--plot draws one") and line.endswith("not a gradebook")


def test_a_csv_of_one_candidates_report_is_refused_and_nothing_is_written(capsys, tmp_path):
    target = tmp_path / "r.csv"
    assert "--format csv" in refused(capsys, *FD, "--data", "synthetic", "--format", "csv", "--output", str(target))
    assert not target.exists()


# ---------------------------------------------------------------- candidates and globs

def test_a_pattern_expands_sorted_and_is_a_gradebook_even_of_one(tmp_path):
    for name in ("b.py", "a.py", "c.txt"):
        (tmp_path / name).write_text("")
    args = parser().parse_args(["--candidate", f"{tmp_path}/*.py:backward"])
    assert cli._targets(args) == [f"{tmp_path}/a.py:backward", f"{tmp_path}/b.py:backward"]
    one = parser().parse_args(["--candidate", f"{tmp_path}/a*.py:backward"])
    assert cli._targets(one) == [f"{tmp_path}/a.py:backward"] and cli._is_gradebook(one, cli._targets(one))
    plain = parser().parse_args(["--candidate", f"{tmp_path}/a.py:backward"])
    assert not cli._is_gradebook(plain, cli._targets(plain))
    assert cli._is_gradebook(plain, ["x", "y"]) and not cli._is_gradebook(parser().parse_args([]), [])


def test_a_path_that_exists_is_literal_unless_glob_is_asked(tmp_path):
    folder = tmp_path / "sub [v1]"
    folder.mkdir()
    (folder / "cand.py").write_text("")
    literal = f"{folder}/cand.py:backward"
    assert not cli._is_glob(literal) and cli._is_glob(literal, asked=True)
    assert cli._is_glob(f"{tmp_path}/*.py:backward") and not cli._is_glob(f"{tmp_path}/x.py:backward")
    assert cli._is_glob(f"{tmp_path}/x?.py:f") and cli._is_glob(f"{tmp_path}/[ab].py:f")
    assert cli._targets(parser().parse_args(["--candidate", literal])) == [literal]
    assert cli._targets(parser().parse_args(["--candidate", "pkg.mod:backward"])) == ["pkg.mod:backward"]


def test_a_pattern_that_matches_nothing_is_refused_naming_it_with_a_hint_for_brackets(capsys, tmp_path):
    line = refused(capsys, *FD, "--candidate", f"{tmp_path}/*.py:backward")
    assert line.startswith(f"{tmp_path}/*.py: no candidate file matches") and "[[]" not in line
    line = refused(capsys, *FD, "--candidate", f"{tmp_path}/[v1]/x.py:backward")
    assert "[[]" in line and line.endswith("for a literal [)")
    assert "no candidate file matches" in refused(capsys, *FD, "--glob", "--candidate", f"{tmp_path}/x.py:f")


# ---------------------------------------------------------------- outputs and results

def outputs(*argv) -> dict:
    args = parser().parse_args(list(argv))
    return cli._outputs(args, cli._targets(args))


def test_output_and_plot_resolve_to_absolute_paths_and_a_results_folder_goes_beside_a_gradebooks_output(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert outputs("--data", "synthetic") == {}
    assert outputs("--data", "synthetic", "--output", "r.json", "--plot", "e.svg") == \
        {"output": tmp_path / "r.json", "plot": tmp_path / "e.svg"}
    two = ("--data", "synthetic", "--candidate", f"{LESSON}:backward", "--candidate", f"{LESSON}:backward")
    assert outputs(*two, "--output", "grades.csv")["results"] == tmp_path / "grades.results"
    assert outputs(*two, "--output", "grades.results")["results"] == tmp_path / "grades.results.d"
    assert outputs(*two, "--output", "g.csv", "--results", "rows")["results"] == tmp_path / "rows"
    assert "results" not in outputs(*two)


def test_results_and_scheduler_are_for_gradebooks(capsys):
    assert refused(capsys, *FD, "--results", "rows").startswith("--results is for gradebooks")
    assert refused(capsys, *FD, "--scheduler", "local").startswith("--scheduler is for gradebooks")


def test_a_results_folder_that_is_a_file_or_an_output_or_holds_the_data_is_refused(capsys, tmp_path):
    two = ("--candidate", f"{LESSON}:backward", "--candidate", f"{LESSON}:backward")
    afile = tmp_path / "rows"
    afile.write_text("")
    assert "names a file, not a folder" in refused(capsys, *FD, *two, "--results", str(afile))
    folder = tmp_path / "book"
    line = refused(capsys, *FD, *two, "--results", str(folder), "--output", str(folder))
    assert line.startswith(f"{folder}: --output and the results folder name the same path")
    data = tmp_path / "d" / "data.csv"
    data.parent.mkdir()
    data.write_text("a,Outcome\n1,0\n2,1\n")
    line = refused(capsys, *FD, *two, "--data", str(data), "--results", str(data.parent))
    assert line.startswith(f"{data.parent}: the results folder holds the --data file")


@pytest.mark.parametrize("suffix", [".png", ".PDF", ".svg"])
def test_the_plot_takes_png_pdf_and_svg(tmp_path, suffix):
    assert outputs("--data", "synthetic", "--plot", str(tmp_path / f"e{suffix}"))["plot"].suffix == suffix


def test_a_plot_of_another_format_an_output_that_is_a_directory_and_one_file_for_both_are_refused(capsys, tmp_path):
    line = refused(capsys, *FD, "--plot", str(tmp_path / "e.txt"))
    assert line.startswith(f"{tmp_path / 'e.txt'}: --plot writes .png, .pdf, .svg, not .txt")
    assert refused(capsys, *FD, "--plot", str(tmp_path / "e")).endswith("not no extension")
    assert refused(capsys, *FD, "--output", str(tmp_path)) == f"{tmp_path}: --output names a directory"
    same = str(tmp_path / "x.png")
    assert refused(capsys, *FD, "--output", same, "--plot", same) == f"{same}: --output and --plot name the same file"


def test_an_output_that_is_the_data_under_another_name_is_refused(capsys, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,Outcome\n1,0\n2,1\n")
    os.link(data, tmp_path / "alias.txt")
    line = refused(capsys, *FD, "--data", str(data), "--output", str(tmp_path / "alias.txt"))
    assert line.startswith(f"{tmp_path / 'alias.txt'}: --output names the --data file")


def test_the_files_a_run_reads_are_named_by_what_they_are(tmp_path, monkeypatch):
    from reference.data import DATA_ENV, packaged_path

    data = tmp_path / "data.csv"
    data.write_text("")
    forward = tmp_path / "fw.py"
    forward.write_text("")
    args = parser().parse_args(["--data", str(data), "--forward", f"{forward}:loss", "--inputs", "missing.npz"])
    found = cli.run_inputs(args, [f"{LESSON}:backward"])
    assert found == {data: "--data file", LESSON.resolve(): "--candidate file", forward: "--forward file"}
    monkeypatch.setenv(DATA_ENV, str(data))
    assert cli.run_inputs(parser().parse_args([]), []) == {data: f"data file found through ${DATA_ENV}"}
    monkeypatch.delenv(DATA_ENV)
    assert cli.run_inputs(parser().parse_args(["--data", "iris"]), []) == \
        {packaged_path("iris").resolve(): "packaged data set iris"}
    assert cli.run_inputs(parser().parse_args(["--data", "synthetic"]), []) == {}
    replay = parser().parse_args(["--data", "synthetic", "--replay", str(data)])
    assert cli.run_inputs(replay, []) == {data: "--replay file"}


def test_the_data_read_adds_its_own_file(tmp_path):
    from reference.data import load

    data = tmp_path / "data.csv"
    data.write_text("a,b,Outcome\n1,2,0\n2,1,1\n3,3,0\n")
    args = parser().parse_args(["--data", "synthetic"])
    assert cli.run_inputs(args, [], load(str(data))) == {data: "data file"}
    assert cli.run_inputs(args, [], load("synthetic")) == {}


# ---------------------------------------------------------------- --forward and --layer refusals

FORWARD = ("--forward", "fw.py:loss", "--candidate", "bw.py:backward")


def test_init_or_inputs_without_forward_are_refused(capsys):
    line = refused(capsys, "--init", "i.py:init")
    assert line.startswith("--init and --inputs go with --forward") and line.endswith("(your forward)")
    assert refused(capsys, "--inputs", "p.npz").startswith("--init and --inputs go with --forward")


def test_forward_takes_exactly_one_candidate(capsys):
    for extra in ([], ["--candidate", "a.py:f", "--candidate", "b.py:g"]):
        line = refused(capsys, "--forward", "fw.py:loss", *extra)
        assert line.startswith("--forward checks one --candidate") and line.endswith("(your backward)")


@pytest.mark.parametrize("argv, flag, why", [
    (["--hidden", "8"], "--hidden", "your forward is the network"),
    (["--no-bias"], "--no-bias", "your forward is the network"),
    (["--plot", "p.png"], "--plot", "not available with --forward yet"),
    (["--directions", "4"], "--directions", "every entry of your params is differenced"),
    (["--fd-mode", "exhaustive"], "--fd-mode", "every entry of your params is differenced"),
    (["--oracles", "jax"], "--oracles", "autograd of your forward always run"),
    (["--jobs", "2"], "--jobs", "not a gradebook"),
    (["--dtype", "float32"], "--dtype", "your params'"),
    (["--replay", "x"], "--replay", "the built-in network"),
    (["--bug-zoo"], "--bug-zoo", "the built-in network's"),
    (["--no-isolation"], "--no-isolation", "always run in workers"),
])
def test_a_flag_of_the_built_in_network_is_refused_with_forward_naming_it_and_why(capsys, argv, flag, why):
    line = refused(capsys, *FORWARD, *argv)
    assert line.startswith(f"{flag} does not apply with --forward: ") and line.endswith(why)


def test_glob_with_one_matching_file_is_refused_with_forward_and_makes_a_layers_gradebook(capsys):
    line = refused(capsys, "--forward", "fw.py:loss", "--candidate", f"{LESSON}:backward", "--glob")
    assert line == "--glob does not apply with --forward: one --candidate, not a gradebook"
    line = refused(capsys, "--layer", "softmax_loss", "--candidate", f"{LESSON}:backward", "--glob", "--plot", "p.png")
    assert line == "--plot does not apply with --layer: it draws one candidate's report, not a gradebook"


def test_with_forward_the_first_flag_the_parser_declares_is_named(capsys):
    assert refused(capsys, *FORWARD, "--activation", "tanh", "--hidden", "8").startswith("--hidden ")


def test_with_forward_inputs_and_data_together_and_fuzz_without_init_are_refused(capsys):
    line = refused(capsys, *FORWARD, "--inputs", "p.npz", "--data", "iris")
    assert line.startswith("--inputs and --data") and line.endswith("choose one")
    line = refused(capsys, *FORWARD, "--fuzz", "3")
    assert line.startswith("--fuzz with --forward draws its points through --init") and line.endswith("(your init(seed))")


def test_layer_args_without_layer_is_refused(capsys):
    assert refused(capsys, "--layer-args", "{}") == "--layer-args goes with --layer KIND"


def test_a_layer_takes_one_candidate_and_a_forward_unless_it_is_a_loss(capsys):
    assert refused(capsys, "--layer", "conv").startswith("--layer checks one --candidate")
    assert "your conv backward" in refused(capsys, "--layer", "conv")
    assert "your softmax_loss loss" in refused(capsys, "--layer", "softmax_loss")
    line = refused(capsys, "--layer", "conv", "--candidate", "c.py:conv_backward")
    assert line.startswith("--layer conv needs --forward FILE.py:FUNCTION")


@pytest.mark.parametrize("argv, flag, why", [
    (["--hidden", "8"], "--hidden", "the layer is yours"),
    (["--dtype", "float32"], "--dtype", "layers are checked in float64"),
    (["--data", "iris"], "--data", "the harness draws the layer's arrays"),
    (["--init", "i.py:init"], "--init", "the harness draws the layer's arrays"),
    (["--inputs", "p.npz"], "--inputs", "the harness draws the layer's arrays"),
    (["--plot", "p.png"], "--plot", "not available with --layer yet"),
    (["--bug-zoo"], "--bug-zoo", "not available with --layer yet"),
    (["--replay", "x"], "--replay", "replayed with --seed"),
    (["--no-isolation"], "--no-isolation", "always run in workers"),
    (["--oracles", "jax"], "--oracles", "finite differences, torch and jax always run"),
    (["--fd-mode", "exhaustive"], "--fd-mode", "random directions per array"),
    (["--jobs", "2"], "--jobs", "not a gradebook"),
    (["--results", "r"], "--results", "not a gradebook"),
    (["--scheduler", "local"], "--scheduler", "not a gradebook"),
])
def test_a_flag_that_does_not_apply_to_a_layer_is_refused_naming_it_and_why(capsys, argv, flag, why):
    line = refused(capsys, "--layer", "softmax_loss", "--candidate", "l.py:softmax_loss", *argv)
    assert line.startswith(f"{flag} does not apply with --layer: ") and line.endswith(why)


# ---------------------------------------------------------------- the offence, progress, status, writes

def test_a_signal_the_candidate_sent_fails_the_first_point_unless_a_point_already_says_so():
    def report(*violations):
        return SimpleNamespace(points=[SimpleNamespace(violation=v) for v in violations])

    r = report(None, None)
    cli._offence(r, SimpleNamespace(offence="sent SIGTERM"))
    assert [p.violation for p in r.points] == ["sent SIGTERM", None]
    r = report(None, "sent SIGTERM")
    cli._offence(r, SimpleNamespace(offence="sent SIGTERM"))
    assert [p.violation for p in r.points] == [None, "sent SIGTERM"]
    r = report(None)
    cli._offence(r, SimpleNamespace(offence=None))
    cli._offence(r, object())
    assert r.points[0].violation is None
    cli._offence(report(), SimpleNamespace(offence="x"))  # no point: nothing to fail


def test_progress_is_none_when_quiet_and_lines_in_a_pipe_from_the_threshold(monkeypatch):
    import io

    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert cli._progress(10, quiet=True, piped=True).mode is None
    assert cli._progress(cli.PROGRESS_LINES_FROM).mode == "lines"
    assert cli._progress(cli.PROGRESS_LINES_FROM).label == "fuzz"
    assert cli._progress(cli.PROGRESS_LINES_FROM - 1).mode is None
    assert cli._progress(3, piped=True).mode == "lines"
    bar = cli._progress(7, "gradebook")
    assert (bar.total, bar.label, bar.transient) == (7, "gradebook", True)
    assert cli.PROGRESS_LINES_FROM == 50


def test_status_is_silent_when_quiet_or_piped(monkeypatch):
    import io
    from contextlib import nullcontext

    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert isinstance(cli._status(SimpleNamespace(quiet=False), "x"), nullcontext)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stderr", Terminal())
    assert isinstance(cli._status(SimpleNamespace(quiet=True), "x"), nullcontext)
    status = cli._status(SimpleNamespace(quiet=False), "checking [bold]m.py[/bold]")
    assert not isinstance(status, nullcontext)
    assert status.console.stderr is True and status.console.is_jupyter is False
    assert status.status == "checking \\[bold]m.py\\[/bold]"  # the words as written, not rich markup


def test_an_atomic_write_replaces_the_file_whole_with_its_mode_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "r.md"
    target.write_text("old")
    os.chmod(target, 0o640)
    cli._atomic(target, lambda tmp: tmp.write_text("new"), "r.md")
    assert target.read_text() == "new" and os.stat(target).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]


def test_a_failed_atomic_write_is_a_usage_error_naming_the_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "r.md"
    target.write_text("old")

    def fails(tmp):
        raise OSError(28, "No space left on device")

    with pytest.raises(cli.UsageError, match=r"^shown: cannot write: No space left on device$"):
        cli._atomic(target, fails, "shown")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.md"]
    with pytest.raises(cli.UsageError, match=r"^gone: cannot write: "):
        cli._atomic(tmp_path / "no" / "such" / "r.md", lambda tmp: None, "gone")


def test_a_new_file_gets_0666_less_the_umask():
    old = os.umask(0o027)
    try:
        assert cli._mode_for(Path("/no/such/file")) == 0o640
    finally:
        os.umask(old)
    assert os.umask(old) == old  # the umask put back


def test_the_report_goes_whole_to_its_file_and_its_verdict_to_standard_output(capsys, tmp_path):
    import json

    target = tmp_path / "r.json"
    code = main([*FD, "--data", "synthetic", "--format", "json", "--output", str(target), "--quiet"])
    out, err = capsys.readouterr()
    report = json.loads(target.read_text())
    assert code == 0 and report["passed"] is True and report["data"]["source"] == "synthetic"
    assert out.strip().endswith(f"(report written to {target})") and err == ""
    assert [p["name"] for p in report["points"]] == ["lesson-init", "generic"]
    assert any("synthetic" in note for note in report["notes"])


# ---------------------------------------------------------------- what each command hands the library

class StandIn:
    """A result the library returns, recorded: it renders as JSON and exits with ``code``."""

    def __init__(self, kind="check", code=0, interrupted=False):
        self.KIND, self.code, self.interrupted = kind, code, interrupted
        self.notes, self.fuzz, self.bug_zoo = [], None, None
        self.points = [SimpleNamespace(violation=None)]

    def to_json(self):
        import json

        return json.dumps({"notes": self.notes, "fuzz": self.fuzz, "bug_zoo": self.bug_zoo,
                           "violation": self.points[0].violation if self.points else None})

    def exit_code(self):
        return self.code

    def verdict(self):
        return "VERDICT"


class Handle:
    def __init__(self, name="cand", offence=None):
        self.name, self.offence, self.closed = name, offence, False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True


def emitted(capsys, argv, code=None) -> dict:
    import json

    got = main([*argv, "--format", "json", "--quiet"])
    out, err = capsys.readouterr()
    if code is not None:
        assert got == code, (out, err)
    return json.loads(out)


@pytest.fixture
def recorded(monkeypatch):
    """The library's entry points the network check calls, recorded; each returns a StandIn."""
    import properties.fuzz as fuzz_module
    import properties.zoo as zoo_module
    from oracles import candidate as candidate_module
    from oracles import harness

    calls = {}
    result = {"report": StandIn(), "handle": Handle()}

    def run(spec, data, handle, oracles, seed, mode=None, directions=None, convention=None):
        calls["run"] = dict(spec=spec, data=data, handle=handle, oracles=oracles, seed=seed, mode=mode,
                            directions=directions, convention=convention)
        return result["report"]

    def load_candidate(target, isolate=True, **worker):
        calls["load"] = dict(target=target, isolate=isolate, **worker)
        return result["handle"]

    def fuzz(factory, examples, strategy, **kwargs):
        calls["fuzz"] = dict(factory=factory, examples=examples, strategy=strategy, **kwargs)
        return SimpleNamespace(to_dict=lambda: {"examples": examples})

    def replay(problem, candidate, oracles):
        calls["replay"] = dict(problem=problem, candidate=candidate, oracles=oracles)
        return result["report"]

    def run_zoo(data, progress=None, mutants=None, correct=None):
        calls["zoo"] = dict(data=data, mutants=mutants, correct=correct)
        return SimpleNamespace(to_dict=lambda: {"entries": len(mutants) + len(correct)})

    monkeypatch.setattr(harness, "run", run)
    monkeypatch.setattr(candidate_module, "load_candidate", load_candidate)
    monkeypatch.setattr(fuzz_module, "fuzz", fuzz)
    monkeypatch.setattr(fuzz_module, "replay", replay)
    monkeypatch.setattr(zoo_module, "run_zoo", run_zoo)
    return calls, result


def test_a_check_of_the_reference_runs_the_network_of_the_flags_at_the_seed_in_no_convention(capsys, recorded):
    calls, result = recorded
    result["report"].code = 1
    shown = emitted(capsys, ["--data", "synthetic", "--hidden", "5,4", "--activation", "tanh", "--dtype", "float32",
                             "--oracles", "jax", "--seed", "7", "--fd-mode", "exhaustive", "--directions", "3",
                             "--convention", "cs231n"], code=1)
    run = calls["run"]
    assert run["spec"].sizes == (8, 5, 4, 1) and (run["spec"].activation, run["spec"].dtype) == ("tanh", "float32")
    assert (run["oracles"], run["seed"], run["mode"], run["directions"]) == (("jax",), 7, "exhaustive", 3)
    assert run["convention"] is None and "load" not in calls  # the reference speaks the lesson's layout
    assert run["handle"].name and run["data"].source == "synthetic"
    assert len(shown["notes"]) == 1 and "synthetic" in shown["notes"][0]  # how to get the real data


def test_a_candidate_is_loaded_with_the_workers_limits_and_spoken_to_in_its_convention(capsys, recorded):
    calls, result = recorded
    emitted(capsys, ["--data", "iris", "--loss", "softmax", *FD, "--candidate", "m.py:backward", "--timeout", "2",
                     "--memory", "1G", "--forbid-import", "torch", "--convention", "torch"], code=0)
    assert calls["load"] == {"target": "m.py:backward", "isolate": True, "timeout": 2.0, "memory": 2**30,
                             "forbid": ("torch",)}
    assert calls["run"]["handle"] is result["handle"] and result["handle"].closed
    assert calls["run"]["convention"] == "torch" and calls["run"]["data"].packaged == "iris"
    emitted(capsys, ["--data", "iris", "--loss", "softmax", *FD, "--candidate", "m.py:backward", "--no-isolation"])
    assert calls["load"] == {"target": "m.py:backward", "isolate": False}


def test_a_candidate_that_cannot_be_loaded_is_exit_2_naming_it(capsys, monkeypatch):
    line = refused(capsys, *FD, "--data", "synthetic", "--candidate", "no_such_module_anywhere:backward")
    assert "no_such_module_anywhere" in line


def test_a_signal_the_candidate_sent_is_written_into_the_report(capsys, recorded):
    _, result = recorded
    result["handle"] = Handle(offence="sent SIGTERM to the judge")
    shown = emitted(capsys, ["--data", "synthetic", *FD, "--candidate", "m.py:backward"])
    assert shown["violation"] == "sent SIGTERM to the judge"


def test_fuzz_draws_its_examples_for_the_candidate_or_the_reference_and_joins_the_report(capsys, recorded):
    calls, _ = recorded
    shown = emitted(capsys, ["--data", "synthetic", *FD, "--fuzz", "6", "--seed", "2"])
    fuzz = calls["fuzz"]
    assert shown["fuzz"] == {"examples": 6} and fuzz["examples"] == 6 and fuzz["oracles"] == FD[1:]
    assert fuzz["candidate_arg"] is None and fuzz["convention"] is None
    emitted(capsys, ["--data", "synthetic", *FD, "--fuzz", "4", "--candidate", "m.py:bw", "--convention", "cs231n"])
    fuzz = calls["fuzz"]
    assert (fuzz["examples"], fuzz["candidate_arg"], fuzz["convention"]) == (4, "m.py:bw", "cs231n")
    problem = SimpleNamespace(loss="bce")
    assert fuzz["factory"](problem).convention == "cs231n"


def drawn(strategy, n=8) -> list:
    import warnings

    from hypothesis.errors import NonInteractiveExampleWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        return [strategy.example() for _ in range(n)]


def test_fuzz_draws_at_the_candidates_network_or_every_network_of_the_references_dtype_and_bias(capsys, recorded):
    calls, _ = recorded
    emitted(capsys, ["--data", "synthetic", *FD, "--fuzz", "3", "--candidate", "m.py:bw", "--hidden", "4,4",
                     "--activation", "tanh", "--dtype", "float32", "--reduction", "sum"])
    for problem in drawn(calls["fuzz"]["strategy"]):
        assert len(problem.sizes) == 4 and problem.activation == "tanh" and problem.dtype == "float32"
        assert (problem.loss, problem.reduction, problem.bias) == ("bce", "sum", True)
    emitted(capsys, ["--data", "synthetic", *FD, "--fuzz", "3", "--dtype", "float32", "--no-bias"])
    problems = drawn(calls["fuzz"]["strategy"], 30)
    assert all(p.dtype == "float32" and p.bias is False for p in problems)
    assert len({p.loss for p in problems}) > 1 and len({len(p.sizes) for p in problems}) > 1  # every head and depth


def test_the_reference_fuzzed_follows_each_problems_activation_and_head():
    from properties.strategies import Problem

    factory = cli._factory(parser().parse_args([]), None)
    for activation, sizes in (("tanh", (2, 3, 1)), ("sigmoid", (2, 3, 4))):
        problem = Problem(sizes=sizes, activation=activation, dtype="float64", N=4, seed=0, scale=1.0,
                          loss="softmax" if sizes[-1] > 1 else "bce")
        handle = factory(problem)
        assert handle.fn.keywords == {"activation": activation, "head": problem.spec.head}


def test_replay_runs_the_line_on_the_candidate_with_the_oracles_and_adds_no_data_note(capsys, recorded):
    calls, _ = recorded
    line = "sizes=2,3,1 activation=relu dtype=float64 N=5 seed=0 scale=1.0 labels=both kink=none saturate=0"
    shown = emitted(capsys, ["--data", "synthetic", "--oracles", "jax", "--replay", line, "--candidate", "m.py:bw"])
    replay = calls["replay"]
    assert replay["problem"].sizes == (2, 3, 1) and replay["problem"].N == 5 and replay["oracles"] == ("jax",)
    assert "run" not in calls and shown["notes"] == []


def test_the_bug_zoo_runs_the_entries_of_the_head_flags(capsys, recorded):
    from properties.zoo import entries

    calls, _ = recorded
    shown = emitted(capsys, ["--data", "iris", "--loss", "softmax", *FD, "--bug-zoo"])
    mutants, correct = entries("softmax")
    assert calls["zoo"]["mutants"] == mutants and calls["zoo"]["correct"] == correct
    assert shown["bug_zoo"] == {"entries": len(mutants) + len(correct)} and calls["zoo"]["data"].packaged == "iris"


@pytest.fixture
def graded(monkeypatch):
    import oracles.shells.gradebook as gradebook

    calls, book = {}, {"result": StandIn("gradebook")}

    def grade(spec, data, targets, **kwargs):
        calls.update(spec=spec, data=data, targets=targets, **kwargs)
        if isinstance(book["result"], Exception):
            raise book["result"]
        return book["result"]

    monkeypatch.setattr(gradebook, "grade", grade)
    return calls, book


def test_a_gradebook_grades_every_candidate_with_the_flags(capsys, graded, tmp_path):
    calls, book = graded
    book["result"].code = 1
    out = tmp_path / "grades.json"
    code = main(["--data", "synthetic", *FD, "--candidate", f"{LESSON}:backward", "--candidate", "m.py:bw",
                 "--seed", "4", "--jobs", "3", "--fd-mode", "directions", "--directions", "5", "--convention",
                 "cs231n", "--timeout", "2", "--memory", "1G", "--forbid-import", "jax", "--fuzz", "7",
                 "--format", "json", "--output", str(out), "--quiet"])
    capsys.readouterr()
    assert code == 1 and out.exists()
    assert calls["targets"] == [f"{LESSON}:backward", "m.py:bw"] and calls["oracles"] == FD[1:]
    assert (calls["seed"], calls["jobs"], calls["mode"], calls["directions"], calls["convention"]) == (
        4, 3, "directions", 5, "cs231n")
    assert (calls["timeout"], calls["memory"], calls["forbid"], calls["fuzz"]) == (2.0, 2**30, ("jax",), 7)
    assert calls["results"] == tmp_path / "grades.results" and calls["scheduler"] is None
    assert calls["status"] is None  # --quiet: no progress


def test_an_interrupted_gradebook_writes_its_rows_and_exits_130(capsys, graded):
    _, book = graded
    book["result"].interrupted = True
    code = main(["--data", "synthetic", *FD, "--candidate", "a.py:f", "--candidate", "b.py:f", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 130 and out.strip() and err.strip().splitlines()[-1] == "compare-frameworks: interrupted"


def test_a_gradebook_whose_cluster_or_results_fail_is_exit_2(capsys, graded):
    from oracles.shells.cluster import ClusterUnavailable
    from oracles.shells.results import ResultsError

    _, book = graded
    for error in (ClusterUnavailable("no dask here"), ResultsError("rows: not writable")):
        book["result"] = error
        assert refused(capsys, "--data", "synthetic", *FD, "--candidate", "a.py:f", "--candidate", "b.py:f") == \
            str(error)


def test_piped_a_gradebooks_status_goes_to_standard_error(capsys, graded, monkeypatch):
    import io

    calls, _ = graded
    monkeypatch.setattr("sys.stderr", io.StringIO())
    main(["--data", "synthetic", *FD, "--candidate", "a.py:f", "--candidate", "b.py:f", "--format", "json"])
    capsys.readouterr()
    assert callable(calls["status"])


@pytest.fixture
def forward_ran(monkeypatch):
    import oracles.families.forward as forward_family
    import properties.forward_laws as forward_laws

    calls, outcome = {}, {"error": None}

    def check(backward, forward, **kwargs):
        if outcome["error"]:
            raise forward_family.ForwardError(outcome["error"])
        calls["check"] = dict(backward=backward, forward=forward, **kwargs)
        return StandIn(code=1)

    def fuzz(candidate, forward, init, examples, **kwargs):
        calls["fuzz"] = dict(candidate=candidate, forward=forward, init=init, examples=examples, **kwargs)
        return SimpleNamespace(to_dict=lambda: {"draws": examples})

    monkeypatch.setattr(forward_family, "check", check)
    monkeypatch.setattr(forward_laws, "fuzz", fuzz)
    return calls, outcome


def test_forward_hands_the_forward_family_every_flag_that_applies(capsys, forward_ran):
    calls, _ = forward_ran
    shown = emitted(capsys, [*FORWARD, "--init", "i.py:init", "--data", "iris", "--target", "t", "--loss", "mse",
                             "--seed", "3", "--timeout", "2", "--memory", "1G", "--forbid-import", "torch",
                             "--mean-over-rows", "--fuzz", "5"], code=1)
    check = calls["check"]
    assert (check["backward"], check["forward"], check["init"], check["inputs"]) == (
        "bw.py:backward", "fw.py:loss", "i.py:init", None)
    assert (check["data"], check["target"], check["loss"], check["seed"]) == ("iris", "t", "mse", 3)
    assert (check["timeout"], check["memory"], check["forbid_import"], check["mean_over_rows"]) == (
        2.0, 2**30, ("torch",), True)
    fuzz = calls["fuzz"]
    assert (fuzz["candidate"], fuzz["forward"], fuzz["init"], fuzz["examples"], fuzz["seed"]) == (
        "bw.py:backward", "fw.py:loss", "i.py:init", 5, 3)
    assert (fuzz["data"], fuzz["target"], fuzz["loss"], fuzz["mean_over_rows"]) == ("iris", "t", "mse", True)
    assert (fuzz["timeout"], fuzz["memory"], fuzz["forbid_import"]) == (2.0, 2**30, ("torch",))
    assert shown["fuzz"] == {"draws": 5}


def test_forward_without_fuzz_draws_nothing_and_a_forward_error_is_exit_2(capsys, forward_ran):
    calls, outcome = forward_ran
    shown = emitted(capsys, [*FORWARD, "--inputs", "p.npz"], code=1)
    assert calls["check"]["inputs"] == "p.npz" and "fuzz" not in calls and shown["fuzz"] is None
    outcome["error"] = "fw.py: loss raised ZeroDivisionError at line 3"
    assert refused(capsys, *FORWARD) == "fw.py: loss raised ZeroDivisionError at line 3"


@pytest.fixture
def layer_ran(monkeypatch):
    import oracles.families.layers as layers

    calls, outcome = {}, {"error": None}

    def check_layer(kind, forward, backward, **kwargs):
        if outcome["error"]:
            raise layers.ForwardError(outcome["error"])
        calls.update(kind=kind, forward=forward, backward=backward, **kwargs)
        return StandIn(code=0)

    monkeypatch.setattr(layers, "check_layer", check_layer)
    return calls, outcome


def test_a_layer_hands_the_layer_family_every_flag_that_applies(capsys, layer_ran):
    calls, _ = layer_ran
    emitted(capsys, ["--layer", "conv", "--forward", "c.py:fw", "--candidate", "c.py:bw", "--layer-args",
                     '{"stride": 2}', "--seed", "3", "--fuzz", "4", "--timeout", "2", "--memory", "1G",
                     "--forbid-import", "torch", "--directions", "6"], code=0)
    assert (calls["kind"], calls["forward"], calls["backward"], calls["layer_args"]) == (
        "conv", "c.py:fw", "c.py:bw", {"stride": 2})
    assert (calls["seed"], calls["fuzz"], calls["timeout"], calls["memory"], calls["forbid_import"],
            calls["directions"]) == (3, 4, 2.0, 2**30, ("torch",), 6)


def test_a_loss_layer_is_its_own_forward_and_defaults_hold(capsys, layer_ran):
    calls, outcome = layer_ran
    emitted(capsys, ["--layer", "softmax_loss", "--candidate", "l.py:softmax_loss"], code=0)
    assert (calls["forward"], calls["backward"], calls["layer_args"], calls["fuzz"], calls["seed"]) == (
        "l.py:softmax_loss", "l.py:softmax_loss", {}, 0, 0)
    assert (calls["timeout"], calls["memory"], calls["forbid_import"], calls["directions"]) == (None, None, (), None)
    outcome["error"] = "l.py: softmax_loss returned 3 values"
    assert refused(capsys, "--layer", "softmax_loss", "--candidate", "l.py:f") == "l.py: softmax_loss returned 3 values"


# ---------------------------------------------------------------- printing

class Tabled(StandIn):
    def to_text(self, width):
        return f"table at width {width}\n"


def test_a_table_is_printed_whole_in_a_pipe_and_at_the_terminals_width_on_a_terminal(capsys, recorded, monkeypatch):
    import shutil

    _, result = recorded
    result["report"] = Tabled()
    assert main(["--data", "synthetic", *FD, "--quiet"]) == 0
    assert capsys.readouterr().out == "table at width 200\n"  # one newline: the table's own
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(80, 24): os.terminal_size((77, 24)))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["--data", "synthetic", *FD, "--quiet"]) == 0
    assert capsys.readouterr().out == "table at width 77\n"


def test_a_report_without_a_final_newline_gets_one(capsys, recorded):
    emitted_text = main(["--data", "synthetic", *FD, "--quiet", "--format", "json"])
    out = capsys.readouterr().out
    assert emitted_text == 0 and out.endswith("}\n") and not out.endswith("\n\n")


def test_every_stray_process_is_ended_keeping_the_oracle_children_before_the_report_is_written(capsys, recorded,
                                                                                               monkeypatch):
    from oracles import reaper

    kept = []
    monkeypatch.setattr(reaper, "end_strays", lambda keep: kept.append(keep))
    monkeypatch.setattr(background, "pids", lambda: {4242})
    emitted(capsys, ["--data", "synthetic", *FD])
    assert kept == [{4242}]


def test_a_device_is_written_in_place_not_replaced(tmp_path):
    written = []
    cli._atomic(Path("/dev/null"), written.append, "/dev/null")
    assert written == [Path("/dev/null")]

    def fails(path):
        raise OSError(28, "No space left on device")

    with pytest.raises(cli.UsageError, match="^/dev/null: cannot write: No space left on device$"):
        cli._atomic(Path("/dev/null"), fails, "/dev/null")


# ---------------------------------------------------------------- the help

def helps() -> dict:
    return {a.option_strings[0]: a for a in parser()._actions if a.option_strings}


def test_the_usage_names_the_command_and_what_it_checks():
    p = parser()
    assert p.prog == "compare-frameworks" and p.format_usage().startswith("usage: compare-frameworks ")
    assert all(word in p.description for word in ("backward", "finite differences", "PyTorch", "JAX"))


def test_the_data_help_names_every_packaged_data_set_the_stand_in_and_the_environment_variable():
    from reference.data import DATA_ENV, SYNTHETIC, packaged

    text = helps()["--data"].help
    assert all(name in text for name in packaged()) and SYNTHETIC in text and f"${DATA_ENV}" in text
    assert helps()["--data"].metavar == "DATA"


def test_the_plain_flags_help_and_metavars_say_what_they_take():
    h = helps()
    assert all(suffix.lstrip(".") in h["--plot"].help for suffix in cli.PLOT_FORMATS)
    assert h["--format"].help == cli.formats.help_text()
    assert "local" in h["--scheduler"].help and "tcp://" in h["--scheduler"].help
    assert ".results" in h["--results"].help and "glob" in h["--candidate"].help
    assert (h["--results"].metavar, h["--scheduler"].metavar, h["--fuzz"].metavar, h["--replay"].metavar) == (
        "DIR", "ADDRESS", "N", "LINE")
    for flag in ("--glob", "--no-isolation", "--quiet", "--bug-zoo", "--output", "--candidate"):
        assert h[flag].help, flag
    assert h["--candidate"].default is None and h["--glob"].default is False


def test_every_help_text_is_in_argparses_style_lowercase_first_and_no_closing_period():
    import re

    for action in parser()._actions:
        text = action.help
        assert re.match(r"[a-z]", text) and re.search(r"[a-z0-9)'\]]$", text), (action.dest, text)
        assert "  " not in text and "\n" not in text, action.dest


def test_the_defaults_the_help_states_are_the_ones_that_apply():
    from oracles import policy

    h = helps()
    assert f"(default {policy.FD_DIRECTIONS})" in h["--directions"].help
    assert f"(default {policy.WORKER_MEMORY_BYTES // 2**30}G)" in h["--memory"].help
    assert f"default: {policy.WORKER_CALL_TIMEOUT_S:g} s" in h["--timeout"].help
    assert f"(default {options.SETTINGS['seed'].default})" in h["--seed"].help
    assert f"(default: {', '.join(options.SETTINGS['oracles'].default)})" in h["--oracles"].help
    assert "Outcome" in h["--target"].help and "float64 (default)" in h["--dtype"].help


def test_the_metavars_say_what_each_value_is():
    shown = {name: s.shown for name, s in options.SETTINGS.items() if not s.choices and not s.switch}
    assert shown == {"target": "TARGET", "l2": "C", "hidden": "HIDDEN", "seed": "SEED", "oracles": "ORACLES",
                     "directions": "K", "jobs": "N", "timeout": "SECONDS", "memory": "SIZE",
                     "forward": "FILE.py:FUNCTION", "init": "FILE.py:FUNCTION", "inputs": "FILE.npz",
                     "layer_args": "JSON", "forbid_import": "MODULES"}
    assert options.SETTINGS["layer"].metavar == "KIND"
