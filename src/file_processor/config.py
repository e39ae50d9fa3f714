"""Configuration from environment variables, validated once per execution environment.

Variables (all read at the first invocation, never at import, so a SnapStart restore or a test
can set them first):

``TRIGGER_BUCKET`` (required)
    The bucket whose notifications invoke the function. An event for any other bucket is refused
    (logged, counted, not processed): whatever invokes the function, it reads only this bucket.
``TRIGGER_PREFIX``, ``TRIGGER_SUFFIX`` (default empty)
    The notification's key filter, repeated here so a key outside it is refused the same way.
    The function module sets all three from the same variables as the notification itself.
``RESULTS_BUCKET`` (required)
    Bucket that receives the JSON records. A valid S3 bucket name (3-63 characters of lowercase
    letters, digits, ``.`` and ``-``).
``RESULTS_PREFIX`` (default ``records/``)
    Key prefix of the records inside ``RESULTS_BUCKET``. Empty, or ends with ``/``; at most
    ``MAX_PREFIX_BYTES`` bytes in UTF-8 so every results key stays under S3's 1,024-byte limit.
``MAX_HASH_BYTES`` (default ``1073741824``, 1 GiB)
    Objects larger than this many bytes are not hashed; their record says why. A whole number >= 0.
``S3_MAX_ATTEMPTS`` (default ``5``)
    Total attempts per S3 call (first try included) for botocore's ``standard`` retry mode. 1-20.
``PARALLEL_READ_THRESHOLD_BYTES``, ``PARALLEL_READ_PART_BYTES``, ``PARALLEL_READ_CONCURRENCY``
    A hashed object over the threshold (default 64 MiB, >= 0) is read with ranged GETs of the part
    size (default 8 MiB, 8-16 MiB), that many at a time (default 8, 1-16).

Powertools reads its own variables: ``POWERTOOLS_SERVICE_NAME`` (default ``file-processor``),
``POWERTOOLS_METRICS_NAMESPACE`` (default ``FileProcessor``), ``POWERTOOLS_LOG_LEVEL``,
``POWERTOOLS_TRACE_DISABLED`` and the rest of the ``POWERTOOLS_*`` family.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

DEFAULT_RESULTS_PREFIX = "records/"
DEFAULT_MAX_HASH_BYTES = 1024**3
DEFAULT_S3_MAX_ATTEMPTS = 5
MIB = 1024**2
DEFAULT_PARALLEL_READ_THRESHOLD_BYTES = 64 * MIB
DEFAULT_PARALLEL_READ_PART_BYTES = 8 * MIB
DEFAULT_PARALLEL_READ_CONCURRENCY = 8
# Results key = prefix + bucket (<= 63) + "/" + 64 hex + "/" + "v-" + 64 hex + ".json" = prefix + 199 bytes.
MAX_PREFIX_BYTES = 512

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class ConfigError(ValueError):
    """An environment variable is missing or invalid; the message names it and says how to fix it."""


class Config(NamedTuple):
    results_bucket: str
    trigger_bucket: str
    trigger_prefix: str = ""
    trigger_suffix: str = ""
    results_prefix: str = DEFAULT_RESULTS_PREFIX
    max_hash_bytes: int = DEFAULT_MAX_HASH_BYTES
    s3_max_attempts: int = DEFAULT_S3_MAX_ATTEMPTS
    parallel_read_threshold: int = DEFAULT_PARALLEL_READ_THRESHOLD_BYTES
    parallel_read_part_bytes: int = DEFAULT_PARALLEL_READ_PART_BYTES
    parallel_read_concurrency: int = DEFAULT_PARALLEL_READ_CONCURRENCY


def _int_setting(environ: Mapping[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"between {low} and {high}"
        raise ConfigError(f"{name} must be {bounds}, got {value}")
    return value


def _bucket_setting(environ: Mapping[str, str], name: str, purpose: str) -> str:
    bucket = environ.get(name, "").strip()
    if not bucket:
        raise ConfigError(f"{name} is required: set it to the name of the bucket that {purpose}")
    if not _BUCKET_NAME.fullmatch(bucket):
        raise ConfigError(f"{name} must be a valid S3 bucket name, got {bucket!r}")
    return bucket


def load_config(environ: Mapping[str, str]) -> Config:
    """Build the configuration from ``environ``; raise ConfigError naming the first bad variable."""
    bucket = _bucket_setting(environ, "RESULTS_BUCKET", "receives records")
    trigger_bucket = _bucket_setting(environ, "TRIGGER_BUCKET", "invokes the function")
    if trigger_bucket == bucket:
        raise ConfigError(
            "TRIGGER_BUCKET and RESULTS_BUCKET must differ: each record would invoke the function again"
        )

    prefix = environ.get("RESULTS_PREFIX", DEFAULT_RESULTS_PREFIX)
    if prefix and not prefix.endswith("/"):
        raise ConfigError(f"RESULTS_PREFIX must be empty or end with '/', got {prefix!r}")
    if prefix.startswith("/"):
        raise ConfigError(f"RESULTS_PREFIX must not start with '/', got {prefix!r}")
    if len(prefix.encode("utf-8")) > MAX_PREFIX_BYTES:
        raise ConfigError(f"RESULTS_PREFIX must be at most {MAX_PREFIX_BYTES} bytes in UTF-8")

    return Config(
        results_bucket=bucket,
        trigger_bucket=trigger_bucket,
        trigger_prefix=environ.get("TRIGGER_PREFIX", ""),
        trigger_suffix=environ.get("TRIGGER_SUFFIX", ""),
        results_prefix=prefix,
        max_hash_bytes=_int_setting(environ, "MAX_HASH_BYTES", DEFAULT_MAX_HASH_BYTES, 0, None),
        s3_max_attempts=_int_setting(environ, "S3_MAX_ATTEMPTS", DEFAULT_S3_MAX_ATTEMPTS, 1, 20),
        parallel_read_threshold=_int_setting(
            environ, "PARALLEL_READ_THRESHOLD_BYTES", DEFAULT_PARALLEL_READ_THRESHOLD_BYTES, 0, None
        ),
        parallel_read_part_bytes=_int_setting(
            environ, "PARALLEL_READ_PART_BYTES", DEFAULT_PARALLEL_READ_PART_BYTES, 8 * MIB, 16 * MIB
        ),
        parallel_read_concurrency=_int_setting(
            environ, "PARALLEL_READ_CONCURRENCY", DEFAULT_PARALLEL_READ_CONCURRENCY, 1, 16
        ),
    )
