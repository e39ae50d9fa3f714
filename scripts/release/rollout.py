#!/usr/bin/env python3
"""Plan, apply, roll out and destroy one environment of the live tree with Terragrunt.

  plan     terragrunt run --all plan for the environment (one region with --region, selected by
           Terragrunt's own --filter); --summary FILE writes a Markdown summary per unit.
  apply    terragrunt run --all apply (state bucket bootstrapped on first use). The new function
           version gets all traffic at once.
  rollout  one region at a time, in the environment's rollout_order (live/<env>/env.hcl):
           apply it with S3's "live" alias pinned to the version it serves, then shift traffic
           to the version the apply published in the steps of the environment's deployment
           strategy (Canary10Percent5Minutes, Linear10PercentEvery1Minute, AllAtOnce), each
           step baked with a smoke object, the new version's own metrics and the alarms
           (release/canary.py). On any failure the alias goes back to the previous version in
           this region and, unless --keep-finished, in every region this rollout finished; it
           stops and exits non-zero naming the region, the check and what was rolled back. A
           region whose apply published no new version (its build and configuration are what it
           runs) shifts nothing.
  destroy  terragrunt run --all destroy; refuses unless --confirm repeats the environment's name.

Usage:
    scripts/release/rollout.py rollout --env prod
    scripts/release/rollout.py rollout --env local --strategy Canary50Percent1Minutes --bake 5
    scripts/release/rollout.py plan --env dev --region eu-central-1 --summary plan.md
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from release import canary, drift
from release.canary import CanaryError, Gate, TrafficStep
from release.live import aws_client, running_build
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

DEFAULT_STRATEGY = "Canary10Percent5Minutes"
PIN_VARIABLE = "TF_VAR_live_version"


class RolloutError(Exception):
    """The rollout stopped; the message says where, why and what was rolled back."""


def log(message: str) -> None:
    print(f"[rollout] {message}", flush=True)


def rollout_order(env: str) -> list[str]:
    """The environment's stated region order; every region folder must appear exactly once."""
    present = regions(env)
    stated = env_locals(env).get("rollout_order") or present
    if sorted(stated) != present:
        raise RolloutError(
            f"live/{env}/env.hcl rollout_order {stated} does not list exactly the region folders {present}"
        )
    return stated


def deployment_strategy(env: str) -> str:
    return env_locals(env).get("deployment_strategy") or DEFAULT_STRATEGY


def apply(env: str, region: str | None = None, *, unit: str | None = None, pin: str | None = None) -> None:
    """terragrunt run --all apply; creates the state bucket on an environment's first apply.

    ``pin`` keeps the live alias on that version (TF_VAR_live_version) while new ones are published.
    """
    env_vars = {**env_vars_for(env), "TG_BACKEND_BOOTSTRAP": "true"}
    if pin:
        env_vars[PIN_VARIABLE] = pin
    timings = run_all(env, ["apply"], region=region, unit=unit, env_vars=env_vars)
    where = f"{env}{'/' + region if region else ''}{'/' + unit if unit else ''}"
    print_timings(timings, f"{where}: apply time per unit")


def deliver_for(env: str, region: str) -> Callable[[str, str], None]:
    """How S3's event reaches the function: by itself in AWS; the stand-in's Lambda runner locally."""
    env_vars = env_vars_for(env)
    if not env_vars:
        return lambda _bucket, _key: None
    from standin.local_lambda import LocalLambdaService, RunnerError, process_new_objects

    def deliver(bucket: str, key: str) -> None:
        with LocalLambdaService(env_vars["AWS_ENDPOINT_URL"], region) as service:
            try:
                process_new_objects(service, bucket, [key])
            except RunnerError as error:
                raise CanaryError("delivery", str(error)) from error

    return deliver


def region_handle(env: str, region: str) -> canary.Region:
    function = unit_outputs(env, region, "function")
    return canary.Region(
        env=env,
        name=region,
        function_name=function["function_name"],
        alias=function["alias_name"],
        alarm_names=function["alarm_names"],
        trigger_bucket=function["trigger_bucket_name"],
        trigger_prefix=function["trigger_prefix"],
        trigger_suffix=function["trigger_suffix"],
        results_bucket=function["results_bucket_name"],
        results_prefix=function["results_prefix"],
        client=lambda service: aws_client(env, region, service),
        deliver=deliver_for(env, region),
    )


@dataclass
class RegionResult:
    region: str
    previous_version: str | None
    new_version: str | None
    seconds: dict[str, float] = field(default_factory=dict)  # apply, shift (of which waiting), reconcile
    waited_s: float = 0.0

    @property
    def shifted(self) -> bool:
        return bool(self.previous_version and self.new_version and self.new_version != self.previous_version)


@dataclass
class Rollout:
    """One environment's region-by-region rollout (``run``), with rollback on failure."""

    env: str
    steps: list[TrafficStep]
    keep_finished: bool = False
    gate: Gate = field(default_factory=Gate)
    rollout_id: str = field(
        default_factory=lambda: f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    )
    finished: list[RegionResult] = field(default_factory=list)

    def run(self) -> list[RegionResult]:
        order = rollout_order(self.env)
        for index, region in enumerate(order, start=1):
            log(f"[{index}/{len(order)}] {self.env}/{region}")
            result = RegionResult(region, None, None)
            try:
                self.roll_out_region(region, result)
            except (CanaryError, StackError) as error:
                raise RolloutError(self.stop(region, result, error)) from error
            self.finished.append(result)
        self.print_summary()
        return self.finished

    def roll_out_region(self, region: str, result: RegionResult) -> None:
        before = running_build(self.env, region) if self._deployed(region) else None
        result.previous_version = before.version if before else None
        started = time.monotonic()
        try:
            apply(self.env, region, pin=result.previous_version)
        except StackError as error:
            raise CanaryError("apply", str(error)) from error
        result.seconds["apply"] = time.monotonic() - started
        handle = region_handle(self.env, region)
        result.new_version = unit_outputs(self.env, region, "function")["published_version"]
        if result.previous_version is None:
            # A first deploy: the alias was created on the new version; check it like a last step.
            log(f"{region}: first deploy, version {result.new_version} serves all events")
            self._shift(handle, result, [TrafficStep(1.0, self.steps[-1].bake_s)], first=True)
            return
        if result.new_version == result.previous_version:
            log(
                f"{region}: already runs version {result.new_version} "
                "(no new version published): nothing to shift"
            )
            return
        self._shift(handle, result, self.steps)
        started = time.monotonic()
        apply(self.env, region, unit="function")  # the state follows the alias to the new version
        result.seconds["reconcile"] = time.monotonic() - started

    def _shift(
        self, handle: canary.Region, result: RegionResult, steps: list[TrafficStep], first: bool = False
    ) -> None:
        started = time.monotonic()
        if first:
            report = canary.ShiftReport(
                [canary.bake_step(handle, result.new_version, steps[0], self.rollout_id, self.gate, log)]
            )
        else:
            report = canary.shift_traffic(
                handle, result.previous_version, result.new_version, steps, self.rollout_id, self.gate, log
            )
        result.seconds["shift"] = time.monotonic() - started
        result.waited_s = report.waited_s

    def _deployed(self, region: str) -> bool:
        try:
            return "function_name" in unit_outputs(self.env, region, "function")
        except StackError:
            return False

    def stop(self, region: str, result: RegionResult, error: Exception) -> str:
        check = error.check if isinstance(error, CanaryError) else "apply"
        detail = error.detail if isinstance(error, CanaryError) else str(error)
        rolled_back = []
        to_roll_back = [result] + ([] if self.keep_finished else list(reversed(self.finished)))
        for item in to_roll_back:
            if not item.previous_version or not item.new_version or item.new_version == item.previous_version:
                continue
            rolled_back.append(self.roll_back(item))
        kept = [item.region for item in self.finished] if self.keep_finished else []
        message = f"{self.env}/{region}: {check} check failed: {detail}"
        message += f"; rolled back: {', '.join(rolled_back)}" if rolled_back else "; nothing to roll back"
        if kept:
            message += f"; kept on the new version (--keep-finished): {', '.join(kept)}"
        if result.previous_version is None and result.new_version:
            message += f"; {region} had no previous version, so version {result.new_version} still serves it"
        return message

    def roll_back(self, item: RegionResult) -> str:
        handle = region_handle(self.env, item.region)
        canary.set_alias(handle, item.previous_version)
        log(
            f"{item.region}: alias {handle.alias} back on version {item.previous_version} "
            f"(from {item.new_version})"
        )
        try:
            apply(self.env, item.region, unit="function", pin=item.previous_version)
        except StackError as error:  # the alias is back; only the state lags behind
            log(f"{item.region}: the alias is rolled back, but recording it in the state failed: {error}")
        return (
            f"{item.region} alias {handle.alias} -> version {item.previous_version} (was {item.new_version})"
        )

    def print_summary(self) -> None:
        print("rollout time per region (seconds; shift includes the waiting):")
        for item in self.finished:
            parts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in item.seconds.items())
            state = (
                f"{item.previous_version} -> {item.new_version}"
                if item.shifted
                else f"stays {item.new_version}"
            )
            print(f"  {item.region:<16} {state:<14} {parts}; waiting {item.waited_s:.1f}")


def plan_summary(log_file: Path, env: str, region: str | None) -> str:
    """Markdown: one row per unit with its plan line, read from the Terragrunt log."""
    units = drift.read_plan_log(log_file.read_text(encoding="utf-8"))
    title = f"Plan: {env}{' / ' + region if region else ''}"
    lines = [f"### {title}", "", "| Unit | Plan |", "| --- | --- |"]
    lines += [f"| `{unit.unit}` | {unit.result} |" for unit in units]
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
            sub.add_argument(
                "--strategy",
                help=f"deployment strategy (default: env.hcl's deployment_strategy, else {DEFAULT_STRATEGY})",
            )
            sub.add_argument(
                "--bake", type=float, help="seconds each traffic step bakes (overrides the strategy)"
            )
            sub.add_argument(
                "--canary-weight", type=float, help="share of events of the first canary step, 0-1"
            )
            sub.add_argument(
                "--keep-finished", action="store_true", help="on failure, roll back only the failing region"
            )
        if name == "destroy":
            sub.add_argument("--confirm", default="", help="must repeat the environment name")
    args = parser.parse_args(argv)
    try:
        if args.command == "plan":
            log_file = REPORTS / f"{args.env}{'-' + args.region if args.region else ''}-plan.log"
            # Lock-free: a plan writes neither state nor lock, so the read-only plan roles suffice
            # and a plan never blocks an apply (it may show a diff an apply is about to make).
            timings = run_all(args.env, ["plan", "-lock=false"], region=args.region, log_file=log_file)
            print_timings(timings, "plan time per unit")
            if args.summary:
                args.summary.write_text(plan_summary(log_file, args.env, args.region), encoding="utf-8")
        elif args.command == "apply":
            apply(args.env, args.region)
        elif args.command == "rollout":
            steps = canary.strategy_steps(
                args.strategy or deployment_strategy(args.env), args.bake, args.canary_weight
            )
            Rollout(args.env, steps, keep_finished=args.keep_finished).run()
        elif args.command == "destroy":
            if args.confirm != args.env:
                raise RolloutError(f"refusing to destroy {args.env}: pass CONFIRM={args.env} to confirm")
            print_timings(run_all(args.env, ["destroy"]), "destroy time per unit")
    except (RolloutError, StackError, ValueError) as error:
        print(f"[rollout] error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
