"""Region rollout, the parts that need no deployment: deployment strategies, the stated region
order, the plan summary and the CLI's refusals. The rollout itself (canary, smoke, gate, rollback)
runs for real, with both local regions on the stand-in, in tests/e2e/test_03_rollout.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from release import canary, rollout  # noqa: E402
from release.canary import TrafficStep  # noqa: E402


@pytest.mark.parametrize(
    ("strategy", "steps"),
    [
        ("AllAtOnce", [TrafficStep(1.0, 0.0)]),
        ("Canary10Percent5Minutes", [TrafficStep(0.1, 300.0), TrafficStep(1.0, 0.0)]),
        ("Canary50Percent1Minute", [TrafficStep(0.5, 60.0), TrafficStep(1.0, 0.0)]),
        (
            "Linear25PercentEvery2Minutes",
            [
                TrafficStep(0.25, 120.0),
                TrafficStep(0.5, 120.0),
                TrafficStep(0.75, 120.0),
                TrafficStep(1.0, 120.0),
            ],
        ),
    ],
)
def test_a_deployment_strategy_is_a_list_of_traffic_steps_ending_at_all(strategy, steps):
    assert canary.strategy_steps(strategy) == steps


def test_bake_and_canary_weight_overrides_apply_to_the_steps():
    assert canary.strategy_steps("Canary10Percent5Minutes", bake_s=3, canary_weight=0.5) == [
        TrafficStep(0.5, 3),
        TrafficStep(1.0, 3),
    ]


@pytest.mark.parametrize(
    "strategy", ["Canary", "Canary0Percent5Minutes", "Blue/Green", "canary10percent5minutes"]
)
def test_an_unknown_or_empty_strategy_is_refused_with_the_accepted_forms(strategy):
    with pytest.raises(ValueError, match=r"AllAtOnce|traffic weights"):
        canary.strategy_steps(strategy)


def test_every_environment_names_a_valid_strategy_and_every_region_once():
    for env in ("dev", "staging", "prod", "local"):
        assert canary.strategy_steps(rollout.deployment_strategy(env))[-1].weight == 1.0
        assert sorted(rollout.rollout_order(env)) == rollout.regions(env)


def test_the_rollout_order_must_name_exactly_the_region_folders(monkeypatch):
    monkeypatch.setattr(rollout, "env_locals", lambda _env: {"rollout_order": ["eu-central-1"]})
    with pytest.raises(rollout.RolloutError, match="does not list exactly the region folders"):
        rollout.rollout_order("prod")


def test_the_plan_summary_has_a_row_per_unit(tmp_path):
    log = tmp_path / "plan.log"
    log.write_text(
        "12:00:00.000 STDOUT [eu-west-1/buckets] tofu: No changes. Your infrastructure matches the "
        "configuration.\n"
        "12:00:01.000 STDOUT [eu-west-1/function] tofu: Plan: 0 to add, 1 to change, 0 to destroy.\n"
    )
    summary = rollout.plan_summary(log, "prod", "eu-west-1")
    assert "### Plan: prod / eu-west-1" in summary
    assert "| `eu-west-1/function` | Plan: 0 to add, 1 to change, 0 to destroy. |" in summary
    assert "| `eu-west-1/buckets` | No changes. Your infrastructure matches the configuration. |" in summary


def test_destroy_refuses_without_the_environment_name_as_confirmation():
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "release" / "rollout.py"),
            "destroy",
            "--env",
            "prod",
            "--confirm",
            "yes",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "refusing to destroy prod: pass CONFIRM=prod" in result.stderr


def test_an_unknown_environment_is_a_clear_error():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "release" / "rollout.py"), "plan", "--env", "qa"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "unknown environment 'qa'" in result.stderr
