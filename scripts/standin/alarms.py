"""CloudWatch's alarm evaluation, played by the stand-in: moto stores alarms but never evaluates them.

The same loop also publishes what SQS publishes to CloudWatch for every queue (visible and in-flight
messages, age of the oldest), which moto does not, so an alarm on a failure queue sees real data.

Every few seconds the evaluator reads every metric alarm (DescribeAlarms) and the data of its
metric (GetMetricStatistics), through the CloudWatch API of the stand-in itself, decides the state
the way CloudWatch does, and when it changes, sets it (SetAlarmState, with a reason) and runs the
alarm's actions: each SNS topic among them gets CloudWatch's alarm notification, published as the
``cloudwatch.amazonaws.com`` service principal, so the topic policy has to allow it.

How a state is decided (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
AlarmThatSendsEmail.html#alarm-evaluation):

- the last ``EvaluationPeriods`` periods of ``Period`` seconds, the newest being the current one
  (or, for the first seconds of a period, the one that just ended: ``LATE_DATAPOINT_GRACE_S``);
- a period's datapoint is the alarm's statistic over it, or missing;
- missing datapoints count as ``TreatMissingData`` says: ``breaching``, ``notBreaching``,
  ``ignore`` (the state stays) or ``missing`` (no datapoint at all gives INSUFFICIENT_DATA);
- ALARM when at least ``DatapointsToAlarm`` (default: all) periods breach, else OK.

Differences from CloudWatch, on purpose: the current, still-open period is evaluated at once (a
test need not wait for a period to end), and alarms on metric math are left as they are (logged);
this project's alarms use none. Percentiles (``ExtendedStatistic``) are evaluated from the
period's values (standin/patches.py adds them to GetMetricStatistics).
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("standin.alarms")

# SQS publishes its queue metrics every minute; the stand-in every few seconds, so tests need not wait.
QUEUE_METRICS_INTERVAL_S = 5.0

COMPARISONS = {
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}


@dataclass(frozen=True)
class Evaluation:
    state: str | None  # None: leave the state as it is
    reason: str
    datapoints: list[float | None]


def evaluate(alarm: dict, values: list[float | None]) -> Evaluation:
    """The state of ``alarm`` given one value (or None) per evaluation period, oldest first."""
    compare = COMPARISONS[alarm["ComparisonOperator"]]
    threshold = float(alarm["Threshold"])
    treat = alarm.get("TreatMissingData") or "missing"
    needed = int(alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"])
    present = [value for value in values if value is not None]
    shown = ", ".join("missing" if value is None else f"{value:g}" for value in values)
    if not present and treat == "missing":
        return Evaluation("INSUFFICIENT_DATA", f"no datapoints in the last {len(values)} periods", values)
    if not present and treat == "ignore":
        return Evaluation(None, "no datapoints; missing data is ignored", values)
    breaching = sum(
        1
        for value in values
        if (value is None and treat == "breaching") or (value is not None and compare(value, threshold))
    )
    operator = alarm["ComparisonOperator"]
    counted = f"{breaching} of {len(values)} datapoints [{shown}] were {operator} {threshold:g}"
    if breaching >= needed:
        return Evaluation("ALARM", f"Threshold Crossed: {counted}", values)
    return Evaluation("OK", f"Threshold not crossed: {counted}", values)


# Longer than the evaluator's round (AlarmEvaluator.interval_s).
LATE_DATAPOINT_GRACE_S = 5


def period_values(client: Any, alarm: dict, now: datetime.datetime) -> list[float | None]:
    """The alarm's statistic per evaluation period, oldest first; None where a period has no data."""
    period = int(alarm["Period"])
    periods = int(alarm["EvaluationPeriods"])
    # A period stays the newest for a few seconds after it ends, as CloudWatch evaluates a period
    # once it is over: a datapoint put just before a boundary is still seen by the next round.
    epoch = int(now.timestamp()) - min(LATE_DATAPOINT_GRACE_S, period // 2)
    newest_start = epoch - epoch % period
    starts = [newest_start - period * index for index in range(periods - 1, -1, -1)]
    percentile = alarm.get("ExtendedStatistic")
    statistic = percentile or alarm["Statistic"]
    response = client.get_metric_statistics(
        Namespace=alarm["Namespace"],
        MetricName=alarm["MetricName"],
        Dimensions=alarm.get("Dimensions", []),
        StartTime=datetime.datetime.fromtimestamp(starts[0], datetime.UTC),
        EndTime=datetime.datetime.fromtimestamp(newest_start + period, datetime.UTC),
        Period=period,
        **({"ExtendedStatistics": [percentile]} if percentile else {"Statistics": [statistic]}),
    )
    by_start: dict[int, float] = {}
    for point in response["Datapoints"]:
        value = point.get("ExtendedStatistics", {}).get(statistic) if percentile else point.get(statistic)
        if value is None:
            continue
        stamp = int(point["Timestamp"].timestamp())
        by_start[stamp - stamp % period] = float(value)
    return [by_start.get(start) for start in starts]


class AlarmEvaluator:
    """Evaluates every metric alarm of every region the stand-in has seen, on a timer."""

    def __init__(self, account_id: str, endpoint: str, ca_bundle: str, interval_s: float = 2.0) -> None:
        self.account_id = account_id
        self.endpoint = endpoint
        self.ca_bundle = ca_bundle
        self.interval_s = interval_s
        self._stop = threading.Event()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="standin-alarms", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        published = 0.0
        while not self._stop.wait(self.interval_s):
            if time.monotonic() - published >= QUEUE_METRICS_INTERVAL_S:
                published = time.monotonic()
                try:
                    publish_queue_metrics(self.account_id)
                except Exception:  # keep evaluating; the log says what went wrong
                    log.exception("publishing the SQS metrics failed")
            for region in self._regions():
                try:
                    self.evaluate_region(region)
                except Exception:  # keep evaluating; the log says what went wrong
                    log.exception("alarm evaluation in %s failed", region)

    def _regions(self) -> list[str]:
        from moto.cloudwatch.models import cloudwatch_backends

        backends = cloudwatch_backends[self.account_id]
        # Only the regions something was created in (iterating does not create the others).
        return [region for region, backend in list(backends.items()) if backend.alarms]

    def _client(self, service: str, region: str, **kwargs: Any) -> Any:
        import boto3

        from standin.server import STANDIN_ENV

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            verify=self.ca_bundle,
            aws_access_key_id=kwargs.pop("access_key", STANDIN_ENV["AWS_ACCESS_KEY_ID"]),
            aws_secret_access_key=kwargs.pop("secret_key", STANDIN_ENV["AWS_SECRET_ACCESS_KEY"]),
        )

    def evaluate_region(self, region: str) -> None:
        cloudwatch = self._client("cloudwatch", region)
        now = datetime.datetime.now(datetime.UTC)
        for alarm in cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm"])["MetricAlarms"]:
            if "MetricName" not in alarm:
                log.info("alarm %s uses metric math: not evaluated", alarm["AlarmName"])
                continue
            try:
                self.evaluate_alarm(cloudwatch, region, alarm, now)
            except Exception:  # one alarm that cannot be evaluated must not stop the others
                log.exception("alarm %s could not be evaluated", alarm["AlarmName"])

    def evaluate_alarm(self, cloudwatch: Any, region: str, alarm: dict, now: datetime.datetime) -> None:
        evaluation = evaluate(alarm, period_values(cloudwatch, alarm, now))
        if evaluation.state is None or evaluation.state == alarm["StateValue"]:
            return
        reason_data = {
            "version": "1.0",
            "queryDate": now.isoformat(),
            "statistic": alarm.get("Statistic") or alarm.get("ExtendedStatistic"),
            "period": alarm["Period"],
            "recentDatapoints": [value for value in evaluation.datapoints if value is not None],
            "threshold": alarm["Threshold"],
            "evaluatedDatapoints": len(evaluation.datapoints),
        }
        cloudwatch.set_alarm_state(
            AlarmName=alarm["AlarmName"],
            StateValue=evaluation.state,
            StateReason=evaluation.reason,
            StateReasonData=json.dumps(reason_data),
        )
        log.info(
            "%s: %s -> %s (%s)",
            alarm["AlarmName"],
            alarm["StateValue"],
            evaluation.state,
            evaluation.reason,
        )
        self._notify(region, alarm, evaluation, now)

    def _notify(self, region: str, alarm: dict, evaluation: Evaluation, now: datetime.datetime) -> None:
        if not alarm.get("ActionsEnabled", True):
            return
        actions = {
            "ALARM": alarm.get("AlarmActions", []),
            "OK": alarm.get("OKActions", []),
            "INSUFFICIENT_DATA": alarm.get("InsufficientDataActions", []),
        }[evaluation.state]
        topics = [action for action in actions if action.startswith("arn:aws:sns:")]
        if not topics:
            return
        from standin.authorization import SERVICE_SECRET, SOURCE_ACCOUNT_HEADER, SOURCE_ARN_HEADER

        sns = self._client("sns", region, access_key="STANDINSERVICECLOUDWATCH", secret_key=SERVICE_SECRET)

        def add_source(request: Any, **_: Any) -> None:
            request.headers[SOURCE_ARN_HEADER] = alarm["AlarmArn"]
            request.headers[SOURCE_ACCOUNT_HEADER] = self.account_id

        sns.meta.events.register("before-sign.sns.Publish", add_source)
        message = {
            "AlarmName": alarm["AlarmName"],
            "AlarmDescription": alarm.get("AlarmDescription"),
            "AWSAccountId": self.account_id,
            "NewStateValue": evaluation.state,
            "NewStateReason": evaluation.reason,
            "StateChangeTime": now.isoformat(),
            "Region": region,
            "AlarmArn": alarm["AlarmArn"],
            "OldStateValue": alarm["StateValue"],
            "Trigger": {
                "MetricName": alarm["MetricName"],
                "Namespace": alarm["Namespace"],
                "Statistic": alarm.get("Statistic") or alarm.get("ExtendedStatistic"),
                "Dimensions": [{"name": d["Name"], "value": d["Value"]} for d in alarm.get("Dimensions", [])],
                "Period": alarm["Period"],
                "EvaluationPeriods": alarm["EvaluationPeriods"],
                "ComparisonOperator": alarm["ComparisonOperator"],
                "Threshold": alarm["Threshold"],
                "TreatMissingData": alarm.get("TreatMissingData", "missing"),
            },
        }
        subject = f'{evaluation.state}: "{alarm["AlarmName"]}" in {region}'[:100]
        for topic in topics:
            try:
                sns.publish(TopicArn=topic, Subject=subject, Message=json.dumps(message))
            except Exception:  # CloudWatch records a failed action in the alarm's history; we log it
                log.exception("alarm %s could not publish to %s", alarm["AlarmName"], topic)


def publish_queue_metrics(account_id: str) -> None:
    """What SQS publishes for every queue (AWS/SQS, dimension QueueName): here on every round
    instead of every minute, from the stand-in's queues."""
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.sqs.models import sqs_backends

    now_ms = time.time() * 1000
    for region, backend in list(sqs_backends[account_id].items()):
        data = []
        for name, queue in list(backend.queues.items()):
            sent = [message.sent_timestamp for message in queue._messages if message.sent_timestamp]
            oldest_s = (now_ms - min(sent)) / 1000 if sent else 0.0
            dimensions = [{"Name": "QueueName", "Value": name}]
            data += [
                {"MetricName": metric, "Dimensions": dimensions, "Value": float(value), "Unit": unit}
                for metric, value, unit in (
                    ("ApproximateNumberOfMessagesVisible", queue.approximate_number_of_messages, "Count"),
                    (
                        "ApproximateNumberOfMessagesNotVisible",
                        queue.approximate_number_of_messages_not_visible,
                        "Count",
                    ),
                    ("ApproximateAgeOfOldestMessage", oldest_s, "Seconds"),
                )
            ]
        if data:
            cloudwatch_backends[account_id][region].put_metric_data("AWS/SQS", data)


def wait_for_state(client: Any, alarm_name: str, state: str, timeout_s: float = 60) -> dict:
    """Poll DescribeAlarms until the alarm is in ``state`` (tests and the rollout gate)."""
    deadline = time.monotonic() + timeout_s
    while True:
        [alarm] = client.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
        if alarm["StateValue"] == state or time.monotonic() >= deadline:
            return alarm
        time.sleep(0.5)
