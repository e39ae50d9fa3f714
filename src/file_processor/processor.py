"""Process one object: check for an existing record, read the object once, write its record.

S3 requests per object (the event already carries key, size, ETag and version, so nothing is
asked of the source object before reading it):

1. ``HeadObject`` on the results key: when the record exists the work is skipped
   (outcome ``already_recorded``, 1 request).
2. One ``GetObject`` of the exact object the event names (``VersionId`` when the event has one,
   else ``If-Match`` on the event's ETag): the whole object, streamed and hashed in
   ``HASH_CHUNK_BYTES`` chunks, when ``size <= MAX_HASH_BYTES``; otherwise only its first
   ``SAMPLE_BYTES`` (a ranged read, whose headers carry the same metadata as ``HeadObject``).
   Hashed and over ``PARALLEL_READ_THRESHOLD_BYTES``: a ``HeadObject`` and ranged GETs instead.
3. ``PutObject`` of the record with ``If-None-Match: *``, so two concurrent deliveries cannot both
   write; the loser's outcome is ``already_recorded``.

So 3 requests per new object, with or without hashing; 3 + parts for one read in parts.

Outcomes: ``recorded``, ``already_recorded``, ``object_missing`` (the object or version is gone:
404), ``object_changed`` (an unversioned object was overwritten after the event: 412 on
``If-Match``, or a part of another version; its own event will record the new content),
``ignored_event_type`` (not an ``ObjectCreated:*`` event) are not failures. ``access_denied``
and ``error`` are failures.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime
from typing import Any, NamedTuple

from botocore import httpchecksum
from botocore.exceptions import ClientError, FlexibleChecksumError, IncompleteReadError

from file_processor.config import Config
from file_processor.detect import SAMPLE_BYTES, detect
from file_processor.events import ObjectEvent
from file_processor.keys import normalize_etag, results_key
from file_processor.record import build_record, serialize, total_size

S3Client = Any  # botocore builds client classes at run time

# 4 MiB: large enough that per-chunk overhead vanishes, small enough for a bounded peak memory.
HASH_CHUNK_BYTES = 4 * 1024 * 1024
# Parts are read in 1 MiB chunks: with 4 MiB ones the peak RSS of a read in parts was ~10% higher.
PART_CHUNK_BYTES = 1024 * 1024

RECORDED = "recorded"
ALREADY_RECORDED = "already_recorded"
OBJECT_MISSING = "object_missing"
OBJECT_CHANGED = "object_changed"
IGNORED_EVENT_TYPE = "ignored_event_type"
# An event for another bucket, or a key outside the trigger's prefix or suffix: never processed.
REFUSED = "refused"
ACCESS_DENIED = "access_denied"
ERROR = "error"
FAILURES = frozenset({ACCESS_DENIED, ERROR})
# Every outcome a record can have; the function's dashboard draws each (modules/function/dashboard.tf).
OUTCOMES = (
    RECORDED,
    ALREADY_RECORDED,
    OBJECT_MISSING,
    OBJECT_CHANGED,
    IGNORED_EVENT_TYPE,
    REFUSED,
    ACCESS_DENIED,
    ERROR,
)

_NOT_FOUND = frozenset({"404", "NoSuchKey", "NoSuchVersion", "NotFound"})
_PRECONDITION_FAILED = frozenset({"412", "PreconditionFailed"})
_ACCESS_DENIED = frozenset({"403", "AccessDenied", "AllAccessDisabled", "KMS.AccessDeniedException"})


class Outcome(NamedTuple):
    event: ObjectEvent
    outcome: str
    record_key: str | None = None
    size: int = 0
    message: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome in FAILURES

    @property
    def location(self) -> str:
        version = f" (version {self.event.ref.version_id})" if self.event.ref.version_id else ""
        return f"s3://{self.event.ref.bucket}/{self.event.ref.key}{version}"


class Content(NamedTuple):
    """What one GetObject returned: its response (Body consumed), the leading sample and the hash."""

    response: dict[str, Any]
    sample: bytes
    complete: bool
    sha256: str | None


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def read_object(s3: S3Client, event: ObjectEvent, config: Config) -> Content:
    """Read the exact object ``event`` names: whole and hashed, or only its first bytes when too big."""
    ref = event.ref
    params: dict[str, Any] = {"Bucket": ref.bucket, "Key": ref.key}
    if ref.versioned:
        params["VersionId"] = ref.version_id
    else:
        params["IfMatch"] = f'"{normalize_etag(ref.etag)}"'
    hashing = event.size is not None and event.size <= config.max_hash_bytes
    if hashing and event.size > config.parallel_read_threshold:
        return read_in_parts(s3, params, config)
    if not hashing:
        params["Range"] = f"bytes=0-{SAMPLE_BYTES - 1}"
    response = s3.get_object(**params)
    body = response.pop("Body")
    try:
        if not hashing:
            sample = body.read()
            return Content(response, sample, complete=len(sample) >= total_size(response), sha256=None)
        sha256, sample = hash_chunks(body.iter_chunks(HASH_CHUNK_BYTES))
        return Content(response, sample, complete=len(sample) >= total_size(response), sha256=sha256)
    finally:
        body.close()


def read_in_parts(s3: S3Client, params: dict[str, Any], config: Config) -> Content:
    """Hash the object from ranged GETs pinned to the version a HeadObject (the record's metadata) found."""
    # Errors are a single GetObject's: a failed part's own, PreconditionFailed for a part of another
    # version, IncompleteReadError for wrong or short bytes, FlexibleChecksumError for a bad checksum.
    head = s3.head_object(**params, ChecksumMode="ENABLED")
    if "IfMatch" in params:
        params = {**params, "IfMatch": head["ETag"]}
    with closing(parts_in_order(s3, params, head, config)) as chunks:
        sha256, sample = hash_chunks(checked(head, chunks))
    return Content(head, sample, len(sample) >= head["ContentLength"], sha256)


def parts_in_order(
    s3: S3Client, params: dict[str, Any], head: dict[str, Any], config: Config
) -> Iterator[bytes]:
    """The object's bytes in order, from at most ``concurrency`` parts read or held at once."""
    size, step = head["ContentLength"], config.parallel_read_part_bytes
    most = config.parallel_read_concurrency
    window: deque[Future[list[bytes]]] = deque()
    with ThreadPoolExecutor(most, thread_name_prefix="part") as pool:
        for first in range(0, size, step):
            if len(window) == most:
                yield from window.popleft().result()
            window.append(pool.submit(read_part, s3, params, first, min(first + step, size) - 1, head))
        while window:
            yield from window.popleft().result()


def read_part(
    s3: S3Client, params: dict[str, Any], first: int, last: int, head: dict[str, Any]
) -> list[bytes]:
    """Bytes ``first``-``last``, checked to be that range of the version ``head`` describes."""
    response = s3.get_object(**params, Range=f"bytes={first}-{last}")
    with closing(response["Body"]) as body:
        if response.get("ETag") != head["ETag"]:
            error = {"Code": "PreconditionFailed", "Message": f"bytes {first}-{last}: another version"}
            raise ClientError({"Error": error}, "GetObject")
        asked = response.get("ContentRange") == f"bytes {first}-{last}/{head['ContentLength']}"
        chunks = list(body.iter_chunks(PART_CHUNK_BYTES)) if asked else []
    if (got := sum(map(len, chunks))) != last - first + 1:
        raise IncompleteReadError(actual_bytes=got, expected_bytes=last - first + 1)
    return chunks


# What botocore checks on a GetObject without awscrt (Lambda's runtimes have none), in its order.
# Composite checksums are skipped, as botocore skips them; so is a multipart ETag's without a
# ChecksumType (moto's HeadObject sends none).
_CHECKERS = {
    "CRC32": httpchecksum.Crc32Checksum,
    "SHA1": httpchecksum.Sha1Checksum,
    "SHA256": httpchecksum.Sha256Checksum,
}


def checked(head: dict[str, Any], chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks``, then ``FlexibleChecksumError`` unless they match ``head``'s full-object checksum."""
    kind = head.get("ChecksumType", "COMPOSITE" if "-" in head["ETag"] else "FULL_OBJECT")
    names = [name for name in _CHECKERS if "-" not in head.get(f"Checksum{name}", "-")]
    if kind != "FULL_OBJECT" or not names:
        yield from chunks
        return
    expected, checker = head[f"Checksum{names[0]}"], _CHECKERS[names[0]]()
    for chunk in chunks:
        checker.update(chunk)
        yield chunk
    if checker.b64digest() != expected:
        message = f"Expected checksum {expected} did not match calculated checksum: {checker.b64digest()}"
        raise FlexibleChecksumError(error_msg=message)


def hash_chunks(chunks: Iterable[bytes]) -> tuple[str, bytes]:
    """SHA-256 hex digest of the concatenated ``chunks`` and their first ``SAMPLE_BYTES``.

    Each chunk is hashed in a worker thread while the next one is read: hashlib releases the GIL
    while it hashes a buffer and so does a socket read, so the two overlap. Two chunks at most are
    held at once (one hashing, one being read), so memory stays bounded.
    """
    digest = hashlib.sha256()
    head = bytearray()
    hashing: Future[None] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hasher:
        for chunk in chunks:
            if hashing is not None:
                hashing.result()
            hashing = hasher.submit(digest.update, chunk)
            if len(head) < SAMPLE_BYTES:
                head += chunk[: SAMPLE_BYTES - len(head)]
        if hashing is not None:
            hashing.result()
    return digest.hexdigest(), bytes(head)


def record_exists(s3: S3Client, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error_code(error) in _NOT_FOUND:
            return False
        raise
    return True


def _denied(action: str, where: str, error: ClientError, needs: str) -> str:
    return f"access denied {action} {where} ({error_code(error)}): the function role needs {needs}"


def outside_trigger(config: Config, event: ObjectEvent) -> str | None:
    """Why this event is not one the trigger sends (another bucket, a key outside its filter), or None.

    Defence in depth: the notification already filters, but a misrouted event (a copied
    notification, another bucket's rule, a hand-made invoke) must not make the function read or
    record objects it was not configured for.
    """
    ref = event.ref
    if ref.bucket != config.trigger_bucket:
        return f"event for bucket {ref.bucket!r}, not the trigger bucket {config.trigger_bucket!r}: refused"
    if not ref.key.startswith(config.trigger_prefix):
        return f"key {ref.key!r} is outside the trigger prefix {config.trigger_prefix!r}: refused"
    if not ref.key.endswith(config.trigger_suffix):
        return f"key {ref.key!r} does not end with the trigger suffix {config.trigger_suffix!r}: refused"
    return None


def process_object(
    s3: S3Client,
    config: Config,
    event: ObjectEvent,
    request_id: str | None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Outcome:
    """Process one object; every AWS error becomes an Outcome, so records stay independent."""
    refusal = outside_trigger(config, event)
    if refusal:
        return Outcome(event, REFUSED, message=refusal)
    if not event.object_created:
        return Outcome(event, IGNORED_EVENT_TYPE, message=f"event {event.event_name} is not ObjectCreated:*")
    key = results_key(config.results_prefix, event.ref)
    results = f"s3://{config.results_bucket}/{key}"

    try:
        if record_exists(s3, config.results_bucket, key):
            return Outcome(event, ALREADY_RECORDED, key, message="record for this object version exists")
    except ClientError as error:
        if error_code(error) in _ACCESS_DENIED:
            needs = f"s3:GetObject and s3:ListBucket on bucket {config.results_bucket}"
            message = _denied("checking", results, error, needs)
            return Outcome(event, ACCESS_DENIED, key, message=message)
        return Outcome(event, ERROR, key, message=f"checking {results} failed: {error}")

    where = f"s3://{event.ref.bucket}/{event.ref.key}"
    try:
        content = read_object(s3, event, config)
    except ClientError as error:
        code = error_code(error)
        if code in _NOT_FOUND:
            return Outcome(event, OBJECT_MISSING, key, message=f"{where} no longer exists ({code})")
        if code in _PRECONDITION_FAILED:
            return Outcome(
                event,
                OBJECT_CHANGED,
                key,
                message=f"{where} was overwritten after the event (ETag no longer matches)",
            )
        if code in _ACCESS_DENIED:
            actions = "s3:GetObject and s3:GetObjectVersion" if event.ref.versioned else "s3:GetObject"
            needs = (
                f"{actions} on it, kms:Decrypt on its key if it is SSE-KMS encrypted, and s3:ListBucket "
                "on its bucket (without it a deleted object also reads as 403)"
            )
            message = _denied("reading", where, error, needs)
            return Outcome(event, ACCESS_DENIED, key, message=message)
        return Outcome(event, ERROR, key, message=f"reading {where} failed: {error}")

    detection, method = detect(content.sample, content.complete)
    record = build_record(
        event,
        content.response,
        detection,
        method,
        len(content.sample),
        content.sha256,
        config.max_hash_bytes,
        request_id,
        now(),
    )
    size = record["object"]["size"]
    try:
        s3.put_object(
            Bucket=config.results_bucket,
            Key=key,
            Body=serialize(record),
            ContentType="application/json",
            IfNoneMatch="*",
        )
    except ClientError as error:
        code = error_code(error)
        if code in _PRECONDITION_FAILED:
            return Outcome(event, ALREADY_RECORDED, key, size, "a concurrent delivery wrote the record first")
        if code in _ACCESS_DENIED:
            message = _denied("writing", results, error, f"s3:PutObject on bucket {config.results_bucket}")
            return Outcome(event, ACCESS_DENIED, key, size, message)
        return Outcome(event, ERROR, key, size, f"writing {results} failed: {error}")
    return Outcome(event, RECORDED, key, size)
