#!/usr/bin/env python3
"""Build records: which packages each environment runs, and the content-addressed package store.

Every environment names the build it runs in one small, reviewable file, live/<env>/build.json:
the SHA-256 of its layer and function packages plus the target they were built for. The units
read the packages from build/store/<sha256>.<ext>, so the bytes deployed are exactly the bytes
recorded, whichever machine or CI job built them (builds are deterministic).

Usage:
    scripts/builds.py store  build/python3.14-arm64/manifest.json   # copy packages into the store
    scripts/builds.py record --env dev --manifest build/python3.14-arm64/manifest.json
    scripts/builds.py show   --env staging
    scripts/builds.py --help
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIVE = ROOT / "live"
STORE = ROOT / "build" / "store"
PYTHON_HANDLER = "file_processor.handler.handler"
PACKAGES = ("layer", "function")


class BuildError(Exception):
    """A build or record problem the user must fix; the message says how."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as error:
        raise BuildError(f"{path} does not exist") from error
    except json.JSONDecodeError as error:
        raise BuildError(f"{path} is not valid JSON: {error}") from error


def record_path(env: str) -> Path:
    if not (LIVE / env / "env.hcl").exists():
        known = sorted(path.parent.name for path in LIVE.glob("*/env.hcl"))
        raise BuildError(f"unknown environment {env!r}; environments: {', '.join(known)}")
    return LIVE / env / "build.json"


def store_path(sha256: str, source: Path) -> Path:
    return STORE / f"{sha256}{source.suffix}"


def store(manifest_path: Path) -> dict:
    """Copy a build's packages into the store (verifying their hashes); return the manifest."""
    manifest = load_json(manifest_path)
    STORE.mkdir(parents=True, exist_ok=True)
    for package in PACKAGES:
        entry = manifest[package]
        source = ROOT / entry["path"]
        actual = sha256_of(source)
        if actual != entry["sha256"]:
            raise BuildError(f"{source} has SHA-256 {actual}, but {manifest_path} says {entry['sha256']}")
        target = store_path(actual, source)
        if not target.exists():
            shutil.copyfile(source, target)
        print(f"[builds] stored {package:<8} {target.relative_to(ROOT)}")
    return manifest


def current_commit() -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "src", "layer-requirements", "scripts/build_packages.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{commit or 'unknown'}{'-dirty' if dirty else ''}"


def record_from_manifest(manifest: dict) -> dict:
    return {
        "target": manifest["target"],
        "runtime": manifest["runtime"],
        "architecture": manifest["architecture"],
        "handler": manifest.get("handler", PYTHON_HANDLER),
        **{package: {"sha256": manifest[package]["sha256"]} for package in PACKAGES},
        "source_commit": current_commit(),
    }


def write_record(env: str, record: dict) -> Path:
    path = record_path(env)
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def cmd_store(args: argparse.Namespace) -> None:
    store(args.manifest)


def cmd_record(args: argparse.Namespace) -> None:
    manifest = store(args.manifest)
    path = write_record(args.env, record_from_manifest(manifest))
    print(f"[builds] {path.relative_to(ROOT)} now records {manifest['target']} build")


def cmd_show(args: argparse.Namespace) -> None:
    print(json.dumps(load_json(record_path(args.env)), indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    store_parser = commands.add_parser("store", help="copy a build's packages into build/store/")
    store_parser.add_argument("manifest", type=Path, help="build/<target>/manifest.json")
    store_parser.set_defaults(func=cmd_store)

    record_parser = commands.add_parser("record", help="make an environment run a build")
    record_parser.add_argument("--env", required=True, help="environment folder under live/")
    record_parser.add_argument("--manifest", type=Path, required=True, help="build/<target>/manifest.json")
    record_parser.set_defaults(func=cmd_record)

    show_parser = commands.add_parser("show", help="print the build an environment runs")
    show_parser.add_argument("--env", required=True)
    show_parser.set_defaults(func=cmd_show)

    args = parser.parse_args(argv)
    try:
        args.func(args)
    except BuildError as error:
        print(f"[builds] error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
