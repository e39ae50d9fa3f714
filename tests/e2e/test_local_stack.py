"""The local environment end to end, through the real Terragrunt, OpenTofu and AWS provider on the
stand-in: plan, apply, process files as Lambda would, change things, destroy, demo again.

The tests run in file order against one deployment (the module-scoped local_stack fixture).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from release import builds, stack
from stack_helpers import ENV, REGION, ROOT, build_and_record
from standin.local_lambda import LocalLambdaService, process_new_objects

pytestmark = pytest.mark.slow

VECTORS = ROOT / "tests" / "vectors" / "objects"
UNITS = ("buckets", "iam", "layer", "function")


def unit_lines(log_name: str, unit: str, marker: str) -> list[str]:
    log = (stack.REPORTS / log_name).read_text(encoding="utf-8")
    return [line for line in log.splitlines() if f"[{REGION}/{unit}]" in line and marker in line]


def process(local_stack, keys: list[str]) -> list[dict]:
    buckets = local_stack.outputs["buckets"]
    with LocalLambdaService(local_stack.endpoint, buckets["artifacts_bucket_name"]) as service:
        return process_new_objects(service, buckets["trigger_bucket_name"], keys)


def read_json(s3, bucket: str, key: str) -> dict:
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_plan_on_a_fresh_stand_in_succeeds_with_mock_outputs(local_stack):
    timings = local_stack.run_all("plan")

    assert {timing.unit: timing.result for timing in timings} == {f"{REGION}/{u}": "succeeded" for u in UNITS}
    for unit in UNITS:
        assert unit_lines(f"{ENV}-plan.log", unit, "Plan:"), unit


def test_apply_deploys_the_units_in_dependency_order_and_passes_the_layer_arn(local_stack):
    timings = {timing.unit.split("/")[1]: timing for timing in local_stack.run_all("apply")}

    assert {unit: timing.result for unit, timing in timings.items()} == dict.fromkeys(UNITS, "succeeded")
    assert timings["buckets"].ended <= timings["iam"].started
    assert timings["buckets"].ended <= timings["layer"].started
    assert max(timings["iam"].ended, timings["layer"].ended) <= timings["function"].started
    outputs = local_stack.read_outputs()
    function = local_stack.client("lambda").get_function(FunctionName=outputs["function"]["function_name"])
    assert [layer["Arn"] for layer in function["Configuration"]["Layers"]] == [
        outputs["layer"]["layer_version_arn"]
    ]


def test_every_bucket_is_encrypted_versioned_private_owner_enforced_and_expiring(local_stack):
    s3 = local_stack.client("s3")
    buckets = local_stack.outputs["buckets"]
    log_bucket = buckets["access_log_bucket_name"]
    names = {
        "trigger": buckets["trigger_bucket_name"],
        "results": buckets["results_bucket_name"],
        "artifacts": buckets["artifacts_bucket_name"],
        "access-logs": log_bucket,
    }
    for purpose, name in names.items():
        [rule] = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        algorithm = rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        # The local environment enables the customer key; server access logs can only use SSE-S3.
        assert algorithm == ("AES256" if purpose == "access-logs" else "aws:kms"), purpose
        assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert all(block.values())
        assert len(block) == 4
        ownership = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
        assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        rules = {rule["ID"] for rule in s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]}
        assert {"expire-noncurrent-versions", "abort-incomplete-multipart-uploads"} <= rules
        if purpose != "access-logs":
            logging = s3.get_bucket_logging(Bucket=name)["LoggingEnabled"]
            assert logging == {"TargetBucket": log_bucket, "TargetPrefix": f"{purpose}/"}


def test_bucket_policies_deny_requests_without_tls_and_foreign_encryption(local_stack):
    # checkov has no check that a bucket policy denies non-TLS requests (Security Hub S3.5):
    # read the module's own rendered guardrails for every bucket.
    guardrails = local_stack.outputs["buckets"]["guardrail_policies"]
    assert set(guardrails) == {"trigger", "results", "artifacts", "access-logs"}
    for purpose, document in guardrails.items():
        statements = {statement["Sid"]: statement for statement in json.loads(document)["Statement"]}
        tls = statements["DenyInsecureTransport"]
        assert tls["Effect"] == "Deny"
        assert tls["Action"] == "s3:*"
        assert tls["Principal"] == "*"
        assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert len(tls["Resource"]) == 2, purpose  # the bucket and every object in it
        assert statements["DenyOutdatedTls"]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}
        assert statements["DenyOtherServerSideEncryption"]["Effect"] == "Deny"
        assert statements["DenyCustomerProvidedKeys"]["Effect"] == "Deny"


def test_the_function_permission_notification_and_failure_path_are_wired(local_stack):
    outputs = local_stack.outputs
    awslambda = local_stack.client("lambda")
    name = outputs["function"]["function_name"]
    config = awslambda.get_function(FunctionName=name)["Configuration"]
    assert config["Handler"] == "file_processor.handler.handler"
    assert config["TracingConfig"] == {"Mode": "Active"}
    assert config["Environment"]["Variables"]["RESULTS_BUCKET"] == outputs["buckets"]["results_bucket_name"]
    # The function only identifies in-memory samples, so puremagic's deep-scan modules stay unimported.
    assert config["Environment"]["Variables"]["PUREMAGIC_DEEPSCAN"] == "0"

    [statement] = json.loads(awslambda.get_policy(FunctionName=name)["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    trigger = outputs["buckets"]["trigger_bucket_name"]
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == f"arn:aws:s3:::{trigger}"
    assert statement["Condition"]["StringEquals"]["AWS:SourceAccount"] == "123456789012"

    notification = local_stack.client("s3").get_bucket_notification_configuration(Bucket=trigger)
    [target] = notification["LambdaFunctionConfigurations"]
    assert target["LambdaFunctionArn"] == outputs["function"]["invoke_target_arn"]
    assert target["Events"] == ["s3:ObjectCreated:*"]

    invoke = awslambda.get_function_event_invoke_config(FunctionName=name)
    assert invoke["MaximumRetryAttempts"] == 2
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == outputs["function"]["failure_queue_arn"]


def test_a_dropped_file_is_processed_into_its_metadata_record(local_stack):
    s3 = local_stack.client("s3")
    buckets = local_stack.outputs["buckets"]
    body = (VECTORS / "report.pdf").read_bytes()
    key = "incoming/quarterly report (final).pdf"
    s3.put_object(Bucket=buckets["trigger_bucket_name"], Key=key, Body=body, ContentType="application/pdf")

    [result] = process(local_stack, [key])

    invocation = result["invocation"]
    assert invocation.succeeded
    assert len(invocation.attempts) == 1
    [item] = invocation.attempts[0]["result"]["objects"]
    assert item["outcome"] == "recorded"
    record = read_json(s3, buckets["results_bucket_name"], item["recordKey"])
    assert record["schemaVersion"] == 1
    assert record["source"]["bucket"] == buckets["trigger_bucket_name"]
    assert record["source"]["key"] == key
    assert record["object"]["size"] == len(body)
    assert record["object"]["encryption"]["algorithm"] == "aws:kms"
    assert record["sha256"] == {
        "hex": hashlib.sha256(body).hexdigest(),
        "limitBytes": 1073741824,
        "reason": None,
        "status": "computed",
    }
    assert record["type"]["declared"] == "application/pdf"
    assert record["type"]["detected"]["mimeType"] == "application/pdf"
    assert record["type"]["mismatch"] is False


def test_plan_after_apply_shows_no_changes_in_any_unit(local_stack):
    local_stack.run_all("plan")

    for unit in UNITS:
        assert unit_lines(f"{ENV}-plan.log", unit, "No changes."), unit
        assert not unit_lines(f"{ENV}-plan.log", unit, "Plan:"), unit


def test_rebuilding_an_unchanged_layer_publishes_no_new_version(local_stack):
    before = local_stack.outputs["layer"]
    manifest = build_and_record()
    assert manifest["layer"]["sha256"] == before["package_sha256"]

    local_stack.run_all("apply")

    after = local_stack.read_outputs()["layer"]
    assert after["layer_version_arn"] == before["layer_version_arn"]
    versions = local_stack.client("lambda").list_layer_versions(LayerName=after["layer_arn"].split(":")[-1])
    assert len(versions["LayerVersions"]) == 1


def test_a_hundred_files_give_a_hundred_records_and_redeliveries_add_none(local_stack):
    s3 = local_stack.client("s3")
    buckets = local_stack.outputs["buckets"]
    keys = [f"batch/file {index:03d}.txt" for index in range(100)]
    for index, key in enumerate(keys):
        s3.put_object(Bucket=buckets["trigger_bucket_name"], Key=key, Body=f"file number {index}\n".encode())

    results = process(local_stack, keys)
    redelivered = process(local_stack, keys[:10])

    outcomes = [
        item["outcome"] for r in results for item in r["invocation"].attempts[-1]["result"]["objects"]
    ]
    assert outcomes == ["recorded"] * 100
    again = [
        item["outcome"] for r in redelivered for item in r["invocation"].attempts[-1]["result"]["objects"]
    ]
    assert again == ["already_recorded"] * 10
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
    sources = {read_json(s3, buckets["results_bucket_name"], key)["source"]["key"] for key in record_keys}
    assert sources == set(keys)


def test_an_object_the_function_may_not_read_ends_in_the_failure_queue(local_stack):
    s3 = local_stack.client("s3")
    buckets = local_stack.outputs["buckets"]
    trigger = buckets["trigger_bucket_name"]
    key = "forbidden/payroll.csv"
    s3.put_object(Bucket=trigger, Key=key, Body=b"name,salary\n")
    # Make the object unreadable (moto enforces an unconditional bucket-policy Deny on GetObject).
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NobodyReadsForbidden",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{trigger}/forbidden/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=trigger, Policy=json.dumps(deny))
    try:
        [result] = process(local_stack, [key])
    finally:
        s3.delete_bucket_policy(Bucket=trigger)

    invocation = result["invocation"]
    assert not invocation.succeeded
    assert len(invocation.attempts) == 3  # the first try and maximum_retry_attempts = 2
    sqs = local_stack.client("sqs")
    queue_url = sqs.get_queue_url(
        QueueName=local_stack.outputs["function"]["failure_queue_arn"].split(":")[-1]
    )
    messages = sqs.receive_message(QueueUrl=queue_url["QueueUrl"], MaxNumberOfMessages=10)["Messages"]
    [record] = [json.loads(message["Body"]) for message in messages]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"] == "forbidden/payroll.csv"
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert "forbidden/payroll.csv" in record["responsePayload"]["errorMessage"]


@pytest.fixture(scope="module")
def changed_requirements(tmp_path_factory) -> Path:
    """The layer's requirements plus one more small, pure-Python, hash-pinned package."""
    directory = tmp_path_factory.mktemp("requirements")
    wheel_dir = directory / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(wheel_dir),
            "tomli-w==1.2.0",
        ],
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
    local_stack.run_all("apply")

    after = local_stack.read_outputs()
    assert manifest["layer"]["sha256"] != before["layer"]["package_sha256"]
    assert int(after["layer"]["version"]) == int(before["layer"]["version"]) + 1
    config = local_stack.client("lambda").get_function(FunctionName=after["function"]["function_name"])
    assert [layer["Arn"] for layer in config["Configuration"]["Layers"]] == [
        after["layer"]["layer_version_arn"]
    ]
    assert after["function"]["code_sha256"] == before["function"]["code_sha256"]


def test_changing_function_code_updates_the_function_only(local_stack, changed_requirements, tmp_path):
    before = local_stack.outputs
    source = tmp_path / "file_processor"
    shutil.copytree(ROOT / "src" / "file_processor", source, ignore=shutil.ignore_patterns("__pycache__"))
    with (source / "handler.py").open("a", encoding="utf-8") as handler:
        handler.write("\n# A code change that changes nothing but the package.\n")

    manifest = build_and_record(requirements=changed_requirements, function_source=source)
    local_stack.run_all("apply")

    after = local_stack.read_outputs()
    assert manifest["function"]["base64sha256"] == after["function"]["code_sha256"]
    assert after["function"]["code_sha256"] != before["function"]["code_sha256"]
    assert after["layer"]["layer_version_arn"] == before["layer"]["layer_version_arn"]
    for unit in ("buckets", "iam", "layer"):
        assert unit_lines(f"{ENV}-apply.log", unit, "Resources: 0 added, 0 changed, 0 destroyed"), unit
    assert not unit_lines(f"{ENV}-apply.log", "function", "Resources: 0 added, 0 changed, 0 destroyed")


def test_the_java_variant_deploys_with_snapstart_and_writes_the_same_record(local_stack):
    s3 = local_stack.client("s3")
    buckets = local_stack.outputs["buckets"]
    body = (VECTORS / "report.pdf").read_bytes()
    python_key = "incoming/quarterly report (final).pdf"  # recorded by the Python function above
    [python_item] = [
        item
        for result in process(local_stack, [python_key])
        for item in result["invocation"].attempts[-1]["result"]["objects"]
    ]

    builds.record(ENV, builds.build_for(ENV, "java"))
    local_stack.run_all("apply")
    outputs = local_stack.read_outputs()

    awslambda = local_stack.client("lambda")
    config = awslambda.get_function(FunctionName=outputs["function"]["invoke_target_arn"])["Configuration"]
    assert config["Runtime"] == "java21"
    # moto 5.2 always reports SnapStart as off, so only its shape is checked here: S3 invokes the
    # "live" alias, which points at a published version (what SnapStart snapshots).
    assert outputs["function"]["invoke_target_arn"].endswith(":live")
    alias = awslambda.get_alias(FunctionName=outputs["function"]["function_name"], Name="live")
    assert alias["FunctionVersion"] == outputs["function"]["published_version"] != "$LATEST"
    notification = s3.get_bucket_notification_configuration(Bucket=buckets["trigger_bucket_name"])
    assert (
        notification["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"]
        == outputs["function"]["invoke_target_arn"]
    )

    java_key = "incoming/quarterly report (java).pdf"
    s3.put_object(
        Bucket=buckets["trigger_bucket_name"], Key=java_key, Body=body, ContentType="application/pdf"
    )
    [result] = process(local_stack, [java_key])
    [java_item] = result["invocation"].attempts[-1]["result"]["objects"]
    assert java_item["outcome"] == "recorded"

    python_record = read_json(s3, buckets["results_bucket_name"], python_item["recordKey"])
    java_record = read_json(s3, buckets["results_bucket_name"], java_item["recordKey"])
    assert java_record["source"]["key"] == java_key
    for field in ("schemaVersion", "sha256", "type"):
        assert java_record[field] == python_record[field], field
    for field in ("size", "contentType", "eTag", "encryption", "checksums", "metadata", "storageClass"):
        assert java_record["object"][field] == python_record["object"][field], field


def test_promotion_copies_the_record_of_a_build_the_source_runs(local_stack, tmp_path):
    target = tmp_path / "build.json"

    promoted = builds.promote(ENV, "staging", builds.deployed_builds, target_record=target)

    assert json.loads(target.read_text()) == promoted == builds.read_record(ENV)
    running = builds.deployed_builds(ENV)[REGION]
    assert running == {"layer": promoted["layer"]["sha256"], "function": promoted["function"]["sha256"]}


def test_promotion_refuses_a_build_the_source_is_not_running(local_stack, tmp_path):
    record_file = builds.record_path(ENV)
    deployed = record_file.read_text()
    stale = json.loads(deployed)
    stale["function"]["sha256"] = "0" * 64
    record_file.write_text(json.dumps(stale))
    target = tmp_path / "build.json"
    try:
        with pytest.raises(builds.BuildError, match="apply local before promoting"):
            builds.promote(ENV, "staging", builds.deployed_builds, target_record=target)
    finally:
        record_file.write_text(deployed)
    assert not target.exists()


def test_rollout_applies_each_region_in_order_and_passes_the_health_gate(local_stack):
    rollout = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "release" / "rollout.py"), "rollout", "--env", ENV],
        cwd=ROOT,
        env=stack.toolchain_env(),
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )

    assert rollout.returncode == 0, rollout.stdout[-3000:] + rollout.stderr[-3000:]
    assert f"[1/1] {ENV}/{REGION}: apply" in rollout.stdout
    # The stand-in holds no alarms (see live/local/env.hcl), so the gate has nothing to wait for;
    # tests/deploy/test_rollout.py exercises it with stubbed alarm states.
    assert f"{REGION}: no alarms to wait for" in rollout.stdout
    assert f"{ENV}: rolled out to {REGION}" in rollout.stdout


def test_destroy_removes_everything_it_created(local_stack):
    local_stack.run_all("destroy")

    s3 = local_stack.client("s3")
    assert [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]] == [
        "fileproc-tfstate-123456789012-us-east-1"  # the state bucket, created by Terragrunt, stays
    ]
    awslambda = local_stack.client("lambda")
    assert awslambda.list_functions()["Functions"] == []
    assert awslambda.list_layers()["Layers"] == []
    assert local_stack.client("sqs").list_queues().get("QueueUrls", []) == []
    assert local_stack.client("sns").list_topics()["Topics"] == []
    roles = [role["RoleName"] for role in local_stack.client("iam").list_roles()["Roles"]]
    assert not [name for name in roles if name.startswith("fileproc-local")]
    groups = local_stack.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/fileproc-local")
    assert groups["logGroups"] == []


def test_a_second_demo_after_destroy_works():
    demo = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        cwd=ROOT,
        env=stack.toolchain_env(),
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )

    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "incoming/quarterly report.pdf: recorded" in demo.stdout
