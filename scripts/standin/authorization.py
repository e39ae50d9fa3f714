"""Every request to the stand-in is authorised as AWS would authorise it, by a real IAM evaluator.

moto 5.2.5 authorises roughly: its evaluator knows one condition operator (StringEquals) and treats
every other condition as met, so a bucket policy's conditional Deny (TLS only, encryption headers)
denies every request, and identity policies are checked only once ``INITIAL_NO_AUTH_ACTION_COUNT``
switches checking on for every caller at once. The stand-in replaces moto's authorisation hook
(``ActionAuthenticatorMixin._authenticate_and_authorize_action``) with ``Authorizer.authorize``,
which asks @cloud-copilot/iam-simulate (standin/simulator.py) for a decision on every request.

Who asks, from the request's SigV4 credential:

- the **deployer**: the stand-in's fixed credentials (``STANDIN_ENV``), the local account's
  administrator (AdministratorAccess), as an admin or the CI deploy role is in a real account.
  Its requests are checked against resource policies only (buckets, queues, topics): a TLS-only
  Deny applies to it as it would to Terraform in AWS.
- an **identity** moto issued: an IAM user's access key or an assumed-role session. Its signature is
  verified, and its identity policies (inline and managed, groups) and permissions boundary are
  evaluated together with the resource's policy.
- a **service** (``SERVICE_ACCESS_KEYS``): the stand-ins for Lambda (assuming a function's
  role), S3 (checking the function's invoke permission before delivering an event, sending events
  to a queue), CloudWatch (publishing an alarm) and EventBridge (checking a rule's invoke
  permission, sending what it could not deliver to the target's dead-letter queue).
  No identity policies: only the resource's policy can allow, with
  ``aws:SourceArn`` and ``aws:SourceAccount`` from the ``x-standin-source-*`` headers.

What is asked: the IAM action (S3's from the request's method and sub-resource, ``S3_ACTIONS``;
others from the operation), the resource ARN where the service names one, and the context keys AWS
sets: ``aws:SecureTransport``, ``s3:TlsVersion``, ``aws:PrincipalArn``/``Account``,
``aws:RequestedRegion`` (not for S3), the S3 encryption headers, and ``lambda:SourceFunctionArn``
for requests made with credentials the Lambda stand-in obtained for a function (as Lambda adds it
in AWS). An S3 read of an SSE-KMS object (or a write into an SSE-KMS bucket) and a send to a
KMS-encrypted queue also need ``kms:Decrypt`` / ``kms:GenerateDataKey`` on the key, with
``kms:ViaService``, as in AWS; and without ``s3:ListBucket`` a missing key answers 403, not 404.

Each denial is logged with the evaluator's reasons (build/standin*.log).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from standin.simulator import Decision, Simulator

log = logging.getLogger("standin.authorization")

DEPLOYER_ACCESS_KEY = "testing"  # standin/server.py STANDIN_ENV
SERVICE_ACCESS_KEYS = {
    "STANDINSERVICELAMBDA": "lambda.amazonaws.com",
    "STANDINSERVICES3": "s3.amazonaws.com",
    "STANDINSERVICECLOUDWATCH": "cloudwatch.amazonaws.com",
    "STANDINSERVICEEVENTS": "events.amazonaws.com",
}
# What the service stand-ins sign with; their signatures are not checked (loopback only).
SERVICE_SECRET = "standin-service"  # noqa: S105  # pragma: allowlist secret
SOURCE_ARN_HEADER = "x-standin-source-arn"
SOURCE_ACCOUNT_HEADER = "x-standin-source-account"

ADMINISTRATOR_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
# SigV4 signing names that differ from the IAM action prefix.
IAM_PREFIX = {"monitoring": "cloudwatch", "awslambda": "lambda"}
# Operations whose IAM action has another name (the Service Authorization Reference): a batch call
# is authorised as its single action.
IAM_ACTION_OF = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
}

# S3: (bucket or object level, method, sub-resource query key) -> IAM action; None is the default.
S3_ACTIONS: dict[tuple[str, str, str | None], str] = {
    ("bucket", "GET", None): "ListBucket",
    ("bucket", "HEAD", None): "ListBucket",
    ("bucket", "PUT", None): "CreateBucket",
    ("bucket", "DELETE", None): "DeleteBucket",
    ("bucket", "POST", "delete"): "DeleteObject",
    ("bucket", "GET", "versions"): "ListBucketVersions",
    ("bucket", "GET", "uploads"): "ListBucketMultipartUploads",
    ("bucket", "GET", "location"): "GetBucketLocation",
    ("bucket", "GET", "policyStatus"): "GetBucketPolicyStatus",
    **{
        ("bucket", method, sub): action
        for sub, (get, put, delete) in {
            "acl": ("GetBucketAcl", "PutBucketAcl", None),
            "cors": ("GetBucketCORS", "PutBucketCORS", "PutBucketCORS"),
            "encryption": (
                "GetEncryptionConfiguration",
                "PutEncryptionConfiguration",
                "PutEncryptionConfiguration",
            ),
            "lifecycle": (
                "GetLifecycleConfiguration",
                "PutLifecycleConfiguration",
                "PutLifecycleConfiguration",
            ),
            "logging": ("GetBucketLogging", "PutBucketLogging", None),
            "notification": ("GetBucketNotification", "PutBucketNotification", None),
            "ownershipControls": (
                "GetBucketOwnershipControls",
                "PutBucketOwnershipControls",
                "PutBucketOwnershipControls",
            ),
            "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
            "publicAccessBlock": (
                "GetBucketPublicAccessBlock",
                "PutBucketPublicAccessBlock",
                "PutBucketPublicAccessBlock",
            ),
            "replication": (
                "GetReplicationConfiguration",
                "PutReplicationConfiguration",
                "PutReplicationConfiguration",
            ),
            "tagging": ("GetBucketTagging", "PutBucketTagging", "PutBucketTagging"),
            "versioning": ("GetBucketVersioning", "PutBucketVersioning", None),
            "website": ("GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"),
            "accelerate": ("GetAccelerateConfiguration", "PutAccelerateConfiguration", None),
            "object-lock": ("GetBucketObjectLockConfiguration", "PutBucketObjectLockConfiguration", None),
            "requestPayment": ("GetBucketRequestPayment", "PutBucketRequestPayment", None),
            "inventory": (
                "GetInventoryConfiguration",
                "PutInventoryConfiguration",
                "PutInventoryConfiguration",
            ),
            "analytics": (
                "GetAnalyticsConfiguration",
                "PutAnalyticsConfiguration",
                "PutAnalyticsConfiguration",
            ),
            "metrics": ("GetMetricsConfiguration", "PutMetricsConfiguration", "PutMetricsConfiguration"),
            "intelligent-tiering": (
                "GetIntelligentTieringConfiguration",
                "PutIntelligentTieringConfiguration",
                "PutIntelligentTieringConfiguration",
            ),
        }.items()
        for method, action in (("GET", get), ("PUT", put), ("DELETE", delete))
        if action
    },
    ("object", "GET", None): "GetObject",
    ("object", "HEAD", None): "GetObject",
    ("object", "PUT", None): "PutObject",
    ("object", "DELETE", None): "DeleteObject",
    ("object", "GET", "acl"): "GetObjectAcl",
    ("object", "PUT", "acl"): "PutObjectAcl",
    ("object", "GET", "tagging"): "GetObjectTagging",
    ("object", "PUT", "tagging"): "PutObjectTagging",
    ("object", "DELETE", "tagging"): "DeleteObjectTagging",
    ("object", "GET", "attributes"): "GetObjectAttributes",
    ("object", "GET", "legal-hold"): "GetObjectLegalHold",
    ("object", "PUT", "legal-hold"): "PutObjectLegalHold",
    ("object", "GET", "retention"): "GetObjectRetention",
    ("object", "PUT", "retention"): "PutObjectRetention",
    ("object", "GET", "uploadId"): "ListMultipartUploadParts",
    ("object", "DELETE", "uploadId"): "AbortMultipartUpload",
    ("object", "POST", "uploads"): "PutObject",
    ("object", "POST", "uploadId"): "PutObject",
    ("object", "POST", "restore"): "RestoreObject",
    ("object", "POST", "select"): "GetObject",
}
# With ?versionId= an object action addresses one version, which IAM names separately.
S3_VERSION_ACTIONS = {
    "GetObject": "GetObjectVersion",
    "GetObjectAcl": "GetObjectVersionAcl",
    "PutObjectAcl": "PutObjectVersionAcl",
    "GetObjectTagging": "GetObjectVersionTagging",
    "PutObjectTagging": "PutObjectVersionTagging",
    "DeleteObjectTagging": "DeleteObjectVersionTagging",
    "DeleteObject": "DeleteObjectVersion",
    "GetObjectAttributes": "GetObjectVersionAttributes",
}
S3_ENCRYPTION_HEADERS = (
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-customer-algorithm",
)

_current = threading.local()


def current_environ() -> dict:
    return getattr(_current, "environ", None) or {}


class RequestContextMiddleware:
    """Keeps the WSGI environ of the request being served where the authoriser can read it."""

    def __init__(self, app: Callable[[dict, Callable], Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        _current.environ = environ
        try:
            return self.app(environ, start_response)
        finally:
            _current.environ = None


@dataclass(frozen=True)
class Caller:
    arn: str
    account: str
    kind: str  # "deployer", "identity" or "service"
    identity_policies: list[Any] = field(default_factory=list)
    boundary_policies: list[Any] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ask:
    """One authorisation question: the action on the resource, and what AWS knows about the request."""

    action: str
    resource: str
    resource_account: str
    context: dict[str, Any]
    resource_policy: Any = None


class StandinAccessDenied(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Authorizer:
    def __init__(self, account_id: str, simulator: Simulator | None = None) -> None:
        self.account_id = account_id
        self.simulator = simulator or Simulator()
        # (role name, session name) -> ARN of the function the Lambda stand-in assumed the role for.
        self.lambda_sessions: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    # --- who is asking ----------------------------------------------------------------------

    def caller(self, response: Any, iam_request_cls: type) -> Caller:
        headers = response.headers
        authorization = headers.get("Authorization", "")
        access_key = _between(authorization, "Credential=", "/")
        if not access_key and response.querystring.get("X-Amz-Credential"):
            access_key = response.querystring["X-Amz-Credential"][0].split("/")[0]
        if access_key in ("", DEPLOYER_ACCESS_KEY):
            # Unsigned requests are the deployer's too: on loopback only the local tools call.
            return Caller(
                arn=f"arn:aws:iam::{self.account_id}:user/standin-deployer",
                account=self.account_id,
                kind="deployer",
                identity_policies=[ADMINISTRATOR_ACCESS],
            )
        if access_key in SERVICE_ACCESS_KEYS:
            context = {}
            source_arn = headers.get(SOURCE_ARN_HEADER)
            if source_arn:
                context["aws:SourceArn"] = source_arn
            context["aws:SourceAccount"] = headers.get(SOURCE_ACCOUNT_HEADER, self.account_id)
            return Caller(SERVICE_ACCESS_KEYS[access_key], self.account_id, "service", context=context)
        return self._identity(response, iam_request_cls)

    def _identity(self, response: Any, iam_request_cls: type) -> Caller:
        from moto.iam.access_control import AssumedRoleAccessKey

        iam_request = iam_request_cls(
            account_id=response.current_account,
            method=response.method,
            path=_signed_path(response),
            data=response.data,
            body=response.raw_body,
            headers=response.headers,
            action=response._get_action(),
        )
        if current_environ().get("standin.translated_from") is None:
            iam_request.check_signature()  # raises SignatureDoesNotMatch
        key = iam_request._access_key
        context: dict[str, str] = {}
        if isinstance(key, AssumedRoleAccessKey):
            role = key.backend.get_role(key._owner_role_name)
            boundary = role.permissions_boundary_arn
            function_arn = self.lambda_sessions.get((key._owner_role_name, key._session_name))
            if function_arn:
                context["lambda:SourceFunctionArn"] = function_arn
        else:
            # moto 5.2.5 keeps no permissions boundary on a user (only on a role).
            boundary = getattr(key.backend.get_user(key._owner_user_name), "permissions_boundary_arn", None)
        boundaries = [_policy_text(key.backend.get_policy(boundary))] if boundary else []
        return Caller(
            arn=key.arn,
            account=response.current_account,
            kind="identity",
            identity_policies=[_policy_text(policy) for policy in key.collect_policies()],
            boundary_policies=boundaries,
            context=context,
        )

    def role(self, role_arn: str) -> Caller:
        """A role as a caller: its inline and managed policies and its boundary, as IAM holds them."""
        from moto.iam.models import iam_backends

        backend = iam_backends[self.account_id]["aws"]
        role = backend.get_role_by_arn(role_arn)
        boundary = role.permissions_boundary_arn
        return Caller(
            arn=role_arn,
            account=self.account_id,
            kind="identity",
            identity_policies=[_policy_text(policy) for policy in role.policies.values()]
            + [_policy_text(policy) for policy in role.managed_policies.values()],
            boundary_policies=[_policy_text(backend.get_policy(boundary))] if boundary else [],
        )

    # --- the decision -----------------------------------------------------------------------

    def decide(self, caller: Caller, ask: Ask) -> Decision:
        context = {
            "aws:PrincipalArn": caller.arn,
            "aws:PrincipalAccount": caller.account,
            **caller.context,
            **ask.context,
        }
        if caller.kind == "service":
            context.pop("aws:PrincipalArn")
            context.pop("aws:PrincipalAccount")
        return self.simulator.evaluate(
            principal=caller.arn,
            action=ask.action,
            resource=ask.resource,
            resource_account=ask.resource_account,
            context=context,
            identity_policies=caller.identity_policies,
            resource_policy=ask.resource_policy,
            boundary_policies=caller.boundary_policies,
        )

    def check(self, caller: Caller, ask: Ask) -> None:
        decision = self.decide(caller, ask)
        if decision.allowed:
            return
        message = f"{caller.arn} is not authorized to perform: {ask.action} on resource: {ask.resource}"
        log.warning("denied: %s: %s", message, decision.describe())
        raise StandinAccessDenied(message)

    def authorize(self, response: Any, iam_request_cls: type, resource: str) -> None:
        """moto's hook: raise StandinAccessDenied unless the request is allowed."""
        caller = self.caller(response, iam_request_cls)
        # For work a service does with the caller's permissions (Signer reading and writing S3).
        current_environ()["standin.caller"] = caller
        service = _signing_name(response)
        if service == "s3":
            for ask in self._s3_asks(response, caller, resource):
                self.check(caller, ask)
            return
        ask = self._service_ask(response, service)
        if ask is None:
            return
        if caller.kind == "deployer" and ask.resource_policy is None:
            return  # an administrator, and no resource policy that could deny it
        self.check(caller, ask)
        if ask.action == "sts:AssumeRole" and caller.arn == "lambda.amazonaws.com":
            self._remember_lambda_session(response, caller)
        for extra in self._kms_asks_for(response, ask):
            self.check(caller, extra)

    # --- S3 ---------------------------------------------------------------------------------

    def _s3_asks(self, response: Any, caller: Caller, resource: str) -> list[Ask]:
        from moto.s3.models import s3_backends

        environ = current_environ()
        query = parse_qs(urlparse(response.uri).query, keep_blank_values=True)
        method = response.method
        if resource in ("*", "arn:aws:s3:::*"):
            return [Ask("s3:ListAllMyBuckets", "*", self.account_id, _transport_context(environ, s3=True))]
        bucket_name, _, key_name = resource.removeprefix("arn:aws:s3:::").partition("/")
        level = "object" if key_name else "bucket"
        sub = next((name for name in query if (level, method, name) in S3_ACTIONS), None)
        action = S3_ACTIONS.get((level, method, sub)) or S3_ACTIONS.get((level, method, None))
        if action is None:
            raise StandinAccessDenied(f"the stand-in has no IAM action for S3 {method} on a {level} ({sub})")
        if level == "object" and "versionId" in query:
            action = S3_VERSION_ACTIONS.get(action, action)
        backend = s3_backends[self.account_id]["aws"]
        bucket = backend.buckets.get(bucket_name)
        context = _transport_context(environ, s3=True)
        for header in S3_ENCRYPTION_HEADERS:
            if response.headers.get(header):
                context[f"s3:{header}"] = response.headers[header]
        if "versionId" in query:
            context["s3:versionid"] = query["versionId"][0]
        policy = bucket.policy if bucket is not None and bucket.policy else None
        owner = bucket.account_id if bucket is not None else self.account_id
        if (level, method, sub) == ("bucket", "POST", "delete"):
            # DeleteObjects is authorised key by key, as S3 does.
            return [
                Ask(
                    f"s3:{'DeleteObjectVersion' if version else 'DeleteObject'}",
                    f"{resource}/{key}",
                    owner,
                    context,
                    policy,
                )
                for key, version in _deleted_keys(response.body)
            ]
        asks = [Ask(f"s3:{action}", resource, owner, context, policy)]
        if bucket is None:
            return asks
        if level == "object" and method in ("GET", "HEAD") and sub is None:
            asks += self._s3_read_extras(caller, bucket, key_name, query, context, policy)
        if level == "object" and action == "PutObject":
            asks += self._s3_kms_asks(bucket, self._put_kms_key(response, bucket), "kms:GenerateDataKey")
        return asks

    def _s3_read_extras(
        self, caller: Caller, bucket: Any, key_name: str, query: dict, context: dict, policy: Any
    ) -> list[Ask]:
        version = query.get("versionId", [None])[0]
        key = _find_key(bucket, key_name, version)
        if key is None:
            # AWS answers 404 only to a caller allowed to list the bucket; otherwise 403.
            bucket_arn = f"arn:aws:s3:::{bucket.name}"
            return [Ask("s3:ListBucket", bucket_arn, bucket.account_id, context, policy)]
        if key.encryption == "aws:kms" and key.kms_key_id:
            return self._s3_kms_asks(bucket, key.kms_key_id, "kms:Decrypt")
        return []

    def _put_kms_key(self, response: Any, bucket: Any) -> str | None:
        if response.headers.get("x-amz-server-side-encryption") == "aws:kms":
            return response.headers.get("x-amz-server-side-encryption-aws-kms-key-id") or "alias/aws/s3"
        rule = ((bucket.encryption or {}).get("Rule") or {}).get("ApplyServerSideEncryptionByDefault") or {}
        if rule.get("SSEAlgorithm") == "aws:kms":
            return rule.get("KMSMasterKeyID") or "alias/aws/s3"
        return None

    def _s3_kms_asks(self, bucket: Any, key_id: str | None, action: str) -> list[Ask]:
        return self._kms_asks(
            key_id, bucket.region_name, [action], via=f"s3.{bucket.region_name}.amazonaws.com"
        )

    # --- KMS through another service -------------------------------------------------------------

    def _kms_asks(self, key_id: str | None, region: str, actions: list[str], via: str) -> list[Ask]:
        from moto.kms.models import kms_backends

        if not key_id or key_id.startswith("alias/aws/"):
            return []  # AWS managed keys allow every caller of the account through the service
        backend = kms_backends[self.account_id][region]
        try:
            key = backend.describe_key(key_id)
        except Exception:
            return []
        context = {"kms:ViaService": via, "kms:CallerAccount": self.account_id}
        return [Ask(action, key.arn, key.account_id, context, key.policy) for action in actions]

    def _kms_asks_for(self, response: Any, ask: Ask) -> list[Ask]:
        if ask.action != "sqs:SendMessage":
            return []
        queue = _sqs_queue(response)
        key_id = getattr(queue, "kms_master_key_id", None) if queue else None
        region = response.region
        return self._kms_asks(
            key_id, region, ["kms:GenerateDataKey", "kms:Decrypt"], via=f"sqs.{region}.amazonaws.com"
        )

    # --- other services ---------------------------------------------------------------------

    def _service_ask(self, response: Any, service: str) -> Ask | None:
        operation = response._get_action()
        if not operation:
            return None
        prefix = IAM_PREFIX.get(service, service)
        action = f"{prefix}:{IAM_ACTION_OF.get((prefix, operation), operation)}"
        context = _transport_context(current_environ(), s3=False)
        region = response.region
        context["aws:RequestedRegion"] = region
        account = response.current_account
        resource, policy = "*", None
        if prefix == "sqs":
            queue = _sqs_queue(response)
            if queue is not None:
                resource, policy = queue.queue_arn, queue.policy or None
        elif prefix == "sns":
            topic_arn = _param(response, "TopicArn")
            topic = _sns_topic(response, topic_arn)
            if topic is not None:
                resource, policy = topic.arn, topic.policy
        elif prefix == "logs":
            group, stream = _param(response, "logGroupName"), _param(response, "logStreamName")
            if group:
                resource = f"arn:aws:logs:{region}:{account}:log-group:{group}"
                resource += f":log-stream:{stream}" if stream else ":*"
        elif prefix == "sts" and operation == "AssumeRole":
            resource = _param(response, "RoleArn") or "*"
            policy = _role_trust_policy(response, resource)
        elif prefix == "lambda":
            resource, policy = _lambda_resource(response, region, account)
            if operation in ("CreateFunction", "PutFunctionCodeSigningConfig"):
                config_arn = _json_body(response).get("CodeSigningConfigArn")
                if config_arn:
                    context["lambda:CodeSigningConfigArn"] = config_arn
        elif prefix == "signer":
            resource, profile_version = _signer_resource(response, region, account)
            if profile_version:
                context["signer:ProfileVersion"] = profile_version
        return Ask(action, resource, account, context, policy)

    def _remember_lambda_session(self, response: Any, caller: Caller) -> None:
        role_arn = _param(response, "RoleArn") or ""
        session = _param(response, "RoleSessionName") or ""
        source = caller.context.get("aws:SourceArn")
        if role_arn and session and source:
            with self._lock:
                self.lambda_sessions[(role_arn.rsplit("/", 1)[-1], session)] = source


# --- helpers ----------------------------------------------------------------------------------


def _between(text: str, start: str, end: str) -> str:
    return text.partition(start)[2].partition(end)[0]


def _signing_name(response: Any) -> str:
    scope = _between(response.headers.get("Authorization", ""), "Credential=", ",")
    parts = scope.split("/")
    if len(parts) >= 4:
        return parts[3]
    return getattr(response, "service_name", "") or ""


def _signed_path(response: Any) -> str:
    parsed = urlparse(response.uri)
    return response.raw_path + (f"?{parsed.query}" if parsed.query else "")


def _transport_context(environ: dict, *, s3: bool) -> dict[str, Any]:
    secure = environ.get("wsgi.url_scheme") == "https"
    context: dict[str, Any] = {
        "aws:SecureTransport": "true" if secure else "false",
        "aws:SourceIp": "127.0.0.1",
    }
    if s3 and secure:
        connection = environ.get("werkzeug.socket")
        version = connection.version() if hasattr(connection, "version") else None
        if version:
            context["s3:TlsVersion"] = version.removeprefix("TLSv")
    return context


def _policy_text(policy: Any) -> Any:
    """A moto policy object (managed, inline or raw document) as its JSON document."""
    versions = getattr(policy, "versions", None)
    if versions is not None:
        return next(version.document for version in versions if version.is_default)
    if isinstance(policy, dict) and "policy_document" in policy:
        return policy["policy_document"]
    return policy


def _param(response: Any, name: str) -> str | None:
    try:
        value = response._get_param(name)
    except Exception:
        value = None
    if value is None:
        value = response.querystring.get(name, [None])[0] if isinstance(response.querystring, dict) else None
    return value


def _deleted_keys(body: bytes | str) -> list[tuple[str, str | None]]:
    """(key, version ID or None) of each object a DeleteObjects request names."""
    import xmltodict

    objects = (xmltodict.parse(body or "<Delete/>").get("Delete") or {}).get("Object") or []
    objects = [objects] if isinstance(objects, dict) else objects
    return [(item["Key"], item.get("VersionId")) for item in objects]


def _find_key(bucket: Any, key_name: str, version: str | None) -> Any:
    keys = bucket.keys.getlist(key_name) if key_name in bucket.keys else []
    if not keys:
        return None
    if version is None:
        latest = keys[-1]
        return None if getattr(latest, "is_delete_marker", False) else latest
    return next((key for key in keys if str(key.version_id) == version), None)


def _sqs_queue(response: Any) -> Any:
    from moto.sqs.models import sqs_backends

    url = _param(response, "QueueUrl") or ""
    name = url.rstrip("/").rsplit("/", 1)[-1] if url else _param(response, "QueueName")
    if not name:
        return None
    return sqs_backends[response.current_account][response.region].queues.get(name)


def _sns_topic(response: Any, topic_arn: str | None) -> Any:
    from moto.sns.models import sns_backends

    if not topic_arn:
        return None
    return sns_backends[response.current_account][response.region].topics.get(topic_arn)


def _role_trust_policy(response: Any, role_arn: str) -> Any:
    from moto.iam.models import iam_backends

    try:
        return (
            iam_backends[response.current_account]["aws"]
            .get_role_by_arn(role_arn)
            .assume_role_policy_document
        )
    except Exception:
        return None


def _json_body(response: Any) -> dict:
    try:
        body = json.loads(response.body or "{}")
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _signer_resource(response: Any, region: str, account: str) -> tuple[str, str | None]:
    """The signing profile or job a Signer request names, and the profile's current version."""
    from moto.signer.models import signer_backends

    path = unquote(response.path)
    parts = path.strip("/").split("/")
    if parts[0] == "tags" and "/tags/" in path:
        return path.split("/tags/", 1)[1], None
    if parts[0] == "signing-jobs" and len(parts) > 1:
        return f"arn:aws:signer:{region}:{account}:/signing-jobs/{parts[1]}", None
    if parts[0] == "signing-profiles" and len(parts) > 1:
        name = parts[1]
    elif parts[0] == "signing-jobs" and response.method == "POST":
        name = _json_body(response).get("profileName") or ""
    else:
        return "*", None
    profile = signer_backends[account][region].signing_profiles.get(name)
    resource = f"arn:aws:signer:{region}:{account}:/signing-profiles/{name}"
    return resource, profile.profile_version if profile is not None else None


def _lambda_resource(response: Any, region: str, account: str) -> tuple[str, Any]:
    """The function ARN (qualified when the request names a version or alias) and its policy; the
    code signing configuration's ARN for its own operations; the ARN a tagging request names."""
    from moto.awslambda.utils import get_backend

    parts = unquote(response.path).split("/")
    for segment in ("code-signing-configs", "tags"):
        if segment in parts and parts.index(segment) + 1 < len(parts):
            return parts[parts.index(segment) + 1], None
    if "functions" not in parts or parts.index("functions") + 1 >= len(parts):
        return "*", None
    name = parts[parts.index("functions") + 1]
    qualifier = response.querystring.get("Qualifier", [None])[0]
    if name.startswith("arn:"):
        name, _, arn_qualifier = name.split(":function:", 1)[1].partition(":")
        qualifier = qualifier or arn_qualifier or None
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}" + (f":{qualifier}" if qualifier else "")
    try:
        # moto answers as GetPolicy does: {"Policy": "<the document as JSON>", "RevisionId": ...}
        policy = json.loads(get_backend(account, region).get_policy(name, qualifier))["Policy"]
    except Exception:
        policy = None
    return arn, policy


# --- wiring into moto -------------------------------------------------------------------------

_authorizer: Authorizer | None = None


def access_denied(response: Any, message: str) -> Exception:
    """The error a client of this service expects for a denial (S3 XML, JSON or query XML)."""
    from werkzeug.exceptions import HTTPException

    if _signing_name(response) == "s3":
        from moto.s3.exceptions import S3AccessDeniedError

        return S3AccessDeniedError()
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type or _signing_name(response) == "lambda":
        body = json.dumps({"__type": "AccessDeniedException", "message": message, "Message": message})
    else:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type>'
            f"<Code>AccessDenied</Code><Message>{message}</Message></Error></ErrorResponse>"
        )
    error = HTTPException(description=body)
    error.code = 403
    return error


def install(account_id: str) -> Authorizer:
    """Replace moto's authorisation hook; moto's own bucket-policy check steps aside."""
    global _authorizer
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    _authorizer = Authorizer(account_id)

    def authenticate_and_authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        try:
            _authorizer.authorize(self, iam_request_cls, resource)
        except StandinAccessDenied as denied:
            raise access_denied(self, denied.message) from None

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize
    # The request was already decided with the bucket policy above, conditions and all.
    FakeBucket.get_permission = lambda self, action, resource: PermissionResult.NEUTRAL
    _patch_log_delivery_check(FakeBucket)
    return _authorizer


def _patch_log_delivery_check(bucket_class: type) -> None:
    """PutBucketLogging: may S3's log delivery write into the target bucket for this source bucket?

    moto reads the target's policy by hand (and fails on a ``"Principal": "*"`` statement); here
    the evaluator decides, with the confused-deputy keys S3 sends (the source bucket and account).
    """
    original = bucket_class.set_logging
    source = threading.local()

    def set_logging(self: Any, logging_config: Any, bucket_backend: Any) -> None:
        source.bucket = self
        try:
            original(self, logging_config, bucket_backend)
        finally:
            source.bucket = None

    def log_delivery_allowed(target_bucket: Any, target_prefix: str | None) -> bool:
        bucket = getattr(source, "bucket", None)
        if bucket is None or not target_bucket.policy:
            return False
        ask = Ask(
            "s3:PutObject",
            f"arn:aws:s3:::{target_bucket.name}/{target_prefix or ''}log-object",
            target_bucket.account_id,
            {"aws:SourceArn": f"arn:aws:s3:::{bucket.name}", "aws:SourceAccount": bucket.account_id},
            target_bucket.policy,
        )
        return (
            authorizer().decide(Caller("logging.s3.amazonaws.com", bucket.account_id, "service"), ask).allowed
        )

    bucket_class.set_logging = set_logging
    bucket_class._log_permissions_enabled_policy = staticmethod(log_delivery_allowed)


def authorizer() -> Authorizer:
    if _authorizer is None:
        raise RuntimeError("standin.authorization.install() has not run in this process")
    return _authorizer
