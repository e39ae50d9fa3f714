#!/usr/bin/env python3
"""What `make setup`'s download path costs: Terragrunt 1.x and 0.x, OpenTofu and the AWS provider
fetched from a local mirror into an empty cache, verified, unpacked and linked.

The official archives cannot be downloaded here, so the mirror serves archives of the same kind
and size made from this machine's cached builds (a bare Terragrunt binary, a tofu zip, the provider
zip in the provider network mirror layout), with their sums pinned in a scratch checksums file.
Network transfer time is not in these figures: add archive size / bandwidth for a real download.

Usage:
    .venv/bin/python bench/setup_downloads.py      # needs `make setup` done (the cached builds)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from toolchain import tools  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def lay_out_mirror(www: Path, pins: dict) -> dict[str, dict[str, str]]:
    """Release-like paths for the Go tools, the network mirror layout for the provider; the sums."""
    platform = tools.provider_platform()
    sums: dict[str, dict[str, str]] = {}
    for tool in tools.go_tools(pins):
        if not tool.release_url:
            continue
        built = tools.cache_root() / tool.name / tool.version / tool.name
        url = tools.release_url(tool.release_url, tool.version, ("tools", tool.name))
        target = www / "gh" / url.split("://", 1)[1].split("/", 1)[1]
        target.parent.mkdir(parents=True, exist_ok=True)
        if tool.release_member:
            with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.write(built, tool.release_member)
        else:
            shutil.copyfile(built, target)
        sums[f'tools.{tool.name}."{tool.version}"'] = {platform: sha256(target)}
    provider = tools.aws_provider(pins)
    built = (
        tools.cache_root()
        / "terraform-provider-aws"
        / provider.cache_key
        / f"terraform-provider-aws_v{provider.version}"
    )
    directory = www / "registry.terraform.io" / "hashicorp" / "aws"
    directory.mkdir(parents=True)
    name = f"terraform-provider-aws_{provider.version}_{platform}.zip"
    with zipfile.ZipFile(directory / name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(built, f"terraform-provider-aws_v{provider.version}_x5")
    digest = sha256(directory / name)
    (directory / "index.json").write_text(json.dumps({"versions": {provider.version: {}}}))
    listing = {"archives": {platform: {"url": name, "hashes": [f"zh:{digest}"]}}}
    (directory / f"{provider.version}.json").write_text(json.dumps(listing))
    sums[f'provider.aws."{provider.version}"'] = {platform: digest}
    return sums


def main() -> int:
    pins = tools.load_versions()
    with tempfile.TemporaryDirectory(prefix="setup-downloads-") as scratch_name:
        scratch = Path(scratch_name)
        print("laying out the mirror from this machine's cached builds (zipping the provider takes a while)")
        sums = lay_out_mirror(scratch / "www", pins)
        checksums = scratch / "checksums.toml"
        checksums.write_text(
            "".join(
                f"[{table}]\n" + "".join(f'{p} = "{s}"\n' for p, s in by_platform.items())
                for table, by_platform in sums.items()
            )
        )
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "http.server",
                str(port),
                "--bind",
                "127.0.0.1",
                "--directory",
                scratch / "www",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while tools.unreachable_reason(f"http://127.0.0.1:{port}/") and time.monotonic() < deadline:
                tools._REACHABILITY.clear()
                time.sleep(0.1)
            os.environ["FILE_PROCESSOR_CACHE"] = str(scratch / "cache")
            os.environ["FP_RELEASES_BASE_URL"] = f"http://127.0.0.1:{port}/gh"
            os.environ["FP_PROVIDER_MIRROR_URL"] = f"http://127.0.0.1:{port}"
            os.environ["PATH"] = "/usr/bin:/bin"  # no binary on PATH stands in for a download
            tools.CHECKSUMS_FILE = checksums
            tools.LOCAL_DIR = scratch / ".tools"
            tools.LOCAL_BIN = tools.LOCAL_DIR / "bin"
            tools.CLI_CONFIG = tools.LOCAL_DIR / "tofurc"
            steps = [
                (tool.name, lambda tool=tool: tools.ensure_go_tool(tool))
                for tool in tools.go_tools(pins)
                if tool.release_url
            ]
            steps.append(("aws provider", lambda: tools.ensure_provider(tools.aws_provider(pins))))
            rows = []
            for name, step in steps:
                started = time.monotonic()
                step()
                fresh = time.monotonic() - started
                started = time.monotonic()
                step()
                cached = time.monotonic() - started
                rows.append((name, fresh, cached))
        finally:
            server.terminate()
            server.wait()
        archives = [
            path for path in (scratch / "www").rglob("*") if path.is_file() and path.suffix != ".json"
        ]
        print(
            "\narchives: " + ", ".join(f"{path.name} {path.stat().st_size / 1e6:.0f} MB" for path in archives)
        )
        print(f"{'tool':<16}{'empty cache':>14}{'cached':>10}")
        for name, fresh, cached in rows:
            print(f"{name:<16}{fresh:>12.1f} s{cached:>8.2f} s")
        print(f"{'total':<16}{sum(r[1] for r in rows):>12.1f} s{sum(r[2] for r in rows):>8.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
