"""Both local regions deployed by the demo through the real Terragrunt, OpenTofu and AWS provider on
the stand-in, with everything prod has: Deny statements applied over TLS, alarms, the logging
configuration, the function's role enforced. A dropped file is processed into its record, and
Terragrunt 0.x plans what 1.x applied with no changes."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from stack_helpers import (
    DEMO_LOG,
    ENV,
    REGIONS,
    UNITS,
    V0,
    VECTORS,
    no_changes_in_every_unit,
    outcomes,
    stack,
)

pytestmark = pytest.mark.slow


def test_the_demo_deployed_each_region_in_dependency_order_and_recorded_its_sample(local_stack):
    log = DEMO_LOG.read_text(encoding="utf-8")
    assert "incoming/quarterly report.pdf: recorded" in log
    timings = {timing.unit: timing for timing in stack.read_report(stack.REPORTS / f"{ENV}-apply.json")}

    assert {unit: timing.result for unit, timing in timings.items()} == {
        f"{region}/{unit}": "succeeded" for region in REGIONS for unit in UNITS
    }
    for region in REGIONS:
        at = {unit: timings[f"{region}/{unit}"] for unit in UNITS}
        assert at["buckets"].ended <= at["iam"].started
        assert at["buckets"].ended <= at["layer"].started
        assert at["buckets"].ended <= at["network"].started
        assert max(at["iam"].ended, at["layer"].ended, at["network"].ended) <= at["function"].started
    local_stack.read_outputs()
    for region in REGIONS:
        outputs = local_stack.region_outputs[region]
        function = local_stack.client("lambda", region).get_function(
            FunctionName=outputs["function"]["function_name"], Qualifier="live"
        )
        assert [layer["Arn"] for layer in function["Configuration"]["Layers"]] == [
            outputs["layer"]["layer_version_arn"]
        ]


def test_the_function_runs_in_private_subnets_of_three_zones_reaching_only_s3_and_xray(local_stack):
    """VPC mode as prod: the network unit's subnets and group, and no other way out than its endpoints."""
    local_stack.read_outputs()
    for region in REGIONS:
        outputs = local_stack.region_outputs[region]
        network, buckets = outputs["network"], outputs["buckets"]
        ec2 = local_stack.client("ec2", region)
        vpc_config = local_stack.client("lambda", region).get_function_configuration(
            FunctionName=outputs["function"]["function_name"], Qualifier="live"
        )["VpcConfig"]
        assert sorted(vpc_config["SubnetIds"]) == sorted(network["subnet_ids"])
        assert vpc_config["SecurityGroupIds"] == [network["function_security_group_id"]]
        subnets = ec2.describe_subnets(SubnetIds=network["subnet_ids"])["Subnets"]
        assert sorted(subnet["AvailabilityZone"] for subnet in subnets) == [
            f"{region}a",
            f"{region}b",
            f"{region}c",
        ]
        assert not any(subnet["MapPublicIpOnLaunch"] for subnet in subnets)
        vpc_filter = [{"Name": "vpc-id", "Values": [network["vpc_id"]]}]
        assert (
            ec2.describe_internet_gateways(
                Filters=[{"Name": "attachment.vpc-id", "Values": [network["vpc_id"]]}]
            )["InternetGateways"]
            == []
        )
        assert ec2.describe_nat_gateways(Filter=vpc_filter)["NatGateways"] == []
        [group] = ec2.describe_security_groups(GroupIds=[network["function_security_group_id"]])[
            "SecurityGroups"
        ]
        assert group["IpPermissions"] == []
        assert {(rule["FromPort"], rule["ToPort"]) for rule in group["IpPermissionsEgress"]} == {(443, 443)}
        endpoints = {
            endpoint["ServiceName"].rsplit(".", 1)[1]: endpoint
            for endpoint in ec2.describe_vpc_endpoints(Filters=vpc_filter)["VpcEndpoints"]
        }
        assert set(endpoints) == {"s3", "xray"}
        s3_policy = json.loads(endpoints["s3"]["PolicyDocument"])
        [statement] = s3_policy["Statement"]
        assert sorted(statement["Resource"]) == sorted(
            f"arn:aws:s3:::{buckets[name]}{suffix}"
            for name in ("trigger_bucket_name", "results_bucket_name")
            for suffix in ("", "/*")
        )
        [flow_log] = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [network["vpc_id"]]}])[
            "FlowLogs"
        ]
        log_bucket = buckets["access_log_bucket_name"]
        assert flow_log["LogDestination"] == f"arn:aws:s3:::{log_bucket}/vpc-flow-logs/"
        log_policy = json.loads(
            local_stack.client("s3", region).get_bucket_policy(Bucket=log_bucket)["Policy"]
        )
        assert "AllowFlowLogDelivery" in {statement["Sid"] for statement in log_policy["Statement"]}


def test_every_bucket_is_encrypted_versioned_private_owner_enforced_tagged_and_expiring(local_stack):
    s3 = local_stack.client("s3")
    buckets = local_stack.outputs["buckets"]
    log_bucket = buckets["access_log_bucket_name"]
    names = {
        "trigger": buckets["trigger_bucket_name"],
        "results": buckets["results_bucket_name"],
        "artifacts": buckets["artifacts_bucket_name"],
        "access-logs": log_bucket,
    }
    for purpose, name in names.items():
        [rule] = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        algorithm = rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        # The local environment enables the customer key; server access logs can only use SSE-S3.
        assert algorithm == ("AES256" if purpose == "access-logs" else "aws:kms"), purpose
        assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert all(block.values())
        assert len(block) == 4
        ownership = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
        assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        rules = {rule["ID"] for rule in s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]}
        assert {"expire-noncurrent-versions", "abort-incomplete-multipart-uploads"} <= rules
        tags = {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
        assert tags["Purpose"] == purpose  # tags sent with CreateBucket, applied once
        statements = {
            statement["Sid"]
            for statement in json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"]
        }
        assert {"DenyInsecureTransport", "DenyOutdatedTls", "DenyOtherServerSideEncryption"} <= statements
        if purpose != "access-logs":
            logging = s3.get_bucket_logging(Bucket=name)["LoggingEnabled"]
            assert logging == {"TargetBucket": log_bucket, "TargetPrefix": f"{purpose}/"}


def test_the_function_runs_with_json_logging_and_s3_invokes_its_live_alias(local_stack):
    outputs = local_stack.outputs
    awslambda = local_stack.client("lambda")
    name = outputs["function"]["function_name"]
    config = awslambda.get_function_configuration(FunctionName=name, Qualifier="live")
    assert config["Handler"] == "file_processor.handler.handler"
    assert config["TracingConfig"] == {"Mode": "Active"}
    assert config["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "WARN",
        "LogGroup": outputs["function"]["log_group_name"],
    }
    assert config["Environment"]["Variables"]["RESULTS_BUCKET"] == outputs["buckets"]["results_bucket_name"]
    # The function only identifies in-memory samples, so puremagic's deep-scan modules stay unimported.
    assert config["Environment"]["Variables"]["PUREMAGIC_DEEPSCAN"] == "0"
    alias = awslambda.get_alias(FunctionName=name, Name="live")
    assert (
        alias["FunctionVersion"]
        == outputs["function"]["published_version"]
        == outputs["function"]["live_version"]
    )

    [statement] = json.loads(awslambda.get_policy(FunctionName=name, Qualifier="live")["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    trigger = outputs["buckets"]["trigger_bucket_name"]
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == f"arn:aws:s3:::{trigger}"
    assert statement["Condition"]["StringEquals"]["AWS:SourceAccount"] == "123456789012"

    notification = local_stack.client("s3").get_bucket_notification_configuration(Bucket=trigger)
    [target] = notification["LambdaFunctionConfigurations"]
    assert target["LambdaFunctionArn"] == outputs["function"]["invoke_target_arn"]
    assert target["LambdaFunctionArn"].endswith(":live")
    assert target["Events"] == ["s3:ObjectCreated:*"]
    # The handler refuses what the notification would not send: the same bucket and key filter.
    rules = {
        rule["Name"].lower(): rule["Value"]
        for rule in target.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    }
    variables = config["Environment"]["Variables"]
    assert variables["TRIGGER_BUCKET"] == trigger
    assert (variables["TRIGGER_PREFIX"], variables["TRIGGER_SUFFIX"]) == (
        rules.get("prefix", ""),
        rules.get("suffix", ""),
    )

    invoke = awslambda.get_function_event_invoke_config(FunctionName=name, Qualifier="live")
    assert invoke["MaximumRetryAttempts"] == 2
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == outputs["function"]["failure_queue_arn"]


def test_every_alarm_exists_notifies_the_topic_and_is_evaluated(local_stack):
    from standin.alarms import wait_for_state

    cloudwatch = local_stack.client("cloudwatch")
    names = local_stack.outputs["function"]["alarm_names"]
    alarms = cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]

    assert sorted(alarm["AlarmName"] for alarm in alarms) == sorted(names)
    assert len(names) >= 4
    topic = local_stack.outputs["function"]["alarm_topic_arn"]
    for alarm in alarms:
        assert alarm["AlarmActions"] == [topic]
        # Nothing has happened yet: after an evaluation round, every alarm is OK.
        assert wait_for_state(cloudwatch, alarm["AlarmName"], "OK", timeout_s=30)["StateValue"] == "OK"


def test_a_dropped_file_is_processed_with_the_functions_own_role_into_its_record(local_stack):
    s3 = local_stack.client("s3")
    buckets = local_stack.outputs["buckets"]
    body = (VECTORS / "report.pdf").read_bytes()
    key = "incoming/quarterly report (final).pdf"
    s3.put_object(Bucket=buckets["trigger_bucket_name"], Key=key, Body=body, ContentType="application/pdf")

    [result] = local_stack.process([key])

    invocation = result["invocation"]
    assert invocation.succeeded, invocation.attempts
    assert len(invocation.attempts) == 1
    assert result["version"] == local_stack.outputs["function"]["live_version"]
    assert outcomes([result]) == ["recorded"]
    [item] = invocation.attempts[0]["result"]["objects"]
    record = local_stack.read_json(buckets["results_bucket_name"], item["recordKey"])
    assert record["schemaVersion"] == 1
    assert record["source"]["bucket"] == buckets["trigger_bucket_name"]
    assert record["source"]["key"] == key
    assert record["object"]["size"] == len(body)
    assert record["object"]["encryption"]["algorithm"] == "aws:kms"
    assert record["sha256"] == {
        "hex": hashlib.sha256(body).hexdigest(),
        "limitBytes": 1073741824,
        "reason": None,
        "status": "computed",
    }
    assert record["type"]["declared"] == "application/pdf"
    assert record["type"]["detected"]["mimeType"] == "application/pdf"
    assert record["type"]["mismatch"] is False


def test_what_1x_applied_0x_plans_with_no_changes(local_stack):
    """The other direction of test_00: Terragrunt 0.x's `run-all plan` over the 1.x deployment."""
    env = {
        **stack.toolchain_env(**local_stack.env_vars),
        "TG_DOWNLOAD_DIR": local_stack.env_vars["TG_DOWNLOAD_DIR"] + "-v0",
    }
    for region in REGIONS:
        result = subprocess.run(
            [V0, "run-all", "plan", "--non-interactive", "--no-color"],
            cwd=stack.LIVE / ENV / region,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-5000:]
        no_changes_in_every_unit(output, region)
