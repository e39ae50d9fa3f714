"""Lambda code signing in the stand-in (standin/code_signing.py), as AWS does it: a Signer job signs a
package version into the destination bucket, and a function whose code signing configuration says
Enforce deploys only packages signed by an allowed, unrevoked profile version."""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import json
import subprocess
import textwrap
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from release.stack import CLI_CONFIG, TOOLS_BIN, standin_env_vars, toolchain_env
from standin_helpers import unique

ACCOUNT = "123456789012"
LAMBDA_PLATFORM = "AWSLambda-SHA384-ECDSA"


def profile_name() -> str:
    return f"p{uuid.uuid4().hex[:12]}"  # profile names allow letters, digits and _ only


def package(text: str = "def handle(event, context):\n    return 'ok'\n") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # A fixed timestamp: with a bare name, writestr stamps the current time, and two calls a
        # second apart would make two different packages.
        archive.writestr(zipfile.ZipInfo("handler.py", date_time=(2020, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def refusal(call) -> ClientError:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value


@pytest.fixture(scope="module")
def setup(standin):
    """A versioned artifacts bucket, a function role and a signing profile."""
    s3, iam, signer = standin.client("s3"), standin.client("iam"), standin.client("signer")
    bucket = unique("signed-artifacts")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName=unique("signed-fn"), AssumeRolePolicyDocument=json.dumps(trust))
    return {"bucket": bucket, "role": role["Role"]["Arn"], "profile": new_profile(signer)}


def new_profile(signer) -> dict:
    name = profile_name()
    answer = signer.put_signing_profile(profileName=name, platformId=LAMBDA_PLATFORM)
    return {"name": name, "version_arn": answer["profileVersionArn"]}


def sign(standin, bucket: str, profile: str, body: bytes | None = None, key: str | None = None) -> dict:
    """Upload a package version and sign it; DescribeSigningJob's answer."""
    s3, signer = standin.client("s3"), standin.client("signer")
    key = key or f"unsigned/{uuid.uuid4().hex}.zip"
    version = s3.put_object(Bucket=bucket, Key=key, Body=body or package())["VersionId"]
    job = signer.start_signing_job(
        source={"s3": {"bucketName": bucket, "key": key, "version": version}},
        destination={"s3": {"bucketName": bucket, "prefix": "signed/"}},
        profileName=profile,
    )
    return signer.describe_signing_job(jobId=job["jobId"])


def code_signing_config(standin, profile_version_arns: list[str], policy: str) -> str:
    return standin.client("lambda").create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": profile_version_arns},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": policy},
    )["CodeSigningConfig"]["CodeSigningConfigArn"]


def create_function(standin, setup, config_arn: str, code: dict) -> dict:
    return standin.client("lambda").create_function(
        FunctionName=unique("signed"),
        Runtime="python3.13",
        Role=setup["role"],
        Handler="handler.handle",
        Code=code,
        CodeSigningConfigArn=config_arn,
    )


def signed_code(job: dict) -> dict:
    return {"S3Bucket": job["signedObject"]["s3"]["bucketName"], "S3Key": job["signedObject"]["s3"]["key"]}


def unsigned_code(standin, bucket: str) -> dict:
    key = f"unsigned/{uuid.uuid4().hex}.zip"
    standin.client("s3").put_object(Bucket=bucket, Key=key, Body=package())
    return {"S3Bucket": bucket, "S3Key": key}


def test_a_signing_job_signs_the_source_version_into_the_destination_prefix(standin, setup):
    s3 = standin.client("s3")

    job = sign(standin, setup["bucket"], setup["profile"]["name"])

    assert job["status"] == "Succeeded"
    assert job["profileName"] == setup["profile"]["name"]
    assert job["platformId"] == LAMBDA_PLATFORM
    assert setup["profile"]["version_arn"].endswith("/" + job["profileVersion"])
    assert job["signedObject"]["s3"] == {"bucketName": setup["bucket"], "key": f"signed/{job['jobId']}.zip"}
    assert job["source"]["s3"]["version"]
    assert job["completedAt"] >= job["createdAt"]
    assert job["signatureExpiresAt"] > job["createdAt"] + datetime.timedelta(days=4000)  # 135 months
    assert job["requestedBy"] == f"arn:aws:iam::{ACCOUNT}:user/standin-deployer"
    signed = s3.get_object(Bucket=setup["bucket"], Key=job["signedObject"]["s3"]["key"])["Body"].read()
    assert signed != package()  # the signature is in the package
    assert zipfile.ZipFile(io.BytesIO(signed)).read("handler.py") == zipfile.ZipFile(
        io.BytesIO(package())
    ).read("handler.py")
    listed = standin.client("signer").list_signing_jobs(status="Succeeded")["jobs"]
    assert job["jobId"] in {listed_job["jobId"] for listed_job in listed}


def test_signed_function_and_layer_versions_name_their_job_and_lead_back_to_the_unsigned_package(
    standin, setup
):
    """What release/live.py's promotion evidence follows: SigningJobArn on the function version
    and on the layer version, then the job's source object version and its SHA-256. Unsigned code
    is its own package."""
    from release.live import package_sha256

    awslambda = standin.client("lambda")
    layer_body = package("VALUE = 1\n")
    layer_job = sign(standin, setup["bucket"], setup["profile"]["name"], layer_body)
    layer = awslambda.publish_layer_version(LayerName=unique("signed-layer"), Content=signed_code(layer_job))
    function_job = sign(standin, setup["bucket"], setup["profile"]["name"])
    config = code_signing_config(standin, [setup["profile"]["version_arn"]], "Enforce")
    created = create_function(standin, setup, config, signed_code(function_job))
    content = awslambda.get_layer_version(
        LayerName=layer["LayerArn"].rsplit(":", 1)[-1], VersionNumber=layer["Version"]
    )["Content"]
    env_vars = standin_env_vars(standin.endpoint)

    def base64_sha256(body: bytes) -> str:
        return base64.b64encode(hashlib.sha256(body).digest()).decode()

    assert content["SigningJobArn"].endswith("/" + layer_job["jobId"])
    assert content["SigningProfileVersionArn"] == setup["profile"]["version_arn"]
    assert content["CodeSha256"] != base64_sha256(layer_body)  # Lambda holds the signed bytes
    assert package_sha256(content, "local", "us-east-1", env_vars) == base64_sha256(layer_body)
    assert created["SigningJobArn"].endswith("/" + function_job["jobId"])
    assert package_sha256(created, "local", "us-east-1", env_vars) == base64_sha256(package())
    unsigned = {"CodeSha256": base64_sha256(b"any"), "SigningJobArn": None}
    assert package_sha256(unsigned, "local", "us-east-1", env_vars) == base64_sha256(b"any")


def test_when_the_signed_package_is_gone_its_content_addressed_key_is_the_evidence(standin, setup):
    """A new build deletes every version of the old package's key (Terraform replaces the object),
    and a rollback returns to a Lambda version signed from it: the key, <sha256>.zip, remains. While
    the version exists its stored checksum decides, so a key that lies about its bytes shows."""
    from release.live import ProvenanceError, package_sha256

    s3 = standin.client("s3")
    env_vars = standin_env_vars(standin.endpoint)
    body = package("VALUE = 2\n")
    sha256 = hashlib.sha256(body)
    addressed_key = f"functions/fn/{sha256.hexdigest()}.zip"
    lying_key = f"functions/fn/{hashlib.sha256(b'other').hexdigest()}.zip"

    def code(job: dict) -> dict:
        return {"SigningJobArn": f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-jobs/{job['jobId']}"}

    def delete_every_version(key: str) -> None:
        for version in s3.list_object_versions(Bucket=setup["bucket"], Prefix=key)["Versions"]:
            s3.delete_object(Bucket=setup["bucket"], Key=key, VersionId=version["VersionId"])

    addressed = sign(standin, setup["bucket"], setup["profile"]["name"], body, key=addressed_key)
    lying = sign(standin, setup["bucket"], setup["profile"]["name"], body, key=lying_key)
    unaddressed = sign(standin, setup["bucket"], setup["profile"]["name"], body)

    expected = base64.b64encode(sha256.digest()).decode()
    assert package_sha256(code(lying), "local", "us-east-1", env_vars) == expected  # the bytes, not the key
    delete_every_version(addressed_key)
    assert package_sha256(code(addressed), "local", "us-east-1", env_vars) == expected
    delete_every_version(lying_key)
    assert (
        package_sha256(code(lying), "local", "us-east-1", env_vars)
        == base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    )
    delete_every_version(unaddressed["source"]["s3"]["key"])
    with pytest.raises(ProvenanceError, match="gone and whose key names no SHA-256"):
        package_sha256(code(unaddressed), "local", "us-east-1", env_vars)


def test_a_signing_job_needs_a_versioned_source_and_a_zip_with_content(standin, setup):
    s3, signer = standin.client("s3"), standin.client("signer")
    plain = unique("unversioned")
    s3.create_bucket(Bucket=plain)
    s3.put_object(Bucket=plain, Key="f.zip", Body=package())

    unversioned = refusal(
        lambda: signer.start_signing_job(
            source={"s3": {"bucketName": plain, "key": "f.zip", "version": "null"}},
            destination={"s3": {"bucketName": plain}},
            profileName=setup["profile"]["name"],
        )
    )
    empty = sign(standin, setup["bucket"], setup["profile"]["name"], b"PK\x05\x06" + b"\x00" * 18)

    assert unversioned.response["Error"]["Code"] == "ValidationException"
    assert empty["status"] == "Failed"
    assert empty["statusReason"] == "Signing failed: the zip file is empty."


def test_enforce_deploys_a_package_signed_by_an_allowed_profile(standin, setup):
    job = sign(standin, setup["bucket"], setup["profile"]["name"])
    config = code_signing_config(standin, [setup["profile"]["version_arn"]], "Enforce")
    awslambda = standin.client("lambda")

    created = create_function(standin, setup, config, signed_code(job))

    assert created["SigningProfileVersionArn"] == setup["profile"]["version_arn"]
    assert created["SigningJobArn"] == f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-jobs/{job['jobId']}"
    name = created["FunctionName"]
    assert awslambda.get_function_code_signing_config(FunctionName=name)["CodeSigningConfigArn"] == config
    assert awslambda.list_functions_by_code_signing_config(CodeSigningConfigArn=config)["FunctionArns"] == [
        created["FunctionArn"]
    ]
    again = sign(standin, setup["bucket"], setup["profile"]["name"], package("VERSION = 2\n"))
    assert awslambda.update_function_code(FunctionName=name, **signed_code(again))["SigningJobArn"].endswith(
        again["jobId"]
    )
    refused = refusal(lambda: awslambda.update_function_code(FunctionName=name, ZipFile=package()))
    assert refused.response["Error"]["Code"] == "CodeVerificationFailedException"
    # A configuration in use cannot be deleted.
    in_use = refusal(lambda: awslambda.delete_code_signing_config(CodeSigningConfigArn=config))
    assert in_use.response["Error"]["Code"] == "ResourceConflictException"


@pytest.mark.parametrize(
    "package_is", ["unsigned", "signed-by-another-profile", "revoked", "signature-revoked"]
)
def test_enforce_refuses_a_package_that_is_not_trusted(standin, setup, package_is):
    signer = standin.client("signer")
    allowed = new_profile(signer)
    config = code_signing_config(standin, [allowed["version_arn"]], "Enforce")
    if package_is == "unsigned":
        code = unsigned_code(standin, setup["bucket"])
    elif package_is == "signed-by-another-profile":
        code = signed_code(sign(standin, setup["bucket"], new_profile(signer)["name"]))
    elif package_is == "revoked":
        code = signed_code(sign(standin, setup["bucket"], allowed["name"]))
        signer.revoke_signing_profile(
            profileName=allowed["name"],
            profileVersion=allowed["version_arn"].rsplit("/", 1)[1],
            reason="key compromised",
            effectiveTime=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1),
        )
    else:
        job = sign(standin, setup["bucket"], allowed["name"])
        signer.revoke_signature(jobId=job["jobId"], reason="bad build")
        code = signed_code(job)

    refused = refusal(lambda: create_function(standin, setup, config, code))

    assert refused.response["Error"]["Code"] == "CodeVerificationFailedException"
    assert refused.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert refused.response["Error"]["Message"].startswith(
        "Lambda cannot deploy the function. The function or layer might be signed using a signature "
        "that the client is not configured to accept. Check the provided signature for signed-"
    )


def test_a_canceled_profile_signs_nothing_new_but_its_signatures_stay_valid(standin, setup):
    """AWS: canceling stops new signing jobs; revoking (above) is what invalidates signatures."""
    signer = standin.client("signer")
    profile = new_profile(signer)
    job = sign(standin, setup["bucket"], profile["name"])
    config = code_signing_config(standin, [profile["version_arn"]], "Enforce")

    signer.cancel_signing_profile(profileName=profile["name"])

    refused = refusal(lambda: sign(standin, setup["bucket"], profile["name"]))
    assert refused.response["Error"]["Code"] == "ValidationException"
    assert create_function(standin, setup, config, signed_code(job))["SigningJobArn"].endswith(job["jobId"])


def test_warn_deploys_an_unsigned_package_but_not_a_tampered_one(standin, setup):
    s3 = standin.client("s3")
    config = code_signing_config(standin, [setup["profile"]["version_arn"]], "Warn")
    job = sign(standin, setup["bucket"], setup["profile"]["name"])
    signed = s3.get_object(Bucket=setup["bucket"], Key=job["signedObject"]["s3"]["key"])["Body"].read()
    tampered = signed.replace(b"return 'ok'", b"return 'no'")

    created = create_function(standin, setup, config, unsigned_code(standin, setup["bucket"]))
    refused = refusal(lambda: create_function(standin, setup, config, {"ZipFile": tampered}))

    assert created["State"] == "Active"
    assert "SigningJobArn" not in created
    assert refused.response["Error"]["Code"] == "InvalidCodeSignatureException"


def test_a_configuration_that_does_not_exist_is_refused(standin, setup):
    missing = f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-0123456789abcdef0"

    refused = refusal(
        lambda: create_function(standin, setup, missing, unsigned_code(standin, setup["bucket"]))
    )

    assert refused.response["Error"]["Code"] == "CodeSigningConfigNotFoundException"
    assert refused.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_an_identity_signs_only_with_its_own_s3_rights_and_the_required_configuration(standin, setup):
    """Signer reads and writes S3 as the caller; lambda:CodeSigningConfigArn conditions apply."""
    iam, s3 = standin.client("iam"), standin.client("s3")
    config = code_signing_config(standin, [setup["profile"]["version_arn"]], "Warn")
    user = unique("signer-user")
    iam.create_user(UserName=user)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["signer:*", "lambda:*", "iam:PassRole"], "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{setup['bucket']}/*"},
            {
                "Effect": "Deny",
                "Action": "lambda:CreateFunction",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"lambda:CodeSigningConfigArn": config}},
            },
        ],
    }
    iam.put_user_policy(UserName=user, PolicyName="sign", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    session = boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )
    signer = session.client("signer", endpoint_url=standin.endpoint, verify=str(standin.ca_bundle))
    awslambda = session.client("lambda", endpoint_url=standin.endpoint, verify=str(standin.ca_bundle))
    version = s3.put_object(Bucket=setup["bucket"], Key="by-user.zip", Body=package())["VersionId"]

    no_read = refusal(
        lambda: signer.start_signing_job(
            source={"s3": {"bucketName": setup["bucket"], "key": "by-user.zip", "version": version}},
            destination={"s3": {"bucketName": setup["bucket"], "prefix": "signed/"}},
            profileName=setup["profile"]["name"],
        )
    )
    other_config = code_signing_config(standin, [setup["profile"]["version_arn"]], "Warn")
    wrong_config = refusal(
        lambda: awslambda.create_function(
            FunctionName=unique("by-user"),
            Runtime="python3.13",
            Role=setup["role"],
            Handler="handler.handle",
            Code={"ZipFile": package()},
            CodeSigningConfigArn=other_config,
        )
    )

    assert no_read.response["Error"]["Code"] == "AccessDeniedException"
    assert "s3:GetObjectVersion" in no_read.response["Error"]["Message"]
    assert wrong_config.response["Error"]["Code"] == "AccessDeniedException"
    created = awslambda.create_function(
        FunctionName=unique("by-user"),
        Runtime="python3.13",
        Role=setup["role"],
        Handler="handler.handle",
        Code={"ZipFile": package()},
        CodeSigningConfigArn=config,
    )
    assert created["FunctionName"].startswith("by-user-")


def test_tags_and_updates_of_a_configuration(standin, setup):
    awslambda = standin.client("lambda")
    config = awslambda.create_code_signing_config(
        Description="first",
        AllowedPublishers={"SigningProfileVersionArns": [setup["profile"]["version_arn"]]},
        Tags={"team": "files"},
    )["CodeSigningConfig"]
    arn = config["CodeSigningConfigArn"]

    awslambda.tag_resource(Resource=arn, Tags={"cost": "low"})
    awslambda.untag_resource(Resource=arn, TagKeys=["team"])
    updated = awslambda.update_code_signing_config(
        CodeSigningConfigArn=arn, CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"}
    )["CodeSigningConfig"]

    assert config["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Warn"}  # the default
    assert config["CodeSigningConfigId"] == arn.rsplit(":", 1)[1]
    assert awslambda.list_tags(Resource=arn)["Tags"] == {"cost": "low"}
    assert updated["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Enforce"}
    assert updated["Description"] == "first"
    assert arn in {
        c["CodeSigningConfigArn"] for c in awslambda.list_code_signing_configs()["CodeSigningConfigs"]
    }
    awslambda.delete_code_signing_config(CodeSigningConfigArn=arn)
    gone = refusal(lambda: awslambda.get_code_signing_config(CodeSigningConfigArn=arn))
    assert gone.response["Error"]["Code"] == "ResourceNotFoundException"


# --- the provider -------------------------------------------------------------------------------


def run_tofu(args: list[str], root: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["tofu", *args, "-no-color"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_terraform_applies_signed_code_under_enforce_plans_no_changes_and_destroys(standin, setup, tmp_path):
    if not (TOOLS_BIN / "tofu").exists() or not CLI_CONFIG.exists():
        pytest.fail("toolchain not set up: run `make setup`")
    key = f"unsigned/{uuid.uuid4().hex}.zip"
    version = standin.client("s3").put_object(Bucket=setup["bucket"], Key=key, Body=package())["VersionId"]
    endpoint = standin.endpoint
    (tmp_path / "main.tf").write_text(
        textwrap.dedent(
            f"""
            provider "aws" {{
              region                      = "us-east-1"
              skip_credentials_validation = true
              skip_requesting_account_id  = true
              s3_use_path_style           = true
              endpoints {{
                lambda = "{endpoint}"
                s3     = "{endpoint}"
                signer = "{endpoint}"
                sts    = "{endpoint}"
              }}
            }}

            resource "aws_signer_signing_profile" "this" {{
              platform_id = "{LAMBDA_PLATFORM}"
              name_prefix = "tf_"
              tags        = {{ purpose = "test" }}
            }}

            resource "aws_signer_signing_job" "this" {{
              profile_name = aws_signer_signing_profile.this.name
              source {{
                s3 {{
                  bucket  = "{setup["bucket"]}"
                  key     = "{key}"
                  version = "{version}"
                }}
              }}
              destination {{
                s3 {{
                  bucket = "{setup["bucket"]}"
                  prefix = "tf-signed/"
                }}
              }}
              ignore_signing_job_failure = false
            }}

            resource "aws_lambda_code_signing_config" "this" {{
              description = "only our own signed packages"
              allowed_publishers {{
                signing_profile_version_arns = [aws_signer_signing_profile.this.version_arn]
              }}
              policies {{
                untrusted_artifact_on_deployment = "Enforce"
              }}
              tags = {{ purpose = "test" }}
            }}

            resource "aws_lambda_function" "this" {{
              function_name           = "{unique("tf-signed")}"
              role                    = "{setup["role"]}"
              runtime                 = "python3.13"
              handler                 = "handler.handle"
              s3_bucket               = aws_signer_signing_job.this.signed_object[0].s3[0].bucket
              s3_key                  = aws_signer_signing_job.this.signed_object[0].s3[0].key
              code_signing_config_arn = aws_lambda_code_signing_config.this.arn
            }}

            output "signing_job_arn" {{
              value = aws_lambda_function.this.signing_job_arn
            }}
            """
        )
    )
    env = toolchain_env(LOCAL_AWS_ENDPOINT=endpoint, **standin.env())
    init = run_tofu(["init", "-input=false"], tmp_path, env)
    assert init.returncode == 0, init.stdout + init.stderr

    applied = run_tofu(["apply", "-auto-approve", "-input=false"], tmp_path, env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    planned = run_tofu(["plan", "-detailed-exitcode", "-input=false"], tmp_path, env)

    assert planned.returncode == 0, planned.stdout + planned.stderr
    job_arn = run_tofu(["output", "-raw", "signing_job_arn"], tmp_path, env).stdout
    assert job_arn.startswith(f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-jobs/")
    destroyed = run_tofu(["destroy", "-auto-approve", "-input=false"], tmp_path, env)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
