#!/usr/bin/env python3
"""`make soak`: a burst of objects through the deployed function, healthy and under injected faults.

For each scenario the harness uploads N objects (0 bytes to tens of MiB, awkward keys) to the
trigger bucket, delivers their events to the deployed function through the local Lambda service
(scripts/standin/local_lambda.py) from a bounded pool of workers, each with its own warm execution
environment, and then checks what the stand-in holds. The function reaches S3 through the fault
proxy (scripts/standin/fault_proxy.py), which injects the scenario's faults; the harness's own
requests go to the stand-in directly.

Scenarios:
  healthy         no faults
  slowdown        a share of the function's S3 requests answered 503 SlowDown
  internal_error  a share answered 500 InternalError
  reset           a share of GetObject connections reset halfway through the body
  latency         every S3 request of the function delayed (latency + jitter)
  duplicates      every event delivered twice at the same moment
  overwrite       a share of objects overwritten or deleted while the function reads them
  timeout         GetObject slower than the function's timeout: every attempt is killed mid-object,
                  the event ends in the failure queue; then redriven without faults

Checked after each scenario (the harness exits 1 on any miss):
  - every object version has exactly one record, or its failure is in the failure queue with the
    reason (a version deleted while read may instead end as object_missing: it no longer exists);
  - every record is whole: valid JSON, valid against record.schema.json, its SHA-256 that of the
    bytes uploaded; no version has two records;
  - retries stayed within the budget: no invocation made more than 1 + maximum_retry_attempts
    attempts (sqs: no message received more than the trigger queue's maxReceiveCount times);
  - the alarms that should fire did: while routed failures wait in the failure queue (before the
    harness drains it), the errors and failure-queue-not-empty alarms are in ALARM.

Usage:
    scripts/soak.py [--objects 2000] [--concurrency 4] [--scenario NAME ...] [--seed 7]
                    [--report build/reports/soak.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jsonschema
from artifacts import build_packages
from release import builds
from release.stack import (
    LOCAL_STANDIN_FILE,
    ROOT,
    StackError,
    bootstrap_local_account,
    regions,
    run_all,
    standin_env_vars,
    unit_outputs,
)
from standin.alarms import wait_for_state
from standin.fault_proxy import FaultConfig, running_fault_proxy
from standin.local_lambda import LocalLambdaService, RunnerError, delivered, process_new_objects
from standin.patches import percentile
from standin.server import StandinError, running_standin

ENV = "local"
RECORD_SCHEMA = json.loads((ROOT / "src" / "file_processor" / "record.schema.json").read_text())
MIB = 1024 * 1024
# Keys S3 and its event encoding make awkward: spaces ("+" in the event), "+" itself, percent signs,
# reserved URL characters, non-ASCII letters, emoji, deep paths.
KEY_SHAPES = (
    "plain-{n}.txt",
    "with space {n}.csv",
    "plus+sign+{n}.bin",
    "percent%20literal-{n}.dat",
    "reserved &=?#;,{n}.json",
    "unicode-é-日本-{n}.txt",
    "emoji-🚀-{n}.png",
    "deep/a/b/c/d/e/{n}.log",
)
# The timeout scenario shortens the function's timeout in the runtime (LocalLambdaService's
# timeout_override_s) so a kill takes seconds, not the deployed 300 s.
TIMEOUT_SCENARIO_TIMEOUT_S = 3
# The overwrite scenario delays the function's GetObject by 400 ms and changes the object 150 ms
# into the invocation: the change lands while the read is in flight.
CHANGE_AFTER_S = 0.15
TRIGGER_MODES = ("s3", "eventbridge", "sqs")
REQUEST_ID_PREFIX = re.compile(r"^RequestId: \S+ Error: ")


@dataclass(frozen=True)
class Scenario:
    name: str
    faults: FaultConfig = field(default_factory=FaultConfig)
    duplicates: bool = False
    overwrite_share: float = 0.0
    timeout_override_s: float | None = None
    max_objects: int | None = None  # a scenario whose every object waits out timeouts stays small
    expect_failures: bool = False


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario("healthy"),
        Scenario("slowdown", FaultConfig(slowdown=0.2)),
        Scenario("internal_error", FaultConfig(internal_error=0.1)),
        Scenario("reset", FaultConfig(reset=0.2, operations=("GetObject",))),
        Scenario("latency", FaultConfig(latency_ms=50, jitter_ms=100)),
        Scenario("duplicates", duplicates=True),
        Scenario(
            "overwrite",
            FaultConfig(latency_ms=400, operations=("GetObject",)),
            overwrite_share=0.2,
        ),
        Scenario(
            "timeout",
            FaultConfig(latency_ms=(TIMEOUT_SCENARIO_TIMEOUT_S + 2) * 1000, operations=("GetObject",)),
            timeout_override_s=TIMEOUT_SCENARIO_TIMEOUT_S,
            max_objects=6,
            expect_failures=True,
        ),
    )
}


@dataclass
class Uploaded:
    key: str
    version_id: str
    sha256: str
    size: int


@dataclass
class Delivery:
    key: str
    seconds: float
    attempts: int  # the invocation's attempts (s3, eventbridge)
    outcomes: list[str]
    received: list[str] = field(default_factory=list)  # sqs: the message IDs of every batch polled


@dataclass
class ScenarioReport:
    name: str
    trigger_mode: str
    objects: int
    versions: int
    concurrency: int
    seconds: float = 0.0
    deliveries: int = 0
    records: int = 0
    failures_routed: int = 0
    failure_reasons: dict[str, int] = field(default_factory=dict)
    lambda_retries: int = 0
    s3_faults_injected: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    objects_per_second: float = 0.0
    alarms: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


# --- Objects -----------------------------------------------------------------------------------


def object_size(rng: random.Random, max_mib: int) -> int:
    """Mostly small files, some empty, some of a few MiB, a few of tens of MiB."""
    draw = rng.random()
    if draw < 0.05:
        return 0
    if draw < 0.85:
        return rng.randint(1, 64 * 1024)
    if draw < 0.995:
        return rng.randint(64 * 1024, min(4, max_mib) * MIB)
    return rng.randint(min(10, max_mib) * MIB, max_mib * MIB)


def object_keys(prefix: str, count: int) -> list[str]:
    return [prefix + KEY_SHAPES[n % len(KEY_SHAPES)].format(n=n) for n in range(count)]


def upload_all(s3: Any, bucket: str, keys: list[str], rng: random.Random, max_mib: int) -> list[Uploaded]:
    sizes = [object_size(rng, max_mib) for _ in keys]
    seeds = [rng.getrandbits(64) for _ in keys]

    def upload(item: tuple[str, int, int]) -> Uploaded:
        key, size, seed = item
        body = random.Random(seed).randbytes(size)  # noqa: S311 (test content, not secrets)
        version = s3.put_object(Bucket=bucket, Key=key, Body=body)["VersionId"]
        return Uploaded(key, version, hashlib.sha256(body).hexdigest(), size)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(upload, zip(keys, sizes, seeds, strict=True)))


# --- Delivery ----------------------------------------------------------------------------------


class Workers:
    """A bounded pool: each worker has its own LocalLambdaService, so its own warm environment."""

    def __init__(
        self,
        endpoint: str,
        function_endpoint: str,
        region: str,
        concurrency: int,
        timeout_override_s: float | None,
    ) -> None:
        self._local = threading.local()
        self._services: list[LocalLambdaService] = []
        self._lock = threading.Lock()
        self.endpoint, self.function_endpoint, self.region = endpoint, function_endpoint, region
        self.timeout_override_s = timeout_override_s
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="soak")

    def service(self) -> LocalLambdaService:
        if not hasattr(self._local, "service"):
            service = LocalLambdaService(
                self.endpoint,
                self.region,
                function_endpoint=self.function_endpoint,
                timeout_override_s=self.timeout_override_s,
            )
            with self._lock:
                self._services.append(service)
            self._local.service = service
        return self._local.service

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for service in self._services:
            service.__exit__(None, None, None)


def deliver(
    workers: Workers,
    bucket: str,
    key: str,
    start: threading.Barrier | None = None,
    change: Callable[[], None] | None = None,
) -> Delivery:
    """Deliver the event of ``key`` as the bucket's trigger mode does; with ``change``, run it while
    the function reads the object (the event, made first, names the version uploaded)."""
    service = workers.service()
    if start is not None:
        start.wait()
    timer = threading.Timer(CHANGE_AFTER_S, change) if change else None
    started = time.monotonic()
    # The bucket has one trigger path (its mode), so one event per key: the change starts once.
    on_event = (lambda _key: timer.start()) if timer else None
    results = process_new_objects(service, bucket, [key], on_event=on_event)
    if timer:
        timer.join()
    seconds = time.monotonic() - started
    invocations = [result["invocation"] for result in results if result["invocation"] is not None]
    batches = [result["batch"] for result in results if "batch" in result]
    outcomes = [
        item["outcome"]
        for invocation in invocations
        if invocation.succeeded
        for item in invocation.attempts[-1]["result"]["objects"]
    ]
    return Delivery(
        key=key,
        seconds=seconds,
        attempts=max((len(invocation.attempts) for invocation in invocations), default=0),
        outcomes=outcomes,
        received=[message_id for batch in batches for message_id in batch.message_ids],
    )


def deliver_all(
    workers: Workers,
    bucket: str,
    keys: list[str],
    duplicates: bool = False,
    changes: dict[str, Callable[[], None]] | None = None,
) -> list[Delivery]:
    changes = changes or {}
    futures = []
    for key in keys:
        if duplicates:  # both copies of an event start together (a barrier of two workers)
            start = threading.Barrier(2, timeout=60)
            futures += [workers.pool.submit(deliver, workers, bucket, key, start) for _ in range(2)]
        else:
            futures.append(workers.pool.submit(deliver, workers, bucket, key, None, changes.get(key)))
    return [future.result() for future in futures]


def changes_while_read(
    s3: Any, bucket: str, uploaded: list[Uploaded], share: float, rng: random.Random
) -> tuple[dict[str, Callable[[], None]], list[Uploaded], set[tuple[str, str]]]:
    """For a share of the objects, what happens while the function reads them: every other one is
    overwritten (a new version, whose own event is delivered afterwards), the others have their
    version deleted for good. Returns the changes by key, the new versions (filled in as the changes
    run) and the versions deleted."""
    chosen = [item for item in uploaded if rng.random() < share]
    new_versions: list[Uploaded] = []
    deleted = {(item.key, item.version_id) for index, item in enumerate(chosen) if index % 2}

    def overwrite(item: Uploaded) -> None:
        body = f"overwritten {item.key}".encode()
        version = s3.put_object(Bucket=bucket, Key=item.key, Body=body)["VersionId"]
        new_versions.append(Uploaded(item.key, version, hashlib.sha256(body).hexdigest(), len(body)))

    def delete(item: Uploaded) -> None:
        s3.delete_object(Bucket=bucket, Key=item.key, VersionId=item.version_id)

    changes = {
        item.key: functools.partial(delete if index % 2 else overwrite, item)
        for index, item in enumerate(chosen)
    }
    return changes, new_versions, deleted


# --- Checks ------------------------------------------------------------------------------------


def existing_versions(s3: Any, bucket: str, prefix: str) -> set[tuple[str, str]]:
    paginator = s3.get_paginator("list_object_versions")
    return {
        (version["Key"], version["VersionId"])
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
        for version in page.get("Versions", [])
    }


def records_of(
    s3: Any, results_bucket: str, trigger_bucket: str, prefix: str
) -> Iterator[tuple[str, dict | None, str]]:
    """(record key, the record or None when it is not whole JSON, why not) for records of ``prefix``."""
    paginator = s3.get_paginator("list_objects_v2")
    # The function's records of the trigger bucket only (keys.results_key): other objects in the
    # results bucket (a test's probe) are not records.
    for page in paginator.paginate(Bucket=results_bucket, Prefix=f"records/{trigger_bucket}/"):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=results_bucket, Key=item["Key"])["Body"].read()
            try:
                record = json.loads(body)
                jsonschema.validate(record, RECORD_SCHEMA)
            except (ValueError, jsonschema.ValidationError) as error:
                yield item["Key"], None, str(error).splitlines()[0]
                continue
            if record["source"]["key"].startswith(prefix):
                yield item["Key"], record, ""


def drain_failures(sqs: Any, queue_url: str, prefix: str) -> list[tuple[str, str | None, str]]:
    """(key, version, reason) of each failed event of ``prefix`` in the failure queue, removed from it."""
    failures = []
    while messages := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        for message in messages:
            payload, reason = failed_event(message)
            for key, version in failed_objects(payload):
                if key.startswith(prefix):
                    failures.append((key, version, reason))
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
    return failures


def failed_event(message: dict) -> tuple[dict, str]:
    """(the event, why it failed) of a failure-queue message, which each trigger path writes its way."""
    body = json.loads(message["Body"])
    if "requestPayload" in body:  # Lambda's on-failure record of an invocation (s3, eventbridge)
        reason = (body.get("responsePayload") or {}).get("errorMessage") or body["requestContext"][
            "condition"
        ]
        return body["requestPayload"], REQUEST_ID_PREFIX.sub("", reason)  # one reason per kind
    if "detail" in body:  # an event the rule could not deliver (its target's dead-letter queue)
        code = message.get("MessageAttributes", {}).get("ERROR_CODE", {}).get("StringValue", "unknown")
        return body, f"EventBridge could not deliver the event ({code})"
    # sqs: the trigger queue moved the S3 event here after its maxReceiveCount receives
    return body, "not processed within the trigger queue's maxReceiveCount receives (redrive)"


def failed_objects(event: dict) -> list[tuple[str, str | None]]:
    """(key, version) of each object an S3 or EventBridge event names (keys URL-encoded in both)."""
    if "detail" in event:
        s3_object = event["detail"]["object"]
        return [(urllib.parse.unquote_plus(s3_object["key"]), s3_object.get("version-id"))]
    return [
        (urllib.parse.unquote_plus(record["s3"]["object"]["key"]), record["s3"]["object"].get("versionId"))
        for record in event.get("Records", [])
    ]


def check(
    report: ScenarioReport,
    uploaded: list[Uploaded],
    versions: set[tuple[str, str]],
    records: list[tuple[str, dict | None, str]],
    failures: list[tuple[str, str | None, str]],
    deleted: set[tuple[str, str]],
) -> None:
    expected = {(item.key, item.version_id): item for item in uploaded}
    recorded: dict[tuple[str, str], list[str]] = {}
    for record_key, record, why in records:
        if record is None:
            report.problems.append(f"record {record_key} is not whole: {why}")
            continue
        version = (record["source"]["key"], record["source"]["versionId"])
        recorded.setdefault(version, []).append(record_key)
        item = expected.get(version)
        digest = record["sha256"].get("hex")
        if item and digest not in (None, item.sha256):
            report.problems.append(
                f"record {record_key} of {version} has SHA-256 {digest}, uploaded {item.sha256}"
            )
    failed = {(key, version): reason for key, version, reason in failures}
    report.problems += [
        f"{version} was routed without a reason" for version, why in failed.items() if not why
    ]
    for version in sorted(set(expected) | versions):
        if version in deleted and version not in recorded:
            continue  # deleted for good while it was read: object_missing, nothing left to record
        copies = recorded.get(version, [])
        if len(copies) > 1:
            report.problems.append(f"{version} has {len(copies)} records: {copies}")
        if not copies and version not in failed:
            report.problems.append(f"LOST: {version} has no record and no failure in the failure queue")
    report.records = sum(len(copies) for copies in recorded.values())


# --- A scenario --------------------------------------------------------------------------------


@dataclass
class Stack:
    endpoint: str
    region: str
    trigger_mode: str
    attempt_budget: int  # 1 + the function's maximum_retry_attempts; sqs: the queue's maxReceiveCount
    trigger_bucket: str
    results_bucket: str
    failure_queue_url: str
    function_name: str
    s3: Any
    sqs: Any
    cloudwatch: Any


def run_scenario(
    stack: Stack, scenario: Scenario, objects: int, concurrency: int, seed: int, max_mib: int
) -> ScenarioReport:
    rng = random.Random(f"{seed}-{stack.trigger_mode}-{scenario.name}")  # noqa: S311 (reproducible draws)
    count = min(objects, scenario.max_objects or objects)
    prefix = f"soak/{stack.trigger_mode}/{scenario.name}/"
    keys = object_keys(prefix, count)
    uploaded = upload_all(stack.s3, stack.trigger_bucket, keys, rng, max_mib)
    report = ScenarioReport(
        scenario.name, stack.trigger_mode, objects=count, versions=count, concurrency=concurrency
    )
    changes, new_versions, deleted = (
        changes_while_read(stack.s3, stack.trigger_bucket, uploaded, scenario.overwrite_share, rng)
        if scenario.overwrite_share
        else ({}, [], set())
    )
    faults = dataclasses.replace(scenario.faults, seed=seed)
    with running_fault_proxy(stack.endpoint, faults) as proxy:
        workers = Workers(
            stack.endpoint, proxy.endpoint, stack.region, concurrency, scenario.timeout_override_s
        )
        try:
            started = time.monotonic()
            deliveries = deliver_all(workers, stack.trigger_bucket, keys, scenario.duplicates, changes)
            if new_versions:  # each overwrite's own event, as S3 sends one per version
                deliveries += deliver_all(
                    workers, stack.trigger_bucket, sorted({v.key for v in new_versions})
                )
            report.seconds = time.monotonic() - started
        finally:
            workers.close()
        report.s3_faults_injected = {
            name: value for name, value in proxy.counters().items() if value and name != "requests"
        }
    uploaded += new_versions
    report.versions = len(uploaded)
    summarise(report, deliveries, stack.attempt_budget)

    failures = routed_failures(stack, report, prefix, scenario.expect_failures)
    if scenario.expect_failures:
        report.problems += [f"redrive of {key}: {why}" for key, why in redrive(stack, failures)]
        failures = []  # redriven: each version must now have its record
    versions = existing_versions(stack.s3, stack.trigger_bucket, prefix)
    records = list(records_of(stack.s3, stack.results_bucket, stack.trigger_bucket, prefix))
    check(report, uploaded, versions, records, failures, deleted)
    return report


def routed_failures(
    stack: Stack, report: ScenarioReport, prefix: str, expect_failures: bool
) -> list[tuple[str, str | None, str]]:
    """The failed events of ``prefix``, taken from the failure queue once its alarms were read.

    The alarms come first: draining the queue empties the metric failure-queue-not-empty watches,
    and the alarm would be back at OK before anyone looked. Only in a scenario made to fail: a
    message some earlier step left in the queue is no sign that this scenario raised errors."""
    if expect_failures and visible_messages(stack.sqs, stack.failure_queue_url):
        check_alarms(stack, report)
    failures = drain_failures(stack.sqs, stack.failure_queue_url, prefix)
    report.failures_routed = len(failures)
    report.failure_reasons = dict(Counter(reason for _, _, reason in failures))
    if expect_failures and not failures:
        report.problems.append("the scenario should have routed failures to the failure queue; none came")
    return failures


def visible_messages(sqs: Any, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def summarise(report: ScenarioReport, deliveries: list[Delivery], budget: int) -> None:
    """Attempts per event against the budget: an invocation's attempts (s3, eventbridge: Lambda's
    retries), or how many batches received a message (sqs: the trigger queue's receives)."""
    receives = Counter(message_id for delivery in deliveries for message_id in delivery.received)
    attempts = [(delivery.key, delivery.attempts) for delivery in deliveries if not delivery.received]
    attempts += [(f"message {message_id}", count) for message_id, count in receives.items()]
    for event, count in attempts:
        if count > budget:
            report.problems.append(f"{event}: {count} attempts, budget {budget}")
    report.deliveries = len(deliveries)
    report.lambda_retries = sum(max(0, count - 1) for _, count in attempts)
    report.outcomes = dict(Counter(outcome for d in deliveries for outcome in d.outcomes))
    durations = [d.seconds * 1000 for d in deliveries]
    report.p50_ms = statistics.median(durations) if durations else 0.0
    report.p99_ms = percentile(durations, "p99") or 0.0  # nearest rank, as the p99 alarms
    report.objects_per_second = report.objects / report.seconds if report.seconds else 0.0


def check_alarms(stack: Stack, report: ScenarioReport) -> None:
    """Failures routed to the failure queue: the errors and failure-queue-not-empty alarms fire."""
    for suffix in ("errors", "failure-queue-not-empty"):
        name = f"{stack.function_name}-{suffix}"
        state = wait_for_state(stack.cloudwatch, name, "ALARM", timeout_s=90)["StateValue"]
        report.alarms[name] = state
        if state != "ALARM":
            report.problems.append(f"alarm {name} is {state} after failures were routed; expected ALARM")


def redrive(stack: Stack, failures: list[tuple[str, str | None, str]]) -> list[tuple[str, str]]:
    """Deliver the failed events again without faults, as an operator does after the cause is gone."""
    problems = []
    with LocalLambdaService(stack.endpoint, stack.region) as service:
        for key in sorted({key for key, _, _ in failures}):
            results = process_new_objects(service, stack.trigger_bucket, [key])
            if not results or not all(map(delivered, results)):
                problems.append((key, "failed again without faults"))
    return problems


# --- Output ------------------------------------------------------------------------------------


def print_table(reports: list[ScenarioReport]) -> None:
    header = (
        f"{'mode':<12}{'scenario':<15}{'objects':>8}{'versions':>9}{'records':>8}{'routed':>7}{'obj/s':>7}"
        f"{'p50 ms':>8}{'p99 ms':>9}{'λ retries':>10}  s3 faults injected"
    )
    print(header)
    for r in reports:
        faults = ", ".join(f"{k} {v}" for k, v in r.s3_faults_injected.items() if k not in ("matched",))
        print(
            f"{r.trigger_mode:<12}{r.name:<15}{r.objects:>8}{r.versions:>9}{r.records:>8}"
            f"{r.failures_routed:>7}{r.objects_per_second:>7.1f}{r.p50_ms:>8.0f}{r.p99_ms:>9.0f}"
            f"{r.lambda_retries:>10}  {faults or '-'}"
        )
    for r in reports:
        for problem in r.problems:
            print(f"FAIL {r.trigger_mode}/{r.name}: {problem}")


def soak(
    stack: Stack, names: list[str], objects: int, concurrency: int, seed: int, max_mib: int
) -> list[ScenarioReport]:
    reports = []
    for name in names:
        scenario = SCENARIOS[name]
        print(f"==> {stack.trigger_mode}/{name}: {objects} objects, concurrency {concurrency}", flush=True)
        report = run_scenario(stack, scenario, objects, concurrency, seed, max_mib)
        print(
            f"    {report.deliveries} deliveries in {report.seconds:.1f} s; records {report.records}, "
            f"failures routed {report.failures_routed}, problems {len(report.problems)}",
            flush=True,
        )
        reports.append(report)
    return reports


def deployed_stack(standin: Any, region: str, trigger_mode: str, env_vars: dict[str, str]) -> Stack:
    buckets = unit_outputs(ENV, region, "buckets", env_vars)
    function = unit_outputs(ENV, region, "function", env_vars)
    awslambda = standin.client("lambda", region)
    sqs = standin.client("sqs", region)
    if trigger_mode == "sqs":  # the event source mapping retries by receiving the message again
        attributes = sqs.get_queue_attributes(
            QueueUrl=function["trigger_queue_url"], AttributeNames=["RedrivePolicy"]
        )["Attributes"]
        attempt_budget = int(json.loads(attributes["RedrivePolicy"])["maxReceiveCount"])
    else:
        invoke_config = awslambda.get_function_event_invoke_config(
            FunctionName=function["function_name"], Qualifier=function["alias_name"]
        )
        attempt_budget = 1 + int(invoke_config["MaximumRetryAttempts"])
    return Stack(
        endpoint=standin.endpoint,
        region=region,
        trigger_mode=trigger_mode,
        attempt_budget=attempt_budget,
        trigger_bucket=buckets["trigger_bucket_name"],
        results_bucket=buckets["results_bucket_name"],
        failure_queue_url=function["failure_queue_url"],
        function_name=function["function_name"],
        s3=standin.client("s3", region),
        sqs=sqs,
        cloudwatch=standin.client("cloudwatch", region),
    )


def apply_mode(region: str, trigger_mode: str, env_vars: dict[str, str]) -> None:
    """Apply the region of live/local the soak runs in, with the trigger mode (its variable, as
    test_06 switches it)."""
    run_all(
        ENV,
        ["apply"],
        region=region,
        env_vars={**env_vars, "TG_BACKEND_BOOTSTRAP": "true", "TF_VAR_trigger_mode": trigger_mode},
        echo=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--objects", type=int, default=2000, help="objects per scenario (default 2000)")
    parser.add_argument("--concurrency", type=int, default=4, help="deliveries at once (default 4)")
    parser.add_argument(
        "--scenario", action="append", choices=sorted(SCENARIOS), help="repeatable; default: all"
    )
    parser.add_argument(
        "--trigger-mode", action="append", choices=TRIGGER_MODES, help="repeatable; default: all three"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-size-mib", type=int, default=24, help="largest object (default 24 MiB)")
    parser.add_argument("--report", type=Path, default=ROOT / "build" / "reports" / "soak.json")
    args = parser.parse_args(argv)
    if args.objects < 1 or args.concurrency < 2 or args.max_size_mib < 1:
        parser.error("--objects and --max-size-mib are at least 1, --concurrency at least 2 (duplicates)")
    names = args.scenario or list(SCENARIOS)
    reports: list[ScenarioReport] = []
    try:
        builds.record(ENV, builds.build_for(ENV, "python"))
        region = regions(ENV)[0]
        with running_standin(log_path=ROOT / "build" / "standin.log") as standin:
            standin.write(LOCAL_STANDIN_FILE)
            env_vars = standin_env_vars(standin.endpoint)
            bootstrap_local_account(env_vars)
            for mode in args.trigger_mode or TRIGGER_MODES:
                print(f"==> deploy live/local/{region} on the stand-in, trigger mode {mode}", flush=True)
                apply_mode(region, mode, env_vars)
                stack = deployed_stack(standin, region, mode, env_vars)
                reports += soak(stack, names, args.objects, args.concurrency, args.seed, args.max_size_mib)
        LOCAL_STANDIN_FILE.unlink(missing_ok=True)
    except (StackError, StandinError, RunnerError, builds.BuildError, build_packages.BuildError) as error:
        print(f"soak: error: {error}", file=sys.stderr)
        return 1
    print_table(reports)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps([dataclasses.asdict(r) for r in reports], indent=2) + "\n")
    print(f"report: {args.report}")
    return 0 if reports and all(r.passed for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
