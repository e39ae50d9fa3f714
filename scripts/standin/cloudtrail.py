"""CloudTrail trails as AWS answers for them, where moto 5.2.5 does not (the buckets module's audit
trail, modules/buckets/audit.tf).

Applied by ``patches.apply_all``. The gaps in moto 5.2.5 it closes:

- ``DescribeTrails`` ignores ``trailNameList`` and answers every trail of the region (and the
  account's multi-region trails): the provider, which asks for one trail by ARN, fails ("too many
  results") as soon as a region holds two. Here only the named trails are answered, as in AWS.
- ``DeleteTrail`` by ARN (what the provider sends) silently deletes nothing: moto looks the trail up
  by name only. Here a name or an ARN deletes the trail (and its tags), and an unknown one is
  ``TrailNotFoundException``, as in AWS.
- ``HasCustomEventSelectors`` (and ``HasInsightSelectors``) are always false, so the provider never
  reads a trail's selectors back and a changed selector would go unseen. Here they say whether the
  trail has them.
- ``CreateTrail`` and ``UpdateTrail`` accept any bucket and key. AWS refuses a trail that could not
  deliver: ``InsufficientS3BucketPolicyException`` unless the bucket's policy lets
  ``cloudtrail.amazonaws.com`` read its ACL and write the log and digest files under
  ``<prefix>/AWSLogs/<account>/`` (with the trail's ``aws:SourceArn`` and ``aws:SourceAccount``, the
  ``bucket-owner-full-control`` ACL and, for an encrypted trail, the SSE-KMS headers of its key), and
  ``InsufficientEncryptionPolicyException`` unless the key's policy lets CloudTrail describe the key
  and generate data keys for this trail (``kms:EncryptionContext:aws:cloudtrail:arn``). Here the
  policies are evaluated with those requests (standin/authorization.py), so a policy that would stop
  delivery in AWS stops the apply here.

Not closed: moto records no events and delivers no log or digest files, so what a trail records
(its selectors) and log file validation are checked as configuration only.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from typing import Any

from moto.core.exceptions import JsonRESTError

log = logging.getLogger("standin.cloudtrail")

SERVICE = "cloudtrail.amazonaws.com"


class InsufficientS3BucketPolicyException(JsonRESTError):
    code = 400

    def __init__(self, bucket: str) -> None:
        super().__init__(
            "InsufficientS3BucketPolicyException",
            f"Incorrect S3 bucket policy is detected for bucket: {bucket}",
        )


class InsufficientEncryptionPolicyException(JsonRESTError):
    code = 400

    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(
            "InsufficientEncryptionPolicyException",
            f"Insufficient permissions to access S3 bucket {bucket} or KMS key {key}.",
        )


def trail_arn(account_id: str, region: str, name: str) -> str:
    return f"arn:aws:cloudtrail:{region}:{account_id}:trail/{name}"


def delivery_objects(bucket: str, prefix: str | None, account_id: str, region: str) -> list[str]:
    """The log file and digest file ARNs CloudTrail writes for a trail of this region."""
    folder = f"{prefix.strip('/')}/" if prefix else ""
    base = f"arn:aws:s3:::{bucket}/{folder}AWSLogs/{account_id}"
    return [
        f"{base}/CloudTrail/{region}/2026/01/01/{account_id}_CloudTrail_{region}_log.json.gz",
        f"{base}/CloudTrail-Digest/{region}/2026/01/01/{account_id}_CloudTrail-Digest_{region}_digest.json.gz",
    ]


def _allowed(caller: Any, ask: Any, *, verbatim: bool = False) -> bool:
    """The evaluator's decision for CloudTrail's request, each denial logged with its reasons.

    ``verbatim`` keeps context keys the service reference does not list for the action:
    iam-simulate drops ``kms:EncryptionContext:<key>`` for ``kms:GenerateDataKey`` otherwise, so
    the key policy's condition on it could never match.
    """
    from standin.authorization import authorizer

    if verbatim:
        decision = authorizer().simulator.evaluate(
            principal=caller.arn,
            action=ask.action,
            resource=ask.resource,
            resource_account=ask.resource_account,
            context={**caller.context, **ask.context},
            resource_policy=ask.resource_policy,
            verbatim=True,
        )
    else:
        decision = authorizer().decide(caller, ask)
    if not decision.allowed:
        log.warning(
            "denied: %s may not %s on %s: %s", caller.arn, ask.action, ask.resource, decision.describe()
        )
    return decision.allowed


def check_delivery(
    account_id: str, region: str, name: str, bucket_name: str, prefix: str | None, kms_key_id: str | None
) -> None:
    """Raise as CloudTrail does unless the bucket's and key's policies let this trail deliver."""
    from moto.kms.models import kms_backends
    from moto.s3.models import s3_backends

    from standin.authorization import Ask, Caller

    bucket = s3_backends[account_id]["aws"].buckets.get(bucket_name)
    if bucket is None:
        return  # moto answers S3BucketDoesNotExistException itself
    arn = trail_arn(account_id, region, name)
    source = {"aws:SourceArn": arn, "aws:SourceAccount": account_id}
    cloudtrail = Caller(SERVICE, account_id, "service", context=source)
    key = None
    if kms_key_id:
        try:
            key = kms_backends[account_id][region].describe_key(kms_key_id)
        except Exception:
            raise InsufficientEncryptionPolicyException(bucket_name, kms_key_id) from None
    transport = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}
    put = {**transport, "s3:x-amz-acl": "bucket-owner-full-control"}
    if key is not None:
        put["s3:x-amz-server-side-encryption"] = "aws:kms"
        put["s3:x-amz-server-side-encryption-aws-kms-key-id"] = key.arn
    policy = bucket.policy or None
    asks = [Ask("s3:GetBucketAcl", f"arn:aws:s3:::{bucket_name}", bucket.account_id, transport, policy)]
    asks += [
        Ask("s3:PutObject", obj, bucket.account_id, put, policy)
        for obj in delivery_objects(bucket_name, prefix, account_id, region)
    ]
    if policy is None or not all(_allowed(cloudtrail, ask) for ask in asks):
        raise InsufficientS3BucketPolicyException(bucket_name)
    if key is None:
        return
    key_asks = [
        Ask("kms:DescribeKey", key.arn, key.account_id, {}, key.policy),
        Ask(
            "kms:GenerateDataKey",
            key.arn,
            key.account_id,
            {"kms:EncryptionContext:aws:cloudtrail:arn": arn},
            key.policy,
        ),
    ]
    if not all(_allowed(cloudtrail, ask, verbatim=True) for ask in key_asks):
        raise InsufficientEncryptionPolicyException(bucket_name, key.arn)


def patch_describe_trails_name_list() -> None:
    from moto.cloudtrail.responses import CloudTrailResponse

    original = CloudTrailResponse.describe_trails

    @functools.wraps(original)
    def describe_trails(self: Any) -> str:
        answer = original(self)
        names = self._get_param("trailNameList") or []
        if not names:
            return answer
        trails = json.loads(answer)["trailList"]
        wanted = set(names)
        # A name means a trail of this region; an ARN any trail the account may see.
        chosen = [
            trail
            for trail in trails
            if trail["TrailARN"] in wanted or (trail["Name"] in wanted and trail["HomeRegion"] == self.region)
        ]
        return json.dumps({"trailList": chosen})

    CloudTrailResponse.describe_trails = describe_trails


def patch_delete_trail_by_arn() -> None:
    from moto.cloudtrail.models import CloudTrailBackend

    def delete_trail(self: Any, name: str) -> None:
        trail = self.get_trail(name)  # by name or ARN; TrailNotFoundException otherwise
        self.tagging_service.delete_all_tags_for_resource(trail.arn)
        del self.trails[trail.trail_name]

    CloudTrailBackend.delete_trail = delete_trail


def patch_selector_flags() -> None:
    from moto.cloudtrail.models import Trail

    original = Trail.description

    @functools.wraps(original)
    def description(self: Any, include_region: bool = False) -> dict[str, Any]:
        answer = original(self, include_region)
        answer["HasCustomEventSelectors"] = bool(self.event_selectors or self.advanced_event_selectors)
        answer["HasInsightSelectors"] = bool(self.insight_selectors)
        return answer

    Trail.description = description


def patch_delivery_checks() -> None:
    from moto.cloudtrail.models import CloudTrailBackend

    create, update = CloudTrailBackend.create_trail, CloudTrailBackend.update_trail
    create_signature, update_signature = inspect.signature(create), inspect.signature(update)

    @functools.wraps(create)
    def create_trail(self: Any, *args: Any, **kwargs: Any) -> Any:
        given = create_signature.bind(self, *args, **kwargs).arguments
        check_delivery(
            self.account_id,
            self.region_name,
            given["name"],
            given["bucket_name"],
            given.get("s3_key_prefix"),
            given.get("kms_key_id"),
        )
        return create(self, *args, **kwargs)

    @functools.wraps(update)
    def update_trail(self: Any, *args: Any, **kwargs: Any) -> Any:
        given = update_signature.bind(self, *args, **kwargs).arguments
        trail = self.get_trail(given["name"])

        def after(field: str, current: Any) -> Any:
            value = given.get(field)
            return current if value is None else value

        check_delivery(
            self.account_id,
            self.region_name,
            trail.trail_name,
            after("s3_bucket_name", trail.bucket_name),
            after("s3_key_prefix", trail.s3_key_prefix),
            after("kms_key_id", trail.kms_key_id) or None,
        )
        return update(self, *args, **kwargs)

    CloudTrailBackend.create_trail = create_trail
    CloudTrailBackend.update_trail = update_trail


def apply_all() -> None:
    patch_describe_trails_name_list()
    patch_delete_trail_by_arn()
    patch_selector_flags()
    patch_delivery_checks()
