"""Where moto 5.2.5 answers differently from AWS for this stack, the stand-in answers as AWS does.

Each patch names the gap it closes; tests/standin/test_patches.py shows moto's own answer next to the
patched one, so a moto upgrade that fixes (or changes) a gap is noticed. Applied once, in the
stand-in's server process, before the first request (``apply_all``).

- Lambda ``LoggingConfig`` (log format, levels, log group) is stored and returned; moto drops it,
  so every plan would show it as a change.
- Lambda ``SnapStart`` is stored and returned (``OptimizationStatus`` On for published versions);
  moto always reports it off.
- A new CloudWatch alarm starts in ``INSUFFICIENT_DATA``, as in AWS; moto starts it in ``OK``, which
  would make an alarm that never saw data look healthy.
- Tags sent with ``CreateBucket`` are kept; moto drops them (the provider would tag again on the
  next apply).
- ``Invoke`` with ``InvocationType=DryRun`` only checks permission, as in AWS (moto would try to
  run the function in Docker).
- ``GetFunction``'s ``Code.Location`` and ``GetLayerVersion``'s ``Content.Location`` are URLs the
  stand-in serves the code from (``CodeLocationMiddleware``), as Lambda's presigned URLs do; moto's
  are placeholders. Lambda keeps every version's code itself, so a rollback to a version whose
  package the artifacts bucket no longer holds still runs.
- ``AddLayerVersionPermission`` with an ``OrganizationId`` grants to that organization only
  (``aws:PrincipalOrgID``), as in AWS; moto drops the ID and so grants the layer to everyone.
- ``CreateFlowLogs`` to an S3 destination with a folder (``arn:aws:s3:::bucket/prefix/``) checks
  that the bucket exists, as in AWS; moto looks for a bucket named ``bucket/prefix/`` and refuses.
- ``CreateFunction`` / ``UpdateFunctionConfiguration`` with a ``VpcConfig`` is refused unless the
  execution role may create, describe and delete network interfaces, as Lambda checks in AWS
  ("The provided execution role does not have permissions to call CreateNetworkInterface on
  EC2"); moto accepts any role.
- ``GetMetricStatistics`` answers ``ExtendedStatistics`` (percentiles such as ``p99``, nearest
  rank over the period's values); moto ignores them and returns no datapoint, so an alarm on a
  percentile could never be evaluated.
- Log events in the embedded metric format become CloudWatch metrics, as CloudWatch Logs extracts
  them in AWS (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
  CloudWatch_Embedded_Metric_Format_Specification.html); moto stores them as plain text.
- ``GetBucketNotificationConfiguration`` includes ``EventBridgeConfiguration`` when the bucket
  sends its events to EventBridge; moto stores the setting but leaves it out of the answer, so the
  provider would plan to switch it on again on every run.
- ``TestEventPattern`` answers whether a pattern matches an event, with the matching moto's rules
  use; moto leaves the operation unimplemented (the EventBridge stand-in routes with it).
- S3 delivers object events to SQS queues and EventBridge only through the S3 stand-in in
  standin/local_lambda.py, which sends them as ``s3.amazonaws.com`` (so the queue policy and the
  key policy are evaluated, as in AWS) with a version ID and sequencer; moto would send them
  itself, past both policies and without either field. (The ``s3:TestEvent`` S3 sends when a
  queue is configured stays moto's.)
- A queue's ``RedrivePolicy`` attribute is compact JSON, as SQS returns it; moto's has spaces,
  which the provider would plan as a change on every run.
- An SQS event source mapping is polled by the Lambda stand-in (local_lambda.py); moto would
  receive the messages itself on every send, try to run the function in Docker, fail, and so
  count a receive against every message until the redrive policy moved it away. A mapping to an
  alias keeps the alias in its ``FunctionArn``, as in AWS (moto reports the unqualified ARN).
- Lambda code signing (Signer signing jobs, code signing configurations, the checks at deployment;
  moto has none of them): standin/code_signing.py, whose docstring names each gap.
- ``ListObjectVersions`` with ``encoding-type=url`` URL-encodes the keys, prefixes and markers it
  answers, as S3 does; moto ignores the parameter, and the provider's unescaping of a key with a
  bare ``%`` made destroy of a bucket holding one fail (``force_destroy``).
- CloudTrail trails (``DescribeTrails`` by name or ARN, ``DeleteTrail`` by ARN, the selector flags,
  and the bucket and key policy checks ``CreateTrail`` and ``UpdateTrail`` make in AWS):
  standin/cloudtrail.py, whose docstring names each gap.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import os
from typing import Any
from urllib.parse import quote, unquote

import xmltodict

# The bucket owner moto answers in every listing.
S3_OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"

DEFAULT_LOG_FORMAT = "Text"


def _logging_config(function: Any, spec: dict[str, Any]) -> dict[str, Any]:
    requested = spec.get("LoggingConfig") or {}
    config = {
        "LogFormat": requested.get("LogFormat", DEFAULT_LOG_FORMAT),
        "LogGroup": requested.get("LogGroup") or f"/aws/lambda/{function.function_name}",
    }
    if config["LogFormat"] == "JSON":
        # AWS fills the levels in for JSON logs when they are not given.
        config["ApplicationLogLevel"] = requested.get("ApplicationLogLevel", "INFO")
        config["SystemLogLevel"] = requested.get("SystemLogLevel", "INFO")
    return config


def patch_lambda_configuration() -> None:
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_get = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    @functools.wraps(original_init)
    def init(self: Any, account_id: str, spec: dict[str, Any], region: str, version: Any = 1) -> None:
        original_init(self, account_id, spec, region, version)
        self.standin_logging_config = _logging_config(self, spec)
        self.standin_snap_start = (spec.get("SnapStart") or {}).get("ApplyOn", "None")

    @functools.wraps(original_get)
    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        config = original_get(self, on_create)
        config["LoggingConfig"] = dict(self.standin_logging_config)
        apply_on = self.standin_snap_start
        published = str(self.version) != "$LATEST"
        config["SnapStart"] = {
            "ApplyOn": apply_on,
            "OptimizationStatus": "On" if apply_on == "PublishedVersions" and published else "Off",
        }
        return config

    @functools.wraps(original_update)
    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "LoggingConfig" in config_updates:
            merged = {**self.standin_logging_config, **config_updates["LoggingConfig"]}
            self.standin_logging_config = _logging_config(self, {"LoggingConfig": merged})
        if "SnapStart" in config_updates:
            self.standin_snap_start = (config_updates["SnapStart"] or {}).get("ApplyOn", "None")
        return original_update(self, config_updates)

    LambdaFunction.__init__ = init
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration


def patch_alarm_initial_state() -> None:
    from moto.cloudwatch.models import Alarm

    original_init = Alarm.__init__

    @functools.wraps(original_init)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.state_value = "INSUFFICIENT_DATA"
        self.state_reason = "Unchecked: Initial alarm creation"

    Alarm.__init__ = init


def _create_bucket_tags(body: bytes) -> dict[str, str]:
    if not body:
        return {}
    configuration = xmltodict.parse(body).get("CreateBucketConfiguration") or {}
    tags = (configuration.get("Tags") or {}).get("Tag") or []
    tags = [tags] if isinstance(tags, dict) else tags
    return {tag["Key"]: tag.get("Value") or "" for tag in tags}


def patch_create_bucket_tags() -> None:
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response_put

    @functools.wraps(original)
    def bucket_response_put(self: Any, request: Any, bucket_name: str, querystring: dict) -> Any:
        response = original(self, request, bucket_name, querystring)
        if not querystring and request.method == "PUT":
            tags = _create_bucket_tags(self.body)
            if tags:
                self.backend.put_bucket_tagging(bucket_name, tags)
        return response

    S3Response._bucket_response_put = bucket_response_put


def patch_lambda_dry_run() -> None:
    """``Invoke`` with ``InvocationType=DryRun`` only checks permission, as in AWS; moto would try to
    run the function (which needs Docker). The S3 stand-in uses it to check the invoke permission."""
    from moto.awslambda.responses import LambdaResponse

    original = LambdaResponse.invoke

    @functools.wraps(original)
    def invoke(self: Any) -> Any:
        if self.headers.get("X-Amz-Invocation-Type") == "DryRun":
            function_name = unquote(self.path.rsplit("/", 2)[-2])
            self.backend.get_function(function_name, self._get_param("qualifier"))  # 404 if missing
            return 204, {"status": 204}, ""
        return original(self)

    LambdaResponse.invoke = invoke


def emf_metric_data(message: str) -> list[tuple[str, dict[str, Any]]]:
    """(namespace, MetricDatum) for each metric an embedded-metric-format log line declares."""
    try:
        document = json.loads(message)
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    directives = (document.get("_aws") or {}).get("CloudWatchMetrics") or []
    timestamp_ms = (document.get("_aws") or {}).get("Timestamp")
    # Naive UTC, as moto keeps every other datum's time (its utcnow()): an aware one here made every
    # GetMetricStatistics of the function's own metrics fail ("can't compare offset-naive and
    # offset-aware datetimes").
    timestamp = (
        datetime.datetime.fromtimestamp(timestamp_ms / 1000, datetime.UTC).replace(tzinfo=None)
        if isinstance(timestamp_ms, int | float)
        else None
    )
    data = []
    for directive in directives:
        for dimension_set in directive.get("Dimensions") or [[]]:
            if any(name not in document for name in dimension_set):
                continue  # the specification drops a directive whose dimension value is missing
            dimensions = [{"Name": name, "Value": str(document[name])} for name in dimension_set]
            for metric in directive.get("Metrics", []):
                value = document.get(metric["Name"])
                values = value if isinstance(value, list) else [value]
                numbers = [float(item) for item in values if isinstance(item, int | float)]
                if not numbers:
                    continue
                datum = {"MetricName": metric["Name"], "Dimensions": dimensions, "Values": numbers}
                if metric.get("Unit"):
                    datum["Unit"] = metric["Unit"]
                if timestamp:
                    datum["Timestamp"] = timestamp
                data.append((directive["Namespace"], datum))
    return data


def patch_emf_extraction() -> None:
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.logs.models import LogsBackend

    original = LogsBackend.put_log_events

    @functools.wraps(original)
    def put_log_events(self: Any, log_group_name: str, log_stream_name: str, log_events: list) -> Any:
        result = original(self, log_group_name, log_stream_name, log_events)
        cloudwatch = cloudwatch_backends[self.account_id][self.region_name]
        for event in log_events:
            for namespace, datum in emf_metric_data(event.get("message", "")):
                cloudwatch.put_metric_data(namespace, [datum])
        return result

    LogsBackend.put_log_events = put_log_events


CODE_PATH = "/_standin/code/"


def code_location(kind: str, account: str, region: str, name: str, version: object) -> str:
    endpoint = os.environ.get("STANDIN_ENDPOINT", "https://127.0.0.1")
    return f"{endpoint}{CODE_PATH}{kind}/{account}/{region}/{name}/{version}"


def patch_code_locations() -> None:
    from moto.awslambda.models import LambdaFunction, LayerVersion

    original_code = LambdaFunction.get_code
    original_layer = LayerVersion.get_layer_version

    @functools.wraps(original_code)
    def get_code(self: Any) -> dict[str, Any]:
        response = original_code(self)
        if "Code" in response and "ImageUri" not in response["Code"]:
            response["Code"]["Location"] = code_location(
                "function", self.account_id, self.region, self.function_name, self.version
            )
        return response

    @functools.wraps(original_layer)
    def get_layer_version(self: Any) -> dict[str, Any]:
        response = original_layer(self)
        response["Content"]["Location"] = code_location(
            "layer", self.account_id, self.region, self.name, self.version
        )
        return response

    LambdaFunction.get_code = get_code
    LayerVersion.get_layer_version = get_layer_version


class CodeLocationMiddleware:
    """Serves the code of a function version or layer version at the Location moto now reports."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(CODE_PATH):
            return self.app(environ, start_response)
        from moto.awslambda.utils import get_backend

        try:
            kind, account, region, name, version = path[len(CODE_PATH) :].split("/")
            backend = get_backend(account, region)
            if kind == "function":
                qualifier = None if version == "$LATEST" else version
                body = backend.get_function(name, qualifier).code_bytes
            else:
                body = backend.get_layer_version(name, version).code_bytes
        except Exception as error:  # an unknown function, version or layer
            message = f"no code at {path}: {error}".encode()
            start_response(
                "404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(message)))]
            )
            return [message]
        start_response("200 OK", [("Content-Type", "application/zip"), ("Content-Length", str(len(body)))])
        return [body]


def patch_layer_organization_share() -> None:
    """Keep AddLayerVersionPermission's OrganizationId as the aws:PrincipalOrgID condition."""
    from moto.awslambda.models import LambdaBackend

    original = LambdaBackend.add_layer_version_permission

    @functools.wraps(original)
    def add_layer_version_permission(
        self: Any, layer_name: str, version_number: int, statement: str
    ) -> tuple[str, str]:
        fields = json.loads(statement)
        if "OrganizationId" in fields:
            # moto's policy reader knows AddPermission's name for the same condition.
            fields["PrincipalOrgID"] = fields.pop("OrganizationId")
        return original(self, layer_name, version_number, json.dumps(fields))

    LambdaBackend.add_layer_version_permission = add_layer_version_permission


def patch_flow_log_s3_folder() -> None:
    """Check an S3 flow-log destination's bucket, not its bucket-and-folder, for existence."""
    from moto.ec2.models.flow_logs import FlowLogsBackend

    original = FlowLogsBackend.create_flow_logs

    @functools.wraps(original)
    def create_flow_logs(self: Any, *args: Any, **kwargs: Any) -> tuple[list[Any], list[Any]]:
        destination = kwargs.get("log_destination")
        if kwargs.get("log_destination_type") != "s3" or not destination or "/" not in destination:
            return original(self, *args, **kwargs)
        bucket_arn = destination.split("/", 1)[0]
        created, unsuccessful = original(self, *args, **{**kwargs, "log_destination": bucket_arn})
        for flow_log in created:
            flow_log.log_destination = destination
        return created, unsuccessful

    FlowLogsBackend.create_flow_logs = create_flow_logs


# What Lambda checks an execution role for before it attaches a function to a VPC.
VPC_EXECUTION_ACTIONS = ("CreateNetworkInterface", "DescribeNetworkInterfaces", "DeleteNetworkInterface")


def check_vpc_execution_role(role_arn: str, region: str, account: str) -> None:
    """Raise InvalidParameterValueException unless the role may manage the function's interfaces."""
    from moto.awslambda.exceptions import InvalidParameterValueException

    from standin.authorization import Ask, authorizer

    role = authorizer().role(role_arn)
    for action in VPC_EXECUTION_ACTIONS:
        resource = f"arn:aws:ec2:{region}:{account}:network-interface/*" if "Describe" not in action else "*"
        ask = Ask(f"ec2:{action}", resource, account, {"aws:RequestedRegion": region})
        if not authorizer().decide(role, ask).allowed:
            raise InvalidParameterValueException(
                f"The provided execution role does not have permissions to call {action} on EC2"
            )


def patch_vpc_execution_role_check() -> None:
    from moto.awslambda.models import LambdaBackend

    create, update = LambdaBackend.create_function, LambdaBackend.update_function_configuration

    @functools.wraps(create)
    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        if (spec.get("VpcConfig") or {}).get("SubnetIds"):
            check_vpc_execution_role(spec["Role"], self.region_name, self.account_id)
        return create(self, spec)

    @functools.wraps(update)
    def update_function_configuration(self: Any, function_name: str, qualifier: str, body: dict) -> Any:
        if (body.get("VpcConfig") or {}).get("SubnetIds"):
            role = body.get("Role") or self.get_function(function_name, qualifier).role
            check_vpc_execution_role(role, self.region_name, self.account_id)
        return update(self, function_name, qualifier, body)

    LambdaBackend.create_function = create_function
    LambdaBackend.update_function_configuration = update_function_configuration


def percentile(values: list[float], name: str) -> float | None:
    """``name`` ("p99", "p99.9") of ``values`` by nearest rank, or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    # Rounded first: 99.9 % of 1000 is 999, not the 999.0000000000001 of binary floating point.
    rank = max(1, math.ceil(round(float(name[1:]) / 100 * len(ordered), 9)))
    return ordered[min(rank, len(ordered)) - 1]


def patch_extended_statistics() -> None:
    from moto.cloudwatch.models import Statistics
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    def extended_statistics(self: Any) -> dict[str, float] | None:
        names = [stat for stat in self.stats if stat.startswith("p")]
        if not names:
            return None
        found = {name: percentile(self.metric_single_values_list, name) for name in names}
        return {name: value for name, value in found.items() if value is not None}

    Statistics.extended_statistics = property(extended_statistics)
    original = CloudWatchResponse.get_metric_statistics

    @functools.wraps(original)
    def get_metric_statistics(self: Any) -> Any:
        extended = self._get_param("ExtendedStatistics") or []
        if not extended:
            return original(self)
        datapoints = self.cloudwatch_backend.get_metric_statistics(
            self._get_param("Namespace"),
            self._get_param("MetricName"),
            self._get_param("StartTime"),
            self._get_param("EndTime"),
            self._get_int_param("Period"),
            list(self._get_param("Statistics", [])) + list(extended),
            unit=self._get_param("Unit"),
            dimensions=self._get_param("Dimensions", []),
        )
        return ActionResult({"Label": self._get_param("MetricName"), "Datapoints": datapoints})

    CloudWatchResponse.get_metric_statistics = get_metric_statistics


def patch_eventbridge_notification_read() -> None:
    """``GetBucketNotificationConfiguration`` answers ``EventBridgeConfiguration`` when it is on."""
    from moto.core.common_types import TYPE_RESPONSE
    from moto.core.responses import ActionResult
    from moto.s3.responses import S3Response

    original = S3Response.get_bucket_notification

    @functools.wraps(original)
    def get_bucket_notification(self: Any) -> TYPE_RESPONSE:
        configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if not configuration or configuration.event_bridge is None:
            return original(self)

        def entry(item: Any, arn_key: str) -> dict[str, Any]:
            result: dict[str, Any] = {"Id": item.id, arn_key: item.arn, "Events": item.events}
            if item.filters:
                result["Filter"] = {"Key": {"FilterRules": item.filters["S3Key"]["FilterRule"]}}
            return result

        result = {
            "TopicConfigurations": [entry(item, "TopicArn") for item in configuration.topic],
            "QueueConfigurations": [entry(item, "QueueArn") for item in configuration.queue],
            "LambdaFunctionConfigurations": [
                entry(item, "LambdaFunctionArn") for item in configuration.cloud_function
            ],
            "EventBridgeConfiguration": {},
        }
        self.data["Action"] = "GetBucketNotificationConfiguration"
        return self.serialized(ActionResult(result))

    S3Response.get_bucket_notification = get_bucket_notification


def patch_test_event_pattern() -> None:
    """``TestEventPattern`` answers with EventBridge's matching (moto's own ``EventPattern``, which
    its rules use); moto leaves the operation unimplemented."""
    from moto.events.models import EventPattern
    from moto.events.responses import EventsHandler

    def test_event_pattern(self: Any) -> tuple[str, dict[str, str]]:
        pattern = EventPattern.load(self._get_param("EventPattern"))
        event = json.loads(self._get_param("Event"))
        return json.dumps({"Result": pattern.matches_event(event)}), self.response_headers

    EventsHandler.test_event_pattern = test_event_pattern


def patch_sqs_redrive_policy_format() -> None:
    """A queue's ``RedrivePolicy`` attribute is compact JSON, as SQS returns it; moto adds spaces,
    which the provider plans as a change of the policy on every run."""
    from moto.sqs.models import Queue

    original = Queue.attributes

    def attributes(self: Any) -> dict[str, Any]:
        result = original.fget(self)
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    Queue.attributes = property(attributes)


def patch_s3_object_event_delivery() -> None:
    """S3 object events reach queues and EventBridge through the S3 stand-in, not moto (above)."""
    from moto.s3 import notifications

    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        return None

    notifications.send_event = send_event


def patch_sqs_event_source_polling() -> None:
    """The Lambda stand-in polls SQS event source mappings; moto's own polling is switched off."""
    from moto.awslambda.models import LambdaBackend
    from moto.sqs.models import sqs_backends

    original = LambdaBackend.create_event_source_mapping

    @functools.wraps(original)
    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        mapping = original(self, spec)
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            if queue.queue_arn == mapping.event_source_arn:
                queue.lambda_event_source_mappings.pop(mapping.function_arn, None)
        if spec["FunctionName"].startswith("arn:"):
            # AWS keeps the qualifier (the alias the mapping invokes); moto drops it.
            mapping.function_arn = spec["FunctionName"]
        return mapping

    LambdaBackend.create_event_source_mapping = create_event_source_mapping


def patch_list_object_versions_encoding() -> None:
    """``ListObjectVersions`` with ``encoding-type=url`` URL-encodes the keys, prefixes and markers of
    its answer, as S3 does (and as moto does for ``ListObjectsV2``); moto 5.2.5 ignores the
    parameter there. The AWS provider asks for it when it empties a bucket (``force_destroy``) and
    unescapes each key, so a key with a ``%`` that is no escape ("100%über.txt") made destroy fail:
    ``unescaping object version key: invalid URL escape``. The answer is built as moto builds it
    (moto/s3/responses.py, ``list_object_versions``), with the names encoded."""
    from moto import settings
    from moto.core.common_types import TYPE_RESPONSE
    from moto.core.responses import ActionResult
    from moto.s3.responses import S3Response

    original = S3Response.list_object_versions

    @functools.wraps(original)
    def list_object_versions(self: Any) -> TYPE_RESPONSE:
        if self.querystring.get("encoding-type", [None])[0] != "url":
            return original(self)
        delimiter = self.querystring.get("delimiter", [None])[0]
        key_marker = self.querystring.get("key-marker", [None])[0]
        max_keys = int(self.querystring.get("max-keys", [settings.get_s3_default_max_keys()])[0])
        prefix = self._get_querystring(self.request, self.uri).get("prefix", [""])[0]
        version_id_marker = self.querystring.get("version-id-marker", [None])[0]
        bucket = self.backend.get_bucket(self.bucket_name)
        versions, common_prefixes, delete_markers, next_key_marker, next_version_id_marker = (
            self.backend.list_object_versions(
                self.bucket_name,
                delimiter=delimiter,
                key_marker=key_marker,
                max_keys=max_keys,
                prefix=prefix,
                version_id_marker=version_id_marker,
            )
        )
        owner = {"ID": S3_OWNER_ID, "DisplayName": "webfile"}
        result: dict[str, Any] = {
            "Name": bucket.name,
            "Prefix": quote(prefix or ""),
            "Delimiter": quote(delimiter) if delimiter else delimiter,
            "KeyMarker": quote(key_marker or ""),
            "VersionIdMarker": version_id_marker or "",
            "MaxKeys": max_keys,
            "IsTruncated": next_key_marker is not None,
            "EncodingType": "url",
            "Versions": [
                {
                    "Key": quote(key.name),
                    "VersionId": key.version_id if key.version_id is not None else "null",
                    "IsLatest": getattr(key, "is_latest", False),
                    "LastModified": key.last_modified_ISO8601,
                    "ETag": key.etag,
                    "Size": key.size,
                    "StorageClass": key.storage_class,
                    "Owner": owner,
                }
                for key in versions
            ],
            "DeleteMarkers": [
                {
                    "Key": quote(marker.name),
                    "VersionId": marker.version_id,
                    "IsLatest": getattr(marker, "is_latest", False),
                    "LastModified": marker.last_modified_ISO8601,
                    "Owner": owner,
                }
                for marker in delete_markers
            ],
        }
        if common_prefixes:
            result["CommonPrefixes"] = [{"Prefix": quote(item)} for item in common_prefixes]
        if next_key_marker is not None:
            result["NextKeyMarker"] = quote(next_key_marker)
            result["NextVersionIdMarker"] = next_version_id_marker
        self.data["Action"] = "ListObjectVersions"
        return self.serialized(ActionResult(result))

    S3Response.list_object_versions = list_object_versions


def apply_all() -> None:
    patch_lambda_configuration()
    patch_alarm_initial_state()
    patch_create_bucket_tags()
    patch_lambda_dry_run()
    patch_emf_extraction()
    patch_code_locations()
    patch_layer_organization_share()
    patch_flow_log_s3_folder()
    patch_vpc_execution_role_check()
    patch_extended_statistics()
    patch_eventbridge_notification_read()
    patch_test_event_pattern()
    patch_sqs_redrive_policy_format()
    patch_s3_object_event_delivery()
    patch_sqs_event_source_polling()
    patch_list_object_versions_encoding()

    from standin import cloudtrail, code_signing

    code_signing.apply_all()
    cloudtrail.apply_all()
