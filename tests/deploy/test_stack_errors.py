"""A failed Terragrunt run's error says what failed, even where its log file is gone (CI output)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from release import stack

LOG = """\
10:01:02.100 STDOUT [us-east-1/buckets] tofu: aws_s3_bucket.trigger: Destroying...
10:01:03.200 STDERR [us-east-1/buckets] tofu: Error: deleting S3 Bucket (fp-trigger): BucketNotEmpty
10:01:03.201 STDERR [us-east-1/buckets] tofu:
10:01:03.202 STDERR [us-east-1/buckets] tofu:   with aws_s3_bucket.trigger,
10:01:03.203 STDERR [us-east-1/buckets] tofu:   on main.tf line 12, in resource "aws_s3_bucket" "trigger":
10:01:03.204 STDERR [us-east-1/buckets] tofu:   12: resource "aws_s3_bucket" "trigger" {
10:01:03.205 STDERR [us-east-1/buckets] tofu:
10:01:04.000 ERROR  [us-east-1/buckets] Failed to execute "tofu destroy"
"""


def test_the_excerpt_holds_each_error_with_the_lines_that_locate_it(tmp_path):
    log = tmp_path / "run.log"
    log.write_text(LOG, encoding="utf-8")

    excerpt = stack.error_excerpt(log)

    assert "Error: deleting S3 Bucket (fp-trigger): BucketNotEmpty" in excerpt
    assert 'on main.tf line 12, in resource "aws_s3_bucket" "trigger"' in excerpt
    assert 'Failed to execute "tofu destroy"' in excerpt
    assert "Destroying..." not in excerpt
    assert excerpt.count("with aws_s3_bucket.trigger") == 1  # overlapping windows are not repeated


def test_a_long_error_list_is_cut_and_says_how_much_is_left(tmp_path):
    log = tmp_path / "run.log"
    log.write_text("".join(f"Error: number {n}\n" for n in range(100)), encoding="utf-8")

    excerpt = stack.error_excerpt(log, context=0, limit=10)

    assert "Error: number 9" in excerpt
    assert "Error: number 10" not in excerpt
    assert excerpt.endswith("… 90 more lines in the log")


def test_a_log_without_errors_adds_nothing(tmp_path):
    log = tmp_path / "run.log"
    log.write_text("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.\n", encoding="utf-8")

    assert stack.error_excerpt(log) == ""
