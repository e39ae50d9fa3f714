"""The local environment deployed for real: the stand-in, Terragrunt, OpenTofu and the AWS provider.

The deployment is the README's main job itself: `scripts/demo.py --keep` (what `make demo KEEP=1`
runs) builds, starts the stand-in, applies both local regions and processes a sample file; the
tests then use that stand-in and deployment for the whole session, and stop the demo at the end.
The files run in the order of their numbers, each in file order (fresh-stand-in checks, deploy,
least privilege, rollout, promotion, changes, destroy), each building on what the one before left.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from stack_helpers import DEMO_LOG, ENV, ROOT, LocalStack, builds, stack
from standin.server import Standin

READY = "The stand-in keeps running"


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    original_record = builds.record_path(ENV).read_text() if builds.record_path(ENV).exists() else None
    stack.LOCAL_STANDIN_FILE.unlink(missing_ok=True)
    DEMO_LOG.parent.mkdir(parents=True, exist_ok=True)
    with DEMO_LOG.open("w", encoding="utf-8") as log:
        demo = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "demo.py"), "--keep"],
            cwd=ROOT,
            env=stack.toolchain_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 1200
        while READY not in DEMO_LOG.read_text(encoding="utf-8"):
            if demo.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"`scripts/demo.py --keep` did not come up (exit {demo.poll()}):\n"
                    + DEMO_LOG.read_text()[-5000:]
                )
            time.sleep(2)
        standin = Standin.read(stack.LOCAL_STANDIN_FILE)
        yield LocalStack(standin, stack.standin_env_vars(standin.endpoint))
    finally:
        demo.send_signal(signal.SIGINT)  # Ctrl-C, as a user stops it
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
        if original_record is not None:
            builds.record_path(ENV).write_text(original_record)
