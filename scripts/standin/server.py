#!/usr/bin/env python3
"""Run the local AWS stand-in (standin/app.py: moto, with TLS, CBOR, policy evaluation and alarm
evaluation added) on free loopback ports.

The server's lifetime is tied to whoever starts it: it stops when the `with` block (or this
command) ends, on Ctrl-C, and even when the parent is killed outright (the kernel sends it
SIGTERM through PR_SET_PDEATHSIG), so no stray process outlives a demo or a test run.

It serves HTTPS (the endpoint every tool uses; clients trust the local CA through
``AWS_CA_BUNDLE``, see ``Standin.env``) and, on a second port, plain HTTP: only tests that show a
request without TLS is denied, and tests of code that is not the deployed environment (the Java
suite, handler tests), use that one.

Usage:
    scripts/standin/server.py                 # run in the foreground until Ctrl-C, print the endpoint
    scripts/standin/server.py --port 5000     # on a fixed HTTPS port

From Python:
    with running_standin() as standin:   # standin.endpoint == "https://127.0.0.1:<port>"
        ...
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: rooms import rooms

from standin.tls import ensure_tls_files

ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).resolve().parent / "app.py"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
# Credentials of the local account's deployer (its administrator): not secrets, never valid on AWS.
STANDIN_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Standin:
    """A running stand-in: its HTTPS endpoint, its plain-HTTP one, and the CA bundle clients trust."""

    endpoint: str
    insecure_endpoint: str
    ca_bundle: Path

    def write(self, path: Path) -> None:
        """Record where this stand-in runs, for commands started from another shell."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fields = {
            "endpoint": self.endpoint,
            "insecure_endpoint": self.insecure_endpoint,
            "ca_bundle": str(self.ca_bundle),
        }
        path.write_text(json.dumps(fields, indent=2) + "\n")

    @classmethod
    def read(cls, path: Path) -> Standin:
        fields = json.loads(path.read_text())
        return cls(fields["endpoint"], fields["insecure_endpoint"], Path(fields["ca_bundle"]))

    def env(self) -> dict[str, str]:
        """What a process needs to use the stand-in as the local account's deployer."""
        return {**STANDIN_ENV, "AWS_ENDPOINT_URL": self.endpoint, "AWS_CA_BUNDLE": str(self.ca_bundle)}

    def client(self, service: str, region: str = "us-east-1", **kwargs: Any) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            verify=str(self.ca_bundle),
            aws_access_key_id=STANDIN_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=STANDIN_ENV["AWS_SECRET_ACCESS_KEY"],
            **kwargs,
        )


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
            raise StandinError(f"the stand-in exited with code {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=2):  # noqa: S310 (loopback)
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise StandinError(f"the stand-in at {endpoint} did not answer within {timeout_s:.0f} s")


@contextlib.contextmanager
def running_standin(port: int | None = None, log_path: Path | None = None) -> Iterator[Standin]:
    """Start the stand-in, yield its endpoints, and stop it when the block ends."""
    if not VENV_PYTHON.exists():
        raise StandinError(f"{VENV_PYTHON} is missing: run `make setup` first")
    tls = ensure_tls_files()
    port = port or free_port()
    insecure_port = free_port()
    standin = Standin(f"https://127.0.0.1:{port}", f"http://127.0.0.1:{insecure_port}", tls.bundle)
    log = log_path.open("ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [str(VENV_PYTHON), str(APP), "--port", str(port), "--insecure-port", str(insecure_port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
        env={**os.environ, **STANDIN_ENV},
    )
    try:
        _wait_until_ready(standin.insecure_endpoint, process, timeout_s=60)
        yield standin
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
        with running_standin(args.port) as standin:
            print(f"stand-in listening on {standin.endpoint}; Ctrl-C stops it", flush=True)
            print(
                f"  export LOCAL_AWS_ENDPOINT={standin.endpoint} AWS_ENDPOINT_URL={standin.endpoint} "
                f"AWS_CA_BUNDLE={standin.ca_bundle}",
                flush=True,
            )
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
    except StandinError as error:
        print(f"standin: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
