#!/usr/bin/env python3
"""`make drift ENV=...`: which units of an environment no longer match their code, and how.

Runs `terragrunt run --all plan -lock=false` on the environment (one region with --region) with
the build the environment records, and reads each unit's result from Terragrunt's log: "No
changes." is in step; a plan with changes has drifted (something was changed out of band, or a
merged change was never applied), and the resources the plan would change are listed. Read-only:
the plan roles suffice and nothing is locked.

Exit status: 0 no drift, 2 drift (the units are named), 1 the plan itself failed.

Usage:
    scripts/release/drift.py --env prod [--region eu-west-1] [--summary drift.md]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from release.stack import REPORTS, StackError, run_all

DRIFT = 2
UNIT_RESULT = re.compile(r"\[(?P<unit>[^\]]+)\] (?:tofu|terraform): (?P<result>Plan: .*|No changes\..*)")
# "  # aws_cloudwatch_log_group.this will be updated in-place" (also "must be replaced" etc.)
RESOURCE_CHANGE = re.compile(
    r"\[(?P<unit>[^\]]+)\] (?:tofu|terraform):\s+# (?P<address>\S+) (?P<change>(?:will|must) be .+)$"
)
PLAN_COUNTS = re.compile(r"Plan: (?P<add>\d+) to add, (?P<change>\d+) to change, (?P<destroy>\d+) to destroy")


@dataclass
class UnitDrift:
    unit: str
    result: str  # Terragrunt's plan line for the unit
    changes: list[str] = field(default_factory=list)  # "<address> will be updated in-place", ...

    @property
    def drifted(self) -> bool:
        counts = PLAN_COUNTS.search(self.result)
        return bool(counts) and any(int(value) for value in counts.groupdict().values())


def read_plan_log(text: str) -> list[UnitDrift]:
    """Every unit's plan result and the resource changes it lists, from a `run --all plan` log."""
    units: dict[str, UnitDrift] = {}
    changes: dict[str, list[str]] = {}
    for line in text.splitlines():
        if match := RESOURCE_CHANGE.search(line):
            changes.setdefault(match["unit"], []).append(f"{match['address']} {match['change']}")
        elif match := UNIT_RESULT.search(line):
            units[match["unit"]] = UnitDrift(match["unit"], match["result"])
    for unit, listed in changes.items():
        if unit in units:
            units[unit].changes = listed
    return sorted(units.values(), key=lambda unit: unit.unit)


def summary(env: str, region: str | None, units: list[UnitDrift]) -> str:
    """Markdown for the job summary: one row per unit, the changed resources of drifted ones."""
    drifted = [unit for unit in units if unit.drifted]
    scope = f"{env}{' / ' + region if region else ''}"
    verdict = (
        f"{len(drifted)} of {len(units)} units drifted" if drifted else f"no drift in {len(units)} units"
    )
    lines = [f"### Drift: {scope}: {verdict}", "", "| Unit | Plan | Changes |", "| --- | --- | --- |"]
    for unit in units:
        listed = "<br>".join(f"`{change}`" for change in unit.changes) if unit.drifted else ""
        lines.append(f"| `{unit.unit}` | {unit.result} | {listed} |")
    return "\n".join(lines) + "\n"


def detect(env: str, region: str | None, env_vars: dict[str, str] | None = None) -> list[UnitDrift]:
    label = f"{env}{'-' + region if region else ''}"
    log_file = REPORTS / f"{label}-drift.log"
    run_all(env, ["plan", "-lock=false"], region=region, env_vars=env_vars, log_file=log_file, echo=False)
    units = read_plan_log(log_file.read_text(encoding="utf-8"))
    if not units:
        raise StackError(f"no unit's plan result in {log_file}: see the log")
    return units


def report(units: list[UnitDrift]) -> int:
    for unit in units:
        if unit.drifted:
            print(f"DRIFT {unit.unit}: {unit.result}")
            for change in unit.changes:
                print(f"  {change}")
        else:
            print(f"ok    {unit.unit}: {unit.result}")
    return DRIFT if any(unit.drifted for unit in units) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", required=True, help="environment folder under live/")
    parser.add_argument("--region", help="only this region")
    parser.add_argument("--summary", type=Path, help="write a Markdown summary here (the job summary)")
    args = parser.parse_args(argv)
    try:
        units = detect(args.env, args.region)
    except StackError as error:
        print(f"drift: error: {error}", file=sys.stderr)
        return 1
    if args.summary:
        args.summary.write_text(summary(args.env, args.region, units), encoding="utf-8")
    return report(units)


if __name__ == "__main__":
    sys.exit(main())
