#!/usr/bin/env python3
"""Run the deployed function on S3 events the way the Lambda service would, on the local stand-in.

The stand-in (moto server) holds the function, its versions and aliases, its layer and the bucket
notification, but it cannot execute Lambda code without Docker. This runner does the Lambda
service's part, from what was really deployed:

1. reads the trigger bucket's notification configuration and matches the object against it;
2. checks, as S3 does before it delivers, that the function's resource policy lets
   ``s3.amazonaws.com`` invoke it for this bucket and account (``Invoke`` with ``DryRun``, signed as
   the S3 service principal, so the permission's ``SourceArn``/``SourceAccount`` conditions apply);
3. builds the S3 event for the object as S3 sends it (key URL-encoded with "+" for spaces, size,
   ETag, version ID, sequencer);
4. resolves the target: an alias with weighted routing picks a version in proportion to the
   weights (deterministically: a smooth weighted round robin, so tests can count on it), and the
   version's own configuration, code and layers are what runs;
5. assumes the function's execution role as ``lambda.amazonaws.com`` (the role's trust policy is
   evaluated; requests made with these credentials carry ``lambda:SourceFunctionArn``), and gives
   the credentials to the function, as Lambda does; its logs and its failed events are sent with
   the same credentials, so the role's policy has to allow them;
6. fetches the code of the function version and of its layer versions from where Lambda keeps it
   (the ``Code.Location`` / ``Content.Location`` the stand-in reports, as Lambda's presigned URLs)
   and checks each against the CodeSha256 reported for it;
7. lays them out like /var/task and /opt, beside a stand-in for /var/runtime (the runner's own
   boto3, as the Lambda Python runtime brings its own), and runs the handler in a clean
   interpreter (-I -S -B: no site-packages, no user site, no bytecode writes) with only those paths,
   the function's deployed environment variables and what the Lambda runtime adds;
8. on an error, retries as the function's asynchronous invoke configuration says, then sends the
   invocation record to its on-failure destination, as Lambda does. Retries run immediately (Lambda
   waits about one and then two minutes) so a demo does not stall;
9. publishes the metrics Lambda publishes (``AWS/Lambda``: Invocations, Errors, Duration,
   Throttles, DestinationDeliveryFailures, ConcurrentExecutions, by function, by alias and by
   executed version), so the alarms watch real data.

Logs of the function go to its log group in the stand-in (whose embedded-metric lines the
stand-in turns into metrics, as CloudWatch Logs does) and to build/local-logs/<function>.log.

Usage:
    scripts/standin/local_lambda.py --endpoint https://127.0.0.1:PORT --bucket TRIGGER_BUCKET \\
        --key KEY [--key KEY ...] [--region us-east-1]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import hashlib
import json
import os
import secrets
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty, Queue
from typing import Any
from urllib.parse import quote_plus

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from standin.authorization import SERVICE_SECRET, SOURCE_ACCOUNT_HEADER, SOURCE_ARN_HEADER
from standin.server import STANDIN_ENV
from standin.tls import JAVA_TRUSTSTORE_PASSWORD, ensure_tls_files

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / "build" / "local-logs"
# How long past its timeout an invocation may take before the runner kills it: the runtime's own
# deadline check and the reply's way back.
TIMEOUT_GRACE_S = 1.0
# What the Lambda Python runtime itself provides in /var/runtime.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")
# The service principals the runner acts as (standin/authorization.py SERVICE_ACCESS_KEYS).
LAMBDA_SERVICE_KEY = "STANDINSERVICELAMBDA"  # pragma: allowlist secret (an identifier, not a secret)
S3_SERVICE_KEY = "STANDINSERVICES3"  # pragma: allowlist secret (an identifier, not a secret)

BOOTSTRAP = r'''
"""Runtime stand-in: import the handler once (the init phase), then serve one event per line."""
import importlib, json, os, sys, time, traceback, uuid

task, opt_python, runtime_dir, handler_spec, function_name, function_arn = sys.argv[1:7]
sys.path[:0] = [task, opt_python, runtime_dir]
protocol = sys.stdout
sys.stdout = sys.stderr  # the function's prints are logs, as in Lambda


class Context:
    def __init__(self, request_id, deadline_ms, memory_mb, log_group, log_stream):
        self.aws_request_id = request_id
        self.function_name = function_name
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = int(memory_mb)
        self.log_group_name = log_group
        self.log_stream_name = log_stream
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


module_name, _, attribute = handler_spec.rpartition(".")
handler = getattr(importlib.import_module(module_name), attribute)
hooks_ran = None
if os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] == "snap-start":
    # What the runtime does for a SnapStart init: before-snapshot hooks last-registered first, then
    # (Lambda snapshots the environment at PublishVersion and restores it for each new one)
    # after-restore hooks in registration order. A hook that raises fails the init.
    import snapshot_restore_py
    before, after = snapshot_restore_py.get_before_snapshot(), snapshot_restore_py.get_after_restore()
    hooks_ran = {"before_snapshot": len(before), "after_restore": len(after)}
    for function, args, kwargs in reversed(list(before)):
        function(*args, **kwargs)
    for function, args, kwargs in list(after):
        function(*args, **kwargs)
protocol.write(json.dumps({"ready": True, "snapstart_hooks": hooks_ran}) + "\n")
protocol.flush()

for line in sys.stdin:
    request = json.loads(line)
    os.environ["_X_AMZN_TRACE_ID"] = request["traceId"]
    context = Context(
        request["requestId"],
        request["deadlineMs"],
        os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
        os.environ["AWS_LAMBDA_LOG_GROUP_NAME"],
        os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
    )
    try:
        reply = {"ok": True, "result": handler(request["event"], context)}
    except Exception as error:  # what the runtime reports as an Unhandled function error
        reply = {"ok": False, "errorType": type(error).__name__, "errorMessage": str(error),
                 "stackTrace": traceback.format_exception(error)}
    sys.stderr.flush()
    protocol.write(json.dumps(reply, default=str) + "\n")
    protocol.flush()
'''


# The runtime's snapshot_restore_py (Lambda's Python 3.12+ runtimes have it, whether SnapStart is on
# or not): the registries the function's hooks go to; BOOTSTRAP runs them for a SnapStart init.
SNAPSHOT_RESTORE_PY = r'''
"""snapshot_restore_py as Lambda's Python runtime provides it (the runtime stand-in's copy)."""
_before_snapshot = []
_after_restore = []


def register_before_snapshot(func, *args, **kwargs):
    _before_snapshot.append((func, args, kwargs))
    return func


def register_after_restore(func, *args, **kwargs):
    _after_restore.append((func, args, kwargs))
    return func


def get_before_snapshot():
    return _before_snapshot


def get_after_restore():
    return _after_restore
'''


class RunnerError(Exception):
    """The runner could not do what the Lambda service would; the message says why."""


def log(message: str) -> None:
    print(f"[lambda] {message}", flush=True)


@dataclass(frozen=True)
class NotificationTarget:
    configuration_id: str
    function_arn: str
    events: tuple[str, ...]
    prefix: str
    suffix: str

    def matches(self, key: str, event_name: str) -> bool:
        wanted = f"s3:{event_name}"
        event_ok = any(
            wanted == pattern or (pattern.endswith("*") and wanted.startswith(pattern[:-1]))
            for pattern in self.events
        )
        return event_ok and key.startswith(self.prefix) and key.endswith(self.suffix)


@dataclass(frozen=True)
class DeployedLayer:
    arn: str
    name: str
    version: int
    code_sha256: str
    location: str  # where Lambda serves the layer version's code (GetLayerVersion's Content.Location)


@dataclass
class DeployedFunction:
    """One version of a function as deployed, and how this event reached it."""

    name: str
    function_arn: str  # unqualified
    invoke_arn: str  # what the notification names: unqualified, a version or an alias ARN
    version: str  # the version that runs: "$LATEST" or a published number
    alias: str | None
    role_arn: str
    runtime: str
    handler: str
    memory_mb: int
    timeout_s: float
    code_sha256: str
    code_location: str  # where Lambda serves this version's code (GetFunction's Code.Location)
    environment: dict[str, str]
    layers: list[DeployedLayer]
    log_group: str
    log_level: str | None = None
    max_retry_attempts: int = 2
    failure_destination: str | None = None
    snapstart: bool = False
    reserved_concurrency: int | None = None

    @property
    def resource(self) -> str | None:
        """The ``Resource`` metric dimension: ``<name>:<alias>`` for an alias invocation."""
        return f"{self.name}:{self.alias}" if self.alias else None


class WeightedRouter:
    """Picks an alias's version in proportion to its routing weights, deterministically.

    Lambda picks at random; a smooth weighted round robin gives the same proportions over any run
    of invocations, and the same sequence every time, so a test of a 50 % canary is not a coin toss.
    """

    def __init__(self) -> None:
        self._current: dict[str, dict[str, float]] = {}

    def pick(self, alias_arn: str, weights: dict[str, float]) -> str:
        current = self._current.setdefault(alias_arn, {})
        for version, weight in weights.items():
            current[version] = current.get(version, 0.0) + weight
        chosen = max(weights, key=lambda version: (current[version], version))
        current[chosen] -= sum(weights.values())
        return chosen


@dataclass
class Invocation:
    """What happened to one asynchronous event: every attempt, and where a failure ended up."""

    request_id: str
    attempts: list[dict] = field(default_factory=list)
    destination_record: dict | None = None
    destination: str | None = None

    @property
    def succeeded(self) -> bool:
        return bool(self.attempts) and self.attempts[-1]["ok"]


class LocalLambdaService:
    """The Lambda service's part of an S3-triggered invocation, against the stand-in."""

    def __init__(
        self,
        endpoint: str,
        region: str = "us-east-1",
        *,
        function_endpoint: str | None = None,
        timeout_override_s: float | None = None,
    ) -> None:
        """``function_endpoint``: where the function's own AWS requests go (default ``endpoint``; the
        soak harness puts its fault proxy there). ``timeout_override_s``: run every function with
        this timeout instead of its deployed one (the soak's timeout scenario, in seconds not minutes).
        """
        self.endpoint = endpoint
        self.function_endpoint = function_endpoint or endpoint
        self.timeout_override_s = timeout_override_s
        self.region = region
        self.verify = str(ensure_tls_files().bundle) if endpoint.startswith("https:") else None
        # Reading what was deployed is the service's own business: the account's deployer credentials.
        self.s3 = self._client("s3")
        self.awslambda = self._client("lambda")
        self.cloudwatch = self._client("cloudwatch")
        self.router = WeightedRouter()
        self._environments: dict[str, ExecutionEnvironment] = {}
        self._role_credentials: dict[str, dict[str, str]] = {}
        self._permitted: set[tuple[str, str]] = set()
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> LocalLambdaService:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _client(
        self,
        service: str,
        credentials: dict[str, str] | None = None,
        source: tuple[str, str] | None = None,
    ) -> Any:
        """A client of the stand-in; with ``source``, requests name the service's source ARN/account."""
        credentials = credentials or {
            "aws_access_key_id": STANDIN_ENV["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": STANDIN_ENV["AWS_SECRET_ACCESS_KEY"],
        }
        client = boto3.session.Session(region_name=self.region, **credentials).client(
            service, endpoint_url=self.endpoint, verify=self.verify
        )
        if source:
            source_arn, source_account = source

            def add_source(request: Any, **_: Any) -> None:
                request.headers[SOURCE_ARN_HEADER] = source_arn
                request.headers[SOURCE_ACCOUNT_HEADER] = source_account

            client.meta.events.register("before-sign", add_source)
        return client

    def _as_service(self, access_key: str, service: str, source_arn: str, source_account: str) -> Any:
        credentials = {"aws_access_key_id": access_key, "aws_secret_access_key": SERVICE_SECRET}
        return self._client(service, credentials, (source_arn, source_account))

    # --- S3's part -----------------------------------------------------------------------------

    def notification_targets(self, bucket: str, config: dict | None = None) -> list[NotificationTarget]:
        """The Lambda configurations of the bucket's notification (``config``: one already read)."""
        config = (
            config if config is not None else self.s3.get_bucket_notification_configuration(Bucket=bucket)
        )
        targets = []
        for entry in config.get("LambdaFunctionConfigurations", []):
            rules = {
                rule["Name"].lower(): rule["Value"]
                for rule in entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])
            }
            targets.append(
                NotificationTarget(
                    configuration_id=entry.get("Id", ""),
                    function_arn=entry["LambdaFunctionArn"],
                    events=tuple(entry["Events"]),
                    prefix=rules.get("prefix", ""),
                    suffix=rules.get("suffix", ""),
                )
            )
        return targets

    @functools.cached_property
    def account_id(self) -> str:
        return self._client("sts").get_caller_identity()["Account"]

    def check_invoke_permission(self, bucket: str, target_arn: str) -> None:
        """S3 may only deliver if the function's policy lets s3.amazonaws.com invoke it for this bucket."""
        self.check_invoke_permission_for(
            "s3.amazonaws.com", S3_SERVICE_KEY, f"arn:aws:s3:::{bucket}", target_arn
        )

    def check_invoke_permission_for(
        self, principal: str, access_key: str, source_arn: str, target_arn: str
    ) -> None:
        """A service may only invoke if the function's policy lets ``principal`` do so for ``source_arn``."""
        owner = target_arn.split(":")[4]
        if (source_arn, target_arn) in self._permitted:
            return
        caller = self._as_service(access_key, "lambda", source_arn, owner)
        try:
            caller.invoke(FunctionName=target_arn, InvocationType="DryRun")
        except caller.exceptions.ClientError as error:
            raise RunnerError(
                f"{principal} may not invoke {target_arn} for {source_arn}: {error}; the function's "
                f"resource policy must allow {principal} with {source_arn} as SourceArn and its account "
                "as SourceAccount"
            ) from error
        self._permitted.add((source_arn, target_arn))

    def s3_event(self, bucket: str, key: str, target: NotificationTarget) -> dict:
        """The event S3 sends for a new object (ObjectCreated:Put)."""
        head = self.s3.head_object(Bucket=bucket, Key=key)
        obj: dict[str, Any] = {
            "key": quote_plus(key, safe="/"),
            "size": head["ContentLength"],
            "eTag": head["ETag"].strip('"'),
            "sequencer": f"{time.time_ns():X}",
        }
        if head.get("VersionId") and head["VersionId"] != "null":
            obj["versionId"] = head["VersionId"]
        return {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": self.region,
                    "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "eventName": "ObjectCreated:Put",
                    "userIdentity": {"principalId": "AWS:LOCALRUNNER"},
                    "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                    "responseElements": {
                        "x-amz-request-id": secrets.token_hex(8).upper(),
                        "x-amz-id-2": secrets.token_urlsafe(48),
                    },
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "configurationId": target.configuration_id,
                        "bucket": {
                            "name": bucket,
                            "ownerIdentity": {"principalId": "LOCALRUNNER"},
                            "arn": f"arn:aws:s3:::{bucket}",
                        },
                        "object": obj,
                    },
                }
            ]
        }

    # --- Lambda's part -------------------------------------------------------------------------

    def resolve_version(self, target_arn: str) -> tuple[str, str | None]:
        """(version that runs, alias or None) for an invoke target ARN, following alias routing."""
        parts = target_arn.split(":")
        name = parts[6]
        qualifier = parts[7] if len(parts) == 8 else None
        if qualifier is None or qualifier == "$LATEST":
            return "$LATEST", None
        if qualifier.isdigit():
            return qualifier, None
        alias = self.awslambda.get_alias(FunctionName=name, Name=qualifier)
        extra = alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
        weights = {alias["FunctionVersion"]: 1.0 - sum(extra.values()), **extra}
        return self.router.pick(target_arn, weights), qualifier

    def deployed_function(self, target_arn: str) -> DeployedFunction:
        version, alias = self.resolve_version(target_arn)
        name = target_arn.split(":")[6]
        response = self.awslambda.get_function(FunctionName=name, Qualifier=version)
        config = response["Configuration"]
        layers = [self._deployed_layer(layer["Arn"]) for layer in config.get("Layers", [])]
        invoke_config = self._event_invoke_config(name, alias or (None if version == "$LATEST" else version))
        destination = invoke_config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        logging = config.get("LoggingConfig", {})
        return DeployedFunction(
            name=config["FunctionName"],
            function_arn=config["FunctionArn"].split(":function:")[0] + f":function:{name}",
            invoke_arn=target_arn,
            version=version,
            alias=alias,
            role_arn=config["Role"],
            runtime=config["Runtime"],
            handler=config["Handler"],
            memory_mb=config.get("MemorySize", 128),
            timeout_s=self.timeout_override_s or config.get("Timeout", 3),
            code_sha256=config["CodeSha256"],
            code_location=response["Code"]["Location"],
            environment=config.get("Environment", {}).get("Variables", {}),
            layers=layers,
            log_group=logging.get("LogGroup", f"/aws/lambda/{config['FunctionName']}"),
            log_level=logging.get("ApplicationLogLevel") if logging.get("LogFormat") == "JSON" else None,
            max_retry_attempts=invoke_config.get("MaximumRetryAttempts", 2),
            failure_destination=destination,
            snapstart=config.get("SnapStart", {}).get("ApplyOn") == "PublishedVersions",
            # GetFunctionConcurrency, not GetFunction's Concurrency: moto leaves that out at 0,
            # the one value that stops every invocation.
            reserved_concurrency=self.awslambda.get_function_concurrency(
                FunctionName=config["FunctionName"]
            ).get("ReservedConcurrentExecutions"),
        )

    def _deployed_layer(self, layer_version_arn: str) -> DeployedLayer:
        # GetLayerVersionByArn is not implemented by moto 5.2; GetLayerVersion by name is.
        *_, name, version = layer_version_arn.split(":")
        layer = self.awslambda.get_layer_version(LayerName=name, VersionNumber=int(version))
        content = layer["Content"]
        return DeployedLayer(
            layer_version_arn, name, int(version), content["CodeSha256"], content["Location"]
        )

    def _event_invoke_config(self, function_name: str, qualifier: str | None) -> dict:
        kwargs = {"FunctionName": function_name, **({"Qualifier": qualifier} if qualifier else {})}
        try:
            return self.awslambda.get_function_event_invoke_config(**kwargs)
        except self.awslambda.exceptions.ResourceNotFoundException:
            return {}

    def role_credentials(self, function: DeployedFunction) -> dict[str, str]:
        """The execution role's credentials, obtained as Lambda obtains them (trust policy applies)."""
        if function.function_arn not in self._role_credentials:
            account = function.function_arn.split(":")[4]
            sts = self._as_service(LAMBDA_SERVICE_KEY, "sts", function.function_arn, account)
            try:
                credentials = sts.assume_role(RoleArn=function.role_arn, RoleSessionName=function.name)[
                    "Credentials"
                ]
            except sts.exceptions.ClientError as error:
                raise RunnerError(
                    f"Lambda cannot assume the execution role {function.role_arn}: {error}; its trust policy "
                    "must allow lambda.amazonaws.com for this account"
                ) from error
            self._role_credentials[function.function_arn] = {
                "aws_access_key_id": credentials["AccessKeyId"],
                "aws_secret_access_key": credentials["SecretAccessKey"],
                "aws_session_token": credentials["SessionToken"],
            }
        return self._role_credentials[function.function_arn]

    def as_function_role(self, function: DeployedFunction, service: str) -> Any:
        """A client with the function's execution-role credentials (how Lambda sends logs and failures)."""
        return self._client(service, self.role_credentials(function))

    def _fetch_package(self, kind: str, name: str, location: str, code_sha256: str, target: Path) -> Path:
        """The code Lambda holds for a version, from its location, checked against its CodeSha256."""
        context = ssl.create_default_context(cafile=self.verify) if self.verify else None
        try:
            with urllib.request.urlopen(location, timeout=60, context=context) as response:  # noqa: S310 (the stand-in)
                body = response.read()
        except urllib.error.URLError as error:
            raise RunnerError(f"the code of {kind} {name} is not at {location}: {error}") from error
        actual = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if actual != code_sha256:
            raise RunnerError(
                f"the code at {location} has CodeSha256 {actual}, "
                f"but the stand-in reports {code_sha256} for the deployed {kind} {name}"
            )
        target.write_bytes(body)
        log(f"{kind} {name}: code matches the deployed CodeSha256 {code_sha256}")
        return target

    def execution_environment(self, function: DeployedFunction) -> ExecutionEnvironment:
        """A warm execution environment for this function version and code, created on first use."""
        layer_arns = [layer.arn for layer in function.layers]
        cache_key = f"{function.name}:{function.version}:{function.code_sha256}:{layer_arns}"
        cached = self._environments.get(cache_key)
        if cached is not None and cached.process.poll() is not None:
            # Killed at its timeout (or crashed): the next event gets a new environment, a cold start.
            del self._environments[cache_key]
        if cache_key not in self._environments:
            root = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="lambda-")))
            packages = root / "packages"
            packages.mkdir()
            function_zip = self._fetch_package(
                f"function version {function.version} of",
                function.name,
                function.code_location,
                function.code_sha256,
                packages / "function.zip",
            )
            layer_zips = [
                self._fetch_package(
                    f"layer version {layer.version} of",
                    layer.name,
                    layer.location,
                    layer.code_sha256,
                    packages / f"layer-{index}.zip",
                )
                for index, layer in enumerate(function.layers)
            ]
            environment = ExecutionEnvironment(self, function, root, function_zip, layer_zips)
            self._environments[cache_key] = self._stack.enter_context(environment)
        return self._environments[cache_key]

    def invoke_async(self, function: DeployedFunction, event: dict) -> Invocation:
        """One asynchronous invocation: attempts, retries, then the on-failure destination."""
        invocation = Invocation(request_id=str(uuid.uuid4()))
        if function.reserved_concurrency == 0:
            # No concurrency at all: every attempt is throttled until the event ages out.
            self.publish_metrics(function, Throttles=1)
            invocation.destination_record = self._failure_record(
                function, event, invocation, condition="EventAgeExceeded"
            )
            invocation.destination = function.failure_destination
            self._deliver_failure(function, invocation)
            return invocation
        for attempt in range(1 + function.max_retry_attempts):
            # Per attempt: an environment killed at its timeout is replaced by a new one.
            environment = self.execution_environment(function)
            started = time.monotonic()
            reply = environment.invoke(event, invocation.request_id)
            duration_ms = (time.monotonic() - started) * 1000
            invocation.attempts.append(reply)
            self.publish_metrics(
                function,
                Invocations=1,
                Errors=0 if reply["ok"] else 1,
                Duration=duration_ms,
                ConcurrentExecutions=1,
            )
            if reply["ok"]:
                return invocation
            log(f"attempt {attempt + 1} failed: {reply['errorType']}: {reply['errorMessage']}")
        invocation.destination_record = self._failure_record(function, event, invocation)
        invocation.destination = function.failure_destination
        self._deliver_failure(function, invocation)
        return invocation

    def invoke_sync(self, function: DeployedFunction, event: dict) -> dict:
        """One synchronous invocation (an event source mapping's): no retries here, the caller decides."""
        if function.reserved_concurrency == 0:
            self.publish_metrics(function, Throttles=1)
            return {"ok": False, "errorType": "TooManyRequestsException", "errorMessage": "Rate Exceeded."}
        environment = self.execution_environment(function)
        started = time.monotonic()
        reply = environment.invoke(event, str(uuid.uuid4()))
        self.publish_metrics(
            function,
            Invocations=1,
            Errors=0 if reply["ok"] else 1,
            Duration=(time.monotonic() - started) * 1000,
            ConcurrentExecutions=1,
        )
        return reply

    def publish_metrics(self, function: DeployedFunction, **values: float) -> None:
        """What Lambda publishes to AWS/Lambda, by function, by alias and by executed version."""
        dimension_sets = [[{"Name": "FunctionName", "Value": function.name}]]
        if function.resource:
            by_resource = [*dimension_sets[0], {"Name": "Resource", "Value": function.resource}]
            dimension_sets += [
                by_resource,
                [*by_resource, {"Name": "ExecutedVersion", "Value": function.version}],
            ]
        units = {"Duration": "Milliseconds", "ConcurrentExecutions": "Count"}
        data = [
            {
                "MetricName": name,
                "Dimensions": dimensions,
                "Value": float(value),
                "Unit": units.get(name, "Count"),
            }
            for name, value in values.items()
            for dimensions in dimension_sets
        ]
        self.cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=data)

    def _failure_record(
        self,
        function: DeployedFunction,
        event: dict,
        invocation: Invocation,
        condition: str = "RetriesExhausted",
    ) -> dict:
        last = invocation.attempts[-1] if invocation.attempts else None
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {
                "requestId": invocation.request_id,
                "functionArn": function.invoke_arn,
                "condition": condition,
                "approximateInvokeCount": len(invocation.attempts),
            },
            "requestPayload": event,
        }
        if last is not None:
            record["responseContext"] = {
                "statusCode": 200,
                "executedVersion": function.version,
                "functionError": "Unhandled",
            }
            record["responsePayload"] = {
                "errorMessage": last["errorMessage"],
                "errorType": last["errorType"],
                "requestId": invocation.request_id,
                "stackTrace": last.get("stackTrace", []),
            }
        return record

    def _deliver_failure(self, function: DeployedFunction, invocation: Invocation) -> None:
        destination = invocation.destination
        body = json.dumps(invocation.destination_record)
        if not destination:
            log("no on-failure destination configured; Lambda would drop this event after its retries")
            return
        if not destination.startswith("arn:aws:sqs:"):
            log(f"on-failure destination {destination} is not SQS; the runner would send:\n{body}")
            return
        # Lambda sends to the destination's ARN with the execution role's permissions (the URL is
        # the service's own lookup, not a call the role makes).
        queue_name = destination.rsplit(":", 1)[1]
        queue_url = self._client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"]
        sqs = self.as_function_role(function, "sqs")
        try:
            sqs.send_message(QueueUrl=queue_url, MessageBody=body)
        except sqs.exceptions.ClientError as error:
            self.publish_metrics(function, DestinationDeliveryFailures=1)
            log(f"could not deliver the failed event to {destination}: {error}")
            return
        log(f"sent the invocation record to the on-failure destination {destination}")

    def forward_logs(self, function: DeployedFunction, stream: str, lines: list[str]) -> None:
        """Put the function's log lines into its log group, where Lambda would have put them."""
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        with (LOG_DIR / f"{function.name}.log").open("a", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in lines)
        if not lines:
            return
        logs = self.as_function_role(function, "logs")
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_stream(logGroupName=function.log_group, logStreamName=stream)
        now = int(time.time() * 1000)
        logs.put_log_events(
            logGroupName=function.log_group,
            logStreamName=stream,
            logEvents=[{"timestamp": now, "message": line} for line in lines],
        )


class ExecutionEnvironment:
    """One warm 'execution environment': the unzipped packages and a clean interpreter serving events."""

    def __init__(
        self,
        service: LocalLambdaService,
        function: DeployedFunction,
        root: Path,
        function_zip: Path,
        layer_zips: list[Path],
    ) -> None:
        self.service = service
        self.function = function
        self.root = root
        self.task = root / "var" / "task"
        self.opt = root / "opt"
        self.runtime = root / "var" / "runtime"
        self.log_stream = f"{datetime.now(UTC):%Y/%m/%d}/[{function.version}]{uuid.uuid4().hex}"
        self._unpack(function_zip, layer_zips)
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._replies: Queue[str] = Queue()
        self.process: subprocess.Popen | None = None
        # How many SnapStart hooks the init ran ({"before_snapshot": n, "after_restore": m}), or None.
        self.snapstart_hooks: dict[str, int] | None = None

    def _unpack(self, function_zip: Path, layer_zips: list[Path]) -> None:
        with zipfile.ZipFile(function_zip) as archive:
            archive.extractall(self.task)
        self.opt.mkdir(parents=True)
        for layer_zip in layer_zips:  # in order: a later layer overwrites an earlier one
            with zipfile.ZipFile(layer_zip) as archive:
                archive.extractall(self.opt)
        self.runtime.mkdir(parents=True)
        if self.is_python:
            site_packages = Path(boto3.__file__).resolve().parents[1]
            for name in RUNTIME_PACKAGES:
                (self.runtime / name).symlink_to(site_packages / name)
            (self.runtime / "bootstrap.py").write_text(BOOTSTRAP, encoding="utf-8")
            (self.runtime / "snapshot_restore_py.py").write_text(SNAPSHOT_RESTORE_PY, encoding="utf-8")

    @property
    def is_python(self) -> bool:
        return self.function.runtime.startswith("python")

    def _command(self) -> list[str]:
        """The runtime stand-in: a clean Python interpreter, or a JVM with the local invoker."""
        if self.is_python:
            return [
                self._interpreter(),
                "-I",
                "-S",
                "-B",
                str(self.runtime / "bootstrap.py"),
                str(self.task),
                str(self.opt / "python"),
                str(self.runtime),
                self.function.handler,
                self.function.name,
                self.function.invoke_arn,
            ]
        if self.function.runtime.startswith("java"):
            return self._java_command()
        raise RunnerError(f"the runner has no stand-in for the {self.function.runtime} runtime")

    def _java_command(self) -> list[str]:
        # The Java runtime's part is played by the project's local invoker (scripts/artifacts/build_java.py);
        # with SnapStart it runs the CRaC checkpoint and restore hooks before the first event.
        from artifacts import build_java

        invoker = build_java.DEFAULT_BUILD_DIR / build_java.INVOKER_DIR_NAME / "invoker.jar"
        if not invoker.is_file():
            raise RunnerError(f"{invoker} is missing: run scripts/artifacts/build_java.py")
        classpath = os.pathsep.join([str(invoker), str(self.task), str(self.opt / "java" / "lib" / "*")])
        java = build_java.find_jdk() / "bin" / "java"
        tls = ensure_tls_files()
        trust = [
            f"-Djavax.net.ssl.trustStore={tls.java_truststore}",
            f"-Djavax.net.ssl.trustStorePassword={JAVA_TRUSTSTORE_PASSWORD}",
        ]
        command = [str(java), "-XX:+UseSerialGC", *trust, "-cp", classpath, build_java.INVOKER_MAIN]
        command += ["--handler", self.function.handler]
        return command + (["--snapstart"] if self.function.snapstart else [])

    def _interpreter(self) -> str:
        wanted = self.function.runtime.removeprefix("python")
        have = f"{sys.version_info.major}.{sys.version_info.minor}"
        if wanted != have:
            raise RunnerError(
                f"the deployed function runs {self.function.runtime}, but this runner is Python {have}: "
                "the local environment must target this machine's Python "
                "(scripts/artifacts/build_packages.py --local)"
            )
        return getattr(sys, "_base_executable", sys.executable)

    def _environment(self) -> dict[str, str]:
        function = self.function
        credentials = self.service.role_credentials(function)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            **function.environment,
            # What the Lambda runtime sets for every function.
            "AWS_REGION": self.service.region,
            "AWS_DEFAULT_REGION": self.service.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": function.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start" if function.snapstart else "on-demand",
            "LAMBDA_TASK_ROOT": str(self.task),
            "LAMBDA_RUNTIME_DIR": str(self.runtime),
            "_HANDLER": function.handler,
            # The execution role's credentials, as Lambda hands them to the runtime.
            "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": credentials["aws_session_token"],
            # The network: Lambda reaches AWS; this environment reaches the stand-in instead, over
            # TLS with the stand-in's CA.
            "AWS_ENDPOINT_URL": self.service.function_endpoint,
        }
        if self.service.verify:
            env["AWS_CA_BUNDLE"] = self.service.verify
        if function.log_level:
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            env["AWS_LAMBDA_LOG_LEVEL"] = function.log_level
        return env

    def __enter__(self) -> ExecutionEnvironment:
        started = time.monotonic()
        self.process = subprocess.Popen(
            self._command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self._environment(),
            cwd=self.task,
        )
        threading.Thread(target=self._collect_logs, daemon=True).start()
        # The Python bootstrap reports the end of its init phase; the Java invoker inits lazily.
        if self.is_python:
            ready = self.process.stdout.readline()
            if not ready:
                self.process.wait()
                raise RunnerError(f"the function failed its init phase:\n{self._drain_logs_text()}")
            self.snapstart_hooks = json.loads(ready).get("snapstart_hooks")
        threading.Thread(target=self._collect_replies, daemon=True).start()
        init = f"init {time.monotonic() - started:.2f} s"
        if self.snapstart_hooks:
            init += f", SnapStart hooks {self.snapstart_hooks}"
        log(f"execution environment ready ({init}): {self.function.name}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._flush_logs()

    def _collect_logs(self) -> None:
        for line in self.process.stderr:
            with self._lock:
                self._lines.append(line.rstrip("\n"))

    def _collect_replies(self) -> None:
        for line in self.process.stdout:
            self._replies.put(line)
        self._replies.put("")  # end of output: the process exited

    def _drain_logs(self) -> list[str]:
        with self._lock:
            lines, self._lines = self._lines, []
        return lines

    def _drain_logs_text(self) -> str:
        time.sleep(0.2)
        return "\n".join(self._drain_logs())

    def _flush_logs(self) -> None:
        time.sleep(0.05)  # let the reader thread take the last lines of the invocation
        self.service.forward_logs(self.function, self.log_stream, self._drain_logs())

    def invoke(self, event: dict, request_id: str) -> dict:
        if self.process.poll() is not None:
            raise RunnerError(f"the execution environment exited with code {self.process.returncode}")
        request = {
            "event": event,
            "requestId": request_id,
            # Sampled=0: nothing is sent to an X-Ray daemon, which does not exist here.
            "traceId": (
                f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
                f"Parent={secrets.token_hex(8)};Sampled=0"
            ),
            "deadlineMs": time.time() * 1000 + self.function.timeout_s * 1000,
        }
        # The Java invoker takes the bare event and makes its own request ID and deadline.
        self.process.stdin.write(json.dumps(request if self.is_python else event) + "\n")
        self.process.stdin.flush()
        try:
            line = self._replies.get(timeout=self.function.timeout_s + TIMEOUT_GRACE_S)
        except Empty:
            return self._time_out(request_id)
        self._flush_logs()
        if not line:
            raise RunnerError(f"the execution environment crashed (exit code {self.process.wait()})")
        return json.loads(line)

    def _time_out(self, request_id: str) -> dict:
        """Lambda stops an invocation at its timeout: the environment is killed mid-work (nothing after
        that point runs, so nothing half-done is written by it), the log says so, and the attempt
        fails as Sandbox.Timedout; the next event gets a new environment."""
        self.process.kill()
        self.process.wait()
        message = f"RequestId: {request_id} Error: Task timed out after {self.function.timeout_s:.2f} seconds"
        with self._lock:
            self._lines.append(f"{datetime.now(UTC).isoformat(timespec='milliseconds')} {message}")
        self._flush_logs()
        log(f"invocation {request_id} timed out after {self.function.timeout_s:.2f} s; environment killed")
        return {"ok": False, "errorType": "Sandbox.Timedout", "errorMessage": message}


def process_new_objects(
    service: LocalLambdaService,
    bucket: str,
    keys: list[str],
    on_event: Callable[[str], None] | None = None,
) -> list[dict]:
    """Deliver an ObjectCreated event for each key the way the bucket's notification says.

    Lambda configurations invoke their function (one result per key and function); queue
    configurations get the event, and the queue's event source mappings then deliver the queue in
    batches (one result per batch, with ``batch``); with EventBridge on, every matching rule
    delivers the ``Object Created`` event to its Lambda targets (one result per key and rule target,
    with ``rule``). Every result has ``invocation`` (None when the event never reached the function).
    ``on_event(key)`` runs once the key's event is made (for a queue, sent) and before it is
    delivered: what a test does to the object while the function reads it.
    """
    from standin import event_sources

    configuration = service.s3.get_bucket_notification_configuration(Bucket=bucket)
    targets = service.notification_targets(bucket, configuration)
    queues = event_sources.queue_notifications(configuration)
    eventbridge = "EventBridgeConfiguration" in configuration
    if not (targets or queues or eventbridge):
        raise RunnerError(f"bucket {bucket} has no notification configured (Lambda, queue or EventBridge)")
    results = []
    queued: set[str] = set()
    for key in keys:
        matching = [target for target in targets if target.matches(key, "ObjectCreated:Put")]
        matching_queues = [queue for queue in queues if queue.matches(key, "ObjectCreated:Put")]
        if not (matching or matching_queues or eventbridge):
            log(f"{key!r} matches no notification filter of {bucket}; S3 sends no event")
        for target in matching:
            service.check_invoke_permission(bucket, target.function_arn)
            # Resolved per event: an alias with weighted routing picks a version each time.
            function = service.deployed_function(target.function_arn)
            event = service.s3_event(bucket, key, target)
            if on_event:
                on_event(key)
            invocation = service.invoke_async(function, event)
            results.append(
                {"key": key, "function": function.name, "version": function.version, "invocation": invocation}
            )
        for queue in matching_queues:
            event_sources.send_to_queue(service, bucket, key, queue)
            if on_event:
                on_event(key)
            queued.add(queue.queue_arn)
        if eventbridge:
            event = event_sources.object_created_event(service, bucket, key)
            if on_event:
                on_event(key)
            for delivery in event_sources.deliver_to_eventbridge(service, event):
                results.append(
                    {
                        "key": key,
                        "rule": delivery.rule_arn,
                        "delivery": delivery,
                        "invocation": delivery.invocation,
                    }
                )
    for queue_arn in sorted(queued):
        for batch in event_sources.poll_event_source_mappings(service, queue_arn):
            results.append(
                {"batch": batch, "function": batch.function, "version": batch.version, "invocation": None}
            )
    return results


def delivered(result: dict) -> bool:
    """Whether a result of process_new_objects succeeded: its invocation (s3, eventbridge) or its
    SQS batch, every message of it."""
    if "batch" in result:
        return result["batch"].reply["ok"] and not result["batch"].failed_ids
    return result["invocation"] is not None and result["invocation"].succeeded


def result_summary(result: dict) -> dict:
    """One line of what happened to a delivery: an invocation, a rule's delivery or an SQS batch."""
    if "batch" in result:
        batch = result["batch"]
        return {
            "batch": batch.message_ids,
            "ok": batch.reply["ok"],
            "failed": batch.failed_ids,
            "reply": batch.reply,
        }
    invocation = result["invocation"]
    summary: dict[str, Any] = {"key": result["key"]}
    if "rule" in result:
        summary["rule"] = result["rule"]
        summary["deadLetterQueue"] = result["delivery"].dead_letter_queue
    if invocation is None:
        return {**summary, "ok": False, "attempts": []}
    return {**summary, "ok": invocation.succeeded, "attempts": invocation.attempts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint", required=True, help="the stand-in, e.g. http://127.0.0.1:5000")
    parser.add_argument("--bucket", required=True, help="trigger bucket the objects are in")
    parser.add_argument("--key", action="append", required=True, help="object key (repeatable)")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    try:
        with LocalLambdaService(args.endpoint, args.region) as service:
            for result in process_new_objects(service, args.bucket, args.key):
                print(json.dumps(result_summary(result), default=str))
    except RunnerError as error:
        print(f"[lambda] error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
