"""Fixtures for the function's unit tests: its environment and moto buckets."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from fp_helpers import RESULTS_BUCKET, RESULTS_PREFIX, SOURCE_BUCKET

from file_processor import handler as handler_module


@pytest.fixture
def function_env(monkeypatch: pytest.MonkeyPatch, aws_credentials: None):
    """The function's environment variables; its cached configuration and client are reset around."""
    monkeypatch.setenv("RESULTS_BUCKET", RESULTS_BUCKET)
    monkeypatch.setenv("TRIGGER_BUCKET", SOURCE_BUCKET)
    monkeypatch.delenv("TRIGGER_PREFIX", raising=False)
    monkeypatch.delenv("TRIGGER_SUFFIX", raising=False)
    monkeypatch.setenv("RESULTS_PREFIX", RESULTS_PREFIX)
    monkeypatch.delenv("MAX_HASH_BYTES", raising=False)
    handler_module.reset()
    yield monkeypatch
    handler_module.reset()


@pytest.fixture
def s3(function_env: pytest.MonkeyPatch, mocked_aws: None):
    """An S3 client on moto with the source and results buckets created."""
    client = boto3.client("s3")
    client.create_bucket(Bucket=SOURCE_BUCKET)
    client.create_bucket(Bucket=RESULTS_BUCKET)
    return client


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch):
    """The function's structured log lines, parsed (Powertools' handler is bound to stdout at import)."""
    stream = io.StringIO()
    monkeypatch.setattr(handler_module.logger.registered_handler, "stream", stream)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
