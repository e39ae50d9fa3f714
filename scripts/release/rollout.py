#!/usr/bin/env python3
"""Plan, apply, roll out and destroy one environment of the live tree with Terragrunt.

  plan     terragrunt run --all plan for the environment (one region with --region, selected by
           Terragrunt's own --filter); --summary FILE writes a Markdown summary per unit.
  apply    terragrunt run --all apply (state bucket bootstrapped on first use).
  rollout  apply one region at a time in the environment's rollout_order (live/<env>/env.hcl),
           stop at the first failure, and between regions let the new version run for --bake
           seconds, then wait until every alarm of the region just deployed is OK (an alarm in
           ALARM, or no OK before --gate-timeout, stops it).
  destroy  terragrunt run --all destroy; refuses unless --confirm repeats the environment's name.

Usage:
    scripts/release/rollout.py rollout --env prod [--gate-timeout 900]
    scripts/release/rollout.py plan --env dev --region eu-central-1 --summary plan.md
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from release.stack import (
    REPORTS,
    StackError,
    env_locals,
    env_vars_for,
    print_timings,
    regions,
    run_all,
    unit_outputs,
)

# Alarm name -> state ("OK", "ALARM", "INSUFFICIENT_DATA"), for one region.
AlarmStates = Callable[[str, list[str]], dict[str, str]]


class RolloutError(Exception):
    """The rollout stopped; the message says where and why."""


def log(message: str) -> None:
    print(f"[rollout] {message}", flush=True)


def cloudwatch_alarm_states(region: str, alarm_names: list[str]) -> dict[str, str]:
    """Current state of each alarm, from CloudWatch in that region."""
    client = boto3.client("cloudwatch", region_name=region)
    states = {}
    for start in range(0, len(alarm_names), 100):  # DescribeAlarms takes at most 100 names
        response = client.describe_alarms(AlarmNames=alarm_names[start : start + 100])
        states.update({alarm["AlarmName"]: alarm["StateValue"] for alarm in response["MetricAlarms"]})
    return states


@dataclass
class HealthGate:
    """Waits until every alarm of a region is OK; any ALARM (or a timeout) fails the rollout."""

    alarm_states: AlarmStates = cloudwatch_alarm_states
    timeout_s: float = 900
    poll_s: float = 30
    # Alarms that were OK before the deploy stay OK until a period with new data is evaluated:
    # let the new code run for at least one alarm period (300 s) before trusting an OK.
    bake_s: float = 0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def wait(self, region: str, alarm_names: list[str]) -> None:
        if not alarm_names:
            log(f"{region}: no alarms to wait for")
            return
        if self.bake_s:
            log(f"{region}: letting the new version run for {self.bake_s:.0f} s before reading its alarms")
            self.sleep(self.bake_s)
        deadline = self.clock() + self.timeout_s
        while True:
            states = self.alarm_states(region, alarm_names)
            missing = sorted(set(alarm_names) - set(states))
            firing = sorted(name for name, state in states.items() if state == "ALARM")
            if firing:
                raise RolloutError(f"{region}: alarms in ALARM after the deploy: {', '.join(firing)}")
            if missing:
                raise RolloutError(f"{region}: alarms not found: {', '.join(missing)}")
            waiting = sorted(name for name, state in states.items() if state != "OK")
            if not waiting:
                log(f"{region}: all {len(alarm_names)} alarms OK")
                return
            if self.clock() >= deadline:
                raise RolloutError(
                    f"{region}: alarms not OK within {self.timeout_s:.0f} s: {', '.join(waiting)}"
                )
            log(f"{region}: waiting for {', '.join(waiting)} to be OK")
            self.sleep(self.poll_s)


def env_has_alarms(env: str) -> bool:
    """Whether the environment creates alarms (every real one; not the local stand-in)."""
    return env_locals(env).get("settings", {}).get("alarms_enabled", True) is not False


def rollout_order(env: str) -> list[str]:
    """The environment's stated region order; every region folder must appear exactly once."""
    present = regions(env)
    stated = env_locals(env).get("rollout_order") or present
    if sorted(stated) != present:
        raise RolloutError(
            f"live/{env}/env.hcl rollout_order {stated} does not list exactly the region folders {present}"
        )
    return stated


def rollout(
    env: str,
    gate: HealthGate,
    apply_region: Callable[[str], None],
    alarm_names: Callable[[str], list[str]],
) -> list[str]:
    """Apply each region in order; stop at the first failed apply or unhealthy region."""
    done = []
    order = rollout_order(env)
    for index, region in enumerate(order, start=1):
        log(f"[{index}/{len(order)}] {env}/{region}: apply")
        try:
            apply_region(region)
        except StackError as error:
            raise RolloutError(f"{env}/{region}: apply failed, rollout stopped: {error}") from error
        log(f"[{index}/{len(order)}] {env}/{region}: health gate")
        gate.wait(region, alarm_names(region))
        done.append(region)
    log(f"{env}: rolled out to {', '.join(done)}")
    return done


def apply(env: str, region: str | None = None) -> None:
    """terragrunt run --all apply; creates the state bucket on an environment's first apply."""
    env_vars = {**env_vars_for(env), "TG_BACKEND_BOOTSTRAP": "true"}
    timings = run_all(env, ["apply"], region=region, env_vars=env_vars)
    print_timings(timings, f"{env}{'/' + region if region else ''}: apply time per unit")


def plan_summary(log_file: Path, env: str, region: str | None) -> str:
    """Markdown: one row per unit with its plan line, read from the Terragrunt log."""
    rows = {}
    pattern = re.compile(r"\[(?P<unit>[^\]]+)\] tofu: (?P<plan>Plan: .*|No changes\..*)")
    for line in log_file.read_text(encoding="utf-8").splitlines():
        match = pattern.search(line)
        if match:
            rows[match["unit"]] = match["plan"]
    title = f"Plan: {env}{' / ' + region if region else ''}"
    lines = [f"### {title}", "", "| Unit | Plan |", "| --- | --- |"]
    lines += [f"| `{unit}` | {plan} |" for unit, plan in sorted(rows.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("plan", "apply", "rollout", "destroy"):
        sub = commands.add_parser(name)
        sub.add_argument("--env", required=True, help="environment folder under live/")
        if name in ("plan", "apply"):
            sub.add_argument("--region", help="only this region (Terragrunt --filter)")
        if name == "plan":
            sub.add_argument("--summary", type=Path, help="write a Markdown plan summary here")
        if name == "rollout":
            sub.add_argument("--gate-timeout", type=float, default=900, help="seconds to wait for OK")
            sub.add_argument(
                "--bake",
                type=float,
                default=300,
                help="seconds to run before reading the alarms (one period)",
            )
        if name == "destroy":
            sub.add_argument("--confirm", default="", help="must repeat the environment name")
    args = parser.parse_args(argv)
    try:
        if args.command == "plan":
            log_file = REPORTS / f"{args.env}{'-' + args.region if args.region else ''}-plan.log"
            timings = run_all(args.env, ["plan"], region=args.region, log_file=log_file)
            print_timings(timings, "plan time per unit")
            if args.summary:
                args.summary.write_text(plan_summary(log_file, args.env, args.region), encoding="utf-8")
        elif args.command == "apply":
            apply(args.env, args.region)
        elif args.command == "rollout":
            rollout(
                args.env,
                HealthGate(timeout_s=args.gate_timeout, bake_s=args.bake if env_has_alarms(args.env) else 0),
                apply_region=lambda region: apply(args.env, region),
                alarm_names=lambda region: unit_outputs(args.env, region, "function")["alarm_names"],
            )
        elif args.command == "destroy":
            if args.confirm != args.env:
                raise RolloutError(f"refusing to destroy {args.env}: pass CONFIRM={args.env} to confirm")
            print_timings(run_all(args.env, ["destroy"]), "destroy time per unit")
    except (RolloutError, StackError) as error:
        print(f"[rollout] error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
