"""A real IAM policy evaluator for Python: @cloud-copilot/iam-simulate in a Node.js sidecar.

moto's own evaluator knows one condition operator (StringEquals) and treats all others as met, so
it cannot tell a TLS request from a plain one or an encrypted upload from another. iam-simulate
evaluates identity policies, resource policies and permissions boundaries with every AWS condition
operator, and explains its decisions. It is pinned in tools/iam-simulate (installed into the per-user
cache by `make setup`, linked as .tools/iam-simulate) and run as one long-lived process speaking
JSON lines (standin/iam_simulate.cjs); a decision costs about 2 ms.

    with Simulator() as simulator:
        decision = simulator.evaluate(principal=..., action="s3:GetObject", resource=..., ...)
        decision.allowed, decision.result, decision.reasons
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "iam_simulate.cjs"
PACKAGES = ROOT / ".tools" / "iam-simulate" / "node_modules"

ALLOWED = "Allowed"


class SimulatorError(Exception):
    """The evaluator is missing, crashed, or rejected a request it should have understood."""


@dataclass(frozen=True)
class Decision:
    result: str  # Allowed, ExplicitlyDenied, ImplicitlyDenied or Error
    reasons: list[dict] = field(default_factory=list)
    errors: dict | None = None

    @property
    def allowed(self) -> bool:
        return self.result == ALLOWED

    def describe(self) -> str:
        if self.errors:
            return f"{self.result}: {json.dumps(self.errors)}"
        if not self.reasons:
            return self.result
        return f"{self.result} ({'; '.join(json.dumps(reason, sort_keys=True) for reason in self.reasons)})"


def policy_document(document: Any) -> dict:
    """A policy as a dict, whether given as JSON text, bytes or already parsed.

    S3 accepts ``"Principal": {"*": ["*"]}`` (Terragrunt writes its state bucket's TLS policy so)
    and reads it as everyone, ``"Principal": "*"``; iam-simulate's validator knows only the second
    spelling, so the first is rewritten to it.
    """
    if isinstance(document, bytes):
        document = document.decode()
    if isinstance(document, str):
        document = json.loads(document)
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        for field_name in ("Principal", "NotPrincipal"):
            principal = statement.get(field_name)
            if isinstance(principal, dict) and set(principal) == {"*"}:
                statement[field_name] = "*"
    return document


class Simulator:
    """One iam-simulate process; thread-safe (requests are answered one at a time)."""

    def __init__(self, packages: Path = PACKAGES) -> None:
        node = shutil.which("node")
        if node is None:
            raise SimulatorError("node is not on PATH: install Node.js 20 or newer")
        if not packages.is_dir():
            raise SimulatorError(f"{packages} is missing: run `make setup` (it installs iam-simulate)")
        self._process = subprocess.Popen(
            [node, str(SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "NODE_PATH": str(packages)},
        )
        self._lock = threading.Lock()
        self._next_id = 0

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def simulate(self, simulation: dict, *, verbatim: bool = False) -> Decision:
        """Run one iam-simulate Simulation as given (its own field names).

        ``verbatim`` keeps every context key as given instead of dropping the ones the service
        reference does not list for the action. An OIDC provider's ``<provider>:aud`` and
        ``<provider>:sub`` keys are named after the provider, so the reference cannot list them for
        ``sts:AssumeRoleWithWebIdentity``; a trust policy's conditions on them need ``verbatim``.
        """
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            try:
                message = {"id": request_id, "simulation": simulation, "verbatim": verbatim}
                self._process.stdin.write(json.dumps(message) + "\n")
                self._process.stdin.flush()
                line = self._process.stdout.readline()
            except (BrokenPipeError, ValueError) as error:
                raise SimulatorError(f"iam-simulate is not running: {error}") from error
        if not line:
            raise SimulatorError(f"iam-simulate exited with code {self._process.poll()}")
        reply = json.loads(line)
        return Decision(reply["result"], reply.get("reasons") or [], reply.get("errors"))

    def evaluate(
        self,
        *,
        principal: str,
        action: str,
        resource: str,
        resource_account: str,
        context: dict[str, str | list[str]] | None = None,
        identity_policies: list[Any] | None = None,
        resource_policy: Any = None,
        boundary_policies: list[Any] | None = None,
        verbatim: bool = False,
    ) -> Decision:
        """Would AWS allow ``principal`` to do ``action`` on ``resource`` given these policies?"""
        simulation: dict[str, Any] = {
            "request": {
                "principal": principal,
                "action": action,
                "resource": {"resource": resource, "accountId": resource_account},
                "contextVariables": context or {},
            },
            "identityPolicies": [
                {"name": f"identity-{index}", "policy": policy_document(policy)}
                for index, policy in enumerate(identity_policies or [])
            ],
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
        }
        if resource_policy is not None:
            simulation["resourcePolicy"] = policy_document(resource_policy)
        if boundary_policies:
            simulation["permissionBoundaryPolicies"] = [
                {"name": f"boundary-{index}", "policy": policy_document(policy)}
                for index, policy in enumerate(boundary_policies)
            ]
        return self.simulate(simulation, verbatim=verbatim)
