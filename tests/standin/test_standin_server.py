"""The running stand-in answers as AWS does where moto 5.2.5 does not: policies with conditions, IAM
for every identity but the deployer, CloudWatch over RPCv2 CBOR with alarms that evaluate and notify,
and the Lambda configuration moto drops. Each gap is shown next to the patched behaviour."""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import time
import urllib.parse

import boto3
import pytest
from botocore.exceptions import ClientError
from standin.alarms import wait_for_state
from standin_helpers import error_code, unique

ACCOUNT = "123456789012"


def tls_only_policy(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOtherServerSideEncryption",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {
                    "Null": {"s3:x-amz-server-side-encryption": "false"},
                    "StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"},
                },
            },
        ],
    }


@pytest.fixture
def guarded_bucket(standin):
    s3 = standin.client("s3")
    bucket = unique("guarded")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(tls_only_policy(bucket)))
    return bucket


def plain_http_client(standin, service: str, **credentials):
    credentials = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(
        service, endpoint_url=standin.insecure_endpoint, region_name="us-east-1", **credentials
    )


def test_moto_alone_treats_a_conditional_deny_as_unconditional():
    """The gap: moto's evaluator denies a TLS request under a TLS-only policy (it ignores Bool)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    policy = IAMPolicy(json.dumps(tls_only_policy("any-bucket")))

    assert (
        policy.is_action_permitted("s3:GetObject", "arn:aws:s3:::any-bucket/key") == PermissionResult.DENIED
    )


def test_the_tls_only_deny_denies_plain_http_and_allows_tls(standin, guarded_bucket):
    s3 = standin.client("s3")
    s3.put_object(Bucket=guarded_bucket, Key="k", Body=b"over TLS")

    assert s3.get_object(Bucket=guarded_bucket, Key="k")["Body"].read() == b"over TLS"
    plain = plain_http_client(standin, "s3")
    assert error_code(lambda: plain.get_object(Bucket=guarded_bucket, Key="k")) == "AccessDenied"
    assert error_code(lambda: plain.put_object(Bucket=guarded_bucket, Key="k2", Body=b"x")) == "AccessDenied"


def test_the_certificate_passes_strict_x509_verification(standin):
    """Python 3.13 verifies strictly by default (key identifiers required): a client there trusts it."""
    context = ssl.create_default_context(cafile=str(standin.ca_bundle))
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    address = urllib.parse.urlsplit(standin.endpoint)

    with (
        socket.create_connection((address.hostname, address.port)) as sock,
        context.wrap_socket(sock, server_hostname=address.hostname) as tls,
    ):
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}


def test_an_upload_asking_for_another_encryption_is_denied_and_one_asking_for_none_is_not(
    standin, guarded_bucket
):
    s3 = standin.client("s3")

    denied = error_code(
        lambda: s3.put_object(Bucket=guarded_bucket, Key="k", Body=b"x", ServerSideEncryption="aws:kms")
    )

    assert denied == "AccessDenied"
    s3.put_object(Bucket=guarded_bucket, Key="k", Body=b"x")
    s3.put_object(Bucket=guarded_bucket, Key="k", Body=b"x", ServerSideEncryption="AES256")


@pytest.fixture
def reader_role(standin):
    """A role that may read one bucket; the deployer may assume it."""
    iam = standin.client("iam")
    s3 = standin.client("s3")
    readable, other = unique("readable"), unique("other")
    for bucket in (readable, other):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="object", Body=b"content")
    name = unique("reader")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/standin-deployer"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{readable}/*"},
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{readable}",
                "Condition": {"StringEquals": {"aws:SecureTransport": "true"}},
            },
        ],
    }
    iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(policy))
    credentials = standin.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="test")["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )
    client = session.client("s3", endpoint_url=standin.endpoint, verify=str(standin.ca_bundle))
    return {"s3": client, "readable": readable, "other": other, "name": name}


def test_an_assumed_role_is_held_to_its_policy(reader_role):
    s3 = reader_role["s3"]

    assert s3.get_object(Bucket=reader_role["readable"], Key="object")["Body"].read() == b"content"
    assert error_code(lambda: s3.get_object(Bucket=reader_role["other"], Key="object")) == "AccessDenied"
    assert (
        error_code(lambda: s3.put_object(Bucket=reader_role["readable"], Key="new", Body=b"x"))
        == "AccessDenied"
    )


def test_a_missing_key_is_404_only_for_a_caller_that_may_list_the_bucket(reader_role, standin):
    s3 = reader_role["s3"]

    assert error_code(lambda: s3.get_object(Bucket=reader_role["readable"], Key="missing")) == "NoSuchKey"
    iam = standin.client("iam")
    iam.delete_role_policy(RoleName=reader_role["name"], PolicyName="read")
    readable = reader_role["readable"]
    only_get = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{readable}/*"}
        ],
    }
    iam.put_role_policy(RoleName=reader_role["name"], PolicyName="get", PolicyDocument=json.dumps(only_get))
    assert error_code(lambda: s3.get_object(Bucket=readable, Key="missing")) == "AccessDenied"


def test_a_forged_signature_is_refused(reader_role, standin):
    credentials = reader_role["s3"]._request_signer._credentials
    forged = boto3.client(
        "s3",
        endpoint_url=standin.endpoint,
        verify=str(standin.ca_bundle),
        region_name="us-east-1",
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key="not-the-secret",  # noqa: S106  # pragma: allowlist secret
        aws_session_token=credentials.token,
    )

    assert error_code(lambda: forged.get_object(Bucket=reader_role["readable"], Key="object")) == (
        "SignatureDoesNotMatch"
    )


def test_only_the_lambda_service_of_this_account_may_assume_an_execution_role(standin):
    from standin.authorization import SERVICE_SECRET, SOURCE_ACCOUNT_HEADER, SOURCE_ARN_HEADER

    iam = standin.client("iam")
    name = unique("execution")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }
    role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    def assume_as_lambda(source_account: str) -> dict:
        sts = boto3.client(
            "sts",
            endpoint_url=standin.endpoint,
            verify=str(standin.ca_bundle),
            region_name="us-east-1",
            aws_access_key_id="STANDINSERVICELAMBDA",
            aws_secret_access_key=SERVICE_SECRET,
        )

        def add_source(request, **_):
            request.headers[SOURCE_ARN_HEADER] = f"arn:aws:lambda:us-east-1:{source_account}:function:f"
            request.headers[SOURCE_ACCOUNT_HEADER] = source_account

        sts.meta.events.register("before-sign", add_source)
        return sts.assume_role(RoleArn=role_arn, RoleSessionName="fn")

    assert assume_as_lambda(ACCOUNT)["Credentials"]["AccessKeyId"]
    assert error_code(lambda: assume_as_lambda("999999999999")) == "AccessDenied"
    # The deployer is not in the trust policy either: an execution role is for Lambda only.
    assert error_code(lambda: standin.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="xx")) == (
        "AccessDenied"
    )


def test_a_function_joins_a_vpc_only_with_a_role_that_may_manage_its_network_interfaces(standin):
    """moto alone attaches any role's function to a VPC; Lambda first checks the role's EC2 rights."""
    s3, ec2, iam, awslambda = (standin.client(name) for name in ("s3", "ec2", "iam", "lambda"))
    bucket = unique("code")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="f.zip", Body=b"PK\x05\x06" + b"\x00" * 18)
    vpc = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.31.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=unique("fn"), Description="fn", VpcId=vpc)["GroupId"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    interfaces = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                ],
                "Resource": "*",
            }
        ],
    }

    def create(role_name: str) -> dict:
        role = iam.get_role(RoleName=role_name)["Role"]["Arn"]
        return awslambda.create_function(
            FunctionName=role_name,
            Runtime="python3.13",
            Role=role,
            Handler="h.handle",
            Code={"S3Bucket": bucket, "S3Key": "f.zip"},
            VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]},
        )

    without, with_rights = unique("no-eni"), unique("eni")
    iam.create_role(RoleName=without, AssumeRolePolicyDocument=trust)
    iam.create_role(RoleName=with_rights, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName=with_rights, PolicyName="eni", PolicyDocument=json.dumps(interfaces))

    with pytest.raises(ClientError) as refused:
        create(without)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "does not have permissions to call CreateNetworkInterface on EC2" in str(refused.value)
    assert create(with_rights)["VpcConfig"]["SubnetIds"] == [subnet]


def test_a_function_keeps_its_logging_configuration_and_snapstart_setting(standin):
    """moto alone drops LoggingConfig and always reports SnapStart off; the stand-in keeps both."""
    s3 = standin.client("s3")
    bucket = unique("code")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="f.zip", Body=b"PK\x05\x06" + b"\x00" * 18)
    awslambda = standin.client("lambda")
    name = unique("fn")
    trust = {"Version": "2012-10-17", "Statement": []}
    role = standin.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    awslambda.create_function(
        FunctionName=name,
        Runtime="java21",
        Role=role["Role"]["Arn"],
        Handler="h::handle",
        Code={"S3Bucket": bucket, "S3Key": "f.zip"},
        LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "LogGroup": "/custom/group"},
        SnapStart={"ApplyOn": "PublishedVersions"},
    )

    config = awslambda.get_function_configuration(FunctionName=name)
    version = awslambda.publish_version(FunctionName=name)["Version"]

    assert config["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "WARN",
        "SystemLogLevel": "INFO",
        "LogGroup": "/custom/group",
    }
    assert config["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}
    published = awslambda.get_function_configuration(FunctionName=name, Qualifier=version)
    assert published["SnapStart"]["OptimizationStatus"] == "On"
    awslambda.update_function_configuration(FunctionName=name, LoggingConfig={"ApplicationLogLevel": "DEBUG"})
    assert awslambda.get_function_configuration(FunctionName=name)["LoggingConfig"][
        "ApplicationLogLevel"
    ] == ("DEBUG")


def test_a_bucket_keeps_the_tags_it_was_created_with(standin):
    """moto alone drops the tags sent with CreateBucket (the provider sends them there)."""
    s3 = standin.client("s3")
    bucket = unique("tagged")
    s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"Tags": [{"Key": "Project", "Value": "fileproc"}]}
    )

    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "Project", "Value": "fileproc"}]


def test_object_versions_listed_with_url_encoding_come_back_encoded_and_markers_page_through(standin):
    """moto alone ignores encoding-type=url on ListObjectVersions; the provider asks for it when it
    empties a bucket and unescapes every key, so a bare "%" failed destroy. botocore decodes such an
    answer itself, so the wire is read here with its decoder off."""
    from botocore.handlers import decode_list_object_versions

    s3 = standin.client("s3")
    bucket = unique("encoded")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    keys = ["100%über.txt", "a+b c.txt", "日本/x y.bin"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.delete_object(Bucket=bucket, Key="a+b c.txt")  # a delete marker
    raw = standin.client("s3")
    raw.meta.events.unregister("after-call.s3.ListObjectVersions", decode_list_object_versions)

    first = raw.list_object_versions(Bucket=bucket, EncodingType="url", MaxKeys=2)
    rest = raw.list_object_versions(
        Bucket=bucket,
        EncodingType="url",
        KeyMarker=urllib.parse.unquote(first["NextKeyMarker"]),
        VersionIdMarker=first["NextVersionIdMarker"],
    )
    plain = s3.list_object_versions(Bucket=bucket)  # botocore decodes: the keys as stored

    assert first["EncodingType"] == "url"
    assert first["IsTruncated"] is True
    listed = [v["Key"] for page in (first, rest) for v in page.get("Versions", [])]
    assert sorted(listed) == sorted(urllib.parse.quote(key) for key in keys)
    assert "100%25%C3%BCber.txt" in listed
    assert [m["Key"] for m in first.get("DeleteMarkers", []) + rest.get("DeleteMarkers", [])] == [
        "a%2Bb%20c.txt"
    ]
    assert sorted(v["Key"] for v in plain["Versions"]) == sorted(keys)


def test_a_flow_log_may_deliver_to_a_folder_of_an_existing_bucket_only(standin):
    """moto alone looks for a bucket named "<bucket>/<folder>/" and refuses every folder."""
    s3, ec2 = standin.client("s3"), standin.client("ec2")
    bucket = unique("flow-logs")
    s3.create_bucket(Bucket=bucket)
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]

    def create(destination: str) -> dict:
        return ec2.create_flow_logs(
            ResourceType="VPC",
            ResourceIds=[vpc],
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination=destination,
        )

    created = create(f"arn:aws:s3:::{bucket}/vpc-flow-logs/")
    missing = create(f"arn:aws:s3:::{bucket}-missing/vpc-flow-logs/")

    assert not created["Unsuccessful"]
    (flow_log,) = ec2.describe_flow_logs(FlowLogIds=created["FlowLogIds"])["FlowLogs"]
    assert flow_log["LogDestination"] == f"arn:aws:s3:::{bucket}/vpc-flow-logs/"
    assert "does not exist" in missing["Unsuccessful"][0]["Error"]["Message"]


@pytest.fixture
def alarm_with_topic(standin):
    """An alarm on a custom metric whose topic delivers to a queue (the stand-in of an inbox)."""
    sns, sqs, cloudwatch = standin.client("sns"), standin.client("sqs"), standin.client("cloudwatch")
    name = unique("alarm")
    topic = sns.create_topic(Name=name)["TopicArn"]
    alarm_arn = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}"
    topic_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic,
                "Condition": {"ArnLike": {"aws:SourceArn": alarm_arn}},
            }
        ],
    }
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(topic_policy))
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="StandinTest",
        MetricName=name,
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
        OKActions=[topic],
    )
    return {"name": name, "queue_url": queue_url, "metric": name}


def test_an_alarm_starts_without_data_then_follows_its_metric_and_notifies_its_topic(
    standin, alarm_with_topic
):
    cloudwatch, sqs = standin.client("cloudwatch"), standin.client("sqs")
    name = alarm_with_topic["name"]
    [created] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert created["StateValue"] == "INSUFFICIENT_DATA"  # moto alone says OK

    assert (
        wait_for_state(cloudwatch, name, "OK", timeout_s=20)["StateValue"] == "OK"
    )  # no data: not breaching
    cloudwatch.put_metric_data(Namespace="StandinTest", MetricData=[{"MetricName": name, "Value": 2.0}])
    alarm = wait_for_state(cloudwatch, name, "ALARM", timeout_s=20)

    assert alarm["StateValue"] == "ALARM", alarm
    assert "1 of 1 datapoints [2] were GreaterThanThreshold 0" in alarm["StateReason"]
    notifications = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(n["NewStateValue"] == "ALARM" for n in notifications):
        messages = sqs.receive_message(QueueUrl=alarm_with_topic["queue_url"], WaitTimeSeconds=1).get(
            "Messages", []
        )
        notifications += [json.loads(message["Body"]) for message in messages]
    alarm_notification = next(n for n in notifications if n["NewStateValue"] == "ALARM")
    assert alarm_notification["AlarmName"] == name
    assert alarm_notification["Trigger"]["MetricName"] == name


def test_a_percentile_alarm_is_evaluated_from_the_periods_values(standin):
    """moto alone ignores ExtendedStatistics: no datapoint, so a p99 alarm could never fire."""
    cloudwatch = standin.client("cloudwatch")
    name = unique("p99")
    values = [10.0] * 98 + [500.0, 900.0]  # p99 (nearest rank 99 of 100) is 500
    cloudwatch.put_metric_data(
        Namespace="StandinTest", MetricData=[{"MetricName": name, "Value": value} for value in values]
    )
    now = datetime.datetime.now(datetime.UTC)

    [point] = cloudwatch.get_metric_statistics(
        Namespace="StandinTest",
        MetricName=name,
        StartTime=now - datetime.timedelta(minutes=5),
        EndTime=now + datetime.timedelta(minutes=1),
        Period=3600,
        ExtendedStatistics=["p99", "p50"],
    )["Datapoints"]
    assert point["ExtendedStatistics"] == {"p99": 500.0, "p50": 10.0}
    for threshold, expected in ((400.0, "ALARM"), (600.0, "OK")):
        alarm = f"{name}-{int(threshold)}"
        cloudwatch.put_metric_alarm(
            AlarmName=alarm,
            Namespace="StandinTest",
            MetricName=name,
            ExtendedStatistic="p99",
            Period=60,
            EvaluationPeriods=1,
            Threshold=threshold,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
        )
        assert wait_for_state(cloudwatch, alarm, expected, timeout_s=20)["StateValue"] == expected


def test_an_alarm_cannot_notify_a_topic_whose_policy_does_not_name_it(standin, alarm_with_topic):
    sns, cloudwatch = standin.client("sns"), standin.client("cloudwatch")
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[alarm_with_topic["name"]])["MetricAlarms"]
    [topic] = alarm["AlarmActions"]
    deny_all = {"Version": "2012-10-17", "Statement": []}
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(deny_all))

    cloudwatch.put_metric_data(
        Namespace="StandinTest", MetricData=[{"MetricName": alarm_with_topic["metric"], "Value": 5.0}]
    )

    assert (
        wait_for_state(cloudwatch, alarm_with_topic["name"], "ALARM", timeout_s=20)["StateValue"] == "ALARM"
    )
    time.sleep(3)  # an evaluation round or two
    assert (
        standin.client("sqs").receive_message(QueueUrl=alarm_with_topic["queue_url"]).get("Messages") is None
    )


def test_a_batch_call_is_authorised_as_its_single_action(standin):
    """DeleteMessageBatch is sqs:DeleteMessage in IAM (as SendMessageBatch is sqs:SendMessage)."""
    sqs = standin.client("sqs")
    url = sqs.create_queue(QueueName=unique("batch"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})

    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "a"}])
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    deleted = sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": "1", "ReceiptHandle": messages[0]["ReceiptHandle"]}]
    )

    assert [entry["Id"] for entry in deleted["Successful"]] == ["1"]


def test_a_dashboard_is_drawn_with_a_line_per_metric_with_data_and_each_alarms_state(standin):
    """standin/dashboard_picture.py draws what the console would from the dashboard body: the
    README's picture of the function's dashboard is made with it."""
    import xml.etree.ElementTree as ElementTree

    from standin.dashboard_picture import render

    cloudwatch = standin.client("cloudwatch")
    name = unique("board")
    cloudwatch.put_metric_data(
        Namespace="StandinTest", MetricData=[{"MetricName": name, "Value": v} for v in (1.0, 5.0, 9.0)]
    )
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="StandinTest",
        MetricName=name,
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=100,
        ComparisonOperator="GreaterThanThreshold",
    )
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    metric = {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6}
    body = {
        "widgets": [
            {**metric, "properties": {"title": "sum", "stat": "Sum", "metrics": [["StandinTest", name]]}},
            {
                **metric,
                "x": 12,
                "properties": {
                    "title": "p99 & nothing",
                    "stat": "Sum",
                    "metrics": [
                        ["StandinTest", name, {"stat": "p99", "label": "p99"}],
                        ["StandinTest", unique("silent"), {"label": "silent"}],
                    ],
                },
            },
            {
                "type": "alarm",
                "x": 0,
                "y": 6,
                "width": 24,
                "height": 4,
                "properties": {"title": "alarms", "alarms": [alarm["AlarmArn"]]},
            },
        ]
    }
    cloudwatch.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))

    svg = ElementTree.fromstring(render(cloudwatch, name, minutes=10))  # noqa: S314 (our own output)

    texts = [element.text or "" for element in svg.iter("{http://www.w3.org/2000/svg}text")]
    lines = list(svg.iter("{http://www.w3.org/2000/svg}polyline"))
    # The sum and the p99 have one datapoint each (a dot on the line); the silent metric none.
    assert len(lines) == 2
    assert len(list(svg.iter("{http://www.w3.org/2000/svg}circle"))) == 2
    assert "silent (no data)" in texts
    assert "sum" in texts
    assert "p99 & nothing" in texts  # escaped in the SVG, read back as written
    assert any(text.startswith(f"{name}: ") for text in texts)
    assert svg.get("width") == "1200"


def test_an_alarm_on_a_metric_from_embedded_metric_format_logs_is_evaluated(standin):
    """The function's own metrics come from its EMF log lines; an alarm on them (object_missing,
    refused events) must evaluate like one on Lambda's. Their datapoints once carried a time moto
    could not compare, and the evaluation of every alarm in the region stopped."""
    logs, cloudwatch = standin.client("logs"), standin.client("cloudwatch")
    group, name = unique("/aws/lambda/emf"), unique("Objects")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now_ms = int(time.time() * 1000)
    line = {
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [
                {"Namespace": "StandinTest", "Dimensions": [["service"]], "Metrics": [{"Name": name}]}
            ],
        },
        "service": "emf-test",
        name: 3,
    }
    logs.put_log_events(
        logGroupName=group, logStreamName="s", logEvents=[{"timestamp": now_ms, "message": json.dumps(line)}]
    )
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="StandinTest",
        MetricName=name,
        Dimensions=[{"Name": "service", "Value": "emf-test"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=2,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )

    alarm = wait_for_state(cloudwatch, name, "ALARM", timeout_s=20)

    assert alarm["StateValue"] == "ALARM", alarm
    assert "[3]" in alarm["StateReason"]
