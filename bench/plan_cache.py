#!/usr/bin/env python3
"""`terragrunt run --all plan` on the local environment, with Terragrunt's provider cache off and on.

Deploys the local environment to a fresh stand-in once, then times plans from fresh working
directories (so every run initialises every unit), alternating the modes, and prints medians.

Usage:
    .venv/bin/python bench/plan_cache.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from release import builds  # noqa: E402
from release.stack import bootstrap_local_account, run_all, standin_env_vars  # noqa: E402
from standin.server import running_standin  # noqa: E402
from toolchain import tools as toolchain  # noqa: E402


def packed_mirror(directory: Path) -> Path:
    """The provider in the packed mirror layout (index.json, <version>.json, a zip) plus a CLI config.

    Terragrunt's provider cache server reads only this layout; `make setup` lays the provider out
    unpacked, which OpenTofu links without copying.
    """
    version = toolchain.aws_provider(toolchain.load_versions()).version
    platform = toolchain.provider_platform()
    unpacked = toolchain.mirror_root() / "registry.opentofu.org" / "hashicorp" / "aws" / version / platform
    binary = next(unpacked.iterdir())
    for host in ("registry.opentofu.org", "registry.terraform.io"):
        provider_dir = directory / host / "hashicorp" / "aws"
        provider_dir.mkdir(parents=True)
        archive = provider_dir / f"terraform-provider-aws_{version}_{platform}.zip"
        if host == "registry.opentofu.org":
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as packed:
                packed.write(binary, binary.name)
            first = archive
        else:
            archive.hardlink_to(first)
        (provider_dir / "index.json").write_text(f'{{"versions": {{"{version}": {{}}}}}}')
        (provider_dir / f"{version}.json").write_text(
            f'{{"archives": {{"{platform}": {{"url": "{archive.name}", "hashes": []}}}}}}'
        )
    config = directory / "tofurc"
    config.write_text(toolchain.CLI_CONFIG.read_text().replace(str(toolchain.mirror_root()), str(directory)))
    return config


def timed_plan(env_vars: dict[str, str], provider_cache: bool, packed_config: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="plan-bench-") as scratch:
        variables = {
            **env_vars,
            "TG_DOWNLOAD_DIR": str(Path(scratch) / "terragrunt"),
            "TG_PROVIDER_CACHE": "1" if provider_cache else "0",
            "TG_PROVIDER_CACHE_DIR": str(Path(scratch) / "provider-cache"),
        }
        if provider_cache:
            variables["TF_CLI_CONFIG_FILE"] = str(packed_config)
        started = time.monotonic()
        run_all("local", ["plan"], env_vars=variables, echo=False)
        return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="plans per mode (default 3)")
    args = parser.parse_args(argv)

    builds.record("local", builds.build_for("local"))
    with running_standin() as standin, tempfile.TemporaryDirectory(prefix="packed-mirror-") as mirror:
        endpoint = standin.endpoint
        print("packing the provider for Terragrunt's cache server ...", flush=True)
        packed_config = packed_mirror(Path(mirror))
        env_vars = standin_env_vars(endpoint)
        print("deploying the local environment once ...", flush=True)
        bootstrap_local_account(env_vars)
        run_all("local", ["apply"], env_vars={**env_vars, "TG_BACKEND_BOOTSTRAP": "true"}, echo=False)
        times: dict[bool, list[float]] = {False: [], True: []}
        for run in range(args.runs):
            for cache in (False, True):
                seconds = timed_plan(env_vars, cache, packed_config)
                times[cache].append(seconds)
                print(
                    f"  run {run + 1}: provider cache {'on ' if cache else 'off'} {seconds:6.1f} s",
                    flush=True,
                )
    print("\n| run --all plan, local environment (10 units, fresh working dirs) | median | runs |")
    print("| --- | --- | --- |")
    for cache in (False, True):
        label = "TG_PROVIDER_CACHE=1" if cache else "TG_PROVIDER_CACHE=0"
        print(f"| {label} | {statistics.median(times[cache]):.1f} s | {len(times[cache])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
