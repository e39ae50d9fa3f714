#!/usr/bin/env python3
"""Run S3 events through the Java function locally, the way the Lambda Java runtime would.

The local stand-in (moto) cannot execute Lambda code, so the Java function runs in a local JVM:
build/java-invoker/invoker.jar plays the runtime (one event per line in, one JSON result per line
out), with the unzipped function package and the layer's java/lib/* on the class path, exactly the
bytes the manifest names.

Usage:
    scripts/standin/java_invoke.py [--target java21-arm64] [--snapstart] < events.jsonl
    (environment: TRIGGER_BUCKET, RESULTS_BUCKET, AWS_REGION, credentials, AWS_ENDPOINT_URL for the stand-in)

From Python (the local runner):
    from java_invoke import JavaFunction, invoke_events
    with JavaFunction(env={...}, snapstart=True) as function:   # one JVM = one execution environment
        reply = function.invoke(event)          # {"ok": True, "result": {...}} or {"ok": False, ...}
    replies = invoke_events([event1, event2], env={...})

Each reply is {"ok": true, "requestId", "result"} or {"ok": false, "requestId", "errorType",
"errorMessage"}; the function's logs and metrics (stderr of the JVM) are kept in ``JavaFunction.logs``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from types import TracebackType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from artifacts.build_java import (
    DEFAULT_ARCHITECTURE,
    DEFAULT_BUILD_DIR,
    INVOKER_DIR_NAME,
    INVOKER_MAIN,
    ROOT,
    BuildError,
    find_jdk,
    target_name,
)

RUN_DIR_NAME = "java-run"


def manifest_path(
    target: str = target_name(DEFAULT_ARCHITECTURE), build_dir: Path = DEFAULT_BUILD_DIR
) -> Path:
    return build_dir / target / "manifest.json"


def unpack(manifest: Path, build_dir: Path = DEFAULT_BUILD_DIR) -> tuple[Path, Path]:
    """Unzip the manifest's function and layer (once per content hash); return their directories."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"{manifest} does not exist: run scripts/artifacts/build_java.py first") from None
    if not str(data.get("runtime", "")).startswith("java"):
        raise BuildError(f"{manifest} is not a Java build (runtime {data.get('runtime')!r})")
    dirs = []
    for package in ("function", "layer"):
        entry = data[package]
        target = build_dir / RUN_DIR_NAME / f"{package}-{entry['sha256'][:16]}"
        if not (target / ".complete").exists():
            target.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(ROOT / entry["path"]) as archive:
                archive.extractall(target)
            (target / ".complete").write_text(entry["sha256"] + "\n", encoding="utf-8")
        dirs.append(target)
    return dirs[0], dirs[1]


def command(
    manifest: Path, build_dir: Path = DEFAULT_BUILD_DIR, snapstart: bool = False, timings: bool = False
) -> list[str]:
    """The java command line that runs the manifest's handler under the local invoker."""
    function_dir, layer_dir = unpack(manifest, build_dir)
    invoker = build_dir / INVOKER_DIR_NAME / "invoker.jar"
    if not invoker.is_file():
        raise BuildError(f"{invoker} does not exist: run scripts/artifacts/build_java.py first")
    handler = json.loads(manifest.read_text(encoding="utf-8"))["handler"]
    classpath = os.pathsep.join([str(invoker), str(function_dir), str(layer_dir / "java" / "lib" / "*")])
    java = find_jdk() / "bin" / "java"
    args = [str(java), "-XX:+UseSerialGC", "-cp", classpath, INVOKER_MAIN, "--handler", handler]
    return args + (["--snapstart"] if snapstart else []) + (["--timings"] if timings else [])


class JavaFunction:
    """One JVM running the Java function: one Lambda execution environment, reused across invokes."""

    def __init__(
        self,
        env: dict[str, str] | None = None,
        manifest: Path | None = None,
        build_dir: Path = DEFAULT_BUILD_DIR,
        snapstart: bool = False,
        timings: bool = False,
        timeout_s: float = 120,
    ) -> None:
        self.command = command(manifest or manifest_path(build_dir=build_dir), build_dir, snapstart, timings)
        self.env = {**os.environ, **(env or {})}
        self.timeout_s = timeout_s
        self.logs: list[str] = []
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> JavaFunction:
        self._process = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=self.env,
        )
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        return self

    def _drain_stderr(self) -> None:
        stderr = self._process.stderr if self._process is not None else None
        for line in stderr or ():
            self.logs.append(line.rstrip("\n"))

    def log_records(self) -> list[dict[str, Any]]:
        """The function's JSON log and metric lines so far."""
        return [json.loads(line) for line in list(self.logs) if line.startswith("{")]

    def invoke(self, event: Any) -> dict[str, Any]:
        """Invoke the handler with ``event``; return the invoker's reply."""
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            raise RuntimeError("JavaFunction is not running: use it as a context manager")
        process.stdin.write(json.dumps(event, ensure_ascii=False) + "\n")
        process.stdin.flush()
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.timeout_s)
        if not result or not result[0]:
            tail = "\n".join(self.logs[-20:])
            raise RuntimeError(
                f"the Java function gave no reply within {self.timeout_s:.0f} s; stderr:\n{tail}"
            )
        return json.loads(result[0])

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        process = self._process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._process = None


def invoke_events(events: list[Any], **kwargs: Any) -> list[dict[str, Any]]:
    """Run ``events`` through one JVM (one warm execution environment); return the replies."""
    with JavaFunction(**kwargs) as function:
        return [function.invoke(event) for event in events]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run S3 events (one JSON document per line on stdin) through the built Java function; "
        "print one JSON reply per line."
    )
    parser.add_argument("--target", default=target_name(DEFAULT_ARCHITECTURE), help="build/<target>/ to run")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR)
    parser.add_argument(
        "--snapstart", action="store_true", help="run the CRaC hooks first (priming, restore)"
    )
    args = parser.parse_args(argv)
    try:
        with JavaFunction(
            manifest=manifest_path(args.target, args.build_dir),
            build_dir=args.build_dir,
            snapstart=args.snapstart,
        ) as function:
            for line in sys.stdin:
                if line.strip():
                    print(json.dumps(function.invoke(json.loads(line)), ensure_ascii=False), flush=True)
    except (BuildError, RuntimeError, json.JSONDecodeError) as error:
        print(f"java_invoke: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
