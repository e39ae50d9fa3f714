"""scripts/release/drift.py reads which units drifted, and how, from a real `run --all plan` log."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from release import drift

LOG = """\
10:01:02.100 STDOUT [us-east-1/buckets] tofu: No changes. Your infrastructure matches the configuration.
10:01:03.200 STDOUT [us-east-1/function] tofu:   # aws_cloudwatch_log_group.this will be updated in-place
10:01:03.201 STDOUT [us-east-1/function] tofu:   ~ resource "aws_cloudwatch_log_group" "this" {
10:01:03.202 STDOUT [us-east-1/function] tofu:       ~ retention_in_days = 30 -> 1
10:01:03.300 STDOUT [us-east-1/function] tofu: Plan: 0 to add, 1 to change, 0 to destroy.
10:01:04.000 STDOUT [us-east-1/iam] tofu: No changes. Your infrastructure matches the configuration.
10:01:05.000 STDOUT [us-east-1/layer] terraform:   # aws_lambda_layer_version.this must be replaced
10:01:05.100 STDOUT [us-east-1/layer] terraform: Plan: 1 to add, 0 to change, 1 to destroy.
"""


def test_drifted_units_and_their_changes_are_read_from_the_log():
    units = {unit.unit: unit for unit in drift.read_plan_log(LOG)}

    assert sorted(units) == ["us-east-1/buckets", "us-east-1/function", "us-east-1/iam", "us-east-1/layer"]
    assert [name for name, unit in units.items() if unit.drifted] == ["us-east-1/function", "us-east-1/layer"]
    assert units["us-east-1/function"].changes == ["aws_cloudwatch_log_group.this will be updated in-place"]
    assert units["us-east-1/layer"].changes == ["aws_lambda_layer_version.this must be replaced"]


def test_the_exit_status_is_2_on_drift_and_0_without(capsys):
    units = drift.read_plan_log(LOG)

    assert drift.report(units) == drift.DRIFT
    assert "DRIFT us-east-1/function: Plan: 0 to add, 1 to change" in capsys.readouterr().out
    assert drift.report([unit for unit in units if not unit.drifted]) == 0


def test_the_summary_names_the_drifted_units_and_resources():
    text = drift.summary("prod", "eu-west-1", drift.read_plan_log(LOG))

    assert text.startswith("### Drift: prod / eu-west-1: 2 of 4 units drifted")
    assert "`aws_cloudwatch_log_group.this will be updated in-place`" in text
