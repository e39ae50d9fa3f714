"""The live tree, as Terragrunt itself discovers it: every region has the five units, and the
dependency graph Terragrunt reports orders them buckets -> (iam, layer, network) -> function, the
function depending on the network only where env.hcl turns VPC mode on."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest
from toolchain_helpers import ROOT, run_tool

LIVE = ROOT / "live"
UNITS = {"buckets", "iam", "layer", "network", "function"}


def expected_dependencies(vpc_enabled: bool) -> dict[str, set[str]]:
    return {
        "buckets": set(),
        "iam": {"buckets"},
        "layer": {"buckets"},
        "network": {"buckets"},
        "function": {"buckets", "iam", "layer"} | ({"network"} if vpc_enabled else set()),
    }


def vpc_enabled(environment: Path) -> bool:
    with (environment / "env.hcl").open(encoding="utf-8") as handle:
        return hcl2.load(handle)["locals"][0]["vpc_enabled"]


def environments() -> list[Path]:
    return sorted(path.parent for path in LIVE.glob("*/env.hcl"))


def regions() -> list[Path]:
    return sorted(path.parent for path in LIVE.glob("*/*/region.hcl"))


def terragrunt_units(working_dir: Path) -> list[dict]:
    found = run_tool(
        ["terragrunt", "find", "--dag", "--dependencies", "--json", "--no-color"], cwd=working_dir
    )
    assert found.returncode == 0, found.stdout + found.stderr
    return json.loads(found.stdout)


def test_the_expected_environments_and_regions_exist():
    layout = {str(region.relative_to(LIVE)) for region in regions()}
    assert layout == {
        "dev/eu-central-1",
        "staging/eu-central-1",
        "prod/eu-central-1",
        "prod/eu-west-1",
        "local/us-east-1",
        "local/us-west-2",
    }


@pytest.mark.parametrize("region", regions(), ids=lambda path: str(path.relative_to(LIVE)))
def test_every_region_folder_has_all_five_units(region: Path):
    units = {path.parent.name for path in region.glob("*/terragrunt.hcl")}
    assert units == UNITS


@pytest.mark.parametrize("environment", environments(), ids=lambda path: path.name)
def test_terragrunt_orders_buckets_then_iam_layer_and_network_then_function(environment: Path):
    discovered = terragrunt_units(environment)
    order = [unit["path"] for unit in discovered]
    by_region: dict[str, dict[str, set[str]]] = {}
    for unit in discovered:
        region, name = unit["path"].split("/")
        dependencies = {path.split("/")[1] for path in unit.get("dependencies", [])}
        assert all(path.startswith(f"{region}/") for path in unit.get("dependencies", [])), unit
        by_region.setdefault(region, {})[name] = dependencies

    expected_regions = {region_file.parent.name for region_file in environment.glob("*/region.hcl")}
    assert set(by_region) == expected_regions
    for region, units in by_region.items():
        assert units == expected_dependencies(vpc_enabled(environment)), region
        position = {name: order.index(f"{region}/{name}") for name in units}
        assert position["buckets"] < position["iam"] < position["function"]
        assert position["buckets"] < position["layer"] < position["function"]
        assert position["buckets"] < position["network"] < position["function"]


def test_vpc_mode_is_on_in_staging_prod_and_local_and_off_in_dev():
    assert {path.name: vpc_enabled(path) for path in environments()} == {
        "dev": False,
        "staging": True,
        "prod": True,
        "local": True,
    }


def test_run_all_from_the_repository_root_does_not_treat_the_root_configuration_as_a_unit():
    discovered = run_tool(["terragrunt", "find", "--json", "--no-color"], cwd=ROOT)
    assert discovered.returncode == 0, discovered.stderr
    paths = [unit["path"] for unit in json.loads(discovered.stdout)]
    assert "." not in paths
    assert len(paths) == 5 * len(regions())
