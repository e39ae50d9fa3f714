#!/usr/bin/env python3
"""IAM policy analysis: cloudsplaining (in two modes) and parliament over named policy documents.

Each policy (a name such as ``deploy/prod`` or ``workload/function-role`` and its IAM policy
document) is analysed offline by:

- cloudsplaining, over a synthesized ``aws iam get-account-authorization-details`` document in which
  each policy is the inline policy of a role named after it, once in its default mode (only
  statements without resource constraints or conditions count) and once as with the CLI's
  ``--flag-all-risky-actions`` (risky actions count whatever their resources or conditions);
- parliament's lint of each document (its default auditors, its CLI's minimum severity LOW).

A finding that a person has reviewed is listed in a reviewed-findings file (JSON: a list of
``{"policy": "<name glob>", "tool", "kind", "detail", "neutralised_by": "<one sentence>"}``); every
other finding fails the check.

Usage:
    scripts/checks/iam_analysis.py --policies POLICIES.json [--reviewed REVIEWED.json]

POLICIES.json is an object of name -> policy document. Exits 1 listing every unreviewed finding,
0 when there is none, 2 when an input file is malformed.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import importlib.resources
import importlib.util
import json
import re
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudsplaining.scan.authorization_details import AuthorizationDetails
from cloudsplaining.shared.constants import DEFAULT_EXCLUSIONS_CONFIG
from cloudsplaining.shared.exclusions import Exclusions

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REVIEWED = ROOT / "modules" / "github-oidc" / "reviewed-findings.json"

CLOUDSPLAINING = "cloudsplaining"
PARLIAMENT = "parliament"
# cloudsplaining's mode name -> whether statements with conditions and resource ARNs are flagged too.
CLOUDSPLAINING_MODES = {"default": False, "flag-all-risky-actions": True}
PARLIAMENT_MODE = "lint"
# cloudsplaining's result sections -> the kind a Finding carries.
CLOUDSPLAINING_KINDS = {
    "PrivilegeEscalation": "privilege-escalation",
    "ResourceExposure": "resource-exposure",
    "DataExfiltration": "data-exfiltration",
    "InfrastructureModification": "infrastructure-modification",
    "CredentialsExposure": "credentials-exposure",
    "ServiceWildcard": "service-wildcard",
}
# parliament's CLI hides findings below this severity by default.
PARLIAMENT_MINIMUM_SEVERITY = "LOW"
REVIEWED_KEYS = frozenset({"policy", "tool", "kind", "detail", "neutralised_by"})
ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class Finding:
    """One thing one tool reports about one policy.

    ``kind`` is a cloudsplaining risk (``privilege-escalation`` ...) or a parliament issue code
    (``RESOURCE_STAR`` ...); ``detail`` is the action, the escalation method or parliament's detail.
    """

    tool: str
    mode: str
    policy: str
    kind: str
    detail: str
    severity: str = ""

    def line(self) -> str:
        return f"{self.policy}: {self.tool} [{self.mode}] {self.kind} {self.detail} ({self.severity})"


@dataclass(frozen=True)
class Reviewed:
    """A reviewed finding: every finding of ``tool``/``kind`` whose policy and detail match the
    globs (a detail of ``*`` reviews a whole kind, e.g. the infrastructure changes a deploy role
    exists to make, with one reason)."""

    policy: str
    tool: str
    kind: str
    detail: str
    neutralised_by: str

    def matches(self, finding: Finding) -> bool:
        same = (finding.tool, finding.kind) == (self.tool, self.kind)
        return (
            same
            and fnmatch.fnmatchcase(finding.policy, self.policy)
            and fnmatch.fnmatchcase(finding.detail, self.detail)
        )


# --- cloudsplaining ------------------------------------------------------------------------------


def _role_name(policy_name: str) -> str:
    """An IAM role name (letters, digits and ``+=,.@_-``) for a policy name such as ``deploy/prod``."""
    return re.sub(r"[^\w+=,.@-]", "-", policy_name)


def _role_names(policies: Mapping[str, dict]) -> dict[str, str]:
    """Role name -> policy name; two policy names that would share a role name are an error."""
    roles: dict[str, str] = {}
    for name in policies:
        role = _role_name(name)
        if role in roles:
            raise ValueError(f"policies {roles[role]!r} and {name!r} map to the same role name {role!r}")
        roles[role] = name
    return roles


def _role_detail(index: int, role: str, policy_name: str, document: dict) -> dict[str, Any]:
    return {
        "Path": "/",
        "RoleName": role,
        "RoleId": f"AROA{index:017d}",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{role}",
        "CreateDate": "2020-01-01T00:00:00Z",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
        "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": policy_name, "PolicyDocument": document}],
        "AttachedManagedPolicies": [],
        "Tags": [],
        "RoleLastUsed": {},
    }


def authorization_details(policies: Mapping[str, dict]) -> dict[str, list[dict[str, Any]]]:
    """An ``aws iam get-account-authorization-details`` document: one role per policy, inline."""
    roles = _role_names(policies)
    return {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [
            _role_detail(index, role, name, policies[name])
            for index, (role, name) in enumerate(roles.items())
        ],
        "Policies": [],
    }


def _exclusions() -> Exclusions:
    """cloudsplaining's default read actions to include, and no excluded names: a gate must not
    skip a policy because its name happens to look like ``service-role*``."""
    return Exclusions({"include-actions": list(DEFAULT_EXCLUSIONS_CONFIG["include-actions"])})


def _section_details(section: str, findings: list[Any]) -> list[str]:
    if section == "PrivilegeEscalation":
        return [str(method["type"]) for method in findings]
    return [str(action) for action in findings]


def _inline_policy_findings(mode: str, policy: str, result: dict[str, Any]) -> list[Finding]:
    return [
        Finding(CLOUDSPLAINING, mode, policy, kind, detail, str(result[section]["severity"]))
        for section, kind in CLOUDSPLAINING_KINDS.items()
        for detail in _section_details(section, result[section]["findings"])
    ]


def cloudsplaining_findings(policies: Mapping[str, dict], mode: str) -> list[Finding]:
    """cloudsplaining's scan of every policy in one mode (see CLOUDSPLAINING_MODES)."""
    flag_all = CLOUDSPLAINING_MODES[mode]
    details = AuthorizationDetails(
        authorization_details(policies),
        exclusions=_exclusions(),
        flag_conditional_statements=flag_all,
        flag_resource_arn_statements=flag_all,
    )
    roles = _role_names(policies)
    scanned = {role.role_name: role for role in details.role_detail_list.roles}
    if set(scanned) != set(roles):
        raise RuntimeError(f"cloudsplaining did not scan {sorted(set(roles) - set(scanned))}")
    return [
        finding
        for role_name, role in scanned.items()
        for inline in role.inline_policies
        for finding in _inline_policy_findings(mode, roles[role_name], inline.json_large)
    ]


# --- parliament ----------------------------------------------------------------------------------


def _resource_filename(package: str, resource: str) -> str:
    return str(importlib.resources.files(package) / resource)


@contextlib.contextmanager
def _pkg_resources_stand_in() -> Iterator[None]:
    """parliament 1.6.4 calls ``pkg_resources.resource_filename`` once, at import; setuptools 82
    removed ``pkg_resources``. Lend it the one function for that import only."""
    if importlib.util.find_spec("pkg_resources") is not None:
        yield
        return
    stand_in = types.ModuleType("pkg_resources")
    stand_in.resource_filename = _resource_filename  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = stand_in
    try:
        yield
    finally:
        del sys.modules["pkg_resources"]


def _with_array_types(translate: Any) -> Any:
    """parliament 1.6.4 knows ``ArrayOfString`` among condition-key types but not the other arrays
    its own IAM definitions use (``ArrayOfARN``, e.g. ``events:TargetArn``) and stops with
    "Unknown data format"; an array is checked as its element type, as for strings."""

    def translate_documentation_types(name: str) -> str:
        return translate(name.removeprefix("ArrayOf")) if name.startswith("ArrayOf") else translate(name)

    return translate_documentation_types


def _parliament() -> tuple[Any, Any, Any]:
    """parliament's analyze_policy_string, enhance_finding and its CLI's is_finding_filtered."""
    with _pkg_resources_stand_in():
        import parliament
        import parliament.statement
        from parliament.cli import is_finding_filtered
    translate = parliament.statement.translate_documentation_types
    if not getattr(translate, "knows_arrays", False):
        parliament.statement.translate_documentation_types = _with_array_types(translate)
        parliament.statement.translate_documentation_types.knows_arrays = True
    return parliament.analyze_policy_string, parliament.enhance_finding, is_finding_filtered


def _parliament_details(finding: Any) -> list[str]:
    """parliament's detail is a list of actions, a message or a dict; a list gives one detail each."""
    detail = finding.detail
    if isinstance(detail, list):
        return [str(item) for item in detail] or [finding.title]
    if isinstance(detail, dict):
        return [json.dumps(detail, sort_keys=True)]
    return [str(detail) or str(finding.location.get("string", "")) or finding.title]


def parliament_findings(policies: Mapping[str, dict]) -> list[Finding]:
    """parliament's lint of every policy, as its CLI reports it (findings of severity LOW and up)."""
    analyze_policy_string, enhance_finding, is_finding_filtered = _parliament()
    findings = []
    for name, document in policies.items():
        policy = analyze_policy_string(json.dumps(document, indent=2), filepath=name)
        for raw in policy.findings:
            issue = enhance_finding(raw)
            if is_finding_filtered(issue, PARLIAMENT_MINIMUM_SEVERITY):
                continue
            findings.extend(
                Finding(PARLIAMENT, PARLIAMENT_MODE, name, issue.issue, detail, issue.severity.lower())
                for detail in _parliament_details(issue)
            )
    return findings


# --- analysis and review -------------------------------------------------------------------------


def analyse(policies: dict[str, dict]) -> list[Finding]:
    """Every finding of cloudsplaining (both modes) and parliament, without duplicates, sorted."""
    findings = [f for mode in CLOUDSPLAINING_MODES for f in cloudsplaining_findings(policies, mode)]
    findings += parliament_findings(policies)
    return sorted(set(findings), key=_sort_key)


def _sort_key(finding: Finding) -> tuple[str, ...]:
    return (finding.policy, finding.tool, finding.mode, finding.kind, finding.detail)


def unreviewed(findings: Sequence[Finding], reviewed: Sequence[Reviewed]) -> list[Finding]:
    """The findings that no reviewed entry matches."""
    return [finding for finding in findings if not any(entry.matches(finding) for entry in reviewed)]


def unused(findings: Sequence[Finding], reviewed: Sequence[Reviewed]) -> list[Reviewed]:
    """The reviewed entries that match no finding (stale: the policy or the tools changed)."""
    return [entry for entry in reviewed if not any(entry.matches(finding) for finding in findings)]


def parse_reviewed(entries: Any) -> list[Reviewed]:
    """Reviewed entries from decoded JSON; a malformed entry is a ValueError that says which."""
    if not isinstance(entries, list):
        raise ValueError("the reviewed-findings file must hold a JSON list")
    return [_parse_entry(index, entry) for index, entry in enumerate(entries)]


def _parse_entry(index: int, entry: Any) -> Reviewed:
    if not isinstance(entry, dict) or set(entry) != REVIEWED_KEYS:
        raise ValueError(f"reviewed entry {index} must have exactly the keys {sorted(REVIEWED_KEYS)}")
    if not all(isinstance(value, str) and value.strip() for value in entry.values()):
        raise ValueError(f"reviewed entry {index}: every value must be a non-empty string")
    return Reviewed(**entry)


def load_reviewed(path: Path) -> list[Reviewed]:
    return parse_reviewed(json.loads(path.read_text(encoding="utf-8")))


def load_policies(path: Path) -> dict[str, dict]:
    policies = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(policies, dict) or not all(isinstance(doc, dict) for doc in policies.values()):
        raise ValueError(f"{path} must hold a JSON object of policy name -> policy document")
    return policies


# --- command line --------------------------------------------------------------------------------

COLUMNS = ("policy", "tool", "mode", "kind", "detail", "severity", "status")


def table(findings: Sequence[Finding], open_findings: Sequence[Finding]) -> str:
    """A plain-text table of the findings, each marked reviewed or UNREVIEWED."""
    pending = set(open_findings)
    rows = [COLUMNS] + [
        (f.policy, f.tool, f.mode, f.kind, f.detail, f.severity, "UNREVIEWED" if f in pending else "reviewed")
        for f in findings
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=Path, required=True, help="JSON object: policy name -> document")
    parser.add_argument(
        "--reviewed",
        type=Path,
        default=DEFAULT_REVIEWED,
        help=f"reviewed findings (default {DEFAULT_REVIEWED})",
    )
    return parser.parse_args(argv)


def report(findings: Sequence[Finding], reviewed: Sequence[Reviewed], reviewed_path: Path) -> int:
    """Print the table, the stale entries and every unreviewed finding; the exit code."""
    open_findings = unreviewed(findings, reviewed)
    print(table(findings, open_findings) if findings else "no findings")
    for entry in unused(findings, reviewed):
        print(
            f"warning: {reviewed_path}: entry matches no finding: {entry.policy} {entry.tool} "
            f"{entry.kind} {entry.detail}",
            file=sys.stderr,
        )
    if not open_findings:
        print(f"{len(findings)} findings, all reviewed")
        return 0
    for finding in open_findings:
        print(f"UNREVIEWED {finding.line()}", file=sys.stderr)
    print(
        f"{len(open_findings)} of {len(findings)} findings unreviewed: tighten the policy, or add an "
        f"entry with its neutralised_by to {reviewed_path}",
        file=sys.stderr,
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        policies = load_policies(args.policies)
        reviewed = load_reviewed(args.reviewed)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return report(analyse(policies), reviewed, args.reviewed)


if __name__ == "__main__":
    sys.exit(main())
