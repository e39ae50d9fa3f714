#!/usr/bin/env python3
"""Run the local AWS stand-in: moto in server mode on 127.0.0.1, on a free port.

The server's lifetime is tied to whoever starts it: it stops when the `with` block (or this
command) ends, on Ctrl-C, and even when the parent is killed outright (the kernel sends it
SIGTERM through PR_SET_PDEATHSIG), so no stray process outlives a demo or a test run.

Usage:
    scripts/standin/server.py                 # run in the foreground until Ctrl-C, print the endpoint
    scripts/standin/server.py --port 5000     # on a fixed port

From Python:
    with running_standin() as endpoint:   # "http://127.0.0.1:<port>"
        ...
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MOTO_SERVER = ROOT / ".venv" / "bin" / "moto_server"
# Credentials the stand-in accepts; not secrets, and never valid against AWS.
STANDIN_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
_PR_SET_PDEATHSIG = 1


class StandinError(Exception):
    """The stand-in could not be started."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: ask the kernel for SIGTERM when the parent dies.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_until_ready(endpoint: str, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StandinError(f"moto server exited with code {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=2):  # noqa: S310 (loopback)
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise StandinError(f"moto server at {endpoint} did not answer within {timeout_s:.0f} s")


@contextlib.contextmanager
def running_standin(port: int | None = None, log_path: Path | None = None) -> Iterator[str]:
    """Start moto server, yield its endpoint URL, and stop it when the block ends."""
    if not MOTO_SERVER.exists():
        raise StandinError(f"{MOTO_SERVER} is missing: run `make setup` first")
    port = port or free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = log_path.open("ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
        env={**os.environ, **STANDIN_ENV},
    )
    try:
        _wait_until_ready(endpoint, process, timeout_s=60)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log_path:
            log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: a free one)")
    args = parser.parse_args(argv)
    try:
        with running_standin(args.port) as endpoint:
            print(f"moto server listening on {endpoint}; Ctrl-C stops it", flush=True)
            print(f"  export LOCAL_AWS_ENDPOINT={endpoint} AWS_ENDPOINT_URL={endpoint}", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
    except StandinError as error:
        print(f"standin: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
