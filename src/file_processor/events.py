"""Parse and validate an S3 event notification before any work is done.

The whole event is checked first, so a malformed event raises ``MalformedEventError`` and nothing
is read or written. The ``s3:TestEvent`` that S3 sends when a notification is configured is
recognised and returned as ``None``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from aws_lambda_powertools.utilities.data_classes.s3_event import S3Event, S3EventRecord

from file_processor.keys import ObjectRef, decode_event_key

TEST_EVENT = "s3:TestEvent"
OBJECT_CREATED_PREFIX = "ObjectCreated:"


class MalformedEventError(ValueError):
    """The event is not an S3 event notification this function can process; nothing was written."""


class ObjectEvent(NamedTuple):
    """One record of an S3 event notification, validated and with its key decoded."""

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
    if not isinstance(raw_key, str) or not raw_key:
        raise MalformedEventError(f"{where}: s3.object.key must be a non-empty string")
    try:
        key = decode_event_key(raw_key)
    except UnicodeDecodeError:
        raise MalformedEventError(f"{where}: s3.object.key {raw_key!r} is not URL-encoded UTF-8") from None

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
