"""The short version of `make soak` (scripts/soak.py): a small burst through the deployed function,
healthy and under each injected fault, and nothing lost. `make soak` runs the full one (2,000 objects
per scenario, every trigger mode); this one runs the s3 mode the environment is in, 10 objects each.
"""

from __future__ import annotations

import pytest
import soak
from stack_helpers import REGION

pytestmark = pytest.mark.slow

SCENARIOS = ["healthy", "slowdown", "internal_error", "reset", "duplicates", "overwrite", "timeout"]


@pytest.fixture(scope="module")
def reports(local_stack) -> dict[str, soak.ScenarioReport]:
    deployed = soak.deployed_stack(local_stack.standin, REGION, "s3", local_stack.env_vars)
    results = soak.soak(deployed, SCENARIOS, objects=10, concurrency=2, seed=7, max_mib=1)
    soak.print_table(results)
    return {report.name: report for report in results}


def test_every_scenario_loses_nothing_and_writes_each_record_whole_and_once(reports):
    assert sorted(reports) == sorted(SCENARIOS)
    assert {name: report.problems for name, report in reports.items()} == {name: [] for name in SCENARIOS}
    for name in ("healthy", "slowdown", "internal_error"):  # botocore's retries absorb these faults
        assert reports[name].records == 10, name
        assert reports[name].outcomes == {"recorded": 10}, name
        assert reports[name].failures_routed == 0, name
    # A reset mid-body is Lambda's to retry; an event that meets one on every attempt is routed.
    assert reports["reset"].records + reports["reset"].failures_routed == 10


def test_the_faults_were_really_injected_and_retried_within_the_budget(reports):
    for name in ("slowdown", "internal_error", "reset"):
        assert reports[name].s3_faults_injected.get(name, 0) > 0, reports[name].s3_faults_injected
    assert reports["healthy"].s3_faults_injected.get("slowdown", 0) == 0


def test_a_duplicate_delivered_at_the_same_moment_writes_no_second_record(reports):
    duplicates = reports["duplicates"]
    assert duplicates.deliveries == 20
    assert duplicates.records == 10
    assert duplicates.outcomes == {"recorded": 10, "already_recorded": 10}


def test_an_object_changed_while_read_gives_each_remaining_version_its_record(reports):
    overwrite = reports["overwrite"]
    changed = overwrite.outcomes.get("object_missing", 0)
    assert overwrite.versions > 10 or changed, overwrite  # the seed chose some objects to change
    assert overwrite.records == overwrite.versions - changed


def test_an_invocation_killed_at_its_timeout_ends_in_the_failure_queue_fires_the_alarms_and_redrives(reports):
    timeout = reports["timeout"]
    assert timeout.objects == 6
    assert timeout.lambda_retries == 6 * 2  # each event: its attempt and Lambda's two retries, all killed
    assert timeout.failure_reasons == {
        f"Task timed out after {soak.TIMEOUT_SCENARIO_TIMEOUT_S:.2f} seconds": 6
    }
    assert set(timeout.alarms.values()) == {"ALARM"}
    assert timeout.records == 6  # redriven without the fault, every one recorded
