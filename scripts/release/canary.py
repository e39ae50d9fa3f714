"""One region's traffic shift to a new function version: canary, bake, smoke, gate, rollback.

S3 invokes the function's ``live`` alias (modules/function). A region rollout (release/rollout.py)
applies the region with the alias pinned to the version it serves (``TF_VAR_live_version``), so the
apply publishes the next version without sending it traffic; then, for each traffic step of the
deployment strategy, it moves the alias (weighted routing, as SAM's ``Canary10Percent5Minutes`` or
``Linear10PercentEvery1Minute`` do), and lets it bake. Failing closed, a step passes only when:

- **smoke**: a smoke object uploaded under the reserved prefix ``_rollout-smoke/`` (inside the
  trigger prefix and suffix) gets its record, with the object's SHA-256 and size;
- **the new version ran and did not fail**: its own Lambda metrics (``ExecutedVersion``) show
  invocations during the bake and no errors; a version that processed nothing is not healthy;
- **alarms**: none of the region's alarms is in ALARM, and none is still without data at the end.

On any failure the alias goes back to the previous version (no weights), the failing region first,
and the error says which region, which check, and what was rolled back.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))  # the record's key is the function's own rule

from file_processor.keys import ObjectRef, results_key  # noqa: E402

SMOKE_PREFIX = "_rollout-smoke/"
STRATEGY = re.compile(
    r"^(?:(?P<all>AllAtOnce)|Canary(?P<canary>\d+)Percent(?P<canary_min>\d+)Minutes?"
    r"|Linear(?P<linear>\d+)PercentEvery(?P<linear_min>\d+)Minutes?)$"
)


class CanaryError(Exception):
    """A step of the traffic shift failed; ``check`` names what failed."""

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.detail = detail


@dataclass(frozen=True)
class TrafficStep:
    weight: float  # share of events the new version gets, 0 < weight <= 1
    bake_s: float


def strategy_steps(
    strategy: str, bake_s: float | None = None, canary_weight: float | None = None
) -> list[TrafficStep]:
    """The traffic steps of a SAM-style deployment preference, always ending at 100 %.

    ``bake_s`` replaces every step's bake time (tests use seconds); ``canary_weight`` replaces a
    canary's first step share.
    """
    match = STRATEGY.match(strategy)
    if not match:
        raise ValueError(
            f"unknown deployment strategy {strategy!r}: use AllAtOnce, Canary<P>Percent<M>Minutes or "
            "Linear<P>PercentEvery<M>Minutes (e.g. Canary10Percent5Minutes)"
        )
    if match["all"]:
        steps = [TrafficStep(1.0, 0.0)]
    elif match["canary"]:
        weight = int(match["canary"]) / 100
        steps = [TrafficStep(weight, int(match["canary_min"]) * 60.0), TrafficStep(1.0, 0.0)]
    else:
        share = int(match["linear"]) / 100
        count = math.ceil(1 / share)
        steps = [
            TrafficStep(min(1.0, share * index), int(match["linear_min"]) * 60.0)
            for index in range(1, count + 1)
        ]
    if canary_weight is not None and len(steps) > 1:
        steps[0] = TrafficStep(canary_weight, steps[0].bake_s)
    if bake_s is not None:
        steps = [TrafficStep(step.weight, bake_s) for step in steps]
    if not all(0 < step.weight <= 1 for step in steps):
        raise ValueError(f"traffic weights must be in (0, 1]: {steps}")
    return steps


@dataclass
class Region:
    """What the traffic shift needs to know about one deployed region."""

    env: str
    name: str
    function_name: str
    alias: str
    alarm_names: list[str]
    trigger_bucket: str
    trigger_prefix: str
    trigger_suffix: str
    results_bucket: str
    results_prefix: str
    client: Callable[[str], Any]  # service name -> boto3 client for this region
    deliver: Callable[[str, str], None]  # (bucket, key): make S3's event reach the function


@dataclass
class StepReport:
    weight: float
    smoke_objects: int = 0
    waited_s: float = 0.0  # bake time and waiting for records and metrics
    new_version_invocations: float = 0.0


@dataclass
class ShiftReport:
    steps: list[StepReport] = field(default_factory=list)

    @property
    def waited_s(self) -> float:
        return sum(step.waited_s for step in self.steps)


@dataclass
class Gate:
    """How long to wait for records and metrics; clock and sleep are injectable for the unit tests."""

    record_timeout_s: float = 120.0
    poll_s: float = 2.0
    smoke_interval_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def set_alias(region: Region, version: str, canary: dict[str, float] | None = None) -> None:
    region.client("lambda").update_alias(
        FunctionName=region.function_name,
        Name=region.alias,
        FunctionVersion=version,
        RoutingConfig={"AdditionalVersionWeights": canary or {}},
    )


def smoke_key(region: Region, rollout_id: str, number: int) -> str:
    return (
        f"{region.trigger_prefix}{SMOKE_PREFIX}{rollout_id}/{region.name}-{number:03d}{region.trigger_suffix}"
    )


def send_smoke_object(region: Region, rollout_id: str, number: int) -> tuple[str, bytes, str | None]:
    """Upload one smoke object (random bytes, so its hash is fresh) and deliver its event."""
    body = secrets.token_bytes(1024)
    key = smoke_key(region, rollout_id, number)
    response = region.client("s3").put_object(
        Bucket=region.trigger_bucket, Key=key, Body=body, ContentType="application/octet-stream"
    )
    region.deliver(region.trigger_bucket, key)
    return key, body, response.get("VersionId")


def verify_smoke_record(
    region: Region,
    key: str,
    body: bytes,
    version_id: str | None,
    gate: Gate,
    failed: Callable[[], str | None] = lambda: None,
) -> None:
    """The smoke object's record appears, with its SHA-256 and size. Fails closed on timeout, and at
    once when ``failed`` reports a reason (the new version erred on it)."""
    import json

    s3 = region.client("s3")
    etag = hashlib.md5(body).hexdigest()  # noqa: S324 - S3's ETag of a single-part upload, not security
    record_key = results_key(region.results_prefix, ObjectRef(region.trigger_bucket, key, etag, version_id))
    deadline = gate.clock() + gate.record_timeout_s
    while True:
        try:
            record = json.loads(s3.get_object(Bucket=region.results_bucket, Key=record_key)["Body"].read())
            break
        except s3.exceptions.NoSuchKey:
            reason = failed()
            if reason:
                raise CanaryError("new version errors", reason) from None
            if gate.clock() >= deadline:
                raise CanaryError(
                    "smoke record",
                    f"no record for s3://{region.trigger_bucket}/{key} after {gate.record_timeout_s:.0f} s",
                ) from None
            gate.sleep(gate.poll_s)
    expected = {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
    found = {
        "sha256": (record.get("sha256") or {}).get("hex"),
        "size": (record.get("object") or {}).get("size"),
    }
    if found != expected:
        raise CanaryError(
            "smoke record", f"s3://{region.trigger_bucket}/{key}: expected {expected}, found {found}"
        )


def version_metrics(region: Region, version: str, since: datetime.datetime) -> dict[str, float | None]:
    """Invocations and Errors of one version (via the alias) since ``since``; None when no data."""
    cloudwatch = region.client("cloudwatch")
    dimensions = [
        {"Name": "FunctionName", "Value": region.function_name},
        {"Name": "Resource", "Value": f"{region.function_name}:{region.alias}"},
        {"Name": "ExecutedVersion", "Value": version},
    ]
    now = datetime.datetime.now(datetime.UTC)
    found: dict[str, float | None] = {}
    for metric in ("Invocations", "Errors"):
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=dimensions,
            StartTime=since - datetime.timedelta(seconds=60),
            EndTime=now + datetime.timedelta(seconds=60),
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        found[metric] = sum(point["Sum"] for point in points) if points else None
    return found


def alarm_states(region: Region) -> dict[str, str]:
    if not region.alarm_names:
        return {}
    alarms = region.client("cloudwatch").describe_alarms(AlarmNames=region.alarm_names)["MetricAlarms"]
    states = {alarm["AlarmName"]: alarm["StateValue"] for alarm in alarms}
    missing = sorted(set(region.alarm_names) - set(states))
    if missing:
        raise CanaryError("alarms", f"alarms not found: {', '.join(missing)}")
    return states


def bake_step(
    region: Region,
    new_version: str,
    step: TrafficStep,
    rollout_id: str,
    gate: Gate,
    log: Callable[[str], None],
) -> StepReport:
    """Run one traffic step's bake and raise CanaryError on the first failed check."""
    report = StepReport(step.weight)
    started = gate.clock()
    since = datetime.datetime.now(datetime.UTC)
    # Enough smoke objects that the new version, at its share of traffic, receives one.
    most = max(1, math.ceil(3 / step.weight))
    invocations = None

    def new_version_failed() -> str | None:
        metrics = version_metrics(region, new_version, since)
        if not metrics["Errors"]:
            return None
        return (
            f"version {new_version} failed {metrics['Errors']:.0f} of {metrics['Invocations'] or 0:.0f} "
            f"invocations during the {step.weight:.0%} step"
        )

    while True:
        report.smoke_objects += 1
        key, body, version_id = send_smoke_object(region, rollout_id, report.smoke_objects)
        verify_smoke_record(region, key, body, version_id, gate, new_version_failed)
        reason = new_version_failed()
        if reason:
            raise CanaryError("new version errors", reason)
        invocations = version_metrics(region, new_version, since)["Invocations"]
        if invocations or report.smoke_objects >= most:
            break
        gate.sleep(gate.smoke_interval_s)
    if not invocations:
        raise CanaryError(
            "new version idle",
            f"version {new_version} received none of {report.smoke_objects} smoke objects "
            f"at {step.weight:.0%}: "
            "missing data is not healthy",
        )
    log(
        f"{region.name}: {report.smoke_objects} smoke object(s) recorded; "
        f"version {new_version} ran {invocations:.0f}x"
    )
    while True:
        states = alarm_states(region)
        firing = sorted(name for name, state in states.items() if state == "ALARM")
        if firing:
            raise CanaryError("alarms", f"in ALARM during the {step.weight:.0%} step: {', '.join(firing)}")
        elapsed = gate.clock() - started
        if elapsed >= step.bake_s:
            break
        gate.sleep(min(gate.poll_s, step.bake_s - elapsed))
    waiting = sorted(name for name, state in states.items() if state != "OK")
    if waiting:
        raise CanaryError("alarms", f"without data after the bake (not healthy): {', '.join(waiting)}")
    metrics = version_metrics(region, new_version, since)
    if metrics["Errors"]:
        raise CanaryError(
            "new version errors", f"version {new_version} failed {metrics['Errors']:.0f} invocations"
        )
    report.new_version_invocations = metrics["Invocations"] or 0.0
    report.waited_s = gate.clock() - started
    return report


def shift_traffic(
    region: Region,
    previous_version: str,
    new_version: str,
    steps: list[TrafficStep],
    rollout_id: str,
    gate: Gate,
    log: Callable[[str], None],
) -> ShiftReport:
    """Move the alias through the steps to the new version; the caller rolls back on CanaryError."""
    report = ShiftReport()
    for step in steps:
        if step.weight < 1:
            set_alias(region, previous_version, {new_version: round(step.weight, 4)})
            log(
                f"{region.name}: alias {region.alias} -> version {previous_version}, "
                f"{step.weight:.0%} to {new_version}"
            )
        else:
            set_alias(region, new_version)
            log(f"{region.name}: alias {region.alias} -> version {new_version} (100 %)")
        report.steps.append(bake_step(region, new_version, step, rollout_id, gate, log))
    return report
