#!/usr/bin/env python3
"""Build the file-processor Lambda packages: the dependency layer zip and the function zip.

Usage:
    .venv/bin/python scripts/build_packages.py                      # python3.14 on arm64 (Lambda)
    .venv/bin/python scripts/build_packages.py --local              # this machine's Python/arch
    .venv/bin/python scripts/build_packages.py --python-version 3.13 --architecture x86_64

Writes build/<target>/{layer.zip,function.zip,manifest.json} (target e.g. python3.14-arm64) and
prints each artifact's path, size and SHA-256. The layer holds only wheels built for the target
platform (never the build machine's), from the hashed lock layer-requirements/python/
requirements.txt; the function zip holds src/file_processor only. Both are byte-identical when
rebuilt from unchanged inputs.

Importable (``sys.path`` += ``scripts/``; ``import build_packages``): ``build(Target(...))`` and
``write_zip(path, entries)`` are what tests, benchmarks and the local runner call.

Artifact contract (consumed by the Terraform layer/function modules and the local runner)::

    build/<target>/layer.zip       python/<packages>       (target e.g. python3.14-arm64)
    build/<target>/function.zip    file_processor/<code>
    build/<target>/manifest.json   {"target", "python_version", "runtime", "architecture",
                                    "layer": {"path", "sha256", "base64sha256", "size", ...},
                                    "function": {same fields}}

Determinism: entries sorted by name, directory entries included, every timestamp fixed
(``SOURCE_DATE_EPOCH`` or 1980-01-01 00:00:00 UTC), modes 0644 for files and 0755 for
directories, no ``__pycache__``/``.pyc``, wheels unpacked from their own bytes (no ``pip install``,
so no installer-written RECORD, INSTALLER or direct_url.json). Rebuilding unchanged inputs with the
same Python (same zlib) gives byte-identical zips.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUILD_DIR = ROOT / "build"
FUNCTION_SOURCE = ROOT / "src" / "file_processor"
LAYER_REQUIREMENTS = ROOT / "layer-requirements" / "python" / "requirements.txt"

DEFAULT_PYTHON_VERSION = "3.14"
DEFAULT_ARCHITECTURE = "arm64"
# Lambda Python runtimes this build supports (puremagic needs Python >= 3.12).
SUPPORTED_PYTHON_VERSIONS = ("3.12", "3.13", "3.14")
# Lambda architecture name -> wheel platform machine name.
ARCHITECTURES = {"arm64": "aarch64", "x86_64": "x86_64"}
# Lambda's python3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34); pip expands a manylinux_2_34
# tag to every older manylinux tag, manylinux2014 included.
GLIBC = "2_34"
ZIP_EPOCH_MIN = 315532800  # 1980-01-01T00:00:00Z, the earliest time a zip entry can hold
FILE_MODE = 0o100644
DIR_MODE = 0o040755
EXCLUDED_PARTS = frozenset({"__pycache__"})
EXCLUDED_SUFFIXES = (".pyc", ".pyo")

Log = Callable[[str], None]


class BuildError(Exception):
    """The build cannot go on; the message is one line that says why."""


@dataclass(frozen=True)
class Target:
    python_version: str
    architecture: str

    def __post_init__(self) -> None:
        if self.python_version not in SUPPORTED_PYTHON_VERSIONS:
            supported = ", ".join(SUPPORTED_PYTHON_VERSIONS)
            raise BuildError(f"unsupported --python-version {self.python_version!r}; use one of {supported}")
        if self.architecture not in ARCHITECTURES:
            raise BuildError(f"unsupported --architecture {self.architecture!r}; use one of arm64, x86_64")

    @property
    def name(self) -> str:
        return f"python{self.python_version}-{self.architecture}"

    @property
    def runtime(self) -> str:
        return f"python{self.python_version}"

    @property
    def abi(self) -> str:
        return "cp" + self.python_version.replace(".", "")

    @property
    def platforms(self) -> tuple[str, ...]:
        machine = ARCHITECTURES[self.architecture]
        return (f"manylinux_{GLIBC}_{machine}", f"manylinux2014_{machine}")

    @classmethod
    def local(cls) -> Target:
        """This machine's Python version and architecture (what the local environment runs)."""
        machine = os.uname().machine
        architecture = {"aarch64": "arm64", "arm64": "arm64", "x86_64": "x86_64", "amd64": "x86_64"}.get(
            machine
        )
        if architecture is None:
            raise BuildError(f"this machine's architecture {machine!r} is not a Lambda architecture")
        return cls(f"{sys.version_info.major}.{sys.version_info.minor}", architecture)


@dataclass(frozen=True)
class Artifact:
    path: Path
    size: int
    sha256: str
    base64sha256: str

    def manifest_entry(self) -> dict[str, object]:
        return {
            "path": display_path(self.path),
            "sha256": self.sha256,
            "base64sha256": self.base64sha256,
            "size": self.size,
        }


def display_path(path: Path) -> str:
    """Path relative to the repository when inside it (the manifest's form), else absolute."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def zip_timestamp() -> tuple[int, int, int, int, int, int]:
    """Entry timestamp: SOURCE_DATE_EPOCH when set (clamped to 1980), else 1980-01-01 00:00:00."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw and not raw.isdigit():
        raise BuildError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, got {raw!r}")
    epoch = max(int(raw or 0), ZIP_EPOCH_MIN)
    return time.gmtime(epoch)[:6]


def is_excluded(relative: PurePosixPath) -> bool:
    return bool(EXCLUDED_PARTS.intersection(relative.parts)) or relative.name.endswith(EXCLUDED_SUFFIXES)


def write_zip(zip_path: Path, entries: Iterable[tuple[str, bytes]]) -> Artifact:
    """Write ``(name, data)`` file entries as a deterministic zip and return its digest.

    Parent directories get their own entries; entries are sorted; bytecode caches are refused.
    """
    files: dict[str, bytes] = {}
    for name, data in entries:
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise BuildError(f"refusing zip entry {name!r}: not a relative path inside the package")
        if is_excluded(relative):
            continue
        if relative.as_posix() in files:
            raise BuildError(f"duplicate zip entry {name!r}")
        files[relative.as_posix()] = data
    directories = {parent.as_posix() + "/" for name in files for parent in PurePosixPath(name).parents[:-1]}
    stamp = zip_timestamp()
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w") as archive:
        for name in sorted(directories | set(files)):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3  # Unix, so external_attr carries the mode
            if name.endswith("/"):
                info.external_attr = (DIR_MODE << 16) | 0x10
                archive.writestr(info, b"", compress_type=zipfile.ZIP_STORED)
            else:
                info.external_attr = FILE_MODE << 16
                archive.writestr(info, files[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return digest(zip_path)


def digest(path: Path) -> Artifact:
    sha = hashlib.sha256(path.read_bytes()).digest()
    return Artifact(path, path.stat().st_size, sha.hex(), base64.b64encode(sha).decode("ascii"))


def tree_entries(source: Path, prefix: str) -> list[tuple[str, bytes]]:
    """Every file under ``source`` as ``(prefix + relative name, bytes)``, caches left out."""
    entries = []
    for path in sorted(source.rglob("*")):
        relative = PurePosixPath(path.relative_to(source).as_posix())
        if path.is_file() and not is_excluded(relative):
            entries.append((f"{prefix}{relative}", path.read_bytes()))
    return entries


def wheel_entries(wheel: Path) -> list[tuple[str, bytes]]:
    """A wheel's files as an installer would place them in site-packages (purelib/platlib only)."""
    entries = []
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            parts = PurePosixPath(info.filename).parts
            target = info.filename
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in {"purelib", "platlib"}:
                    continue  # scripts, headers and data files have no place in a layer
                target = PurePosixPath(*parts[2:]).as_posix()
            entries.append((target, archive.read(info)))
    return entries


_NO_WHEEL = re.compile(r"No matching distribution found for ([^\s]+)")
_NO_VERSION = re.compile(r"Could not find a version that satisfies the requirement ([^\s]+)")


def download_wheels(
    requirements: Path, target: Target, dest: Path, wheel_dir: Path | None = None
) -> list[Path]:
    """Download the target platform's wheels for the hashed ``requirements`` (no dependencies resolved).

    Only wheels (``--only-binary=:all:``) for the target's manylinux platform, implementation
    ``cp``, ABI ``cp3XX``/``abi3``/``none`` and Python version; hashes required. With ``wheel_dir``
    the wheels come from that directory only (offline), otherwise from the configured index.
    """
    command = [
        sys.executable, "-m", "pip", "download",
        "--disable-pip-version-check", "--no-input", "--quiet",
        "--no-deps", "--only-binary=:all:", "--require-hashes",
        "--implementation", "cp", "--python-version", target.python_version,
        "--abi", target.abi, "--abi", "abi3", "--abi", "none",
        "--dest", str(dest), "--requirement", str(requirements),
    ]  # fmt: skip
    for platform in target.platforms:
        command += ["--platform", platform]
    if wheel_dir is not None:
        command += ["--no-index", "--find-links", str(wheel_dir)]
    env = {**os.environ, "PIP_FIND_LINKS": ""} if wheel_dir is None else dict(os.environ)
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        output = result.stderr + result.stdout
        missing = _NO_WHEEL.search(output) or _NO_VERSION.search(output)
        if missing:
            raise BuildError(
                f"no wheel of {missing.group(1)} for {target.name} "
                f"({', '.join(target.platforms)}, {target.abi}); pin a version that publishes one"
            )
        last = next((line for line in reversed(output.splitlines()) if line.strip()), "no output")
        raise BuildError(f"pip download failed for {target.name}: {last.strip()}")
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise BuildError(f"pip download produced no wheels from {requirements}")
    return wheels


def layer_entries(wheels: Iterable[Path]) -> list[tuple[str, bytes]]:
    """The layer's files: every wheel unpacked under ``python/``; two wheels may not share a file."""
    seen: dict[str, str] = {}
    entries = []
    for wheel in wheels:
        for name, data in wheel_entries(wheel):
            if name in seen:
                raise BuildError(f"{wheel.name} and {seen[name]} both contain {name}")
            seen[name] = wheel.name
            entries.append((f"python/{name}", data))
    return entries


def build(
    target: Target,
    build_dir: Path = DEFAULT_BUILD_DIR,
    requirements: Path = LAYER_REQUIREMENTS,
    function_source: Path = FUNCTION_SOURCE,
    wheel_dir: Path | None = None,
    log: Log = print,
) -> dict[str, object]:
    """Build ``layer.zip``, ``function.zip`` and ``manifest.json`` under ``build_dir/<target>/``.

    Returns the manifest.
    """
    if not requirements.is_file():
        raise BuildError(f"requirements file {requirements} does not exist")
    if not (function_source / "handler.py").is_file():
        raise BuildError(f"function source {function_source} has no handler.py")
    out = build_dir / target.name
    out.mkdir(parents=True, exist_ok=True)

    log(f"[build] {target.name}: downloading wheels for {', '.join(target.platforms)} ({target.abi})")
    with tempfile.TemporaryDirectory(prefix="layer-wheels-") as scratch:
        wheels = download_wheels(requirements, target, Path(scratch), wheel_dir)
        for wheel in wheels:
            log(f"[build]   {wheel.name}")
        log("[build] writing layer.zip")
        layer = write_zip(out / "layer.zip", layer_entries(wheels))
        wheel_names = [wheel.name for wheel in wheels]

    log("[build] writing function.zip")
    function = write_zip(out / "function.zip", tree_entries(function_source, f"{function_source.name}/"))

    manifest: dict[str, object] = {
        "target": target.name,
        "python_version": target.python_version,
        "runtime": target.runtime,
        "architecture": target.architecture,
        "layer": {**layer.manifest_entry(), "wheels": wheel_names},
        "function": function.manifest_entry(),
    }
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for label, artifact in (("layer", layer), ("function", function)):
        log(f"{label:8} {display_path(artifact.path)}  {artifact.size} bytes  sha256 {artifact.sha256}")
    log(f"manifest {display_path(manifest_path)}")
    return manifest


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build the Lambda layer and function zips deterministically for one target.",
    )
    parser.add_argument(
        "--python-version",
        default=DEFAULT_PYTHON_VERSION,
        help=f"target Lambda Python version, one of {', '.join(SUPPORTED_PYTHON_VERSIONS)} "
        f"(default {DEFAULT_PYTHON_VERSION})",
    )
    parser.add_argument(
        "--architecture",
        default=DEFAULT_ARCHITECTURE,
        help=f"target Lambda architecture, arm64 or x86_64 (default {DEFAULT_ARCHITECTURE})",
    )
    parser.add_argument(
        "--local",
        action="store_true",
        help="target this machine's Python version and architecture (overrides the two options above)",
    )
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=DEFAULT_BUILD_DIR,
        help="directory that receives <target>/ (default: build/ in the repository)",
    )
    parser.add_argument(
        "--requirements",
        type=Path,
        default=LAYER_REQUIREMENTS,
        help="hashed requirements lock for the layer (default: layer-requirements/python/requirements.txt)",
    )
    parser.add_argument(
        "--wheel-dir",
        type=Path,
        help="take wheels only from this directory (offline build) instead of the package index",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        target = Target.local() if args.local else Target(args.python_version, args.architecture)
        if args.wheel_dir is not None and not args.wheel_dir.is_dir():
            raise BuildError(f"--wheel-dir {args.wheel_dir} is not a directory")
        build(target, args.build_dir, args.requirements, wheel_dir=args.wheel_dir)
    except BuildError as error:
        print(f"build_packages: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
