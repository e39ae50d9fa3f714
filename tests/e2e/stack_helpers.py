"""Handles on the local environment deployed on the stand-in, for the end-to-end tests."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))  # the handler's own modules: outcomes, results keys

from artifacts import build_packages  # noqa: E402
from release import builds, stack  # noqa: E402
from standin.local_lambda import LocalLambdaService, process_new_objects  # noqa: E402
from standin.server import Standin  # noqa: E402

ENV = "local"
REGION = "us-east-1"
OTHER_REGION = "us-west-2"

# Lambda's metrics that appear only when something goes wrong (a throttle, a failed delivery to a
# destination), by the function-name dimension: an alarm may watch them before they ever had data.
# https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
LAMBDA_FAILURE_SIGNALS = {
    "Throttles",
    "DestinationDeliveryFailures",
    "AsyncEventsDropped",
    "DeadLetterErrors",
}
REGIONS = (REGION, OTHER_REGION)
UNITS = ("buckets", "iam", "layer", "network", "function")
VECTORS = ROOT / "tests" / "vectors" / "objects"
DEMO_LOG = ROOT / "build" / "reports" / "demo-e2e.log"
V0 = str(ROOT / ".tools" / "bin" / "terragrunt-v0")  # Terragrunt 0.x (tools/versions.toml)
V1 = str(ROOT / ".tools" / "bin" / "terragrunt")


@dataclass
class LocalStack:
    """Handles on the deployed local environment (both regions)."""

    standin: Standin
    env_vars: dict[str, str]
    outputs: dict[str, dict] = field(default_factory=dict)  # unit -> outputs, in REGION
    region_outputs: dict[str, dict[str, dict]] = field(default_factory=dict)  # region -> unit -> outputs
    # What one test file leaves for a later one (e.g. the last good record, to restore after a rollback).
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return self.standin.endpoint

    def client(self, service: str, region: str = REGION):
        return self.standin.client(service, region=region)

    def run_all(
        self,
        *command: str,
        region: str | None = None,
        unit: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> list[stack.UnitTiming]:
        """``terragrunt run --all``; ``extra_env`` e.g. TF_VAR_x to try another value of a setting."""
        env_vars = {**self.env_vars, "TG_BACKEND_BOOTSTRAP": "true", **(extra_env or {})}
        return stack.run_all(ENV, list(command), region=region, unit=unit, env_vars=env_vars, echo=False)

    def read_outputs(self) -> dict[str, dict]:
        self.region_outputs = {
            region: {unit: stack.unit_outputs(ENV, region, unit, self.env_vars) for unit in UNITS}
            for region in REGIONS
        }
        self.outputs = self.region_outputs[REGION]
        return self.outputs

    def process(self, keys: list[str], region: str = REGION) -> list[dict]:
        """Deliver S3's events for these keys to the deployed function, as Lambda would."""
        trigger = self.region_outputs[region]["buckets"]["trigger_bucket_name"]
        with LocalLambdaService(self.endpoint, region) as service:
            return process_new_objects(service, trigger, keys)

    def read_json(self, bucket: str, key: str, region: str = REGION) -> dict:
        return json.loads(self.client("s3", region).get_object(Bucket=bucket, Key=key)["Body"].read())


def no_changes_in_every_unit(output: str, region: str) -> None:
    """A Terragrunt (0.x or 1.x) plan log of one region shows no change in any unit."""
    for unit in UNITS:
        assert re.search(rf"\[(?:{region}/)?{unit}\] (?:tofu|terraform): No changes\.", output), (
            unit,
            output[-4000:],
        )
    assert not re.search(r"Plan: \d+ to add", output)


def outcomes(results: list[dict]) -> list[str]:
    return [
        item["outcome"]
        for result in results
        for item in result["invocation"].attempts[-1]["result"]["objects"]
    ]


def unit_lines(log_name: str, unit: str, marker: str, region: str = REGION) -> list[str]:
    log = (stack.REPORTS / log_name).read_text(encoding="utf-8")
    return [line for line in log.splitlines() if f"[{region}/{unit}]" in line and marker in line]


def build_and_record(**overrides: Path) -> dict:
    """Build the local packages (optionally from other inputs) and make the local env run them."""
    target = build_packages.Target.local()
    build_dir = overrides.pop("build_dir", build_packages.DEFAULT_BUILD_DIR)
    build_packages.build(target, build_dir=build_dir, log=lambda _line: None, **overrides)
    return builds.record(ENV, build_dir / target.name / "manifest.json")
