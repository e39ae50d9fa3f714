"""Bad variable values fail with the module's own message, at `tofu validate` (variable
validation) or at `tofu plan` against the stand-in (preconditions that need AWS data)."""

from __future__ import annotations

import hashlib
import json
import textwrap
import zipfile
from pathlib import Path

import pytest
from toolchain_helpers import ROOT, run_tool, toolchain_env

MODULES = ROOT / "modules"
LAYER_ARN = "arn:aws:lambda:eu-central-1:111111111111:layer:deps:3"
ROLE_ARN = "arn:aws:iam::111111111111:role/processor"
KEY_ARN = "arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-0000-0000-000000000000"
SHA = "a" * 64
PROFILE_VERSION_ARN = "arn:aws:signer:eu-central-1:111111111111:/signing-profiles/test_deps_1/a1B2c3D4e5"

VALID = {
    "buckets": {"name_prefix": "fileproc-test-euc1"},
    "iam": {
        "role_name": "processor",
        "function_name": "processor",
        "failure_queue_name": "processor-failures",
        "trigger_bucket_arn": "arn:aws:s3:::trigger-bucket",
        "results_bucket_arn": "arn:aws:s3:::results-bucket",
        "permissions_boundary_arn": "arn:aws:iam::111111111111:policy/boundaries/fileproc-test-workload",
    },
    "workload-boundary": {"environment": "test", "account_id": "111111111111", "regions": ["eu-central-1"]},
    "network": {
        "name_prefix": "fileproc-test-use1",
        "availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
        "bucket_arns": ["arn:aws:s3:::trigger-bucket", "arn:aws:s3:::results-bucket"],
        "flow_log_bucket_arn": "arn:aws:s3:::access-log-bucket",
    },
    "layer": {
        "layer_name": "deps",
        "artifacts_bucket_name": "artifacts-bucket",
        "package_path": "build/never-read/layer.zip",  # validate does not read it
        "package_sha256": SHA,
        "compatible_runtimes": ["python3.14"],
        "compatible_architectures": ["arm64"],
    },
    "function": {
        "function_name": "processor",
        "role_arn": ROLE_ARN,
        "artifacts_bucket_name": "artifacts-bucket",
        "package_path": "build/never-read/function.zip",
        "package_sha256": SHA,
        "layer_arns": [LAYER_ARN],
        "signing_profile_version_arn": PROFILE_VERSION_ARN,
        "trigger_bucket_name": "trigger-bucket",
        "results_bucket_name": "results-bucket",
        "failure_queue_name": "processor-failures",
        "alarm_email_addresses": ["oncall@example.com"],
    },
}

BAD = [
    ("buckets", {"name_prefix": "Bad_Name"}, "name_prefix must be 3-32 characters"),
    ("buckets", {"name_prefix": "sthree-files"}, "must not start with a prefix S3 reserves"),
    ("buckets", {"noncurrent_version_expiration_days": 0}, "between 1 and 3650"),
    ("iam", {"results_prefix": "records"}, "must be a non-empty prefix ending with"),
    ("iam", {"trigger_bucket_arn": "my-bucket"}, "must be an S3 bucket ARN"),
    ("iam", {"kms_key_arns": ["alias/aws/s3"]}, "not aliases"),
    # There is always a boundary: null (or no value) is refused.
    ("iam", {"permissions_boundary_arn": None}, "permissions_boundary_arn must be the IAM policy ARN"),
    ("workload-boundary", {"environment": "tfstate"}, 'not "github" or "tfstate"'),
    ("workload-boundary", {"regions": []}, "regions must name at least one AWS region"),
    ("buckets", {"key_administrator_arns": ["deploy-role"]}, "key_administrator_arns must be IAM role ARNs"),
    ("network", {"availability_zones": ["us-east-1a"]}, "must name 2 to 6 distinct zones"),
    ("network", {"availability_zones": ["us-east-1a", "us-east-1a"]}, "must name 2 to 6 distinct zones"),
    ("network", {"availability_zones": ["use1-az1", "use1-az2"]}, "not zone IDs"),
    ("network", {"cidr_block": "10.40.0.0/26"}, "from /16 to /24"),
    ("network", {"cidr_block": "10.40.1.0/16"}, "start at its network address"),
    ("network", {"bucket_arns": ["arn:aws:s3:::trigger-bucket/*"]}, "with no object path"),
    ("network", {"flow_log_traffic_type": "SOME"}, '"ALL", "ACCEPT" or "REJECT"'),
    ("layer", {"package_sha256": "abc"}, "64 lowercase hex characters"),
    ("layer", {"compatible_architectures": ["arm"]}, "arm64"),
    ("layer", {"shared_with_account_ids": ["12345"]}, "shared_with_account_ids must be distinct 12-digit"),
    ("layer", {"shared_with_account_ids": ["222222222222"] * 2}, "must be distinct 12-digit"),
    ("layer", {"shared_with_organization_id": "acme"}, "shared_with_organization_id must be null or"),
    ("function", {"log_retention_days": 42}, "log_retention_days must be one of 1, 3, 5, 7"),
    ("function", {"architecture": "arm"}, 'architecture must be "arm64" or "x86_64"'),
    (
        "function",
        {"vpc_config": {"subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"]}},
        "at least two subnets",
    ),
    ("function", {"maximum_retry_attempts": 3}, "must be 0, 1 or 2"),
    ("function", {"timeout_seconds": 901}, "between 1 and 900"),
    ("function", {"kms_key_arn": "alias/mine"}, "must be a KMS key ARN"),
    ("function", {"environment_variables": {"AWS_REGION": "x"}}, "not start with AWS_"),
    ("function", {"alarm_https_endpoints": ["http://hooks.example.com/x"]}, "must hold https:// URLs"),
    ("function", {"reserved_concurrent_executions": 2.5}, "must be null or a whole number >= 0"),
    ("function", {"reserved_concurrent_executions": -1}, "must be null or a whole number >= 0"),
    ("function", {"alarm_thresholds": {"objects_missing": -1}}, "must all be whole numbers >= 0"),
    ("function", {"alarm_thresholds": {"duration_p99_percent_of_timeout": 150}}, "between 1 and 100"),
    ("function", {"alarm_thresholds": {"failure_queue_oldest_age_seconds": 30}}, "at least 60"),
    ("function", {"alarm_thresholds": {"trigger_queue_oldest_age_seconds": 10}}, "at least 60"),
    ("function", {"signing_profile_version_arn": None}, "signing_profile_version_arn"),
    (
        "function",
        {"signing_profile_version_arn": "arn:aws:signer:eu-central-1:111111111111:/signing-profiles/deps"},
        "must be a signing profile version ARN",
    ),
    ("function", {"trigger_mode": "kafka"}, 'trigger_mode must be one of "s3", "eventbridge", "sqs"'),
    ("function", {"trigger_queue_name": "queue.fifo"}, "trigger_queue_name must be 1-80 letters"),
    ("function", {"sqs_trigger": {"batch_size": 0}}, "batch_size must be a whole number between 1 and 10000"),
    (
        "function",
        {"sqs_trigger": {"batch_size": 100, "maximum_batching_window_seconds": 0}},
        "above 10 needs",
    ),
    (
        "function",
        {"sqs_trigger": {"maximum_concurrency": 1}},
        "maximum_concurrency must be between 2 and 1000",
    ),
    ("function", {"sqs_trigger": {"max_receive_count": 0}}, "max_receive_count must be between 1 and 1000"),
    ("function", {"eventbridge_retry": {"maximum_retry_attempts": 186}}, "between 0 and 185"),
    ("function", {"eventbridge_retry": {"maximum_event_age_seconds": 30}}, "between 60 and 86400"),
    ("iam", {"trigger_mode": "queue"}, 'trigger_mode must be one of "s3", "eventbridge", "sqs"'),
    ("buckets", {"trigger_mode": "queue"}, 'trigger_mode must be one of "s3", "eventbridge", "sqs"'),
]


# Validations that compare two variables are only evaluated once values are known: at plan.
BAD_AT_PLAN = [
    ("function", {"results_bucket_name": "trigger-bucket"}, "would invoke the function again"),
    ("function", {"snapstart_enabled": True, "ephemeral_storage_mb": 1024}, "SnapStart does not support"),
    (
        "function",
        {"alarm_email_addresses": [], "alarm_https_endpoints": []},
        "The alarms must reach a person",
    ),
    ("buckets", {"create_kms_key": True}, "create_kms_key needs key_administrator_arns"),
    ("function", {"trigger_mode": "sqs"}, 'trigger_mode "sqs" needs trigger_queue_name'),
    (
        "function",
        {
            "trigger_mode": "sqs",
            "trigger_queue_name": "processor-trigger",
            "reserved_concurrent_executions": 3,
        },
        "sqs_trigger.maximum_concurrency must not exceed reserved_concurrent_executions",
    ),
    (
        "function",
        {
            "trigger_mode": "eventbridge",
            "runtime": "java21",
            "handler": "fileprocessor.Handler::handleRequest",
        },
        "needs the Python function",
    ),
    (
        "function",
        {"trigger_mode": "eventbridge", "trigger_prefix": "in box/"},
        "the rule matches URL-encoded keys",
    ),
    ("iam", {"trigger_mode": "sqs"}, 'trigger_mode "sqs" needs trigger_queue_name'),
    (
        "network",
        {"availability_zones": ["us-east-1a", "us-east-1q"]},
        "names zones that us-east-1 does not have",
    ),
]


def module_call(module: str, inputs: dict) -> str:
    arguments = "\n".join(f"  {name} = {json.dumps(value)}" for name, value in inputs.items())
    return f'module "under_test" {{\n  source = "{MODULES / module}"\n{arguments}\n}}\n'


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """One initialised root per module source, reused by every case (init links the provider)."""
    return tmp_path_factory.mktemp("module-inputs")


def validate(workdir: Path, module: str, inputs: dict) -> str:
    root = workdir / module
    root.mkdir(exist_ok=True)
    (root / "main.tf").write_text(module_call(module, inputs))
    if not (root / ".terraform").exists():
        init = run_tool(["tofu", "init", "-backend=false", "-input=false", "-no-color"], cwd=root)
        assert init.returncode == 0, init.stdout + init.stderr
    result = run_tool(["tofu", "validate", "-no-color"], cwd=root)
    return ("" if result.returncode else "VALID\n") + result.stdout + result.stderr


@pytest.mark.parametrize("module", sorted(VALID))
def test_valid_inputs_validate(workdir, module):
    assert validate(workdir, module, VALID[module]).startswith("VALID"), module


@pytest.mark.parametrize(
    ("module", "bad", "message"), BAD, ids=[f"{m}-{next(iter(b))}-{i}" for i, (m, b, _) in enumerate(BAD)]
)
def test_a_bad_value_fails_validate_with_the_modules_message(workdir, module, bad, message):
    output = validate(workdir, module, {**VALID[module], **bad})

    assert not output.startswith("VALID"), output
    assert message in " ".join(output.split()), output


def standin_root(tmp_path: Path, endpoint: str, body: str) -> Path:
    (tmp_path / "main.tf").write_text(
        textwrap.dedent(
            f"""
            provider "aws" {{
              region                      = "us-east-1"
              skip_credentials_validation = true
              skip_requesting_account_id  = true
              s3_use_path_style           = true
              endpoints {{
                ec2    = "{endpoint}"
                s3     = "{endpoint}"
                lambda = "{endpoint}"
                signer = "{endpoint}"
                sts    = "{endpoint}"
              }}
            }}
            """
        )
        + body
    )
    return tmp_path


def empty_package(directory: Path, name: str = "function.zip") -> dict[str, str]:
    """package_path and package_sha256 of an empty zip, for plans that must get past the package check."""
    package = directory / name
    package.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    return {"package_path": str(package), "package_sha256": hashlib.sha256(package.read_bytes()).hexdigest()}


def plan(root: Path, env: dict[str, str]) -> tuple[int, str]:
    init = run_tool(["tofu", "init", "-input=false", "-no-color"], cwd=root, env=env)
    assert init.returncode == 0, init.stdout + init.stderr
    result = run_tool(["tofu", "plan", "-input=false", "-no-color"], cwd=root, env=env)
    return result.returncode, " ".join(result.stdout.split() + result.stderr.split())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "bad", "message"),
    BAD_AT_PLAN,
    ids=[
        "recursive-results",
        "snapstart-storage",
        "alarms-reach-nobody",
        "key-without-administrators",
        "sqs-without-queue-name",
        "sqs-concurrency-over-reserved",
        "java-with-eventbridge",
        "eventbridge-prefix-with-space",
        "iam-sqs-without-queue-name",
        "unknown-zone",
    ],
)
def test_a_bad_combination_of_values_fails_plan_with_the_modules_message(
    tmp_path, standin_endpoint, standin_env, module, bad, message
):
    inputs = {**VALID[module], **bad}
    if module == "function":
        # The package's existence is checked first; give it one so the case reaches its own check.
        inputs |= empty_package(tmp_path)
    root = standin_root(tmp_path, standin_endpoint, module_call(module, inputs))

    returncode, output = plan(root, toolchain_env(**standin_env))

    assert returncode != 0
    assert message in output


@pytest.mark.slow
def test_vpc_subnets_in_one_availability_zone_fail_plan_with_the_modules_message(
    tmp_path, standin, standin_endpoint, standin_env
):
    ec2 = standin.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{index}.0/24", AvailabilityZone="us-east-1a")["Subnet"]
        for index in (1, 2)
    ]
    group = ec2.create_security_group(GroupName="fn", Description="function", VpcId=vpc)["GroupId"]
    inputs = {
        **VALID["function"],
        **empty_package(tmp_path),
        "vpc_config": {"subnet_ids": [s["SubnetId"] for s in subnets], "security_group_ids": [group]},
    }
    root = standin_root(tmp_path, standin_endpoint, module_call("function", inputs))

    returncode, output = plan(root, toolchain_env(**standin_env))

    assert returncode != 0
    assert "must span at least two availability zones" in output


@pytest.mark.slow
def test_a_package_that_is_not_the_recorded_build_fails_plan(tmp_path, standin_endpoint, standin_env):
    inputs = {**VALID["layer"], **empty_package(tmp_path, "layer.zip"), "package_sha256": SHA}
    root = standin_root(tmp_path, standin_endpoint, module_call("layer", inputs))

    returncode, output = plan(root, toolchain_env(**standin_env))

    assert returncode != 0
    assert f"but this environment is recorded to run {SHA}" in output


@pytest.mark.slow
def test_a_shared_layer_version_grants_exactly_the_listed_accounts_and_organization(
    tmp_path, standin, standin_endpoint, standin_env
):
    s3 = standin.client("s3")
    s3.create_bucket(Bucket="shared-layer-artifacts")
    # Versioned, and a zip with content, as the layer's signing job needs (modules/layer/signing.tf).
    s3.put_bucket_versioning(Bucket="shared-layer-artifacts", VersioningConfiguration={"Status": "Enabled"})
    package = tmp_path / "layer.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("python/shared.py", "VALUE = 1\n")
    inputs = {
        **VALID["layer"],
        "layer_name": "shared-deps",
        "artifacts_bucket_name": "shared-layer-artifacts",
        "package_path": str(package),
        "package_sha256": hashlib.sha256(package.read_bytes()).hexdigest(),
        "shared_with_account_ids": ["222222222222", "444444444444"],
        "shared_with_organization_id": "o-a1b2c3d4e5",
    }
    body = (
        module_call("layer", inputs)
        + 'output "shared" { value = module.under_test.shared_layer_version_arn }\n'
    )
    root = standin_root(tmp_path, standin_endpoint, body)
    env = toolchain_env(**standin_env)
    init = run_tool(["tofu", "init", "-input=false", "-no-color"], cwd=root, env=env)
    assert init.returncode == 0, init.stdout + init.stderr

    applied = run_tool(["tofu", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=root, env=env)

    assert applied.returncode == 0, applied.stdout + applied.stderr
    shared = run_tool(["tofu", "output", "-raw", "shared"], cwd=root, env=env).stdout
    name, version = shared.split(":")[-2:]
    policy = json.loads(
        standin.client("lambda").get_layer_version_policy(LayerName=name, VersionNumber=int(version))[
            "Policy"
        ]
    )
    grants = {
        (statement["Sid"], json.dumps(statement["Principal"]), json.dumps(statement.get("Condition")))
        for statement in policy["Statement"]
    }
    assert {sid for sid, _, _ in grants} == {"account-222222222222", "account-444444444444", "organization"}
    assert all(statement["Action"] == "lambda:GetLayerVersion" for statement in policy["Statement"])
    (organization,) = [s for s in policy["Statement"] if s["Sid"] == "organization"]
    assert organization["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
