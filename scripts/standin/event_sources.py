"""The services between the trigger bucket and the function in trigger modes "eventbridge" and "sqs".

``local_lambda.py`` plays S3 invoking the function directly (trigger mode "s3"). This module plays
the other two paths, from what was really deployed, so that their policies are evaluated on the
way as in AWS (moto would deliver past them, which ``patches.py`` switches off):

- **S3 to SQS**: for a queue configuration of the bucket whose filter matches, S3 sends the event
  notification (the same body a Lambda configuration gets) as ``s3.amazonaws.com`` with the bucket
  as ``aws:SourceArn``: the queue policy and, for an encrypted queue, the key policy must allow it.
- **S3 to EventBridge**: with EventBridge enabled on the bucket, S3 puts an ``Object Created``
  event on the default bus (the shape of
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html; the key URL-encoded as in
  notifications, which the handler decodes). Every rule whose pattern matches (EventBridge's own
  matching: ``TestEventPattern``) delivers it to its Lambda targets: the function's policy must let
  ``events.amazonaws.com`` invoke it for that rule. What cannot be delivered is retried as the
  target's retry policy says (at once, not over hours) and then sent to the target's dead-letter
  queue as ``events.amazonaws.com`` with the rule as source (queue and key policy evaluated), with
  the attributes EventBridge adds (``ERROR_CODE``, ``ERROR_MESSAGE``, ``RULE_ARN``,
  ``TARGET_ARN``). ``AWS/Events`` metrics by rule count what happened: ``Invocations``,
  ``FailedInvocations``, ``InvocationsSentToDlq`` (``InvocationsFailedToBeSentToDlq``).
- **SQS event source mapping**: Lambda polls the queue with the function's execution role
  (``sqs:ReceiveMessage`` and ``sqs:DeleteMessage`` must be allowed), invokes the mapped alias
  synchronously with up to ``BatchSize`` messages, deletes the messages the response does not name
  in ``batchItemFailures`` (``ReportBatchItemFailures``; without it, or when the invocation fails,
  none), and leaves the rest. SQS moves a message received more than ``maxReceiveCount`` times to the
  redrive queue. Retries run at once (the runner makes failed messages visible again instead of
  waiting for the visibility timeout) so a test does not wait minutes.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from standin.local_lambda import RunnerError, log

if TYPE_CHECKING:
    from standin.local_lambda import Invocation, LocalLambdaService

S3_SERVICE_KEY = "STANDINSERVICES3"  # pragma: allowlist secret (an identifier, not a secret)
EVENTS_SERVICE_KEY = "STANDINSERVICEEVENTS"  # pragma: allowlist secret (an identifier, not a secret)
# Enough rounds for every message to reach its redrive count; a guard against a loop, not a limit.
MAX_POLL_ROUNDS = 200


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _queue_name(queue_arn: str) -> str:
    return queue_arn.rsplit(":", 1)[1]


@dataclass(frozen=True)
class QueueNotification:
    """One queue configuration of a bucket's notification."""

    configuration_id: str
    queue_arn: str
    events: tuple[str, ...]
    prefix: str
    suffix: str

    def matches(self, key: str, event_name: str) -> bool:
        wanted = f"s3:{event_name}"
        event_ok = any(
            wanted == pattern or (pattern.endswith("*") and wanted.startswith(pattern[:-1]))
            for pattern in self.events
        )
        return event_ok and key.startswith(self.prefix) and key.endswith(self.suffix)


def queue_notifications(configuration: dict) -> list[QueueNotification]:
    """The queue configurations of a GetBucketNotificationConfiguration answer."""
    targets = []
    for entry in configuration.get("QueueConfigurations", []):
        rules = {
            rule["Name"].lower(): rule["Value"]
            for rule in entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])
        }
        targets.append(
            QueueNotification(
                configuration_id=entry.get("Id", ""),
                queue_arn=entry["QueueArn"],
                events=tuple(entry["Events"]),
                prefix=rules.get("prefix", ""),
                suffix=rules.get("suffix", ""),
            )
        )
    return targets


# --- S3 to SQS --------------------------------------------------------------------------------------


def send_to_queue(service: LocalLambdaService, bucket: str, key: str, target: QueueNotification) -> None:
    """S3 sends the object's event notification to the queue, as the S3 service (policies apply)."""
    account = target.queue_arn.split(":")[4]
    sqs = service._as_service(S3_SERVICE_KEY, "sqs", f"arn:aws:s3:::{bucket}", account)
    body = service.s3_event(bucket, key, target)
    queue_url = service._client("sqs").get_queue_url(QueueName=_queue_name(target.queue_arn))["QueueUrl"]
    try:
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
    except sqs.exceptions.ClientError as error:
        raise RunnerError(
            f"S3 may not send the event for {key!r} to {target.queue_arn}: {error}; the queue policy "
            "must allow s3.amazonaws.com with this bucket as SourceArn (and the key policy, for an "
            "encrypted queue)"
        ) from error


# --- S3 to EventBridge ------------------------------------------------------------------------------


def object_created_event(service: LocalLambdaService, bucket: str, key: str) -> dict:
    """The ``Object Created`` event S3 puts on the default bus for a new object."""
    head = service.s3.head_object(Bucket=bucket, Key=key)
    account = service.account_id
    detail_object: dict[str, Any] = {
        "key": quote_plus(key, safe="/"),
        "size": head["ContentLength"],
        "etag": head["ETag"].strip('"'),
        "sequencer": f"{time.time_ns():X}",
    }
    if head.get("VersionId") and head["VersionId"] != "null":
        detail_object["version-id"] = head["VersionId"]
    return {
        "version": "0",
        "id": secrets.token_hex(16),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": service.region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": detail_object,
            "request-id": secrets.token_hex(8).upper(),
            "requester": account,
            "source-ip-address": "127.0.0.1",
            "reason": "PutObject",
        },
    }


@dataclass
class RuleDelivery:
    """What EventBridge did with one event for one target of one rule."""

    rule_arn: str
    target_arn: str
    attempts: int
    invocation: Invocation | None = None  # the function's invocation, once Lambda accepted the event
    dead_letter_queue: str | None = None  # where an undeliverable event went
    error: str | None = None


def deliver_to_eventbridge(service: LocalLambdaService, event: dict) -> list[RuleDelivery]:
    """Route an event on the default bus to the Lambda targets of every matching rule."""
    events = service._client("events")
    deliveries = []
    for rule in events.list_rules(EventBusName="default").get("Rules", []):
        pattern = rule.get("EventPattern")
        if rule.get("State") == "DISABLED" or not pattern:
            continue
        if not events.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"]:
            continue
        for target in events.list_targets_by_rule(Rule=rule["Name"]).get("Targets", []):
            if ":lambda:" in target["Arn"]:
                deliveries.append(_deliver_to_function(service, rule, target, event))
    return deliveries


def _deliver_to_function(service: LocalLambdaService, rule: dict, target: dict, event: dict) -> RuleDelivery:
    retry = target.get("RetryPolicy", {})
    attempts = 1 + retry.get("MaximumRetryAttempts", 185)
    delivery = RuleDelivery(rule["Arn"], target["Arn"], attempts=0)
    for _ in range(attempts):
        delivery.attempts += 1
        try:
            service.check_invoke_permission_for(
                "events.amazonaws.com", EVENTS_SERVICE_KEY, rule["Arn"], target["Arn"]
            )
        except RunnerError as error:
            delivery.error = str(error)
            continue
        function = service.deployed_function(target["Arn"])
        _publish_rule_metric(service, rule["Name"], "Invocations")
        delivery.invocation = service.invoke_async(function, event)
        delivery.error = None
        return delivery
    _publish_rule_metric(service, rule["Name"], "FailedInvocations")
    _send_to_dead_letter_queue(service, rule, target, event, delivery)
    return delivery


def _publish_rule_metric(service: LocalLambdaService, rule_name: str, metric: str) -> None:
    service.cloudwatch.put_metric_data(
        Namespace="AWS/Events",
        MetricData=[
            {"MetricName": metric, "Dimensions": [{"Name": "RuleName", "Value": rule_name}], "Value": 1.0}
        ],
    )


def _send_to_dead_letter_queue(
    service: LocalLambdaService, rule: dict, target: dict, event: dict, delivery: RuleDelivery
) -> None:
    queue_arn = target.get("DeadLetterConfig", {}).get("Arn")
    if not queue_arn:
        log(f"rule {rule['Name']} has no dead-letter queue: EventBridge drops the undeliverable event")
        return
    account = rule["Arn"].split(":")[4]
    sqs = service._as_service(EVENTS_SERVICE_KEY, "sqs", rule["Arn"], account)
    queue_url = service._client("sqs").get_queue_url(QueueName=_queue_name(queue_arn))["QueueUrl"]
    attributes = {
        "RULE_ARN": rule["Arn"],
        "TARGET_ARN": target["Arn"],
        "ERROR_CODE": "NO_PERMISSIONS",
        "ERROR_MESSAGE": (delivery.error or "")[:256],
    }
    try:
        sqs.send_message(
            QueueUrl=queue_url,
            MessageBody=json.dumps(event),
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
            },
        )
    except sqs.exceptions.ClientError as error:
        _publish_rule_metric(service, rule["Name"], "InvocationsFailedToBeSentToDlq")
        raise RunnerError(
            f"EventBridge could not send the undeliverable event to {queue_arn}: {error}; the queue policy "
            "must allow events.amazonaws.com with the rule as SourceArn (and the key policy, if encrypted)"
        ) from error
    _publish_rule_metric(service, rule["Name"], "InvocationsSentToDlq")
    delivery.dead_letter_queue = queue_arn
    log(f"rule {rule['Name']} could not deliver to {target['Arn']}; the event went to {queue_arn}")


# --- SQS event source mapping -----------------------------------------------------------------------


@dataclass
class BatchInvocation:
    """One synchronous invocation of the function with a batch of messages."""

    function: str
    version: str
    message_ids: list[str]
    reply: dict  # the runtime's answer: ok, result or errorType/errorMessage
    failed_ids: list[str]


def sqs_record(message: dict, queue_arn: str, region: str) -> dict:
    """A message as the event source mapping passes it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def poll_event_source_mappings(service: LocalLambdaService, queue_arn: str) -> list[BatchInvocation]:
    """Deliver what the queue holds to the functions mapped to it, until it is empty."""
    lambda_client = service.awslambda
    mappings = [
        mapping
        for mapping in lambda_client.list_event_source_mappings(EventSourceArn=queue_arn)[
            "EventSourceMappings"
        ]
        if mapping.get("State", "Enabled") in ("Enabled", "Creating", "Updating")
    ]
    batches: list[BatchInvocation] = []
    for mapping in mappings:
        batches.extend(_drain(service, mapping, queue_arn))
    return batches


def _drain(service: LocalLambdaService, mapping: dict, queue_arn: str) -> list[BatchInvocation]:
    queue_url = service._client("sqs").get_queue_url(QueueName=_queue_name(queue_arn))["QueueUrl"]
    batch_size = mapping.get("BatchSize") or 10
    reports_items = "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or [])
    batches = []
    for _ in range(MAX_POLL_ROUNDS):
        # Resolved per batch: an alias with weighted routing picks a version each time.
        function = service.deployed_function(mapping["FunctionArn"])
        sqs = service.as_function_role(function, "sqs")  # the role's policy applies, as in AWS
        messages = _receive(sqs, queue_url, batch_size)
        if not messages:
            return batches
        event = {"Records": [sqs_record(message, queue_arn, service.region) for message in messages]}
        reply = service.invoke_sync(function, event)
        ids = [message["MessageId"] for message in messages]
        failed = _failed_ids(reply, ids, reports_items)
        for message in messages:
            if message["MessageId"] in failed:
                # Visible again now rather than after the visibility timeout: the retry comes at once.
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        batches.append(BatchInvocation(function.name, function.version, ids, reply, sorted(failed)))
    return batches


def _receive(sqs: Any, queue_url: str, batch_size: int) -> list[dict]:
    messages: list[dict] = []
    while len(messages) < batch_size:
        received = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(10, batch_size - len(messages)),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not received:
            break
        messages.extend(received)
    return messages


def _failed_ids(reply: dict, ids: list[str], reports_items: bool) -> set[str]:
    """The messages to deliver again: all when the invocation failed, else those it named."""
    if not reply["ok"]:
        return set(ids)
    if not reports_items:
        return set()
    failures = (reply.get("result") or {}).get("batchItemFailures")
    if not isinstance(failures, list):
        return set()
    named = {item.get("itemIdentifier") for item in failures if isinstance(item, dict)}
    # An identifier that is not in the batch makes Lambda treat the whole batch as failed.
    return set(ids) if named - set(ids) else named
