"""The buckets module's audit trail (modules/buckets/audit.tf), on unless switched off: applied to the
stand-in with the module's defaults and read back with boto3, re-planned (no changes) and destroyed;
switched off, nothing of it is planned. The stand-in refuses the trail, as CloudTrail does, unless the
log bucket's and the key's policies let it deliver (scripts/standin/cloudtrail.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_module_inputs import module_call, standin_root, validate
from toolchain_helpers import run_tool, toolchain_env

ACCOUNT = "123456789012"  # the stand-in's
# The key needs an administrator (the environment's deploy role); nothing else is set: every audit
# setting is the module's default.
KEY_INPUTS = {
    "create_kms_key": True,
    "key_administrator_arns": [f"arn:aws:iam::{ACCOUNT}:role/github-actions/fileproc-github-audit-deploy"],
    "force_destroy": True,
}
OUTPUTS = (
    "audit_trail_arn",
    "kms_key_arn",
    "trigger_bucket_arn",
    "results_bucket_arn",
    "artifacts_bucket_arn",
    "access_log_bucket_name",
)


def root_with_outputs(tmp_path: Path, endpoint: str, inputs: dict) -> Path:
    outputs = "".join(f'output "{name}" {{ value = module.under_test.{name} }}\n' for name in OUTPUTS)
    return standin_root(tmp_path, endpoint, module_call("buckets", inputs) + outputs)


def tofu(root: Path, env: dict[str, str], *args: str):
    return run_tool(["tofu", *args, "-no-color"], cwd=root, env=env)


def statements(policy: str) -> dict[str, dict]:
    return {
        statement["Sid"]: statement for statement in json.loads(policy)["Statement"] if "Sid" in statement
    }


@pytest.mark.slow
def test_the_default_trail_records_the_trigger_buckets_objects_only_encrypted_and_validated(
    tmp_path, standin, standin_endpoint, standin_env
):
    root = root_with_outputs(tmp_path, standin_endpoint, {"name_prefix": "fileproc-audit-use1", **KEY_INPUTS})
    env = toolchain_env(**standin_env)
    init = tofu(root, env, "init", "-input=false")
    assert init.returncode == 0, init.stdout + init.stderr

    applied = tofu(root, env, "apply", "-auto-approve", "-input=false")

    assert applied.returncode == 0, applied.stdout + applied.stderr
    out = {
        name: value["value"] for name, value in json.loads(tofu(root, env, "output", "-json").stdout).items()
    }
    cloudtrail, s3, kms = standin.client("cloudtrail"), standin.client("s3"), standin.client("kms")
    trail_arn = out["audit_trail_arn"]
    assert trail_arn == f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/fileproc-audit-use1-data-events"
    [trail] = cloudtrail.describe_trails(trailNameList=[trail_arn])["trailList"]
    assert cloudtrail.get_trail_status(Name=trail_arn)["IsLogging"] is True
    assert trail["LogFileValidationEnabled"] is True
    assert trail["KmsKeyId"] == out["kms_key_arn"]
    assert (trail["S3BucketName"], trail["S3KeyPrefix"]) == (out["access_log_bucket_name"], "cloudtrail")
    assert (trail["IsMultiRegionTrail"], trail["IncludeGlobalServiceEvents"]) == (False, False)
    # What it records: data events on objects whose ARN starts with the trigger bucket's + "/" only.
    selectors = cloudtrail.get_event_selectors(TrailName=trail_arn)
    assert not selectors.get("EventSelectors")
    [selector] = selectors["AdvancedEventSelectors"]
    fields = {field.pop("Field"): field for field in selector["FieldSelectors"]}
    assert fields == {
        "eventCategory": {"Equals": ["Data"]},
        "resources.type": {"Equals": ["AWS::S3::Object"]},
        "resources.ARN": {"StartsWith": [out["trigger_bucket_arn"] + "/"]},
    }
    other_buckets = (out["results_bucket_arn"], out["artifacts_bucket_arn"], out["access_log_bucket_name"])
    assert not any(bucket.rsplit(":", 1)[-1] in json.dumps(selector) for bucket in other_buckets)

    # Who may deliver, and that the log bucket's guardrails still hold: only this trail, only under
    # cloudtrail/AWSLogs/<account>/, over TLS, SSE-S3 or SSE-KMS with the module's key only.
    log_bucket = out["access_log_bucket_name"]
    bucket_policy = statements(s3.get_bucket_policy(Bucket=log_bucket)["Policy"])
    source = {"aws:SourceArn": trail_arn, "aws:SourceAccount": ACCOUNT}
    assert bucket_policy["AllowCloudTrailAclCheck"]["Condition"] == {"StringEquals": source}
    delivery = bucket_policy["AllowCloudTrailDelivery"]
    assert delivery["Resource"] == f"arn:aws:s3:::{log_bucket}/cloudtrail/AWSLogs/{ACCOUNT}/*"
    assert delivery["Condition"] == {"StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"}}
    assert {"DenyInsecureTransport", "DenyOutdatedTls", "DenyCustomerProvidedKeys"} <= set(bucket_policy)
    sse = bucket_policy["DenyOtherServerSideEncryption"]["Condition"]["StringNotEquals"]
    assert sorted(sse["s3:x-amz-server-side-encryption"]) == ["AES256", "aws:kms"]
    other_keys = bucket_policy["DenyOtherKmsKeys"]["Condition"]["StringNotEquals"]
    assert other_keys["s3:x-amz-server-side-encryption-aws-kms-key-id"] == out["kms_key_arn"]
    key_policy = statements(kms.get_key_policy(KeyId=out["kms_key_arn"], PolicyName="default")["Policy"])
    assert key_policy["CloudTrailEncryptsThisTrailsLogs"]["Condition"] == {
        "StringEquals": {"aws:SourceArn": trail_arn, "kms:EncryptionContext:aws:cloudtrail:arn": trail_arn}
    }
    assert key_policy["CloudTrailDescribesTheKey"]["Action"] == "kms:DescribeKey"

    replanned = tofu(root, env, "plan", "-detailed-exitcode", "-input=false")
    assert replanned.returncode == 0, replanned.stdout + replanned.stderr  # 2 would mean changes

    destroyed = tofu(root, env, "destroy", "-auto-approve", "-input=false")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert cloudtrail.describe_trails(trailNameList=[trail_arn])["trailList"] == []


@pytest.mark.slow
def test_switched_off_no_trail_and_no_cloudtrail_statement_is_planned(
    tmp_path, standin_endpoint, standin_env
):
    inputs = {"name_prefix": "fileproc-noaudit-use1", "audit_trail_enabled": False, **KEY_INPUTS}
    root = root_with_outputs(tmp_path, standin_endpoint, inputs)
    env = toolchain_env(**standin_env)
    init = tofu(root, env, "init", "-input=false")
    assert init.returncode == 0, init.stdout + init.stderr

    planned = tofu(root, env, "plan", "-input=false", "-out=plan.bin")

    assert planned.returncode == 0, planned.stdout + planned.stderr
    plan = json.loads(tofu(root, env, "show", "-json", "plan.bin").stdout)
    changes = plan["resource_changes"]
    assert changes, "the buckets should be planned"
    assert not [change["address"] for change in changes if change["type"] == "aws_cloudtrail"]
    assert plan["planned_values"]["outputs"]["audit_trail_arn"].get("value") is None
    # The log bucket's policy and the key's are known at plan (the other buckets' name the key,
    # which does not exist yet): neither lets CloudTrail in, nor admits SSE-KMS into the log bucket.
    after = {change["address"]: change["change"]["after"] for change in changes}
    key_policy = after["module.under_test.aws_kms_key.this[0]"]["policy"]
    log_policy = after['module.under_test.aws_s3_bucket_policy.this["access-logs"]']["policy"]
    assert "cloudtrail" not in key_policy
    assert "cloudtrail" not in log_policy
    assert "aws:kms" not in log_policy  # SSE-S3 uploads only, as before the trail


def test_a_null_audit_trail_switch_fails_validate_with_the_modules_message(tmp_path):
    output = validate(tmp_path, "buckets", {"name_prefix": "fileproc-test-euc1", "audit_trail_enabled": None})

    assert not output.startswith("VALID"), output
    assert "audit_trail_enabled must be true or false" in " ".join(output.split()), output
