"""Adding a region is copying one folder and editing region.hcl: every region holds the same units,
and every unit file (and every region.hcl, env.hcl) has the same structure as its siblings, with
only values allowed to differ. Files are read with an HCL parser, not regular expressions."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import hcl2
import pytest
from toolchain_helpers import ROOT, run_tool

sys.path.insert(0, str(ROOT / "scripts"))

from release.stack import region_filter

LIVE = ROOT / "live"
ENVIRONMENTS = sorted(path.parent for path in LIVE.glob("*/env.hcl"))
REGIONS = sorted(path.parent for path in LIVE.glob("*/*/region.hcl"))
UNIT_FILES = sorted(LIVE.glob("*/*/*/terragrunt.hcl"))


def shape(value: Any) -> Any:
    """The structure of a parsed HCL value with every literal replaced by its type."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items() if not key.startswith("__")}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def parse(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle)


def test_the_live_tree_is_not_empty():
    assert len(ENVIRONMENTS) >= 4
    assert len(UNIT_FILES) == 5 * len(REGIONS)


@pytest.mark.parametrize("unit", ["buckets", "iam", "layer", "network", "function"])
def test_a_unit_is_the_same_file_in_every_region(unit):
    files = [path for path in UNIT_FILES if path.parent.name == unit]
    assert len(files) == len(REGIONS)
    parsed = {str(path.relative_to(LIVE)): parse(path) for path in files}
    reference = next(iter(parsed.values()))
    differing = [name for name, config in parsed.items() if config != reference]
    assert not differing, f"differs from its siblings: {differing}"


def test_every_unit_folder_is_one_of_the_five_units():
    unknown = [
        path
        for path in UNIT_FILES
        if path.parent.name not in {"buckets", "iam", "layer", "network", "function"}
    ]
    assert not unknown
    stray = [path for path in LIVE.glob("*/*/*") if path.is_dir() and not (path / "terragrunt.hcl").exists()]
    assert not stray, f"folders without a unit: {stray}"


def test_every_region_hcl_has_the_same_structure():
    shapes = {str(path.relative_to(LIVE)): shape(parse(path / "region.hcl")) for path in REGIONS}
    assert len({json.dumps(value, sort_keys=True) for value in shapes.values()}) == 1, shapes


def test_every_real_environment_has_the_same_settings():
    settings = {
        path.name: set(parse(path / "env.hcl")["locals"][0]["settings"])
        for path in ENVIRONMENTS
        if path.name != "local"
    }
    assert len({frozenset(keys) for keys in settings.values()}) == 1, settings


def test_a_single_region_is_selected_by_terragrunts_own_filter():
    found = run_tool(
        ["terragrunt", "find", "--no-color", "--filter", region_filter("eu-west-1")], cwd=LIVE / "prod"
    )

    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [
        f"eu-west-1/{unit}" for unit in ("buckets", "function", "iam", "layer", "network")
    ]


def test_a_copied_region_folder_is_picked_up_as_a_region(tmp_path):
    """What the README's "add a region" step does, in a copy of the tree."""
    copy = tmp_path / "repo"
    shutil.copytree(LIVE, copy / "live", ignore=shutil.ignore_patterns(".terragrunt-cache"))
    shutil.copy(ROOT / "terragrunt.hcl", copy / "terragrunt.hcl")
    (copy / ".git").mkdir()  # get_repo_root() looks for it
    new_region = copy / "live" / "prod" / "us-east-2"
    shutil.copytree(copy / "live" / "prod" / "eu-west-1", new_region)
    (new_region / "region.hcl").write_text('locals {\n  aws_region = "us-east-2"\n}\n')

    found = run_tool(["terragrunt", "find", "--no-color", "--dag"], cwd=copy / "live" / "prod")

    assert found.returncode == 0, found.stderr
    assert {line.split("/")[0] for line in found.stdout.split()} == {"eu-central-1", "eu-west-1", "us-east-2"}
