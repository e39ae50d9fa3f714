"""What a region really runs, read from the AWS API (not from Terraform state).

The state says what it was told; Lambda says what it serves. ``running_build`` follows the path an
event takes: the bucket notification's target (the function's ``live`` alias), the version the
alias points at, that version's code and its layer versions' code. A function whose code was
changed out of band (the console, another pipeline) shows here, and in nothing the state holds.

Code is signed (README "Code signing"), so Lambda's ``CodeSha256`` is of the signed bytes, which
no build records. What the build records is the package that was signed: Lambda names the signing
job (``SigningJobArn``), Signer names the job's source object version, and S3 holds that version's
SHA-256 (the checksum the upload stored). Unsigned code (only where signing is not enforced) is
compared by its ``CodeSha256`` itself.

The source version does not live as long as the Lambda version it became: a new build replaces the
content-addressed package object (Terraform deletes every version of the old key), and a rollback
moves the alias back to a version whose package is gone. Then the job's source key is the evidence:
it is ``<sha256>.zip``, written by the module only after its precondition checked the file's
SHA-256. While the object exists, its stored checksum is read, so a key whose bytes disagree shows.

The function's name comes from the function unit's outputs (the only thing state is asked);
credentials are the caller's (CI: the environment's read-only plan role; locally: the stand-in).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from release.builds import sha256_of_stream
from release.stack import env_vars_for, unit_outputs


def hex_to_base64(hex_digest: str) -> str:
    """A SHA-256 as the build records it (hex) -> as Lambda reports it (CodeSha256, base64)."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def aws_client(env: str, region: str, service: str, env_vars: dict[str, str] | None = None) -> Any:
    """A client for one region of an environment: the stand-in for the local one, AWS otherwise."""
    import boto3

    env_vars = env_vars if env_vars is not None else env_vars_for(env)
    if not env_vars:
        return boto3.client(service, region_name=region)
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=env_vars["AWS_ENDPOINT_URL"],
        verify=env_vars.get("AWS_CA_BUNDLE"),
        aws_access_key_id=env_vars["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env_vars["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env_vars.get("AWS_SESSION_TOKEN"),
    )


@dataclass(frozen=True)
class RegionBuild:
    """The build one region serves events with."""

    region: str
    function_name: str
    alias: str
    version: str | None  # None: nothing deployed yet
    function_code_sha256: str | None  # base64, of the package that was signed (package_sha256)
    layer_code_sha256: tuple[str, ...]  # base64, likewise, in the function's layer order
    weights: dict[str, float]  # canary versions on the alias, if a rollout is under way

    def runs(self, record: dict) -> bool:
        """Whether this is exactly the record's function and layer, with no canary on the alias."""
        return (
            self.function_code_sha256 == hex_to_base64(record["function"]["sha256"])
            and self.layer_code_sha256 == (hex_to_base64(record["layer"]["sha256"]),)
            and not self.weights
        )

    def differences(self, record: dict) -> list[str]:
        """One phrase per way this differs from the record: expected and found values."""
        found = []
        expected_function = hex_to_base64(record["function"]["sha256"])
        if self.function_code_sha256 != expected_function:
            found.append(
                f"function package SHA-256 expected {expected_function}, found {self.function_code_sha256} "
                f"(version {self.version} of {self.function_name})"
            )
        expected_layer = (hex_to_base64(record["layer"]["sha256"]),)
        if self.layer_code_sha256 != expected_layer:
            found.append(
                f"layer package SHA-256 expected {list(expected_layer)}, found {list(self.layer_code_sha256)}"
            )
        if self.weights:
            found.append(f"a canary is under way on the {self.alias} alias: {self.weights}")
        return found


CONTENT_ADDRESS = re.compile(r"(?:^|/)([0-9a-f]{64})\.zip$")
GONE = {"404", "NoSuchKey", "NoSuchVersion"}


class ProvenanceError(RuntimeError):
    """The code a version runs cannot be traced to a package."""


def package_sha256(
    code: dict[str, Any], env: str, region: str, env_vars: dict[str, str] | None = None
) -> str:
    """Base64 SHA-256 of the package a function's or layer version's code was made from: the source
    object version of its signing job, or the code itself when it is unsigned."""
    job_arn = code.get("SigningJobArn")
    if not job_arn:
        return code["CodeSha256"]
    job = aws_client(env, region, "signer", env_vars).describe_signing_job(jobId=job_arn.rsplit("/", 1)[-1])
    source = job["source"]["s3"]
    stored = stored_sha256(aws_client(env, region, "s3", env_vars), source)
    if stored is not None:
        return stored
    addressed = CONTENT_ADDRESS.search(source["key"])
    if addressed is None:
        raise ProvenanceError(
            f"signing job {job['jobId']} signed s3://{source['bucketName']}/{source['key']} "
            f"(version {source['version']}), which is gone and whose key names no SHA-256"
        )
    return hex_to_base64(addressed.group(1))


def stored_sha256(s3: Any, source: dict[str, str]) -> str | None:
    """Base64 SHA-256 of one object version as S3 holds it; None when that version is gone."""
    from botocore.exceptions import ClientError

    where = {"Bucket": source["bucketName"], "Key": source["key"], "VersionId": source["version"]}
    try:
        head = s3.head_object(**where, ChecksumMode="ENABLED")
    except ClientError as error:
        if error.response["Error"]["Code"] in GONE:
            return None
        raise
    checksum = head.get("ChecksumSHA256", "")
    if checksum and "-" not in checksum:  # a whole-object checksum, not one of parts
        return checksum
    return base64.b64encode(sha256_of_stream(s3.get_object(**where)["Body"]).digest()).decode()


def running_build(env: str, region: str, env_vars: dict[str, str] | None = None) -> RegionBuild:
    """Read, through the Lambda API, the code and layers of the version the live alias serves."""
    outputs = unit_outputs(env, region, "function", env_vars)
    name, alias_name = outputs["function_name"], outputs.get("alias_name", "live")
    awslambda = aws_client(env, region, "lambda", env_vars)
    try:
        alias = awslambda.get_alias(FunctionName=name, Name=alias_name)
    except awslambda.exceptions.ResourceNotFoundException:
        return RegionBuild(region, name, alias_name, None, None, (), {})
    version = alias["FunctionVersion"]
    function_sha256, layers = version_packages(env, region, name, version, env_vars)
    weights = alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
    return RegionBuild(region, name, alias_name, version, function_sha256, layers, weights)


def version_packages(
    env: str, region: str, name: str, version: str, env_vars: dict[str, str] | None = None
) -> tuple[str, tuple[str, ...]]:
    """Base64 SHA-256 of the packages one function version was made from: its code, its layers."""
    awslambda = aws_client(env, region, "lambda", env_vars)
    config = awslambda.get_function_configuration(FunctionName=name, Qualifier=version)
    layers = []
    for layer in config.get("Layers", []):
        # GetLayerVersionByArn would do in one call; the stand-in (moto 5.2) lacks it.
        *_, layer_name, layer_version = layer["Arn"].split(":")
        content = awslambda.get_layer_version(LayerName=layer_name, VersionNumber=int(layer_version))[
            "Content"
        ]
        layers.append(package_sha256(content, env, region, env_vars))
    return package_sha256(config, env, region, env_vars), tuple(layers)
