"""Small helpers the stand-in's test files share."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError


def unique(prefix: str) -> str:
    """A name no other test uses: ``prefix`` and ten hex digits."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_code(call: Callable[[], object]) -> str:
    """The AWS error code ``call`` raises (it must raise a ClientError)."""
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]
