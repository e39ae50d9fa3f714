"""Helpers for the function's unit tests: event builders and record readers (tests/unit only)."""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))
EVENTS_DIR = ROOT / "tests" / "events"
VECTORS_DIR = ROOT / "tests" / "vectors"

SOURCE_BUCKET = "test-source"
RESULTS_BUCKET = "test-results"
RESULTS_PREFIX = "records/"

# What a clean interpreter needs to import the handler as Lambda would (no AWS call is made).
LAMBDA_IMPORT_ENV = {
    "PATH": "/usr/bin:/bin",
    "RESULTS_BUCKET": "results",
    "TRIGGER_BUCKET": "source",
    "AWS_DEFAULT_REGION": "us-east-1",
    "LAMBDA_TASK_ROOT": str(ROOT / "src"),
    "AWS_LAMBDA_FUNCTION_NAME": "file-processor",
}


def with_body_digests(value: object, body: bytes) -> object:
    """A vector with its ``${md5}``/``${sha256}`` placeholders replaced by the body's digests."""
    text = json.dumps(value)
    text = text.replace("${md5}", hashlib.md5(body, usedforsecurity=False).hexdigest())
    text = text.replace("${sha256}", hashlib.sha256(body).hexdigest())
    return json.loads(text)


def load_event(name: str) -> dict:
    """A shared JSON event fixture from tests/events/ (a fresh copy each call)."""
    return json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))


def object_event(
    key: str,
    size: int,
    etag: str,
    bucket: str = SOURCE_BUCKET,
    version_id: str | None = None,
    event_name: str = "ObjectCreated:Put",
) -> dict:
    """An S3 event (from tests/events/s3_object_created_put.json) for one object, key encoded as S3 does."""
    event = load_event("s3_object_created_put.json")
    record = event["Records"][0]
    record["eventName"] = event_name
    record["s3"]["bucket"]["name"] = bucket
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    obj = record["s3"]["object"]
    obj.update(key=quote_plus(key, safe="/"), size=size, eTag=etag.strip('"'))
    if version_id is not None:
        obj["versionId"] = version_id
    return event


def merge_events(*events: dict) -> dict:
    return {"Records": [copy.deepcopy(record) for event in events for record in event["Records"]]}


def put_object(client, key: str, body: bytes, bucket: str = SOURCE_BUCKET, **kwargs) -> tuple[dict, dict]:
    """Put an object; return the PutObject response and the event S3 would send for it."""
    response = client.put_object(Bucket=bucket, Key=key, Body=body, **kwargs)
    event = object_event(key, len(body), response["ETag"], bucket, response.get("VersionId"))
    return response, event


def read_record(client, key: str) -> dict:
    return json.loads(client.get_object(Bucket=RESULTS_BUCKET, Key=key)["Body"].read())


def result_keys(client) -> list[str]:
    listing = client.list_objects_v2(Bucket=RESULTS_BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


# The queue of tests/events/sqs_message.json; the SQS tests set TRIGGER_QUEUE_ARN to it.
QUEUE_ARN = "arn:aws:sqs:us-east-1:111122223333:my-queue"


def eventbridge_event(
    key: str,
    size: int,
    etag: str,
    bucket: str = SOURCE_BUCKET,
    version_id: str | None = None,
    reason: str = "PutObject",
) -> dict:
    """The EventBridge event (from tests/events/eventbridge_object_created.json) for one object.

    The key is encoded as in the S3 notification (spaces as ``+``, the rest ``%XX``), which is how
    the function decodes both shapes.
    """
    event = load_event("eventbridge_object_created.json")
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    detail = event["detail"]
    detail["bucket"]["name"] = bucket
    detail["reason"] = reason
    detail["object"].update(key=quote_plus(key, safe="/"), size=size, etag=etag.strip('"'))
    detail["object"].pop("version-id")
    if version_id is not None:
        detail["object"]["version-id"] = version_id
    return event


def sqs_event(*bodies: str, queue_arn: str = QUEUE_ARN) -> dict:
    """An SQS batch (envelope from tests/events/sqs_message.json), one message per body: msg-0, msg-1..."""
    template = load_event("sqs_message.json")["Records"][0]
    records = []
    for index, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record.update(messageId=f"msg-{index}", body=body, eventSourceARN=queue_arn)
        records.append(record)
    return {"Records": records}


def emf_blobs(captured_stdout: str) -> list[dict]:
    """The EMF metric blobs Powertools printed."""
    return [json.loads(line) for line in captured_stdout.splitlines() if line.startswith('{"_aws"')]
