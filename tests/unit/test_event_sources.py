"""The handler's other event shapes: S3's EventBridge event and SQS batches of S3 notifications."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import ClientError
from fp_helpers import (
    QUEUE_ARN,
    ROOT,
    SOURCE_BUCKET,
    emf_blobs,
    eventbridge_event,
    load_event,
    object_event,
    put_object,
    read_record,
    result_keys,
    sqs_event,
)

from file_processor import processor
from file_processor.config import ConfigError
from file_processor.events import (
    MalformedEventError,
    parse_event,
    parse_eventbridge_event,
    parse_sqs_message,
)
from file_processor.handler import ProcessingFailedError, handler

DOCS_BUCKET = "amzn-s3-demo-bucket1"  # the bucket of the documentation's EventBridge examples


@pytest.fixture
def sqs_env(function_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The function configured for the queue of tests/events/sqs_message.json."""
    function_env.setenv("TRIGGER_QUEUE_ARN", QUEUE_ARN)
    return function_env


def only_outcome(result: dict) -> str:
    [item] = result["objects"]
    return item["outcome"]


def fail_reading(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    """Make every read of ``key`` fail with a throttling error (botocore's retries exhausted)."""
    real_read = processor.read_object

    def read(s3, event, config):
        if event.ref.key == key:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Reduce your rate."}}, "GetObject")
        return real_read(s3, event, config)

    monkeypatch.setattr("file_processor.processor.read_object", read)


# EventBridge


def test_the_documented_eventbridge_example_parses_to_its_object():
    [item] = parse_eventbridge_event(load_event("eventbridge_object_created.json"))

    assert item.ref.bucket == DOCS_BUCKET
    assert item.ref.key == "example-key"
    assert item.ref.etag == "0123456789abcdef"
    assert item.ref.version_id == "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"
    assert (item.size, item.sequencer) == (5, "0123456789ABCDEF")
    assert (item.event_name, item.event_time) == ("ObjectCreated:Put", "2021-11-12T00:00:00Z")


@pytest.mark.parametrize(
    ("reason", "event_name"),
    [
        ("PutObject", "ObjectCreated:Put"),
        ("POST Object", "ObjectCreated:Post"),
        ("CopyObject", "ObjectCreated:Copy"),
        ("CompleteMultipartUpload", "ObjectCreated:CompleteMultipartUpload"),
    ],
)
def test_each_documented_creation_reason_gets_the_notification_event_name(reason, event_name):
    [item] = parse_eventbridge_event(eventbridge_event("k", 1, "etag", reason=reason))

    assert item.event_name == event_name
    assert item.object_created


def test_an_eventbridge_object_created_event_is_recorded_like_the_s3_notification(s3, lambda_context):
    _, notification = put_object(s3, "same/object.txt", b"one object, two shapes\n")
    s3_object = notification["Records"][0]["s3"]["object"]
    bridged = eventbridge_event("same/object.txt", s3_object["size"], s3_object["eTag"])
    bridged["detail"]["object"]["sequencer"] = s3_object["sequencer"]

    from_notification = handler(notification, lambda_context)
    record_key = from_notification["objects"][0]["recordKey"]
    expected = read_record(s3, record_key)
    s3.delete_object(Bucket="test-results", Key=record_key)
    from_eventbridge = handler(bridged, lambda_context)

    assert from_eventbridge == from_notification
    record = read_record(s3, record_key)
    assert record["source"].pop("eventTime") == "2021-11-12T00:00:00Z"  # as EventBridge sent it
    expected["source"].pop("eventTime")
    assert {**record, "processedAt": None} == {**expected, "processedAt": None}


def test_a_key_with_spaces_and_unicode_from_eventbridge_is_decoded(s3, lambda_context):
    key = "in box/café € 100%+1.txt"
    response, _ = put_object(s3, key, b"decoded\n")
    event = eventbridge_event(key, 8, response["ETag"])
    assert event["detail"]["object"]["key"] == "in+box/caf%C3%A9+%E2%82%AC+100%25%2B1.txt"

    result = handler(event, lambda_context)

    assert only_outcome(result) == "recorded"
    assert read_record(s3, result["objects"][0]["recordKey"])["source"]["key"] == key


def test_a_versioned_object_from_eventbridge_is_read_by_its_version(s3, lambda_context):
    s3.put_bucket_versioning(Bucket=SOURCE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first, _ = put_object(s3, "v.txt", b"first\n")
    put_object(s3, "v.txt", b"second, newer\n")
    event = eventbridge_event("v.txt", 6, first["ETag"], version_id=first["VersionId"])

    result = handler(event, lambda_context)

    record = read_record(s3, result["objects"][0]["recordKey"])
    assert record["source"]["versionId"] == record["object"]["versionId"] == first["VersionId"]
    assert record["object"]["size"] == 6


def test_a_redelivered_eventbridge_event_adds_no_record(s3, lambda_context):
    response, _ = put_object(s3, "twice.txt", b"twice\n")
    event = eventbridge_event("twice.txt", 6, response["ETag"])

    first = handler(event, lambda_context)
    second = handler(event, lambda_context)

    assert (only_outcome(first), only_outcome(second)) == ("recorded", "already_recorded")
    assert len(result_keys(s3)) == 1


def test_a_failed_object_from_eventbridge_fails_the_invocation_for_the_async_retry(
    s3, lambda_context, monkeypatch
):
    response, _ = put_object(s3, "bad.txt", b"unreadable\n")
    fail_reading(monkeypatch, "bad.txt")

    with pytest.raises(ProcessingFailedError, match=r"1 of 1 objects failed: s3://test-source/bad.txt"):
        handler(eventbridge_event("bad.txt", 11, response["ETag"]), lambda_context)


def test_an_eventbridge_object_deleted_event_is_ignored_without_reading(s3, function_env, lambda_context):
    function_env.setenv("TRIGGER_BUCKET", DOCS_BUCKET)

    result = handler(load_event("eventbridge_object_deleted.json"), lambda_context)

    assert only_outcome(result) == "ignored_event_type"
    assert result_keys(s3) == []


def _set(event: dict, path: str, value: object) -> dict:
    *parents, leaf = path.split(".")
    node = event
    for parent in parents:
        node = node[parent]
    if value is None:
        del node[leaf]
    else:
        node[leaf] = value
    return event


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("source", "aws.ec2", "source is 'aws.ec2', not 'aws.s3'"),
        ("detail.object.key", None, "detail.object.key must be a non-empty string"),
        ("detail.object.key", "bad%FF", "is not URL-encoded UTF-8"),
        ("detail.object.size", None, "size must be a whole number"),
        ("detail.object.size", -1, "size must be a whole number"),
        ("detail.object.etag", None, "etag is required"),
        ("detail.bucket", None, "missing field 'bucket'"),
        ("detail", "text", "not an S3 EventBridge event"),
    ],
    ids=["other-source", "no-key", "bad-key", "no-size", "negative-size", "no-etag", "no-bucket", "text"],
)
def test_a_malformed_eventbridge_event_raises_before_any_write(s3, lambda_context, path, value, message):
    event = _set(eventbridge_event("k.txt", 1, "etag"), path, value)

    with pytest.raises(MalformedEventError, match=message):
        handler(event, lambda_context)
    assert result_keys(s3) == []


# SQS


def test_the_sqs_fixture_body_is_the_s3_notification():
    [record] = load_event("sqs_s3_object_created.json")["Records"]

    assert parse_sqs_message(SQSRecord(record)) == parse_event(load_event("s3_object_created_put.json"))


def test_an_sqs_batch_of_s3_notifications_is_recorded(s3, sqs_env, lambda_context):
    _, first = put_object(s3, "queued/a.txt", b"a\n")
    _, second = put_object(s3, "queued/b.txt", b"b\n")

    result = handler(sqs_event(json.dumps(first), json.dumps(second)), lambda_context)

    assert result == {"batchItemFailures": []}
    keys = [read_record(s3, key)["source"]["key"] for key in result_keys(s3)]
    assert sorted(keys) == ["queued/a.txt", "queued/b.txt"]


def test_one_failing_message_in_an_sqs_batch_is_reported_and_the_others_are_recorded(
    s3, sqs_env, lambda_context, log_lines, monkeypatch, capsys
):
    _, ok_first = put_object(s3, "ok-1.txt", b"one\n")
    _, bad = put_object(s3, "bad.txt", b"unreadable\n")
    _, ok_last = put_object(s3, "ok-2.txt", b"two\n")
    fail_reading(monkeypatch, "bad.txt")

    result = handler(sqs_event(json.dumps(ok_first), json.dumps(bad), json.dumps(ok_last)), lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    recorded = sorted(read_record(s3, key)["source"]["key"] for key in result_keys(s3))
    assert recorded == ["ok-1.txt", "ok-2.txt"]
    [retry] = [line for line in log_lines() if line["message"] == "SQS message reported for retry"]
    assert retry["level"] == "ERROR"
    assert retry["sqs_message_id"] == "msg-1"
    assert retry["reason"].startswith("1 of 1 objects failed: s3://test-source/bad.txt")
    blobs = emf_blobs(capsys.readouterr().out)
    outcomes = {blob["outcome"]: blob["Outcomes"] for blob in blobs if "Outcomes" in blob}
    assert outcomes == {"recorded": [2.0], "error": [1.0]}


def test_every_message_failing_is_reported_without_failing_the_invocation(
    s3, sqs_env, lambda_context, monkeypatch
):
    _, bad = put_object(s3, "bad.txt", b"unreadable\n")
    fail_reading(monkeypatch, "bad.txt")

    result = handler(sqs_event(json.dumps(bad), json.dumps(bad)), lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}, {"itemIdentifier": "msg-1"}]}


def test_a_malformed_sqs_message_is_dropped_with_a_log_line_and_does_not_block_the_batch(
    s3, sqs_env, lambda_context, log_lines, capsys
):
    _, good = put_object(s3, "good.txt", b"fine\n")
    bodies = ["not json at all", json.dumps({"hello": "world"}), json.dumps(good)]

    result = handler(sqs_event(*bodies), lambda_context)

    assert result == {"batchItemFailures": []}  # dropped, not retried: it would only fail again
    [key] = result_keys(s3)
    assert read_record(s3, key)["source"]["key"] == "good.txt"
    dropped = [line for line in log_lines() if line["message"].startswith("malformed SQS message dropped")]
    assert [line["sqs_message_id"] for line in dropped] == ["msg-0", "msg-1"]
    assert {line["level"] for line in dropped} == {"ERROR"}
    assert "not retried" in dropped[0]["message"]
    assert dropped[0]["reason"] == "message body is not JSON: 'not json at all'"
    assert "not an S3 event notification" in dropped[1]["reason"]
    [main] = [blob for blob in emf_blobs(capsys.readouterr().out) if "MalformedEvents" in blob]
    assert main["MalformedEvents"] == [1.0, 1.0]


def test_an_sqs_test_event_message_is_ignored(s3, sqs_env, lambda_context, capsys):
    _, good = put_object(s3, "after-test.txt", b"real\n")
    test_event = json.dumps(load_event("s3_test_event.json"))

    result = handler(sqs_event(test_event, json.dumps(good)), lambda_context)

    assert result == {"batchItemFailures": []}
    assert len(result_keys(s3)) == 1
    [main] = [blob for blob in emf_blobs(capsys.readouterr().out) if "TestEventsIgnored" in blob]
    assert main["TestEventsIgnored"] == [1.0]


def test_a_redelivered_sqs_message_adds_no_record(s3, sqs_env, lambda_context, log_lines):
    _, event = put_object(s3, "again.txt", b"delivered twice\n")
    batch = sqs_event(json.dumps(event))

    handler(batch, lambda_context)
    record_before = read_record(s3, result_keys(s3)[0])
    second = handler(batch, lambda_context)

    assert second == {"batchItemFailures": []}
    assert read_record(s3, result_keys(s3)[0]) == record_before
    assert [line["outcome"] for line in log_lines() if "outcome" in line] == ["recorded", "already_recorded"]


@pytest.mark.parametrize(
    ("queue_setting", "message"),
    [
        (None, "eventSource is 'aws:sqs'.*TRIGGER_QUEUE_ARN, which is not set"),
        ("arn:aws:sqs:us-east-1:111122223333:another-queue", "not TRIGGER_QUEUE_ARN"),
    ],
    ids=["no-queue-configured", "another-queue"],
)
def test_an_sqs_batch_not_from_the_trigger_queue_is_rejected_whole(
    s3, function_env, lambda_context, queue_setting, message
):
    if queue_setting:
        function_env.setenv("TRIGGER_QUEUE_ARN", queue_setting)
    _, event = put_object(s3, "queued.txt", b"not from our queue\n")

    with pytest.raises(MalformedEventError, match=message):
        handler(sqs_event(json.dumps(event)), lambda_context)
    assert result_keys(s3) == []


def test_an_invalid_trigger_queue_arn_fails_with_clear_error(function_env, lambda_context):
    function_env.setenv("TRIGGER_QUEUE_ARN", "https://sqs.us-east-1.amazonaws.com/111122223333/q")

    with (
        pytest.raises(ConfigError, match="TRIGGER_QUEUE_ARN must be an SQS queue ARN"),
        pytest.warns(UserWarning, match="No application metrics to publish"),
    ):
        handler(sqs_event("{}"), lambda_context)


# Every shape


def _shaped(shape: str, key: str, size: int, etag: str, bucket: str) -> dict:
    if shape == "eventbridge":
        return eventbridge_event(key, size, etag, bucket)
    notification = object_event(key, size, etag, bucket)
    return sqs_event(json.dumps(notification)) if shape == "sqs" else notification


@pytest.mark.parametrize("shape", ["s3", "eventbridge", "sqs"])
@pytest.mark.parametrize(
    ("settings", "bucket", "key"),
    [
        ({}, "another-bucket", "incoming/a.pdf"),
        ({"TRIGGER_PREFIX": "incoming/"}, SOURCE_BUCKET, "elsewhere/a.pdf"),
        ({"TRIGGER_SUFFIX": ".pdf"}, SOURCE_BUCKET, "incoming/a.pdf.exe"),
    ],
    ids=["other-bucket", "outside-prefix", "wrong-suffix"],
)
def test_an_object_outside_the_trigger_is_refused_in_every_event_shape(
    s3, sqs_env, lambda_context, log_lines, shape, settings, bucket, key
):
    for name, value in settings.items():
        sqs_env.setenv(name, value)
    s3.create_bucket(Bucket="another-bucket")
    response, _ = put_object(s3, key, b"%PDF-1.7 not for us", bucket=bucket)

    result = handler(_shaped(shape, key, 19, response["ETag"], bucket), lambda_context)

    assert result_keys(s3) == []
    assert [line["outcome"] for line in log_lines() if "outcome" in line] == ["refused"]
    if shape == "sqs":
        assert result == {"batchItemFailures": []}  # not retried: retrying cannot make it ours
    else:
        assert only_outcome(result) == "refused"


def test_importing_the_handler_leaves_the_batch_utility_for_sqs_invocations():
    # Cold start: the batch utility imports asyncio (~25 ms); direct and EventBridge invocations skip it.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from file_processor import handler\n"
        "print('asyncio' in sys.modules, 'aws_lambda_powertools.utilities.batch' in sys.modules)"
    )
    env = {"PATH": "/usr/bin:/bin", "LAMBDA_TASK_ROOT": str(ROOT / "src"), "AWS_DEFAULT_REGION": "us-east-1"}
    output = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "src")], capture_output=True, text=True, check=True, env=env
    )

    assert output.stdout.split() == ["False", "False"]
