"""Lambda entry point (``file_processor.handler.handler``) for S3 ``ObjectCreated`` notifications.

For each record: decode the key, skip when the record for that exact object version exists, read
the object once (hashing it when it is small enough), detect its type, write one JSON record.
Records are processed independently; when any failed, the invocation raises one
``ProcessingFailedError`` naming the failed objects after all the others are done, so the async
retry and the on-failure destination keep the event. A malformed or non-S3 event raises
``MalformedEventError`` before anything is read or written; the ``s3:TestEvent`` is ignored.

An event for a bucket other than ``TRIGGER_BUCKET``, or a key outside ``TRIGGER_PREFIX`` /
``TRIGGER_SUFFIX``, is refused: a warning, the ``EventsRefused`` metric, and nothing read or written.

Environment variables: see ``file_processor.config`` (``TRIGGER_BUCKET``, ``TRIGGER_PREFIX``,
``TRIGGER_SUFFIX``, ``RESULTS_BUCKET``, ``RESULTS_PREFIX``, ``MAX_HASH_BYTES``,
``S3_MAX_ATTEMPTS``) and the ``POWERTOOLS_*`` variables.

SnapStart: only configuration-free objects are built at import (Powertools' logger, metrics and
tracer). The configuration and the S3 client are created at the first invocation and reused, so
nothing connection-bound or unique is captured in a snapshot.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config as BotoConfig

from file_processor.config import Config, ConfigError, load_config
from file_processor.events import MalformedEventError, ObjectEvent, parse_event
from file_processor.processor import ERROR, REFUSED, Outcome, S3Client, process_object

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "file-processor"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "FileProcessor"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
# Only botocore is patched: it is the only I/O this function does, and patching everything
# (the default) imports and wraps a dozen libraries for nothing.
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))

_state: dict[str, Any] = {}


class ProcessingFailedError(RuntimeError):
    """At least one object failed; the message names each one and why."""


def get_config() -> Config:
    """The configuration, validated at the first invocation and reused (ConfigError when invalid)."""
    if "config" not in _state:
        _state["config"] = load_config(os.environ)
    return _state["config"]


def s3_client(config: Config) -> S3Client:
    """The S3 client, created at the first invocation and reused.

    Retries: botocore's ``standard`` mode with ``S3_MAX_ATTEMPTS`` total attempts (throttling,
    5xx and connection errors). The endpoint comes from the usual variables
    (``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``), which boto3 honours itself.
    """
    if "s3" not in _state:
        boto_config = BotoConfig(
            # total_max_attempts counts the first try; botocore's max_attempts counts only retries.
            retries={"mode": "standard", "total_max_attempts": config.s3_max_attempts},
            connect_timeout=10,
            read_timeout=60,
            tcp_keepalive=True,
        )
        _state["s3"] = boto3.session.Session().client("s3", config=boto_config)
    return _state["s3"]


def reset() -> None:
    """Forget the configuration and client (tests; a new environment or endpoint)."""
    _state.clear()


def _process(s3: S3Client, config: Config, event: ObjectEvent, request_id: str | None) -> Outcome:
    with logger.append_context_keys(
        bucket=event.ref.bucket, object_key=event.ref.key, version_id=event.ref.version_id
    ):
        started = time.perf_counter()
        try:
            outcome = process_object(s3, config, event, request_id)
        except Exception as error:
            logger.exception("unexpected error")
            outcome = Outcome(event, ERROR, message=f"{type(error).__name__}: {error}")
        elapsed_ms = (time.perf_counter() - started) * 1000
        tracer.put_annotation("outcome", outcome.outcome)
        fields = {
            "outcome": outcome.outcome,
            "record_key": outcome.record_key,
            "elapsed_ms": round(elapsed_ms, 1),
        }
        if outcome.failed:
            logger.error(outcome.message or outcome.outcome, extra=fields)
        elif outcome.outcome == REFUSED:
            logger.warning(outcome.message, extra=fields)
            metrics.add_metric(name="EventsRefused", unit=MetricUnit.Count, value=1)
        elif outcome.message:
            logger.info(outcome.message, extra=fields)
        else:
            logger.info("object recorded", extra={**fields, "size": outcome.size})
        metrics.add_metric(name="ObjectLatency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
        if outcome.outcome == "recorded":
            metrics.add_metric(name="ObjectsProcessed", unit=MetricUnit.Count, value=1)
            metrics.add_metric(name="BytesProcessed", unit=MetricUnit.Bytes, value=outcome.size)
        return outcome


def _emit_outcomes(counts: Counter[str]) -> None:
    for reason, count in sorted(counts.items()):
        with single_metric(
            name="Outcomes", unit=MetricUnit.Count, value=count, namespace=NAMESPACE
        ) as metric:
            metric.add_dimension(name="service", value=SERVICE)
            metric.add_dimension(name="outcome", value=reason)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict, context: LambdaContext) -> dict:
    try:
        config = get_config()
    except ConfigError as error:
        logger.error("invalid configuration: nothing was processed", extra={"reason": str(error)})
        raise
    try:
        events = parse_event(event)
    except MalformedEventError as error:
        logger.error("malformed event: nothing was processed", extra={"reason": str(error)})
        metrics.add_metric(name="MalformedEvents", unit=MetricUnit.Count, value=1)
        raise
    if events is None:
        logger.info("s3:TestEvent ignored")
        metrics.add_metric(name="TestEventsIgnored", unit=MetricUnit.Count, value=1)
        return {"ignored": "s3:TestEvent", "objects": []}

    s3 = s3_client(config)
    request_id = getattr(context, "aws_request_id", None)
    outcomes = [_process(s3, config, item, request_id) for item in events]
    _emit_outcomes(Counter(outcome.outcome for outcome in outcomes))

    failed = [outcome for outcome in outcomes if outcome.failed]
    if failed:
        names = "; ".join(f"{outcome.location}: {outcome.message}" for outcome in failed)
        raise ProcessingFailedError(f"{len(failed)} of {len(outcomes)} objects failed: {names}")
    return {
        "objects": [
            {
                "bucket": outcome.event.ref.bucket,
                "key": outcome.event.ref.key,
                "versionId": outcome.event.ref.version_id,
                "outcome": outcome.outcome,
                "recordKey": outcome.record_key,
            }
            for outcome in outcomes
        ]
    }
