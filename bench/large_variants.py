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
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from run import (  # run.py puts scripts/ on the path and imports build_packages from there
    MIB,
    PLAIN_READ,
    PREAMBLE,
    ROOT,
    SOURCE_BUCKET,
    MotoServer,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=512, help="object size in MiB (default 512)")
    parser.add_argument("--runs", type=int, default=5, help="runs of every variant (default 5)")
    args = parser.parse_args(argv)
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
