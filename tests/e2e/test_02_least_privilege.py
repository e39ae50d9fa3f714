"""Least privilege, proven on the deployed stack: the buckets' Deny statements hold (on the stand-in,
which evaluates them with their conditions, and again with iam-simulate on the deployed documents),
and the function's execution role is enough to process a file and no more than that."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from stack_helpers import REGION
from standin.local_lambda import LocalLambdaService
from standin.simulator import Simulator

pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"


def error_code(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def role_s3(local_stack):
    """An S3 client with the credentials Lambda gives the function (its execution role)."""
    with LocalLambdaService(local_stack.endpoint, REGION) as service:
        function = service.deployed_function(local_stack.outputs["function"]["invoke_target_arn"])
        yield service.as_function_role(function, "s3")


@pytest.fixture(scope="module")
def trigger_object(local_stack):
    key = "incoming/least-privilege.txt"
    bucket = local_stack.outputs["buckets"]["trigger_bucket_name"]
    local_stack.client("s3").put_object(Bucket=bucket, Key=key, Body=b"read me")
    return bucket, key


def test_a_request_without_tls_is_denied_by_the_bucket_policy_and_the_same_one_over_tls_is_not(
    local_stack, trigger_object
):
    bucket, key = trigger_object
    plain = boto3.client(
        "s3",
        endpoint_url=local_stack.standin.insecure_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106  # pragma: allowlist secret (the stand-in's)
    )

    assert error_code(lambda: plain.get_object(Bucket=bucket, Key=key)) == "AccessDenied"
    assert local_stack.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == b"read me"


@pytest.mark.parametrize(
    "encryption",
    [
        {"ServerSideEncryption": "AES256"},
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "arn:aws:kms:us-east-1:123456789012:key/other"},
        {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32},
    ],
    ids=["sse-s3-on-a-kms-bucket", "another-kms-key", "customer-provided-key"],
)
def test_an_upload_asking_for_other_encryption_is_denied(local_stack, encryption):
    bucket = local_stack.outputs["buckets"]["trigger_bucket_name"]

    code = error_code(
        lambda: local_stack.client("s3").put_object(Bucket=bucket, Key="incoming/x", Body=b"x", **encryption)
    )

    assert code == "AccessDenied"


def test_the_deployed_policies_evaluated_with_iam_simulate_give_the_same_answers(local_stack):
    """The documents as deployed, read back from the stand-in, through a second evaluation."""
    buckets, function = local_stack.outputs["buckets"], local_stack.outputs["function"]
    s3, iam = local_stack.client("s3"), local_stack.client("iam")
    trigger = buckets["trigger_bucket_name"]
    bucket_policy = s3.get_bucket_policy(Bucket=trigger)["Policy"]
    role_name = local_stack.outputs["iam"]["role_arn"].rsplit("/", 1)[1]
    role_policies = [
        iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    ]
    role_session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{function['function_name']}"
    function_arn = function["function_arn"]
    own = {"aws:SecureTransport": "true", "lambda:SourceFunctionArn": function_arn}
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    cases = [
        (
            "the function reads a new object",
            role_session,
            "s3:GetObjectVersion",
            f"{trigger}/incoming/a",
            own,
            role_policies,
            "Allowed",
        ),
        (
            "the function over plain HTTP",
            role_session,
            "s3:GetObjectVersion",
            f"{trigger}/incoming/a",
            {**own, "aws:SecureTransport": "false"},
            role_policies,
            "ExplicitlyDenied",
        ),
        (
            "the role's credentials outside the function",
            role_session,
            "s3:GetObjectVersion",
            f"{trigger}/incoming/a",
            {"aws:SecureTransport": "true"},
            role_policies,
            "ImplicitlyDenied",
        ),
        (
            "an administrator over plain HTTP",
            f"arn:aws:iam::{ACCOUNT}:user/admin",
            "s3:GetObject",
            f"{trigger}/incoming/a",
            {"aws:SecureTransport": "false"},
            [admin],
            "ExplicitlyDenied",
        ),
        (
            "an administrator uploading with SSE-S3",
            f"arn:aws:iam::{ACCOUNT}:user/admin",
            "s3:PutObject",
            f"{trigger}/incoming/a",
            {"aws:SecureTransport": "true", "s3:x-amz-server-side-encryption": "AES256"},
            [admin],
            "ExplicitlyDenied",
        ),
        (
            "another account's administrator",
            "arn:aws:iam::999999999999:user/admin",
            "s3:GetObject",
            f"{trigger}/incoming/a",
            {"aws:SecureTransport": "true"},
            [admin],
            "ImplicitlyDenied",
        ),
    ]
    with Simulator() as simulator:
        answers = {
            name: simulator.evaluate(
                principal=principal,
                action=action,
                resource=f"arn:aws:s3:::{resource}",
                resource_account=ACCOUNT,
                context=context,
                identity_policies=identity,
                resource_policy=bucket_policy,
            ).result
            for name, principal, action, resource, context, identity, _ in cases
        }
    assert answers == {name: expected for name, *_, expected in cases}


def test_the_functions_role_reads_new_objects_and_writes_records_only(local_stack, role_s3, trigger_object):
    buckets, function = local_stack.outputs["buckets"], local_stack.outputs["function"]
    bucket, key = trigger_object
    results = buckets["results_bucket_name"]
    prefix = function["results_prefix"]

    assert role_s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"read me"
    role_s3.put_object(Bucket=results, Key=f"{prefix}least-privilege/probe.json", Body=b"{}")
    # A missing record is a 404 (the role may list the results bucket), not a 403.
    assert error_code(lambda: role_s3.head_object(Bucket=results, Key=f"{prefix}missing.json")) == "404"
    denied = {
        "read the artifacts bucket": lambda: role_s3.get_object(
            Bucket=buckets["artifacts_bucket_name"], Key=local_stack.outputs["layer"]["package_s3_key"]
        ),
        "write outside the results prefix": lambda: role_s3.put_object(
            Bucket=results, Key="elsewhere.json", Body=b"{}"
        ),
        "write into the trigger bucket": lambda: role_s3.put_object(
            Bucket=bucket, Key="incoming/loop.txt", Body=b"x"
        ),
        "delete a new object": lambda: role_s3.delete_object(Bucket=bucket, Key=key),
        "list the artifacts bucket": lambda: role_s3.list_objects_v2(Bucket=buckets["artifacts_bucket_name"]),
        "read the other region's trigger bucket": lambda: role_s3.get_object(
            Bucket=local_stack.region_outputs["us-west-2"]["buckets"]["trigger_bucket_name"], Key=key
        ),
    }
    codes = {name: error_code(call) for name, call in denied.items()}
    assert codes == dict.fromkeys(denied, "AccessDenied")


def test_only_the_lambda_service_may_assume_the_execution_role(local_stack):
    role_arn = local_stack.outputs["iam"]["role_arn"]

    code = error_code(
        lambda: local_stack.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="not-lambda")
    )

    assert code == "AccessDenied"
    trust = local_stack.client("iam").get_role(RoleName=role_arn.rsplit("/", 1)[1])["Role"][
        "AssumeRolePolicyDocument"
    ]
    assert json.dumps(trust).count("lambda.amazonaws.com") == 1


def test_the_deployed_role_carries_the_boundary_the_account_bootstrap_created(local_stack):
    """bootstrap/local-account made the boundary; the iam unit created the role with it, as in prod."""
    iam = local_stack.client("iam")
    role_arn = local_stack.outputs["iam"]["role_arn"]
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/boundaries/fileproc-local-workload"

    role = iam.get_role(RoleName=role_arn.rsplit("/", 1)[1])["Role"]

    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    assert iam.get_policy(PolicyArn=boundary)["Policy"]["Path"] == "/boundaries/"


def test_the_deployed_key_policy_makes_the_key_the_deploy_roles_and_no_one_elses(local_stack):
    """Who manages the key is what its policy names, evaluated by iam-simulate on the deployed policy."""
    key_arn = local_stack.outputs["buckets"]["kms_key_arn"]
    policy = json.loads(
        local_stack.client("kms").get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    )
    deploy_role = f"arn:aws:iam::{ACCOUNT}:role/github-actions/fileproc-github-local-deploy"
    plan_role = f"arn:aws:iam::{ACCOUNT}:role/github-actions/fileproc-github-local-plan"
    other_role = f"arn:aws:iam::{ACCOUNT}:role/fileproc-local-use1-processor"
    asks = [
        (deploy_role, "kms:PutKeyPolicy", True),
        (deploy_role, "kms:GenerateDataKey", True),
        (deploy_role, "kms:ScheduleKeyDeletion", True),
        (plan_role, "kms:DescribeKey", True),
        (plan_role, "kms:Decrypt", False),
        (
            other_role,
            "kms:PutKeyPolicy",
            False,
        ),  # no identity policy grants it: the key policy alone does not
    ]
    with Simulator() as simulator:
        answers = [
            (
                principal,
                action,
                simulator.evaluate(
                    principal=principal,
                    action=action,
                    resource=key_arn,
                    resource_account=ACCOUNT,
                    identity_policies=[],
                    resource_policy=policy,
                ).allowed,
            )
            for principal, action, _ in asks
        ]
    assert answers == asks
