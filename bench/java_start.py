#!/usr/bin/env python3
"""Java function start-up: JVM start to first record, with and without SnapStart priming; prints a table.

    .venv/bin/python bench/java_start.py               # 7 fresh JVMs per mode
    .venv/bin/python bench/java_start.py --repeats 3

Runs the built packages (build/java21-arm64/, built first when missing or with --build) through the
local invoker (scripts/standin/java_invoke.py) against a moto server on a free 127.0.0.1 port, one fresh JVM
per run, each recording a new object. Three modes:

- on demand: no SnapStart; the first invocation creates the configuration and S3 client and loads
  every class on the path (what a Lambda cold start pays after the JVM and init).
- SnapStart, no priming: the CRaC hooks run (FILE_PROCESSOR_PRIMING=off): afterRestore creates the
  client, but the request path's classes are still loaded by the first invocation.
- SnapStart, priming: beforeCheckpoint runs the whole path against an in-memory S3 first.

Columns (medians): wall time from starting the JVM to the first reply; the handler's init
(construction); beforeCheckpoint; and "restore to first record" (afterRestore plus the first
invocation), the part a SnapStart-restored environment still pays after Lambda restores the
snapshot (the restore itself, which Lambda does, cannot be measured here). Without SnapStart the
whole wall time is the cold start.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import boto3  # noqa: E402
from artifacts.build_java import BuildError, build, target_name  # noqa: E402
from standin.java_invoke import command, manifest_path  # noqa: E402
from standin.server import STANDIN_ENV, running_standin  # noqa: E402

SOURCE = "bench-java-source"
RESULTS = "bench-java-results"
MODES = (
    ("on demand (no SnapStart)", False, True),
    ("SnapStart, no priming", True, False),
    ("SnapStart, priming", True, True),
)
BODY = (ROOT / "tests" / "vectors" / "objects" / "pixel.png").read_bytes()


def event_for(key: str, etag: str) -> dict:
    event = json.loads((ROOT / "tests" / "events" / "s3_object_created_put.json").read_text(encoding="utf-8"))
    record = event["Records"][0]
    record["s3"]["bucket"].update(name=SOURCE, arn=f"arn:aws:s3:::{SOURCE}")
    record["s3"]["object"].update(key=key, size=len(BODY), eTag=etag.strip('"'))
    return event


def one_run(cmd: list[str], env: dict[str, str], event: dict) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(json.dumps(event) + "\n")
    process.stdin.flush()
    line = process.stdout.readline()
    wall_ms = (time.perf_counter() - started) * 1000
    process.stdin.close()
    process.wait(timeout=60)
    reply = json.loads(line)
    if not reply.get("ok") or reply["result"]["objects"][0]["outcome"] != "recorded":
        raise RuntimeError(f"unexpected reply: {reply}")
    return {"wallMs": wall_ms, **reply["timings"]}


def median(runs: list[dict], field: str) -> float:
    return statistics.median(run[field] for run in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=7, help="fresh JVMs per mode (default 7)")
    parser.add_argument("--build", action="store_true", help="rebuild the Java packages first")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    manifest = manifest_path(target_name("arm64"))
    try:
        if args.build or not manifest.exists():
            print("[bench] building the Java packages (scripts/artifacts/build_java.py)", flush=True)
            build("arm64")
    except BuildError as error:
        print(f"java_start: error: {error}", file=sys.stderr)
        return 1

    with running_standin() as standin:
        endpoint = standin.insecure_endpoint  # the JVM here has no trust store for the stand-in's CA
        env = {
            **os.environ,
            **STANDIN_ENV,
            "AWS_ENDPOINT_URL": endpoint,
            "RESULTS_BUCKET": RESULTS,
            "TRIGGER_BUCKET": SOURCE,
        }
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **_client_credentials())
        for bucket in (SOURCE, RESULTS):
            s3.create_bucket(Bucket=bucket)
        rows = []
        for label, snapstart, priming in MODES:
            cmd = command(manifest, snapstart=snapstart, timings=True)
            mode_env = {**env, "FILE_PROCESSOR_PRIMING": "on" if priming else "off"}
            runs = []
            for run in range(args.repeats):
                key = f"bench/{hashlib.sha256(label.encode()).hexdigest()[:8]}-{run}.png"
                etag = s3.put_object(Bucket=SOURCE, Key=key, Body=BODY, ContentType="image/png")["ETag"]
                runs.append(one_run(cmd, mode_env, event_for(key, etag)))
                print(
                    f"[bench] {label}: run {run + 1}/{args.repeats} {runs[-1]['wallMs']:.0f} ms", flush=True
                )
            rows.append((label, snapstart, runs))

    print()
    print(f"Java function start-up, medians of {args.repeats} fresh JVMs (java21 bytecode on this JDK)")
    header = (
        f"{'mode':<26} {'JVM start->1st record':>22} {'init':>8} {'beforeCheckpoint':>17} "
        f"{'restore->1st record':>20}"
    )
    print(header)
    print("-" * len(header))
    for label, snapstart, runs in rows:
        before = f"{median(runs, 'beforeCheckpointMs'):.0f} ms" if snapstart else "-"
        restore = f"{median(runs, 'restoreToFirstResultMs'):.0f} ms" if snapstart else "-"
        print(
            f"{label:<26} {median(runs, 'wallMs'):>19.0f} ms {median(runs, 'initMs'):>5.0f} ms "
            f"{before:>17} {restore:>20}"
        )
    print()
    print("On demand, the whole 'JVM start->1st record' is the cold start. With SnapStart, Lambda restores")
    print("the snapshot taken after beforeCheckpoint, so a restored environment pays the restore plus")
    print("'restore->1st record' (afterRestore + first invocation): priming moves class loading into the")
    print("snapshot.")
    return 0


def _client_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": STANDIN_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": STANDIN_ENV["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": STANDIN_ENV["AWS_SESSION_TOKEN"],
    }


if __name__ == "__main__":
    sys.exit(main())
