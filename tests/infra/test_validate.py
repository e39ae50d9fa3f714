"""`terragrunt run --all validate` for every environment and region, as `make validate` runs it:
no credentials, no backend, dependencies answered by their mock outputs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from toolchain_helpers import ROOT, run_tool, toolchain_env

sys.path.insert(0, str(ROOT / "scripts"))

from release import builds


@pytest.fixture(scope="module")
def local_record() -> None:
    """The local environment runs whatever this machine built; validate needs that record."""
    builds.record("local", builds.build_for("local"))


@pytest.mark.slow
def test_run_all_validate_passes_for_every_environment_and_region(local_record, tmp_path: Path):
    env = toolchain_env(TG_OFFLINE_VALIDATE="true", TG_DOWNLOAD_DIR=str(tmp_path / "terragrunt"))
    for name in [name for name in env if name.startswith("AWS_")]:
        del env[name]  # proves no credentials are needed

    validate = run_tool(
        ["terragrunt", "run", "--all", "--no-color", "--", "validate"], cwd=ROOT / "live", env=env
    )

    output = validate.stdout + validate.stderr
    assert validate.returncode == 0, output[-4000:]
    # 6 regions x 5 units, but dev's network unit, which excludes itself without VPC mode.
    assert output.count("Success! The configuration is valid.") == 29
    assert "[dev/eu-central-1/network]" not in output
    assert "[staging/eu-central-1/network]" in output
    assert "deprecated" not in output.lower()
