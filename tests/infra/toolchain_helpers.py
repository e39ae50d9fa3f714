"""Helpers for tests that drive the real toolchain (OpenTofu, Terragrunt, the AWS provider).

They run the binaries `make setup` links into .tools/bin with the generated CLI config that points
OpenTofu at the locally built provider, exactly as the Makefile does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

# The environment the Makefile gives every tool (one definition, in scripts/release/stack.py).
from release.stack import CLI_CONFIG, TOOLS_BIN, toolchain_env  # noqa: E402, F401


def run_tool(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 1800):
    """Run a tool, returning the completed process; the output is kept for assertion messages."""
    return subprocess.run(
        args, cwd=cwd, env=env or toolchain_env(), capture_output=True, text=True, timeout=timeout
    )
