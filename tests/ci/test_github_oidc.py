"""modules/github-oidc and its bootstrap unit: bad inputs fail with the module's message, an apply
against the stand-in (moto) creates roles whose trust is exactly this repository and environment
and whose policies stay inside the environment's names, and the bootstrap unit reads its
environments from the live tree without ever being part of `run --all`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from oidc_helpers import MOTO_ACCOUNT, REPOSITORY, VALID, module_call, run, trust_of  # noqa: E402
from release.stack import env_locals  # noqa: E402

BAD = [
    ({"github_repository": "file-processor"}, "github_repository must be owner/name"),
    ({"github_repository": "acme/file processor"}, "github_repository must be owner/name"),
    ({"account_id": "12345"}, "account_id must be exactly 12 digits"),
    ({"environments": {}}, "must name at least one environment"),
    ({"environments": {"Dev": {"regions": ["eu-central-1"]}}}, "Environment names must be 2-16 lowercase"),
    ({"environments": {"local": {"regions": ["us-east-1"]}}}, 'not "local"'),
    ({"environments": {"dev": {"regions": []}}}, "at least one region"),
    ({"environments": {"dev": {"regions": ["europe"]}}}, "at least one region"),
    (
        {"environments": {"dev": {"regions": ["eu-central-1"], "max_session_duration_seconds": 60}}},
        "between 3600 and 43200",
    ),
    ({"existing_oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/gitlab.com"}, "existing_oidc"),
    ({"role_path": "/"}, "role_path must start and end"),
    ({"environments": {"tfstate": {"regions": ["eu-central-1"]}}}, '"tfstate" (the state buckets)'),
    (
        {"environments": {"dev": {"regions": ["eu-central-1"], "existing_workload_boundary_arn": "none"}}},
        "existing_workload_boundary_arn must be a managed policy ARN",
    ),
    ({"default_branch": "refs/heads/main"}, "default_branch must be a branch name"),
    ({"deploy_workflows": ["deploy"]}, "deploy_workflows must list workflow file names"),
]


@pytest.fixture(scope="module")
def validate_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("github-oidc-validate")
    (root / "main.tf").write_text(module_call(VALID))
    init = run(["tofu", "init", "-backend=false", "-input=false", "-no-color"], cwd=root)
    assert init.returncode == 0, init.stdout + init.stderr
    return root


def validate(root: Path, inputs: dict) -> subprocess.CompletedProcess:
    (root / "main.tf").write_text(module_call(inputs))
    return run(["tofu", "validate", "-no-color"], cwd=root)


def test_valid_inputs_validate(validate_root: Path):
    result = validate(validate_root, VALID)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("bad", "message"), BAD, ids=[f"{next(iter(b))}-{i}" for i, (b, _) in enumerate(BAD)]
)
def test_a_bad_value_fails_validate_with_the_modules_message(validate_root: Path, bad: dict, message: str):
    result = validate(validate_root, {**VALID, **bad})
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, output
    assert message in output, output


# --- applied against the stand-in (tests/ci/conftest.py) --------------------------------------


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_deploy_role_trusts_only_this_repository_in_this_environment(applied: dict, environment: str):
    role = applied["iam"].get_role(RoleName=f"fileproc-github-{environment}-deploy")["Role"]
    assert role["Path"] == "/github-actions/"
    assert role["MaxSessionDuration"] == (7200 if environment == "prod" else 3600)
    (statement,) = trust_of(applied["iam"], role["RoleName"])["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": applied["outputs"]["oidc_provider_arn"]}
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": f"repo:{REPOSITORY}:environment:{environment}",
            "token.actions.githubusercontent.com:job_workflow_ref": [
                f"{REPOSITORY}/.github/workflows/deploy.yml@refs/heads/main",
                f"{REPOSITORY}/.github/workflows/destroy.yml@refs/heads/main",
            ],
            "token.actions.githubusercontent.com:ref": "refs/heads/main",
        }
    }


def test_dev_plan_role_trusts_only_pull_request_jobs_of_the_plan_workflow(applied: dict):
    statements = {s["Sid"]: s for s in trust_of(applied["iam"], "fileproc-github-dev-plan")["Statement"]}
    assert set(statements) == {
        "GitHubActionsPlanWorkflowOnPullRequests",
        "GitHubActionsDriftCheckOnDefaultBranch",
    }
    statement = statements["GitHubActionsPlanWorkflowOnPullRequests"]
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": f"repo:{REPOSITORY}:pull_request",
        },
        "StringLike": {
            "token.actions.githubusercontent.com:job_workflow_ref": (
                f"{REPOSITORY}/.github/workflows/plan.yml@refs/pull/*/merge"
            )
        },
    }


def test_plan_roles_trust_the_drift_check_on_the_default_branch(applied: dict):
    for environment in ("dev", "prod"):
        statements = {
            s["Sid"]: s for s in trust_of(applied["iam"], f"fileproc-github-{environment}-plan")["Statement"]
        }
        assert statements["GitHubActionsDriftCheckOnDefaultBranch"]["Condition"] == {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": f"repo:{REPOSITORY}:ref:refs/heads/main",
                "token.actions.githubusercontent.com:job_workflow_ref": (
                    f"{REPOSITORY}/.github/workflows/drift.yml@refs/heads/main"
                ),
            }
        }


def test_prod_plan_role_trusts_only_the_approved_prod_plan_environment(applied: dict):
    statements = {s["Sid"]: s for s in trust_of(applied["iam"], "fileproc-github-prod-plan")["Statement"]}
    statement = statements["GitHubActionsPlanWorkflowAfterApproval"]
    assert statement["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": f"repo:{REPOSITORY}:environment:prod-plan",
    }
    assert applied["outputs"]["github_variables"]["environment_variables"]["prod-plan"] == {
        "AWS_PLAN_ROLE_ARN": f"arn:aws:iam::{MOTO_ACCOUNT}:role/github-actions/fileproc-github-prod-plan"
    }


def test_the_oidc_provider_is_githubs_with_the_sts_audience(applied: dict):
    provider = applied["iam"].get_open_id_connect_provider(
        OpenIDConnectProviderArn=applied["outputs"]["oidc_provider_arn"]
    )
    assert provider["Url"].removeprefix("https://") == "token.actions.githubusercontent.com"
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]


def statements(applied: dict, kind: str, environment: str) -> list[dict]:
    return json.loads(applied["outputs"][f"{kind}_policy_json"][environment])["Statement"]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@pytest.mark.parametrize("kind", ["deploy", "plan"])
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_policies_stay_inside_the_environment(applied: dict, kind: str, environment: str):
    other = "prod" if environment == "dev" else "dev"
    regions = VALID["environments"][environment]["regions"]
    for statement in statements(applied, kind, environment):
        resources = as_list(statement["Resource"])
        assert not any(f"-{other}-" in arn or f"/live/{other}/" in arn for arn in resources), statement
        assert not any(action in {"*", "s3:*", "iam:*"} for action in as_list(statement["Action"]))
        if resources == ["*"] and statement["Effect"] == "Allow":
            # Documented wildcards only, each limited to the environment's regions.
            assert sorted(as_list(statement["Condition"]["StringEquals"]["aws:RequestedRegion"])) == sorted(
                regions
            )
        for arn in resources:
            region = arn.split(":")[3] if arn.count(":") >= 5 else ""
            assert region in {"", *regions}, arn


@pytest.mark.parametrize("kind", ["deploy", "plan"])
def test_no_object_can_be_read_through_a_bucket_pattern(applied: dict, kind: str):
    """In an S3 ARN "*" matches "/": bucket patterns must carry bucket-level actions only."""
    for statement in statements(applied, kind, "dev"):
        bucket_patterns = [arn for arn in as_list(statement["Resource"]) if arn.startswith("arn:aws:s3:::")]
        if any("/" not in arn and arn.endswith("*") for arn in bucket_patterns):
            actions = as_list(statement["Action"])
            object_actions = [a for a in actions if re.match(r"s3:(Get|Put|Delete|Restore)Object|.*\*$", a)]
            assert not object_actions, statement


def test_state_access_is_this_environments_keys_and_plan_writes_nothing(applied: dict):
    deploy = {s["Sid"]: s for s in statements(applied, "deploy", "dev")}
    plan = {s["Sid"]: s for s in statements(applied, "plan", "dev")}
    state_bucket = f"arn:aws:s3:::fileproc-tfstate-{MOTO_ACCOUNT}-eu-central-1"
    assert as_list(deploy["StateOfThisEnvironmentOnly"]["Resource"]) == [f"{state_bucket}/live/dev/*"]
    assert as_list(plan["ReadStateOfThisEnvironment"]["Action"]) == ["s3:GetObject"]
    writes = [
        s
        for s in statements(applied, "plan", "dev")
        if any(
            a.split(":")[1].startswith(("Put", "Delete", "Create", "Update", "Tag", "Untag", "Set"))
            for a in as_list(s["Action"])
        )
    ]
    assert writes == [], "plans are lock-free (make plan passes -lock=false): the plan role writes nothing"


def test_every_workload_role_must_carry_the_boundary_the_bootstrap_created(applied: dict):
    boundary = f"arn:aws:iam::{MOTO_ACCOUNT}:policy/boundaries/fileproc-dev-workload"
    assert applied["outputs"]["workload_boundary_arns"]["dev"] == boundary
    assert applied["iam"].get_policy(PolicyArn=boundary)["Policy"]["Path"] == "/boundaries/"
    deploy = {s["Sid"]: s for s in statements(applied, "deploy", "dev")}
    write = deploy["WriteWorkloadRolePoliciesWithinBoundary"]
    assert "iam:CreateRole" in as_list(write["Action"])
    assert write["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": boundary}}
    assert deploy["KeepWorkloadBoundary"]["Effect"] == "Deny"
    assert deploy["NeverChangeTheBoundary"]["Effect"] == "Deny"
    assert as_list(deploy["PassWorkloadRolesToLambdaOnly"]["Resource"]) == [
        f"arn:aws:iam::{MOTO_ACCOUNT}:role/fileproc-dev-*"
    ]
    role = applied["iam"].get_role(RoleName="fileproc-dev-euc1-processor")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary


# --- the bootstrap unit ------------------------------------------------------------------------------


def test_bootstrap_hcl_is_formatted():
    result = run(["terragrunt", "hcl", "fmt", "--check", "--working-dir", "bootstrap"], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("dev", {"dev": (["eu-central-1"], 3600)}),
        ("prod", {"prod": (["eu-central-1", "eu-west-1"], 7200)}),
    ],
)
def test_bootstrap_takes_the_accounts_environments_from_the_live_tree(environment: str, expected: dict):
    # Whatever account IDs the live tree uses, each environment's own account selects it.
    account = env_locals(environment)["account_id"]
    rendered = run(
        ["terragrunt", "render", "--format", "json", "--no-color"],
        cwd=ROOT / "bootstrap" / "github-oidc",
        BOOTSTRAP_ACCOUNT_ID=account,
    )
    assert rendered.returncode == 0, rendered.stderr
    config = json.loads(rendered.stdout)
    environments = config["inputs"]["environments"]
    assert {
        name: (value["regions"], value["max_session_duration_seconds"])
        for name, value in environments.items()
    } == expected
    assert config["inputs"]["account_id"] == account
    assert config["remote_state"]["config"]["key"] == "bootstrap/github-oidc/tofu.tfstate"
    assert config["remote_state"]["config"]["bucket"] == f"fileproc-tfstate-{account}-eu-central-1"


def test_run_all_never_discovers_the_bootstrap_unit():
    found = run(["terragrunt", "find", "--json", "--no-color"], cwd=ROOT)
    assert found.returncode == 0, found.stderr
    assert not [unit for unit in json.loads(found.stdout) if unit["path"].startswith("bootstrap")]
