"""The two other trigger modes (modules/function trigger_mode), each applied to the first region of
the deployed local environment and run end to end: an upload becomes the same record as in mode
"s3"; bad input ends on its defined path; what cannot be processed ends in the failure queue. The
region goes back to its env.hcl mode ("s3") at the end, and a plan then shows no change.

The services between bucket and function are standin/event_sources.py, with the queue, key and
function policies evaluated as in AWS; switching modes is a real apply of every unit of the region.
"""

from __future__ import annotations

import json

import pytest
import soak
from stack_helpers import REGION, no_changes_in_every_unit, outcomes, stack
from standin.alarms import wait_for_state
from standin.local_lambda import LocalLambdaService, RunnerError, process_new_objects

from file_processor.keys import ObjectRef, results_key

pytestmark = pytest.mark.slow

BODY = b'{"the": "same bytes in every mode"}\n'
# Spaces, "+", "%" and non-ASCII: how each path encodes a key is where modes differ.
AWKWARD = "modes/{mode} a b+c%ü.json"


# The least age thresholds the module accepts (SQS publishes a queue's age once a minute), so the
# age alarms can be seen firing within a test; the mode's apply sets them, going back restores them.
LOW_AGE_THRESHOLDS = "{ trigger_queue_oldest_age_seconds = 60, failure_queue_oldest_age_seconds = 60 }"
# The soak scenarios this file runs in each mode (tests/e2e/test_05_soak.py runs all of them in s3
# mode): S3 faults, duplicates, objects changed while read, invocations killed at their timeout.
SOAK_SCENARIOS = ["healthy", "slowdown", "reset", "duplicates", "overwrite", "timeout"]
SOAK_OBJECTS = 10  # with seed 7 the overwrite scenario changes objects in both modes (2 and 4)


def apply_mode(local_stack, mode: str | None, **variables: str) -> None:
    """Apply the region with trigger_mode ``mode`` (None: its env.hcl value) and any other module
    ``variables`` (TF_VAR_<name>), then re-read outputs."""
    extra_env = {"TF_VAR_trigger_mode": mode} if mode else {}
    extra_env |= {f"TF_VAR_{name}": value for name, value in variables.items()}
    local_stack.run_all("apply", region=REGION, extra_env=extra_env)
    local_stack.read_outputs()


def short_soak(local_stack, mode: str) -> dict:
    """The short soak (scripts/soak.py, as in test_05_soak.py) in the mode the region is in now."""
    deployed = soak.deployed_stack(local_stack.standin, REGION, mode, local_stack.env_vars)
    reports = soak.soak(deployed, SOAK_SCENARIOS, objects=SOAK_OBJECTS, concurrency=2, seed=7, max_mib=1)
    soak.print_table(reports)
    return {report.name: report for report in reports}


def assert_nothing_lost(reports: dict) -> None:
    assert {name: report.problems for name, report in reports.items()} == {
        name: [] for name in SOAK_SCENARIOS
    }
    # A reset mid-body may exhaust an event's attempts: then it is routed, not lost.
    plain = ["healthy", "slowdown", "reset", "duplicates"]
    assert {name: reports[name].records + reports[name].failures_routed for name in plain} == {
        name: SOAK_OBJECTS for name in plain
    }
    assert reports["slowdown"].s3_faults_injected.get("slowdown", 0) > 0
    assert reports["reset"].s3_faults_injected.get("reset", 0) > 0
    # Overwritten objects added versions, each with its record (soak.check: or deleted while read).
    assert reports["overwrite"].versions > SOAK_OBJECTS
    # Every attempt killed mid-object: routed to the failure queue, alarms, then redriven and recorded.
    timeout = reports["timeout"]
    assert (timeout.objects, timeout.failures_routed, timeout.records) == (6, 6, 6)
    assert set(timeout.alarms.values()) == {"ALARM"}


def dashboard_metrics(local_stack, namespace: str) -> set[tuple[str, tuple]]:
    """(metric, dimensions) of ``namespace`` on the function's dashboard."""
    cloudwatch = local_stack.client("cloudwatch")
    name = local_stack.outputs["function"]["dashboard_name"]
    body = json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])
    found = set()
    for widget in body["widgets"]:
        for metric in widget["properties"].get("metrics", []):
            if metric[0] == namespace:
                plain = [part for part in metric[2:] if not isinstance(part, dict)]
                found.add((metric[1], tuple(zip(plain[::2], plain[1::2], strict=True))))
    return found


def emitted_metrics(local_stack, namespace: str) -> set[tuple[str, tuple]]:
    cloudwatch = local_stack.client("cloudwatch")
    return {
        (metric["MetricName"], tuple((d["Name"], d["Value"]) for d in metric["Dimensions"]))
        for page in cloudwatch.get_paginator("list_metrics").paginate(Namespace=namespace)
        for metric in page["Metrics"]
    }


def essentials(record: dict) -> dict:
    """What a record says about the object, without what differs per upload (time, version, key)."""
    return {
        "type": record["type"],
        "sha256": record["sha256"],
        "size": record["object"]["size"],
        "contentType": record["object"]["contentType"],
        "eventName": record["source"]["eventName"],
        "versionMatches": record["source"]["versionId"] == record["object"]["versionId"],
        "hasSequencer": record["source"]["sequencer"] is not None,
        "encryption": record["object"]["encryption"]["algorithm"],
    }


def record_of(local_stack, key: str) -> dict:
    """The record of the newest version of ``key`` (its results key, src/file_processor/keys.py)."""
    buckets = local_stack.outputs["buckets"]
    function = local_stack.outputs["function"]
    head = local_stack.client("s3").head_object(Bucket=buckets["trigger_bucket_name"], Key=key)
    ref = ObjectRef(buckets["trigger_bucket_name"], key, head["ETag"], head.get("VersionId"))
    return local_stack.read_json(buckets["results_bucket_name"], results_key(function["results_prefix"], ref))


def upload(local_stack, key: str, body: bytes = BODY) -> None:
    bucket = local_stack.outputs["buckets"]["trigger_bucket_name"]
    local_stack.client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def peek_messages(sqs, queue_url: str) -> list[dict]:
    """Receive what a queue holds and leave it there (visible again at once)."""
    return sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
    ).get("Messages", [])


def queue_messages(sqs, queue_url: str) -> list[dict]:
    """Receive (and delete) everything in a queue."""
    found = []
    while batch := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        found.extend(batch)
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


@pytest.fixture(scope="module")
def s3_mode_record(local_stack) -> dict:
    """The record mode "s3" (the deployed default) writes for BODY. The failure queue starts empty;
    a region some failed test left in another mode goes back to its own at the end."""
    if not local_stack.outputs:  # this file alone
        local_stack.read_outputs()
    function = local_stack.outputs["function"]
    queue_messages(local_stack.client("sqs"), function["failure_queue_url"])
    key = AWKWARD.format(mode="s3")
    upload(local_stack, key)
    assert outcomes(local_stack.process([key])) == ["recorded"]
    yield essentials(record_of(local_stack, key))
    if local_stack.outputs["function"]["trigger_mode"] != "s3":
        apply_mode(local_stack, None)


def test_in_eventbridge_mode_a_rule_delivers_the_upload_into_the_same_record(local_stack, s3_mode_record):
    # The same apply turns SnapStart on for the Python function (env.hcl's snapstart_enabled), to
    # prove it without an apply of its own: see the next test.
    apply_mode(local_stack, "eventbridge", snapstart_enabled="true")
    function = local_stack.outputs["function"]
    assert function["trigger_mode"] == "eventbridge"
    key = AWKWARD.format(mode="eventbridge")
    upload(local_stack, key)

    [result] = local_stack.process([key])

    assert result["rule"].endswith(f":rule/{function['trigger_rule_name']}")
    assert result["invocation"].succeeded, result["invocation"].attempts
    assert outcomes([result]) == ["recorded"]
    record = record_of(local_stack, key)
    assert record["source"]["key"] == key
    assert essentials(record) == s3_mode_record
    # The bucket no longer invokes the function itself: only the rule may.
    policy = json.loads(
        local_stack.client("lambda").get_policy(FunctionName=function["function_name"], Qualifier="live")[
            "Policy"
        ]
    )
    assert [statement["Principal"]["Service"] for statement in policy["Statement"]] == [
        "events.amazonaws.com"
    ]


def log_message(line: str) -> str:
    """The "message" of a JSON log line (Powertools), else the line itself."""
    try:
        return json.loads(line).get("message", line)
    except (ValueError, AttributeError):
        return line


def test_with_snapstart_on_the_python_functions_hooks_prime_before_the_snapshot_and_run_after_restore(
    local_stack,
):
    """Python SnapStart (applied by the test before): Lambda has it on for published versions; the
    runtime runs the handler's before-snapshot hook (priming) and after-restore hook (the S3 client)
    at init, and the upload above was processed by that environment (its logs say so)."""
    function = local_stack.outputs["function"]
    config = local_stack.client("lambda").get_function_configuration(
        FunctionName=function["function_name"], Qualifier="live"
    )
    assert config["Runtime"].startswith("python")
    assert config["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    logs = local_stack.client("logs")
    events = logs.filter_log_events(logGroupName=function["log_group_name"], filterPattern="SnapStart")[
        "events"
    ]
    messages = {log_message(event["message"]) for event in events}
    assert "SnapStart primed before the snapshot" in messages, messages
    assert "SnapStart restore: S3 client created" in messages, messages


def test_in_eventbridge_mode_a_malformed_object_created_event_ends_in_the_failure_queue(local_stack):
    """An event the rule matches but the handler cannot read (no ETag, a size that is no number):
    the invocation fails before anything is read, Lambda retries, and the whole invocation record
    lands in the failure queue with the handler's reason."""
    from standin import event_sources

    function = local_stack.outputs["function"]
    key = AWKWARD.format(mode="eventbridge malformed")
    upload(local_stack, key)
    with LocalLambdaService(local_stack.endpoint, REGION) as service:
        event = event_sources.object_created_event(service, function["trigger_bucket_name"], key)
        del event["detail"]["object"]["etag"]
        event["detail"]["object"]["size"] = "big"
        [delivery] = event_sources.deliver_to_eventbridge(service, event)

    assert delivery.dead_letter_queue is None  # delivered: the failure is the function's
    invocation = delivery.invocation
    assert len(invocation.attempts) == 3
    assert not invocation.succeeded
    assert invocation.attempts[-1]["errorType"] == "MalformedEventError"
    [message] = queue_messages(local_stack.client("sqs"), function["failure_queue_url"])
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["responsePayload"]["errorType"] == "MalformedEventError"
    assert record["requestPayload"]["detail"]["object"]["size"] == "big"


def test_in_eventbridge_mode_a_short_soak_loses_nothing_healthy_or_under_faults(local_stack):
    """Objects with awkward keys, healthy, with S3 throttling and connection resets, every event
    delivered twice at once, objects changed while read and invocations killed at their timeout:
    one whole record per object version or its failure routed, no duplicate. Before the test
    that removes the rule's invoke permission (only the next apply puts it back)."""
    reports = short_soak(local_stack, "eventbridge")

    assert_nothing_lost(reports)
    assert reports["duplicates"].outcomes == {"recorded": SOAK_OBJECTS, "already_recorded": SOAK_OBJECTS}
    # Lambda's two retries of each event, every one killed at the timeout.
    assert reports["timeout"].lambda_retries == 6 * 2
    assert reports["timeout"].failure_reasons == {
        f"Task timed out after {soak.TIMEOUT_SCENARIO_TIMEOUT_S:.2f} seconds": 6
    }


def test_in_eventbridge_mode_an_event_the_rule_cannot_deliver_ends_in_the_failure_queue(local_stack):
    """With the rule's invoke permission gone, EventBridge retries, then sends the event to the
    target's dead-letter queue (the failure queue, whose policy admits only this rule) with its
    reason, and the rule-delivery-failures alarm fires. The next apply puts the permission back."""
    function = local_stack.outputs["function"]
    lambda_client, sqs = local_stack.client("lambda"), local_stack.client("sqs")
    lambda_client.remove_permission(
        FunctionName=function["function_name"],
        StatementId="AllowInvokeFromObjectCreatedRule",
        Qualifier="live",
    )
    key = AWKWARD.format(mode="eventbridge undeliverable")
    upload(local_stack, key)

    [result] = local_stack.process([key])

    delivery = result["delivery"]
    assert result["invocation"] is None
    assert delivery.attempts == 1 + 185  # the module's default retry policy
    assert delivery.dead_letter_queue == function["failure_queue_arn"]
    [message] = queue_messages(sqs, function["failure_queue_url"])
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == result["rule"]
    assert attributes["TARGET_ARN"].endswith(f":function:{function['function_name']}:live")
    assert "events.amazonaws.com may not invoke" in attributes["ERROR_MESSAGE"]
    assert (
        json.loads(message["Body"])["detail"]["object"]["key"]
        == "modes/eventbridge+undeliverable+a+b%2Bc%25%C3%BC.json"
    )
    fired = wait_for_state(
        local_stack.client("cloudwatch"), f"{function['function_name']}-rule-delivery-failures", "ALARM"
    )
    assert fired["StateValue"] == "ALARM", fired
    # The dashboard's rule widget shows what the rule did, each metric one EventBridge emitted.
    on_dashboard = dashboard_metrics(local_stack, "AWS/Events")
    assert {metric for metric, _ in on_dashboard} == {
        "Invocations",
        "FailedInvocations",
        "InvocationsSentToDlq",
    }
    assert on_dashboard <= emitted_metrics(local_stack, "AWS/Events")


def test_in_sqs_mode_batches_give_the_same_records_and_bad_messages_never_block_a_batch(
    local_stack, s3_mode_record
):
    apply_mode(local_stack, "sqs", alarm_thresholds=LOW_AGE_THRESHOLDS)
    function = local_stack.outputs["function"]
    assert function["trigger_mode"] == "sqs"
    sqs = local_stack.client("sqs")
    # A message that is no S3 event, beside the s3:TestEvent S3 sent when the queue was configured.
    sqs.send_message(QueueUrl=function["trigger_queue_url"], MessageBody="not an S3 event {")
    keys = [AWKWARD.format(mode="sqs")] + [f"modes/sqs/file {index:02d}.txt" for index in range(11)]
    for key in keys:
        upload(local_stack, key)

    results = local_stack.process(keys)

    batches = [result["batch"] for result in results]
    assert all(batch.reply["ok"] and not batch.failed_ids for batch in batches), batches
    delivered = sum(len(batch.message_ids) for batch in batches)
    assert delivered == len(keys) + 2  # every upload, the test event and the bad message
    assert max(len(batch.message_ids) for batch in batches) == 10  # sqs_trigger.batch_size
    assert essentials(record_of(local_stack, keys[0])) == s3_mode_record
    assert record_of(local_stack, keys[0])["source"]["key"] == keys[0]
    for key in keys[1:]:
        assert record_of(local_stack, key)["source"]["key"] == key
    attributes = sqs.get_queue_attributes(QueueUrl=function["trigger_queue_url"], AttributeNames=["All"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert queue_messages(sqs, function["failure_queue_url"]) == []  # dropped, not redriven
    trigger_queue = ("QueueName", function["trigger_queue_url"].rsplit("/", 1)[1])
    on_dashboard = {entry for entry in dashboard_metrics(local_stack, "AWS/SQS") if trigger_queue in entry[1]}
    assert {metric for metric, _ in on_dashboard} == {
        "ApproximateNumberOfMessagesVisible",
        "ApproximateAgeOfOldestMessage",
    }
    assert on_dashboard <= emitted_metrics(local_stack, "AWS/SQS")


def test_in_sqs_mode_a_short_soak_loses_nothing_healthy_or_under_faults(local_stack):
    """The same bursts and faults through the queue and the event source mapping's batches."""
    reports = short_soak(local_stack, "sqs")

    assert_nothing_lost(reports)
    assert all(reports[name].failures_routed == 0 for name in ("healthy", "slowdown", "duplicates"))
    # A batch killed at the timeout comes back whole; each message is received max_receive_count
    # (5) times, then the queue moves it to the failure queue (a message that shared its batch, such
    # as S3's s3:TestEvent, may be retried with it, so at least).
    assert reports["timeout"].lambda_retries >= 6 * 4
    assert reports["timeout"].failure_reasons == {
        "not processed within the trigger queue's maxReceiveCount receives (redrive)": 6
    }


def test_in_sqs_mode_a_message_that_keeps_failing_moves_to_the_failure_queue(local_stack):
    """With the function stopped (reserved concurrency 0) every delivery is throttled; after
    max_receive_count (5) receives SQS moves the message to the failure queue, the redrive queue."""
    function = local_stack.outputs["function"]
    lambda_client, sqs = local_stack.client("lambda"), local_stack.client("sqs")
    reserved = lambda_client.get_function_concurrency(FunctionName=function["function_name"])[
        "ReservedConcurrentExecutions"
    ]
    key = "modes/sqs/while stopped.txt"
    upload(local_stack, key)
    lambda_client.put_function_concurrency(
        FunctionName=function["function_name"], ReservedConcurrentExecutions=0
    )
    try:
        results = local_stack.process([key])
    finally:
        lambda_client.put_function_concurrency(
            FunctionName=function["function_name"], ReservedConcurrentExecutions=reserved
        )

    assert len(results) == 5, [result["batch"] for result in results]
    assert all(result["batch"].reply["errorType"] == "TooManyRequestsException" for result in results)
    [message] = peek_messages(sqs, function["failure_queue_url"])  # left for the age alarm's test
    [record] = json.loads(message["Body"])["Records"]
    assert record["s3"]["object"]["key"] == "modes/sqs/while+stopped.txt"


def test_in_sqs_mode_events_left_waiting_set_off_both_queue_age_alarms(local_stack):
    """An upload's event nobody consumes for over a minute sets off trigger-queue-oldest-age (the
    function falls behind); the failed event of the test before, not replayed, sets off
    failure-queue-oldest-age. Thresholds are 60 s here (LOW_AGE_THRESHOLDS), 300 s by default."""
    from standin import event_sources

    function = local_stack.outputs["function"]
    sqs, cloudwatch = local_stack.client("sqs"), local_stack.client("cloudwatch")
    assert len(peek_messages(sqs, function["failure_queue_url"])) == 1
    key = "modes/sqs/left waiting.txt"
    upload(local_stack, key)
    with LocalLambdaService(local_stack.endpoint, REGION) as service:
        configuration = service.s3.get_bucket_notification_configuration(
            Bucket=function["trigger_bucket_name"]
        )
        [queue] = event_sources.queue_notifications(configuration)
        event_sources.send_to_queue(service, function["trigger_bucket_name"], key, queue)  # S3's part only

        waited = {
            alarm: wait_for_state(cloudwatch, f"{function['function_name']}-{alarm}", "ALARM", timeout_s=180)
            for alarm in ("trigger-queue-oldest-age", "failure-queue-oldest-age")
        }
        # Consumed late, the event still becomes the upload's record; the failed event is dismissed.
        [batch] = event_sources.poll_event_source_mappings(service, queue.queue_arn)

    for alarm, state in waited.items():
        assert state["StateValue"] == "ALARM", (alarm, state)
        assert state["Threshold"] == 60, (alarm, state)
    assert batch.reply["ok"], batch
    assert not batch.failed_ids, batch
    assert record_of(local_stack, key)["source"]["key"] == key
    assert len(queue_messages(sqs, function["failure_queue_url"])) == 1


def test_the_queue_accepts_events_from_the_trigger_bucket_only(local_stack):
    """The trigger queue's policy (aws:SourceArn + aws:SourceAccount): S3 sending for another bucket
    is refused, as S3 would be in AWS."""
    from standin import event_sources

    function = local_stack.outputs["function"]
    other = local_stack.outputs["buckets"]["results_bucket_name"]
    key = "modes/sqs/in another bucket.txt"
    local_stack.client("s3").put_object(Bucket=other, Key=f"records/{key}", Body=b"x")
    target = event_sources.QueueNotification(
        "rogue", function["trigger_queue_arn"], ("s3:ObjectCreated:*",), "", ""
    )
    with LocalLambdaService(local_stack.endpoint, REGION) as service, pytest.raises(RunnerError) as refused:
        event_sources.send_to_queue(service, other, f"records/{key}", target)
    assert "AccessDenied" in str(refused.value)


def test_back_in_s3_mode_the_region_plans_no_changes(local_stack, s3_mode_record):
    apply_mode(local_stack, None)
    assert local_stack.outputs["function"]["trigger_mode"] == "s3"
    key = AWKWARD.format(mode="s3 again")
    upload(local_stack, key)
    assert outcomes(local_stack.process([key])) == ["recorded"]
    assert essentials(record_of(local_stack, key)) == s3_mode_record

    local_stack.run_all("plan", region=REGION)
    log = (stack.REPORTS / f"local-{REGION}-plan.log").read_text(encoding="utf-8")
    no_changes_in_every_unit(log, REGION)


def test_process_new_objects_refuses_a_bucket_without_any_notification(local_stack):
    bucket = local_stack.outputs["buckets"]["results_bucket_name"]
    with LocalLambdaService(local_stack.endpoint, REGION) as service, pytest.raises(RunnerError):
        process_new_objects(service, bucket, ["anything"])
