"""Lambda entry point (``file_processor.handler.handler``) for S3 ``ObjectCreated`` events.

It accepts three shapes (``file_processor.events``): the S3 event notification, the EventBridge
``Object Created`` event, and an SQS batch of S3 event notifications.

For each object: decode the key, skip when the record for that exact object version exists, read
the object once (hashing it when it is small enough), detect its type, write one JSON record.
Objects are processed independently.

- S3 notification and EventBridge event (asynchronous invocations): when any object failed, the
  invocation raises one ``ProcessingFailedError`` naming the failed objects after all the others
  are done, so the async retry and the on-failure destination keep the event. A malformed event
  raises ``MalformedEventError`` before anything is read or written; the ``s3:TestEvent`` is ignored.
- SQS batch (event source mapping with ``ReportBatchItemFailures``): the response is
  ``{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}`` naming each message with a
  failed object, which SQS delivers again (then to the redrive queue after ``maxReceiveCount``). A
  malformed message is logged, counted and dropped (reported as processed: it would only fail
  again); a test event is ignored. Messages are accepted only from ``TRIGGER_QUEUE_ARN``.

An event for a bucket other than ``TRIGGER_BUCKET``, or a key outside ``TRIGGER_PREFIX`` /
``TRIGGER_SUFFIX``, is refused: a warning, the ``EventsRefused`` metric, and nothing read or written.

Environment variables: see ``file_processor.config`` (``TRIGGER_BUCKET``, ``TRIGGER_PREFIX``,
``TRIGGER_SUFFIX``, ``RESULTS_BUCKET``, ``RESULTS_PREFIX``, ``MAX_HASH_BYTES``,
``S3_MAX_ATTEMPTS``, ``PARALLEL_READ_*``), ``TRIGGER_QUEUE_ARN`` (below) and the ``POWERTOOLS_*``
variables.

SnapStart: only configuration-free objects are built at import (Powertools' logger, metrics and
tracer). The configuration and the S3 client are created at the first invocation and reused, so
nothing connection-bound or unique is captured in a snapshot. With SnapStart on, the runtime hooks
in ``file_processor.snapstart`` (registered at the end of this module) validate the configuration
and load the client's data before the snapshot, and create the client after each restore.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSEvent, SQSRecord
from botocore.config import Config as BotoConfig

from file_processor import snapstart
from file_processor.config import Config, ConfigError, load_config
from file_processor.events import (
    MalformedEventError,
    ObjectEvent,
    check_sqs_queue,
    is_eventbridge_event,
    is_sqs_event,
    parse_event,
    parse_eventbridge_event,
    parse_sqs_message,
)
from file_processor.processor import ERROR, REFUSED, Outcome, S3Client, process_object

if TYPE_CHECKING:
    import botocore.session
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "file-processor"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "FileProcessor"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
# Only botocore is patched: it is the only I/O this function does, and patching everything
# (the default) imports and wraps a dozen libraries for nothing.
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))

_state: dict[str, Any] = {}

# An SQS queue ARN: partition, region, 12-digit account, queue name (1-80 of [A-Za-z0-9_-], ".fifo").
_QUEUE_ARN = re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$")


class ProcessingFailedError(RuntimeError):
    """At least one object failed; the message names each one and why."""


def get_config() -> Config:
    """The configuration, validated at the first invocation and reused (ConfigError when invalid)."""
    if "config" not in _state:
        _state["config"] = load_config(os.environ)
    return _state["config"]


def load_queue_arn(environ: Mapping[str, str]) -> str | None:
    """``TRIGGER_QUEUE_ARN``: the one SQS queue whose messages are processed; unset, none is."""
    arn = environ.get("TRIGGER_QUEUE_ARN", "").strip()
    if not arn:
        return None
    if not _QUEUE_ARN.fullmatch(arn):
        raise ConfigError(f"TRIGGER_QUEUE_ARN must be an SQS queue ARN, got {arn!r}")
    return arn


def get_queue_arn() -> str | None:
    """``TRIGGER_QUEUE_ARN``, validated at the first invocation and reused, like the configuration."""
    if "queue_arn" not in _state:
        _state["queue_arn"] = load_queue_arn(os.environ)
    return _state["queue_arn"]


def s3_client(config: Config, session: botocore.session.Session | None = None) -> S3Client:
    """The S3 client, created at the first invocation (or by SnapStart's restore hook) and reused.

    ``session``: the botocore session to create it on (default a new one).
    """
    if "s3" not in _state:
        _state["s3"] = new_s3_client(config, session)
    return _state["s3"]


def new_s3_client(config: Config, session: botocore.session.Session | None = None) -> S3Client:
    """A new S3 client on ``session`` (default a new one), with its own connection pool.

    Retries: botocore's ``standard`` mode with ``S3_MAX_ATTEMPTS`` total attempts (throttling,
    5xx and connection errors). The endpoint comes from the usual variables
    (``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``), which boto3 honours itself.
    """
    boto_config = BotoConfig(
        # total_max_attempts counts the first try; botocore's max_attempts counts only retries.
        retries={"mode": "standard", "total_max_attempts": config.s3_max_attempts},
        connect_timeout=10,
        read_timeout=60,
        tcp_keepalive=True,
        # One connection per ranged GET of a read in parts (botocore's default pool holds 10).
        max_pool_connections=max(10, config.parallel_read_concurrency),
    )
    return boto3.session.Session(botocore_session=session).client("s3", config=boto_config)


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


def _failure_summary(outcomes: list[Outcome]) -> str | None:
    """``N of M objects failed: <where>: <why>; ...``, or None when nothing failed."""
    failed = [outcome for outcome in outcomes if outcome.failed]
    if not failed:
        return None
    names = "; ".join(f"{outcome.location}: {outcome.message}" for outcome in failed)
    return f"{len(failed)} of {len(outcomes)} objects failed: {names}"


def _malformed_event(error: MalformedEventError) -> None:
    logger.error("malformed event: nothing was processed", extra={"reason": str(error)})
    metrics.add_metric(name="MalformedEvents", unit=MetricUnit.Count, value=1)


def _test_event_ignored() -> None:
    logger.info("s3:TestEvent ignored")
    metrics.add_metric(name="TestEventsIgnored", unit=MetricUnit.Count, value=1)


def _parse_direct(event: Any) -> list[ObjectEvent] | None:
    """The objects of an S3 notification or an EventBridge event; None for ``s3:TestEvent``."""
    if is_eventbridge_event(event):
        return parse_eventbridge_event(event)
    return parse_event(event)


def _handle_direct(event: Any, config: Config, request_id: str | None) -> dict:
    """An S3 notification or EventBridge event: raise when any object failed, so it is retried whole."""
    try:
        events = _parse_direct(event)
    except MalformedEventError as error:
        _malformed_event(error)
        raise
    if events is None:
        _test_event_ignored()
        return {"ignored": "s3:TestEvent", "objects": []}

    s3 = s3_client(config)
    outcomes = [_process(s3, config, item, request_id) for item in events]
    _emit_outcomes(Counter(outcome.outcome for outcome in outcomes))

    failure = _failure_summary(outcomes)
    if failure:
        raise ProcessingFailedError(failure)
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


def _sqs_message(
    s3: S3Client, config: Config, request_id: str | None, outcomes: list[Outcome], record: SQSRecord
) -> None:
    """Process one SQS message; raise ProcessingFailedError so the batch reports it for retry."""
    with logger.append_context_keys(sqs_message_id=record.message_id):
        try:
            events = parse_sqs_message(record)
        except MalformedEventError as error:
            # Returning normally deletes the message: a body that is not an S3 notification fails
            # the same way on every delivery, so a retry would only fail again until the redrive
            # queue took it. The ERROR line (with its reason) and MalformedEvents record it instead.
            logger.error(
                "malformed SQS message dropped (reported as processed, not retried)",
                extra={"reason": str(error)},
            )
            metrics.add_metric(name="MalformedEvents", unit=MetricUnit.Count, value=1)
            return
        if events is None:
            _test_event_ignored()
            return
        processed = [_process(s3, config, item, request_id) for item in events]
        outcomes.extend(processed)
        failure = _failure_summary(processed)
        if failure:
            logger.error("SQS message reported for retry", extra={"reason": failure})
            raise ProcessingFailedError(failure)


def _handle_sqs(event: dict, config: Config, queue_arn: str | None, request_id: str | None) -> dict:
    """An SQS batch: each message on its own; the response names the messages to deliver again."""
    try:
        check_sqs_queue(SQSEvent(event), queue_arn)
    except MalformedEventError as error:
        _malformed_event(error)
        raise
    # Imported here, not at the top: the batch utility imports asyncio (~25 ms), which only the
    # cold start of an SQS-triggered function should pay.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    outcomes: list[Outcome] = []
    record_handler = functools.partial(_sqs_message, s3_client(config), config, request_id, outcomes)
    # When every message fails, report them all as batchItemFailures rather than failing the whole
    # invocation: the same retry path either way, and the function does not count as errored.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(event=event, record_handler=record_handler, processor=processor)
    _emit_outcomes(Counter(outcome.outcome for outcome in outcomes))
    return dict(response)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict, context: LambdaContext) -> dict:
    try:
        config = get_config()
        queue_arn = get_queue_arn()
    except ConfigError as error:
        logger.error("invalid configuration: nothing was processed", extra={"reason": str(error)})
        raise
    request_id = getattr(context, "aws_request_id", None)
    if is_sqs_event(event):
        return _handle_sqs(event, config, queue_arn, request_id)
    return _handle_direct(event, config, request_id)


# SnapStart's runtime hooks; the runtime runs them only for a SnapStart init (file_processor.snapstart).
SNAPSTART_HOOKS_REGISTERED = snapstart.register_hooks()
