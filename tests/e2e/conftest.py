"""The local environment deployed for real: the stand-in, Terragrunt, OpenTofu and the AWS provider.

One stand-in and one deployment of both local regions serve the whole session. The files run in
the order of their numbers and each in file order (deploy, least privilege, rollout, changes,
promotion, destroy), each building on what the one before left.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from stack_helpers import ENV, ROOT, LocalStack, build_and_record, builds, stack
from standin.server import running_standin


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    original_record = builds.record_path(ENV).read_text() if builds.record_path(ENV).exists() else None
    endpoint_file = stack.LOCAL_ENDPOINT_FILE
    original_endpoint = endpoint_file.read_text() if endpoint_file.exists() else None
    build_and_record()
    try:
        with running_standin(log_path=ROOT / "build" / "standin-e2e.log") as standin:
            # Where `make apply ENV=local` and the promotion check find the running stand-in.
            endpoint_file.write_text(standin.endpoint + "\n")
            yield LocalStack(standin, stack.standin_env_vars(standin.endpoint))
    finally:
        if original_record is not None:
            builds.record_path(ENV).write_text(original_record)
        if original_endpoint is None:
            endpoint_file.unlink(missing_ok=True)
        else:
            endpoint_file.write_text(original_endpoint)
