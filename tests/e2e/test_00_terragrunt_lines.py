"""Before the main deployment, on a stand-in of its own: a plan of a fresh local region works with
the dependencies' mock outputs, and the same live tree, root terragrunt.hcl and _envcommon work
unchanged under both Terragrunt lines. 0.x (v0.89.0, which still accepts `run-all`) applies the
region; 1.x (v1.1.3, `run --all`) then plans it: no changes. The other direction (1.x applies, 0.x
plans) runs on the main deployment in test_01_deploy.py."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from stack_helpers import ENV, REGION, ROOT, UNITS, V0, V1, build_and_record, no_changes_in_every_unit, stack
from standin.server import running_standin

pytestmark = pytest.mark.slow

# What Terragrunt 0.x prints for `run-all apply`, and 1.x for any `run-all` (quoted in the README).
V0_DEPRECATION = (
    "The `run-all apply` command is deprecated and will be removed in a future version of Terragrunt. "
    "Use `terragrunt apply --all` instead."
)
V1_REFUSAL = 'unknown command: "run-all"'


def run_in(directory: Path, command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=directory, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Iterator[dict[str, str]]:
    build_and_record()
    with running_standin(log_path=ROOT / "build" / "standin-e2e-fresh.log") as standin:
        env = stack.toolchain_env(**stack.standin_env_vars(standin.endpoint), TG_BACKEND_BOOTSTRAP="true")
        stack.bootstrap_local_account(stack.standin_env_vars(standin.endpoint))
        yield {**env, "TG_DOWNLOAD_DIR": str(tmp_path_factory.mktemp("terragrunt-cache"))}


def test_plan_of_a_fresh_region_succeeds_with_mock_outputs(fresh):
    output = run_in(stack.LIVE / ENV / REGION, [V1, "run", "--all", "--no-color", "--", "plan"], fresh)

    for unit in UNITS:
        assert re.search(rf"\[(?:{REGION}/)?{unit}\] tofu: Plan: \d+ to add", output), unit


def test_run_all_apply_with_0x_then_run_all_plan_with_1x_shows_no_changes(fresh):
    env = {**fresh, "TG_DOWNLOAD_DIR": f"{fresh['TG_DOWNLOAD_DIR']}-v0"}
    applied = run_in(
        stack.LIVE / ENV / REGION, [V0, "run-all", "apply", "--non-interactive", "--no-color"], env
    )
    assert V0_DEPRECATION in applied, applied[:3000]

    planned = run_in(stack.LIVE / ENV / REGION, [V1, "run", "--all", "--no-color", "--", "plan"], fresh)

    no_changes_in_every_unit(planned, REGION)


def test_1x_refuses_run_all_with_the_message_the_readme_quotes():
    result = subprocess.run(
        [V1, "run-all", "plan"],
        cwd=stack.LIVE / ENV / REGION,
        env=stack.toolchain_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert V1_REFUSAL in result.stdout + result.stderr
