"""Changes and load on the deployed stack: an unchanged layer publishes nothing, a changed one a new
version the function follows, a code change touches the function only; a hundred files give a
hundred records; an object the role may not read ends in the failure queue; the Java variant
writes the same record. Code changes are applied to the first region (the rollout tests cover both);
the Java variant to both, so the promotion tests after it find every region on the record."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from release import builds
from stack_helpers import ENV, REGION, REGIONS, ROOT, VECTORS, build_and_record, outcomes, unit_lines
from standin.local_lambda import LocalLambdaService

pytestmark = pytest.mark.slow

PIP_DOWNLOAD = (sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:")


def test_rebuilding_an_unchanged_layer_publishes_no_new_version(local_stack):
    before = local_stack.read_outputs()["layer"]
    manifest = build_and_record()
    assert manifest["layer"]["sha256"] == before["package_sha256"]

    local_stack.run_all("apply", region=REGION)

    after = local_stack.read_outputs()["layer"]
    assert after["layer_version_arn"] == before["layer_version_arn"]
    versions = local_stack.client("lambda").list_layer_versions(LayerName=after["layer_arn"].split(":")[-1])
    assert len(versions["LayerVersions"]) == 1


@pytest.fixture(scope="module")
def changed_requirements(tmp_path_factory) -> Path:
    """The layer's requirements plus one more small, pure-Python, hash-pinned package."""
    directory = tmp_path_factory.mktemp("requirements")
    wheel_dir = directory / "wheel"
    subprocess.run(
        [*PIP_DOWNLOAD, "--dest", str(wheel_dir), "tomli-w==1.2.0"],
        check=True,
    )
    [wheel] = wheel_dir.glob("*.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    requirements = directory / "requirements.txt"
    original = (ROOT / "layer-requirements" / "python" / "requirements.txt").read_text()
    requirements.write_text(f"{original.rstrip()}\ntomli-w==1.2.0 \\\n    --hash=sha256:{digest}\n")
    return requirements


def test_changing_a_layer_requirement_publishes_a_new_version_and_the_function_follows(
    local_stack, changed_requirements
):
    before = local_stack.outputs

    manifest = build_and_record(requirements=changed_requirements)
    local_stack.run_all("apply", region=REGION)

    after = local_stack.read_outputs()
    assert manifest["layer"]["sha256"] != before["layer"]["package_sha256"]
    assert int(after["layer"]["version"]) == int(before["layer"]["version"]) + 1
    config = local_stack.client("lambda").get_function(
        FunctionName=after["function"]["function_name"], Qualifier="live"
    )
    assert [layer["Arn"] for layer in config["Configuration"]["Layers"]] == [
        after["layer"]["layer_version_arn"]
    ]
    assert after["function"]["code_sha256"] == before["function"]["code_sha256"]
    # The replaced layer version stays: a rollback to the previous function version still needs it.
    versions = local_stack.client("lambda").list_layer_versions(LayerName=after["layer_arn"].split(":")[-1])
    assert len(versions["LayerVersions"]) == 2


def test_changing_function_code_updates_the_function_only(local_stack, changed_requirements, tmp_path):
    before = local_stack.outputs
    source = tmp_path / "file_processor"
    shutil.copytree(ROOT / "src" / "file_processor", source, ignore=shutil.ignore_patterns("__pycache__"))
    with (source / "handler.py").open("a", encoding="utf-8") as handler:
        handler.write("\n# A code change that changes nothing but the package.\n")

    manifest = build_and_record(requirements=changed_requirements, function_source=source)
    local_stack.run_all("apply", region=REGION)

    after = local_stack.read_outputs()
    assert manifest["function"]["base64sha256"] == after["function"]["code_sha256"]
    assert after["function"]["code_sha256"] != before["function"]["code_sha256"]
    assert after["layer"]["layer_version_arn"] == before["layer"]["layer_version_arn"]
    assert int(after["function"]["live_version"]) == int(before["function"]["live_version"]) + 1
    for unit in ("buckets", "iam", "layer"):
        assert unit_lines(f"{ENV}-{REGION}-apply.log", unit, "Resources: 0 added, 0 changed, 0 destroyed"), (
            unit
        )
    assert not unit_lines(
        f"{ENV}-{REGION}-apply.log", "function", "Resources: 0 added, 0 changed, 0 destroyed"
    )


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


def test_an_object_the_role_may_not_read_is_denied_and_ends_in_the_failure_queue(local_stack):
    """An event naming a bucket outside the role's trigger bucket: IAM denies the read."""
    outputs = local_stack.outputs
    sqs = local_stack.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=outputs["function"]["failure_queue_arn"].split(":")[-1])[
        "QueueUrl"
    ]
    sqs.purge_queue(QueueUrl=queue_url)  # the failures of the broken build, inspected and dismissed
    artifacts = outputs["buckets"]["artifacts_bucket_name"]
    key = outputs["layer"]["package_s3_key"]
    with LocalLambdaService(local_stack.endpoint, artifacts, REGION) as service:
        [target] = service.notification_targets(outputs["buckets"]["trigger_bucket_name"])
        function = service.deployed_function(target.function_arn)
        invocation = service.invoke_async(function, service.s3_event(artifacts, key, target))

    assert not invocation.succeeded
    assert len(invocation.attempts) == 3  # the first try and maximum_retry_attempts = 2
    assert "access_denied" in invocation.attempts[-1]["errorMessage"] or "AccessDenied" in json.dumps(
        invocation.attempts[-1]
    )
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    [record] = [json.loads(message["Body"]) for message in messages]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"]["Records"][0]["s3"]["bucket"]["name"] == artifacts
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert key in record["responsePayload"]["errorMessage"]
    sqs.purge_queue(QueueUrl=queue_url)


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
    local_stack.run_all("apply")
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
    for region in REGIONS:
        other = local_stack.region_outputs[region]["function"]
        assert (
            local_stack.client("lambda", region).get_function_configuration(
                FunctionName=other["function_name"], Qualifier="live"
            )["Runtime"]
            == "java21"
        )
