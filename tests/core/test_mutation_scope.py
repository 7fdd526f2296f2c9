"""The mutation testing's scope (.ci/mutation, pyproject's [tool.mutmut]): the same modules in both,
every module a verdict depends on among them, and each shard's tests present."""
from __future__ import annotations

import importlib.util
import tomllib
from importlib.machinery import SourceFileLoader
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = ROOT / ".ci" / "mutation"

# what a verdict, or what a user reads of it, depends on beyond the first twelve: the head, the framework
# oracles, the renderers, the options, the gradebook and the other shells, the properties beyond the laws
BEYOND_THE_CORE = ("reference/heads.py", "oracles/torch_oracle.py", "oracles/jax_oracle.py", "oracles/autograd_oracle.py",
                   "oracles/formats.py", "oracles/junit.py", "oracles/options.py", "oracles/shells/gradebook.py",
                   "oracles/shells/results.py", "oracles/shells/cli.py", "oracles/shells/api.py",
                   "oracles/shells/pytest_plugin.py", "properties/fuzz.py", "properties/strategies.py")
# scope widened: core-adjacent modules (the session that asks the candidate, the registry of oracles, the
# diagnosis's per-layer, precision, NaN-origin and bias-by-value findings, the background torch oracle, the
# reference in every layout, and the data a verdict is computed on)
CORE_ADJACENT = ("oracles/session.py", "oracles/registry.py", "oracles/per_layer.py", "oracles/precision.py",
                 "oracles/nan_origin.py", "oracles/bias_contract.py", "oracles/background.py", "properties/speakers.py",
                 "reference/data.py", "reference/model.py")

# the two families beyond the network: every module of each but the names (no code) and the package files
FAMILIES = tuple(f"oracles/families/forward/{m}.py" for m in ("judge", "sides", "points", "run", "diagnosis", "report")) + \
    tuple(f"oracles/families/layers/{m}.py" for m in ("kinds", "frameworks", "run", "mistakes", "ties", "sides",
                                                       "directions", "laws", "report", "structure"))


@pytest.fixture(scope="module")
def mutation():
    if not SCRIPT.is_file():  # an installed copy has no .ci/
        pytest.skip(".ci/mutation is not here")
    spec = importlib.util.spec_from_loader("ci_mutation", SourceFileLoader("ci_mutation", str(SCRIPT)))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(mutation) -> set:
    return {file for file, _ in mutation.SHARDS.values()}


def test_pyproject_mutates_exactly_the_shards_modules(mutation):
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]["only_mutate"]
    assert sorted(listed) == sorted(_files(mutation))


def test_the_scope_holds_the_modules_beyond_the_core_a_verdict_depends_on(mutation):
    assert set(BEYOND_THE_CORE) <= _files(mutation)
    assert len(mutation.CORE) == 12 and set(mutation.CORE) <= set(mutation.SHARDS)


def test_the_scope_holds_the_core_adjacent_modules_each_in_a_shard_of_its_own(mutation):
    files = [file for file, _ in mutation.SHARDS.values()]
    assert set(CORE_ADJACENT) <= set(files)
    assert all(files.count(file) == 1 for file in CORE_ADJACENT)
    assert {shard for shard, (file, _) in mutation.SHARDS.items() if file in CORE_ADJACENT} == {
        "session", "registry", "per_layer", "precision", "nan_origin", "bias_contract", "background", "speakers", "data",
        "model"}


def test_every_shard_names_a_module_and_test_files_that_exist(mutation):
    for shard, (file, tests) in mutation.SHARDS.items():
        assert (ROOT / file).is_file(), shard
        assert [t for t in tests if t.startswith("tests/") and not (ROOT / t.partition("::")[0]).is_file()] == [], shard


def test_a_mutants_name_finds_its_shard_even_in_a_subpackage(mutation):
    for shard, (file, _) in mutation.SHARDS.items():
        name = file.removesuffix(".py").replace("/", ".") + ".x_main__mutmut_1"
        assert mutation.shard_of(name) == shard


def test_a_shard_of_the_reference_walks_the_reference_and_does_not_copy_it_over(mutation, tmp_path):
    section = mutation.mutmut_section(tmp_path, "reference/heads.py", [])
    assert 'source_paths = ["oracles", "properties", "reference"]' in section and '"reference/"' not in section
    assert '"reference/"' in mutation.mutmut_section(tmp_path, "oracles/junit.py", [])


def test_the_scope_holds_every_module_of_the_forward_and_layers_families(mutation):
    assert set(FAMILIES) <= _files(mutation)
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "oracles" / "families").glob("*/*.py")
               if p.name not in ("__init__.py", "names.py")}
    assert on_disk == set(FAMILIES)


def test_a_shard_of_a_family_module_walks_oracles_and_copies_the_reference(mutation, tmp_path):
    section = mutation.mutmut_section(tmp_path, "oracles/families/layers/ties.py", [])
    assert 'only_mutate = ["oracles/families/layers/ties.py"]' in section
    assert 'source_paths = ["oracles", "properties"]' in section and '"reference/"' in section
