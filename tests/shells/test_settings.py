"""Options declared once (oracles.options.SETTINGS): the CLI, the notebook API and the pytest plugin
take their flags, keywords, defaults, help and validation from the same entry."""
from __future__ import annotations

import inspect

import pytest

from oracles import options

from oracles.shells import api, pytest_plugin
from oracles.shells.cli import main, parser
from oracles.options import SETTINGS


def _actions() -> dict:
    return {a.dest: a for a in parser()._actions}


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_setting_is_a_cli_flag_with_its_default_and_help(name):
    action = _actions()[name]
    assert action.option_strings == [SETTINGS[name].flag]
    assert action.default == SETTINGS[name].default and action.help == SETTINGS[name].help


@pytest.mark.parametrize("name", [n for n in SETTINGS if not SETTINGS[n].switch])
def test_every_valued_setting_shows_its_placeholder_in_the_cli_help(name):
    assert _actions()[name].metavar == SETTINGS[name].shown


@pytest.mark.parametrize("fn", [api.check, api.fuzz], ids=["check", "fuzz"])
def test_the_api_keywords_that_are_settings_default_as_the_settings_do(fn):
    shared = [p for p in inspect.signature(fn).parameters.values() if p.name in SETTINGS]
    assert len(shared) >= 12
    for p in shared:  # oracles=None is "every oracle", the setting's default
        assert p.default == SETTINGS[p.name].default or (p.name == "oracles" and p.default is None), p.name


def test_every_ini_setting_is_a_plugin_ini_key_with_its_help():
    class Recorder:
        def __init__(self):
            self.ini = {}

        def getgroup(self, *args):
            return self

        def addoption(self, *args, **kwargs):
            pass

        def addini(self, name, help, default=None):
            self.ini[name] = help

    recorder = Recorder()
    pytest_plugin.pytest_addoption(recorder)
    wanted = {s.ini_key: s.help for s in SETTINGS.values() if s.ini}
    assert {"backprop_loss", "backprop_l2", "backprop_dtype", "backprop_target"} <= set(wanted)
    assert {k: recorder.ini[k] for k in wanted} == wanted


@pytest.mark.parametrize("name, bad", [("l2", "-1"), ("loss", "hinge"), ("hidden", "16x"), ("memory", "1T")])
def test_a_bad_value_is_refused_in_the_same_words_by_the_cli_and_the_api(name, bad, capsys):
    with pytest.raises(ValueError) as refused:
        options.validate(**{name: bad})
    assert str(refused.value).startswith(f"{name} ")
    assert main([SETTINGS[name].flag, bad]) == 2
    line = capsys.readouterr().err.strip()
    assert line == f"compare-frameworks: error: argument {SETTINGS[name].flag}: {SETTINGS[name].flag}" \
                   f"{str(refused.value)[len(name):]}"
