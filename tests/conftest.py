"""Shared, generic fixtures: a Lambda context, fake AWS credentials, moto in-process and as a server.

Kept small on purpose: tests/infra and tests/e2e sit beside tests/unit and tests/layer with their
own conftest.py files.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from standin.server import Standin, running_standin  # noqa: E402

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


@pytest.fixture(scope="session")
def standin() -> Iterator[Standin]:
    """The local AWS stand-in on free loopback ports for the whole session.

    The same launcher `make demo` uses (scripts/standin/server.py): the server dies with this process.
    """
    with running_standin(log_path=ROOT / "build" / "standin-tests.log") as running:
        yield running


@pytest.fixture(scope="session")
def moto_server(standin: Standin) -> str:
    """The session stand-in's plain-HTTP endpoint URL.

    Tests of code rather than of the deployed environment (the handler, the Java variant, a module
    applied on its own) use plain HTTP, which needs no CA; the resources they create carry no
    TLS-only policy. The deployed environment is tested over HTTPS (tests/e2e).
    """
    return standin.insecure_endpoint


# The tests that share the one local deployment and live/local/build.json (and the Java build
# directories) run on one worker, in collection order; every other test is spread over the workers
# beside them (`make test` runs pytest -n 2). xdist's own loadgroup cannot do it under pytest 9
# (it renames nodes through an attribute pytest 9 no longer reads), so the grouping is this scheduler.
STACK_GROUP = (
    "tests/e2e/",
    "tests/java/",
    "tests/infra/test_validate.py",
    "tests/infra/test_local_parity.py",
)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    from xdist.scheduler import LoadScopeScheduling

    class StackScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "stack" if nodeid.startswith(STACK_GROUP) else nodeid

    return StackScheduling(config, log)
