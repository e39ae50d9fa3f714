"""The JSON record written for each processed object (schema: ``record.schema.json`` beside this file).

Pure functions: they take what was read and return the record, so tests and a second
implementation can check them field by field. Field by field:

- ``schemaVersion``: ``1``.
- ``source``: what the event named: ``bucket``, decoded ``key``, ``versionId`` (or null),
  ``eTag`` (no quotes), ``sequencer`` (or null), ``eventName``, ``eventTime`` (as sent, or null).
- ``object``: what S3 returned when the object was read: ``size`` (bytes, the total size even for a
  ranged read), ``lastModified`` (UTC, ``YYYY-MM-DDTHH:MM:SSZ``), ``eTag`` (no quotes),
  ``versionId`` (or null), ``contentType`` (declared, as stored, or null), ``storageClass``
  (``STANDARD`` when S3 sends no header), ``encryption`` (``algorithm``, ``kmsKeyId``,
  ``bucketKeyEnabled``), ``metadata`` (user metadata, ``x-amz-meta-`` removed), ``checksums``
  (algorithm name, upper case, to the base64 value S3 holds; empty when S3 returned none, as for
  an object over the hash limit and larger than the sample: S3 sends no checksums for a ranged
  read of part of an object) and
  ``checksumType`` (``FULL_OBJECT``/``COMPOSITE`` or null).
- ``type``: ``declared`` (normalised media type or null), ``detected`` (``mimeType``,
  ``extension``, ``name``; or null), ``method`` (``magic``, ``json``, ``text``, ``empty`` or
  ``unknown``), ``mismatch`` (bool) and ``sampleBytes`` (how many leading bytes were examined).
- ``sha256``: ``status`` ``computed`` with ``hex`` (lowercase), or ``skipped`` with ``reason``
  ``size_exceeds_limit``; ``limitBytes`` is the configured limit either way.
- ``processedAt`` (UTC, millisecond precision) and ``requestId`` vary per run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from file_processor.detect import Detection, is_mismatch, normalize_content_type
from file_processor.events import ObjectEvent
from file_processor.keys import normalize_etag

SCHEMA_VERSION = 1
CHECKSUM_ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
SKIPPED_SIZE_EXCEEDS_LIMIT = "size_exceeds_limit"


def format_timestamp(value: datetime) -> str:
    """UTC timestamp with second precision and a ``Z`` suffix (S3's Last-Modified has seconds)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_instant(value: datetime) -> str:
    """UTC timestamp with millisecond precision and a ``Z`` suffix."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def total_size(response: Mapping[str, Any]) -> int:
    """Object size from a GetObject response: Content-Range's total for a ranged read, else length."""
    content_range = response.get("ContentRange")
    if content_range and "/" in content_range:
        total = content_range.rsplit("/", 1)[1]
        if total.isdigit():
            return int(total)
    return int(response.get("ContentLength", 0))


def object_section(response: Mapping[str, Any]) -> dict[str, Any]:
    """The ``object`` section from a GetObject (or HeadObject) response."""
    last_modified = response.get("LastModified")
    return {
        "size": total_size(response),
        "lastModified": format_timestamp(last_modified) if last_modified else None,
        "eTag": normalize_etag(response.get("ETag", "")),
        "versionId": response.get("VersionId"),
        "contentType": response.get("ContentType"),
        "storageClass": response.get("StorageClass") or "STANDARD",
        "encryption": {
            "algorithm": response.get("ServerSideEncryption"),
            "kmsKeyId": response.get("SSEKMSKeyId"),
            "bucketKeyEnabled": bool(response.get("BucketKeyEnabled", False)),
        },
        "metadata": dict(sorted(response.get("Metadata", {}).items())),
        "checksums": {
            name: response[f"Checksum{name}"]
            for name in CHECKSUM_ALGORITHMS
            if response.get(f"Checksum{name}")
        },
        "checksumType": response.get("ChecksumType"),
    }


def type_section(
    content_type: str | None, detection: Detection | None, method: str, sample_bytes: int
) -> dict:
    return {
        "declared": normalize_content_type(content_type),
        "detected": (
            None
            if detection is None
            else {"mimeType": detection.mime_type, "extension": detection.extension, "name": detection.name}
        ),
        "method": method,
        "mismatch": is_mismatch(content_type, detection),
        "sampleBytes": sample_bytes,
    }


def sha256_section(digest: str | None, limit_bytes: int) -> dict[str, Any]:
    if digest is None:
        return {
            "status": "skipped",
            "hex": None,
            "reason": SKIPPED_SIZE_EXCEEDS_LIMIT,
            "limitBytes": limit_bytes,
        }
    return {"status": "computed", "hex": digest, "reason": None, "limitBytes": limit_bytes}


def build_record(
    event: ObjectEvent,
    response: Mapping[str, Any],
    detection: Detection | None,
    method: str,
    sample_bytes: int,
    digest: str | None,
    limit_bytes: int,
    request_id: str | None,
    processed_at: datetime,
) -> dict[str, Any]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "source": {
            "bucket": event.ref.bucket,
            "key": event.ref.key,
            "versionId": event.ref.version_id,
            "eTag": normalize_etag(event.ref.etag),
            "sequencer": event.sequencer,
            "eventName": event.event_name,
            "eventTime": event.event_time,
        },
        "object": object_section(response),
        "type": type_section(response.get("ContentType"), detection, method, sample_bytes),
        "sha256": sha256_section(digest, limit_bytes),
        "processedAt": format_instant(processed_at),
        "requestId": request_id,
    }


def serialize(record: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON with sorted keys and no insignificant whitespace; compare records parsed, not as bytes."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
