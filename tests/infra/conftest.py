"""Fixtures for tests that drive the real toolchain; helpers live in toolchain_helpers.py."""

from __future__ import annotations

import sys

import pytest
from toolchain_helpers import CLI_CONFIG, ROOT, TOOLS_BIN, toolchain_env

sys.path.insert(0, str(ROOT / "scripts"))

from standin.server import Standin


@pytest.fixture(scope="session", autouse=True)
def _toolchain_present() -> None:
    missing = [name for name in ("tofu", "terragrunt", "tflint") if not (TOOLS_BIN / name).exists()]
    if missing or not CLI_CONFIG.exists():
        pytest.fail(f"toolchain not set up ({', '.join(missing) or 'tofurc'} missing): run `make setup`")


@pytest.fixture(scope="session")
def standin_endpoint(standin: Standin) -> str:
    return standin.endpoint


@pytest.fixture(scope="session")
def standin_env(standin: Standin) -> dict[str, str]:
    """Toolchain environment pointed at the stand-in, as `make demo` sets it."""
    return toolchain_env(LOCAL_AWS_ENDPOINT=standin.endpoint, **standin.env())
