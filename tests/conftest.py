"""Shared, generic fixtures: a Lambda context, fake AWS credentials, moto in-process and as a server.

Kept small on purpose: tests/infra and tests/e2e sit beside tests/unit and tests/layer with their
own conftest.py files.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = ROOT / "tests" / "events"


def load_event(name: str) -> dict:
    """A shared JSON event fixture from tests/events/ (a fresh copy each call)."""
    return json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture
def lambda_context() -> SimpleNamespace:
    """The attributes of the Lambda context object that handlers and Powertools read."""
    return SimpleNamespace(
        function_name="file-processor",
        function_version="$LATEST",
        invoked_function_arn="arn:aws:lambda:us-east-1:111111111111:function:file-processor",
        memory_limit_in_mb=512,
        aws_request_id="6f1d8a7e-2f6b-4b0e-9b8c-0a1b2c3d4e5f",
        log_group_name="/aws/lambda/file-processor",
        log_stream_name="2026/01/01/[$LATEST]0123456789abcdef",
        get_remaining_time_in_millis=lambda: 30_000,
    )


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region; no profile, config file or endpoint override leaks in."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.fixture
def mocked_aws(aws_credentials: None):
    """moto's in-process AWS for the duration of one test."""
    from moto import mock_aws

    with mock_aws():
        yield


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_server():
    """A moto server on a free loopback port for the whole session; yields its endpoint URL."""
    port = free_port()
    executable = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(executable), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):  # noqa: S310 - loopback
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on {url}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
