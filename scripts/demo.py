#!/usr/bin/env python3
"""`make demo`: deploy the whole stack to the local AWS stand-in, drop a file, show its record.

Steps (each prints its progress):
  1. build the layer and function packages for this machine (Python: its version and architecture;
     --runtime java: the Java 21 variant) and record them as the build the `local` environment runs
     (live/local/build.json);
  2. start the stand-in (moto server on a free 127.0.0.1 port; it stops when this command ends);
  3. apply bootstrap/local-account (the account's workload permissions boundary, as an administrator
     bootstraps a real account), then `terragrunt run --all apply` on live/local: buckets, iam,
     layer, function, in dependency order;
  4. upload a sample file (and FILE=path) to the trigger bucket;
  5. run the deployed function on the S3 event, as Lambda would (scripts/standin/local_lambda.py);
  6. print the metadata record from the results bucket and a summary.

Usage:
    scripts/demo.py [--file PATH] [--keep] [--runtime python|java]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from artifacts import build_packages
from release import builds
from release.stack import (
    LOCAL_STANDIN_FILE,
    ROOT,
    StackError,
    bootstrap_local_account,
    print_timings,
    regions,
    run_all,
    standin_env_vars,
    unit_outputs,
)
from standin.local_lambda import (
    LocalLambdaService,
    RunnerError,
    delivered,
    process_new_objects,
    result_summary,
)
from standin.server import StandinError, running_standin

ENV = "local"
# A small PDF from the shared test vectors, under a key with a space (S3 sends it as "+").
SAMPLE = ROOT / "tests" / "vectors" / "objects" / "report.pdf"
SAMPLE_KEY = "incoming/quarterly report.pdf"


def step(number: int, total: int, text: str) -> None:
    print(f"\n==> [{number}/{total}] {text}", flush=True)


def build_and_record(runtime: str | None) -> dict:
    """Build the variant for this machine and make the local environment run it."""
    return builds.record(ENV, builds.build_for(ENV, runtime))


def upload(s3: object, bucket: str, path: Path, key: str) -> None:
    content_type = {".png": "image/png", ".pdf": "application/pdf", ".json": "application/json"}.get(
        path.suffix.lower(), "application/octet-stream"
    )
    s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type)
    print(f"  uploaded {path} -> s3://{bucket}/{key} ({path.stat().st_size} bytes, {content_type})")


def show_record(s3: object, results_bucket: str, record_key: str) -> dict:
    record = json.loads(s3.get_object(Bucket=results_bucket, Key=record_key)["Body"].read())
    print(f"  s3://{results_bucket}/{record_key}")
    print("  " + json.dumps(record, indent=2, sort_keys=True).replace("\n", "\n  "))
    return record


def run(file: Path | None, keep: bool, runtime: str | None) -> int:
    total = 6
    started = time.monotonic()
    step(1, total, "build the packages for this machine and record them for the local environment")
    manifest = build_and_record(runtime)
    region = regions(ENV)[0]

    step(2, total, "start the local AWS stand-in (moto server)")
    log_path = ROOT / "build" / "standin.log"
    with running_standin(log_path=log_path) as standin:
        endpoint = standin.endpoint
        print(f"  {endpoint} (log: {log_path.relative_to(ROOT)})")
        standin.write(LOCAL_STANDIN_FILE)
        env_vars = standin_env_vars(endpoint)

        step(3, total, f"bootstrap the stand-in's account, then terragrunt run --all apply on live/{ENV}")
        seconds = bootstrap_local_account(env_vars)
        print(f"  bootstrap/local-account (the workload permissions boundary): {seconds:.1f} s")
        timings = run_all(ENV, ["apply"], env_vars={**env_vars, "TG_BACKEND_BOOTSTRAP": "true"})
        print_timings(timings, "  apply time per unit")
        buckets = unit_outputs(ENV, region, "buckets", env_vars)
        function = unit_outputs(ENV, region, "function", env_vars)
        layer = unit_outputs(ENV, region, "layer", env_vars)

        step(4, total, "upload files to the trigger bucket")
        s3 = standin.client("s3", region=region)
        keys = [SAMPLE_KEY]
        upload(s3, buckets["trigger_bucket_name"], SAMPLE, SAMPLE_KEY)
        if file:
            keys.append(f"incoming/{file.name}")
            upload(s3, buckets["trigger_bucket_name"], file, keys[-1])

        step(5, total, "run the deployed function on the S3 events, as Lambda would")
        with LocalLambdaService(endpoint, region) as service:
            results = process_new_objects(service, buckets["trigger_bucket_name"], keys)

        step(6, total, "the records in the results bucket")
        failed = 0
        for result in results:
            invocation = result["invocation"]
            if invocation is None:  # an SQS batch (trigger_mode "sqs") or an undelivered rule event
                failed += 0 if delivered(result) else 1
                print(f"  {json.dumps(result_summary(result), default=str)[:300]}")
                continue
            if not invocation.succeeded:
                failed += 1
                print(
                    f"  {result['key']}: failed after {len(invocation.attempts)} attempts; "
                    f"the event went to {invocation.destination}"
                )
                continue
            for item in invocation.attempts[-1]["result"]["objects"]:
                print(f"  {result['key']}: {item['outcome']}")
                if item.get("recordKey"):
                    show_record(s3, buckets["results_bucket_name"], item["recordKey"])

        print_summary(manifest, buckets, function, layer, endpoint, time.monotonic() - started, keep)
        if keep:
            print("\nThe stand-in keeps running; Ctrl-C stops it (and everything in it).", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    LOCAL_STANDIN_FILE.unlink(missing_ok=True)
    return 1 if failed else 0


def print_summary(
    manifest: dict, buckets: dict, function: dict, layer: dict, endpoint: str, seconds: float, keep: bool
) -> None:
    print("\n==> Summary")
    print(f"  deployed to the stand-in at {endpoint}, in {seconds:.0f} s:")
    print(f"    function  {function['function_name']} ({manifest['runtime']}, {manifest['architecture']})")
    print(f"    layer     {layer['layer_version_arn']}")
    print(f"    trigger   s3://{buckets['trigger_bucket_name']}")
    print(f"    results   s3://{buckets['results_bucket_name']}/records/")
    print(f"    failures  {function['failure_queue_url']}")
    print(
        f"  logs: build/local-logs/{function['function_name']}.log, and log group "
        f"{function['log_group_name']} in the stand-in"
    )
    print("  Terragrunt logs and per-unit timings: build/reports/")
    if keep:
        print("  tear down while it runs:  make destroy ENV=local CONFIRM=local   (from another shell)")
    else:
        print("  the stand-in stopped with this command, so everything deployed is gone with it;")
        print("  keep it running with `make demo KEEP=1`; tear it down from another shell with")
        print("  `make destroy ENV=local CONFIRM=local`")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, help="also upload and process this file")
    parser.add_argument("--keep", action="store_true", help="keep the stand-in running until Ctrl-C")
    parser.add_argument(
        "--runtime",
        choices=builds.FUNCTION_RUNTIMES,
        help="function variant to deploy (default: function_runtime in live/local/env.hcl)",
    )
    args = parser.parse_args(argv)
    if args.file and not args.file.is_file():
        print(f"demo: {args.file} is not a readable file", file=sys.stderr)
        return 2
    try:
        return run(args.file, args.keep, args.runtime)
    except (StackError, StandinError, RunnerError, builds.BuildError, build_packages.BuildError) as error:
        print(f"\ndemo: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
