"""The stand-in's share of trigger modes "eventbridge" and "sqs" (standin/patches.py and
standin/event_sources.py): what moto alone would do, and what the stand-in does instead, as AWS does."""

from __future__ import annotations

import json

import pytest
from standin import event_sources
from standin.local_lambda import LocalLambdaService, RunnerError
from standin_helpers import unique

ACCOUNT = "123456789012"


def queue_with_policy(standin, bucket: str, kms_key_id: str | None = None) -> tuple[str, str]:
    """A queue that admits S3 for ``bucket`` of this account only (as modules/function does)."""
    sqs = standin.client("sqs")
    name = unique("trigger")
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"},
                    "StringEquals": {"aws:SourceAccount": ACCOUNT},
                },
            }
        ],
    }
    attributes = {"Policy": json.dumps(policy)}
    if kms_key_id:
        attributes["KmsMasterKeyId"] = kms_key_id
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, arn


def bucket_with_object(standin, key: str = "in/a b.csv") -> str:
    s3 = standin.client("s3")
    bucket = unique("bucket")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key=key, Body=b"a,b\n")
    return bucket


def test_s3_sends_object_events_to_a_queue_only_as_its_policy_allows(standin):
    """moto alone delivers every object event to a configured queue, past its policy; on the
    stand-in only S3's stand-in sends, as s3.amazonaws.com for the bucket, and the policy decides."""
    s3, sqs = standin.client("s3"), standin.client("sqs")
    bucket = bucket_with_object(standin)
    url, arn = queue_with_policy(standin, bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    [test_event] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(test_event["Body"])["Event"] == "s3:TestEvent"  # as S3 sends on configuration
    s3.put_object(Bucket=bucket, Key="in/later.csv", Body=b"x")
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)  # moto sent nothing

    configuration = s3.get_bucket_notification_configuration(Bucket=bucket)
    [target] = event_sources.queue_notifications(configuration)
    other = bucket_with_object(standin)
    with LocalLambdaService(standin.endpoint) as service:
        event_sources.send_to_queue(service, bucket, "in/later.csv", target)
        with pytest.raises(RunnerError, match="AccessDenied"):
            event_sources.send_to_queue(service, other, "in/a b.csv", target)

    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    [record] = json.loads(message["Body"])["Records"]
    assert record["s3"]["object"]["key"] == "in/later.csv"
    assert record["s3"]["object"]["versionId"]
    assert record["s3"]["object"]["sequencer"]


def test_s3_may_not_send_to_a_queue_whose_key_does_not_admit_it(standin):
    kms = standin.client("kms")
    root_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    key_id = kms.create_key(Policy=json.dumps(root_only))["KeyMetadata"]["KeyId"]
    bucket = bucket_with_object(standin)
    _, arn = queue_with_policy(standin, bucket, kms_key_id=key_id)
    target = event_sources.QueueNotification("q", arn, ("s3:ObjectCreated:*",), "", "")
    with LocalLambdaService(standin.endpoint) as service, pytest.raises(RunnerError, match="key policy"):
        event_sources.send_to_queue(service, bucket, "in/a b.csv", target)


def test_the_bucket_notification_reports_eventbridge_when_it_is_on(standin):
    """moto alone keeps the setting but leaves EventBridgeConfiguration out of the answer."""
    s3 = standin.client("s3")
    bucket = bucket_with_object(standin)
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket)

    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )

    assert s3.get_bucket_notification_configuration(Bucket=bucket)["EventBridgeConfiguration"] == {}


@pytest.mark.parametrize(
    ("key_filter", "matching", "not_matching"),
    [
        ({"prefix": "in/"}, ["in/a.csv", "in/x/y"], ["out/in/a.csv"]),
        ({"suffix": ".csv"}, ["a.csv", "in/b.csv"], ["a.csv.gz"]),
        # What modules/function/trigger.tf writes for prefix "in/" and suffix ".csv".
        ({"wildcard": "in/*.csv"}, ["in/a.csv", "in/x/b.csv"], ["in/a.txt", "out/a.csv"]),
        # A "*" in the prefix is escaped (trigger.tf does so) and matches only itself.
        ({"wildcard": "a\\*b/*.csv"}, ["a*b/c.csv"], ["axb/c.csv"]),
    ],
)
def test_test_event_pattern_matches_object_keys_as_eventbridge_does(
    standin, key_filter, matching, not_matching
):
    """moto alone leaves TestEventPattern unimplemented (the EventBridge stand-in routes with it)."""
    events = standin.client("events")
    pattern = json.dumps(
        {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": ["b"]}, "object": {"key": [key_filter]}},
        }
    )

    def matches(key: str) -> bool:
        event = {
            "id": "1",
            "account": ACCOUNT,
            "source": "aws.s3",
            "time": "2026-12-04T00:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail-type": "Object Created",
            "detail": {"bucket": {"name": "b"}, "object": {"key": key}},
        }
        return events.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"]

    assert [key for key in matching if matches(key)] == matching
    assert [key for key in not_matching if matches(key)] == []


def test_a_queue_returns_its_redrive_policy_as_compact_json(standin):
    """moto alone adds spaces, which the provider would plan as a change on every run."""
    sqs = standin.client("sqs")
    dlq = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}, separators=(",", ":"))
    url = sqs.create_queue(QueueName=unique("src"), Attributes={"RedrivePolicy": policy})["QueueUrl"]

    answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]

    assert answer["RedrivePolicy"] == policy


def test_an_event_source_mapping_keeps_its_alias_and_moto_does_not_poll_the_queue(standin):
    """moto alone reports the unqualified function ARN and receives every message itself on send
    (trying to run the function in Docker), so each send cost a receive towards the redrive count."""
    s3, sqs, awslambda = standin.client("s3"), standin.client("sqs"), standin.client("lambda")
    bucket = unique("code")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="f.zip", Body=b"PK\x05\x06" + b"\x00" * 18)
    name = unique("fn")
    role = standin.client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )
    awslambda.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="h.handler",
        Code={"S3Bucket": bucket, "S3Key": "f.zip"},
    )
    version = awslambda.publish_version(FunctionName=name)["Version"]
    alias_arn = awslambda.create_alias(FunctionName=name, Name="live", FunctionVersion=version)["AliasArn"]
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    mapping = awslambda.create_event_source_mapping(
        EventSourceArn=queue_arn,
        FunctionName=alias_arn,
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    sqs.send_message(QueueUrl=url, MessageBody="hello")

    assert mapping["FunctionArn"] == alias_arn
    [listed] = awslambda.list_event_source_mappings(EventSourceArn=queue_arn)["EventSourceMappings"]
    assert listed["FunctionArn"] == alias_arn
    [message] = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
