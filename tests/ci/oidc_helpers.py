"""What the github-oidc tests share: the module's inputs, a module call, the toolchain runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from release.stack import toolchain_env  # noqa: E402

# "modules//github-oidc": the modules folder is the package, so the module's ../workload-boundary
# call resolves, as it does under Terragrunt's source = ".../modules//github-oidc".
MODULE_SOURCE = f"{ROOT / 'modules'}//github-oidc"
IAM_MODULE_SOURCE = f"{ROOT / 'modules'}//iam"
MOTO_ACCOUNT = "123456789012"
REPOSITORY = "acme/file-processor"

VALID = {
    "account_id": MOTO_ACCOUNT,
    "github_repository": REPOSITORY,
    "environments": {
        "dev": {"regions": ["eu-central-1"], "plan_on_pull_requests": True},
        "prod": {"regions": ["eu-central-1", "eu-west-1"], "max_session_duration_seconds": 7200},
    },
}

# A workload role of dev as the iam unit creates it: carrying the boundary the bootstrap made.
WORKLOAD = {
    "role_name": "fileproc-dev-euc1-processor",
    "function_name": "fileproc-dev-euc1-processor",
    "failure_queue_name": "fileproc-dev-euc1-processor-failures",
    "trigger_bucket_arn": f"arn:aws:s3:::fileproc-dev-euc1-trigger-{MOTO_ACCOUNT}",
    "results_bucket_arn": f"arn:aws:s3:::fileproc-dev-euc1-results-{MOTO_ACCOUNT}",
    "kms_key_arns": [f"arn:aws:kms:eu-central-1:{MOTO_ACCOUNT}:key/11111111-2222-3333-4444-555555555555"],
}


def run(args: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=cwd, env=toolchain_env(**extra), capture_output=True, text=True, timeout=900
    )


def module_call(inputs: dict, source: str = MODULE_SOURCE, name: str = "oidc") -> str:
    arguments = "\n".join(f"  {key} = {json.dumps(value)}" for key, value in inputs.items())
    return f'module "{name}" {{\n  source = "{source}"\n{arguments}\n}}\n'


def trust_of(iam, role_name: str) -> dict:
    """A role's trust policy as IAM holds it (moto returns a dict, AWS URL-encoded JSON text)."""
    document = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    return json.loads(document) if isinstance(document, str) else document
