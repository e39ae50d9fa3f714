"""CloudTrail trails on the stand-in answer as AWS does where moto 5.2.5 does not
(scripts/standin/cloudtrail.py): one trail described by name or ARN, deleted by ARN, its selector
flags, and the bucket and key policy checks CreateTrail makes. moto's own answer is shown first."""

from __future__ import annotations

import json

import boto3
from standin_helpers import error_code, unique

ACCOUNT = "123456789012"
REGION = "us-east-1"
SELECTORS = [
    {
        "Name": "objects of one bucket",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::some-bucket/"]},
        ],
    }
]


def arn_of(name: str) -> str:
    return f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}"


def delivery_policy(bucket: str, trail: str, prefix: str = "trail", sse: list[str] | None = None) -> dict:
    """AWS's documented policy for a trail's bucket, plus a guardrail on the encryption asked for."""
    source = {"aws:SourceArn": arn_of(trail), "aws:SourceAccount": ACCOUNT}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyOtherServerSideEncryption",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {
                    "Null": {"s3:x-amz-server-side-encryption": "false"},
                    "StringNotEquals": {"s3:x-amz-server-side-encryption": sse or ["AES256"]},
                },
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringEquals": source},
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/{prefix}/AWSLogs/{ACCOUNT}/*",
                "Condition": {"StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"}},
            },
        ],
    }


def key_policy(trail: str | None) -> dict:
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if trail:
        source = {"aws:SourceArn": arn_of(trail)}
        statements += [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {**source, "kms:EncryptionContext:aws:cloudtrail:arn": arn_of(trail)}
                },
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
                "Condition": {"StringEquals": source},
            },
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def two_trails(s3, cloudtrail) -> tuple[str, str]:
    bucket = unique("trails")
    s3.create_bucket(Bucket=bucket)
    first, second = unique("first"), unique("second")
    policy = delivery_policy(bucket, first)
    policy["Statement"] += delivery_policy(bucket, second)["Statement"][1:]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    for name in (first, second):
        cloudtrail.create_trail(Name=name, S3BucketName=bucket, S3KeyPrefix="trail")
    return first, second


def test_moto_alone_describes_every_trail_deletes_none_by_arn_and_never_flags_selectors(mocked_aws):
    s3, cloudtrail = boto3.client("s3", region_name=REGION), boto3.client("cloudtrail", region_name=REGION)
    first, second = two_trails(s3, cloudtrail)

    described = cloudtrail.describe_trails(trailNameList=[arn_of(first)])["trailList"]
    cloudtrail.put_event_selectors(TrailName=first, AdvancedEventSelectors=SELECTORS)
    flagged = cloudtrail.get_trail(Name=first)["Trail"]["HasCustomEventSelectors"]
    cloudtrail.delete_trail(Name=arn_of(first))

    assert {trail["Name"] for trail in described} == {first, second}  # the gap: both
    assert flagged is False  # the gap: selectors set, flag unset
    assert first in {trail["Name"] for trail in cloudtrail.describe_trails()["trailList"]}  # not deleted


def test_moto_alone_creates_a_trail_whose_bucket_policy_does_not_let_cloudtrail_deliver(mocked_aws):
    s3, cloudtrail = boto3.client("s3", region_name=REGION), boto3.client("cloudtrail", region_name=REGION)
    bucket = unique("no-policy")
    s3.create_bucket(Bucket=bucket)

    created = cloudtrail.create_trail(Name=unique("trail"), S3BucketName=bucket)

    assert created["S3BucketName"] == bucket  # AWS: InsufficientS3BucketPolicyException


def test_a_trail_is_described_by_name_or_arn_alone_flags_its_selectors_and_is_deleted_by_arn(standin):
    s3, cloudtrail = standin.client("s3"), standin.client("cloudtrail")
    first, second = two_trails(s3, cloudtrail)

    by_arn = cloudtrail.describe_trails(trailNameList=[arn_of(first)])["trailList"]
    by_name = cloudtrail.describe_trails(trailNameList=[second])["trailList"]
    before = cloudtrail.get_trail(Name=first)["Trail"]["HasCustomEventSelectors"]
    cloudtrail.put_event_selectors(TrailName=arn_of(first), AdvancedEventSelectors=SELECTORS)
    after = cloudtrail.get_trail(Name=first)["Trail"]["HasCustomEventSelectors"]
    cloudtrail.delete_trail(Name=arn_of(first))

    assert [trail["Name"] for trail in by_arn] == [first]
    assert [trail["Name"] for trail in by_name] == [second]
    assert (before, after) == (False, True)
    assert cloudtrail.describe_trails(trailNameList=[arn_of(first)])["trailList"] == []
    assert error_code(lambda: cloudtrail.delete_trail(Name=arn_of(first))) == "TrailNotFoundException"
    assert [trail["Name"] for trail in cloudtrail.describe_trails(trailNameList=[second])["trailList"]] == [
        second
    ]


def test_a_trail_is_created_only_into_a_bucket_whose_policy_lets_this_trail_deliver(standin):
    s3, cloudtrail = standin.client("s3"), standin.client("cloudtrail")
    bucket, trail = unique("trail-logs"), unique("trail")
    s3.create_bucket(Bucket=bucket)

    without_policy = error_code(
        lambda: cloudtrail.create_trail(Name=trail, S3BucketName=bucket, S3KeyPrefix="trail")
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(delivery_policy(bucket, unique("another-trail"))))
    for_another_trail = error_code(
        lambda: cloudtrail.create_trail(Name=trail, S3BucketName=bucket, S3KeyPrefix="trail")
    )
    outside_the_prefix = error_code(
        lambda: cloudtrail.create_trail(Name=trail, S3BucketName=bucket, S3KeyPrefix="elsewhere")
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(delivery_policy(bucket, trail)))
    created = cloudtrail.create_trail(Name=trail, S3BucketName=bucket, S3KeyPrefix="trail")

    assert without_policy == for_another_trail == outside_the_prefix == "InsufficientS3BucketPolicyException"
    assert created["TrailARN"] == arn_of(trail)


def test_an_encrypted_trail_needs_its_key_admitted_by_the_bucket_and_cloudtrail_admitted_by_the_key(standin):
    s3, cloudtrail, kms = standin.client("s3"), standin.client("cloudtrail"), standin.client("kms")
    bucket, trail = unique("trail-logs"), unique("trail")
    s3.create_bucket(Bucket=bucket)
    key = kms.create_key(Policy=json.dumps(key_policy(None)))["KeyMetadata"]["Arn"]

    def create() -> dict:
        return cloudtrail.create_trail(Name=trail, S3BucketName=bucket, S3KeyPrefix="trail", KmsKeyId=key)

    # A bucket that admits SSE-S3 uploads only: CloudTrail's SSE-KMS delivery would be denied.
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(delivery_policy(bucket, trail)))
    sse_s3_only = error_code(create)
    s3.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps(delivery_policy(bucket, trail, sse=["AES256", "aws:kms"]))
    )
    key_without_cloudtrail = error_code(create)
    kms.put_key_policy(
        KeyId=key, PolicyName="default", Policy=json.dumps(key_policy(unique("another-trail")))
    )
    key_for_another_trail = error_code(create)
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(key_policy(trail)))
    created = create()

    assert sse_s3_only == "InsufficientS3BucketPolicyException"
    assert key_without_cloudtrail == key_for_another_trail == "InsufficientEncryptionPolicyException"
    assert created["KmsKeyId"] == key
