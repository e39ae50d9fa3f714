# The local environment: the whole stack on the local AWS stand-in (scripts/standin/, moto behind
# TLS, a real IAM policy evaluator and CloudWatch's alarm evaluation), used by `make demo` and the
# end-to-end tests. Nothing here reaches AWS.
#
# It deploys what prod deploys: the same module inputs, with every security and monitoring feature
# on (Deny statements, alarms, logging configuration, least-privilege IAM enforced). The only
# differences from live/prod/env.hcl are listed here, and tests/infra/test_local_parity.py fails on
# any other:
#   account_id, regions      the stand-in's fixed account and its own two regions
#   log_retention_days = 1   throwaway logs
#   force_destroy = true     throwaway: destroy must work with objects in the buckets
#                            (prod's refusal is proven: tests/infra/test_bucket_deletion_protection.py)
# and, in the root terragrunt.hcl, where the state and the APIs are (the stand-in's endpoint,
# path-style S3, no account-ID lookup through S3 Control, whose <account>.<host> name cannot
# resolve for 127.0.0.1).
locals {
  environment = "local"
  account_id  = "123456789012" # moto's fixed account ID
  is_local    = true

  # Which function variant this environment runs: "python" (default) or "java" (Java 21 with
  # SnapStart). `make record ENV=local` builds and records that variant.
  function_runtime = "python"

  # VPC mode as prod: the stand-in creates the network and the function is attached to it.
  vpc_enabled = true

  # `make rollout ENV=local` takes the regions in this order, as prod does its two.
  rollout_order = ["us-east-1", "us-west-2"]
  # As prod; the end-to-end tests pass shorter bakes (--bake) so a rollout takes seconds.
  deployment_strategy = "Canary10Percent5Minutes"

  # Set by the Makefile / tests to the stand-in they started (a free port each time).
  endpoint = get_env("LOCAL_AWS_ENDPOINT", "https://127.0.0.1:5000")

  settings = {
    create_kms_key     = true
    log_retention_days = 1
    # Who the alarms reach (as prod); alarm_https_endpoints adds
    # a chat or paging webhook. With neither set, the function module refuses to plan.
    alarm_email_addresses = ["oncall@example.com"]
    # At most this many invocations at once; more are throttled (alarm) and retried by Lambda.
    reserved_concurrent_executions = 50
    # SnapStart for the Python function (README "SnapStart"): cold starts from a primed snapshot,
    # billed per version cached and per restore. The Java variant always runs with it.
    snapstart_enabled = false
    force_destroy     = true # throwaway: destroy must work with objects in the buckets
  }
}
