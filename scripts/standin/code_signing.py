"""Lambda code signing as AWS does it: Signer signing jobs, Lambda code signing configurations, and
the checks Lambda makes with them when code is deployed
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html).

Applied by ``patches.apply_all``. The gaps in moto 5.2.5 it closes:

- Signer has no signing jobs (``StartSigningJob``, ``DescribeSigningJob``, ``ListSigningJobs``,
  ``RevokeSignature``) and no ``RevokeSigningProfile``. A job here runs at once: it reads the source
  object version (the source bucket must be versioned), writes the signed package to
  ``<prefix><jobId>.zip`` in the destination bucket with the caller's S3 permissions (as Signer
  does), and succeeds; a zip that is empty, malformed or already signed fails the job, as in AWS.
  The signature is a marker in the zip's comment naming the job (the package still unzips); the job
  keeps the SHA-256 of the signed bytes, so Lambda can check integrity as the real signature lets it.
- ``GetSigningProfile`` and ``CancelSigningProfile`` of an unknown profile answer 500 (a KeyError);
  AWS answers ResourceNotFoundException. A canceled or revoked profile starts no new jobs.
- Lambda has no code signing configurations (``Create/Get/Update/Delete/ListCodeSigningConfigs``,
  ``ListFunctionsByCodeSigningConfig``, ``Put/DeleteFunctionCodeSigningConfig``, tags on the
  configuration's ARN); moto keeps a function's ``CodeSigningConfigArn`` unchecked.
- Lambda checks nothing when code is deployed. Here ``CreateFunction`` and ``UpdateFunctionCode``
  of a function with a configuration check the package, and ``CreateFunction`` and
  ``UpdateFunctionConfiguration`` its layers, as AWS does: integrity first (a signed package changed
  since: InvalidCodeSignatureException, even under Warn), then mismatch (not signed by one of the
  configuration's profile versions), revocation (``RevokeSignature``, ``RevokeSigningProfile``)
  and expiry, refused with CodeVerificationFailedException under Enforce and logged as a warning
  under Warn. Canceling a profile is not revocation: AWS documents that it stops new signing jobs
  only, so packages it signed before still deploy. A configuration that does not exist is refused
  with CodeSigningConfigNotFoundException. A signed deployment reports ``SigningProfileVersionArn``
  and ``SigningJobArn``, as in AWS, and so does ``GetLayerVersion`` of a signed layer version.
- ``CreateFunction`` and ``UpdateFunctionCode`` ignore ``S3ObjectVersion`` (moto deploys the latest
  version of the key); here the named version is deployed.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import hashlib
import io
import json
import logging
import secrets
import string
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from moto.core.exceptions import JsonRESTError

log = logging.getLogger("standin.code_signing")

# The signature: this prefix, then "<region>/<account>/<job ID>", as the signed zip's comment.
MARKER = b"standin-signer/1 "
VERIFICATION_FAILED = (
    "Lambda cannot deploy the function. The function or layer might be signed using a signature "
    "that the client is not configured to accept. Check the provided signature for {name}."
)
INTEGRITY_FAILED = (
    "Lambda cannot deploy the function. The code signature failed the integrity check for {name}: "
    "the package was modified after it was signed."
)
POLICIES = ("Warn", "Enforce")
_lock = threading.RLock()


class ServiceError(JsonRESTError):
    """An error as Lambda and Signer send it: the code in X-Amzn-ErrorType and the body."""

    def __init__(self, error_type: str, message: str, status: int) -> None:
        super().__init__(error_type, message)
        self.code = status
        self.description = json.dumps(
            {"__type": error_type, "Type": "User", "Message": message, "message": message}
        )


# --- the signature ------------------------------------------------------------------------------


def sign_package(package: bytes, signature: bytes) -> bytes:
    """The package with the signature as its zip comment; ValueError says why it cannot be signed."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            if not archive.infolist():
                raise ValueError("the zip file is empty")
            if archive.comment.startswith(MARKER):
                raise ValueError("the zip file already has a signature")
    except zipfile.BadZipFile:
        raise ValueError("the zip file is malformed") from None
    buffer = io.BytesIO(package)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = signature
    return buffer.getvalue()


def signature_of(package: bytes) -> tuple[str, str, str] | None:
    """(region, account, job ID) of the signing job whose signature the package carries, if any."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            comment = archive.comment
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if not comment.startswith(MARKER):
        return None
    parts = comment[len(MARKER) :].decode("utf-8", "replace").split("/")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else ("", "", "")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Signer -------------------------------------------------------------------------------------


@dataclass
class SigningJob:
    job_id: str
    account: str
    region: str
    profile_name: str
    profile_version: str
    profile_version_arn: str
    platform_id: str
    platform_display_name: str | None
    source: dict[str, Any]
    signing_material: dict[str, Any] | None
    requested_by: str
    created_at: float
    status: str = "InProgress"
    status_reason: str | None = None
    completed_at: float | None = None
    signature_expires_at: float | None = None
    signed_object: dict[str, Any] | None = None
    signed_sha256: str | None = None
    revocation: dict[str, Any] | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:signer:{self.region}:{self.account}:/signing-jobs/{self.job_id}"

    def _common(self) -> dict[str, Any]:
        fields = {
            "jobId": self.job_id,
            "source": self.source,
            "signedObject": self.signed_object,
            "signingMaterial": self.signing_material,
            "createdAt": self.created_at,
            "status": self.status,
            "profileName": self.profile_name,
            "profileVersion": self.profile_version,
            "platformId": self.platform_id,
            "platformDisplayName": self.platform_display_name,
            "signatureExpiresAt": self.signature_expires_at,
            "jobOwner": self.account,
            "jobInvoker": self.account,
        }
        return {name: value for name, value in fields.items() if value is not None}

    def describe(self) -> dict[str, Any]:
        """DescribeSigningJob's answer."""
        fields = {
            **self._common(),
            "overrides": {},
            "signingParameters": {},
            "completedAt": self.completed_at,
            "requestedBy": self.requested_by,
            "statusReason": self.status_reason,
            "revocationRecord": self.revocation,
        }
        return {name: value for name, value in fields.items() if value is not None}

    def summary(self) -> dict[str, Any]:
        """The job as ListSigningJobs lists it."""
        return {**self._common(), "isRevoked": self.revocation is not None}


def _state(backend: Any, name: str) -> dict:
    """A dict the stand-in keeps on a moto backend (per account and region)."""
    with _lock:
        return backend.__dict__.setdefault(name, {})


def signing_jobs(backend: Any) -> dict[str, SigningJob]:
    return _state(backend, "standin_signing_jobs")


def _revoked_profile_versions(backend: Any) -> dict[str, dict[str, Any]]:
    return _state(backend, "standin_revoked_profile_versions")


def _signer_backend(account: str, region: str) -> Any:
    from moto.signer.models import signer_backends

    return signer_backends[account][region]


def _validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message, 400)


def signature_expiry(created_at: float, period: dict[str, Any] | None) -> float:
    """When a signature made at ``created_at`` expires, under the profile's validity period."""
    period = period or {}
    value = int(period.get("value", 135))
    unit = str(period.get("type", "MONTHS")).upper()
    start = datetime.datetime.fromtimestamp(created_at, datetime.UTC)
    if unit == "DAYS":
        return (start + datetime.timedelta(days=value)).timestamp()
    months = start.month - 1 + value * (12 if unit == "YEARS" else 1)
    year, month = start.year + months // 12, months % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day).timestamp()


def _caller() -> Any:
    """The standin.authorization Caller of the request being served (None outside a request)."""
    from standin.authorization import current_environ

    return current_environ().get("standin.caller")


def _check_s3(action: str, resource: str, bucket: Any, context: dict[str, str]) -> None:
    """Signer reads and writes S3 with the caller's permissions (forward access), as in AWS."""
    from standin.authorization import Ask, StandinAccessDenied, authorizer

    caller = _caller()
    if caller is None:
        return
    policy = bucket.policy or None
    if caller.kind == "deployer" and policy is None:
        return  # an administrator, and no bucket policy that could deny it
    context = {"aws:SecureTransport": "true", "aws:ViaAWSService": "true", **context}
    try:
        authorizer().check(caller, Ask(action, resource, bucket.account_id, context, policy))
    except StandinAccessDenied as denied:
        raise ServiceError("AccessDeniedException", denied.message, 403) from None


def _bucket(s3: Any, name: str | None, region: str, role: str) -> Any:
    bucket = s3.buckets.get(name or "")
    if bucket is None:
        raise _validation(f"The {role} bucket {name} does not exist.")
    if bucket.region_name != region:
        raise _validation(
            f"The {role} bucket {name} is in {bucket.region_name}: it must be in the signing "
            f"profile's Region ({region}); cross-Region signing is not supported."
        )
    return bucket


def start_signing_job(backend: Any, params: dict[str, Any]) -> SigningJob:
    token = params.get("clientRequestToken")
    with _lock:
        tokens = _state(backend, "standin_signing_tokens")
        if token and token in tokens:
            return signing_jobs(backend)[tokens[token]]  # the same answer to a retried request
        job = _run_signing_job(backend, params)
        signing_jobs(backend)[job.job_id] = job
        if token:
            tokens[token] = job.job_id
        return job


def _run_signing_job(backend: Any, params: dict[str, Any]) -> SigningJob:
    from moto.s3.models import FakeKey, s3_backends

    name = params.get("profileName") or ""
    profile = backend.signing_profiles.get(name)
    if profile is None:
        raise ServiceError("ResourceNotFoundException", f"Signing profile {name} does not exist.", 404)
    if profile.status != "Active":
        raise _validation(
            f"The signing profile {name} is {profile.status}: it cannot be used for new signing jobs."
        )
    source = (params.get("source") or {}).get("s3") or {}
    destination = (params.get("destination") or {}).get("s3") or {}
    if not all(source.get(part) for part in ("bucketName", "key", "version")):
        raise _validation("The source must name an S3 bucket, key and object version.")
    if not destination.get("bucketName"):
        raise _validation("The destination must name an S3 bucket.")
    region, account = backend.region_name, backend.account_id
    s3 = s3_backends[account]["aws"]
    source_bucket = _bucket(s3, source["bucketName"], region, "source")
    if not source_bucket.is_versioned:
        raise _validation(f"The source bucket {source['bucketName']} must have versioning enabled.")
    destination_bucket = _bucket(s3, destination["bucketName"], region, "destination")
    source_arn = f"arn:aws:s3:::{source['bucketName']}/{source['key']}"
    _check_s3("s3:GetObjectVersion", source_arn, source_bucket, {"s3:versionid": source["version"]})
    key = s3.get_object(source["bucketName"], source["key"], version_id=source["version"])
    if not isinstance(key, FakeKey):
        where = f"s3://{source['bucketName']}/{source['key']}"
        raise _validation(f"Version {source['version']} of {where} does not exist.")

    caller = _caller()
    now = time.time()
    job = SigningJob(
        job_id=str(uuid.uuid4()),
        account=account,
        region=region,
        profile_name=name,
        profile_version=profile.profile_version,
        profile_version_arn=profile.profile_version_arn,
        platform_id=profile.platform_id,
        platform_display_name=profile.to_dict().get("platformDisplayName"),
        source={"s3": {name: source[name] for name in ("bucketName", "key", "version")}},
        signing_material=profile.signing_material or None,
        requested_by=caller.arn if caller is not None else f"arn:aws:iam::{account}:root",
        created_at=now,
    )
    destination_key = f"{destination.get('prefix') or ''}{job.job_id}.zip"
    try:
        signed = sign_package(key.value, MARKER + f"{region}/{account}/{job.job_id}".encode())
    except ValueError as reason:
        job.status, job.status_reason, job.completed_at = "Failed", f"Signing failed: {reason}.", now
        return job
    _check_s3(
        "s3:PutObject",
        f"arn:aws:s3:::{destination['bucketName']}/{destination_key}",
        destination_bucket,
        {},
    )
    s3.put_object(destination["bucketName"], destination_key, signed)
    job.signed_object = {"s3": {"bucketName": destination["bucketName"], "key": destination_key}}
    job.signed_sha256 = _sha256(signed)
    job.status, job.completed_at = "Succeeded", now
    job.signature_expires_at = signature_expiry(now, profile.signature_validity_period)
    return job


def _job(backend: Any, job_id: str) -> SigningJob:
    job = signing_jobs(backend).get(job_id)
    if job is None:
        raise ServiceError("ResourceNotFoundException", f"Signing job {job_id} does not exist.", 404)
    return job


def _revoked_by() -> str:
    caller = _caller()
    return caller.arn if caller is not None else "unknown"


def _path_part(path: str, after: str) -> str:
    """The path segment after ``after`` (URL-decoded), e.g. the job ID after ``signing-jobs``."""
    parts = unquote(path).strip("/").split("/")
    return parts[parts.index(after) + 1] if after in parts and parts.index(after) + 1 < len(parts) else ""


def patch_signer() -> None:
    from moto.signer import urls
    from moto.signer.models import SignerBackend, SigningProfile
    from moto.signer.responses import SignerResponse

    def profile(self: Any, profile_name: str) -> Any:
        found = self.signing_profiles.get(profile_name)
        if found is None:
            raise ServiceError(
                "ResourceNotFoundException", f"Signing profile {profile_name} does not exist.", 404
            )
        return found

    def cancel_signing_profile(self: Any, profile_name: str) -> None:
        profile(self, profile_name).cancel()

    original_to_dict = SigningProfile.to_dict

    @functools.wraps(original_to_dict)
    def to_dict(self: Any, full: bool = True) -> dict[str, Any]:
        answer = original_to_dict(self, full)
        record = getattr(self, "standin_revocation", None)
        if full and record:
            answer["revocationRecord"] = record
        return answer

    def start_signing_job_response(self: Any) -> str:
        job = start_signing_job(self.signer_backend, json.loads(self.body or "{}"))
        return json.dumps({"jobId": job.job_id, "jobOwner": job.account})

    def describe_signing_job(self: Any) -> str:
        return json.dumps(_job(self.signer_backend, _path_part(self.path, "signing-jobs")).describe())

    def list_signing_jobs(self: Any) -> str:
        query = {name: values[0] for name, values in self.querystring.items() if values}
        jobs = sorted(signing_jobs(self.signer_backend).values(), key=lambda job: job.created_at)
        if query.get("status"):
            jobs = [job for job in jobs if job.status == query["status"]]
        if query.get("platformId"):
            jobs = [job for job in jobs if job.platform_id == query["platformId"]]
        if query.get("requestedBy"):
            jobs = [job for job in jobs if job.requested_by == query["requestedBy"]]
        if query.get("isRevoked"):
            revoked = query["isRevoked"].lower() == "true"
            jobs = [job for job in jobs if (job.revocation is not None) == revoked]
        start = int(query.get("nextToken") or 0)
        size = int(query.get("maxResults") or 25)
        answer: dict[str, Any] = {"jobs": [job.summary() for job in jobs[start : start + size]]}
        if start + size < len(jobs):
            answer["nextToken"] = str(start + size)
        return json.dumps(answer)

    def revoke_signature(self: Any) -> str:
        job = _job(self.signer_backend, _path_part(self.path, "signing-jobs"))
        reason = json.loads(self.body or "{}").get("reason")
        if not reason:
            raise _validation("A reason is required to revoke a signature.")
        with _lock:
            job.revocation = job.revocation or {
                "reason": reason,
                "revokedAt": time.time(),
                "revokedBy": _revoked_by(),
            }
        return "{}"

    def revoke_signing_profile(self: Any) -> str:
        found = profile(self.signer_backend, _path_part(self.path, "signing-profiles"))
        params = json.loads(self.body or "{}")
        if params.get("profileVersion") != found.profile_version:
            raise _validation(f"Profile version {params.get('profileVersion')} does not exist.")
        if not params.get("reason"):
            raise _validation("A reason is required to revoke a signing profile.")
        effective = float(params.get("effectiveTime") or time.time())
        if effective > time.time() + 1:
            raise _validation("The effective time of a revocation cannot be in the future.")
        with _lock:
            revoked = _revoked_profile_versions(self.signer_backend)
            earlier = revoked.get(found.profile_version_arn)
            if earlier is not None and effective > earlier["revocationEffectiveFrom"]:
                raise _validation("The effective time can be moved earlier, never later.")
            record = {
                "revocationEffectiveFrom": effective,
                "revokedAt": time.time(),
                "revokedBy": _revoked_by(),
            }
            revoked[found.profile_version_arn] = record
            found.standin_revocation = record
            found.status = "Revoked"
        return "{}"

    SignerBackend.get_signing_profile = profile
    SignerBackend.cancel_signing_profile = cancel_signing_profile
    SigningProfile.to_dict = to_dict
    SignerResponse.start_signing_job = start_signing_job_response
    SignerResponse.describe_signing_job = describe_signing_job
    SignerResponse.list_signing_jobs = list_signing_jobs
    SignerResponse.revoke_signature = revoke_signature
    SignerResponse.revoke_signing_profile = revoke_signing_profile
    urls.url_paths.update(
        {
            "{0}/signing-jobs$": SignerResponse.dispatch,
            "{0}/signing-jobs/(?P<job_id>[^/]+)$": SignerResponse.dispatch,
            "{0}/signing-jobs/(?P<job_id>[^/]+)/revoke$": SignerResponse.dispatch,
            "{0}/signing-profiles/(?P<profile_name>[^/]+)/revoke$": SignerResponse.dispatch,
        }
    )


# --- Lambda code signing configurations -----------------------------------------------------------


@dataclass
class CodeSigningConfig:
    config_id: str
    arn: str
    description: str
    allowed: list[str]
    policy: str
    last_modified: str
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "CodeSigningConfigId": self.config_id,
            "CodeSigningConfigArn": self.arn,
            "Description": self.description,
            "AllowedPublishers": {"SigningProfileVersionArns": list(self.allowed)},
            "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": self.policy},
            "LastModified": self.last_modified,
        }


def code_signing_configs(backend: Any) -> dict[str, CodeSigningConfig]:
    return _state(backend, "standin_code_signing_configs")


def find_code_signing_config(arn: str) -> CodeSigningConfig | None:
    """The configuration an ARN names, in whichever account and Region the ARN says."""
    from moto.awslambda.utils import get_backend

    parts = (arn or "").split(":")
    if len(parts) != 7 or parts[2] != "lambda" or parts[5] != "code-signing-config":
        return None
    try:
        backend = get_backend(parts[4], parts[3])
    except Exception:
        return None
    return code_signing_configs(backend).get(arn)


def _config_not_found(arn: str, error_type: str = "ResourceNotFoundException") -> ServiceError:
    return ServiceError(
        error_type,
        f"The code signing configuration cannot be found. Check that the provided configuration is not "
        f"deleted: {arn}.",
        404,
    )


def _publishers(value: Any) -> list[str]:
    arns = (value or {}).get("SigningProfileVersionArns")
    if not isinstance(arns, list) or not 1 <= len(arns) <= 20:
        raise ServiceError(
            "InvalidParameterValueException",
            "AllowedPublishers.SigningProfileVersionArns must list 1 to 20 signing profile version ARNs.",
            400,
        )
    return list(dict.fromkeys(arns))


def _policy(value: Any, default: str) -> str:
    policy = (value or {}).get("UntrustedArtifactOnDeployment", default)
    if policy not in POLICIES:
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{policy}' at 'codeSigningPolicies."
            "untrustedArtifactOnDeployment' failed to satisfy constraint: Member must satisfy enum "
            "value set: [Warn, Enforce]",
            400,
        )
    return policy


def _description(value: Any) -> str:
    description = value or ""
    if len(description) > 256:
        raise ServiceError("InvalidParameterValueException", "The description is longer than 256.", 400)
    return description


def _config_arn_in_path(path: str) -> str:
    return _path_part(path, "code-signing-configs")


def _now() -> str:
    from moto.core.utils import iso_8601_datetime_with_nanoseconds

    return iso_8601_datetime_with_nanoseconds()


# --- deployment checks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    trusted: bool
    reason: str
    job: SigningJob | None = None


def verify_package(package: bytes, config: CodeSigningConfig, name: str) -> Verdict:
    """Lambda's signature checks on one package: integrity (raises), mismatch, revocation, expiry."""
    signature = signature_of(package)
    if signature is None:
        return Verdict(False, "it is not signed")
    region, account, job_id = signature
    try:
        job = signing_jobs(_signer_backend(account, region)).get(job_id)
    except Exception:
        job = None
    if job is None or job.signed_sha256 != _sha256(package):
        raise ServiceError("InvalidCodeSignatureException", INTEGRITY_FAILED.format(name=name), 400)
    if job.profile_version_arn not in config.allowed:
        return Verdict(False, f"it is signed by {job.profile_version_arn}, not an allowed publisher", job)
    if job.revocation is not None:
        return Verdict(False, f"its signature (signing job {job.job_id}) was revoked", job)
    profile_revocation = _revoked_profile_versions(_signer_backend(account, region)).get(
        job.profile_version_arn
    )
    if profile_revocation and job.created_at >= profile_revocation["revocationEffectiveFrom"]:
        return Verdict(False, f"its signing profile version {job.profile_version_arn} was revoked", job)
    if job.signature_expires_at is not None and time.time() > job.signature_expires_at:
        return Verdict(False, "its signature has expired", job)
    return Verdict(True, "trusted", job)


def check_deployment(
    config: CodeSigningConfig, name: str, packages: list[tuple[str, bytes]]
) -> SigningJob | None:
    """Refuse (Enforce) or warn about (Warn) untrusted packages; the first package's signing job."""
    verdicts = [(what, verify_package(package, config, name)) for what, package in packages]
    untrusted = [f"{what}: {verdict.reason}" for what, verdict in verdicts if not verdict.trusted]
    if untrusted:
        detail = "; ".join(untrusted)
        if config.policy == "Enforce":
            log.warning("code signing (Enforce) refused %s: %s", name, detail)
            raise ServiceError("CodeVerificationFailedException", VERIFICATION_FAILED.format(name=name), 400)
        log.warning("code signing (Warn) deployed %s with a signature warning: %s", name, detail)
    first = verdicts[0][1] if verdicts else None
    return first.job if first is not None and first.trusted else None


def package_bytes(account: str, region: str, code: dict[str, Any]) -> bytes | None:
    """The zip a CreateFunction/UpdateFunctionCode request deploys (None: moto reports the error)."""
    from moto.awslambda.models import _zipfile_content
    from moto.s3.models import FakeKey, s3_backends
    from moto.utilities.utils import get_partition

    if code.get("ZipFile"):
        return _zipfile_content(code["ZipFile"])[0]
    if code.get("S3Bucket") and code.get("S3Key"):
        try:
            key = s3_backends[account][get_partition(region)].get_object(
                code["S3Bucket"], code["S3Key"], version_id=code.get("S3ObjectVersion")
            )
        except Exception:
            return None
        return key.value if isinstance(key, FakeKey) else None
    return None


def _signing_job_of(package: bytes) -> SigningJob | None:
    """The signing job whose signature a package carries, if it is one the stand-in ran."""
    signature = signature_of(package)
    if signature is None or not all(signature):
        return None
    region, account, job_id = signature
    try:
        return signing_jobs(_signer_backend(account, region)).get(job_id)
    except KeyError:
        return None


def _layer_packages(backend: Any, layer_arns: list[str]) -> list[tuple[str, bytes]]:
    packages = []
    for arn in layer_arns or []:
        layer = backend.layers_versions_by_arn(arn)
        if layer is not None:  # an unknown layer is moto's error to report
            packages.append((f"layer {arn}", layer.code_bytes))
    return packages


def patch_lambda() -> None:
    from moto.awslambda import urls
    from moto.awslambda.models import LambdaBackend, LambdaFunction, LayerVersion, _s3_content
    from moto.awslambda.responses import LambdaResponse
    from moto.s3.models import FakeKey, s3_backends

    # --- the configuration API ---

    def create_code_signing_config(self: Any) -> tuple[int, dict, str]:
        body = json.loads(self.body or "{}")
        config_id = "csc-" + "".join(secrets.choice(string.hexdigits.lower()[:16]) for _ in range(17))
        arn = f"arn:aws:lambda:{self.region}:{self.current_account}:code-signing-config:{config_id}"
        config = CodeSigningConfig(
            config_id=config_id,
            arn=arn,
            description=_description(body.get("Description")),
            allowed=_publishers(body.get("AllowedPublishers")),
            policy=_policy(body.get("CodeSigningPolicies"), "Warn"),
            last_modified=_now(),
            tags=dict(body.get("Tags") or {}),
        )
        code_signing_configs(self.backend)[arn] = config
        return 201, {"status": 201}, json.dumps({"CodeSigningConfig": config.to_dict()})

    def _config(self: Any) -> CodeSigningConfig:
        arn = _config_arn_in_path(self.path)
        config = code_signing_configs(self.backend).get(arn)
        if config is None:
            raise _config_not_found(arn)
        return config

    def get_code_signing_config(self: Any) -> str:
        return json.dumps({"CodeSigningConfig": _config(self).to_dict()})

    def update_code_signing_config(self: Any) -> str:
        config = _config(self)
        body = json.loads(self.body or "{}")
        with _lock:
            if "Description" in body:
                config.description = _description(body["Description"])
            if "AllowedPublishers" in body:
                config.allowed = _publishers(body["AllowedPublishers"])
            if "CodeSigningPolicies" in body:
                config.policy = _policy(body["CodeSigningPolicies"], config.policy)
            config.last_modified = _now()
        return json.dumps({"CodeSigningConfig": config.to_dict()})

    def _functions_using(backend: Any, arn: str) -> list[Any]:
        return [fn for fn in backend.list_functions() if fn.code_signing_config_arn == arn]

    def delete_code_signing_config(self: Any) -> tuple[int, dict, str]:
        config = _config(self)
        if _functions_using(self.backend, config.arn):
            raise ServiceError(
                "ResourceConflictException",
                f"The code signing configuration {config.arn} cannot be deleted: functions use it.",
                409,
            )
        code_signing_configs(self.backend).pop(config.arn, None)
        return 204, {"status": 204}, ""

    def list_code_signing_configs(self: Any) -> str:
        configs = list(code_signing_configs(self.backend).values())
        start = int(self._get_param("Marker") or 0)
        size = int(self._get_param("MaxItems") or 50)
        answer: dict[str, Any] = {"CodeSigningConfigs": [c.to_dict() for c in configs[start : start + size]]}
        if start + size < len(configs):
            answer["NextMarker"] = str(start + size)
        return json.dumps(answer)

    def list_functions_by_code_signing_config(self: Any) -> str:
        config = _config(self)
        arns = [fn.function_arn for fn in _functions_using(self.backend, config.arn)]
        return json.dumps({"FunctionArns": arns})

    def put_function_code_signing_config(self: Any) -> str:
        fn = self.backend.get_function(_path_part(self.path, "functions"))
        arn = json.loads(self.body or "{}").get("CodeSigningConfigArn") or ""
        if find_code_signing_config(arn) is None:
            raise _config_not_found(arn, "CodeSigningConfigNotFoundException")
        # Takes effect at the next deployment; the code already deployed keeps running (as in AWS).
        fn.code_signing_config_arn = arn
        return json.dumps({"CodeSigningConfigArn": arn, "FunctionName": fn.function_name})

    def delete_function_code_signing_config(self: Any) -> tuple[int, dict, str]:
        fn = self.backend.get_function(_path_part(self.path, "functions"))
        fn.code_signing_config_arn = None
        return 204, {"status": 204}, ""

    for handler in (
        create_code_signing_config,
        get_code_signing_config,
        update_code_signing_config,
        delete_code_signing_config,
        list_code_signing_configs,
        list_functions_by_code_signing_config,
        put_function_code_signing_config,
        delete_function_code_signing_config,
    ):
        setattr(LambdaResponse, handler.__name__, handler)
    urls.url_paths.update(
        {
            r"{0}/(?P<api_version>[^/]+)/code-signing-configs/?$": LambdaResponse.dispatch,
            r"{0}/(?P<api_version>[^/]+)/code-signing-configs/(?P<arn>[^/]+)/?$": LambdaResponse.dispatch,
            r"{0}/(?P<api_version>[^/]+)/code-signing-configs/(?P<arn>[^/]+)/functions/?$": (
                LambdaResponse.dispatch
            ),
        }
    )

    # --- tags on a configuration's ARN ---

    original_resource = LambdaBackend._get_resource_by_arn

    @functools.wraps(original_resource)
    def get_resource_by_arn(self: Any, arn: str) -> Any:
        if ":code-signing-config:" in arn:
            config = code_signing_configs(self).get(arn)
            if config is None:
                raise _config_not_found(arn)
            return config
        return original_resource(self, arn)

    LambdaBackend._get_resource_by_arn = get_resource_by_arn

    # --- the checks at deployment ---

    original_create = LambdaBackend.create_function
    original_update_code = LambdaBackend.update_function_code
    original_update_configuration = LambdaBackend.update_function_configuration

    @functools.wraps(original_create)
    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        arn = spec.get("CodeSigningConfigArn")
        if arn:
            config = find_code_signing_config(arn)
            if config is None:
                raise _config_not_found(arn, "CodeSigningConfigNotFoundException")
            package = package_bytes(self.account_id, self.region_name, spec.get("Code") or {})
            if spec.get("PackageType", "Zip") == "Zip" and package is not None:
                name = spec.get("FunctionName", "")
                packages = [("function code", package), *_layer_packages(self, spec.get("Layers"))]
                job = check_deployment(config, name, packages)
                spec = {
                    **spec,
                    "SigningProfileVersionArn": job.profile_version_arn if job else None,
                    "SigningJobArn": job.arn if job else None,
                }
        return original_create(self, spec)

    @functools.wraps(original_update_code)
    def update_function_code(self: Any, function_name: str, qualifier: str, body: dict[str, Any]) -> Any:
        fn = self.get_function(function_name, qualifier)
        config = find_code_signing_config(fn.code_signing_config_arn or "")
        package = package_bytes(self.account_id, self.region_name, body)
        if config is not None and fn.package_type == "Zip" and package is not None:
            job = check_deployment(config, fn.function_name, [("function code", package)])
            if not body.get("DryRun"):
                fn.signing_profile_version_arn = job.profile_version_arn if job else None
                fn.signing_job_arn = job.arn if job else None
        return original_update_code(self, function_name, qualifier, body)

    @functools.wraps(original_update_configuration)
    def update_function_configuration(
        self: Any, function_name: str, qualifier: str, body: dict[str, Any]
    ) -> Any:
        fn = self.get_function(function_name, qualifier)
        config = find_code_signing_config(fn.code_signing_config_arn or "")
        if config is not None and body.get("Layers"):
            packages = _layer_packages(self, body["Layers"])
            if packages:
                check_deployment(config, fn.function_name, packages)
        return original_update_configuration(self, function_name, qualifier, body)

    LambdaBackend.create_function = create_function
    LambdaBackend.update_function_code = update_function_code
    LambdaBackend.update_function_configuration = update_function_configuration

    # --- a signed layer version says who signed it (GetLayerVersion's Content) ---

    original_layer_version = LayerVersion.get_layer_version

    @functools.wraps(original_layer_version)
    def get_layer_version(self: Any) -> dict[str, Any]:
        answer = original_layer_version(self)
        job = _signing_job_of(self.code_bytes)
        if job is not None:
            answer["Content"]["SigningProfileVersionArn"] = job.profile_version_arn
            answer["Content"]["SigningJobArn"] = job.arn
        return answer

    LayerVersion.get_layer_version = get_layer_version

    # --- S3ObjectVersion ---

    original_set_code = LambdaFunction._set_function_code

    @functools.wraps(original_set_code)
    def set_function_code(self: Any, updated_spec: dict[str, Any]) -> None:
        original_set_code(self, updated_spec)
        from_update = updated_spec is not self.code
        version = updated_spec.get("S3ObjectVersion")
        if not version or not updated_spec.get("S3Bucket") or (from_update and updated_spec.get("DryRun")):
            return
        key = s3_backends[self.account_id][self.partition].get_object(
            updated_spec["S3Bucket"], updated_spec["S3Key"], version_id=version
        )
        if not isinstance(key, FakeKey):
            raise ServiceError(
                "InvalidParameterValueException",
                "Error occurred while GetObject. S3 Error Code: NoSuchVersion. S3 Error Message: The "
                "specified version does not exist.",
                400,
            )
        self.code_bytes, self.code_size, self.code_sha_256, self.code_digest = _s3_content(key)
        if from_update:
            self.code["S3ObjectVersion"] = version

    LambdaFunction._set_function_code = set_function_code


def apply_all() -> None:
    patch_signer()
    patch_lambda()
