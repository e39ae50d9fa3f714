"""Handles on the local environment deployed on the stand-in, for the end-to-end tests."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from artifacts import build_packages  # noqa: E402
from release import builds, stack  # noqa: E402
from standin.server import Standin  # noqa: E402

ENV = "local"
REGION = "us-east-1"


@dataclass
class LocalStack:
    """Handles on the deployed local environment."""

    standin: Standin
    env_vars: dict[str, str]
    outputs: dict[str, dict] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return self.standin.endpoint

    def client(self, service: str, region: str = REGION):
        return self.standin.client(service, region=region)

    def run_all(self, *command: str) -> list[stack.UnitTiming]:
        env_vars = {**self.env_vars, "TG_BACKEND_BOOTSTRAP": "true"}
        return stack.run_all(ENV, list(command), env_vars=env_vars, echo=False)

    def read_outputs(self) -> dict[str, dict]:
        self.outputs = {
            unit: stack.unit_outputs(ENV, REGION, unit, self.env_vars)
            for unit in ("buckets", "iam", "layer", "function")
        }
        return self.outputs


def build_and_record(**overrides: Path) -> dict:
    """Build the local packages (optionally from other inputs) and make the local env run them."""
    target = build_packages.Target.local()
    build_dir = overrides.pop("build_dir", build_packages.DEFAULT_BUILD_DIR)
    build_packages.build(target, build_dir=build_dir, log=lambda _line: None, **overrides)
    return builds.record(ENV, build_dir / target.name / "manifest.json")
