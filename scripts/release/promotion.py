#!/usr/bin/env python3
"""Promotion: a build moves to the next environment only after it ran, as recorded, in the one before.

``promote FROM TO`` reads, through the AWS API, in every region of FROM, the package SHA-256 of the
function version the live alias serves and of the layer version it uses (release/live.py), and
refuses unless both equal FROM's record. The order of the environments is data (live/promotion.hcl,
dev -> staging -> prod): promoting to anything but the next stage is refused, unless ``--override``
gives a reason, which is written into the record. The new record carries its provenance: where it
came from, the commit and time of the promotion, and the hashes verified live in each region.

``check --env ENV`` is what the deploy workflow runs before it applies ENV: a record without
provenance, one that names another source than the previous stage (without a recorded override),
or one whose packages are not the ones verified in that stage, is refused. It catches a hand-edited
or half-copied record; it is not a signature (anyone who may push may also write a provenance), the
review of the change is.

Every refusal is one line naming the environment, the region, and the expected and found values.

Usage:
    scripts/release/promotion.py promote --from dev --to staging
    scripts/release/promotion.py promote --from dev --to prod --override "hotfix for INC-123"
    scripts/release/promotion.py check --env staging
    scripts/release/promotion.py order
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

import hcl2

from release.builds import (
    ROOT,
    BuildError,
    describe,
    load_json,
    read_record,
    record_path,
    same_build,
)
from release.live import RegionBuild, hex_to_base64, running_build
from release.stack import StackError, hcl_literal, regions

ORDER_FILE = ROOT / "live" / "promotion.hcl"

RunningBuild = Callable[[str, str], RegionBuild]


class PromotionError(BuildError):
    """A promotion or record check refused; the message is one line saying where and what."""


def promotion_order(path: Path = ORDER_FILE) -> list[str]:
    """The stages a build moves through, first to last (live/promotion.hcl)."""
    with path.open(encoding="utf-8") as handle:
        order = hcl_literal(hcl2.load(handle)["locals"][0]).get("order")
    if not order or not all(isinstance(name, str) for name in order) or len(set(order)) != len(order):
        raise PromotionError(f"{path}: locals.order must list each environment once, first stage first")
    for name in order:
        record_path(name)  # an unknown environment is a clear error
    return order


def skipped_stages(order: list[str], source: str, target: str) -> list[str]:
    """The stages between source and target; refuses a target that is not after the source."""
    for env in (source, target):
        if env not in order:
            raise PromotionError(f"{env} is not in the promotion order {order} ({ORDER_FILE.name})")
    if order.index(target) <= order.index(source):
        raise PromotionError(
            f"{target} comes before {source} in the promotion order {order}: promote forward"
        )
    return order[order.index(source) + 1 : order.index(target)]


def current_commit() -> str:
    return (
        subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        or "unknown"
    )


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def verify_running(env: str, record: dict, running: RunningBuild) -> dict[str, dict]:
    """Every region of env serves exactly the record: its live-verified hashes, by region."""
    env_regions = regions(env)
    if not env_regions:
        raise PromotionError(f"{env} has no regions to promote from")
    verified = {}
    for region in env_regions:
        try:
            build = running(env, region)
        except StackError as error:
            raise PromotionError(f"{env}/{region}: cannot read what it runs ({error})") from error
        if build.version is None:
            raise PromotionError(
                f"{env}/{region}: nothing is deployed (no {build.alias} alias on {build.function_name})"
            )
        if not build.runs(record):
            raise PromotionError(
                f"{env}/{region} does not run its record ({describe(record)}): "
                + "; ".join(build.differences(record))
            )
        verified[region] = {
            "function_version": build.version,
            "function_code_sha256": build.function_code_sha256,
            "layer_code_sha256": list(build.layer_code_sha256),
        }
    return verified


def promote(
    source: str,
    target: str,
    running: RunningBuild = running_build,
    *,
    override: str | None = None,
    order: list[str] | None = None,
    target_record: Path | None = None,
) -> dict:
    """Make target run the build source runs (writes only target's build.json)."""
    if source == target:
        raise PromotionError("--from and --to name the same environment")
    order = order or promotion_order()
    skipped = skipped_stages(order, source, target)
    if skipped and not override:
        raise PromotionError(
            f"{source} -> {target} skips {', '.join(skipped)} (order: {' -> '.join(order)}): promote to "
            f"{skipped[0]} first, or give --override with the reason (it is written into the record)"
        )
    record = read_record(source)
    verified = verify_running(source, record, running)
    promoted = {key: value for key, value in record.items() if key != "provenance"}
    promoted["provenance"] = {
        "kind": "promotion",
        "source_environment": source,
        "commit": current_commit(),
        "time": utc_now(),
        "verified": verified,
        "override": {"reason": override, "skipped": skipped} if skipped else None,
    }
    path = target_record or record_path(target)
    previous = load_json(path) if path.exists() else None
    path.write_text(json.dumps(promoted, indent=2) + "\n")
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"[promotion] {shown}: {describe(promoted)}, verified in {', '.join(sorted(verified))} of {source}")
    if skipped:
        print(f"[promotion] override recorded: skipped {', '.join(skipped)} because: {override}")
    if previous and not same_build(previous, promoted):
        print(f"[promotion] was {describe(previous)}; to roll back, restore that record (git revert)")
    return promoted


def check_record(env: str, order: list[str] | None = None, record: dict | None = None) -> None:
    """Refuse a record the deploy workflow must not apply (see the module docstring)."""
    order = order or promotion_order()
    record = record if record is not None else read_record(env)
    provenance = record.get("provenance")
    where = f"live/{env}/build.json"
    if not isinstance(provenance, dict):
        raise PromotionError(
            f"{where} has no provenance: record it (`make record`) or promote it (`make promote`)"
        )
    if env not in order:
        raise PromotionError(f"{env} is not in the promotion order {order}")
    if order.index(env) == 0:
        if provenance.get("kind") != "build":
            raise PromotionError(
                f"{where}: the first stage runs a build, found provenance {provenance.get('kind')!r}"
            )
        return
    expected_source = order[order.index(env) - 1]
    if provenance.get("kind") != "promotion":
        raise PromotionError(
            f"{where}: expected a promotion from {expected_source}, "
            f"found provenance {provenance.get('kind')!r}"
        )
    source = provenance.get("source_environment")
    override = provenance.get("override")
    if source != expected_source:
        allowed = source in order and order.index(source) < order.index(env) and override
        if not allowed:
            raise PromotionError(
                f"{where}: expected a promotion from {expected_source}, "
                f"found one from {source} without a recorded override"
            )
    verified = provenance.get("verified") or {}
    if not verified:
        raise PromotionError(f"{where}: the provenance names no region where {source} ran this build")
    expected = {
        "function": hex_to_base64(record["function"]["sha256"]),
        "layer": [hex_to_base64(record["layer"]["sha256"])],
    }
    for region, hashes in sorted(verified.items()):
        found = {"function": hashes.get("function_code_sha256"), "layer": hashes.get("layer_code_sha256")}
        if found != expected:
            raise PromotionError(
                f"{where}: {source}/{region} verified function {found['function']} and layer "
                f"{found['layer']}, but the record names function {expected['function']} and layer "
                f"{expected['layer']}"
            )
    print(f"[promotion] {where}: promoted from {source}, verified in {', '.join(sorted(verified))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    promote_parser = commands.add_parser("promote", help="make TO run the build FROM runs")
    promote_parser.add_argument("--from", dest="source", required=True, help="environment promoted from")
    promote_parser.add_argument("--to", dest="target", required=True, help="environment promoted to")
    promote_parser.add_argument("--override", help="reason to skip a stage (written into the record)")
    check_parser = commands.add_parser("check", help="refuse a record the deploy must not apply")
    check_parser.add_argument("--env", required=True)
    commands.add_parser("order", help="print the promotion order")
    args = parser.parse_args(argv)
    try:
        if args.command == "promote":
            promote(args.source, args.target, override=args.override)
        elif args.command == "check":
            check_record(args.env)
        else:
            print(" -> ".join(promotion_order()))
    except BuildError as error:
        print(f"[promotion] refused: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
