"""Helpers for tests that drive the real toolchain (OpenTofu, Terragrunt, the AWS provider).

They run the binaries `make setup` links into .tools/bin with the generated CLI config that points
OpenTofu at the locally built provider, exactly as the Makefile does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = ROOT / ".tools" / "bin"
CLI_CONFIG = ROOT / ".tools" / "tofurc"


def toolchain_env(**extra: str) -> dict[str, str]:
    """The environment the Makefile gives every tool."""
    return {
        **os.environ,
        "PATH": f"{TOOLS_BIN}{os.pathsep}{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "TF_CLI_CONFIG_FILE": str(CLI_CONFIG),
        "TG_TF_PATH": os.environ.get("TG_TF_PATH", "tofu"),
        "TG_NON_INTERACTIVE": "true",
        "TG_PARALLELISM": os.environ.get("TG_PARALLELISM", "2"),
        "CHECKPOINT_DISABLE": "1",
        **extra,
    }


def run_tool(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 1800):
    """Run a tool, returning the completed process; the output is kept for assertion messages."""
    return subprocess.run(
        args, cwd=cwd, env=env or toolchain_env(), capture_output=True, text=True, timeout=timeout
    )
