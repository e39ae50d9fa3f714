"""Load and change on the deployed stack: a hundred files give a hundred records and redeliveries
none; an event for another bucket is refused; the Java variant, applied to the first region, writes
the same record; `make drift` names a unit changed out of band; missing objects set off their alarm.
(Layer and code changes are covered by the rollouts of test_03, in both regions.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from release import builds
from stack_helpers import ENV, LAMBDA_FAILURE_SIGNALS, REGION, ROOT, UNITS, VECTORS, outcomes
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


@pytest.fixture
def python_build_back_afterwards(local_stack):
    """After the test, the region runs the record it had again (the Python build): later files (the
    trigger modes) need it."""
    record = builds.read_record(ENV)
    yield
    builds.write_record(ENV, record)
    local_stack.run_all("apply", region=REGION)
    local_stack.read_outputs()


def test_the_java_variant_deploys_with_snapstart_and_writes_the_same_record(
    local_stack, python_build_back_afterwards
):
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


def test_more_missing_objects_than_the_threshold_set_off_the_objects_missing_alarm(local_stack):
    """object_missing counts as success for the event, so only its alarm tells a person that
    something deletes uploads before they are read: 11 in one period are over the threshold of 10.
    Last in this file: the alarm stays in ALARM for the rest of its period."""
    from standin.alarms import wait_for_state

    s3, cloudwatch = local_stack.client("s3"), local_stack.client("cloudwatch")
    trigger = local_stack.outputs["buckets"]["trigger_bucket_name"]
    function_name = local_stack.outputs["function"]["function_name"]
    alarm = f"{function_name}-objects-missing"
    keys = [f"gone/early {index:02d}.txt" for index in range(11)]
    with LocalLambdaService(local_stack.endpoint, REGION) as service:
        [target] = service.notification_targets(trigger)
        function = service.deployed_function(target.function_arn)
        events = []
        for key in keys:
            version = s3.put_object(Bucket=trigger, Key=key, Body=b"deleted before it is read")["VersionId"]
            events.append(service.s3_event(trigger, key, target))
            s3.delete_object(Bucket=trigger, Key=key, VersionId=version)  # gone for good, not a marker
        invocation = service.invoke_async(
            function, {"Records": [record for event in events for record in event["Records"]]}
        )

    assert invocation.succeeded, invocation.attempts
    assert [item["outcome"] for item in invocation.attempts[-1]["result"]["objects"]] == [
        "object_missing"
    ] * 11
    fired = wait_for_state(cloudwatch, alarm, "ALARM", timeout_s=60)
    assert fired["StateValue"] == "ALARM", fired
    assert "[11" in fired["StateReason"]


def test_with_its_concurrency_used_up_an_event_is_throttled_and_the_throttles_alarm_fires(local_stack):
    """reserved_concurrent_executions (env.hcl) reaches Lambda; at 0 (what an operator sets to stop
    the function) every attempt is throttled, the event ends in the failure queue as
    EventAgeExceeded, and the throttles alarm fires. The reservation is put back afterwards."""
    import hcl2
    from standin.alarms import wait_for_state

    lambda_client, cloudwatch = local_stack.client("lambda"), local_stack.client("cloudwatch")
    s3 = local_stack.client("s3")
    function_name = local_stack.outputs["function"]["function_name"]
    trigger = local_stack.outputs["buckets"]["trigger_bucket_name"]
    with (ROOT / "live" / ENV / "env.hcl").open(encoding="utf-8") as env_hcl:
        configured = hcl2.load(env_hcl)["locals"][0]["settings"]["reserved_concurrent_executions"]
    reserved = lambda_client.get_function_concurrency(FunctionName=function_name)[
        "ReservedConcurrentExecutions"
    ]
    assert reserved == configured

    lambda_client.put_function_concurrency(FunctionName=function_name, ReservedConcurrentExecutions=0)
    try:
        key = "throttled/while stopped.txt"
        s3.put_object(Bucket=trigger, Key=key, Body=b"arrives while the function is stopped")
        with LocalLambdaService(local_stack.endpoint, REGION) as service:
            [target] = service.notification_targets(trigger)
            function = service.deployed_function(target.function_arn)
            invocation = service.invoke_async(function, service.s3_event(trigger, key, target))
    finally:
        lambda_client.put_function_concurrency(
            FunctionName=function_name, ReservedConcurrentExecutions=reserved
        )

    assert not invocation.attempts
    assert invocation.destination_record["requestContext"]["condition"] == "EventAgeExceeded"
    fired = wait_for_state(cloudwatch, f"{function_name}-throttles", "ALARM", timeout_s=60)
    assert fired["StateValue"] == "ALARM", fired


def metrics_of(dashboard_body: dict) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, name, dimensions) of every metric the dashboard's metric widgets draw."""
    found = []
    for widget in dashboard_body["widgets"]:
        for metric in widget["properties"].get("metrics", []):
            namespace, name, *rest = [part for part in metric if not isinstance(part, dict)]
            found.append((namespace, name, dict(zip(rest[::2], rest[1::2], strict=True))))
    return found


def test_every_metric_on_the_dashboard_is_one_the_stack_emitted(local_stack):
    """After the traffic above (throttles included), each metric a widget draws is among the metrics
    CloudWatch holds (the function's EMF lines, what Lambda and SQS publish); outcome kinds the
    traffic did not produce must at least be outcomes the handler records, and Lambda's failed
    deliveries appear only when one happens. The alarm widget names every alarm."""
    from file_processor.processor import OUTCOMES

    cloudwatch = local_stack.client("cloudwatch")
    function = local_stack.outputs["function"]
    body = json.loads(cloudwatch.get_dashboard(DashboardName=function["dashboard_name"])["DashboardBody"])
    emitted = {
        (
            metric["Namespace"],
            metric["MetricName"],
            frozenset((d["Name"], d["Value"]) for d in metric["Dimensions"]),
        )
        for page in cloudwatch.get_paginator("list_metrics").paginate()
        for metric in page["Metrics"]
    }
    drawn = metrics_of(body)

    outcome_kinds = {dims["outcome"] for _, name, dims in drawn if name == "Outcomes"}
    assert outcome_kinds == set(OUTCOMES)
    for namespace, name, dims in drawn:
        if name == "Outcomes" and (namespace, name, frozenset(dims.items())) not in emitted:
            continue  # a kind this run did not produce (checked against the handler's list above)
        if namespace == "AWS/Lambda" and name in LAMBDA_FAILURE_SIGNALS - {"Throttles"}:
            continue  # published by Lambda only when it happens (a failed delivery to the queue)
        assert (namespace, name, frozenset(dims.items())) in emitted, (namespace, name, dims)
    produced = {dict(dims).get("outcome") for _, name, dims in emitted if name == "Outcomes"}
    assert {"recorded", "already_recorded", "refused", "object_missing"} <= produced, produced
    [alarm_widget] = [widget for widget in body["widgets"] if widget["type"] == "alarm"]
    alarms = cloudwatch.describe_alarms(AlarmNames=function["alarm_names"])["MetricAlarms"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(alarm["AlarmArn"] for alarm in alarms)
    # The picture of it, drawn by the README's command (the README's picture is one of these):
    # every widget, a line for each metric that has data, every alarm's state.
    out = ROOT / "build" / f"dashboard-{ENV}-{REGION}.svg"
    script = ROOT / "scripts" / "standin" / "dashboard_picture.py"
    command = [sys.executable, str(script), "--region", REGION, "--dashboard", function["dashboard_name"]]
    drawing = subprocess.run([*command, "--out", str(out), "--minutes", "60"], capture_output=True, text=True)
    assert drawing.returncode == 0, drawing.stderr
    picture = out.read_text(encoding="utf-8")
    assert picture.count("<polyline") >= len(emitted & {(n, m, frozenset(d.items())) for n, m, d in drawn})
    assert all(alarm["AlarmName"] in picture for alarm in alarms)
