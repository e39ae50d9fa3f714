"""The account bootstrap (modules/github-oidc) and a workload role (modules/iam) applied once to the
session's stand-in, shared by the role tests and the escalation proofs."""

from __future__ import annotations

import json
import textwrap

import boto3
import pytest
from oidc_helpers import IAM_MODULE_SOURCE, VALID, WORKLOAD, module_call, run
from release.stack import TOOLS_BIN


@pytest.fixture(scope="session", autouse=True)
def _toolchain_present() -> None:
    if not (TOOLS_BIN / "tofu").exists() or not (TOOLS_BIN / "terragrunt").exists():
        pytest.fail("toolchain not set up: run `make setup`")


@pytest.fixture(scope="session")
def applied(moto_server: str, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("github-oidc-apply")
    provider = textwrap.dedent(
        f"""
        provider "aws" {{
          region                      = "eu-central-1"
          access_key                  = "testing"
          secret_key                  = "testing" # pragma: allowlist secret
          skip_credentials_validation = true
          skip_metadata_api_check     = true
          skip_requesting_account_id  = true
          endpoints {{
            iam = "{moto_server}"
            sts = "{moto_server}"
          }}
        }}
        output "all" {{
          value = module.oidc
        }}
        output "workload" {{
          value = module.workload
        }}
        """
    )
    workload = module_call(WORKLOAD, IAM_MODULE_SOURCE, "workload").replace(
        "\n}\n", '\n  permissions_boundary_arn = module.oidc.workload_boundary_arns["dev"]\n}\n'
    )
    (root / "main.tf").write_text(provider + module_call(VALID) + workload)
    for command in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        result = run(["tofu", *command, "-no-color"], cwd=root)
        assert result.returncode == 0, result.stdout + result.stderr
    again = run(["tofu", "plan", "-detailed-exitcode", "-input=false", "-no-color"], cwd=root)
    assert again.returncode == 0, "a second plan must show no changes\n" + again.stdout + again.stderr
    outputs = {}
    for name in ("all", "workload"):
        output = run(["tofu", "output", "-json", name], cwd=root)
        assert output.returncode == 0, output.stderr
        outputs[name] = json.loads(output.stdout)
    iam = boto3.client(
        "iam",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106  # pragma: allowlist secret (moto's fake credentials)
    )
    return {"outputs": outputs["all"], "workload": outputs["workload"], "iam": iam}
