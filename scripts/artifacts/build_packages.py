#!/usr/bin/env python3
"""Build the file-processor Lambda packages: the dependency layer zip and the function zip.

Usage:
    .venv/bin/python scripts/artifacts/build_packages.py                      # python3.14 on arm64 (Lambda)
    .venv/bin/python scripts/artifacts/build_packages.py --local              # this machine's Python/arch
    .venv/bin/python scripts/artifacts/build_packages.py --python-version 3.13 --architecture x86_64
    .venv/bin/python scripts/artifacts/build_packages.py --no-bytecode                # sources only

Writes build/<target>/{layer.zip,function.zip,manifest.json} (target e.g. python3.14-arm64) and
prints each artifact's path, size and SHA-256. The layer holds only wheels built for the target
platform (never the build machine's), from the hashed lock layer-requirements/python/
requirements.txt; the function zip holds src/file_processor only. Both are byte-identical when
rebuilt from unchanged inputs.

Bytecode: both zips carry ``__pycache__/*.cpython-3XX.pyc`` compiled for the target's Python
version, because Lambda cannot write bytecode (``/opt`` and ``/var/task`` are read-only) and would
otherwise compile every module at every cold start (2x a bare ``import boto3`` instead of
1.3x; ``make bench``). They are PEP 552 hash-based files, which hold a hash of the source instead
of its timestamp, compiled as if unpacked where Lambda unpacks them (``/opt``, ``/var/task``)
rather than in a scratch directory, so they are as reproducible as the sources. The layer's are
``unchecked-hash`` (a layer version never changes); the function's are ``checked-hash`` (Python
compares them with the source at import, so a source edited in place, e.g. in the console, wins
over stale bytecode) and leave out PEP 657 column ranges to fit the function's 64 KB budget. The
compiler is an interpreter of the target's version: the toolchain's pinned CPython
(``.tools/python3.14``, ``make setup``), else this interpreter when it is that version.
``--no-bytecode`` builds sources only.

Importable (``sys.path`` += ``scripts/``; ``import build_packages``): ``build(Target(...))`` and
``write_zip(path, entries)`` are what tests, benchmarks and the local runner call.

Artifact contract (consumed by the Terraform layer/function modules and the local runner)::

    build/<target>/layer.zip       python/<packages>       (target e.g. python3.14-arm64)
    build/<target>/function.zip    file_processor/<code>
    build/<target>/manifest.json   {"target", "python_version", "runtime", "architecture",
                                    "layer": {"path", "sha256", "base64sha256", "size", ...},
                                    "function": {same fields},
                                    "bytecode": {"python", "layer", "function"} or null}

Determinism: entries sorted by name, directory entries included, every timestamp fixed
(``SOURCE_DATE_EPOCH`` or 1980-01-01 00:00:00 UTC), modes 0644 for files and 0755 for
directories, no bytecode caches from the inputs (whatever ``__pycache__`` a source tree or wheel
holds is dropped; the only bytecode is the hash-based files compiled above), wheels unpacked from
their own bytes (no ``pip install``, so no installer-written RECORD, INSTALLER or
direct_url.json). Rebuilding unchanged inputs with the same Python (same zlib) and the same
bytecode compiler gives byte-identical zips; the manifest names the compiler's version.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from toolchain.tools import lambda_python_executable

ROOT = Path(__file__).resolve().parents[2]
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
# Where Lambda unpacks each zip: compiled files carry their source path under these.
LAYER_ROOT = "/opt"
FUNCTION_ROOT = "/var/task"
LAYER_INVALIDATION = "unchecked-hash"
FUNCTION_INVALIDATION = "checked-hash"
# The function's bytecode leaves out the column ranges of PEP 657 (tracebacks keep their line
# numbers, lose the ^^^ markers): with them the function zip would not fit its 64 KB budget.
FUNCTION_COMPILE_OPTIONS = ("-X", "no_debug_ranges")

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

    Parent directories get their own entries; entries are sorted.
    """
    files: dict[str, bytes] = {}
    for name, data in entries:
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise BuildError(f"refusing zip entry {name!r}: not a relative path inside the package")
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
            if is_excluded(PurePosixPath(target)):
                continue  # a wheel's own bytecode would be for whichever Python built the wheel
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


def bytecode_compiler(target: Target) -> Path:
    """An interpreter of the target's Python version: the toolchain's pinned one, else this one."""
    pinned = lambda_python_executable(target.python_version)
    if pinned is not None:
        return pinned
    if f"{sys.version_info.major}.{sys.version_info.minor}" == target.python_version:
        return Path(getattr(sys, "_base_executable", sys.executable))
    raise BuildError(
        f"compiling bytecode for {target.runtime} needs a Python {target.python_version} interpreter: "
        "run `make setup` (it unpacks the pinned one into .tools/), or build with --no-bytecode"
    )


def interpreter_version(interpreter: Path) -> str:
    probe = [str(interpreter), "-I", "-c", "import platform; print(platform.python_version())"]
    return subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip()


def with_bytecode(
    entries: list[tuple[str, bytes]],
    interpreter: Path,
    root: str,
    invalidation: str,
    options: tuple[str, ...] = (),
) -> list[tuple[str, bytes]]:
    """``entries`` plus a hash-based ``.pyc`` for each ``.py``, compiled as if unpacked under ``root``.

    Each file is compiled in a scratch tree whose path is replaced by ``root`` in the code objects
    (``-s``/``-p``), so the bytes do not depend on where the build ran. (At import Python points
    a code object at the file it actually loaded, wherever that is.)
    """
    with tempfile.TemporaryDirectory(prefix="bytecode-") as scratch:
        tree = Path(scratch)
        for name, data in entries:
            path = tree / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        command = [
            str(interpreter), "-I", *options, "-m", "compileall", "-q", "-j", "0",
            "--invalidation-mode", invalidation, "-s", str(tree), "-p", root, str(tree),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            detail = (result.stdout + result.stderr).strip().replace(str(tree) + "/", "")
            raise BuildError(f"compiling bytecode failed: {' '.join(detail.split())[:500]}")
        compiled = [
            (path.relative_to(tree).as_posix(), path.read_bytes()) for path in sorted(tree.rglob("*.pyc"))
        ]
    return entries + compiled


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
    bytecode: bool = True,
) -> dict[str, object]:
    """Build ``layer.zip``, ``function.zip`` and ``manifest.json`` under ``build_dir/<target>/``.

    With ``bytecode`` (the default) both zips carry hash-based ``.pyc`` files for the target's
    Python version (see the module docstring). Returns the manifest.
    """
    if not requirements.is_file():
        raise BuildError(f"requirements file {requirements} does not exist")
    if not (function_source / "handler.py").is_file():
        raise BuildError(f"function source {function_source} has no handler.py")
    compiler = bytecode_compiler(target) if bytecode else None
    out = build_dir / target.name
    out.mkdir(parents=True, exist_ok=True)

    log(f"[build] {target.name}: downloading wheels for {', '.join(target.platforms)} ({target.abi})")
    with tempfile.TemporaryDirectory(prefix="layer-wheels-") as scratch:
        wheels = download_wheels(requirements, target, Path(scratch), wheel_dir)
        for wheel in wheels:
            log(f"[build]   {wheel.name}")
        entries = layer_entries(wheels)
        wheel_names = [wheel.name for wheel in wheels]
    function_entries = tree_entries(function_source, f"{function_source.name}/")
    bytecode_info: dict[str, str] | None = None
    if compiler is not None:
        version = interpreter_version(compiler)
        log(f"[build] compiling bytecode with Python {version} ({compiler})")
        entries = with_bytecode(entries, compiler, LAYER_ROOT, LAYER_INVALIDATION)
        function_entries = with_bytecode(
            function_entries, compiler, FUNCTION_ROOT, FUNCTION_INVALIDATION, FUNCTION_COMPILE_OPTIONS
        )
        bytecode_info = {
            "python": version,
            "layer": LAYER_INVALIDATION,
            "function": f"{FUNCTION_INVALIDATION} {' '.join(FUNCTION_COMPILE_OPTIONS)}",
        }
    log("[build] writing layer.zip")
    layer = write_zip(out / "layer.zip", entries)
    log("[build] writing function.zip")
    function = write_zip(out / "function.zip", function_entries)

    manifest: dict[str, object] = {
        "target": target.name,
        "python_version": target.python_version,
        "runtime": target.runtime,
        "architecture": target.architecture,
        "layer": {**layer.manifest_entry(), "wheels": wheel_names},
        "function": function.manifest_entry(),
        "bytecode": bytecode_info,
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
        "--no-bytecode",
        action="store_true",
        help="leave the .pyc files out (sources only; every cold start then compiles every module)",
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
        build(
            target,
            args.build_dir,
            args.requirements,
            wheel_dir=args.wheel_dir,
            bytecode=not args.no_bytecode,
        )
    except BuildError as error:
        print(f"build_packages: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
