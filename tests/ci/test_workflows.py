"""The GitHub Actions workflows, read as YAML: pinned actions, Makefile targets instead of
duplicated commands, GitHub Environments and concurrency for every apply, a typed confirmation for
destroy, least privilege, and OIDC instead of stored keys. actionlint runs over them as well."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS_DIR = GITHUB / "workflows"
ACTIONLINT = ROOT / ".tools" / "bin" / "actionlint"

PIN_ROW = re.compile(
    r"^\| (?P<action>[\w./-]+) \| (?P<version>v\d+\.\d+\.\d+) \| `(?P<sha>[0-9a-f]{40})` \|$"
)


def verified_pins() -> dict[str, tuple[str, str]]:
    """The pin table of .github/README.md, which also says how each pairing was verified: changing a
    pin means verifying it again and updating that table."""
    rows = (PIN_ROW.match(line) for line in (GITHUB / "README.md").read_text(encoding="utf-8").splitlines())
    return {row["action"]: (row["sha"], row["version"]) for row in rows if row}


VERIFIED_PINS = verified_pins()

USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
PINNED_REF = re.compile(r"^(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@(?P<sha>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"^\s+# (?P<version>v\d+\.\d+\.\d+)\s*$")

# What the Makefile targets run: a workflow calls the target instead of repeating its commands.
TOOL_WORDS = re.compile(
    r"(?<![\w-])(terragrunt|tofu|terraform|pytest|pre-commit|checkov|tflint|actionlint|ruff|pip3?|"
    r"python3?(\.\d+)?|go|scripts/[\w./-]+|\.venv/[\w./-]+|\.tools/[\w./-]+)(?![\w-])"
)
# Commands a step may use without a Makefile target: reading a manifest, writing GitHub's output,
# summary and annotations, and failing.
GLUE_COMMANDS = {"echo", "printf", "jq", "cat", "exit", "if", "then", "else", "fi", "[", "test", "{", "}"}

ENVIRONMENTS = ("dev", "staging", "prod")


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in document:
        document["on"] = document.pop(True)
    return document


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS_DIR.glob("*.yml"))


def action_files() -> list[Path]:
    return sorted((GITHUB / "actions").glob("*/action.yml"))


def all_files() -> list[Path]:
    return workflow_files() + action_files()


def steps_of(path: Path) -> list[tuple[str, dict]]:
    """(job id, step) for every step of a workflow, or ("<action>", step) of a composite action."""
    document = load(path)
    if "jobs" in document:
        return [(job_id, step) for job_id, job in document["jobs"].items() for step in job.get("steps", [])]
    return [("<action>", step) for step in document["runs"]["steps"]]


def run_scripts() -> list[tuple[str, str]]:
    return [
        (f"{path.relative_to(ROOT)}:{job_id}", step["run"])
        for path in all_files()
        for job_id, step in steps_of(path)
        if "run" in step
    ]


def command_words(script: str) -> list[str]:
    """The command word of every line and of every $(...) substitution (enough for glue steps)."""
    words = []
    for raw in script.splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        for part in [line, *re.findall(r"\$\(([^()]*)\)", line)]:
            tokens = shlex.split(part.replace(">>", " >> "), posix=True)
            while tokens and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", tokens[0]):
                tokens.pop(0)  # NAME=value assignments
            if tokens:
                words.append(tokens[0])
    return words


def configure_aws_steps(document: dict) -> list[tuple[str, dict, dict]]:
    return [
        (job_id, job, step)
        for job_id, job in document["jobs"].items()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    ]


def make_runs(job: dict) -> list[str]:
    return [step["run"].strip() for step in job.get("steps", []) if step.get("run", "").startswith("make ")]


# --- pins ---------------------------------------------------------------------------------------


def test_the_pin_table_is_read():
    assert "aws-actions/configure-aws-credentials" in VERIFIED_PINS
    assert len(VERIFIED_PINS) == 8


def test_the_five_workflows_exist():
    assert {path.stem for path in workflow_files()} >= {"checks", "plan", "deploy", "destroy", "drift"}


@pytest.mark.parametrize("path", all_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_action_is_pinned_to_a_verified_commit_with_its_version(path: Path):
    uses = [match for line in path.read_text().splitlines() if (match := USES_LINE.match(line))]
    assert uses, f"{path.name}: no uses: lines found"
    for match in uses:
        ref = match["ref"]
        if ref.startswith("./"):
            assert (ROOT / ref / "action.yml").exists(), f"{path.name}: no local action {ref}"
            continue
        pinned = PINNED_REF.match(ref)
        assert pinned, f"{path.name}: {ref} is not pinned to a 40-hex commit SHA"
        comment = VERSION_COMMENT.match(match["rest"])
        assert comment, f"{path.name}: {ref} needs a '# vX.Y.Z' comment"
        assert pinned["action"] in VERIFIED_PINS, f"{path.name}: {pinned['action']} has no verified pin"
        assert (pinned["sha"], comment["version"]) == VERIFIED_PINS[pinned["action"]], (
            f"{path.name}: {ref} # {comment['version']} differs from the verified pin"
        )


# --- Makefile targets, not duplicated commands ------------------------------------------------------


@pytest.mark.parametrize(("where", "script"), run_scripts(), ids=lambda value: value.split("\n")[0][:60])
def test_run_steps_call_make_targets_or_are_glue(where: str, script: str):
    assert not TOOL_WORDS.search(script), f"{where}: calls a tool directly; use its Makefile target\n{script}"
    words = command_words(script)
    if script.lstrip().startswith("make "):
        lines = [line for line in script.strip().splitlines() if line.strip()]
        assert len(lines) == 1, f"{where}: one Makefile target per step\n{script}"
    else:
        extra = sorted(set(words) - GLUE_COMMANDS)
        assert not extra, f"{where}: a step that does work must start with `make `; found {extra}"


def test_the_glue_checker_rejects_direct_tool_calls():
    assert TOOL_WORDS.search("cd live && terragrunt run --all plan")
    assert TOOL_WORDS.search("pre-commit run --all-files")
    assert TOOL_WORDS.search(".venv/bin/pytest -q")
    assert not TOOL_WORDS.search("make plan ENV=dev REGION=eu-central-1")
    assert set(command_words('x="$(jq -r .a f)"\necho "$x" >> "$GITHUB_OUTPUT"')) <= GLUE_COMMANDS
    assert "bash" in command_words("bash scripts/anything.sh")


# --- checks -----------------------------------------------------------------------------------------


def test_checks_runs_make_test_then_build_on_pull_requests_and_main():
    checks = load(WORKFLOWS_DIR / "checks.yml")
    assert "pull_request" in checks["on"]
    assert checks["on"]["push"]["branches"] == ["main"]
    assert checks["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    (job,) = checks["jobs"].values()
    assert make_runs(job) == ["make test", "make build"]
    uses = [step.get("uses", "") for step in job["steps"]]
    assert uses.index("./.github/actions/toolchain") < uses.index("./.github/actions/publish-packages")


def test_the_toolchain_is_cached_on_its_pins():
    toolchain = load(GITHUB / "actions" / "toolchain" / "action.yml")
    (cache,) = [
        step for step in toolchain["runs"]["steps"] if step.get("uses", "").startswith("actions/cache@")
    ]
    paths = set(cache["with"]["path"].split())
    assert paths == {"~/.cache/file-processor-tools", "~/go/pkg/mod", "~/.cache/go-build", "~/.cache/pip"}
    assert "hashFiles('tools/**', 'requirements-*.txt')" in cache["with"]["key"]
    assert toolchain["runs"]["steps"][-1]["run"] == "make setup"
    versions = {
        step.get("uses", "").split("@")[0]: step.get("with", {}) for step in toolchain["runs"]["steps"]
    }
    assert versions["actions/setup-go"]["go-version"] == "1.26"
    assert versions["actions/setup-python"]["python-version"] == "3.13"
    assert versions["actions/setup-java"]["distribution"] == "temurin"
    assert versions["actions/setup-java"]["java-version"] == "25"


def test_packages_are_uploaded_under_their_sha256s_and_listed_in_the_summary():
    publish = load(GITHUB / "actions" / "publish-packages" / "action.yml")
    name_step, upload = publish["runs"]["steps"]
    assert "artifact=packages-layer-${layer}-function-${function}" in name_step["run"]
    assert "$GITHUB_STEP_SUMMARY" in name_step["run"]
    assert upload["with"]["path"].strip().splitlines() == [
        "build/store/*",
        "build/${{ inputs.target }}/manifest.json",
    ]
    assert upload["with"]["if-no-files-found"] == "error"


# --- plan ---------------------------------------------------------------------------------------------


def test_plan_runs_per_environment_and_region_on_infrastructure_pull_requests():
    plan = load(WORKFLOWS_DIR / "plan.yml")
    assert set(plan["on"]) == {"pull_request", "workflow_dispatch"}
    assert set(plan["on"]["pull_request"]["paths"]) >= {
        "live/**",
        "modules/**",
        "terragrunt.hcl",
        "src/**",
        "layer-requirements/**",
    }
    jobs = plan["jobs"]
    combos = {
        (item["environment"], item["region"])
        for job in jobs.values()
        for item in job["strategy"]["matrix"]["include"]
    }
    assert combos == {
        ("dev", "eu-central-1"),
        ("staging", "eu-central-1"),
        ("prod", "eu-central-1"),
        ("prod", "eu-west-1"),
    }
    for job in jobs.values():
        plan_line = (
            'make plan ENV=${{ matrix.environment }} REGION=${{ matrix.region }} PLAN_SUMMARY="$PLAN_SUMMARY"'
        )
        assert make_runs(job) == ["make fetch-builds ENV=${{ matrix.environment }}", plan_line]
        steps = job["steps"]
        (fetch,) = [step for step in steps if step.get("run", "").startswith("make fetch-builds")]
        (credentials,) = [step for step in steps if step.get("uses", "").startswith("aws-actions/")]
        assert steps.index(fetch) < steps.index(credentials), "no AWS credentials before the offline steps"
        summary = steps[-1]
        assert summary["if"] == "${{ !cancelled() }}"
        assert 'cat "$PLAN_SUMMARY" >> "$GITHUB_STEP_SUMMARY"' in summary["run"]


def test_dev_and_staging_plan_on_pull_requests_and_prod_only_after_approval():
    jobs = load(WORKFLOWS_DIR / "plan.yml")["jobs"]
    pull_requests, prod = jobs["plan"], jobs["plan-prod"]
    assert "environment" not in pull_requests, "their plan roles trust pull_request tokens"
    assert pull_requests["if"] == "github.event_name == 'pull_request'"
    assert {item["environment"] for item in pull_requests["strategy"]["matrix"]["include"]} == {
        "dev",
        "staging",
    }
    # The prod plan role trusts only jobs in this GitHub Environment (modules/github-oidc).
    assert prod["environment"] == "prod-plan"
    assert {item["environment"] for item in prod["strategy"]["matrix"]["include"]} == {"prod"}
    (credentials,) = [step for step in prod["steps"] if step.get("uses", "").startswith("aws-actions/")]
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_PLAN_ROLE_ARN }}"


def test_drift_runs_daily_per_environment_and_region_and_fails_on_drift():
    drift = load(WORKFLOWS_DIR / "drift.yml")
    assert set(drift["on"]) == {"schedule", "workflow_dispatch"}
    (job,) = drift["jobs"].values()
    combos = {(item["environment"], item["region"]) for item in job["strategy"]["matrix"]["include"]}
    assert combos == {
        ("dev", "eu-central-1"),
        ("staging", "eu-central-1"),
        ("prod", "eu-central-1"),
        ("prod", "eu-west-1"),
    }
    assert "environment" not in job, "the plan roles trust drift.yml on the default branch without one"
    assert job["if"] == "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    drift_line = (
        'make drift ENV=${{ matrix.environment }} REGION=${{ matrix.region }} DRIFT_SUMMARY="$DRIFT_SUMMARY"'
    )
    assert make_runs(job) == ["make fetch-builds ENV=${{ matrix.environment }}", drift_line]
    summary = job["steps"][-1]
    assert summary["if"] == "${{ !cancelled() }}"
    assert 'cat "$DRIFT_SUMMARY" >> "$GITHUB_STEP_SUMMARY"' in summary["run"]


def test_make_plan_is_lock_free():
    """The plan roles may not write the state lock: `make plan` passes -lock=false to every unit."""
    source = (ROOT / "scripts" / "release" / "rollout.py").read_text(encoding="utf-8")
    assert 'run_all(args.env, ["plan", "-lock=false"]' in source


# --- deploy -----------------------------------------------------------------------------------------


def test_deploy_builds_once_then_applies_dev_staging_prod_in_order():
    deploy = load(WORKFLOWS_DIR / "deploy.yml")
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    jobs = deploy["jobs"]
    assert make_runs(jobs["build"]) == ["make build", "make verify-record ENV=dev"]
    assert jobs["build"]["outputs"]["artifact"] == "${{ steps.publish.outputs.artifact }}"
    assert jobs["deploy-dev"]["needs"] == "build"
    assert set(jobs["deploy-staging"]["needs"]) == {"build", "deploy-dev"}
    assert set(jobs["deploy-prod"]["needs"]) == {"build", "deploy-staging"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_deploy_job_uses_its_environment_lock_artifacts_and_role(environment: str):
    job = load(WORKFLOWS_DIR / "deploy.yml")["jobs"][f"deploy-{environment}"]

    assert job["environment"] == environment
    assert job["concurrency"] == {"group": f"deploy-{environment}", "cancel-in-progress": False}
    assert job["permissions"] == {"contents": "read", "id-token": "write"}

    steps = job["steps"]
    (download,) = [step for step in steps if step.get("uses", "").startswith("actions/download-artifact@")]
    assert download["with"] == {"name": "${{ needs.build.outputs.artifact }}", "path": "build"}
    (credentials,) = [step for step in steps if step.get("uses", "").startswith("aws-actions/")]
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert steps.index(download) < steps.index(credentials)
    # Nothing that runs before the credentials step needs them: checking the record and fetching
    # its packages run without AWS access.
    (fetch,) = [step for step in steps if step.get("run", "").startswith("make fetch-builds")]
    assert steps.index(fetch) < steps.index(credentials)

    assert make_runs(job) == [
        f"make check-record ENV={environment}",
        f"make fetch-builds ENV={environment}",
        f"make rollout ENV={environment}",
    ]


# --- destroy ----------------------------------------------------------------------------------------


def test_destroy_is_manual_and_checks_the_typed_confirmation_first():
    destroy = load(WORKFLOWS_DIR / "destroy.yml")
    inputs = destroy["on"]["workflow_dispatch"]["inputs"]
    assert set(destroy["on"]) == {"workflow_dispatch"}
    assert inputs["environment"]["type"] == "choice"
    assert inputs["environment"]["options"] == list(ENVIRONMENTS)
    assert inputs["confirm"] == {**inputs["confirm"], "type": "string", "required": True}

    confirm, run = destroy["jobs"]["confirm"], destroy["jobs"]["destroy"]
    assert "environment" not in confirm, "the check must run before the environment's approval"
    (check,) = confirm["steps"]
    assert check["env"] == {
        "ENVIRONMENT": "${{ inputs.environment }}",
        "CONFIRM": "${{ inputs.confirm }}",
        "REF": "${{ github.ref }}",
        "DEFAULT_REF": "refs/heads/${{ github.event.repository.default_branch }}",
    }
    assert '[ "$CONFIRM" != "$ENVIRONMENT" ]' in check["run"]
    assert '[ "$REF" != "$DEFAULT_REF" ]' in check["run"]
    assert "exit 1" in check["run"]

    assert run["needs"] == "confirm"
    # From the default branch only (and the deploy roles trust destroy.yml only there).
    assert run["if"] == "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    assert run["environment"] == "${{ inputs.environment }}"
    assert run["concurrency"] == {"group": "deploy-${{ inputs.environment }}", "cancel-in-progress": False}
    assert make_runs(run) == ['make destroy ENV="$ENVIRONMENT" CONFIRM="$CONFIRM"']


def test_no_workflow_interpolates_free_text_inputs_into_a_script():
    for where, script in run_scripts():
        assert "inputs.confirm" not in script, where


# --- permissions and OIDC ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_permissions_are_declared_and_least_privilege(path: Path):
    document = load(path)
    assert document["permissions"] == {"contents": "read"}, (
        "workflow default: read the repository, nothing else"
    )
    for job_id, job in document["jobs"].items():
        permissions = job.get("permissions", document["permissions"])
        assert isinstance(permissions, dict), f"{job_id}: no read-all/write-all"
        allowed = {"contents": "read", "id-token": "write"}
        assert all(allowed.get(scope) == level for scope, level in permissions.items()), (
            f"{job_id}: {permissions}"
        )
        uses_aws = any(step.get("uses", "").startswith("aws-actions/") for step in job.get("steps", []))
        assert (permissions.get("id-token") == "write") == uses_aws, (
            f"{job_id}: id-token only where AWS is used"
        )


def test_aws_access_is_oidc_only():
    for path in [*all_files(), *GITHUB.rglob("*.y*ml")]:
        text = path.read_text(encoding="utf-8").lower()
        for stored_key in (
            "aws-access-key-id",
            "aws-secret-access-key",
            "aws_access_key_id",
            "aws_secret_access_key",
        ):
            assert stored_key not in text, f"{path.relative_to(ROOT)} mentions {stored_key}"
    for path in workflow_files():
        for job_id, _job, step in configure_aws_steps(load(path)):
            assert step["with"]["role-to-assume"].startswith("${{ vars"), f"{path.name}:{job_id}"
            assert "secrets." not in str(step["with"]), f"{path.name}:{job_id}"


def test_checkout_never_keeps_the_token():
    for path in workflow_files():
        for job_id, step in steps_of(path):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, f"{path.name}:{job_id}"


# --- actionlint ---------------------------------------------------------------------------------------


def test_actionlint_passes():
    if not ACTIONLINT.exists():
        pytest.fail("actionlint is not set up: run `make setup`")
    result = subprocess.run(
        [str(ACTIONLINT), "-color=false"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
