"""scripts/soak.py's checks: what counts as lost, duplicated or half-written."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import soak

UPLOADED = [soak.Uploaded("soak/a", "v1", "aa", 1), soak.Uploaded("soak/b", "v2", "bb", 1)]
VERSIONS = {("soak/a", "v1"), ("soak/b", "v2")}


def record(key: str, version: str, sha256: str) -> dict:
    return {"source": {"key": key, "versionId": version}, "sha256": {"hex": sha256}}


def checked(records: list, failures: list, deleted: set | None = None) -> soak.ScenarioReport:
    report = soak.ScenarioReport("healthy", "s3", objects=2, versions=2, concurrency=2)
    soak.check(report, UPLOADED, VERSIONS, records, failures, deleted or set())
    return report


def test_a_version_with_neither_record_nor_routed_failure_is_lost():
    report = checked([("r/a", record("soak/a", "v1", "aa"), "")], [])

    assert report.problems == ["LOST: ('soak/b', 'v2') has no record and no failure in the failure queue"]
    assert report.records == 1


def test_a_routed_failure_or_a_version_deleted_while_read_is_accounted_for():
    records = [("r/a", record("soak/a", "v1", "aa"), "")]

    assert checked(records, [("soak/b", "v2", "Task timed out after 3.00 seconds")]).problems == []
    assert checked(records, [], deleted={("soak/b", "v2")}).problems == []


def test_two_records_of_one_version_a_wrong_hash_and_a_broken_record_are_each_reported():
    records = [
        ("r/a1", record("soak/a", "v1", "aa"), ""),
        ("r/a2", record("soak/a", "v1", "aa"), ""),
        ("r/b", record("soak/b", "v2", "ff"), ""),
        ("r/c", None, "Expecting value: line 1 column 1 (char 0)"),
    ]

    problems = checked(records, []).problems

    assert problems == [
        "record r/b of ('soak/b', 'v2') has SHA-256 ff, uploaded bb",
        "record r/c is not whole: Expecting value: line 1 column 1 (char 0)",
        "('soak/a', 'v1') has 2 records: ['r/a1', 'r/a2']",
    ]


def test_an_eventbridge_event_and_an_s3_event_name_their_objects_decoded():
    s3_event = {"Records": [{"s3": {"object": {"key": "soak/with+space+%C3%A9", "versionId": "v1"}}}]}
    eventbridge_event = {"detail": {"object": {"key": "soak/plus%2Bsign", "version-id": "v2"}}}

    assert soak.failed_objects(s3_event) == [("soak/with space é", "v1")]
    assert soak.failed_objects(eventbridge_event) == [("soak/plus+sign", "v2")]


def test_a_routed_failure_must_say_why():
    records = [("r/a", record("soak/a", "v1", "aa"), "")]

    assert checked(records, [("soak/b", "v2", "")]).problems == [
        "('soak/b', 'v2') was routed without a reason"
    ]


def test_each_trigger_path_s_failure_message_gives_its_event_and_reason():
    s3_event = {"Records": [{"s3": {"object": {"key": "soak/a", "versionId": "v1"}}}]}
    destination_record = {
        "requestContext": {"condition": "RetriesExhausted"},
        "requestPayload": s3_event,
        "responsePayload": {"errorMessage": "RequestId: 1f2e Error: Task timed out after 3.00 seconds"},
    }
    undeliverable = {"detail": {"object": {"key": "soak/b"}}}
    attributes = {"ERROR_CODE": {"DataType": "String", "StringValue": "NO_PERMISSIONS"}}

    assert soak.failed_event({"Body": json.dumps(destination_record)}) == (
        s3_event,
        "Task timed out after 3.00 seconds",
    )
    assert soak.failed_event({"Body": json.dumps(undeliverable), "MessageAttributes": attributes}) == (
        undeliverable,
        "EventBridge could not deliver the event (NO_PERMISSIONS)",
    )
    assert soak.failed_event({"Body": json.dumps(s3_event)}) == (
        s3_event,
        "not processed within the trigger queue's maxReceiveCount receives (redrive)",
    )


def test_retries_are_counted_per_invocation_or_per_message_received_and_held_to_the_budget():
    deliveries = [
        soak.Delivery("soak/a", 1.0, attempts=3, outcomes=["recorded"]),
        soak.Delivery("soak/a", 1.0, attempts=1, outcomes=["already_recorded"]),  # its duplicate
        soak.Delivery("soak/b", 1.0, attempts=4, outcomes=[]),
        soak.Delivery("soak/c", 1.0, attempts=0, outcomes=[], received=["m1", "m2", "m1"]),
        soak.Delivery("soak/d", 1.0, attempts=0, outcomes=[], received=["m1", "m1", "m1"]),
    ]
    report = soak.ScenarioReport("reset", "s3", objects=4, versions=4, concurrency=2)

    soak.summarise(report, deliveries, budget=3)

    assert report.problems == ["soak/b: 4 attempts, budget 3", "message m1: 5 attempts, budget 3"]
    assert report.lambda_retries == 2 + 3 + 4  # a: 2, b: 3, m1: 4, m2: 0
    assert report.outcomes == {"recorded": 1, "already_recorded": 1}


def test_the_alarms_are_read_while_the_failures_are_still_in_the_queue(standin):
    """Draining the queue first would empty the metric failure-queue-not-empty watches: that alarm
    would be OK again before the harness looked (the flaw a 100-object sqs timeout run showed)."""
    sqs, cloudwatch = standin.client("sqs"), standin.client("cloudwatch")
    function = f"soak-alarms-{uuid.uuid4().hex[:10]}"
    queue_name = f"{function}-failures"
    queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    alarms = {  # as modules/function/alarms.tf defines them
        "errors": ("AWS/Lambda", "Errors", "Sum", {"FunctionName": function}),
        "failure-queue-not-empty": (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "Maximum",
            {"QueueName": queue_name},
        ),
    }
    for suffix, (namespace, metric, statistic, dimensions) in alarms.items():
        cloudwatch.put_metric_alarm(
            AlarmName=f"{function}-{suffix}",
            Namespace=namespace,
            MetricName=metric,
            Dimensions=[{"Name": name, "Value": value} for name, value in dimensions.items()],
            Statistic=statistic,
            Period=60,
            EvaluationPeriods=1,
            Threshold=0,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
        )
    cloudwatch.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {"MetricName": "Errors", "Dimensions": [{"Name": "FunctionName", "Value": function}], "Value": 1}
        ],
    )
    s3_event = {"Records": [{"s3": {"object": {"key": "soak/x/a+b", "versionId": "v1"}}}]}
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(
            {
                "requestContext": {"condition": "RetriesExhausted"},
                "requestPayload": s3_event,
                "responsePayload": {"errorMessage": "Task timed out after 3.00 seconds"},
            }
        ),
    )
    stack = soak.Stack(
        endpoint=standin.endpoint,
        region="us-east-1",
        trigger_mode="s3",
        attempt_budget=3,
        trigger_bucket="unused",
        results_bucket="unused",
        failure_queue_url=queue_url,
        function_name=function,
        s3=None,
        sqs=sqs,
        cloudwatch=cloudwatch,
    )
    report = soak.ScenarioReport("timeout", "s3", objects=1, versions=1, concurrency=1)

    failures = soak.routed_failures(stack, report, "soak/x/", expect_failures=True)

    assert failures == [("soak/x/a b", "v1", "Task timed out after 3.00 seconds")]
    assert report.alarms == {f"{function}-errors": "ALARM", f"{function}-failure-queue-not-empty": "ALARM"}
    assert report.problems == []
    assert soak.visible_messages(sqs, queue_url) == 0


def test_a_scenario_that_should_route_failures_and_routed_none_is_a_problem(standin):
    sqs = standin.client("sqs")
    queue_url = sqs.create_queue(QueueName=f"soak-empty-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    stack = soak.Stack(
        standin.endpoint, "us-east-1", "s3", 3, "unused", "unused", queue_url, "fn", None, sqs, None
    )
    report = soak.ScenarioReport("timeout", "s3", objects=1, versions=1, concurrency=1)

    assert soak.routed_failures(stack, report, "soak/x/", expect_failures=True) == []
    assert report.problems == ["the scenario should have routed failures to the failure queue; none came"]
    assert report.alarms == {}


def test_a_message_an_earlier_step_left_in_the_queue_does_not_make_a_healthy_scenario_wait_for_alarms(
    standin,
):
    """Only a scenario made to fail must set off the alarms; a leftover of another prefix is drained."""
    sqs = standin.client("sqs")
    queue_url = sqs.create_queue(QueueName=f"soak-leftover-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    left_over = {"Records": [{"s3": {"object": {"key": "earlier/step", "versionId": "v9"}}}]}
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(left_over))
    stack = soak.Stack(
        standin.endpoint, "us-east-1", "sqs", 5, "unused", "unused", queue_url, "fn", None, sqs, None
    )
    report = soak.ScenarioReport("healthy", "sqs", objects=1, versions=1, concurrency=1)

    assert soak.routed_failures(stack, report, "soak/x/", expect_failures=False) == []
    assert report.alarms == {}
    assert report.problems == []
    assert soak.visible_messages(sqs, queue_url) == 0
