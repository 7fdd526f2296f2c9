"""oracles.options, one parser at a time: what each accepts (and returns, canonical), where each
bound lies, and that a refusal is one ValueError/TypeError naming where the value was given and
the value itself. The shells' use of these parsers is tested in test_settings.py and test_cli.py."""
from __future__ import annotations

import numpy as np
import pytest

from oracles import options, registry
from oracles.options import SETTINGS


def refused(kind, parse, *args, **kwargs):
    """The message of the one ``kind`` error ``parse(*args, **kwargs)`` raises."""
    with pytest.raises(kind) as caught:
        parse(*args, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------- hidden

@pytest.mark.parametrize("value, widths", [
    ("16", (16,)), ("64,64", (64, 64)), (" 8 , 4 ,3", (8, 4, 3)), (16, (16,)), (np.int64(5), (5,)),
    ((64, 64), (64, 64)), ([3, 2], (3, 2)), ((np.int32(7),), (7,)), (range(1, 3), (1, 2)),
])
def test_hidden_takes_a_width_a_comma_string_or_a_sequence_and_returns_a_tuple_of_ints(value, widths):
    got = options.hidden(value, "--hidden")
    assert got == widths and type(got) is tuple and all(type(w) is int for w in got)


@pytest.mark.parametrize("value", ["16x", "", "16,", "-3", "1.5", "a,b"])
def test_hidden_refuses_a_string_that_is_not_a_list_of_widths_naming_where_and_the_value(value):
    message = refused(ValueError, options.hidden, value, "--hidden")
    assert message.startswith("--hidden ") and repr(value) in message


@pytest.mark.parametrize("value", [0, (16, 0), "0", "4,0", (), -2])
def test_hidden_refuses_a_width_below_one_or_no_width(value):
    message = refused(ValueError, options.hidden, value, "hidden")
    assert message.startswith("hidden ") and "positive" in message


@pytest.mark.parametrize("value, shown", [(1.5, "float"), (None, "NoneType"), (True, "bool")])
def test_hidden_refuses_a_value_that_is_neither_a_width_nor_a_sequence_naming_its_type(value, shown):
    message = refused(TypeError, options.hidden, value, "hidden")
    assert message.startswith("hidden ") and message.endswith(f"got {shown}")


@pytest.mark.parametrize("value", [(16, 1.5), [16, "4"], (16, True)])
def test_hidden_refuses_a_sequence_holding_anything_but_whole_widths(value):
    message = refused(TypeError, options.hidden, value, "hidden")
    assert message.startswith("hidden ") and message.endswith(repr(tuple(value)))


def test_hidden_names_hidden_by_default():
    assert refused(ValueError, options.hidden, "x").startswith("hidden ")


# ---------------------------------------------------------------- oracles, choice

def test_oracles_none_is_the_default_three_and_a_list_keeps_its_order():
    assert options.oracles(None) == registry.NAMES == ("finite-differences", "torch", "jax")
    assert options.oracles("jax, torch") == ("jax", "torch")
    assert options.oracles(["autograd"]) == ("autograd",)
    assert options.oracles(("torch", "finite-differences")) == ("torch", "finite-differences")


@pytest.mark.parametrize("value", ["mxnet", "torch,mxnet", "", []])
def test_oracles_refuses_an_unknown_name_or_none_naming_every_known_one(value):
    message = refused(ValueError, options.oracles, value, "--oracles")
    assert message.startswith("--oracles takes ") and ", ".join(registry.BY_NAME) in message
    assert message.endswith(repr(value))


def test_oracles_refuses_a_name_given_twice():
    message = refused(ValueError, options.oracles, "torch,jax,torch", "--oracles")
    assert message.startswith("--oracles ") and "twice" in message and "'torch,jax,torch'" in message
    assert refused(ValueError, options.oracles, ["jax", "jax"]).startswith("oracles ")


def test_choice_returns_an_allowed_value_and_refuses_another_listing_the_allowed():
    assert options.choice("b", ("a", "b"), "--x") == "b"
    message = refused(ValueError, options.choice, "c", ("a", "b"), "--x")
    assert message.startswith("--x ") and "a, b" in message and message.endswith("'c'")


# ---------------------------------------------------------------- seed

@pytest.mark.parametrize("value, seed", [(0, 0), ("7", 7), (" 12 ", 12), (2**32 - 1, 2**32 - 1),
                                         (np.int64(3), 3), (str(2**32 - 1), 2**32 - 1)])
def test_seed_takes_a_whole_number_from_0_to_2_to_the_32_minus_1(value, seed):
    got = options.seed(value, "--seed")
    assert got == seed and type(got) is int


@pytest.mark.parametrize("value", [-1, "-1", 2**32, str(2**32), 1.0, "1.5", "x", True, None, ""])
def test_seed_refuses_anything_else_naming_where_and_the_value(value):
    message = refused(ValueError, options.seed, value, "--seed")
    shown = int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else value  # a number read
    assert message.startswith("--seed ") and "0..2**32-1" in message and message.endswith(repr(shown))
    assert refused(ValueError, options.seed, value).startswith("seed ")


# ---------------------------------------------------------------- positive, count and its bounds

@pytest.mark.parametrize("value, number", [(1, 1.0), ("2.5", 2.5), (1e-9, 1e-9), ("30", 30.0)])
def test_positive_takes_a_positive_finite_number(value, number):
    got = options.positive(value, "--timeout")
    assert got == number and type(got) is float


@pytest.mark.parametrize("value", [0, -1, "0", "inf", float("inf"), float("nan"), "x", None, True, [1]])
def test_positive_refuses_zero_negatives_infinity_non_numbers_and_booleans(value):
    message = refused(ValueError, options.positive, value, "--timeout")
    assert message.startswith("--timeout ") and "positive" in message and message.endswith(repr(value))


@pytest.mark.parametrize("value, number", [(1, 1), ("3", 3), (" 4 ", 4), (np.int64(9), 9)])
def test_count_takes_a_positive_whole_number(value, number):
    got = options.count(value, "--n")
    assert got == number and type(got) is int


@pytest.mark.parametrize("value", [0, "0", -1, "-1", 1.0, "1.5", "x", True, None])
def test_count_refuses_anything_but_a_positive_whole_number(value):
    message = refused(ValueError, options.count, value, "--n")
    shown = int(value) if isinstance(value, str) and value.isdigit() else value  # a number read
    assert message.startswith("--n ") and message.endswith(repr(shown))


def test_count_holds_its_most_inclusive_and_names_the_range():
    assert options.count(5, "--n", 5) == 5 and options.count("5", "--n", None) == 5
    message = refused(ValueError, options.count, 6, "--n", 5)
    assert message.startswith("--n ") and "1..5" in message and message.endswith("6")


@pytest.mark.parametrize("parse, name, most", [(options.directions, "directions", options.MAX_DIRECTIONS),
                                               (options.jobs, "jobs", options.MAX_JOBS),
                                               (options.examples, "examples", options.MAX_EXAMPLES)])
def test_directions_jobs_and_examples_are_counts_up_to_their_own_bound(parse, name, most):
    assert parse(1) == 1 and parse(most) == most and parse(str(most)) == most
    message = refused(ValueError, parse, most + 1)
    assert message.startswith(f"{name} ") and f"1..{most}" in message
    assert refused(ValueError, parse, 0, "--flag").startswith("--flag ")


def test_the_bounds_are_the_documented_numbers():
    assert (options.MAX_SEED, options.MAX_MEMORY, options.MAX_DIRECTIONS, options.MAX_JOBS,
            options.MAX_EXAMPLES, options.MAX_ARRAY_BYTES) == (2**32, 2**40, 4096, 256, 100_000, 2**30)


# ---------------------------------------------------------------- footprint, fits

def test_footprint_counts_inputs_targets_params_a_gradient_activations_and_directions_in_float64_bytes():
    # 3-4-2 on 5 rows: inputs and targets 5*(3+2); params 3*4+4 + 4*2+2 = 26, twice (a gradient);
    # activations 2*5*(4+2); 7 directions per parameter 7*26
    assert options.footprint((3, 4, 2), 5) == 8 * (25 + 52 + 60)
    assert options.footprint((3, 4, 2), 5, 7) == 8 * (25 + 52 + 60 + 7 * 26)
    assert options.footprint(["3", "4", "2"], 5) == options.footprint((3, 4, 2), 5)
    assert options.footprint((10, 1), 1) == 8 * (11 + 22 + 2)


def test_fits_is_silent_up_to_the_limit_and_refuses_beyond_it_naming_where_the_shape_and_the_rows(monkeypatch):
    need = options.footprint((8, 16, 1), 768)
    monkeypatch.setattr(options, "MAX_ARRAY_BYTES", need)
    assert options.fits((8, 16, 1), 768) is None  # exactly at the limit: fits
    message = refused(ValueError, options.fits, (8, 16, 1), 769, 0, "--hidden 16")
    assert message.startswith("--hidden 16: ") and "8-16-1" in message and "769 rows" in message
    assert "directions" not in message
    with_directions = refused(ValueError, options.fits, (8, 16, 1), 768, 3)
    assert with_directions.startswith("the problem: ") and "3 directions" in with_directions


def test_fits_names_the_need_and_the_limit_in_gib():
    message = refused(ValueError, options.fits, (1000, 1000, 1000, 1), 200_000)
    need = options.footprint((1000, 1000, 1000, 1), 200_000) / 2**30
    assert f"{need:.3g} GiB" in message and "1 GiB" in message


# ---------------------------------------------------------------- size

@pytest.mark.parametrize("value, number", [("64M", 64 * 2**20), ("4G", 4 * 2**30), ("4g", 4 * 2**30),
                                           ("65536K", 64 * 2**20), ("65536k", 64 * 2**20),
                                           ("1024G", 2**40), (2**30, 2**30), (str(2**27), 2**27),
                                           ("0.5G", 2**29), (float(2**30), 2**30)])
def test_size_takes_bytes_or_a_k_m_g_suffix_from_64m_to_1024g(value, number):
    got = options.size(value, "--memory")
    assert got == number and type(got) is int


@pytest.mark.parametrize("value", ["63M", "1025G", 2**40 + 1, "12", "1T", "G", "xM", "", None, True, "inf", "-4G"])
def test_size_refuses_anything_outside_64m_to_1024g_naming_where_and_the_value(value):
    message = refused(ValueError, options.size, value, "--memory")
    assert message.startswith("--memory ") and "64M to 1024G" in message and message.endswith(repr(value))
    assert refused(ValueError, options.size, value).startswith("memory ")


# ---------------------------------------------------------------- modules, yes_no

def test_modules_takes_a_comma_list_or_a_sequence_of_dotted_names_and_nothing_as_none():
    assert options.modules("torch, jax.numpy") == ("torch", "jax.numpy")
    assert options.modules(["autograd"]) == ("autograd",)
    assert options.modules("") == () and options.modules(None) == () and options.modules([]) == ()


@pytest.mark.parametrize("value", ["torch,", "1torch", "jax..numpy", "a-b", [3], ["torch", None]])
def test_modules_refuses_a_name_that_is_not_importable(value):
    message = refused(ValueError, options.modules, value, "--forbid-import")
    assert message.startswith("--forbid-import ") and message.endswith(repr(value))
    assert refused(ValueError, options.modules, value).startswith("forbid_import ")


@pytest.mark.parametrize("value, answer", [(True, True), (False, False), ("true", True), ("Yes", True),
                                           (" 1 ", True), ("FALSE", False), ("no", False), ("0", False)])
def test_yes_no_takes_a_boolean_or_its_ini_words(value, answer):
    assert options.yes_no(value, "bias") is answer


@pytest.mark.parametrize("value", [1, 0, "maybe", "", None, "y"])
def test_yes_no_refuses_anything_else_naming_where_and_the_value(value):
    message = refused(ValueError, options.yes_no, value, "ini backprop_bias")
    assert message.startswith("ini backprop_bias ") and message.endswith(repr(value))


# ---------------------------------------------------------------- l2

@pytest.mark.parametrize("value, number", [(0, 0.0), ("0", 0.0), ("0.05", 0.05), (8, 8.0), ("8", 8.0),
                                           (np.float32(0.5), 0.5)])
def test_l2_takes_a_number_from_0_to_8(value, number):
    got = options.l2(value, "--l2")
    assert got == number and type(got) is float


@pytest.mark.parametrize("value", [-1, "-0.1", "nan", "inf", "x", None, True])
def test_l2_refuses_a_negative_non_finite_non_number_or_boolean(value):
    message = refused(ValueError, options.l2, value, "--l2")
    assert message.startswith("--l2 ") and ">= 0" in message and message.endswith(repr(value))


@pytest.mark.parametrize("value", [8.000001, "9", 1e11])
def test_l2_refuses_beyond_the_bound_naming_it(value):
    message = refused(ValueError, options.l2, value)
    assert message.startswith("l2 ") and "0 to 8," in message and repr(value) in message


# ---------------------------------------------------------------- forward family's values

def test_function_target_takes_a_function_or_a_file_or_module_colon_function():
    def f():
        pass

    assert options.function_target(f, "--forward") is f
    for text in ("m.py:loss", "pkg.mod:loss", "dir/sub [1]/m.py:Cls.method", "C:\\x\\m.py:f"):
        assert options.function_target(text, "--forward") == text


@pytest.mark.parametrize("value", ["m.py", ":loss", "m.py:", "m.py:not-a-name", "m.py:1f"])
def test_function_target_refuses_a_string_without_file_and_function(value):
    message = refused(ValueError, options.function_target, value, "--forward")
    assert message.startswith("--forward ") and message.endswith(repr(value))


def test_function_target_refuses_a_value_that_is_neither_naming_its_type():
    assert refused(TypeError, options.function_target, 3, "init").startswith("init ")
    assert refused(TypeError, options.function_target, 3, "init").endswith("got int")


def test_point_inputs_takes_an_npz_path_or_a_dict_of_arrays_keyed_by_name(tmp_path):
    arrays = {"X": np.zeros(2)}
    assert options.point_inputs(arrays, "inputs") is arrays
    assert options.point_inputs("p.npz", "--inputs") == "p.npz"
    got = options.point_inputs(tmp_path / "p.npz", "--inputs")
    assert got == str(tmp_path / "p.npz") and type(got) is str


def test_point_inputs_refuses_other_files_non_string_keys_and_other_types():
    message = refused(ValueError, options.point_inputs, "p.csv", "--inputs")
    assert message.startswith("--inputs ") and message.endswith("'p.csv'")
    assert refused(TypeError, options.point_inputs, {1: np.zeros(2)}, "inputs").endswith("[1]")
    assert refused(TypeError, options.point_inputs, 3, "inputs").endswith("got int")


def test_layer_args_takes_a_json_object_or_a_dict():
    assert options.layer_args('{"stride": 2, "pad": 1}') == {"stride": 2, "pad": 1}
    given = {"p": 0.5}
    assert options.layer_args(given) is given
    assert options.layer_args("{}") == {}


def test_layer_args_refuses_bad_json_and_anything_but_an_object_keyed_by_name():
    message = refused(ValueError, options.layer_args, "{stride: 2}", "--layer-args")
    assert message.startswith("--layer-args ") and "'{stride: 2}'" in message
    assert refused(TypeError, options.layer_args, "[1, 2]", "--layer-args").endswith("got list")
    assert refused(TypeError, options.layer_args, {1: 2}).startswith("layer_args ")
    assert refused(TypeError, options.layer_args, 3).endswith("got int")


def test_mean_over_rows_true_without_forward_is_a_type_error_and_false_is_silent():
    assert options.refuse_mean_over_rows(False) is None and options.refuse_mean_over_rows("no") is None
    message = refused(TypeError, options.refuse_mean_over_rows, True)
    assert message.startswith("mean_over_rows=True ") and message.endswith("reduction=")
    refused(ValueError, options.refuse_mean_over_rows, "maybe")


# ---------------------------------------------------------------- settings, validate, refuse_with_forward

def test_a_setting_shows_its_choices_or_metavar_or_its_name_and_its_flag_and_ini_key():
    assert SETTINGS["loss"].shown == "{" + ",".join(SETTINGS["loss"].choices) + "}"
    assert SETTINGS["l2"].shown == "C" and SETTINGS["hidden"].shown == "HIDDEN"
    assert SETTINGS["fd_mode"].flag == "--fd-mode" and SETTINGS["layer_args"].flag == "--layer-args"
    assert SETTINGS["bias"].flag == "--no-bias"  # a switch on by default: its flag turns it off
    assert SETTINGS["mean_over_rows"].flag == "--mean-over-rows"  # off by default: its flag turns it on
    assert SETTINGS["dtype"].ini_key == "backprop_dtype" and SETTINGS["fd_mode"].ini_key == "backprop_fd_mode"


def test_the_settings_defaults_and_which_are_ini_keys_and_switches():
    defaults = {name: s.default for name, s in SETTINGS.items()}
    assert defaults == {"target": None, "loss": "bce", "reduction": "mean", "l2": 0.0, "convention": "lesson",
                        "hidden": (16,), "bias": True, "activation": "relu", "seed": 0, "dtype": "float64",
                        "oracles": registry.NAMES, "fd_mode": "auto", "directions": None, "jobs": 1,
                        "timeout": None, "memory": None, "forward": None, "init": None, "inputs": None,
                        "layer": None, "layer_args": None, "mean_over_rows": False, "forbid_import": ()}
    assert {n for n, s in SETTINGS.items() if s.ini} == {"target", "loss", "reduction", "l2", "convention",
                                                         "bias", "dtype"}
    assert {n for n, s in SETTINGS.items() if s.switch} == {"bias", "mean_over_rows"}
    assert options.FD_MODES == ("auto", "exhaustive", "directions")


def test_every_setting_parses_its_own_default_back_to_itself():
    for name, setting in SETTINGS.items():
        if name == "layer":  # no layer: argparse keeps a default it is not given as text
            continue
        assert setting.parse(setting.default, name) == setting.default, name


def test_optional_settings_keep_none_and_parse_anything_else():
    for name in ("target", "directions", "timeout", "memory", "forward", "init", "inputs", "layer_args"):
        assert SETTINGS[name].parse(None, name) is None, name
    assert SETTINGS["directions"].parse("8", "--directions") == 8
    assert SETTINGS["timeout"].parse("2", "--timeout") == 2.0
    assert SETTINGS["memory"].parse("1G", "--memory") == 2**30
    assert SETTINGS["target"].parse("Outcome", "--target") == "Outcome"
    assert refused(TypeError, SETTINGS["target"].parse, 3, "target").endswith("got int")
    assert refused(ValueError, SETTINGS["directions"].parse, "0", "--directions").startswith("--directions ")


def test_the_picked_settings_take_their_choices_only():
    for name in ("loss", "reduction", "convention", "activation", "dtype", "fd_mode", "layer"):
        setting = SETTINGS[name]
        for allowed in setting.choices:
            assert setting.parse(allowed, name) == allowed
        assert refused(ValueError, setting.parse, "nonesuch", f"--{name}").startswith(f"--{name} must be one of ")
    assert SETTINGS["layer"].choices == options.LAYERS and "conv" in options.LAYERS


def test_a_choice_setting_keeps_the_rest_of_its_declaration():
    # built here, not read from SETTINGS: SETTINGS is built once, when the module is imported
    setting = options._pick("colour", ("red", "blue"), "red", "the colour", ini=True, metavar="HUE", switch=False)
    assert (setting.name, setting.default, setting.help, setting.choices) == ("colour", "red", "the colour", ("red", "blue"))
    assert setting.ini and setting.metavar == "HUE" and setting.ini_key == "backprop_colour"
    assert setting.parse("blue", "--colour") == "blue"
    assert refused(ValueError, setting.parse, "green", "--colour").startswith("--colour ")
    assert not options._pick("shade", ("a",), "a", "a shade").ini  # not an ini key unless declared one


def test_validate_parses_each_keyword_by_its_setting_under_its_own_name():
    assert options.validate() == {}
    assert options.validate(hidden="8,4", seed="3", memory="1G", oracles="jax", bias="no") == \
        {"hidden": (8, 4), "seed": 3, "memory": 2**30, "oracles": ("jax",), "bias": False}
    assert refused(ValueError, options.validate, **{"jobs": 0}).startswith("jobs ")
    with pytest.raises(KeyError):
        options.validate(colour="red")


def test_refuse_with_forward_names_the_first_keyword_off_its_default_and_passes_defaults():
    def fn(*, hidden=(16,), l2=0.0, oracles=None, activation="relu"):
        pass

    assert options.refuse_with_forward(fn, hidden=(16,), l2=0.0, oracles=None, activation="relu") is None
    message = refused(TypeError, options.refuse_with_forward, fn, hidden=(16,), l2=0.5)
    assert message.startswith("l2=0.5 ") and "forward=" in message
    assert refused(TypeError, options.refuse_with_forward, fn, hidden=[16]).startswith("hidden=[16] ")
    assert refused(TypeError, options.refuse_with_forward, fn, l2=0).startswith("l2=0 ")  # an int is not the float default
    assert refused(TypeError, options.refuse_with_forward, fn, oracles=np.zeros(3)).startswith("oracles=")
    # a tuple holding an array: comparing it with the default tuple cannot say equal, so it is off its default
    assert refused(TypeError, options.refuse_with_forward, fn, hidden=(np.zeros(2),)).startswith("hidden=")
    assert refused(TypeError, options.refuse_with_forward, fn, activation="tanh").startswith("activation='tanh' ")


def test_the_l2_bound_is_the_policys():
    from oracles import policy

    assert options.MAX_L2 == policy.MAX_L2 == 8.0


def test_the_help_of_a_choice_lists_the_choices_and_the_heads_say_what_they_are():
    from reference.heads import OUTPUTS
    from reference.model import ACTIVATIONS

    assert SETTINGS["activation"].help.endswith(", ".join(ACTIVATIONS))
    assert ", ".join(f"{o.name} ({o.summary})" for o in OUTPUTS.values()) in SETTINGS["loss"].help
    assert SETTINGS["target"].help.endswith(", ".join(f"{o.target_words} for {o.name}" for o in OUTPUTS.values()))
    assert f"comma list of {', '.join(registry.BY_NAME)} (default: {', '.join(registry.NAMES)})" == \
        SETTINGS["oracles"].help
