"""What prod runs and local switches off (live/local/env.hcl force_destroy = true): with the module's
default, destroying a bucket that still holds objects is refused by S3, so `destroy` cannot take the
data with it. Applied to the stand-in, an object written, destroy fails with BucketNotEmpty; emptied,
destroy succeeds."""

from __future__ import annotations

import pytest
from test_audit_trail import ACCOUNT, root_with_outputs, tofu
from toolchain_helpers import toolchain_env


def empty(s3, bucket: str) -> None:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])


@pytest.mark.slow
def test_destroy_of_a_bucket_with_objects_is_refused_by_default(
    tmp_path, standin, standin_endpoint, standin_env
):
    inputs = {
        "name_prefix": "fileproc-keep-use1",
        "create_kms_key": True,
        "key_administrator_arns": [f"arn:aws:iam::{ACCOUNT}:role/github-actions/fileproc-github-keep-deploy"],
    }  # force_destroy left at its default, as in prod
    root = root_with_outputs(tmp_path, standin_endpoint, inputs)
    env = toolchain_env(**standin_env)
    assert tofu(root, env, "init", "-input=false").returncode == 0
    applied = tofu(root, env, "apply", "-auto-approve", "-input=false")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    s3 = standin.client("s3")
    bucket = tofu(root, env, "output", "-raw", "trigger_bucket_arn").stdout.split(":::")[-1]
    s3.put_object(Bucket=bucket, Key="incoming/keep me.csv", Body=b"a,b\n", ServerSideEncryption="aws:kms")

    refused = tofu(root, env, "destroy", "-auto-approve", "-input=false")

    assert refused.returncode != 0
    assert "BucketNotEmpty" in refused.stdout + refused.stderr, refused.stdout + refused.stderr
    assert s3.head_object(Bucket=bucket, Key="incoming/keep me.csv")["ContentLength"] == 4
    for listed in s3.list_buckets()["Buckets"]:
        if listed["Name"].startswith("fileproc-keep-use1"):
            empty(s3, listed["Name"])
    destroyed = tofu(root, env, "destroy", "-auto-approve", "-input=false")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
