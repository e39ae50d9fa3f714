"""The handler end to end against moto: records, outcomes, failure semantics, clients."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import tracemalloc

import boto3
import jsonschema
import pytest
from botocore.exceptions import ClientError
from fp_helpers import (
    LAMBDA_IMPORT_ENV,
    RESULTS_BUCKET,
    RESULTS_PREFIX,
    ROOT,
    SOURCE_BUCKET,
    VECTORS_DIR,
    load_event,
    merge_events,
    object_event,
    put_object,
    read_record,
    result_keys,
    with_body_digests,
)

from file_processor import handler as handler_module
from file_processor import processor
from file_processor.events import MalformedEventError
from file_processor.handler import ProcessingFailedError, handler
from file_processor.keys import ObjectRef, results_key

VECTORS = json.loads((VECTORS_DIR / "cases.json").read_text(encoding="utf-8"))
SCHEMA = json.loads((ROOT / "src" / "file_processor" / "record.schema.json").read_text(encoding="utf-8"))
MIB = 1024 * 1024


def without(record: dict, dotted_fields: list[str]) -> dict:
    record = json.loads(json.dumps(record))
    for dotted in dotted_fields:
        *parents, leaf = dotted.split(".")
        node = record
        for parent in parents:
            node = node[parent]
        node.pop(leaf, None)
    return record


def only_outcome(result: dict) -> str:
    [item] = result["objects"]
    return item["outcome"]


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: case["name"])
def test_shared_vector_case_produces_expected_record(case, s3, function_env, lambda_context):
    spec = case["object"]
    body = (VECTORS_DIR / spec["bodyFile"]).read_bytes()
    function_env.setenv("MAX_HASH_BYTES", str(case["maxHashBytes"]))
    # The vectors name their own source bucket; this suite's moto bucket stands in for it.
    vector = json.loads(json.dumps(with_body_digests(case, body)).replace("vectors-source", SOURCE_BUCKET))
    s3.put_object(
        Bucket=SOURCE_BUCKET,
        Key=spec["key"],
        Body=body,
        ContentType=spec["contentType"],
        Metadata=spec["metadata"],
        ServerSideEncryption=spec["serverSideEncryption"],
        ChecksumAlgorithm=spec["checksumAlgorithm"],
    )

    result = handler(vector["event"], lambda_context)

    expected_key = vector["expected"]["resultsKey"]
    assert result["objects"][0]["recordKey"] == expected_key
    record = read_record(s3, expected_key)
    assert without(record, VECTORS["varyingFields"]) == vector["expected"]["record"]
    assert record["requestId"] == lambda_context.aws_request_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["processedAt"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["object"]["lastModified"])


def test_records_validate_against_the_json_schema(s3, lambda_context):
    _, small = put_object(s3, "a.txt", b"hello\n")
    _, empty = put_object(s3, "empty", b"")

    handler(merge_events(small, empty), lambda_context)

    for key in result_keys(s3):
        jsonschema.validate(read_record(s3, key), SCHEMA)


def test_zero_byte_object_is_recorded_with_empty_hash(s3, lambda_context):
    _, event = put_object(s3, "empty/zero.bin", b"")

    result = handler(event, lambda_context)

    record = read_record(s3, result["objects"][0]["recordKey"])
    assert record["object"]["size"] == 0
    assert record["sha256"]["hex"] == hashlib.sha256(b"").hexdigest()
    assert record["type"]["detected"] is None
    assert record["type"]["method"] == "empty"


def test_same_event_delivered_twice_writes_one_identical_record(s3, lambda_context):
    _, event = put_object(s3, "twice.txt", b"deliver me twice\n")

    first = handler(event, lambda_context)
    record_before = read_record(s3, first["objects"][0]["recordKey"])
    second = handler(event, lambda_context)

    assert only_outcome(first) == "recorded"
    assert only_outcome(second) == "already_recorded"
    assert result_keys(s3) == [first["objects"][0]["recordKey"]]
    assert read_record(s3, first["objects"][0]["recordKey"]) == record_before


def test_concurrent_duplicate_loses_the_conditional_write_and_is_already_recorded(
    s3, lambda_context, monkeypatch
):
    _, event = put_object(s3, "race.txt", b"two deliveries at once\n")
    handler(event, lambda_context)
    record_before = read_record(s3, result_keys(s3)[0])
    # The second delivery checked before the first one wrote: its existence check saw nothing.
    monkeypatch.setattr("file_processor.processor.record_exists", lambda *_args: False)

    result = handler(event, lambda_context)

    assert only_outcome(result) == "already_recorded"
    assert read_record(s3, result_keys(s3)[0]) == record_before


def test_multi_mb_object_is_hashed_in_chunks_with_bounded_memory(function_env, moto_server, lambda_context):
    # A moto server in its own process, so only the function's allocations are traced.
    function_env.setenv("AWS_ENDPOINT_URL", moto_server)
    client = boto3.client("s3")
    for bucket in (SOURCE_BUCKET, RESULTS_BUCKET):
        client.create_bucket(Bucket=bucket)
    body = hashlib.sha256(b"seed").digest() * (48 * MIB // 32)
    _, event = put_object(client, "large/48mib.bin", body)
    handler_module.s3_client(handler_module.get_config())  # loading the service model is not hashing

    tracemalloc.start()
    try:
        result = handler(event, lambda_context)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    record = read_record(client, result["objects"][0]["recordKey"])
    assert record["sha256"]["hex"] == hashlib.sha256(body).hexdigest()
    assert record["object"]["size"] == len(body)
    # One chunk hashing, one being read, and the reader's buffers: a quarter of the object at most.
    bound = 3 * processor.HASH_CHUNK_BYTES
    assert bound <= len(body) // 4
    assert peak < bound, f"peak traced allocation {peak / MIB:.1f} MiB for a 48 MiB object"
    print(f"peak traced allocation while hashing 48 MiB: {peak / MIB:.2f} MiB")


def test_object_over_hash_limit_is_recorded_with_hash_skipped(s3, function_env, lambda_context):
    function_env.setenv("MAX_HASH_BYTES", "1000")
    body = b"\x89PNG\r\n\x1a\n" + bytes(100_000)
    _, event = put_object(s3, "big.png", body, ContentType="image/png")

    result = handler(event, lambda_context)

    record = read_record(s3, result["objects"][0]["recordKey"])
    assert record["sha256"] == {
        "status": "skipped",
        "hex": None,
        "reason": "size_exceeds_limit",
        "limitBytes": 1000,
    }
    assert record["object"]["size"] == len(body)
    assert record["type"]["detected"]["mimeType"] == "image/png"
    assert record["type"]["sampleBytes"] == 65536


def test_missing_object_is_an_outcome_not_a_failure(s3, lambda_context, log_lines):
    event = object_event("gone.txt", 5, "d41d8cd98f00b204e9800998ecf8427e")

    result = handler(event, lambda_context)

    assert only_outcome(result) == "object_missing"
    assert result_keys(s3) == []
    [log] = [log for log in log_lines() if log.get("outcome")]
    assert (log["level"], log["outcome"], log["object_key"]) == ("INFO", "object_missing", "gone.txt")
    assert log["function_request_id"] == lambda_context.aws_request_id


def test_versioned_bucket_reads_the_version_the_event_names(s3, lambda_context):
    s3.put_bucket_versioning(Bucket=SOURCE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first, first_event = put_object(s3, "doc.txt", b"version one\n")
    second, second_event = put_object(s3, "doc.txt", b"version two, longer\n")

    result = handler(merge_events(first_event, second_event), lambda_context)

    keys = [item["recordKey"] for item in result["objects"]]
    assert len(set(keys)) == 2
    assert all("/v-" in key for key in keys)
    one, two = (read_record(s3, key) for key in keys)
    assert one["object"]["versionId"] == first["VersionId"]
    assert one["sha256"]["hex"] == hashlib.sha256(b"version one\n").hexdigest()
    assert two["object"]["versionId"] == second["VersionId"]
    assert two["sha256"]["hex"] == hashlib.sha256(b"version two, longer\n").hexdigest()


def test_deleted_version_is_object_missing(s3, lambda_context):
    s3.put_bucket_versioning(Bucket=SOURCE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    response, event = put_object(s3, "short-lived.txt", b"soon gone\n")
    s3.delete_object(Bucket=SOURCE_BUCKET, Key="short-lived.txt", VersionId=response["VersionId"])

    assert only_outcome(handler(event, lambda_context)) == "object_missing"
    assert result_keys(s3) == []


def test_overwritten_unversioned_object_is_object_changed_and_not_recorded(s3, lambda_context):
    _, old_event = put_object(s3, "overwritten.txt", b"old content\n")
    _, new_event = put_object(s3, "overwritten.txt", b"new content, other etag\n")

    old = handler(old_event, lambda_context)
    new = handler(new_event, lambda_context)

    assert only_outcome(old) == "object_changed"
    assert only_outcome(new) == "recorded"
    [key] = result_keys(s3)
    assert read_record(s3, key)["sha256"]["hex"] == hashlib.sha256(b"new content, other etag\n").hexdigest()


def test_sse_kms_object_records_its_encryption(s3, lambda_context):
    key_id = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]
    _, event = put_object(
        s3,
        "secret.pdf",
        b"%PDF-1.7\n",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=key_id,
        BucketKeyEnabled=True,
    )

    result = handler(event, lambda_context)

    encryption = read_record(s3, result["objects"][0]["recordKey"])["object"]["encryption"]
    assert encryption["algorithm"] == "aws:kms"
    assert key_id in encryption["kmsKeyId"]
    assert encryption["bucketKeyEnabled"] is True


def test_declared_type_that_contradicts_content_is_flagged(s3, lambda_context):
    png = (VECTORS_DIR / "objects" / "pixel.png").read_bytes()
    _, event = put_object(s3, "photo.jpg", png, ContentType="image/jpeg")

    record = read_record(s3, handler(event, lambda_context)["objects"][0]["recordKey"])

    assert record["type"]["declared"] == "image/jpeg"
    assert record["type"]["detected"]["mimeType"] == "image/png"
    assert record["type"]["mismatch"] is True


def test_test_event_is_ignored_and_writes_nothing(s3, lambda_context):
    result = handler(load_event("s3_test_event.json"), lambda_context)

    assert result == {"ignored": "s3:TestEvent", "objects": []}
    assert result_keys(s3) == []


def test_non_s3_event_raises_clear_error_and_writes_nothing(s3, lambda_context):
    with pytest.raises(MalformedEventError, match="eventSource is 'aws:sqs'"):
        handler(load_event("sqs_message.json"), lambda_context)
    assert result_keys(s3) == []


def test_malformed_record_rejects_the_whole_event_before_any_write(s3, lambda_context):
    _, good = put_object(s3, "good.txt", b"fine\n")

    with pytest.raises(MalformedEventError, match="record 1: missing field 'key'"):
        handler(merge_events(good, load_event("s3_missing_key.json")), lambda_context)
    assert result_keys(s3) == []


def test_non_created_event_is_ignored_without_reading(s3, function_env, lambda_context):
    function_env.setenv("TRIGGER_BUCKET", "example-source")  # the bucket of the docs' example event

    assert only_outcome(handler(load_event("s3_object_removed.json"), lambda_context)) == "ignored_event_type"
    assert result_keys(s3) == []


@pytest.mark.parametrize(
    ("settings", "bucket", "key", "reason"),
    [
        ({}, "another-bucket", "incoming/a.pdf", "not the trigger bucket"),
        ({"TRIGGER_PREFIX": "incoming/"}, SOURCE_BUCKET, "elsewhere/a.pdf", "outside the trigger prefix"),
        (
            {"TRIGGER_SUFFIX": ".pdf"},
            SOURCE_BUCKET,
            "incoming/a.pdf.exe",
            "does not end with the trigger suffix",
        ),
    ],
    ids=["other-bucket", "outside-prefix", "wrong-suffix"],
)
def test_an_event_outside_the_trigger_is_refused_and_the_rest_of_the_event_is_processed(
    s3, function_env, lambda_context, log_lines, capsys, settings, bucket, key, reason
):
    """Defence in depth: whatever invokes the function, it reads only the configured bucket and keys."""
    for name, value in settings.items():
        function_env.setenv(name, value)
    s3.create_bucket(Bucket="another-bucket")
    _, theirs = put_object(s3, key, b"%PDF-1.7 not for us", bucket=bucket)
    _, ours = put_object(s3, "incoming/ok.pdf", b"%PDF-1.7 ours")

    result = handler(merge_events(theirs, ours), lambda_context)

    assert [item["outcome"] for item in result["objects"]] == ["refused", "recorded"]
    assert len(result_keys(s3)) == 1  # only ours: nothing of the refused object was read or written
    refused = [line for line in log_lines() if line.get("outcome") == "refused"]
    assert len(refused) == 1
    assert refused[0]["level"] == "WARNING"
    assert reason in refused[0]["message"]
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert [blob["EventsRefused"] for blob in blobs if "EventsRefused" in blob] == [[1.0]]
    assert {blob["outcome"]: blob["Outcomes"] for blob in blobs if "Outcomes" in blob}["refused"] == [1.0]


def test_missing_configuration_fails_with_clear_error(function_env, lambda_context):
    function_env.delenv("RESULTS_BUCKET")

    # No object was processed, so Powertools has no application metric to flush and says so; the
    # failure itself shows in Lambda's Errors metric and the on-failure destination.
    with (
        pytest.raises(ValueError, match="RESULTS_BUCKET is required"),
        pytest.warns(UserWarning, match="No application metrics to publish"),
    ):
        handler(load_event("s3_object_created_put.json"), lambda_context)


def test_s3_client_uses_standard_retries_with_explicit_max_attempts(function_env, mocked_aws):
    function_env.setenv("S3_MAX_ATTEMPTS", "7")

    client = handler_module.s3_client(handler_module.get_config())

    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 7}
    assert client.meta.config.connect_timeout == 10
    assert client.meta.config.read_timeout == 60
    assert handler_module.s3_client(handler_module.get_config()) is client


def test_s3_client_honours_aws_endpoint_url_s3(function_env):
    function_env.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4566")

    client = handler_module.s3_client(handler_module.get_config())

    assert client.meta.endpoint_url == "http://127.0.0.1:4566"


def test_import_creates_no_client_or_configuration():
    # SnapStart: a snapshot taken after import must hold nothing connection-bound or unique.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import botocore.session as s; made = []\n"
        "orig = s.Session.create_client\n"
        "s.Session.create_client = lambda self, *a, **k: made.append(a) or orig(self, *a, **k)\n"
        "from file_processor import handler\n"
        "print(len(made), len(handler._state))"
    )
    # As in Lambda: outside it the X-Ray SDK's import builds two sampling clients of its own.
    env = LAMBDA_IMPORT_ENV
    output = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "src")], capture_output=True, text=True, check=True, env=env
    )

    assert output.stdout.split() == ["0", "0"]


def access_denied_setup(s3, monkeypatch) -> None:
    """Switch the function to an IAM user that may not read secret/*; moto enforces the policy."""
    iam = boto3.client("iam")
    iam.create_user(UserName="file-processor")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{SOURCE_BUCKET}/secret/*",
            },
        ],
    }
    iam.put_user_policy(UserName="file-processor", PolicyName="function", PolicyDocument=json.dumps(policy))
    access_key = iam.create_access_key(UserName="file-processor")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", access_key["SecretAccessKey"])
    handler_module.reset()


def test_access_denied_fails_after_other_records_naming_the_failed_key(
    s3, function_env, lambda_context, log_lines
):
    from moto.core import set_initial_no_auth_action_count

    _, denied = put_object(s3, "secret/plans.txt", b"classified\n")
    _, allowed = put_object(s3, "public/readme.txt", b"hello\n")

    # moto evaluates IAM policies once auth is on; the first 3 calls (user, policy, key) are free.
    @set_initial_no_auth_action_count(3)
    def invoke_as_restricted_user() -> None:
        access_denied_setup(s3, function_env)
        handler(merge_events(denied, allowed), lambda_context)

    with pytest.raises(ProcessingFailedError) as failure:
        invoke_as_restricted_user()

    message = str(failure.value)
    assert message.startswith("1 of 2 objects failed: s3://test-source/secret/plans.txt")
    assert "access denied reading" in message
    assert "s3:GetObject" in message
    [key] = result_keys(s3)
    assert read_record(s3, key)["source"]["key"] == "public/readme.txt"
    denied_log = next(log for log in log_lines() if log.get("outcome") == "access_denied")
    assert denied_log["level"] == "ERROR"
    assert denied_log["object_key"] == "secret/plans.txt"
    assert denied_log["function_request_id"] == lambda_context.aws_request_id


def test_unexpected_error_in_one_record_does_not_stop_the_others(s3, lambda_context, monkeypatch):
    _, first = put_object(s3, "first.txt", b"one\n")
    _, second = put_object(s3, "second.txt", b"two\n")
    real_detect = __import__("file_processor.processor", fromlist=["detect"]).detect

    def flaky_detect(sample, complete):
        if sample == b"one\n":
            raise RuntimeError("detector exploded")
        return real_detect(sample, complete)

    monkeypatch.setattr("file_processor.processor.detect", flaky_detect)

    with pytest.raises(
        ProcessingFailedError, match=r"s3://test-source/first.txt: RuntimeError: detector exploded"
    ):
        handler(merge_events(first, second), lambda_context)
    [key] = result_keys(s3)
    assert read_record(s3, key)["source"]["key"] == "second.txt"


def test_metrics_count_objects_bytes_and_outcomes(s3, lambda_context, capsys):
    _, event = put_object(s3, "metrics.txt", b"12345")
    missing = object_event("missing.txt", 1, "etag")

    handler(merge_events(event, missing), lambda_context)

    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    outcomes = {blob["outcome"]: blob["Outcomes"] for blob in blobs if "Outcomes" in blob}
    assert outcomes == {"recorded": [1.0], "object_missing": [1.0]}
    main = next(blob for blob in blobs if "ObjectsProcessed" in blob)
    assert main["BytesProcessed"] == [5.0]
    assert len(main["ObjectLatency"]) == 2


def test_results_key_for_event_matches_the_documented_format(s3, lambda_context):
    response, event = put_object(s3, "fmt/a b.txt", b"x")

    result = handler(event, lambda_context)

    etag = response["ETag"].strip('"')
    key_hash = hashlib.sha256(b"fmt/a b.txt").hexdigest()
    etag_hash = hashlib.sha256(etag.encode()).hexdigest()
    assert (
        result["objects"][0]["recordKey"] == f"{RESULTS_PREFIX}{SOURCE_BUCKET}/{key_hash}/e-{etag_hash}.json"
    )
    assert result["objects"][0]["recordKey"] == results_key(
        RESULTS_PREFIX, ObjectRef(SOURCE_BUCKET, "fmt/a b.txt", etag)
    )
    assert base64.b64decode(
        read_record(s3, result["objects"][0]["recordKey"])["object"]["checksums"]["CRC32"]
    )


def test_client_error_codes_are_branched_not_swallowed(s3, lambda_context, monkeypatch):
    _, event = put_object(s3, "throttled.txt", b"x")

    def throttled(*_args, **_kwargs):
        raise ClientError(
            {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "GetObject"
        )

    monkeypatch.setattr("file_processor.processor.read_object", throttled)

    with pytest.raises(ProcessingFailedError, match="SlowDown"):
        handler(event, lambda_context)


class _RawBody:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_kwargs):
        yield self._data


def test_transient_s3_error_is_retried_by_botocore_and_the_object_recorded(s3, lambda_context):
    from botocore.awsrequest import AWSResponse

    _, event = put_object(s3, "flaky.txt", b"eventually\n")
    client = handler_module.s3_client(handler_module.get_config())
    attempts = []

    def slow_down_once(request, **_kwargs):
        attempts.append(request.method)
        if len(attempts) == 1:
            error = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            return AWSResponse(request.url, 503, {}, _RawBody(error))
        return None  # later attempts go on to moto

    client.meta.events.register_first("before-send.s3.GetObject", slow_down_once)

    result = handler(event, lambda_context)

    assert only_outcome(result) == "recorded"
    assert len(attempts) == 2
