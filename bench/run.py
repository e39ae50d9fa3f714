#!/usr/bin/env python3
"""Benchmarks for the file-processor function and its packages; prints a table with targets.

    .venv/bin/python bench/run.py            # full run: 512 MiB object, 1,000 small objects (~3-4 min)
    .venv/bin/python bench/run.py --quick    # smaller sizes, fewer repetitions (~1 min)
    .venv/bin/python bench/run.py --cold-start-only --build-dir /tmp/bench-build   # cold start only

Everything runs against a moto server on a free 127.0.0.1 port that this script starts and stops.
The function runs as Lambda would load it: from the built packages (build/<local target>/
function.zip as /var/task, layer.zip as /opt), with only boto3, botocore and their dependencies as
/var/runtime, in fresh ``python -I -S -B`` processes (no site-packages, no bytecode writes: /opt is
read-only in Lambda). Each figure is the median of repeated runs, measured in the same run.

Measured: cold start (handler import ÷ bare boto3 import; and with SnapStart, the restore to the
first record with and without priming, see ``snapstart_start``), a large object (processing time ÷ a
plain streaming read of the same object, and peak RSS), S3 requests per object (counted on the
function's own client with a botocore ``before-send`` hook, so retries would count), 1,000 small
objects (objects/s, and time ÷ a loop doing only the same S3 calls), and the sizes of the
python3.14-arm64 zips.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import boto3  # noqa: E402
import psutil  # noqa: E402
from artifacts.build_packages import DEFAULT_ARCHITECTURE, DEFAULT_PYTHON_VERSION, Target, build  # noqa: E402
from toolchain.tools import lambda_python_executable  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))
from file_processor.config import (  # noqa: E402
    DEFAULT_PARALLEL_READ_PART_BYTES,
    DEFAULT_PARALLEL_READ_THRESHOLD_BYTES,
)

S3Client = Any  # botocore builds client classes at run time
MIB = 1024 * 1024
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")
SOURCE_BUCKET = "bench-source"
RESULTS_BUCKET = "bench-results"
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)

# Fresh-process snippets. Standard input is a JSON spec; the first three path entries are /var/task,
# /opt/python and /var/runtime stand-ins (empty strings are skipped).
IMPORT_TIMER = r"""
import json, sys, time
spec = json.loads(sys.stdin.read())
sys.path[:0] = [p for p in spec["path"] if p]
started = time.perf_counter()
exec(spec["code"])
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

PREAMBLE = r"""
import json, resource, sys, time
spec = json.loads(sys.stdin.read())
sys.path[:0] = [p for p in spec["path"] if p]
import boto3

def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime

def peak_rss_bytes():
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so a child forked from a big parent
    # would report the parent's high-water mark.
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024

class Context:
    function_name = "file-processor"
    memory_limit_in_mb = 1769
    invoked_function_arn = "arn:aws:lambda:us-east-1:111111111111:function:file-processor"
    aws_request_id = "bench"

def event_for(bucket, key, size, etag):
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-01-01T00:00:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "bench",
               "bucket": {"name": bucket, "arn": "arn:aws:s3:::" + bucket},
               "object": {"key": key, "size": size, "eTag": etag}}}]}
"""

PLAIN_READ = (
    PREAMBLE
    + r"""
s3 = boto3.client("s3")
started, cpu_started = time.perf_counter(), cpu_seconds()
body = s3.get_object(Bucket=spec["bucket"], Key=spec["key"])["Body"]
total = sum(len(chunk) for chunk in body.iter_chunks(spec["chunk"]))
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "cpu": cpu_seconds() - cpu_started, "bytes": total,
                  "peak_rss": peak_rss_bytes()}))
"""
)

HANDLER_RUN = (
    PREAMBLE
    + r"""
import os
from file_processor import handler as module
requests = []
client = module.s3_client(module.get_config())
client.meta.events.register("before-send.s3", lambda request, **_: requests.append(request.method))
results = []
for item in spec["objects"]:
    os.environ["MAX_HASH_BYTES"] = str(item.get("max_hash_bytes", 1024 ** 3))
    module._state.pop("config", None)  # re-read MAX_HASH_BYTES; the client is kept
    event = event_for(spec["bucket"], item["event_key"], item["size"], item["etag"])
    before = len(requests)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    outcome = module.handler(event, Context())["objects"][0]["outcome"]
    results.append({"seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu_started,
                    "requests": len(requests) - before, "outcome": outcome})
print(json.dumps({"results": results, "peak_rss": peak_rss_bytes()}), file=sys.stderr)
"""
)

SHA256_SPEED = r"""
import hashlib, json, os, time
block = os.urandom(1024 * 1024)
digest = hashlib.sha256()
started = time.perf_counter()
for _ in range(256):
    digest.update(block)
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

SAME_CALLS_LOOP = (
    PREAMBLE
    + r"""
import hashlib
from botocore.exceptions import ClientError
s3 = boto3.client("s3")
started = time.perf_counter()
for item in spec["objects"]:
    record_key = spec["prefix"] + hashlib.sha256(item["key"].encode()).hexdigest() + ".json"
    try:
        s3.head_object(Bucket=spec["results_bucket"], Key=record_key)
    except ClientError:
        pass
    etag = '"' + item["etag"] + '"'
    body = s3.get_object(Bucket=spec["bucket"], Key=item["key"], IfMatch=etag)["Body"].read()
    s3.put_object(Bucket=spec["results_bucket"], Key=record_key, Body=b"{}" * 400, IfNoneMatch="*")
print(json.dumps({"seconds": time.perf_counter() - started}))
"""
)


@dataclass
class Row:
    metric: str
    measured: str
    target: str = ""
    ok: bool | None = None


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def child(
    code: str, spec: dict, env: dict[str, str], stdout_to_null: bool = False, python: str = BASE_PYTHON
) -> dict:
    """Run a snippet in a fresh, isolated interpreter (no site-packages, no bytecode writes)."""
    result = subprocess.run(
        [python, "-I", "-S", "-B", "-c", code],
        input=json.dumps(spec),
        env=env,
        stdout=subprocess.DEVNULL if stdout_to_null else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{result.stderr[-3000:]}")
    stream = result.stderr if stdout_to_null else result.stdout
    return json.loads(stream.strip().splitlines()[-1])


def lambda_tree(out: Path, root: Path, bytecode: bool, python: str = BASE_PYTHON) -> dict[str, str]:
    """/var/task, /opt and /var/runtime stand-ins; without ``bytecode`` the packages' .pyc are removed.

    The runtime's boto3 is this virtualenv's, linked for this interpreter (its bytecode is there);
    for another ``python`` it is copied and compiled by that interpreter, as a Lambda runtime ships it.
    """
    task, opt, runtime = root / "task", root / "opt", root / "runtime"
    with zipfile.ZipFile(out / "function.zip") as archive:
        archive.extractall(task)
    with zipfile.ZipFile(out / "layer.zip") as archive:
        archive.extractall(opt)
    if not bytecode:
        for cache in [*task.rglob("__pycache__"), *opt.rglob("__pycache__")]:
            shutil.rmtree(cache)
    runtime.mkdir()
    site_packages = Path(boto3.__file__).resolve().parents[1]
    for name in RUNTIME_PACKAGES:
        if python == BASE_PYTHON:
            (runtime / name).symlink_to(site_packages / name)
        elif (site_packages / name).is_dir():
            no_bytecode = shutil.ignore_patterns("__pycache__")
            shutil.copytree(site_packages / name, runtime / name, ignore=no_bytecode)
        else:
            shutil.copyfile(site_packages / name, runtime / name)
    if python != BASE_PYTHON:
        subprocess.run([python, "-I", "-m", "compileall", "-q", "-j", "0", str(runtime)], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    return {"task": str(task), "opt": str(opt / "python"), "runtime": str(runtime)}


def lambda_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment as Lambda sets it (tracing on, as in a deployed function) plus test credentials."""
    env = {
        "PATH": "/usr/bin:/bin",
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_LAMBDA_FUNCTION_NAME": "file-processor",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1769",
        # Set by Lambda per invocation; with it the X-Ray SDK records (and sends) as in a traced function.
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",  # pragma: allowlist secret (moto accepts any)
        "RESULTS_BUCKET": RESULTS_BUCKET,
        "TRIGGER_BUCKET": SOURCE_BUCKET,
        "POWERTOOLS_METRICS_NAMESPACE": "FileProcessorBench",
        "PUREMAGIC_DEEPSCAN": "0",  # as modules/function sets it for a Python runtime
    }
    env.update(extra or {})
    return env


def cold_start(paths: dict[str, str], runs: int, python: str = BASE_PYTHON) -> tuple[float, float, float]:
    """Median seconds to import boto3 alone and the handler with its layer, and their ratio."""
    boto3_times, handler_times = [], []
    env = lambda_env()
    for _ in range(runs):  # interleaved so drift in machine load hits both alike
        bare = {"path": [paths["runtime"]], "code": "import boto3"}
        boto3_times.append(child(IMPORT_TIMER, bare, env, python=python)["seconds"])
        spec = {
            "path": [paths["task"], paths["opt"], paths["runtime"]],
            "code": "import file_processor.handler",
        }
        handler_times.append(child(IMPORT_TIMER, spec, env, python=python)["seconds"])
    bare, full = median(boto3_times), median(handler_times)
    return bare, full, full / bare


# Cumulative import steps, each a superset of the one before; their differences attribute the
# handler's import time over bare boto3 to its parts.
IMPORT_STEPS = (
    (
        "Powertools Logger and Metrics",
        "from aws_lambda_powertools import Logger, Metrics; Logger(); Metrics()",
    ),
    (
        "Tracer: X-Ray SDK, botocore patched",
        "from aws_lambda_powertools import Tracer; Tracer(patch_modules=['botocore'])",
    ),
    (
        "data classes package (for s3_event)",
        "from aws_lambda_powertools.utilities.data_classes import s3_event",
    ),
    ("puremagic", "import puremagic"),
    ("the function's own modules", "import file_processor.handler"),
)


def import_breakdown(paths: dict[str, str], runs: int) -> list[tuple[str, float]]:
    """Median extra milliseconds each part adds to ``import boto3`` (cumulative steps, fresh processes)."""
    codes = ["import boto3"]
    for _name, code in IMPORT_STEPS:
        codes.append(f"{codes[-1]}; {code}")
    times: list[list[float]] = [[] for _ in codes]
    env = lambda_env()
    spec_path = [paths["task"], paths["opt"], paths["runtime"]]
    for _ in range(runs):
        for index, code in enumerate(codes):
            times[index].append(child(IMPORT_TIMER, {"path": spec_path, "code": code}, env)["seconds"])
    medians = [median(values) * 1000 for values in times]
    return [(name, medians[index + 1] - medians[index]) for index, (name, _code) in enumerate(IMPORT_STEPS)]


# SnapStart, simulated in one fresh process: a stand-in for the runtime's snapshot_restore_py (its
# two registries), then what the runtime does (awslambdaric): import the handler, run the
# before-snapshot hooks in reverse registration order, [snapshot ... restore], run the after-restore
# hooks in order, then invoke. Without SnapStart the hooks never run. Results go to stderr (the
# function's logs and EMF metrics go to stdout).
SNAPSTART_RUN = (
    "import time as _time\n_STARTED = _time.perf_counter()\n"
    + PREAMBLE
    + r"""
import types
hooks = types.ModuleType("snapshot_restore_py")
hooks.before, hooks.after = [], []
hooks.register_before_snapshot = lambda f, *a, **k: hooks.before.append((f, a, k)) or f
hooks.register_after_restore = lambda f, *a, **k: hooks.after.append((f, a, k)) or f
sys.modules["snapshot_restore_py"] = hooks
from file_processor import handler as module
imported = time.perf_counter()
primed = restored = imported
if spec["snapstart"]:
    for func, args, kwargs in reversed(hooks.before):
        func(*args, **kwargs)
    primed = restored = time.perf_counter()  # the snapshot is taken here; a restore resumes below
    for func, args, kwargs in hooks.after:
        func(*args, **kwargs)
    restored = time.perf_counter()
times = []
for item in spec["objects"]:
    event = event_for(spec["bucket"], item["event_key"], item["size"], item["etag"])
    started = time.perf_counter()
    assert module.handler(event, Context())["objects"][0]["outcome"] == "recorded"
    times.append(time.perf_counter() - started)
result = {"start": imported - _STARTED, "prime": primed - imported, "after_restore": restored - primed}
print(json.dumps({**result, "first": times[0], "warm": times[1]}), file=sys.stderr)
"""
)
SNAPSTART_MODES = (
    ("on demand (no SnapStart)", {"snapstart": False}, {}),
    ("SnapStart, no priming", {"snapstart": True}, {"FILE_PROCESSOR_PRIMING": "off"}),
    ("SnapStart, priming", {"snapstart": True}, {}),
)


def snapstart_start(paths: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    """Median milliseconds per mode: from process start to the first record, and what a restore pays.

    "start" is interpreter start to the handler imported (boto3 included), what a SnapStart restore
    skips; "after_restore" + "first" is what a restored environment still pays after Lambda
    restores the snapshot (the restore itself is Lambda's and cannot be measured here); "prime" is
    paid once per published version; "warm" is a second invocation, the floor.
    """
    samples: dict[str, dict[str, list[float]]] = {name: {} for name, _spec, _env in SNAPSTART_MODES}
    body = b"%PDF-1.7\n" + b"x" * 1000
    with MotoServer() as server:
        s3 = server.client()
        for bucket in (SOURCE_BUCKET, RESULTS_BUCKET):
            s3.create_bucket(Bucket=bucket)
        objects = []
        for name in ("first.pdf", "second.pdf"):
            etag = s3.put_object(Bucket=SOURCE_BUCKET, Key=f"snapstart/{name}", Body=body)["ETag"].strip('"')
            objects.append({"event_key": f"snapstart/{name}", "size": len(body), "etag": etag})
        for run in range(runs):  # interleaved so drift in machine load hits every mode alike
            for index, (name, spec, extra) in enumerate(SNAPSTART_MODES):
                env = lambda_env(
                    {"AWS_ENDPOINT_URL": server.url, "RESULTS_PREFIX": f"snapstart-{run}-{index}/", **extra}
                )
                spec_path = [paths["task"], paths["opt"], paths["runtime"]]
                full = {**spec, "path": spec_path, "bucket": SOURCE_BUCKET, "objects": objects}
                result = child(SNAPSTART_RUN, full, env, stdout_to_null=True)
                for field, seconds in result.items():
                    samples[name].setdefault(field, []).append(seconds * 1000)
    return {
        name: {field: median(values) for field, values in by_field.items()}
        for name, by_field in samples.items()
    }


def snapstart_rows(results: dict[str, dict[str, float]], runtime: str) -> list[Row]:
    rows = []
    for name, ms in results.items():
        if name.startswith("on demand"):
            total = ms["start"] + ms["first"]
            detail = f"start {ms['start']:.0f} + first invocation {ms['first']:.0f} ms"
            rows.append(Row(f"Cold start to first record, {runtime}, {name} ({detail})", f"{total:.0f} ms"))
            continue
        paid = ms["after_restore"] + ms["first"]
        detail = f"after-restore hook {ms['after_restore']:.1f} + first invocation {ms['first']:.0f} ms"
        rows.append(Row(f"  {name}: restore to first record ({detail})", f"{paid:.0f} ms", "(info)"))
        if name == "SnapStart, priming":
            once = "    before-snapshot priming (once per published version, not per restore)"
            rows.append(Row(once, f"{ms['prime']:.0f} ms", "(info)"))
    warm = median([ms["warm"] for ms in results.values()])
    rows.append(Row("  a warm invocation (the floor)", f"{warm:.0f} ms", "(info)"))
    return rows


class MotoServer:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> MotoServer:
        # moto_server, with ranged GETs that read only their range (bench/range_moto.py says why).
        launcher = Path(__file__).with_name("range_moto.py")
        self.process = subprocess.Popen(
            [sys.executable, str(launcher), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1):  # noqa: S310 - loopback
                    return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)

    def client(self) -> S3Client:
        """An S3 client for this server, for the benchmark's own setup calls."""
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106  # pragma: allowlist secret (moto accepts any)
        )

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system)."""
        assert self.process is not None
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def large_object(
    s3: S3Client, paths: dict[str, str], server: MotoServer, size: int, runs: int
) -> dict[str, float]:
    """Plain read vs processing of one object, and the CPU both sides spent (to explain the ratio)."""
    endpoint = server.url
    key = f"large/{size // MIB}mib.bin"
    block = os.urandom(MIB)
    data = block * (size // MIB)
    log(f"uploading a {size // MIB} MiB object")
    etag = s3.put_object(Bucket=SOURCE_BUCKET, Key=key, Body=data)["ETag"].strip('"')
    del data
    plain, processed, rss, requests, function_cpu, server_cpu = [], [], [], [], [], []
    for run in range(runs):
        env = lambda_env({"AWS_ENDPOINT_URL": endpoint})
        read = child(
            PLAIN_READ, {"path": [paths["runtime"]], "bucket": SOURCE_BUCKET, "key": key, "chunk": MIB}, env
        )
        assert read["bytes"] == size
        plain.append(read["seconds"])
        server_before = server.cpu_seconds()
        env["RESULTS_PREFIX"] = f"large-run-{run}/"
        spec = {
            "path": [paths["task"], paths["opt"], paths["runtime"]],
            "bucket": SOURCE_BUCKET,
            "objects": [{"event_key": quote_plus(key, safe="/"), "size": size, "etag": etag}],
        }
        out = child(HANDLER_RUN, spec, env, stdout_to_null=True)
        server_cpu.append(server.cpu_seconds() - server_before)
        [result] = out["results"]
        assert result["outcome"] == "recorded", result
        processed.append(result["seconds"])
        function_cpu.append(result["cpu"])
        requests.append(result["requests"])
        rss.append(out["peak_rss"])
        log(f"  run {run + 1}: plain read {plain[-1]:.2f} s, processing {processed[-1]:.2f} s")
    sha = median([child(SHA256_SPEED, {}, lambda_env())["seconds"] for _ in range(3)])
    cores = os.cpu_count() or 1
    cpu_total = median(function_cpu) + median(server_cpu)
    return {
        "read_rate": size / median(plain),
        "sha_rate": 256 * MIB / sha,
        "function_cpu": median(function_cpu),
        "server_cpu": median(server_cpu),
        "cores": cores,
        # Neither side can finish before its CPU time is spread over every core, nor before a plain read.
        "cpu_bound": max(median(plain), cpu_total / cores) / median(plain),
        "plain": median(plain),
        "processed": median(processed),
        "ratio": median(processed) / median(plain),
        "peak_rss": median(rss),
        "requests": max(requests),
    }


def request_counts(s3: S3Client, paths: dict[str, str], endpoint: str) -> dict[str, int]:
    """S3 requests for one new object hashed, one over the hash limit, and one redelivery."""
    body = b"%PDF-1.7\n" + b"x" * 200_000
    counts = {}
    objects = []
    for name in ("hashed.pdf", "not-hashed.pdf"):
        etag = s3.put_object(Bucket=SOURCE_BUCKET, Key=f"requests/{name}", Body=body)["ETag"].strip('"')
        objects.append({"event_key": f"requests/{name}", "size": len(body), "etag": etag})
    objects[1]["max_hash_bytes"] = 1000
    objects.append(dict(objects[0]))  # the first event delivered again
    spec = {
        "path": [paths["task"], paths["opt"], paths["runtime"]],
        "bucket": SOURCE_BUCKET,
        "objects": objects,
    }
    env = lambda_env({"AWS_ENDPOINT_URL": endpoint, "RESULTS_PREFIX": "requests/"})
    results = child(HANDLER_RUN, spec, env, stdout_to_null=True)["results"]
    assert [item["outcome"] for item in results] == ["recorded", "recorded", "already_recorded"], results
    counts["hashed"], counts["not_hashed"], counts["redelivered"] = (item["requests"] for item in results)
    return counts


def small_objects(
    s3: S3Client, paths: dict[str, str], endpoint: str, count: int, runs: int
) -> dict[str, float]:
    samples = [
        b"\x89PNG\r\n\x1a\n" + bytes(1000),
        b"%PDF-1.7\n" + b"x" * 1000,
        json.dumps({"values": list(range(200))}).encode(),
        b"plain text line\n" * 60,
    ]
    log(f"uploading {count} small objects")
    objects = []
    for index in range(count):
        body = samples[index % len(samples)]
        key = f"small/object {index:05d}.bin"
        etag = s3.put_object(Bucket=SOURCE_BUCKET, Key=key, Body=body)["ETag"].strip('"')
        objects.append({"key": key, "event_key": quote_plus(key, safe="/"), "size": len(body), "etag": etag})
    handler_times, loop_times = [], []
    for run in range(runs):
        env = lambda_env({"AWS_ENDPOINT_URL": endpoint, "RESULTS_PREFIX": f"small-run-{run}/"})
        spec = {
            "path": [paths["task"], paths["opt"], paths["runtime"]],
            "bucket": SOURCE_BUCKET,
            "objects": objects,
        }
        results = child(HANDLER_RUN, spec, env, stdout_to_null=True)["results"]
        assert all(item["outcome"] == "recorded" for item in results)
        handler_times.append(sum(item["seconds"] for item in results))
        loop_spec = {
            "path": [paths["runtime"]],
            "bucket": SOURCE_BUCKET,
            "results_bucket": RESULTS_BUCKET,
            "prefix": f"loop-run-{run}/",
            "objects": objects,
        }
        loop_times.append(child(SAME_CALLS_LOOP, loop_spec, env)["seconds"])
        log(f"  run {run + 1}: function {handler_times[-1]:.2f} s, same S3 calls {loop_times[-1]:.2f} s")
    function_time, loop_time = median(handler_times), median(loop_times)
    return {"rate": count / function_time, "loop_rate": count / loop_time, "ratio": function_time / loop_time}


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}"


def print_table(rows: list[Row]) -> None:
    headers = ("Metric", "Measured", "Target", "Result")
    cells = [
        (row.metric, row.measured, row.target, {True: "PASS", False: "FAIL", None: "-"}[row.ok])
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [headers, *cells]) for i in range(4)]
    rule = "+".join("-" * (width + 2) for width in widths)
    print(rule)
    print("|".join(f" {headers[i]:<{widths[i]}} " for i in range(4)))
    print(rule)
    for line in cells:
        print("|".join(f" {line[i]:<{widths[i]}} " for i in range(4)))
    print(rule)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark the file-processor function against moto on loopback."
    )
    parser.add_argument(
        "--quick", action="store_true", help="64 MiB large object, 200 small objects, fewer runs"
    )
    parser.add_argument(
        "--large-mib", type=int, help="size of the large object in MiB (default 512; quick 64)"
    )
    parser.add_argument("--small-count", type=int, help="number of small objects (default 1000; quick 200)")
    parser.add_argument("--runs", type=int, help="repetitions for the large and small benchmarks (default 3)")
    parser.add_argument("--cold-runs", type=int, help="fresh processes per cold-start variant (default 21)")
    parser.add_argument(
        "--cold-start-only", action="store_true", help="only the cold-start rows (SnapStart included)"
    )
    parser.add_argument(
        "--build-dir", type=Path, default=ROOT / "build", help="where the packages are built (default build/)"
    )
    args = parser.parse_args(argv)
    large_mib = args.large_mib or (64 if args.quick else 512)
    small_count = args.small_count or (200 if args.quick else 1000)
    runs = args.runs or (1 if args.quick else 3)
    cold_runs = args.cold_runs or (7 if args.quick else 21)
    if min(large_mib, small_count, runs, cold_runs) < 1:
        parser.error("sizes and repetitions must be at least 1")

    rows: list[Row] = []
    log("building python3.14-arm64 (sizes) and the local target (runs here)")
    lambda_target = Target(DEFAULT_PYTHON_VERSION, DEFAULT_ARCHITECTURE)
    lambda_manifest = build(lambda_target, args.build_dir, log=lambda _m: None)
    local = Target.local()
    build(local, args.build_dir, log=lambda _m: None)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        scratch_path = Path(scratch)
        paths = lambda_tree(args.build_dir / local.name, scratch_path / "as-built", bytecode=True)
        sources = lambda_tree(args.build_dir / local.name, scratch_path / "sources-only", bytecode=False)

        log(f"cold start: {cold_runs} fresh processes per variant ({local.runtime})")
        bare, full, ratio = cold_start(paths, cold_runs)
        rows.append(
            Row(
                f"Cold start, {local.runtime}: handler+layer import ÷ boto3 import "
                f"({full * 1000:.0f} / {bare * 1000:.0f} ms)",
                fmt_ratio(ratio),
                "<= 1.30",
                ratio <= 1.3,
            )
        )
        runtime = Target(lambda_target.python_version, local.architecture)
        runtime_python = lambda_python_executable(runtime.python_version)
        if runtime != local and runtime_python is not None:
            log(f"cold start on {runtime.runtime}, the deployed runtime's version ({runtime_python})")
            build(runtime, args.build_dir, log=lambda _m: None)
            python = str(runtime_python)
            out = args.build_dir / runtime.name
            on_runtime = lambda_tree(out, scratch_path / runtime.name, bytecode=True, python=python)
            bare_r, full_r, ratio_r = cold_start(on_runtime, cold_runs, python=python)
            rows.append(
                Row(
                    f"Cold start, {runtime.runtime}: handler+layer import ÷ boto3 import "
                    f"({full_r * 1000:.0f} / {bare_r * 1000:.0f} ms)",
                    fmt_ratio(ratio_r),
                    "<= 1.30",
                    ratio_r <= 1.3,
                )
            )
        else:
            rows.append(Row(f"Cold start on {runtime.runtime}: no such interpreter (run make setup)", "-"))
        bare_s, full_s, ratio_s = cold_start(sources, cold_runs)
        rows.append(
            Row(
                f"  same, packages built --no-bytecode ({full_s * 1000:.0f} / {bare_s * 1000:.0f} ms)",
                fmt_ratio(ratio_s),
                "(info)",
            )
        )
        log("cold start breakdown")
        for name, extra_ms in import_breakdown(paths, max(5, cold_runs // 2)):
            rows.append(Row(f"    + {name}", f"{extra_ms:+.0f} ms", "(info)"))
        log(f"cold start with SnapStart (simulated restore), with and without priming: {cold_runs} runs")
        rows.extend(snapstart_rows(snapstart_start(paths, cold_runs), local.runtime))
        if args.cold_start_only:
            print_table(rows)
            return 0

        with MotoServer() as server:
            s3 = server.client()
            for bucket in (SOURCE_BUCKET, RESULTS_BUCKET):
                s3.create_bucket(Bucket=bucket)

            log(f"large object: {large_mib} MiB, {runs} run(s)")
            large = large_object(s3, paths, server, large_mib * MIB, runs)
            rows.append(
                Row(
                    f"{large_mib} MiB object: processing ÷ plain streaming read "
                    f"({large['processed']:.2f} / {large['plain']:.2f} s)",
                    fmt_ratio(large["ratio"]),
                    "<= 1.15",
                    large["ratio"] <= 1.15,
                )
            )
            rows.append(
                Row(
                    f"  read {large['read_rate'] / 1e6:.0f} MB/s from moto, SHA-256 "
                    f"{large['sha_rate'] / 1e6:.0f} MB/s on one core: if hashing did not overlap reading",
                    fmt_ratio(1 + large["read_rate"] / large["sha_rate"]),
                    "(info)",
                )
            )
            rows.append(
                Row(
                    f"  CPU while processing: function {large['function_cpu']:.2f} s + moto server "
                    f"{large['server_cpu']:.2f} s on {large['cores']} cores: lower bound",
                    fmt_ratio(large["cpu_bound"]),
                    "(info)",
                )
            )
            # Over PARALLEL_READ_THRESHOLD_BYTES the function reads in parts: more memory, more GETs.
            in_parts = large_mib * MIB > DEFAULT_PARALLEL_READ_THRESHOLD_BYTES
            rss_limit = 150e6 if in_parts else 100e6
            rows.append(
                Row(
                    f"{large_mib} MiB object: peak RSS of the function process"
                    + (" (read in parts)" if in_parts else ""),
                    f"{large['peak_rss'] / 1e6:.1f} MB",
                    f"<= {rss_limit / 1e6:.0f} MB",
                    large["peak_rss"] <= rss_limit,
                )
            )

            log("counting S3 requests per object")
            counts = request_counts(s3, paths, server.url)
            counts["large"] = large["requests"]
            rows.append(
                Row(
                    "S3 requests per new object, hashed", str(counts["hashed"]), "<= 4", counts["hashed"] <= 4
                )
            )
            most = 3 + -(-large_mib * MIB // DEFAULT_PARALLEL_READ_PART_BYTES) if in_parts else 4
            rows.append(
                Row(
                    f"S3 requests per new object, hashed ({large_mib} MiB"
                    + (", HeadObject + one GET per part)" if in_parts else ")"),
                    str(counts["large"]),
                    f"<= {most}",
                    counts["large"] <= most,
                )
            )
            rows.append(
                Row(
                    "S3 requests per new object, over the hash limit",
                    str(counts["not_hashed"]),
                    "<= 3",
                    counts["not_hashed"] <= 3,
                )
            )
            rows.append(Row("S3 requests per redelivered object (record exists)", str(counts["redelivered"])))

            log(f"small objects: {small_count}, {runs} run(s)")
            small = small_objects(s3, paths, server.url, small_count, runs)
            rows.append(
                Row(f"{small_count} small objects: function throughput", f"{small['rate']:.0f} objects/s")
            )
            rows.append(
                Row(
                    f"{small_count} small objects: loop doing only the same S3 calls",
                    f"{small['loop_rate']:.0f} objects/s",
                )
            )
            rows.append(Row("  function time ÷ same-calls loop time", fmt_ratio(small["ratio"]), "(info)"))
        shutil.rmtree(scratch_path, ignore_errors=True)

    layer_size = lambda_manifest["layer"]["size"]
    function_size = lambda_manifest["function"]["size"]
    rows.append(
        Row(
            "function.zip size (python3.14-arm64)",
            f"{function_size / 1000:.1f} KB",
            "<= 68 KB",
            function_size <= 68_000,
        )
    )
    rows.append(
        Row(
            "layer.zip size (python3.14-arm64)",
            f"{layer_size / 1e6:.2f} MB",
            "<= 5 MB",
            layer_size <= 5_000_000,
        )
    )
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
