#!/usr/bin/env python3
"""Build records: which packages each environment runs, and the content-addressed package store.

Every environment names the build it runs in one small, reviewable file, live/<env>/build.json:
the SHA-256 of its layer and function packages plus the target they were built for. The units
read the packages from build/store/<sha256>.<ext>, so the bytes deployed are exactly the bytes
recorded, whichever machine or CI job built them (builds are deterministic).

Promotion (release/promotion.py) copies a record from one environment to the next, and only a
build the source environment really runs.

Usage:
    scripts/release/builds.py store   build/python3.14-arm64/manifest.json   # copy packages into the store
    scripts/release/builds.py record  --env dev --manifest build/python3.14-arm64/manifest.json
    scripts/release/builds.py verify  --env dev --manifest build/python3.14-arm64/manifest.json
    scripts/release/builds.py fetch   --env prod          # store the recorded packages (rebuild if needed)
    scripts/release/builds.py show    --env staging
    scripts/release/builds.py --help
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from release.stack import env_locals

ROOT = Path(__file__).resolve().parents[2]
LIVE = ROOT / "live"
STORE = ROOT / "build" / "store"
PYTHON_HANDLER = "file_processor.handler.handler"
PACKAGES = ("layer", "function")


class BuildError(Exception):
    """A build or record problem the user must fix; the message says how."""


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return sha256_of_stream(handle).hexdigest()


def sha256_of_stream(stream: Any) -> Any:
    """The SHA-256 of whatever ``stream.read`` returns, read in 1 MiB chunks (memory stays flat)."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    return digest


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


# The inputs of each kind of build: a record names the commit it came from, marked -dirty when
# any of these differ from that commit (such a build cannot be rebuilt from the commit alone).
BUILD_INPUTS = {
    "python": [
        "src/file_processor",
        "layer-requirements/python",
        "scripts/artifacts/build_packages.py",
        # The bytecode compiler's pin and the code that finds it.
        "tools/versions.toml",
        "tools/lambda-python",
        "scripts/toolchain/tools.py",
    ],
    "java": ["src/java", "layer-requirements/java", "scripts/artifacts/build_java.py"],
}


def current_commit(target: str) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    inputs = BUILD_INPUTS["java" if target.startswith("java") else "python"]
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", *inputs],
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
        "source_commit": current_commit(manifest["target"]),
    }


def write_record(env: str, record: dict) -> Path:
    """Write the record whole or not at all (a reader never sees half a file)."""
    path = record_path(env)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(record, indent=2) + "\n")
    partial.replace(path)
    return path


def read_record(env: str) -> dict:
    return load_json(record_path(env))


def same_build(left: dict, right: dict) -> bool:
    keys = ("target", "runtime", "architecture", "handler")
    return all(left.get(key) == right.get(key) for key in keys) and all(
        left[package]["sha256"] == right[package]["sha256"] for package in PACKAGES
    )


def describe(record: dict) -> str:
    return (
        f"{record['target']} layer {record['layer']['sha256'][:12]} "
        f"function {record['function']['sha256'][:12]} (from {record.get('source_commit', '?')})"
    )


def verify(env: str, manifest_path: Path) -> None:
    """The environment's record names exactly the packages of this build."""
    record = read_record(env)
    built = record_from_manifest(load_json(manifest_path))
    if not same_build(record, built):
        raise BuildError(
            f"live/{env}/build.json records {describe(record)}, but the build in {manifest_path} is "
            f"{describe(built)}: run `make record ENV={env}` and commit the record"
        )
    print(f"[builds] live/{env}/build.json matches {manifest_path}")


def in_store(record: dict) -> bool:
    return all(any(STORE.glob(f"{record[package]['sha256']}.*")) for package in PACKAGES)


def fetch(env: str, rebuild: Callable[[dict, Path], Path] | None = None) -> None:
    """Make sure the store holds the packages the environment's record names.

    In order: already stored (e.g. a CI artifact downloaded into build/store); the local build of
    the same target; else a rebuild at the recorded commit in a throwaway git worktree (builds are
    deterministic), verified against the recorded SHA-256 before it is stored.
    """
    record = read_record(env)
    if in_store(record):
        print(f"[builds] build/store already holds the packages live/{env}/build.json names")
        return
    local_manifest = ROOT / "build" / record["target"] / "manifest.json"
    if local_manifest.exists() and same_build(record, record_from_manifest(load_json(local_manifest))):
        store(local_manifest)
        return
    manifest_path = (rebuild or rebuild_at_commit)(record, ROOT / "build" / "rebuilt")
    rebuilt = record_from_manifest(load_json(manifest_path))
    if not same_build(record, rebuilt):
        raise BuildError(
            f"rebuilding {record['source_commit']} gave {describe(rebuilt)}, not the recorded "
            f"{describe(record)}: the build is not reproducible here; download its CI artifact instead"
        )
    store(manifest_path)


def rebuild_at_commit(record: dict, build_dir: Path) -> Path:
    commit = record.get("source_commit", "")
    if not commit or commit.endswith("-dirty") or commit == "unknown":
        raise BuildError(
            f"the recorded build came from {commit or 'an unknown commit'}, which cannot be rebuilt: "
            "download its CI artifact into build/store/"
        )
    print(f"[builds] rebuilding {record['target']} at {commit[:12]} in a temporary worktree")
    with tempfile.TemporaryDirectory(prefix="rebuild-") as scratch:
        worktree = Path(scratch) / "src"
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), commit], cwd=ROOT, check=True)
        try:
            subprocess.run(
                [sys.executable, *build_command(record, worktree, build_dir)], cwd=worktree, check=True
            )
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False)
    return build_dir / record["target"] / "manifest.json"


def build_script(worktree: Path, name: str) -> Path:
    """A build script in a checkout of any commit: scripts/artifacts/<name>, or scripts/<name> in
    commits made before scripts/ was split into rooms (a record can name such a commit)."""
    current = worktree / "scripts" / "artifacts" / name
    return current if current.exists() else worktree / "scripts" / name


def build_command(record: dict, worktree: Path, build_dir: Path) -> list[str]:
    """The build script call, at the recorded commit, that produces the record's target."""
    architecture = record["architecture"]
    if record["target"].startswith("java"):
        return [
            str(build_script(worktree, "build_java.py")),
            "--architecture",
            architecture,
            "--build-dir",
            str(build_dir),
        ]
    python_version = record["runtime"].removeprefix("python")
    return [
        str(build_script(worktree, "build_packages.py")),
        "--python-version",
        python_version,
        "--architecture",
        architecture,
        "--build-dir",
        str(build_dir),
    ]


def record(env: str, manifest_path: Path) -> dict:
    """Store a build's packages and make env run it (rewrites live/<env>/build.json).

    The record's provenance says it is a build (of ``source_commit``), not a promotion: only the first
    stage of the promotion order may run one (release/promotion.py ``check``).
    """
    manifest = store(manifest_path)
    built = record_from_manifest(manifest)
    built["provenance"] = {
        "kind": "build",
        "commit": built["source_commit"],
        "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    path = write_record(env, built)
    print(f"[builds] {path.relative_to(ROOT)} now records {manifest['target']} build")
    return manifest


def cmd_verify(args: argparse.Namespace) -> None:
    verify(args.env, args.manifest or build_for(args.env))


def cmd_fetch(args: argparse.Namespace) -> None:
    fetch(args.env)


def cmd_store(args: argparse.Namespace) -> None:
    store(args.manifest)


FUNCTION_RUNTIMES = ("python", "java")


def build_for(env: str, runtime: str | None = None) -> Path:
    """Build the variant the environment runs (function_runtime in its env.hcl) for its target:
    the real Lambda target (python3.14 / java21 on arm64), or this machine for the local
    environment. Returns the manifest."""
    from artifacts import build_java, build_packages

    settings = env_locals(env)
    runtime = runtime or settings.get("function_runtime", "python")
    if runtime not in FUNCTION_RUNTIMES:
        raise BuildError(
            f"live/{env}/env.hcl: function_runtime must be one of {FUNCTION_RUNTIMES}, not {runtime!r}"
        )
    local = bool(settings.get("is_local"))
    if runtime == "python":
        target = (
            build_packages.Target.local()
            if local
            else build_packages.Target(
                build_packages.DEFAULT_PYTHON_VERSION, build_packages.DEFAULT_ARCHITECTURE
            )
        )
        build_packages.build(target)
        return build_packages.DEFAULT_BUILD_DIR / target.name / "manifest.json"
    architecture = build_packages.Target.local().architecture if local else build_java.DEFAULT_ARCHITECTURE
    try:
        build_java.build(architecture)
    except build_java.BuildError as error:
        raise BuildError(str(error)) from error
    return build_java.DEFAULT_BUILD_DIR / build_java.target_name(architecture) / "manifest.json"


def local_manifest() -> Path:
    """Manifest of the build for this machine (scripts/artifacts/build_packages.py --local)."""
    from artifacts.build_packages import DEFAULT_BUILD_DIR, Target

    return DEFAULT_BUILD_DIR / Target.local().name / "manifest.json"


def cmd_record(args: argparse.Namespace) -> None:
    if args.build:
        args.manifest = build_for(args.env, args.runtime)
    record(args.env, args.manifest or local_manifest())


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
    source = record_parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--manifest", type=Path, help="build/<target>/manifest.json")
    source.add_argument("--local", action="store_true", help="the build for this machine (--local build)")
    source.add_argument(
        "--build", action="store_true", help="build the variant the environment runs (its function_runtime)"
    )
    record_parser.add_argument(
        "--runtime", choices=FUNCTION_RUNTIMES, help="with --build: this variant instead"
    )
    record_parser.set_defaults(func=cmd_record)

    verify_parser = commands.add_parser("verify", help="fail unless an environment records this build")
    verify_parser.add_argument("--env", required=True)
    verify_parser.add_argument(
        "--manifest", type=Path, help="the build to compare with (default: build the environment's variant)"
    )
    verify_parser.set_defaults(func=cmd_verify)

    fetch_parser = commands.add_parser("fetch", help="store the packages an environment records")
    fetch_parser.add_argument("--env", required=True)
    fetch_parser.set_defaults(func=cmd_fetch)

    show_parser = commands.add_parser("show", help="print the build an environment runs")
    show_parser.add_argument("--env", required=True)
    show_parser.set_defaults(func=cmd_show)

    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (BuildError, subprocess.CalledProcessError) as error:
        print(f"[builds] error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
