"""The CI identities cannot escalate: every route cloudsplaining and parliament flag in the deploy,
plan, boundary and workload policies (as applied to the stand-in) is either absent or listed in
modules/github-oidc/reviewed-findings.json with the condition that neutralises it, and each such
condition is made to fire here with a real policy evaluator (@cloud-copilot/iam-simulate).

Costs: the analysis about 5 s, the evaluator about 2 ms a decision; the apply is shared with
test_github_oidc.py (tests/ci/conftest.py)."""

from __future__ import annotations

import copy
import json
import sys

import pytest
from oidc_helpers import MOTO_ACCOUNT, REPOSITORY, ROOT, trust_of

sys.path.insert(0, str(ROOT / "scripts"))

from checks.iam_analysis import analyse, load_reviewed, unreviewed
from standin.simulator import Simulator

REVIEWED = ROOT / "modules" / "github-oidc" / "reviewed-findings.json"
DEPLOY_ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/github-actions/fileproc-github-dev-deploy"
PLAN_ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/github-actions/fileproc-github-dev-plan"
BOUNDARY = f"arn:aws:iam::{MOTO_ACCOUNT}:policy/boundaries/fileproc-dev-workload"
WORKLOAD_ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/fileproc-dev-euc1-processor"
NEW_ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/fileproc-dev-euc1-anything"
OIDC_PROVIDER = f"arn:aws:iam::{MOTO_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
CLAIM = "token.actions.githubusercontent.com"


@pytest.fixture(scope="module")
def simulator():
    with Simulator() as running:
        yield running


@pytest.fixture(scope="module")
def documents(applied: dict) -> dict[str, dict]:
    """Every CI and workload policy as IAM holds it on the stand-in (get-account-authorization-details)."""
    details = applied["iam"].get_account_authorization_details()
    policies: dict[str, dict] = {}
    for role in details["RoleDetailList"]:
        for inline in role.get("RolePolicyList", []):
            document = inline["PolicyDocument"]
            policies[_policy_name(role["RoleName"])] = (
                json.loads(document) if isinstance(document, str) else document
            )
    for managed in details["Policies"]:
        (version,) = [v for v in managed["PolicyVersionList"] if v["IsDefaultVersion"]]
        document = (
            json.loads(version["Document"]) if isinstance(version["Document"], str) else version["Document"]
        )
        # moto 5.2.5 leaves PolicyName out of this listing; the ARN ends with it.
        name = managed["Arn"].rsplit("/", 1)[1]
        if managed["Path"] == "/boundaries/":
            policies[f"boundary/{name}"] = document
        elif managed["Path"] == "/github-actions/":
            # fileproc-github-dev-deploy-network -> deploy-network/dev (and deploy-triggers, -signing)
            parts = name.split("-")
            policies[f"{parts[3]}-{parts[4]}/{parts[2]}"] = document
    return policies


def _policy_name(role_name: str) -> str:
    """fileproc-github-dev-deploy -> deploy/dev; the workload role -> workload/<role name>."""
    parts = role_name.split("-")
    if role_name.startswith("fileproc-github-"):
        return f"{parts[-1]}/{parts[2]}"
    return f"workload/{role_name}"


def decide(simulator: Simulator, principal: str, action: str, resource: str, identity: list, **extra):
    return simulator.evaluate(
        principal=principal,
        action=action,
        resource=resource,
        resource_account=MOTO_ACCOUNT,
        identity_policies=identity,
        **extra,
    )


# --- the analysis ------------------------------------------------------------------------------


def test_the_documents_cover_every_ci_and_workload_policy(documents: dict):
    assert set(documents) == {
        "deploy/dev",
        "deploy/prod",
        "deploy-network/dev",
        "deploy-network/prod",
        "deploy-triggers/dev",
        "deploy-triggers/prod",
        "deploy-signing/dev",
        "deploy-signing/prod",
        "plan/dev",
        "plan/prod",
        "boundary/fileproc-dev-workload",
        "boundary/fileproc-prod-workload",
        "workload/fileproc-dev-euc1-processor",
    }


def test_every_finding_of_cloudsplaining_and_parliament_is_reviewed(documents: dict):
    findings = analyse(documents)
    left = unreviewed(findings, load_reviewed(REVIEWED))
    assert not left, "unreviewed findings:\n" + "\n".join(finding.line() for finding in left)


def test_a_deliberately_bad_statement_fails_the_analysis(documents: dict):
    bad = copy.deepcopy(documents)
    bad["deploy/dev"]["Statement"].append(
        {"Effect": "Allow", "Action": ["iam:AttachRolePolicy", "iam:PassRole"], "Resource": "*"}
    )

    left = unreviewed(analyse(bad), load_reviewed(REVIEWED))

    assert any(f.policy == "deploy/dev" and "AttachRolePolicy" in f.detail for f in left), left


# --- the boundary always applies ------------------------------------------------------------


def test_a_role_without_the_boundary_or_with_another_cannot_be_created(simulator, documents):
    deploy = [documents["deploy/dev"]]
    cases = {
        "no boundary": {},
        "another boundary": {"iam:PermissionsBoundary": f"arn:aws:iam::{MOTO_ACCOUNT}:policy/lenient"},
        "the boundary": {"iam:PermissionsBoundary": BOUNDARY},
    }
    results = {
        name: decide(simulator, DEPLOY_ROLE, "iam:CreateRole", NEW_ROLE, deploy, context=context).result
        for name, context in cases.items()
    }
    assert results == {
        "no boundary": "ImplicitlyDenied",
        "another boundary": "ImplicitlyDenied",
        "the boundary": "Allowed",
    }


def test_an_admin_policy_on_a_role_without_the_boundary_is_denied(simulator, documents):
    deploy = [documents["deploy/dev"]]
    put = decide(simulator, DEPLOY_ROLE, "iam:PutRolePolicy", WORKLOAD_ROLE, deploy)
    attach = decide(
        simulator,
        DEPLOY_ROLE,
        "iam:AttachRolePolicy",
        WORKLOAD_ROLE,
        deploy,
        context={"iam:PermissionsBoundary": BOUNDARY, "iam:PolicyARN": ADMIN_POLICY_ARN},
    )
    assert not put.allowed, put.describe()
    assert not attach.allowed, attach.describe()


def test_a_workload_role_with_administrator_access_is_still_capped_by_the_boundary(simulator, documents):
    """What an inline AdministratorAccess on a bounded role can do: its own environment only."""
    boundary = [documents["boundary/fileproc-dev-workload"]]
    asks = {
        "iam:CreateUser": f"arn:aws:iam::{MOTO_ACCOUNT}:user/backdoor",
        "iam:DeleteRolePermissionsBoundary": WORKLOAD_ROLE,
        "sts:AssumeRole": f"arn:aws:iam::{MOTO_ACCOUNT}:role/OrganizationAccountAccessRole",
        "organizations:LeaveOrganization": "*",
        "s3:GetObject prod": "arn:aws:s3:::fileproc-prod-euc1-results-123456789012/records/x.json",
        "s3:GetObject state": f"arn:aws:s3:::fileproc-tfstate-{MOTO_ACCOUNT}-eu-central-1/live/dev/x",
        "s3:GetObject dev": "arn:aws:s3:::fileproc-dev-euc1-trigger-123456789012/incoming/x.pdf",
    }
    results = {
        name: decide(
            simulator,
            WORKLOAD_ROLE,
            name.split(" ")[0],
            resource,
            [ADMIN],
            boundary_policies=boundary,
            context={"aws:RequestedRegion": "eu-central-1"},
        ).allowed
        for name, resource in asks.items()
    }
    assert results == {name: name == "s3:GetObject dev" for name in asks}


def test_the_boundary_cannot_be_removed_or_changed_by_a_deploy_role(simulator, documents):
    deploy = [documents["deploy/dev"]]
    asks = [
        ("iam:DeleteRolePermissionsBoundary", WORKLOAD_ROLE),
        ("iam:CreatePolicyVersion", BOUNDARY),
        ("iam:SetDefaultPolicyVersion", BOUNDARY),
        ("iam:DeletePolicy", BOUNDARY),
        ("iam:DeletePolicyVersion", BOUNDARY),
    ]
    results = {action: decide(simulator, DEPLOY_ROLE, action, arn, deploy).result for action, arn in asks}
    assert results == {action: "ExplicitlyDenied" for action, _ in asks}


def test_a_deploy_role_cannot_make_a_workload_role_trust_it_or_take_one(simulator, documents):
    deploy = [documents["deploy/dev"]]
    trust_self = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": DEPLOY_ROLE}, "Action": "sts:AssumeRole"}],
    }
    update = decide(simulator, DEPLOY_ROLE, "iam:UpdateAssumeRolePolicy", WORKLOAD_ROLE, deploy)
    # Even a role created (with the boundary) whose trust names the deploy role cannot be taken.
    assume = decide(simulator, DEPLOY_ROLE, "sts:AssumeRole", NEW_ROLE, deploy, resource_policy=trust_self)
    assert update.result == "ImplicitlyDenied", update.describe()
    assert assume.result == "ExplicitlyDenied", assume.describe()


def test_a_deploy_role_may_let_only_s3_and_eventbridge_invoke_a_function(simulator, documents):
    deploy = [documents["deploy/dev"]]
    function = "arn:aws:lambda:eu-central-1:123456789012:function:fileproc-dev-euc1-processor"
    results = {
        principal: decide(
            simulator,
            DEPLOY_ROLE,
            "lambda:AddPermission",
            function,
            deploy,
            context={"lambda:Principal": principal, "aws:RequestedRegion": "eu-central-1"},
        ).allowed
        for principal in (
            "s3.amazonaws.com",
            "*",
            "999999999999",
            "events.amazonaws.com",
            "sqs.amazonaws.com",
        )
    }
    assert results == {
        "s3.amazonaws.com": True,
        "*": False,
        "999999999999": False,
        "events.amazonaws.com": True,
        "sqs.amazonaws.com": False,
    }


def test_a_deploy_role_points_rules_and_event_source_mappings_only_at_its_own_functions(simulator, documents):
    """trigger_mode "eventbridge" and "sqs": a rule's target and a mapping's function must be this
    environment's (events:TargetArn, lambda:FunctionArn), the rule one of its own names."""
    deploy = [documents["deploy/dev"], documents["deploy-triggers/dev"]]
    own = "arn:aws:lambda:eu-central-1:123456789012:function:fileproc-dev-euc1-processor:live"
    foreign = "arn:aws:lambda:eu-central-1:123456789012:function:fileproc-prod-euc1-processor:live"
    own_rule = "arn:aws:events:eu-central-1:123456789012:rule/fileproc-dev-euc1-processor-object-created"
    other_rule = "arn:aws:events:eu-central-1:123456789012:rule/someone-elses-rule"
    region = {"aws:RequestedRegion": "eu-central-1"}

    def allowed(action: str, resource: str, **context: str | list[str]) -> bool:
        return decide(simulator, DEPLOY_ROLE, action, resource, deploy, context={**region, **context}).allowed

    assert allowed("events:PutRule", own_rule)
    assert not allowed("events:PutRule", other_rule)
    assert allowed("events:PutTargets", own_rule, **{"events:TargetArn": [own]})
    assert not allowed("events:PutTargets", own_rule, **{"events:TargetArn": [own, foreign]})
    assert not allowed("events:PutTargets", own_rule)
    assert allowed("lambda:CreateEventSourceMapping", "*", **{"lambda:FunctionArn": own})
    assert not allowed("lambda:CreateEventSourceMapping", "*", **{"lambda:FunctionArn": foreign})


def test_a_deploy_role_signs_only_with_its_own_environments_profiles_and_a_plan_role_not_at_all(
    simulator, documents
):
    """Code signing: StartSigningJob and profile changes on this environment's profiles only (named
    after its layers); the plan role reads profiles and jobs (the promotion's evidence) and signs
    nothing."""
    deploy = [documents["deploy/dev"], documents["deploy-signing/dev"]]
    plan = [documents["plan/dev"]]
    own = f"arn:aws:signer:eu-central-1:{MOTO_ACCOUNT}:/signing-profiles/fileproc_dev_euc1_deps_20261205"
    foreign = f"arn:aws:signer:eu-central-1:{MOTO_ACCOUNT}:/signing-profiles/fileproc_prod_euc1_deps_20261205"
    job = f"arn:aws:signer:eu-central-1:{MOTO_ACCOUNT}:/signing-jobs/5f3b1c2e-0000-4000-8000-000000000000"
    region = {"aws:RequestedRegion": "eu-central-1"}

    def allowed(identity: list, principal: str, action: str, resource: str) -> bool:
        return decide(simulator, principal, action, resource, identity, context=region).allowed

    assert allowed(deploy, DEPLOY_ROLE, "signer:StartSigningJob", own)
    assert allowed(deploy, DEPLOY_ROLE, "signer:PutSigningProfile", "*")  # IAM names no profile here
    elsewhere = {"aws:RequestedRegion": "ap-southeast-2"}
    assert not decide(
        simulator, DEPLOY_ROLE, "signer:PutSigningProfile", "*", deploy, context=elsewhere
    ).allowed
    assert not allowed(deploy, DEPLOY_ROLE, "signer:StartSigningJob", foreign)
    assert not allowed(deploy, DEPLOY_ROLE, "signer:CancelSigningProfile", foreign)
    assert not allowed(deploy, DEPLOY_ROLE, "signer:RevokeSignature", job)
    assert allowed(plan, PLAN_ROLE, "signer:DescribeSigningJob", job)
    assert allowed(plan, PLAN_ROLE, "signer:GetSigningProfile", own)
    assert not allowed(plan, PLAN_ROLE, "signer:StartSigningJob", own)
    assert not allowed(
        plan,
        PLAN_ROLE,
        "lambda:UpdateCodeSigningConfig",
        f"arn:aws:lambda:eu-central-1:{MOTO_ACCOUNT}:code-signing-config:csc-0123456789abcdef0",
    )


# --- KMS by ownership -----------------------------------------------------------------------


FOREIGN_KEY = f"arn:aws:kms:eu-central-1:{MOTO_ACCOUNT}:key/99999999-0000-0000-0000-000000000000"
ROOT_DELEGATING_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}


def test_a_key_someone_tagged_for_this_environment_is_not_the_deploy_roles(simulator, documents):
    deploy = [documents["deploy/dev"]]
    tagged = {"aws:ResourceTag/Project": "fileproc", "aws:ResourceTag/Environment": "dev"}
    results = {
        action: decide(
            simulator,
            DEPLOY_ROLE,
            action,
            FOREIGN_KEY,
            deploy,
            context=tagged,
            resource_policy=ROOT_DELEGATING_KEY_POLICY,
        ).allowed
        for action in ("kms:Decrypt", "kms:PutKeyPolicy", "kms:CreateGrant", "kms:ScheduleKeyDeletion")
    }
    assert results == dict.fromkeys(results, False)


def test_tags_only_with_this_environments_values_and_keys_only_with_its_tags(simulator, documents):
    deploy = [documents["deploy/dev"]]
    region = {"aws:RequestedRegion": "eu-central-1"}
    own = {**region, "aws:RequestTag/Project": "fileproc", "aws:RequestTag/Environment": "dev"}
    keys = ["Project", "Environment"]

    def tag(context: dict) -> bool:
        return decide(
            simulator,
            DEPLOY_ROLE,
            "kms:TagResource",
            FOREIGN_KEY,
            deploy,
            context={**context, "aws:TagKeys": keys},
            resource_policy=ROOT_DELEGATING_KEY_POLICY,  # KMS needs the key policy to delegate to IAM
        ).allowed

    assert tag(own)
    assert not tag({**own, "aws:RequestTag/Environment": "prod"})
    create_untagged = decide(simulator, DEPLOY_ROLE, "kms:CreateKey", "*", deploy, context=region)
    create_tagged = decide(simulator, DEPLOY_ROLE, "kms:CreateKey", "*", deploy, context=own)
    assert not create_untagged.allowed
    assert create_tagged.allowed, create_tagged.describe()


# --- the network, by its tags ----------------------------------------------------------------

EC2 = f"arn:aws:ec2:eu-central-1:{MOTO_ACCOUNT}"
DEV_TAGS = {"Project": "fileproc", "Environment": "dev"}


def test_a_deploy_role_creates_network_only_tagged_for_its_environment_and_changes_only_its_own(
    simulator, documents
):
    deploy = [documents["deploy/dev"], documents["deploy-network/dev"]]

    def allowed(action: str, resource: str, request: dict | None = None, resource_tags: dict | None = None):
        context = {"aws:RequestedRegion": "eu-central-1", "ec2:Region": "eu-central-1"}
        context |= {f"aws:RequestTag/{key}": value for key, value in (request or {}).items()}
        context |= {f"ec2:ResourceTag/{key}": value for key, value in (resource_tags or {}).items()}
        context |= {f"aws:ResourceTag/{key}": value for key, value in (resource_tags or {}).items()}
        if request:
            context["aws:TagKeys"] = list(request)
        return decide(simulator, DEPLOY_ROLE, action, resource, deploy, context=context).allowed

    prod_tags = {**DEV_TAGS, "Environment": "prod"}
    assert allowed("ec2:CreateVpc", f"{EC2}:vpc/*", request=DEV_TAGS)
    assert not allowed("ec2:CreateVpc", f"{EC2}:vpc/*")
    assert not allowed("ec2:CreateVpc", f"{EC2}:vpc/*", request=prod_tags)
    assert not allowed("ec2:CreateVpc", f"arn:aws:ec2:us-east-1:{MOTO_ACCOUNT}:vpc/*", request=DEV_TAGS)
    # A subnet: the new one with dev's tags, in a VPC that is dev's, never another's.
    assert allowed("ec2:CreateSubnet", f"{EC2}:subnet/*", request=DEV_TAGS)
    assert allowed("ec2:CreateSubnet", f"{EC2}:vpc/vpc-1", request=DEV_TAGS, resource_tags=DEV_TAGS)
    assert not allowed("ec2:CreateSubnet", f"{EC2}:vpc/vpc-2", request=DEV_TAGS, resource_tags=prod_tags)
    assert not allowed("ec2:CreateSubnet", f"{EC2}:vpc/vpc-3", request=DEV_TAGS)
    # A change: to dev's own yes; to prod's, or to one nobody tagged (a VPC's default group), no.
    changes = {
        "ec2:AuthorizeSecurityGroupIngress": "security-group",
        "ec2:RevokeSecurityGroupEgress": "security-group",
        "ec2:DeleteVpc": "vpc",
        "ec2:DeleteVpcEndpoints": "vpc-endpoint",
        "ec2:DeleteFlowLogs": "vpc-flow-log",
    }
    for action, kind in changes.items():
        assert allowed(action, f"{EC2}:{kind}/dev-1", resource_tags=DEV_TAGS), action
        assert not allowed(action, f"{EC2}:{kind}/prod-1", resource_tags=prod_tags), action
        assert not allowed(action, f"{EC2}:{kind}/untagged-1"), action
    # Tags: with a create, or on dev's own, but never the tags that say whose a resource is.
    assert not allowed(
        "ec2:CreateTags", f"{EC2}:vpc/vpc-2", request={"Environment": "dev"}, resource_tags=prod_tags
    )
    assert not allowed(
        "ec2:CreateTags", f"{EC2}:vpc/vpc-1", request={"Environment": "prod"}, resource_tags=DEV_TAGS
    )
    assert allowed("ec2:CreateTags", f"{EC2}:vpc/vpc-1", request={"Owner": "team"}, resource_tags=DEV_TAGS)


# --- narrow trust ---------------------------------------------------------------------------


def claims(**values: str) -> dict[str, str]:
    return {f"{CLAIM}:{name}": value for name, value in {"aud": "sts.amazonaws.com", **values}.items()}


def may_assume(simulator, trust: dict, role: str, context: dict) -> bool:
    return decide(
        simulator,
        OIDC_PROVIDER,
        "sts:AssumeRoleWithWebIdentity",
        role,
        [],
        resource_policy=trust,
        context=context,
        verbatim=True,  # the provider's own aud/sub keys (simulator.py)
    ).allowed


def test_only_the_deploy_workflow_on_the_default_branch_in_the_environment_gets_the_deploy_role(
    simulator, applied
):
    trust = trust_of(applied["iam"], "fileproc-github-dev-deploy")
    workflow = f"{REPOSITORY}/.github/workflows"
    sub = f"repo:{REPOSITORY}:environment:dev"
    cases = {
        "deploy.yml on main": claims(
            sub=sub, job_workflow_ref=f"{workflow}/deploy.yml@refs/heads/main", ref="refs/heads/main"
        ),
        "destroy.yml on main": claims(
            sub=sub, job_workflow_ref=f"{workflow}/destroy.yml@refs/heads/main", ref="refs/heads/main"
        ),
        "deploy.yml on a branch": claims(
            sub=sub, job_workflow_ref=f"{workflow}/deploy.yml@refs/heads/x", ref="refs/heads/x"
        ),
        "another workflow": claims(
            sub=sub, job_workflow_ref=f"{workflow}/evil.yml@refs/heads/main", ref="refs/heads/main"
        ),
        "no environment": claims(
            sub=f"repo:{REPOSITORY}:ref:refs/heads/main",
            job_workflow_ref=f"{workflow}/deploy.yml@refs/heads/main",
            ref="refs/heads/main",
        ),
        "a pull request": claims(
            sub=f"repo:{REPOSITORY}:pull_request",
            job_workflow_ref=f"{workflow}/deploy.yml@refs/pull/1/merge",
            ref="refs/pull/1/merge",
        ),
    }
    role = DEPLOY_ROLE
    results = {name: may_assume(simulator, trust, role, context) for name, context in cases.items()}
    assert results == {name: name.endswith("on main") for name in cases}


def test_prod_plans_need_the_approved_environment_and_dev_plans_the_plan_workflow(simulator, applied):
    workflow = f"{REPOSITORY}/.github/workflows"
    prod = trust_of(applied["iam"], "fileproc-github-prod-plan")
    dev = trust_of(applied["iam"], "fileproc-github-dev-plan")
    prod_role = PLAN_ROLE.replace("-dev-", "-prod-")
    pull_request = claims(
        sub=f"repo:{REPOSITORY}:pull_request", job_workflow_ref=f"{workflow}/plan.yml@refs/pull/7/merge"
    )
    approved = claims(
        sub=f"repo:{REPOSITORY}:environment:prod-plan",
        job_workflow_ref=f"{workflow}/plan.yml@refs/heads/main",
    )
    other_workflow = claims(
        sub=f"repo:{REPOSITORY}:pull_request", job_workflow_ref=f"{workflow}/evil.yml@refs/pull/7/merge"
    )

    drift_on_main = claims(
        sub=f"repo:{REPOSITORY}:ref:refs/heads/main", job_workflow_ref=f"{workflow}/drift.yml@refs/heads/main"
    )
    drift_on_branch = claims(
        sub=f"repo:{REPOSITORY}:ref:refs/heads/x", job_workflow_ref=f"{workflow}/drift.yml@refs/heads/x"
    )
    assert may_assume(simulator, prod, prod_role, drift_on_main)
    assert not may_assume(simulator, prod, prod_role, drift_on_branch)
    assert not may_assume(simulator, prod, prod_role, pull_request)
    assert may_assume(simulator, prod, prod_role, approved)
    assert may_assume(simulator, dev, PLAN_ROLE, pull_request)
    assert not may_assume(simulator, dev, PLAN_ROLE, other_workflow)


def test_the_plan_role_writes_nothing_not_even_a_lock(simulator, documents):
    plan = [documents["plan/dev"]]
    state = f"arn:aws:s3:::fileproc-tfstate-{MOTO_ACCOUNT}-eu-central-1/live/dev/euc1/buckets/tofu.tfstate"
    results = {
        (action, arn): decide(simulator, PLAN_ROLE, action, arn, plan).allowed
        for action, arn in [
            ("s3:GetObject", state),
            ("s3:PutObject", state + ".tflock"),
            ("s3:DeleteObject", state + ".tflock"),
            ("s3:PutObject", state),
        ]
    }
    assert results == {
        ("s3:GetObject", state): True,
        ("s3:PutObject", state + ".tflock"): False,
        ("s3:DeleteObject", state + ".tflock"): False,
        ("s3:PutObject", state): False,
    }
