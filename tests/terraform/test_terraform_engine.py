"""The live tree with the Terraform CLI instead of OpenTofu: one setting, Terragrunt's own
TG_TF_PATH, no fork of the tree. Needs a Terraform >= 1.10 on PATH as `terraform`; run with
`make test-terraform` (not part of `make test`: Terraform cannot be built from its Go module, see
the README's "OpenTofu or Terraform", and this machine cannot download its release).

- `terragrunt run --all validate` of every environment, offline;
- the local environment applied on the stand-in, then re-planned: no changes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from release import stack  # noqa: E402
from stack_helpers import ENV, REGIONS, UNITS, build_and_record  # noqa: E402
from standin.server import running_standin  # noqa: E402

pytestmark = pytest.mark.slow

ENVIRONMENTS = ("dev", "staging", "prod", "local")


@pytest.fixture(scope="module")
def terraform() -> str:
    found = shutil.which("terraform")
    if found is None:
        pytest.fail("`terraform` (>= 1.10) is not on PATH: install it to run `make test-terraform`")
    return found


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800, check=False)


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_every_environment_validates_with_terraform(terraform, env_name, tmp_path):
    env = stack.toolchain_env(TG_TF_PATH=terraform, TG_OFFLINE_VALIDATE="true", TG_DOWNLOAD_DIR=str(tmp_path))
    record = stack.LIVE / ENV / "build.json"
    if not record.exists():
        build_and_record()
    result = run(["terragrunt", "run", "--all", "--no-color", "--", "validate"], stack.LIVE / env_name, env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_the_local_environment_applies_and_replans_with_no_changes_under_terraform(terraform, tmp_path):
    build_and_record()
    with running_standin(log_path=ROOT / "build" / "standin-terraform.log") as standin:
        env = stack.toolchain_env(
            **stack.standin_env_vars(standin.endpoint),
            TG_TF_PATH=terraform,
            TG_BACKEND_BOOTSTRAP="true",
            TG_DOWNLOAD_DIR=str(tmp_path),
        )
        stack.bootstrap_local_account(stack.standin_env_vars(standin.endpoint))
        applied = run(["terragrunt", "run", "--all", "--no-color", "--", "apply"], stack.LIVE / ENV, env)
        assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr[-4000:]
        planned = run(["terragrunt", "run", "--all", "--no-color", "--", "plan"], stack.LIVE / ENV, env)
        assert planned.returncode == 0, planned.stdout[-4000:] + planned.stderr[-4000:]
        for region in REGIONS:
            for unit in UNITS:
                assert f"[{region}/{unit}] terraform: No changes." in planned.stdout, (region, unit)
