"""Load and change on the deployed stack: a hundred files give a hundred records and redeliveries
none; an object the role may not read ends in the failure queue; the Java variant, applied to the
first region, writes the same record; `make drift` names a unit changed out of band. (Layer and
code changes are covered by the rollouts of test_03, in both regions.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from release import builds
from stack_helpers import ENV, REGION, ROOT, UNITS, VECTORS, outcomes
from standin.local_lambda import LocalLambdaService

pytestmark = pytest.mark.slow

PIP_DOWNLOAD = (sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:")


def test_a_hundred_files_give_a_hundred_records_and_redeliveries_add_none(local_stack):
    s3 = local_stack.client("s3")
    buckets = local_stack.outputs["buckets"]
    keys = [f"batch/file {index:03d}.txt" for index in range(100)]
    for index, key in enumerate(keys):
        s3.put_object(Bucket=buckets["trigger_bucket_name"], Key=key, Body=f"file number {index}\n".encode())

    results = local_stack.process(keys)
    redelivered = local_stack.process(keys[:10])

    assert outcomes(results) == ["recorded"] * 100
    assert outcomes(redelivered) == ["already_recorded"] * 10
    record_keys = [
        item["recordKey"] for r in results for item in r["invocation"].attempts[-1]["result"]["objects"]
    ]
    assert len(set(record_keys)) == 100
    paginator = s3.get_paginator("list_objects_v2")
    stored = {
        obj["Key"]
        for page in paginator.paginate(Bucket=buckets["results_bucket_name"], Prefix="records/")
        for obj in page.get("Contents", [])
    }
    assert set(record_keys) <= stored
    sources = {
        local_stack.read_json(buckets["results_bucket_name"], key)["source"]["key"] for key in record_keys
    }
    assert sources == set(keys)


def drain(sqs, queue_url: str) -> None:
    """Receive and delete every message: PurgeQueue may run once a minute per queue (in AWS too)."""
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )


def test_an_event_for_another_bucket_is_refused_by_the_handler_and_reads_nothing(local_stack):
    """An event naming the artifacts bucket (a misrouted notification, a hand-made invoke): the
    deployed function refuses it (its TRIGGER_BUCKET), reads nothing and does not retry it; the
    role could not read it anyway (tests/e2e/test_02_least_privilege.py)."""
    outputs = local_stack.outputs
    sqs = local_stack.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=outputs["function"]["failure_queue_arn"].split(":")[-1])[
        "QueueUrl"
    ]
    drain(sqs, queue_url)  # the failures of the broken build, inspected and dismissed
    artifacts = outputs["buckets"]["artifacts_bucket_name"]
    key = outputs["layer"]["package_s3_key"]
    with LocalLambdaService(local_stack.endpoint, REGION) as service:
        [target] = service.notification_targets(outputs["buckets"]["trigger_bucket_name"])
        function = service.deployed_function(target.function_arn)
        invocation = service.invoke_async(function, service.s3_event(artifacts, key, target))

    assert invocation.succeeded, invocation.attempts
    assert len(invocation.attempts) == 1  # nothing to retry: it will never become ours
    assert "refused" in json.dumps(invocation.attempts[-1])
    assert not sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages")
    log = (ROOT / "build" / "local-logs" / f"{function.name}.log").read_text(encoding="utf-8")
    assert f"event for bucket '{artifacts}', not the trigger bucket" in log


def test_the_java_variant_deploys_with_snapstart_and_writes_the_same_record(local_stack):
    s3 = local_stack.client("s3")
    buckets = local_stack.outputs["buckets"]
    body = (VECTORS / "report.pdf").read_bytes()
    python_key = "incoming/quarterly report (final).pdf"  # recorded by the Python function before
    [python_item] = [
        item
        for result in local_stack.process([python_key])
        for item in result["invocation"].attempts[-1]["result"]["objects"]
    ]

    builds.record(ENV, builds.build_for(ENV, "java"))
    local_stack.run_all("apply", region=REGION)
    outputs = local_stack.read_outputs()

    awslambda = local_stack.client("lambda")
    name = outputs["function"]["function_name"]
    config = awslambda.get_function_configuration(FunctionName=name, Qualifier="live")
    assert config["Runtime"] == "java21"
    assert config["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    assert (
        awslambda.get_alias(FunctionName=name, Name="live")["FunctionVersion"]
        == outputs["function"]["published_version"]
    )

    java_key = "incoming/quarterly report (java).pdf"
    s3.put_object(
        Bucket=buckets["trigger_bucket_name"], Key=java_key, Body=body, ContentType="application/pdf"
    )
    [result] = local_stack.process([java_key])
    assert result["invocation"].succeeded, result["invocation"].attempts
    [java_item] = result["invocation"].attempts[-1]["result"]["objects"]
    assert java_item["outcome"] == "recorded"

    python_record = local_stack.read_json(buckets["results_bucket_name"], python_item["recordKey"])
    java_record = local_stack.read_json(buckets["results_bucket_name"], java_item["recordKey"])
    assert java_record["source"]["key"] == java_key
    for field in ("schemaVersion", "sha256", "type"):
        assert java_record[field] == python_record[field], field
    for field in ("size", "contentType", "eTag", "encryption", "checksums", "metadata", "storageClass"):
        assert java_record["object"][field] == python_record["object"][field], field


def test_make_drift_names_the_unit_changed_out_of_band_and_nothing_else(local_stack):
    """A log group's retention changed in the console: `make drift` exits 2 and names that unit."""
    logs = local_stack.client("logs")
    group = f"/aws/lambda/{local_stack.outputs['function']['function_name']}"
    [configured] = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    logs.put_retention_policy(logGroupName=group, retentionInDays=7)
    try:
        result = subprocess.run(
            ["make", "drift", f"ENV={ENV}", f"REGION={REGION}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
    finally:
        logs.put_retention_policy(logGroupName=group, retentionInDays=configured["retentionInDays"])

    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-3000:]
    drifted = [line for line in result.stdout.splitlines() if line.startswith("DRIFT ")]
    assert drifted == [f"DRIFT {REGION}/function: Plan: 0 to add, 1 to change, 0 to destroy."], result.stdout
    assert "aws_cloudwatch_log_group.this will be updated in-place" in result.stdout
    assert sum(line.startswith("ok    ") for line in result.stdout.splitlines()) == len(UNITS) - 1
