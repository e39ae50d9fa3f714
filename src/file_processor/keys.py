"""Object identity and the results key: pure functions, the contract a second implementation must match.

Results key format (schema version 1)::

    <RESULTS_PREFIX><source bucket>/<sha256(key)>/<kind>-<sha256(id)>.json

- ``<source bucket>``: the source bucket name as the event gives it (S3 bucket names are already
  key-safe: lowercase letters, digits, ``.`` and ``-``, at most 63 characters).
- ``sha256(key)``: lowercase hex SHA-256 of the *decoded* object key encoded as UTF-8. The event
  carries the key URL-encoded with spaces as ``+``; it is decoded with form decoding
  (``+`` -> space, then ``%XX`` -> byte, bytes read as strict UTF-8) before hashing.
- ``<kind>-<sha256(id)>``: ``v-`` + hex SHA-256 of the version ID (UTF-8) when the event carries a
  version ID other than ``"null"``; otherwise ``e-`` + hex SHA-256 of the ETag (UTF-8) with any
  surrounding double quotes removed. ``"null"`` is the ID S3 gives the one unversioned object in a
  versioning-suspended bucket, which each overwrite replaces, so it cannot identify content.

Hashing makes the key safe for any S3 key (spaces, unicode, ``+``, ``%``, 1,024-byte keys) and
bounds its length: ``len(prefix) + len(bucket) + 136`` bytes, at most 199 bytes plus the prefix,
which configuration limits to 512 bytes. All versions of one object share the folder
``<prefix><bucket>/<sha256(key)>/``. Example: bucket ``src``, key ``a b.txt``, ETag ``"abc"``,
prefix ``records/`` -> ``records/src/<sha256("a b.txt")>/e-<sha256("abc")>.json``.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple
from urllib.parse import unquote_plus

UNVERSIONED_VERSION_ID = "null"


def decode_event_key(raw_key: str) -> str:
    """Decode an object key as S3 events send it (URL-encoded, spaces as ``+``).

    Used for the notification's ``s3.object.key`` and EventBridge's ``detail.object.key`` alike.
    """
    return unquote_plus(raw_key, encoding="utf-8", errors="strict")


def normalize_etag(etag: str) -> str:
    """ETag without the surrounding double quotes that S3 responses carry and events do not."""
    return etag.strip().strip('"')


class ObjectRef(NamedTuple):
    """One object version named by an event: what is read, and what identifies the record."""

    bucket: str
    key: str
    etag: str
    version_id: str | None = None

    @property
    def versioned(self) -> bool:
        return bool(self.version_id) and self.version_id != UNVERSIONED_VERSION_ID


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def results_key(prefix: str, ref: ObjectRef) -> str:
    """The results key for ``ref`` under ``prefix`` (format in the module docstring)."""
    if ref.versioned:
        identity = f"v-{_sha256_hex(ref.version_id or '')}"
    else:
        identity = f"e-{_sha256_hex(normalize_etag(ref.etag))}"
    return f"{prefix}{ref.bucket}/{_sha256_hex(ref.key)}/{identity}.json"
