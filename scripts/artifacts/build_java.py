#!/usr/bin/env python3
"""Build the Java variant of the function: its layer zip, function zip and manifest, deterministically.

Usage:
    .venv/bin/python scripts/artifacts/build_java.py                # java21 on arm64 (Lambda)
    .venv/bin/python scripts/artifacts/build_java.py --architecture x86_64
    .venv/bin/python scripts/artifacts/build_java.py --test         # also run the JUnit suite (moto)
    .venv/bin/python scripts/artifacts/build_java.py --offline      # Maven offline (after one online run)

Runs Maven (``-B -ntp``) on src/java/ with a JDK 21 or newer (JAVA_HOME if it is one, else the first
one under /usr/lib/jvm; this machine has Temurin 25) compiling for release 21, the ``java21`` Lambda
runtime. Writes and prints the path, size and SHA-256 of::

    build/java21-<arch>/layer.zip      java/lib/<third-party jars>   (Lambda's Java layer layout)
    build/java21-<arch>/function.zip   com/example/fileprocessor/... (our classes and resources only)
    build/java21-<arch>/manifest.json  {"target", "runtime", "architecture", "handler", "java_release",
                                        "layer": {"path", "sha256", "base64sha256", "size", "jars"},
                                        "function": {"path", "sha256", "base64sha256", "size"}}
    build/java-invoker/invoker.jar     the local stand-in for the Lambda Java runtime
                                       (scripts/standin/java_invoke.py)

The function package is a .zip of class files, which Lambda's Java runtimes accept like a jar; a .zip
keeps the package store (scripts/release/builds.py, build/store/<sha256>.zip) and the live tree unchanged.
The jars hold no native code, so both architectures get the same bytes; the target names the
architecture the environment runs. Determinism: Maven builds reproducible jars
(``project.build.outputTimestamp``), and both zips are rewritten here with sorted entries, fixed
timestamps and modes (``build_packages.write_zip``), so rebuilding unchanged sources is byte-identical.

Importable (``sys.path`` += ``scripts/``; ``import build_java``): ``build(...)``, ``find_jdk()``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from artifacts.build_packages import (
    DEFAULT_BUILD_DIR,
    ROOT,
    BuildError,
    digest,
    display_path,
    write_zip,
)

JAVA_PROJECT = ROOT / "src" / "java"
FUNCTION_MODULE = JAVA_PROJECT / "function"
INVOKER_MODULE = JAVA_PROJECT / "local-invoker"
VERSION = "0.1.0"
HANDLER = "com.example.fileprocessor.Handler::handleRequest"
INVOKER_MAIN = "com.example.fileprocessor.invoker.InvokerMain"
JAVA_RELEASE = 21
RUNTIME = f"java{JAVA_RELEASE}"
ARCHITECTURES = ("arm64", "x86_64")
DEFAULT_ARCHITECTURE = "arm64"
INVOKER_DIR_NAME = "java-invoker"
JVM_DIR = Path("/usr/lib/jvm")
# Entries of Maven's jar that are build metadata, not code.
SKIPPED_PREFIXES = ("META-INF/maven/", "META-INF/MANIFEST.MF")
# Maven 3.8's bundled Guava warns about sun.misc.Unsafe on JDK 24+; the flag keeps the log clean.
MAVEN_OPTS_BY_JDK = {24: "--sun-misc-unsafe-memory-access=allow"}
_PROGRESS = re.compile(r"(Building |Tests run:|BUILD |\[ERROR\]|Downloading from|Reactor Summary)")

Log = Callable[[str], None]


def target_name(architecture: str) -> str:
    return f"{RUNTIME}-{architecture}"


def jdk_major(java_home: Path) -> int | None:
    """The feature version of a JDK (from its ``release`` file), or None when it is not a JDK."""
    release = java_home / "release"
    if not (java_home / "bin" / "javac").is_file() or not release.is_file():
        return None
    match = re.search(r'^JAVA_VERSION="(\d+)', release.read_text(encoding="utf-8", errors="replace"), re.M)
    return int(match.group(1)) if match else None


def find_jdk() -> Path:
    """JAVA_HOME when it is a JDK >= 21, else the newest such JDK under /usr/lib/jvm."""
    candidates: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    if JVM_DIR.is_dir():
        found = [(jdk_major(path) or 0, path) for path in JVM_DIR.iterdir() if path.is_dir()]
        candidates += [path for _, path in sorted(found, reverse=True)]
    for path in candidates:
        major = jdk_major(path)
        if major is not None and major >= JAVA_RELEASE:
            return path
    raise BuildError(
        f"no JDK {JAVA_RELEASE} or newer found (JAVA_HOME or {JVM_DIR}/*); "
        "install one, e.g. a Temurin 21 or 25"
    )


def maven_env(jdk: Path) -> dict[str, str]:
    env = {**os.environ, "JAVA_HOME": str(jdk)}
    major = jdk_major(jdk) or 0
    opts = [flag for since, flag in MAVEN_OPTS_BY_JDK.items() if major >= since]
    if opts:
        env["MAVEN_OPTS"] = " ".join([env.get("MAVEN_OPTS", ""), *opts]).strip()
    return env


def run_maven(args: list[str], jdk: Path, log_path: Path, log: Log, offline: bool = False) -> None:
    """Run Maven on src/java/ (batch mode, no transfer progress), its output to ``log_path``."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BuildError("mvn is not on PATH; install Maven 3.8 or newer (apt-get install maven)")
    command = [mvn, "-B", "-ntp", "-f", str(JAVA_PROJECT / "pom.xml"), *(["-o"] if offline else []), *args]
    log(f"[build-java] mvn {' '.join(command[1:])}  (JAVA_HOME={jdk}; full log {display_path(log_path)})")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with log_path.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=maven_env(jdk),
            cwd=JAVA_PROJECT,
        )
        for line in process.stdout or ():
            output.write(line)
            if _PROGRESS.search(line):
                log(f"[build-java]   {line.rstrip()}")
            if line.startswith("[ERROR]") and line.strip() != "[ERROR]":
                errors.append(line.strip())
        returncode = process.wait()
    if returncode != 0:
        reason = errors[0] if errors else f"exit code {returncode}"
        raise BuildError(f"maven failed: {reason} (see {display_path(log_path)})")


def function_entries(jar: Path) -> list[tuple[str, bytes]]:
    """Our classes and resources from Maven's jar, without Maven's metadata."""
    with zipfile.ZipFile(jar) as archive:
        return [
            (info.filename, archive.read(info))
            for info in archive.infolist()
            if not info.is_dir() and not info.filename.startswith(SKIPPED_PREFIXES)
        ]


def layer_entries(lib_dir: Path) -> list[tuple[str, bytes]]:
    """Every runtime dependency jar under ``java/lib/`` (Lambda adds /opt/java/lib/* to the class path)."""
    jars = sorted(lib_dir.glob("*.jar"))
    if not jars:
        raise BuildError(f"no dependency jars in {display_path(lib_dir)}: did Maven's copy-dependencies run?")
    return [(f"java/lib/{jar.name}", jar.read_bytes()) for jar in jars]


def build(
    architecture: str = DEFAULT_ARCHITECTURE,
    build_dir: Path = DEFAULT_BUILD_DIR,
    run_tests: bool = False,
    offline: bool = False,
    log: Log = print,
) -> dict[str, object]:
    """Build the Java packages for ``architecture`` under ``build_dir``; return the manifest."""
    if architecture not in ARCHITECTURES:
        raise BuildError(
            f"unsupported --architecture {architecture!r}; use one of {', '.join(ARCHITECTURES)}"
        )
    jdk = find_jdk()
    goals = ["clean", "verify"] if run_tests else ["clean", "package", "-DskipTests"]
    run_maven(goals, jdk, build_dir / "java-maven.log", log, offline)

    out = build_dir / target_name(architecture)
    out.mkdir(parents=True, exist_ok=True)
    lib_dir = FUNCTION_MODULE / "target" / "layer-lib"
    log("[build-java] writing layer.zip")
    layer_files = layer_entries(lib_dir)
    layer = write_zip(out / "layer.zip", layer_files)
    log("[build-java] writing function.zip")
    function = write_zip(
        out / "function.zip",
        function_entries(FUNCTION_MODULE / "target" / f"file-processor-function-{VERSION}.jar"),
    )
    invoker_dir = build_dir / INVOKER_DIR_NAME
    invoker_dir.mkdir(parents=True, exist_ok=True)
    invoker_path = invoker_dir / "invoker.jar"
    shutil.copyfile(INVOKER_MODULE / "target" / f"local-invoker-{VERSION}.jar", invoker_path)
    invoker = digest(invoker_path)

    manifest: dict[str, object] = {
        "target": target_name(architecture),
        "runtime": RUNTIME,
        "architecture": architecture,
        "handler": HANDLER,
        "java_release": JAVA_RELEASE,
        "layer": {
            **layer.manifest_entry(),
            "jars": [name.removeprefix("java/lib/") for name, _ in layer_files],
        },
        "function": function.manifest_entry(),
    }
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for label, artifact in (("layer", layer), ("function", function), ("invoker", invoker)):
        log(f"{label:8} {display_path(artifact.path)}  {artifact.size} bytes  sha256 {artifact.sha256}")
    log(f"manifest {display_path(manifest_path)}")
    return manifest


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build the Java function's layer and function zips (java21) deterministically; "
        "optionally run its JUnit suite.",
    )
    parser.add_argument(
        "--architecture",
        default=DEFAULT_ARCHITECTURE,
        help=f"target Lambda architecture, arm64 or x86_64 (default {DEFAULT_ARCHITECTURE}); the jars are "
        "the same, the manifest records the choice",
    )
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=DEFAULT_BUILD_DIR,
        help="directory that receives java21-<arch>/ and java-invoker/ (default: build/ in the repository)",
    )
    parser.add_argument(
        "--test",
        action="store_true",
        help="run the JUnit suite too (mvn verify; starts .venv/bin/moto_server on loopback)",
    )
    parser.add_argument(
        "--offline", action="store_true", help="run Maven offline (-o): dependencies already in ~/.m2"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        build(args.architecture, args.build_dir, run_tests=args.test, offline=args.offline)
    except BuildError as error:
        print(f"build_java: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
