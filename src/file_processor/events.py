"""Parse and validate the events that invoke the function, before any work is done.

Three shapes name created objects, and each becomes the same ``ObjectEvent``:

- the S3 event notification S3 sends to Lambda directly (``Records`` from ``aws:s3``,
  ``parse_event``);
- the EventBridge ``Object Created`` event S3 sends when EventBridge delivery is on (``source``
  ``aws.s3``, ``parse_eventbridge_event``);
- an SQS batch whose message bodies are S3 event notifications (S3 -> SQS -> event source
  mapping). Each body is parsed on its own (``parse_sqs_message``), so one bad message does not
  reject the others; ``check_sqs_queue`` checks the batch comes from the configured queue.

A malformed event raises ``MalformedEventError`` and nothing is read or written. The
``s3:TestEvent`` that S3 sends when a notification is configured is recognised and returned as
``None``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from aws_lambda_powertools.utilities.data_classes.s3_event import (
    S3Event,
    S3EventBridgeNotificationEvent,
    S3EventRecord,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSEvent, SQSRecord

from file_processor.keys import ObjectRef, decode_event_key

TEST_EVENT = "s3:TestEvent"
OBJECT_CREATED_PREFIX = "ObjectCreated:"
SQS_EVENT_SOURCE = "aws:sqs"
EVENTBRIDGE_SOURCE = "aws.s3"
OBJECT_CREATED_DETAIL_TYPE = "Object Created"
# EventBridge's detail.reason mapped to the eventName the S3 notification gives the same request
# (S3 User Guide, "Amazon EventBridge mapping and troubleshooting"), so both shapes of one upload
# write the same record.
CREATED_REASONS = {
    "PutObject": "ObjectCreated:Put",
    "POST Object": "ObjectCreated:Post",
    "CopyObject": "ObjectCreated:Copy",
    "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
}


class MalformedEventError(ValueError):
    """The event is not one this function can process (see the module docstring); nothing was written."""


class ObjectEvent(NamedTuple):
    """One object an event names (a notification record, an EventBridge event), validated, key decoded."""

    ref: ObjectRef
    event_name: str
    event_time: str | None
    size: int | None
    sequencer: str | None

    @property
    def object_created(self) -> bool:
        return self.event_name.startswith(OBJECT_CREATED_PREFIX)


def is_test_event(event: Any) -> bool:
    return isinstance(event, dict) and event.get("Event") == TEST_EVENT


def _decoded_key(raw_key: Any, field: str) -> str:
    """The key as S3 stores it, from the URL-encoded form events carry (``decode_event_key``)."""
    if not isinstance(raw_key, str) or not raw_key:
        raise MalformedEventError(f"{field} must be a non-empty string")
    try:
        return decode_event_key(raw_key)
    except UnicodeDecodeError:
        raise MalformedEventError(f"{field} {raw_key!r} is not URL-encoded UTF-8") from None


def _record(index: int, record: S3EventRecord) -> ObjectEvent:
    where = f"record {index}"
    if record.get("eventSource") != "aws:s3":
        raise MalformedEventError(f"{where}: eventSource is {record.get('eventSource')!r}, not 'aws:s3'")
    try:
        event_name = record.event_name
        bucket = record.s3.bucket.name
        s3_object = record.s3.get_object
        raw_key = s3_object.key
    except (KeyError, TypeError, AttributeError) as error:
        raise MalformedEventError(f"{where}: missing field {error}") from None
    if not (isinstance(event_name, str) and isinstance(bucket, str) and bucket):
        raise MalformedEventError(f"{where}: eventName and s3.bucket.name must be non-empty strings")
    key = _decoded_key(raw_key, f"{where}: s3.object.key")

    etag = s3_object.etag
    version_id = s3_object.version_id or None
    size: int | None = None
    if event_name.startswith(OBJECT_CREATED_PREFIX):
        try:
            size = s3_object.size
        except (KeyError, TypeError, ValueError):
            raise MalformedEventError(f"{where}: s3.object.size must be a whole number") from None
        if size < 0:
            raise MalformedEventError(f"{where}: s3.object.size must not be negative")
        if not etag:
            raise MalformedEventError(f"{where}: s3.object.eTag is required for {event_name}")
    return ObjectEvent(
        ref=ObjectRef(bucket=bucket, key=key, etag=etag, version_id=version_id),
        event_name=event_name,
        event_time=record.get("eventTime"),
        size=size,
        sequencer=s3_object.get("sequencer"),
    )


def parse_event(event: Any) -> list[ObjectEvent] | None:
    """The records of an S3 event, or None for ``s3:TestEvent``; MalformedEventError otherwise."""
    if is_test_event(event):
        return None
    if not isinstance(event, dict) or not isinstance(event.get("Records"), list):
        shape = sorted(event)[:5] if isinstance(event, dict) else type(event).__name__
        raise MalformedEventError(f"not an S3 event notification: expected a 'Records' list, got {shape}")
    records = event["Records"]
    if not records:
        raise MalformedEventError("not an S3 event notification: 'Records' is empty")
    parsed = []
    for index, record in enumerate(S3Event(event).records):
        if not isinstance(record.raw_event, dict):
            raise MalformedEventError(
                f"record {index}: expected an object, got {type(record.raw_event).__name__}"
            )
        parsed.append(_record(index, record))
    return parsed


def is_eventbridge_event(event: Any) -> bool:
    """True for anything shaped like an EventBridge event; ``parse_eventbridge_event`` checks the rest."""
    return isinstance(event, dict) and "detail-type" in event


def _eventbridge_event_name(detail_type: str, reason: str | None) -> str:
    if detail_type != OBJECT_CREATED_DETAIL_TYPE:
        # "Object Deleted" and the like: not ObjectCreated:*, so the processor ignores it, as it
        # ignores the matching S3 notification.
        return detail_type
    # A reason the documentation does not list yet still names a created object; keep it visible.
    return CREATED_REASONS.get(reason or "", f"{OBJECT_CREATED_PREFIX}{reason or 'Unknown'}")


def parse_eventbridge_event(event: dict[str, Any]) -> list[ObjectEvent]:
    """The object an S3 EventBridge event names (a list of one); MalformedEventError otherwise.

    ``detail.object.key`` is decoded like the notification's key (``+`` and ``%XX``, strict UTF-8):
    Powertools' own ``S3EventBridgeNotificationObject.key`` decodes it the same way, but with
    ``errors="replace"``, which would turn a bad key into a different, wrong key instead of an error.
    """
    s3_event = S3EventBridgeNotificationEvent(event)
    where = "EventBridge event"
    try:
        source, detail_type = s3_event.source, s3_event.detail_type
        if source != EVENTBRIDGE_SOURCE:
            raise MalformedEventError(f"{where}: source is {source!r}, not {EVENTBRIDGE_SOURCE!r}")
        detail = s3_event.detail
        bucket = detail.bucket.name
        s3_object = detail.object
        raw_key = s3_object.get("key")
    except KeyError as error:
        raise MalformedEventError(f"{where}: missing field {error}") from None
    except (TypeError, AttributeError) as error:
        # A field that should be an object is not one ("detail": "text").
        raise MalformedEventError(f"{where}: not an S3 EventBridge event ({error})") from None
    if not (isinstance(detail_type, str) and isinstance(bucket, str) and bucket):
        raise MalformedEventError(f"{where}: detail-type and detail.bucket.name must be non-empty strings")
    key = _decoded_key(raw_key, f"{where}: detail.object.key")

    event_name = _eventbridge_event_name(detail_type, detail.reason)
    etag = s3_object.etag
    size: int | None = None
    if event_name.startswith(OBJECT_CREATED_PREFIX):
        size = s3_object.size
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise MalformedEventError(f"{where}: detail.object.size must be a whole number >= 0")
        if not etag:
            raise MalformedEventError(f"{where}: detail.object.etag is required for {detail_type}")
    return [
        ObjectEvent(
            # The version-id and sequencer properties raise KeyError when the field is absent
            # (an unversioned bucket has no version-id), so they are read with get().
            ref=ObjectRef(bucket=bucket, key=key, etag=etag, version_id=s3_object.get("version-id") or None),
            event_name=event_name,
            event_time=s3_event.get("time"),
            size=size,
            sequencer=s3_object.get("sequencer"),
        )
    ]


def is_sqs_event(event: Any) -> bool:
    """True for a batch from an SQS event source mapping (every record from ``aws:sqs``)."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records:
        return False
    return all(isinstance(item, dict) and item.get("eventSource") == SQS_EVENT_SOURCE for item in records)


def check_sqs_queue(event: SQSEvent, queue_arn: str | None) -> None:
    """Raise MalformedEventError unless every message comes from ``queue_arn`` (``TRIGGER_QUEUE_ARN``).

    Without a configured queue an SQS batch stays what it was before SQS was supported: not an S3
    event, an error. So a queue wired to the function by mistake keeps its messages (they return to
    it, then go to its redrive queue) instead of having them deleted as malformed.
    """
    for index, record in enumerate(event.records):
        if queue_arn is None:
            raise MalformedEventError(
                f"record {index}: eventSource is {SQS_EVENT_SOURCE!r}, not 'aws:s3': SQS messages are "
                "accepted only from the queue named by TRIGGER_QUEUE_ARN, which is not set"
            )
        source_arn = record.get("eventSourceARN")
        if source_arn != queue_arn:
            raise MalformedEventError(
                f"record {index}: message from queue {source_arn!r}, not TRIGGER_QUEUE_ARN {queue_arn!r}"
            )


def parse_sqs_message(record: SQSRecord) -> list[ObjectEvent] | None:
    """The S3 event notification in one SQS message body, as ``parse_event`` returns it.

    MalformedEventError when the body is not JSON or not an S3 event notification.
    """
    try:
        payload = record.json_body
    except (KeyError, TypeError, ValueError, RecursionError):
        raise MalformedEventError(f"message body is not JSON: {str(record.get('body'))[:100]!r}") from None
    return parse_event(payload)
