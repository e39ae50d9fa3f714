"""Region-by-region rollout on the stand-in, with nothing stubbed: the live alias shifts through a
canary to the new version in each region in rollout_order, each step baked with a smoke object, the
new version's own metrics and the alarms; a broken build is caught at the canary and rolled back;
the alarms watch what the function and Lambda really emit, and fire from real data."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stack_helpers import (
    ENV,
    LAMBDA_FAILURE_SIGNALS,
    OTHER_REGION,
    REGION,
    REGIONS,
    ROOT,
    UNITS,
    build_and_record,
    builds,
    outcomes,
    stack,
    unit_lines,
)
from standin.alarms import wait_for_state

pytestmark = pytest.mark.slow

PIP_DOWNLOAD = (sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:")
ROLLOUT = [sys.executable, str(ROOT / "scripts" / "release" / "rollout.py"), "rollout", "--env", "local"]
# A 50 % canary, so the stand-in's deterministic routing sends the new version the first smoke object.
FAST = ["--strategy", "Canary50Percent1Minutes", "--bake", "3"]


def rollout(*extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ROLLOUT, *FAST, *extra],
        cwd=ROOT,
        env=stack.toolchain_env(),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def changed_source(tmp_path, name: str, addition: str):
    source = tmp_path / name / "file_processor"
    shutil.copytree(ROOT / "src" / "file_processor", source, ignore=shutil.ignore_patterns("__pycache__"))
    with (source / "handler.py").open("a", encoding="utf-8") as handler:
        handler.write(addition)
    return source


@pytest.fixture(scope="module")
def changed_requirements(tmp_path_factory) -> Path:
    """The layer's requirements plus one more small, pure-Python, hash-pinned package."""
    directory = tmp_path_factory.mktemp("requirements")
    wheel_dir = directory / "wheel"
    subprocess.run([*PIP_DOWNLOAD, "--dest", str(wheel_dir), "tomli-w==1.2.0"], check=True)
    [wheel] = wheel_dir.glob("*.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    requirements = directory / "requirements.txt"
    original = (ROOT / "layer-requirements" / "python" / "requirements.txt").read_text()
    requirements.write_text(f"{original.rstrip()}\ntomli-w==1.2.0 \\\n    --hash=sha256:{digest}\n")
    return requirements


def layer_versions(local_stack, region: str) -> list[int]:
    layer_arn = local_stack.region_outputs[region]["layer"]["layer_arn"]
    listing = local_stack.client("lambda", region).list_layer_versions(LayerName=layer_arn.split(":")[-1])
    return sorted(version["Version"] for version in listing["LayerVersions"])


def alias(local_stack, region: str) -> dict:
    name = local_stack.region_outputs[region]["function"]["function_name"]
    return local_stack.client("lambda", region).get_alias(FunctionName=name, Name="live")


def smoke_keys(local_stack, region: str) -> list[str]:
    bucket = local_stack.region_outputs[region]["buckets"]["trigger_bucket_name"]
    listing = local_stack.client("s3", region).list_objects_v2(Bucket=bucket, Prefix="_rollout-smoke/")
    return [item["Key"] for item in listing.get("Contents", [])]


@pytest.fixture(scope="module")
def before(local_stack):
    local_stack.read_outputs()
    return {region: alias(local_stack, region)["FunctionVersion"] for region in REGIONS}


def test_a_good_build_rolls_out_to_both_regions_in_order_through_a_canary(
    local_stack, before, changed_requirements, tmp_path
):
    """A new layer requirement and a code change: a new layer version, and the function follows it."""
    layers_before = {region: layer_versions(local_stack, region) for region in REGIONS}
    source = changed_source(tmp_path, "good", "\n# A change that changes only the package.\n")
    build_and_record(requirements=changed_requirements, function_source=source)

    result = rollout()

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-3000:]
    out = result.stdout
    assert out.index(f"[1/2] local/{REGION}") < out.index(f"[2/2] local/{OTHER_REGION}")
    local_stack.read_outputs()
    for region in REGIONS:
        new = str(int(before[region]) + 1)
        assert f"{region}: alias live -> version {before[region]}, 50% to {new}" in out
        assert f"{region}: alias live -> version {new} (100 %)" in out
        live = alias(local_stack, region)
        assert live["FunctionVersion"] == new
        assert not live.get("RoutingConfig", {}).get("AdditionalVersionWeights")
        assert smoke_keys(local_stack, region), region  # each step's smoke object, recorded
        assert layer_versions(local_stack, region) == [*layers_before[region], layers_before[region][-1] + 1]
        config = local_stack.client("lambda", region).get_function_configuration(
            FunctionName=local_stack.region_outputs[region]["function"]["function_name"], Qualifier=new
        )
        assert [layer["Arn"] for layer in config["Layers"]] == [
            local_stack.region_outputs[region]["layer"]["layer_version_arn"]
        ]
    assert "rollout time per region" in out
    print(out[out.index("rollout time per region") :])  # the figures the README quotes
    local_stack.notes["good_record"] = builds.read_record(ENV)  # restored after the broken build (test_04)


def test_rolling_out_what_every_region_runs_shifts_nothing_and_changes_nothing(local_stack):
    versions = {region: alias(local_stack, region)["FunctionVersion"] for region in REGIONS}
    smoke = {region: len(smoke_keys(local_stack, region)) for region in REGIONS}
    layers = {region: layer_versions(local_stack, region) for region in REGIONS}

    result = rollout()

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for region in REGIONS:
        assert f"{region}: already runs version {versions[region]}" in result.stdout
        assert alias(local_stack, region)["FunctionVersion"] == versions[region]
        assert len(smoke_keys(local_stack, region)) == smoke[region]
        assert layer_versions(local_stack, region) == layers[region]  # an unchanged layer publishes nothing
        # The state followed every alias move of the first rollout: this apply changed nothing.
        for unit in UNITS:
            assert unit_lines(
                f"local-{region}-apply.log", unit, "Resources: 0 added, 0 changed, 0 destroyed", region
            ), (
                region,
                unit,
            )


@pytest.fixture(scope="module")
def alarm_inbox(local_stack):
    """A queue subscribed to the region's alarm topic: where a person's e-mail would be."""
    sqs, sns = local_stack.client("sqs"), local_stack.client("sns")
    url = sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = local_stack.outputs["function"]["alarm_topic_arn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return url


def test_a_broken_build_fails_the_canary_and_is_rolled_back(
    local_stack, alarm_inbox, changed_requirements, tmp_path
):
    previous = {region: alias(local_stack, region)["FunctionVersion"] for region in REGIONS}
    broken = changed_source(
        tmp_path,
        "broken",
        "\n\ndef handler(event, context):  # a deliberately broken build\n"
        '    raise RuntimeError("deliberately broken build: raises on every object")\n',
    )
    build_and_record(requirements=changed_requirements, function_source=broken)  # the layer as it is

    result = rollout()

    assert result.returncode != 0
    error = result.stderr
    assert f"local/{REGION}: new version errors check failed" in error, result.stdout[-3000:] + error
    assert f"rolled back: {REGION} alias live -> version {previous[REGION]}" in error
    assert f"[2/2] local/{OTHER_REGION}" not in result.stdout  # it stopped at the first region
    # A code change: the region's apply changed the function unit only.
    for unit in ("buckets", "iam", "layer"):
        assert unit_lines(f"local-{REGION}-apply.log", unit, "Resources: 0 added, 0 changed, 0 destroyed"), (
            unit
        )
    assert not unit_lines(
        f"local-{REGION}-apply.log", "function", "Resources: 0 added, 0 changed, 0 destroyed"
    )
    for region in REGIONS:
        live = alias(local_stack, region)
        assert live["FunctionVersion"] == previous[region], region
        assert not live.get("RoutingConfig", {}).get("AdditionalVersionWeights"), region

    key = "incoming/after the rollback.txt"
    local_stack.client("s3").put_object(
        Bucket=local_stack.outputs["buckets"]["trigger_bucket_name"], Key=key, Body=b"after\n"
    )
    [processed] = local_stack.process([key])
    assert processed["version"] == previous[REGION]
    assert outcomes([processed]) == ["recorded"]


def test_the_broken_builds_failures_drive_the_alarms_to_alarm_and_reach_the_topic(local_stack, alarm_inbox):
    cloudwatch = local_stack.client("cloudwatch")
    prefix = local_stack.outputs["function"]["function_name"]

    for alarm in (f"{prefix}-errors", f"{prefix}-failure-queue-not-empty"):
        assert wait_for_state(cloudwatch, alarm, "ALARM", timeout_s=60)["StateValue"] == "ALARM", alarm
    sqs = local_stack.client("sqs")
    notified, deadline = set(), time.monotonic() + 60
    while time.monotonic() < deadline and f"{prefix}-errors" not in notified:
        for message in sqs.receive_message(QueueUrl=alarm_inbox, WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(message["Body"])
            if body.get("NewStateValue") == "ALARM":
                notified.add(body["AlarmName"])
    assert f"{prefix}-errors" in notified


def emitted_metrics(local_stack, region: str) -> tuple[set, set]:
    """(metrics declared in the function's embedded-metric log lines, metrics CloudWatch holds)."""
    logs = local_stack.client("logs", region)
    group = local_stack.region_outputs[region]["function"]["log_group_name"]
    declared = set()
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
        for event in page["events"]:
            try:
                line = json.loads(event["message"])
            except ValueError:
                continue
            for directive in (
                (line.get("_aws") or {}).get("CloudWatchMetrics", []) if isinstance(line, dict) else []
            ):
                for dimension_set in directive["Dimensions"]:
                    dimensions = frozenset((name, str(line[name])) for name in dimension_set)
                    declared |= {
                        (directive["Namespace"], metric["Name"], dimensions)
                        for metric in directive["Metrics"]
                    }
    held = set()
    for page in local_stack.client("cloudwatch", region).get_paginator("list_metrics").paginate():
        for metric in page["Metrics"]:
            dimensions = frozenset((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
            held.add((metric["Namespace"], metric["MetricName"], dimensions))
    return declared, held


def function_failure_signals(held: set) -> set:
    """The function's own metrics that appear only when something goes wrong: an outcome kind
    other than recorded (same namespace and dimensions as the held `recorded` count, a kind the
    handler records) and EventsRefused (same namespace and dimensions as the held ObjectLatency).
    tests/e2e/test_05_changes.py then produces refused events and missing objects and sees them."""
    from file_processor.processor import OUTCOMES

    signals = set()
    for namespace, name, dimensions in held:
        labels = dict(dimensions)
        if name == "Outcomes" and labels.get("outcome") == "recorded":
            signals |= {
                (namespace, name, frozenset({**labels, "outcome": outcome}.items())) for outcome in OUTCOMES
            }
        if name == "ObjectLatency":
            signals.add((namespace, "EventsRefused", dimensions))
    return signals


def test_every_alarm_watches_a_metric_the_function_or_lambda_really_emits(local_stack):
    for region in REGIONS:
        declared, held = emitted_metrics(local_stack, region)
        assert declared, f"{region}: the function's logs declare no metric"
        assert declared <= held, f"{region}: declared in logs but not in CloudWatch: {declared - held}"
        names = local_stack.region_outputs[region]["function"]["alarm_names"]
        alarms = local_stack.client("cloudwatch", region).describe_alarms(AlarmNames=names)["MetricAlarms"]
        watched = {
            (
                alarm["Namespace"],
                alarm["MetricName"],
                frozenset((d["Name"], d["Value"]) for d in alarm["Dimensions"]),
            )
            for alarm in alarms
        }
        function_name = local_stack.region_outputs[region]["function"]["function_name"]
        signals = {
            ("AWS/Lambda", metric, frozenset({("FunctionName", function_name)}))
            for metric in LAMBDA_FAILURE_SIGNALS
        } | function_failure_signals(held)
        never_emitted = watched - held - signals
        assert not never_emitted, f"{region}: alarms watch metrics never emitted: {never_emitted}"
        # The failure-signal alarms use the same dimensions as the emitted Errors metric.
        assert ("AWS/Lambda", "Errors", frozenset({("FunctionName", function_name)})) in held
