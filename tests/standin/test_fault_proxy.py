"""The fault proxy (scripts/standin/fault_proxy.py) in front of the real stand-in, used by real boto3
clients: botocore meets S3's throttling and server errors and retries them as it would on AWS, a
connection reset in the middle of a GetObject body reaches the caller, latency is added, only the
requests the filter names are touched, and the configuration changes at runtime over HTTP."""

from __future__ import annotations

import dataclasses
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ResponseStreamingError
from botocore.retries.standard import ExponentialBackoff
from standin.fault_proxy import FaultConfig, FaultConfigError, main, running_fault_proxy
from standin_helpers import unique

ROOT = Path(__file__).resolve().parents[2]
FAULT_PROXY = ROOT / "scripts" / "standin" / "fault_proxy.py"
# botocore's standard retry mode waits rand * base * 2**attempt: base 1 s for throttling errors,
# 50 ms for other errors.
THROTTLING_SCALE, OTHER_SCALE = 1, 0.05
CLI_FILTER = ["--operation", "ListObjectsV2", "--seed", "3"]


@pytest.fixture(scope="module")
def proxy(standin):
    with running_fault_proxy(standin.endpoint) as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults_between_tests(proxy):
    proxy.configure(FaultConfig())
    proxy.reset_counters()
    yield
    proxy.configure(FaultConfig())


@pytest.fixture
def backoff_scales(monkeypatch):
    """The base scale botocore picks for each retry (which tells throttling from other errors); the
    waits are shortened 100-fold so the tests stay fast. botocore is pinned: this private method is
    where standard mode makes that choice."""
    scales = []
    choose = ExponentialBackoff._get_base_scale

    def recording(self, context):
        scale = choose(self, context)
        scales.append(scale)
        return scale / 100

    monkeypatch.setattr(ExponentialBackoff, "_get_base_scale", recording)
    return scales


def through(proxy, standin, service="s3", max_attempts=3):
    """A client of the stand-in that goes through the proxy, in standard retry mode, making at most
    ``max_attempts`` attempts in all (botocore's ``max_attempts`` counts only the retries)."""
    retries = {"mode": "standard", "total_max_attempts": max_attempts}
    return dataclasses.replace(standin, endpoint=proxy.endpoint).client(
        service, config=Config(retries=retries)
    )


@pytest.fixture(scope="module")
def bucket(standin):
    name = unique("faults")
    standin.client("s3").create_bucket(Bucket=name)
    return name


def fetch(url, ca_bundle, method="GET", data=None):
    """(status, body) of a plain HTTPS request, error statuses included."""
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    context = ssl.create_default_context(cafile=str(ca_bundle))
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def control(proxy, method="GET", path="/__faults", document=None):
    """A control request to the proxy: (status, JSON answer)."""
    data = json.dumps(document).encode() if document is not None else None
    status, answer = fetch(proxy.endpoint + path, proxy.ca_bundle, method, data)
    return status, json.loads(answer)


@pytest.mark.parametrize(
    ("fault", "code", "status", "scale"),
    [("slowdown", "SlowDown", 503, THROTTLING_SCALE), ("internal_error", "InternalError", 500, OTHER_SCALE)],
)
def test_an_error_on_every_getobject_is_retried_up_to_max_attempts(
    proxy, standin, bucket, backoff_scales, fault, code, status, scale
):
    s3 = through(proxy, standin, max_attempts=4)
    s3.put_object(Bucket=bucket, Key="k", Body=b"body")
    proxy.configure(FaultConfig(**{fault: 1.0}, operations=("GetObject",)))
    proxy.reset_counters()

    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="k")

    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert error["ResponseMetadata"]["RetryAttempts"] == 3
    assert proxy.counters() == {**dict.fromkeys(proxy.counters(), 0), "requests": 4, "matched": 4, fault: 4}
    # SlowDown is classified as throttling (its XML body names the code), InternalError is not.
    assert backoff_scales == [scale] * 3


def test_with_a_share_of_errors_standard_retries_complete_every_request(
    proxy, standin, bucket, backoff_scales
):
    s3 = through(proxy, standin, max_attempts=10)
    proxy.configure(FaultConfig(slowdown=0.2, internal_error=0.1, seed=23))
    bodies = {f"batch/{index}": os.urandom(64 + index) for index in range(20)}

    for key, body in bodies.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    for key, body in bodies.items():
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body

    counters = proxy.counters()
    assert counters["slowdown"] > 0
    assert counters["internal_error"] > 0
    # Every fault cost one more attempt of the same request, and nothing else was sent.
    assert counters["matched"] == len(bodies) * 2 + counters["slowdown"] + counters["internal_error"]
    assert len(backoff_scales) == counters["slowdown"] + counters["internal_error"]


def test_the_seed_makes_the_faults_reproducible(proxy, standin, bucket):
    s3 = through(proxy, standin, max_attempts=1)

    def outcomes(seed):
        proxy.configure(FaultConfig(slowdown=0.3, internal_error=0.2, seed=seed))
        seen = []
        for _ in range(20):
            try:
                s3.list_objects_v2(Bucket=bucket, MaxKeys=1)
                seen.append("ok")
            except ClientError as error:
                seen.append(error.response["Error"]["Code"])
        return seen

    first = outcomes(7)

    assert outcomes(7) == first
    assert {"ok", "SlowDown", "InternalError"} <= set(first)
    assert outcomes(8) != first


def test_a_connection_reset_mid_getobject_body_reaches_the_caller(proxy, standin, bucket):
    s3 = through(proxy, standin)
    body = os.urandom(256 * 1024)
    s3.put_object(Bucket=bucket, Key="large", Body=body)
    proxy.configure(FaultConfig(reset=1.0, operations=("GetObject",)))

    response = s3.get_object(Bucket=bucket, Key="large")  # the headers arrive: the call succeeds
    assert response["ContentLength"] == len(body)
    with pytest.raises(ResponseStreamingError):
        response["Body"].read()

    assert proxy.counters()["reset"] == 1  # a body being read is not retried by botocore
    proxy.configure(FaultConfig())
    assert s3.get_object(Bucket=bucket, Key="large")["Body"].read() == body


def test_a_connection_reset_before_the_response_is_retried(proxy, standin, bucket):
    s3 = through(proxy, standin, max_attempts=2)
    proxy.configure(FaultConfig(reset=1.0, operations=("HeadBucket",)))

    with pytest.raises(ConnectionClosedError):
        s3.head_bucket(Bucket=bucket)

    assert proxy.counters()["reset"] == 2


def test_latency_adds_at_least_the_configured_delay(proxy, standin, bucket):
    s3 = through(proxy, standin)
    s3.head_bucket(Bucket=bucket)  # the connection is open before the clock starts
    proxy.configure(FaultConfig(latency_ms=400, jitter_ms=100, operations=("HeadBucket",)))

    started = time.monotonic()
    s3.head_bucket(Bucket=bucket)
    elapsed = time.monotonic() - started

    assert elapsed >= 0.4
    assert proxy.counters()["delayed"] == 1


def test_the_filter_leaves_other_operations_and_services_untouched(proxy, standin, bucket):
    s3 = through(proxy, standin, max_attempts=1)
    sqs = through(proxy, standin, "sqs", max_attempts=1)
    proxy.configure(FaultConfig(slowdown=1.0, latency_ms=200, operations=("GetObject",)))

    s3.put_object(Bucket=bucket, Key="filtered", Body=b"x")
    s3.head_object(Bucket=bucket, Key="filtered")
    s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "filtered"})
    s3.list_objects_v2(Bucket=bucket)
    sqs.list_queues()
    assert proxy.counters() == {**dict.fromkeys(proxy.counters(), 0), "requests": 5}

    with pytest.raises(ClientError, match="SlowDown"):
        s3.get_object(Bucket=bucket, Key="filtered")
    presigned = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "filtered"})
    status, answer = fetch(presigned, proxy.ca_bundle)
    assert status == 503
    assert b"<Code>SlowDown</Code>" in answer
    assert proxy.counters()["slowdown"] == 2

    # Another service is matched by its credential scope, and answered in its own protocol.
    proxy.configure(FaultConfig(slowdown=1.0, services=("sqs",)))
    with pytest.raises(ClientError) as raised:
        sqs.list_queues()
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert s3.get_object(Bucket=bucket, Key="filtered")["Body"].read() == b"x"


def test_the_control_endpoint_reads_resets_and_changes_the_configuration(proxy, standin, bucket):
    s3 = through(proxy, standin, max_attempts=2)
    status, state = control(proxy)
    assert status == 200
    assert state["config"] == FaultConfig().to_dict()

    status, state = control(proxy, "PUT", document={"internal_error": 1, "operations": ["ListObjectsV2"]})
    assert status == 200
    assert state["config"] == {
        **FaultConfig().to_dict(),
        "internal_error": 1,
        "operations": ["ListObjectsV2"],
    }
    with pytest.raises(ClientError, match="InternalError"):
        s3.list_objects_v2(Bucket=bucket)
    assert control(proxy)[1]["counters"]["internal_error"] == 2

    status, state = control(proxy, "DELETE", "/__faults/counters")
    assert status == 200
    assert set(state["counters"].values()) == {0}

    control(proxy, "PUT", document={"internal_error": 0})
    s3.list_objects_v2(Bucket=bucket)
    assert control(proxy)[1]["counters"] == {**state["counters"], "requests": 1, "matched": 1}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"slowdown": 1.5}, "slowdown is a share of requests from 0 to 1, got 1.5"),
        ({"reset": -0.1}, "reset is a share of requests from 0 to 1"),
        ({"slowdown": 0.6, "internal_error": 0.6}, "slowdown \\+ internal_error \\+ reset is at most 1"),
        ({"latency_ms": -5}, "latency_ms is a number of milliseconds, 0 or more, got -5"),
        ({"jitter_ms": "10"}, "jitter_ms is a number of milliseconds"),
        ({"operations": "GetObject"}, "operations is a list of names"),
        ({"seed": 1.5}, "seed is an integer"),
        ({"latency": 10}, "unknown fault setting\\(s\\) latency; known: slowdown"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_error(proxy, settings, message):
    with pytest.raises(FaultConfigError, match=message) as refused:
        FaultConfig.from_dict(settings)

    status, answer = control(proxy, "PUT", document=settings)
    assert (status, answer["error"]) == (400, str(refused.value))
    assert proxy.config == FaultConfig()  # unchanged


@pytest.mark.parametrize(
    ("flags", "message"),
    [(["--slowdown", "1.5"], "from 0 to 1, got 1.5"), (["--latency-ms", "-1"], "0 or more, got -1")],
)
def test_bad_flags_are_refused(capsys, flags, message):
    with pytest.raises(SystemExit) as exited:
        main(["--upstream", "https://127.0.0.1:1", *flags])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_the_command_line_proxy_serves_its_flags(standin, bucket):
    process = subprocess.Popen(
        [sys.executable, str(FAULT_PROXY), "--upstream", standin.endpoint, "--slowdown", "1", *CLI_FILTER],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        endpoint = process.stdout.readline().split()[3]
        cli_proxy = type("Cli", (), {"endpoint": endpoint, "ca_bundle": standin.ca_bundle})
        s3 = dataclasses.replace(standin, endpoint=endpoint).client(
            "s3", config=Config(retries={"mode": "standard", "total_max_attempts": 1})
        )

        s3.head_bucket(Bucket=bucket)
        with pytest.raises(ClientError, match="SlowDown"):
            s3.list_objects_v2(Bucket=bucket)

        state = control(cli_proxy)[1]
        assert state["config"]["seed"] == 3
        assert state["counters"]["slowdown"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
