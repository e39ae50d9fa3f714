"""The Java function, built as Lambda gets it, run through the local invoker against a moto server.

Builds the packages with scripts/artifacts/build_java.py into a temporary directory (Maven, JDK >= 21), then
runs every shared vector case (tests/vectors/cases.json) through build/java-invoker/invoker.jar with
the unzipped function and layer on the class path, and asserts the same records as the Python suite.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import sys
from pathlib import Path

import boto3
import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from artifacts.build_java import build, find_jdk, target_name  # noqa: E402
from standin.java_invoke import JavaFunction  # noqa: E402

pytestmark = pytest.mark.slow

VECTORS_DIR = ROOT / "tests" / "vectors"
VECTORS = json.loads((VECTORS_DIR / "cases.json").read_text(encoding="utf-8"))
SCHEMA = json.loads((ROOT / "src" / "file_processor" / "record.schema.json").read_text(encoding="utf-8"))
SOURCE = "java-vectors-source"
RESULTS = "java-vectors-results"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # moto's


def with_body_digests(value: object, body: bytes) -> object:
    text = json.dumps(value)
    text = text.replace("${md5}", hashlib.md5(body, usedforsecurity=False).hexdigest())
    text = text.replace("${sha256}", hashlib.sha256(body).hexdigest())
    return json.loads(text.replace("vectors-source", SOURCE))


def without(record: dict, dotted_fields: list[str]) -> dict:
    record = copy.deepcopy(record)
    for dotted in dotted_fields:
        *parents, leaf = dotted.split(".")
        node = record
        for parent in parents:
            node = node[parent]
        node.pop(leaf, None)
    return record


@pytest.fixture(scope="module")
def java_build(tmp_path_factory) -> Path:
    """The Java packages, built once for this module; the manifest path."""
    assert shutil.which("mvn"), "Maven is not installed: the Java variant is part of `make test`"
    find_jdk()  # raises with the reason when no JDK 21+ is found
    build_dir = tmp_path_factory.mktemp("java-build")
    build("arm64", build_dir, log=lambda _line: None)
    return build_dir


@pytest.fixture(scope="module")
def s3(moto_server):
    client = boto3.client(
        "s3",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    for bucket in (SOURCE, RESULTS):
        client.create_bucket(Bucket=bucket)
    return client


@pytest.fixture(scope="module")
def functions(java_build, moto_server):
    """One JVM (one execution environment) per MAX_HASH_BYTES value, started on first use."""
    running: dict[tuple[int, bool], JavaFunction] = {}

    def get(max_hash_bytes: int, snapstart: bool = False) -> JavaFunction:
        key = (max_hash_bytes, snapstart)
        if key not in running:
            env = {
                **CREDENTIALS,
                "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": moto_server,
                "RESULTS_BUCKET": RESULTS,
                "TRIGGER_BUCKET": SOURCE,
                "RESULTS_PREFIX": VECTORS["resultsPrefix"],
                "MAX_HASH_BYTES": str(max_hash_bytes),
            }
            function = JavaFunction(
                env=env,
                manifest=java_build / target_name("arm64") / "manifest.json",
                build_dir=java_build,
                snapstart=snapstart,
            )
            running[key] = function.__enter__()
        return running[key]

    yield get
    for function in running.values():
        function.__exit__(None, None, None)


def put_case_object(s3, case: dict) -> bytes:
    spec = case["object"]
    body = (VECTORS_DIR / spec["bodyFile"]).read_bytes()
    s3.put_object(
        Bucket=SOURCE,
        Key=spec["key"],
        Body=body,
        ContentType=spec["contentType"],
        Metadata=spec["metadata"],
        ServerSideEncryption=spec["serverSideEncryption"],
        ChecksumAlgorithm=spec["checksumAlgorithm"],
    )
    return body


def read_record(s3, key: str) -> dict:
    return json.loads(s3.get_object(Bucket=RESULTS, Key=key)["Body"].read())


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: case["name"])
def test_java_function_writes_the_shared_vector_record(case, s3, functions):
    body = put_case_object(s3, case)
    vector = with_body_digests(case, body)

    reply = functions(case["maxHashBytes"]).invoke(vector["event"])

    assert reply["ok"], reply
    expected_key = vector["expected"]["resultsKey"]
    assert reply["result"]["objects"][0]["recordKey"] == expected_key
    record = read_record(s3, expected_key)
    assert without(record, VECTORS["varyingFields"]) == vector["expected"]["record"]
    assert record["requestId"] == reply["requestId"]
    jsonschema.validate(record, SCHEMA)


def test_redelivery_after_a_snapstart_restore_keeps_one_identical_record(s3, functions):
    case = VECTORS["cases"][0]
    body = put_case_object(s3, case)
    event = with_body_digests(case, body)["event"]
    function = functions(case["maxHashBytes"], snapstart=True)

    first = function.invoke(event)
    key = first["result"]["objects"][0]["recordKey"]
    before = read_record(s3, key)
    second = function.invoke(event)

    assert first["result"]["objects"][0]["outcome"] in {"recorded", "already_recorded"}
    assert second["result"]["objects"][0]["outcome"] == "already_recorded"
    assert read_record(s3, key) == before
    logged = [line for line in function.log_records() if "level" in line and line.get("outcome")]
    assert logged[0]["cold_start"] is True
    assert all(line["cold_start"] is False for line in logged[1:])


def test_test_event_is_ignored_and_non_s3_event_fails_clearly(functions):
    function = functions(VECTORS["cases"][0]["maxHashBytes"])
    test_event = json.loads((ROOT / "tests" / "events" / "s3_test_event.json").read_text(encoding="utf-8"))
    sqs = json.loads((ROOT / "tests" / "events" / "sqs_message.json").read_text(encoding="utf-8"))

    ignored = function.invoke(test_event)
    failed = function.invoke(sqs)

    assert ignored == {**ignored, "ok": True, "result": {"ignored": "s3:TestEvent", "objects": []}}
    assert failed["ok"] is False
    assert failed["errorType"] == "com.example.fileprocessor.MalformedEventException"
    assert "eventSource is 'aws:sqs'" in failed["errorMessage"]


def test_two_builds_are_byte_identical(java_build, tmp_path):
    again = build("arm64", tmp_path, log=lambda _line: None)
    first = json.loads((java_build / target_name("arm64") / "manifest.json").read_text(encoding="utf-8"))

    assert again["layer"]["sha256"] == first["layer"]["sha256"]
    assert again["function"]["sha256"] == first["function"]["sha256"]
    assert again["handler"] == "com.example.fileprocessor.Handler::handleRequest"
    assert again["runtime"] == "java21"
