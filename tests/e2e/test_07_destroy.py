"""Destroy removes what apply created (replaced layer versions are kept on purpose, as in prod)."""

from __future__ import annotations

import pytest
from stack_helpers import REGIONS

pytestmark = pytest.mark.slow


def test_destroy_removes_everything_it_created(local_stack):
    local_stack.run_all("destroy")

    for region in REGIONS:
        s3 = local_stack.client("s3", region)
        remaining = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
        # The state buckets and their log buckets, created by Terragrunt, stay.
        assert {name for name in remaining if name.startswith("fileproc-local")} == set(), region
        awslambda = local_stack.client("lambda", region)
        assert awslambda.list_functions()["Functions"] == []
        configs = awslambda.list_code_signing_configs()["CodeSigningConfigs"]
        assert not [c for c in configs if "fileproc-local" in c.get("Description", "")], region
        for layer in awslambda.list_layers()["Layers"]:  # skip_destroy keeps replaced layer versions
            assert layer["LayerName"].startswith("fileproc-local")
        queues = local_stack.client("sqs", region).list_queues().get("QueueUrls", [])
        assert not [url for url in queues if "fileproc-local" in url], region
        assert not [
            t
            for t in local_stack.client("sns", region).list_topics()["Topics"]
            if "fileproc-local" in t["TopicArn"]
        ]
        alarms = local_stack.client("cloudwatch", region).describe_alarms(AlarmNamePrefix="fileproc-local")
        assert alarms["MetricAlarms"] == []
        groups = local_stack.client("logs", region).describe_log_groups(
            logGroupNamePrefix="/aws/lambda/fileproc-local"
        )
        assert groups["logGroups"] == []
    roles = [role["RoleName"] for role in local_stack.client("iam").list_roles()["Roles"]]
    assert not [name for name in roles if name.startswith("fileproc-local")]
