"""Reads in parts: concurrent ranged GETs pinned to one version, hashed in order, bounded in memory.

Most tests call ``process_object`` with a Config built here, so parts can be a few hundred bytes
(``PARALLEL_READ_PART_BYTES`` accepts 8-16 MiB); the handler tests go through the environment.
What moto cannot do (a part of another version despite ``If-Match``, a short body, a wrong range,
a 5xx that outlasts the retries) is injected with botocore event hooks on the function's client.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
import tracemalloc
import weakref

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config as BotoConfig
from botocore.exceptions import FlexibleChecksumError, IncompleteReadError
from botocore.response import StreamingBody
from fp_helpers import RESULTS_BUCKET, RESULTS_PREFIX, SOURCE_BUCKET, put_object, read_record, result_keys

from file_processor import handler as handler_module
from file_processor import processor
from file_processor.config import Config, ConfigError, load_config
from file_processor.events import parse_event
from file_processor.handler import ProcessingFailedError, handler

MIB = 1024 * 1024
PART = 1000
CONFIG = Config(
    results_bucket=RESULTS_BUCKET,
    trigger_bucket=SOURCE_BUCKET,
    results_prefix=RESULTS_PREFIX,
    parallel_read_threshold=0,
    parallel_read_part_bytes=PART,
    parallel_read_concurrency=3,
    s3_max_attempts=2,
)
# Not a multiple of PART, so the last part is short; a PNG signature, so detection has work to do.
BODY = b"\x89PNG\r\n\x1a\n" + hashlib.sha256(b"parts").digest() * 300


def client(attempts: int = 2):
    return boto3.client("s3", config=BotoConfig(retries={"mode": "standard", "total_max_attempts": attempts}))


def process(s3, event: dict, config: Config = CONFIG) -> processor.Outcome:
    [item] = parse_event(event)
    return processor.process_object(s3, config, item, "request-id")


def calls(s3) -> list[tuple[str, dict]]:
    """Every S3 call ``s3`` makes from now on: (operation, parameters)."""
    made: list[tuple[str, dict]] = []
    s3.meta.events.register(
        "provide-client-params.s3", lambda params, model, **_: made.append((model.name, dict(params)))
    )
    return made


def ranged(made: list[tuple[str, dict]]) -> list[dict]:
    return [params for name, params in made if name == "GetObject" and "Range" in params]


class _RawBody:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_kwargs):
        yield self._data


def fail_part(s3, first: int, status: int, code: str) -> list[str]:
    """Answer every GET of the part starting at ``first`` with ``status``/``code``; return the attempts."""
    attempts: list[str] = []

    def answer(request, **_kwargs):
        if request.headers.get("Range", b"").startswith(f"bytes={first}-".encode()):
            attempts.append(code)
            body = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
            return AWSResponse(request.url, status, {}, _RawBody(body))
        return None

    s3.meta.events.register_first("before-send.s3.GetObject", answer)
    return attempts


def alter_part(s3, first: int, change) -> None:
    """Let ``change`` edit the parsed response of the part starting at ``first``."""

    def edit(http_response, parsed, model, **_kwargs):
        if parsed.get("ContentRange", "").startswith(f"bytes {first}-"):
            change(parsed)

    s3.meta.events.register("after-call.s3.GetObject", edit)


def test_configuration_defaults_and_bounds():
    config = load_config({"RESULTS_BUCKET": "results", "TRIGGER_BUCKET": "source"})
    assert (config.parallel_read_threshold, config.parallel_read_part_bytes) == (64 * MIB, 8 * MIB)
    assert config.parallel_read_concurrency == 8
    both = {"RESULTS_BUCKET": "results", "TRIGGER_BUCKET": "source"}
    for name, value, message in [
        ("PARALLEL_READ_THRESHOLD_BYTES", "-1", "must be >= 0"),
        ("PARALLEL_READ_THRESHOLD_BYTES", "64MiB", "must be a whole number"),
        ("PARALLEL_READ_PART_BYTES", str(8 * MIB - 1), "must be between 8388608 and 16777216"),
        ("PARALLEL_READ_PART_BYTES", str(16 * MIB + 1), "must be between 8388608 and 16777216"),
        ("PARALLEL_READ_CONCURRENCY", "0", "must be between 1 and 16"),
        ("PARALLEL_READ_CONCURRENCY", "17", "must be between 1 and 16"),
    ]:
        with pytest.raises(ConfigError, match=f"{name} {message}"):
            load_config({**both, name: value})


def test_a_read_in_parts_records_what_a_single_read_records(s3):
    _, event = put_object(s3, "parts/pixel.png", BODY, ContentType="image/png", Metadata={"k": "v"})
    function = client()
    made = calls(function)

    in_parts = process(function, event)
    record = read_record(s3, in_parts.record_key)
    s3.delete_object(Bucket=RESULTS_BUCKET, Key=in_parts.record_key)
    single = process(function, event, CONFIG._replace(parallel_read_threshold=len(BODY)))

    assert (in_parts.outcome, single.outcome) == ("recorded", "recorded")
    expected = read_record(s3, single.record_key)
    assert record["sha256"]["hex"] == hashlib.sha256(BODY).hexdigest()
    assert {**record, "processedAt": None} == {**expected, "processedAt": None}
    assert record["object"]["checksums"]  # HeadObject's checksums, as the single GetObject's
    parts = ranged(made)
    assert sorted(part["Range"] for part in parts) == sorted(
        f"bytes={first}-{min(first + PART, len(BODY)) - 1}" for first in range(0, len(BODY), PART)
    )
    head = next(params for name, params in made if name == "HeadObject" and params["Bucket"] == SOURCE_BUCKET)
    assert head["IfMatch"] == f'"{event["Records"][0]["s3"]["object"]["eTag"]}"'
    assert head["ChecksumMode"] == "ENABLED"
    assert all(part["IfMatch"] == head["IfMatch"] and "VersionId" not in part for part in parts)


def test_versioned_parts_are_pinned_to_the_version_the_event_names(s3):
    s3.put_bucket_versioning(Bucket=SOURCE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first, first_event = put_object(s3, "parts/doc.bin", BODY)
    put_object(s3, "parts/doc.bin", b"a newer version")
    function = client()
    made = calls(function)

    outcome = process(function, first_event)

    record = read_record(s3, outcome.record_key)
    assert record["sha256"]["hex"] == hashlib.sha256(BODY).hexdigest()
    assert record["object"]["versionId"] == first["VersionId"]
    parts = ranged(made)
    assert len(parts) == -(-len(BODY) // PART)
    assert all(part["VersionId"] == first["VersionId"] and "IfMatch" not in part for part in parts)


def test_objects_at_or_under_the_threshold_keep_the_single_stream(s3):
    _, event = put_object(s3, "parts/small.bin", BODY)
    function = client()
    made = calls(function)

    outcome = process(function, event, CONFIG._replace(parallel_read_threshold=len(BODY)))

    assert outcome.outcome == "recorded"
    assert [name for name, _ in made] == ["HeadObject", "GetObject", "PutObject"]
    assert ranged(made) == []


def test_the_handler_reads_in_parts_from_its_environment(s3, function_env, lambda_context):
    function_env.setenv("PARALLEL_READ_THRESHOLD_BYTES", str(16 * MIB))
    function_env.setenv("PARALLEL_READ_PART_BYTES", str(8 * MIB))
    function_env.setenv("PARALLEL_READ_CONCURRENCY", "2")
    body = hashlib.sha256(b"large").digest() * (17 * MIB // 32) + b"tail"
    _, event = put_object(s3, "parts/17mib.bin", body)
    function = handler_module.s3_client(handler_module.get_config())
    made = calls(function)

    result = handler(event, lambda_context)

    assert result["objects"][0]["outcome"] == "recorded"
    assert (
        read_record(s3, result["objects"][0]["recordKey"])["sha256"]["hex"]
        == hashlib.sha256(body).hexdigest()
    )
    assert sorted(part["Range"] for part in ranged(made)) == [
        f"bytes=0-{8 * MIB - 1}",
        f"bytes={16 * MIB}-{len(body) - 1}",
        f"bytes={8 * MIB}-{16 * MIB - 1}",
    ]
    assert function.meta.config.max_pool_connections == 10


class Chunk(bytearray):
    """A chunk that can be watched with a weak reference (plain bytes cannot)."""


def test_memory_holds_at_most_concurrency_parts(s3, monkeypatch):
    """The part being handed to the hasher, the others being read, and the chunk being hashed."""
    monkeypatch.setattr(processor, "PART_CHUNK_BYTES", 250)
    body = bytes(range(256)) * 80  # 20 parts of 1000 bytes, 4 chunks each
    _, event = put_object(s3, "parts/bounded.bin", body)
    lock = threading.Lock()
    held = {"bytes": 0, "most": 0, "reading": 0, "most_reading": 0}
    real_read_part = processor.read_part

    def release(size: int) -> None:
        with lock:
            held["bytes"] -= size

    def watched_read_part(*args):
        with lock:
            held["reading"] += 1
            held["most_reading"] = max(held["most_reading"], held["reading"])
            held["bytes"] += PART  # counted whole from the start: an upper bound
            held["most"] = max(held["most"], held["bytes"])
        time.sleep(0.02)  # long enough for the window to fill
        chunks = [Chunk(chunk) for chunk in real_read_part(*args)]
        for chunk in chunks:
            weakref.finalize(chunk, release, len(chunk))
        with lock:
            held["reading"] -= 1
            held["bytes"] += sum(map(len, chunks)) - PART
        return chunks

    monkeypatch.setattr(processor, "read_part", watched_read_part)

    outcome = process(client(), event)

    assert read_record(s3, outcome.record_key)["sha256"]["hex"] == hashlib.sha256(body).hexdigest()
    assert held["most_reading"] == CONFIG.parallel_read_concurrency
    assert held["most"] <= CONFIG.parallel_read_concurrency * PART + processor.PART_CHUNK_BYTES
    assert held["bytes"] == 0


def test_the_handler_reading_in_parts_traces_at_most_concurrency_parts(
    function_env, moto_server, lambda_context
):
    # A moto server in its own process, so only the function's allocations are traced.
    function_env.setenv("AWS_ENDPOINT_URL", moto_server)
    function_env.setenv("PARALLEL_READ_PART_BYTES", str(8 * MIB))
    function_env.setenv("PARALLEL_READ_CONCURRENCY", "3")
    s3 = boto3.client("s3")
    for bucket in (SOURCE_BUCKET, RESULTS_BUCKET):
        s3.create_bucket(Bucket=bucket)
    body = hashlib.sha256(b"seed").digest() * (80 * MIB // 32)
    _, event = put_object(s3, "parts/80mib.bin", body)
    handler_module.s3_client(handler_module.get_config())  # loading the service model is not reading

    tracemalloc.start()
    try:
        result = handler(event, lambda_context)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    record = read_record(s3, result["objects"][0]["recordKey"])
    assert record["sha256"]["hex"] == hashlib.sha256(body).hexdigest()
    # Three parts read or held, the chunk being hashed, and the readers' buffers: under four parts,
    # where reading the ten parts ahead would hold the whole object.
    bound = 4 * 8 * MIB
    assert peak < bound, f"peak traced allocation {peak / MIB:.1f} MiB for an 80 MiB object in 8 MiB parts"
    print(f"peak traced allocation while reading 80 MiB in parts: {peak / MIB:.2f} MiB")


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (500, "InternalError", "error"),
        (503, "SlowDown", "error"),
        (403, "AccessDenied", "access_denied"),
        (404, "NoSuchKey", "object_missing"),
        (412, "PreconditionFailed", "object_changed"),
    ],
)
def test_a_failing_part_gives_the_outcome_a_failing_single_read_gives(s3, status, code, outcome):
    _, event = put_object(s3, "parts/failing.bin", BODY)
    function = client(attempts=2)
    attempts = fail_part(function, 3 * PART, status, code)
    threads_before = threading.active_count()

    result = process(function, event)

    assert result.outcome == outcome
    assert code in result.message or outcome in {"object_missing", "object_changed"}
    assert result_keys(s3) == []
    retried = code in {"InternalError", "SlowDown"}
    assert len(attempts) == (2 if retried else 1)  # botocore's retries first, then the outcome
    assert threading.active_count() == threads_before  # no part reader left behind


def test_an_object_overwritten_mid_read_is_object_changed_and_not_recorded(s3):
    _, event = put_object(s3, "parts/overwritten.bin", BODY)
    function = client()
    other = client()

    def overwrite_before_part_five(request, **_kwargs):
        if request.headers.get("Range") == f"bytes={5 * PART}-{6 * PART - 1}".encode():
            other.put_object(Bucket=SOURCE_BUCKET, Key="parts/overwritten.bin", Body=b"new content")

    function.meta.events.register_first("before-send.s3.GetObject", overwrite_before_part_five)

    result = process(function, event)

    assert result.outcome == "object_changed"
    assert "ETag no longer matches" in result.message
    assert result_keys(s3) == []


def test_a_version_deleted_mid_read_is_object_missing(s3):
    s3.put_bucket_versioning(Bucket=SOURCE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    response, event = put_object(s3, "parts/deleted.bin", BODY)
    function = client()

    def delete_before_part_five(request, **_kwargs):
        if request.headers.get("Range") == f"bytes={5 * PART}-{6 * PART - 1}".encode():
            s3.delete_object(Bucket=SOURCE_BUCKET, Key="parts/deleted.bin", VersionId=response["VersionId"])

    function.meta.events.register_first("before-send.s3.GetObject", delete_before_part_five)

    assert process(function, event).outcome == "object_missing"
    assert result_keys(s3) == []


def test_a_part_of_another_etag_is_object_changed(s3):
    """A server that ignored If-Match: the part's own ETag gives it away."""
    _, event = put_object(s3, "parts/etag.bin", BODY)
    function = client()
    alter_part(function, 2 * PART, lambda parsed: parsed.update(ETag='"0123456789abcdef0123456789abcdef"'))

    result = process(function, event)

    assert result.outcome == "object_changed"
    assert result_keys(s3) == []


def test_a_short_part_is_an_error_as_a_short_single_read_is(s3, function_env, lambda_context):
    function_env.setenv("PARALLEL_READ_THRESHOLD_BYTES", "0")
    function_env.setenv("PARALLEL_READ_PART_BYTES", str(8 * MIB))
    body = bytes(9 * MIB)
    _, event = put_object(s3, "parts/short.bin", body)
    function = handler_module.s3_client(handler_module.get_config())

    def cut(parsed):  # the connection closed after 10 bytes of the promised Content-Length
        parsed["Body"] = StreamingBody(io.BytesIO(b"x" * 10), parsed["ContentLength"])

    alter_part(function, 8 * MIB, cut)

    with pytest.raises(ProcessingFailedError, match="IncompleteReadError"):
        handler(event, lambda_context)
    assert result_keys(s3) == []


@pytest.mark.parametrize(
    "content_range",
    [f"bytes 2000-2499/{len(BODY)}", f"bytes 2000-2999/{len(BODY) + 1}", None],
    ids=["other-range", "other-size", "whole-object"],
)
def test_a_part_with_other_bytes_than_asked_raises_incomplete_read(s3, content_range):
    _, event = put_object(s3, "parts/range.bin", BODY)
    function = client()
    alter_part(function, 2 * PART, lambda parsed: parsed.update(ContentRange=content_range))
    [item] = parse_event(event)

    with pytest.raises(IncompleteReadError, match="0 read, but total bytes expected is 1000"):
        processor.read_object(function, item, CONFIG)


def alter_head(s3, change) -> None:
    s3.meta.events.register("after-call.s3.HeadObject", lambda parsed, **_: change(parsed))


def test_the_full_object_checksum_is_checked_as_botocore_checks_a_single_read(s3):
    _, event = put_object(s3, "parts/checksum.bin", BODY)
    function = client()
    alter_head(function, lambda parsed: parsed.update(ChecksumCRC32="AAAAAA=="))
    [item] = parse_event(event)

    with pytest.raises(FlexibleChecksumError, match="Expected checksum AAAAAA== did not match"):
        processor.read_object(function, item, CONFIG)
    assert result_keys(s3) == []


@pytest.mark.parametrize(
    "change",
    [
        {"ChecksumCRC32": "AAAAAA==-3"},
        {"ChecksumCRC32": "AAAAAA==", "ChecksumType": "COMPOSITE"},
        {"ChecksumCRC32": "AAAAAA==", "ETag": '"0123456789abcdef0123456789abcdef-3"'},
    ],
    ids=["composite-value", "composite-type", "multipart-etag-without-type"],
)
def test_composite_checksums_are_skipped_as_botocore_skips_them(s3, change):
    # Versioned, so the parts are pinned by VersionId and the edited ETag is only compared.
    s3.put_bucket_versioning(Bucket=SOURCE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    _, event = put_object(s3, "parts/composite.bin", BODY)
    function = client()
    alter_head(function, lambda parsed: parsed.update(change))
    etag = change.get("ETag")
    if etag:
        function.meta.events.register("after-call.s3.GetObject", lambda parsed, **_: parsed.update(ETag=etag))
    [item] = parse_event(event)

    content = processor.read_object(function, item, CONFIG)

    assert content.sha256 == hashlib.sha256(BODY).hexdigest()


def test_sha256_checksums_are_checked_too(s3):
    _, event = put_object(s3, "parts/sha.bin", BODY, ChecksumAlgorithm="SHA256")
    function = client()
    [item] = parse_event(event)

    content = processor.read_object(function, item, CONFIG)
    assert content.response["ChecksumSHA256"]

    alter_head(function, lambda parsed: parsed.update(ChecksumSHA256=parsed["ChecksumSHA256"][::-1]))
    with pytest.raises(FlexibleChecksumError):
        processor.read_object(function, item, CONFIG)


def test_head_errors_keep_todays_outcomes(s3):
    _, event = put_object(s3, "parts/head.bin", BODY)
    put_object(s3, "parts/head.bin", b"overwritten before the read")
    assert process(client(), event).outcome == "object_changed"
    s3.delete_object(Bucket=SOURCE_BUCKET, Key="parts/head.bin")
    assert process(client(), event).outcome == "object_missing"
