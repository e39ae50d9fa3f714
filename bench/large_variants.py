"""Where the 512 MiB ratio goes: ways of reading and hashing one object, against moto on loopback.

`make bench` compares the handler with a plain streaming read. This script takes the handler's
overhead (record lookup, record write, logging) out and compares ways of reading and hashing the
same object, each in a fresh process, interleaved run by run, with the CPU the reader and the
moto server spent:

- plain read: the denominator `make bench` uses (1 MiB chunks, nothing else);
- the function's ``hash_chunks`` (worker thread, ``HASH_CHUNK_BYTES`` chunks), as the handler reads;
- the same chunks hashed inline, in the reading thread;
- the function's ``hash_chunks`` on urllib3's raw stream, that is without botocore's body wrapper and
  its CRC32 validation: what dropping the integrity check would buy (not an option for the function).

Usage: ``.venv/bin/python bench/large_variants.py [--mib 512] [--runs 5]``.

``--parallel`` (``make bench-parts``) compares instead the whole handler reading in parts
(concurrent ranged GETs, ``PARALLEL_READ_*`` at their defaults, the threshold lowered to 0 so that
64 MiB is read in parts too) with the plain read, and with the handler reading in one stream,
at 64 MiB, 512 MiB and 2 GiB (``--sizes``): once through ``bench/throttle_proxy.py``, which caps
every TCP connection at ``--rate`` bytes/s (90 MB/s, about what one S3 connection gives), and once
straight to moto. RSS is the handler process's peak (``VmHWM``: Linux carries a parent's
high-water mark over ``execve`` into the child's ``ru_maxrss``, so that would report this
script's size).

Usage: ``.venv/bin/python bench/large_variants.py --parallel [--sizes 64,512,2048] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote_plus

from run import (  # run.py puts scripts/ on the path and imports build_packages from there
    HANDLER_RUN,
    MIB,
    PLAIN_READ,
    PREAMBLE,
    RESULTS_BUCKET,
    ROOT,
    SOURCE_BUCKET,
    MotoServer,
    S3Client,
    Target,
    build,
    child,
    lambda_env,
    lambda_tree,
    log,
    median,
)

HASHED_READ = (
    PREAMBLE
    + r"""
import hashlib
from file_processor.processor import HASH_CHUNK_BYTES, hash_chunks
s3 = boto3.client("s3")
started, cpu_started = time.perf_counter(), cpu_seconds()
body = s3.get_object(Bucket=spec["bucket"], Key=spec["key"])["Body"]
if spec["how"] == "worker":
    hash_chunks(body.iter_chunks(HASH_CHUNK_BYTES))
elif spec["how"] == "inline":
    digest = hashlib.sha256()
    for chunk in body.iter_chunks(HASH_CHUNK_BYTES):
        digest.update(chunk)
elif spec["how"] == "raw":
    raw = body._raw_stream  # urllib3's response, under botocore's checksum-validating wrapper
    hash_chunks(iter(lambda: raw.read(HASH_CHUNK_BYTES), b""))
print(json.dumps({"seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu_started}))
"""
)

VARIANTS = (
    ("plain read, 1 MiB chunks (make bench's denominator)", PLAIN_READ, {"chunk": MIB}),
    ("the function's hash_chunks: worker thread, 4 MiB", HASHED_READ, {"how": "worker"}),
    ("hashed inline in the reading thread, 4 MiB", HASHED_READ, {"how": "inline"}),
    ("hash_chunks on urllib3's raw stream (no CRC32 check)", HASHED_READ, {"how": "raw"}),
)


@contextmanager
def throttle_proxy(upstream_port: int, rate: float) -> Iterator[str]:
    """bench/throttle_proxy.py in front of moto; yields its URL."""
    script = Path(__file__).with_name("throttle_proxy.py")
    command = [sys.executable, str(script), "--upstream", f"127.0.0.1:{upstream_port}", "--rate", str(rate)]
    proxy = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proxy.stdout is not None
        yield f"http://127.0.0.1:{int(proxy.stdout.readline())}"
    finally:
        proxy.terminate()
        proxy.wait()


def upload(s3: S3Client, key: str, mib: int, scratch: Path) -> str:
    """Put a ``mib`` MiB object from a file (so this process stays small); return its ETag."""
    path = scratch / "object.bin"
    block = os.urandom(MIB)
    with path.open("wb") as out:
        for _ in range(mib):
            out.write(block)
    with path.open("rb") as body:
        etag = s3.put_object(Bucket=SOURCE_BUCKET, Key=key, Body=body)["ETag"].strip('"')
    path.unlink()
    return etag


def handler_read(paths: dict[str, str], endpoint: str, key: str, etag: str, size: int, env: dict) -> dict:
    """One invocation of the handler for the object, in a fresh process: time, CPU, requests, peak RSS."""
    item = {"event_key": quote_plus(key, safe="/"), "size": size, "etag": etag, "max_hash_bytes": size}
    spec = {
        "path": [paths["task"], paths["opt"], paths["runtime"]],
        "bucket": SOURCE_BUCKET,
        "objects": [item],
    }
    out = child(HANDLER_RUN, spec, lambda_env({"AWS_ENDPOINT_URL": endpoint, **env}), stdout_to_null=True)
    [result] = out["results"]
    assert result["outcome"] == "recorded", result
    return {**result, "peak_rss": out["peak_rss"]}


def one_size(
    paths: dict[str, str], endpoint: str, key: str, etag: str, mib: int, runs: int, parts_env: dict
) -> dict:
    """Median seconds (and RSS, requests) of the plain read, the handler in one stream and in parts."""
    size = mib * MIB
    samples: dict[str, list[dict]] = {"plain": [], "single": [], "parts": []}
    for run in range(runs):  # interleaved so drift in machine load hits every variant alike
        plain_spec = {"path": [paths["runtime"]], "bucket": SOURCE_BUCKET, "key": key, "chunk": MIB}
        plain = child(PLAIN_READ, plain_spec, lambda_env({"AWS_ENDPOINT_URL": endpoint}))
        assert plain["bytes"] == size
        samples["plain"].append(plain)
        for name, threshold in (("single", size), ("parts", 0)):
            env = {
                **parts_env,
                "RESULTS_PREFIX": f"{endpoint.rsplit(':', 1)[1]}-{name}-{run}/",  # one per endpoint
                "PARALLEL_READ_THRESHOLD_BYTES": str(threshold),
            }
            samples[name].append(handler_read(paths, endpoint, key, etag, size, env))
        seconds = {name: runs_of[-1]["seconds"] for name, runs_of in samples.items()}
        log(
            f"  {mib} MiB run {run + 1}: "
            + ", ".join(f"{name} {value:.2f} s" for name, value in seconds.items())
        )
    row: dict = {"mib": mib, "requests": max(sample["requests"] for sample in samples["parts"])}
    for name, runs_of in samples.items():
        row[name] = median([sample["seconds"] for sample in runs_of])
        row[f"{name}_rss"] = median([sample["peak_rss"] for sample in runs_of])
    return row


def print_parallel(title: str, rows: list[dict]) -> None:
    print(title)
    print(f"{'size':>8} {'plain s':>8} {'handler s':>10} {'ratio':>6} {'RSS MB':>7}  |"
          f" {'1-stream s':>10} {'ratio':>6} {'RSS MB':>7} | {'requests':>8}")  # fmt: skip
    for row in rows:
        plain = row["plain"]
        print(f"{row['mib']:>4} MiB {plain:8.2f} {row['parts']:10.2f} {row['parts'] / plain:6.2f} "
              f"{row['parts_rss'] / 1e6:7.1f}  | {row['single']:10.2f} {row['single'] / plain:6.2f} "
              f"{row['single_rss'] / 1e6:7.1f} | {row['requests']:>8}")  # fmt: skip


def parallel(sizes: list[int], runs: int, rate: float, parts_env: dict[str, str]) -> int:
    """Each size uploaded once (straight to moto), read through the throttle proxy, then straight."""
    local = Target.local()
    build(local, log=lambda _m: None)
    throttled, direct = [], []
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch, MotoServer() as server:
        paths = lambda_tree(ROOT / "build" / local.name, Path(scratch), bytecode=True)
        s3 = server.client()
        for bucket in (SOURCE_BUCKET, RESULTS_BUCKET):
            s3.create_bucket(Bucket=bucket)
        with throttle_proxy(server.port, rate) as proxy:
            for mib in sizes:
                key = f"parts/{mib}mib.bin"
                log(f"uploading {mib} MiB")
                etag = upload(s3, key, mib, Path(scratch))
                log(f"through the throttle proxy, {rate / 1e6:.0f} MB/s per connection")
                throttled.append(one_size(paths, proxy, key, etag, mib, runs, parts_env))
                log("straight to moto")
                direct.append(one_size(paths, server.url, key, etag, mib, runs, parts_env))
                s3.delete_object(Bucket=SOURCE_BUCKET, Key=key)
    settings = " ".join(f"{name}={value}" for name, value in parts_env.items()) or "PARALLEL_READ_* defaults"
    note = f"median of {runs}, {os.cpu_count()} cores; handler: in parts, {settings}; 1-stream: one GetObject"
    print_parallel(f"Throttled, {rate / 1e6:.0f} MB/s per TCP connection ({note})", throttled)
    print_parallel(f"Unthrottled, straight to moto ({note})", direct)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=512, help="object size in MiB (default 512)")
    parser.add_argument("--runs", type=int, help="runs of every variant (default 5; --parallel 3)")
    parser.add_argument("--parallel", action="store_true", help="the handler in parts vs a plain read")
    parser.add_argument("--sizes", default="64,512,2048", help="--parallel: object sizes in MiB")
    parser.add_argument("--rate", type=float, default=90e6, help="--parallel: bytes/s per connection")
    parser.add_argument("--part-mib", type=int, help="--parallel: PARALLEL_READ_PART_BYTES in MiB")
    parser.add_argument("--concurrency", type=int, help="--parallel: PARALLEL_READ_CONCURRENCY")
    args = parser.parse_args(argv)
    if args.parallel:
        parts_env = {}
        if args.part_mib:
            parts_env["PARALLEL_READ_PART_BYTES"] = str(args.part_mib * MIB)
        if args.concurrency:
            parts_env["PARALLEL_READ_CONCURRENCY"] = str(args.concurrency)
        sizes = [int(size) for size in args.sizes.split(",")]
        return parallel(sizes, args.runs or 3, args.rate, parts_env)
    args.runs = args.runs or 5
    if min(args.mib, args.runs) < 1:
        parser.error("--mib and --runs must be at least 1")

    local = Target.local()
    build(local, log=lambda _m: None)
    key = f"large/{args.mib}mib.bin"
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _code, _spec in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch, MotoServer() as server:
        paths = lambda_tree(ROOT / "build" / local.name, Path(scratch), bytecode=True)
        s3 = server.client()
        s3.create_bucket(Bucket=SOURCE_BUCKET)
        s3.put_object(Bucket=SOURCE_BUCKET, Key=key, Body=os.urandom(MIB) * args.mib)
        env = lambda_env({"AWS_ENDPOINT_URL": server.url})
        path = [paths["task"], paths["opt"], paths["runtime"]]
        for run in range(args.runs):  # interleaved so drift in machine load hits every variant alike
            for name, code, extra in VARIANTS:
                server_before = server.cpu_seconds()
                out = child(code, {"path": path, "bucket": SOURCE_BUCKET, "key": key, **extra}, env)
                samples[name].append((out["seconds"], out["cpu"], server.cpu_seconds() - server_before))
            log(f"run {run + 1} of {args.runs} done")

    def middle(name: str, field: int) -> float:
        return median([sample[field] for sample in samples[name]])

    plain = middle(VARIANTS[0][0], 0)
    print(f"{args.mib} MiB, median of {args.runs} runs, {os.cpu_count()} cores")
    print(f"{'variant':56} {'seconds':>8} {'÷ plain':>8} {'reader CPU':>11} {'moto CPU':>9}")
    for name, _code, _spec in VARIANTS:
        seconds = middle(name, 0)
        print(
            f"{name:56} {seconds:8.3f} {seconds / plain:8.2f} {middle(name, 1):11.3f} {middle(name, 2):9.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
