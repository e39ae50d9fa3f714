"""The stand-in's translations, without a server: RPCv2 CBOR <-> AWS JSON, alarm states, EMF lines."""

from __future__ import annotations

import base64
import datetime
import io
import json

import cbor2
import pytest
from standin.alarms import LATE_DATAPOINT_GRACE_S, evaluate, period_values
from standin.cbor_protocol import (
    CborToJsonMiddleware,
    cbor_to_json_value,
    json_to_cbor_value,
    service_model,
)
from standin.patches import emf_metric_data, percentile

# --- CBOR --------------------------------------------------------------------------------------


def test_cbor_timestamps_and_blobs_become_the_json_protocols_epoch_seconds_and_base64():
    moment = datetime.datetime(2026, 12, 3, 9, 30, tzinfo=datetime.UTC)
    decoded = cbor2.loads(
        cbor2.dumps({"When": moment, "Data": b"\x00\x01", "N": [1, 2.5]}, datetime_as_timestamp=True)
    )

    assert cbor_to_json_value(decoded) == {"When": moment.timestamp(), "Data": "AAE=", "N": [1, 2.5]}


def test_a_describe_alarms_answer_is_encoded_with_cbor_timestamps_where_the_model_has_them():
    output = service_model("cloudwatch").operation_model("DescribeAlarms").output_shape
    answer = {"MetricAlarms": [{"AlarmName": "a", "StateUpdatedTimestamp": 1_764_754_200.5, "Threshold": 0}]}

    encoded = json_to_cbor_value(answer, output)

    [alarm] = encoded["MetricAlarms"]
    assert alarm["StateUpdatedTimestamp"] == cbor2.CBORTag(1, 1_764_754_200.5)
    assert alarm["Threshold"] == 0.0
    assert isinstance(alarm["Threshold"], float)  # a double in the model, so never a CBOR integer
    assert alarm["AlarmName"] == "a"


def test_iso_timestamps_from_moto_are_encoded_as_epoch_seconds():
    shape = service_model("cloudwatch").operation_model("DescribeAlarms").output_shape
    encoded = json_to_cbor_value({"MetricAlarms": [{"StateUpdatedTimestamp": "2026-12-03T09:30:00Z"}]}, shape)

    stamp = encoded["MetricAlarms"][0]["StateUpdatedTimestamp"]
    assert stamp.value == datetime.datetime(2026, 12, 3, 9, 30, tzinfo=datetime.UTC).timestamp()


def _call(middleware: CborToJsonMiddleware, path: str, body: bytes) -> tuple[str, dict, bytes]:
    environ = {
        "PATH_INFO": path,
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/cbor",
        "wsgi.input": io.BytesIO(body),
    }
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured.update(status=status, headers=dict(headers))

    payload = b"".join(middleware(environ, start_response))
    return captured["status"], captured["headers"], payload


def test_a_cbor_request_reaches_moto_as_its_json_request_and_the_answer_returns_as_cbor():
    seen = {}

    def moto(environ, start_response):
        seen.update(
            path=environ["PATH_INFO"],
            target=environ["HTTP_X_AMZ_TARGET"],
            content_type=environ["CONTENT_TYPE"],
            body=json.loads(environ["wsgi.input"].read()),
        )
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
        return [
            json.dumps({"MetricAlarms": [{"AlarmName": "errors", "StateUpdatedTimestamp": 100.0}]}).encode()
        ]

    request = cbor2.dumps({"AlarmNames": ["errors"], "MaxRecords": 5})
    status, headers, payload = _call(
        CborToJsonMiddleware(moto), "/service/GraniteServiceVersion20100801/operation/DescribeAlarms", request
    )

    assert seen == {
        "path": "/",
        "target": "GraniteServiceVersion20100801.DescribeAlarms",
        "content_type": "application/x-amz-json-1.0",
        "body": {"AlarmNames": ["errors"], "MaxRecords": 5},
    }
    assert status == "200 OK"
    assert headers["smithy-protocol"] == "rpc-v2-cbor"
    assert headers["Content-Type"] == "application/cbor"
    assert cbor2.loads(payload)["MetricAlarms"][0][
        "StateUpdatedTimestamp"
    ] == datetime.datetime.fromtimestamp(100.0, datetime.UTC)


def test_an_error_from_moto_keeps_its_status_and_type_in_cbor():
    def moto(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "application/x-amz-json-1.0")])
        return [json.dumps({"__type": "ResourceNotFound", "message": "no such alarm"}).encode()]

    status, _, payload = _call(
        CborToJsonMiddleware(moto),
        "/service/GraniteServiceVersion20100801/operation/DeleteAlarms",
        cbor2.dumps({}),
    )

    assert status.startswith("404")
    assert cbor2.loads(payload) == {"__type": "ResourceNotFound", "message": "no such alarm"}


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        (
            "/service/GraniteServiceVersion20100801/operation/NoSuchOperation",
            cbor2.dumps({}),
            "UnknownOperation",
        ),
        (
            "/service/GraniteServiceVersion20100801/operation/DescribeAlarms",
            b"\xff\x00not cbor",
            "Serialization",
        ),
        (
            "/service/GraniteServiceVersion20100801/operation/DescribeAlarms",
            cbor2.dumps([1, 2]),
            "Serialization",
        ),
    ],
)
def test_a_request_that_cannot_be_translated_is_refused_with_a_clear_cbor_error(path, body, error):
    def moto(environ, start_response):  # pragma: no cover - must not be reached
        raise AssertionError("an untranslatable request reached moto")

    status, _, payload = _call(CborToJsonMiddleware(moto), path, body)

    assert status.startswith("400")
    assert cbor2.loads(payload)["__type"].startswith(error)


def test_other_requests_pass_through_untouched():
    def moto(environ, start_response):
        start_response("200 OK", [])
        return [environ["PATH_INFO"].encode()]

    status, _, payload = _call(CborToJsonMiddleware(moto), "/2015-03-31/functions", b"")
    assert (status, payload) == ("200 OK", b"/2015-03-31/functions")


# --- alarm states ------------------------------------------------------------------------------

ALARM = {"ComparisonOperator": "GreaterThanThreshold", "Threshold": 0.0, "EvaluationPeriods": 1}


@pytest.mark.parametrize(
    ("treat", "values", "state"),
    [
        ("notBreaching", [None], "OK"),
        ("breaching", [None], "ALARM"),
        ("missing", [None], "INSUFFICIENT_DATA"),
        ("ignore", [None], None),
        ("notBreaching", [0.0], "OK"),
        ("notBreaching", [3.0], "ALARM"),
        ("missing", [3.0], "ALARM"),
    ],
)
def test_an_alarm_state_follows_the_data_and_the_missing_data_rule(treat, values, state):
    assert evaluate({**ALARM, "TreatMissingData": treat}, values).state == state


def test_datapoints_to_alarm_counts_breaching_periods_out_of_the_evaluated_ones():
    alarm = {**ALARM, "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "TreatMissingData": "notBreaching"}

    assert evaluate(alarm, [1.0, None, 0.0]).state == "OK"
    assert evaluate(alarm, [1.0, None, 2.0]).state == "ALARM"
    assert "2 of 3 datapoints [1, missing, 2]" in evaluate(alarm, [1.0, None, 2.0]).reason


# --- embedded metric format ---------------------------------------------------------------------


def test_an_emf_line_becomes_one_datum_per_metric_and_dimension_set():
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 1_764_754_200_000,
                "CloudWatchMetrics": [
                    {
                        "Namespace": "FileProcessor",
                        "Dimensions": [["service"], ["service", "outcome"]],
                        "Metrics": [{"Name": "Outcomes", "Unit": "Count"}],
                    }
                ],
            },
            "service": "file-processor",
            "outcome": "recorded",
            "Outcomes": [1, 2],
        }
    )

    data = emf_metric_data(line)

    assert [(namespace, datum["Dimensions"]) for namespace, datum in data] == [
        ("FileProcessor", [{"Name": "service", "Value": "file-processor"}]),
        (
            "FileProcessor",
            [{"Name": "service", "Value": "file-processor"}, {"Name": "outcome", "Value": "recorded"}],
        ),
    ]
    assert all(datum["Values"] == [1.0, 2.0] and datum["Unit"] == "Count" for _, datum in data)
    # naive UTC, as moto keeps the time of every datum put without one
    assert data[0][1]["Timestamp"] == datetime.datetime.fromtimestamp(1_764_754_200, datetime.UTC).replace(
        tzinfo=None
    )


@pytest.mark.parametrize(
    "line",
    [
        "plain text",
        json.dumps({"message": "no _aws key"}),
        json.dumps([1, 2]),
        json.dumps(
            {
                "_aws": {
                    "CloudWatchMetrics": [
                        {"Namespace": "N", "Dimensions": [["gone"]], "Metrics": [{"Name": "M"}]}
                    ]
                },
                "M": 1,
            }
        ),
        base64.b64encode(b"binary").decode(),
    ],
)
def test_lines_that_are_not_complete_emf_declare_no_metric(line):
    assert emf_metric_data(line) == []


class RecordingCloudWatch:
    """Answers GetMetricStatistics with nothing and keeps the window it was asked for."""

    def __init__(self) -> None:
        self.asked: dict = {}

    def get_metric_statistics(self, **request: object) -> dict:
        self.asked = request
        return {"Datapoints": []}


@pytest.mark.parametrize(
    ("second", "newest_start"),
    [(2, "12:00:00"), (4, "12:00:00"), (5, "12:01:00"), (59, "12:01:00")],
)
def test_a_period_stays_the_newest_for_a_few_seconds_after_it_ends(second: int, newest_start: str):
    """A datapoint put at 12:00:59 is still evaluated at 12:01:02 (CloudWatch evaluates a period
    once it is over; the stand-in evaluates the open one, and the ended one for a grace period)."""
    client = RecordingCloudWatch()
    now = datetime.datetime(2026, 12, 4, 12, 1, second, tzinfo=datetime.UTC)

    alarm = {**ALARM, "Namespace": "N", "MetricName": "M", "Statistic": "Sum", "Period": 60}
    values = period_values(client, alarm, now)

    assert values == [None]
    assert client.asked["StartTime"].strftime("%H:%M:%S") == newest_start
    assert (second < LATE_DATAPOINT_GRACE_S) == (newest_start == "12:00:00")


@pytest.mark.parametrize(
    ("values", "name", "expected"),
    [
        ([], "p99", None),
        ([7.0], "p99", 7.0),
        ([float(v) for v in range(1, 101)], "p99", 99.0),
        ([float(v) for v in range(1, 101)], "p50", 50.0),
        ([float(v) for v in range(1, 1001)], "p99.9", 999.0),
        ([3.0, 1.0, 2.0], "p100", 3.0),
    ],
)
def test_a_percentile_is_the_nearest_rank_of_the_periods_values(values, name, expected):
    assert percentile(values, name) == expected
