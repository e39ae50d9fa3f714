"""Region rollout: the stated order, stop at the first failure, and the alarm health gate between
regions. The gate's alarm states are stubbed here (the stand-in cannot hold CloudWatch alarms, see
live/local/env.hcl); tests/e2e runs a real rollout of the local environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from release import rollout  # noqa: E402
from release.stack import StackError  # noqa: E402

ALARMS = ["fn-errors", "fn-throttles"]


class FakeClock:
    """Time that only moves when the gate sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def scripted_states(*rounds: dict[str, str]):
    """Alarm states as CloudWatch would report them on successive polls (the last one repeats)."""
    calls = []

    def alarm_states(region: str, names: list[str]) -> dict[str, str]:
        calls.append((region, tuple(names)))
        return rounds[min(len(calls), len(rounds)) - 1]

    alarm_states.calls = calls
    return alarm_states


def gate(states, timeout_s: float = 300) -> rollout.HealthGate:
    clock = FakeClock()
    return rollout.HealthGate(
        alarm_states=states, timeout_s=timeout_s, poll_s=30, sleep=clock.sleep, clock=clock
    )


def test_the_gate_passes_when_every_alarm_is_ok():
    states = scripted_states(dict.fromkeys(ALARMS, "OK"))
    gate(states).wait("eu-west-1", ALARMS)
    assert states.calls == [("eu-west-1", tuple(ALARMS))]


def test_the_gate_lets_the_new_version_bake_before_reading_alarms():
    clock = FakeClock()
    seen_at = []
    states = scripted_states(dict.fromkeys(ALARMS, "OK"))

    def alarm_states(region: str, names: list[str]) -> dict[str, str]:
        seen_at.append(clock.now)
        return states(region, names)

    rollout.HealthGate(alarm_states=alarm_states, bake_s=300, sleep=clock.sleep, clock=clock).wait(
        "eu-west-1", ALARMS
    )
    assert seen_at == [300]


def test_the_gate_waits_for_insufficient_data_to_become_ok():
    states = scripted_states(
        dict.fromkeys(ALARMS, "INSUFFICIENT_DATA"),
        {"fn-errors": "OK", "fn-throttles": "INSUFFICIENT_DATA"},
        dict.fromkeys(ALARMS, "OK"),
    )
    gate(states).wait("eu-west-1", ALARMS)
    assert len(states.calls) == 3


def test_the_gate_stops_the_rollout_on_an_alarm():
    states = scripted_states({"fn-errors": "ALARM", "fn-throttles": "OK"})
    with pytest.raises(rollout.RolloutError, match="alarms in ALARM after the deploy: fn-errors"):
        gate(states).wait("eu-west-1", ALARMS)


def test_the_gate_gives_up_when_alarms_stay_unknown():
    states = scripted_states(dict.fromkeys(ALARMS, "INSUFFICIENT_DATA"))
    with pytest.raises(rollout.RolloutError, match="not OK within 300 s"):
        gate(states, timeout_s=300).wait("eu-west-1", ALARMS)
    assert len(states.calls) == 11  # at 0, 30, ..., 300 seconds


def test_the_gate_fails_when_an_alarm_does_not_exist():
    states = scripted_states({"fn-errors": "OK"})
    with pytest.raises(rollout.RolloutError, match="alarms not found: fn-throttles"):
        gate(states).wait("eu-west-1", ALARMS)


def test_prod_rolls_out_in_its_stated_order_with_the_gate_between_regions():
    applied = []
    states = scripted_states(dict.fromkeys(ALARMS, "OK"))

    done = rollout.rollout("prod", gate(states), applied.append, alarm_names=lambda _region: ALARMS)

    assert done == applied == ["eu-central-1", "eu-west-1"]
    assert [region for region, _ in states.calls] == ["eu-central-1", "eu-west-1"]


def test_a_failed_apply_stops_the_rollout_before_the_next_region():
    applied = []

    def apply_region(region: str) -> None:
        applied.append(region)
        raise StackError("tofu apply failed")

    with pytest.raises(rollout.RolloutError, match="prod/eu-central-1: apply failed, rollout stopped"):
        rollout.rollout("prod", gate(scripted_states({})), apply_region, alarm_names=lambda _region: ALARMS)
    assert applied == ["eu-central-1"]


def test_an_alarm_in_the_first_region_stops_the_rollout_before_the_second():
    applied = []
    states = scripted_states({"fn-errors": "ALARM", "fn-throttles": "OK"})

    with pytest.raises(rollout.RolloutError, match="eu-central-1: alarms in ALARM"):
        rollout.rollout("prod", gate(states), applied.append, alarm_names=lambda _region: ALARMS)
    assert applied == ["eu-central-1"]


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
