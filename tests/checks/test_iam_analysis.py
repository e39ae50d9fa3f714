"""scripts/checks/iam_analysis.py: cloudsplaining (default and flag-all-risky-actions) and parliament
over named policies, offline. A least-privilege read is silent in cloudsplaining's default mode and
in parliament; a privilege-escalating statement is flagged by every tool that sees it and fails the
CLI; a reviewed entry suppresses exactly the findings it names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from checks.iam_analysis import (
    CLOUDSPLAINING,
    PARLIAMENT,
    Finding,
    Reviewed,
    analyse,
    main,
    parse_reviewed,
    unreviewed,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "checks" / "iam_analysis.py"

LEAST_PRIVILEGE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::artifacts-bucket/build.zip"}
    ],
}
ESCALATING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:PutRolePolicy", "iam:PassRole"], "Resource": "*"}],
}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
POLICIES = {"workload/function-role": LEAST_PRIVILEGE, "deploy/prod": ESCALATING, "deploy/admin": ADMIN}
MODES = ("default", "flag-all-risky-actions")


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return analyse(POLICIES)


def of(findings: list[Finding], policy: str, tool: str | None = None, mode: str | None = None) -> set[tuple]:
    return {
        (f.mode, f.kind, f.detail)
        for f in findings
        if f.policy == policy and tool in (None, f.tool) and mode in (None, f.mode)
    }


def review(policy: str, tool: str, kind: str, detail: str) -> Reviewed:
    return Reviewed(policy, tool, kind, detail, neutralised_by="The statement's Resource is one object ARN.")


def test_least_privilege_read_is_silent_except_where_flag_all_flags_it_by_design(findings):
    name = "workload/function-role"
    assert of(findings, name, CLOUDSPLAINING, "default") == set()
    assert of(findings, name, PARLIAMENT) == set()
    # --flag-all-risky-actions flags s3:GetObject (one of cloudsplaining's default include-actions)
    # whatever its Resource: that is the mode's purpose, so a person reviews the constraint once.
    assert of(findings, name, CLOUDSPLAINING, "flag-all-risky-actions") == {
        ("flag-all-risky-actions", "data-exfiltration", "s3:GetObject"),
        ("flag-all-risky-actions", "infrastructure-modification", "s3:GetObject"),
    }
    reviewed = [
        review(name, CLOUDSPLAINING, "data-exfiltration", "s3:GetObject"),
        review(name, CLOUDSPLAINING, "infrastructure-modification", "s3:GetObject"),
    ]
    assert [f for f in unreviewed(findings, reviewed) if f.policy == name] == []


@pytest.mark.parametrize("mode", MODES)
def test_escalating_statement_is_flagged_by_both_cloudsplaining_modes(findings, mode):
    assert of(findings, "deploy/prod", CLOUDSPLAINING, mode) == {
        (mode, "privilege-escalation", "PutRolePolicy"),
        (mode, "resource-exposure", "iam:PassRole"),
        (mode, "resource-exposure", "iam:PutRolePolicy"),
        (mode, "infrastructure-modification", "iam:PassRole"),
        (mode, "infrastructure-modification", "iam:PutRolePolicy"),
    }


def test_escalating_statement_is_flagged_by_parliament(findings):
    assert of(findings, "deploy/prod", PARLIAMENT) == {
        ("lint", "RESOURCE_STAR", "iam:PassRole"),
        ("lint", "RESOURCE_STAR", "iam:PutRolePolicy"),
    }


@pytest.mark.parametrize("mode", MODES)
def test_star_on_star_is_flagged_by_both_cloudsplaining_modes(findings, mode):
    kinds = {kind for _, kind, _ in of(findings, "deploy/admin", CLOUDSPLAINING, mode)}
    assert kinds == {
        "privilege-escalation",
        "resource-exposure",
        "data-exfiltration",
        "infrastructure-modification",
        "credentials-exposure",
        "service-wildcard",
    }
    assert (mode, "privilege-escalation", "PutRolePolicy") in of(findings, "deploy/admin", mode=mode)
    assert (mode, "service-wildcard", "iam") in of(findings, "deploy/admin", mode=mode)


def test_parliament_default_auditors_do_not_flag_star_on_star(findings):
    # RESOURCE_STAR is for specific actions; parliament's default lint has nothing to say about "*".
    assert of(findings, "deploy/admin", PARLIAMENT) == set()


def test_parliament_import_leaves_no_pkg_resources_stand_in_behind(findings):
    # setuptools >= 82 has no pkg_resources; iam_analysis lends parliament one for its import only.
    assert "pkg_resources" not in sys.modules or sys.modules["pkg_resources"].__spec__ is not None


def test_reviewed_entry_suppresses_exactly_that_finding(findings):
    entry = review("deploy/*", CLOUDSPLAINING, "privilege-escalation", "PutRolePolicy")
    suppressed = set(findings) - set(unreviewed(findings, [entry]))
    assert suppressed == {
        f
        for f in findings
        if f.policy in {"deploy/prod", "deploy/admin"}
        and (f.tool, f.kind, f.detail) == (CLOUDSPLAINING, "privilege-escalation", "PutRolePolicy")
    }
    assert {f.mode for f in suppressed} == set(MODES)


def test_reviewed_entry_for_one_policy_leaves_others():
    finding = Finding(CLOUDSPLAINING, "default", "deploy/prod", "resource-exposure", "iam:PassRole", "high")
    other_policy = Finding(CLOUDSPLAINING, "default", "deploy-old/prod", "resource-exposure", "iam:PassRole")
    other_tool = Finding(PARLIAMENT, "lint", "deploy/prod", "resource-exposure", "iam:PassRole")
    other_detail = Finding(CLOUDSPLAINING, "default", "deploy/prod", "resource-exposure", "iam:PutRolePolicy")
    entry = review("deploy/*", CLOUDSPLAINING, "resource-exposure", "iam:PassRole")
    assert unreviewed([finding, other_policy, other_tool, other_detail], [entry]) == [
        other_policy,
        other_tool,
        other_detail,
    ]


def test_malformed_reviewed_entry_is_refused():
    with pytest.raises(ValueError, match="entry 0"):
        parse_reviewed([{"policy": "deploy/*", "tool": "parliament", "kind": "RESOURCE_STAR", "detail": "x"}])
    with pytest.raises(ValueError, match="non-empty"):
        parse_reviewed([{"policy": "*", "tool": "t", "kind": "k", "detail": "d", "neutralised_by": " "}])


def test_repository_reviewed_file_is_well_formed():
    parse_reviewed(json.loads((ROOT / "modules/github-oidc/reviewed-findings.json").read_text()))


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_cli_exits_1_naming_the_escalating_statement(tmp_path):
    policies = write(tmp_path / "policies.json", {"deploy/prod": ESCALATING})
    reviewed = write(tmp_path / "reviewed.json", [])
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--policies", str(policies), "--reviewed", str(reviewed)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stderr.splitlines()
    for mode in MODES:
        assert (
            f"UNREVIEWED deploy/prod: cloudsplaining [{mode}] privilege-escalation PutRolePolicy (high)"
            in lines
        )
    assert "UNREVIEWED deploy/prod: parliament [lint] RESOURCE_STAR iam:PassRole (low)" in lines
    assert "12 of 12 findings unreviewed" in run.stderr


def test_cli_exits_0_when_every_finding_is_reviewed(tmp_path, capsys):
    policies = write(tmp_path / "policies.json", {"workload/function-role": LEAST_PRIVILEGE})
    entries = [
        {"policy": "workload/*", "tool": CLOUDSPLAINING, "kind": kind, "detail": "s3:GetObject"}
        | {"neutralised_by": "Resource is the one object the function reads."}
        for kind in ("data-exfiltration", "infrastructure-modification")
    ]
    reviewed = write(tmp_path / "reviewed.json", entries)
    assert main(["--policies", str(policies), "--reviewed", str(reviewed)]) == 0
    assert "2 findings, all reviewed" in capsys.readouterr().out


def test_cli_exits_2_on_a_malformed_policies_file(tmp_path, capsys):
    policies = write(tmp_path / "policies.json", ["not", "an", "object"])
    reviewed = write(tmp_path / "reviewed.json", [])
    assert main(["--policies", str(policies), "--reviewed", str(reviewed)]) == 2
    assert "policy name -> policy document" in capsys.readouterr().err
