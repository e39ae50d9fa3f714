# The dev environment: one account, one region; every merge to main deploys here first.
locals {
  environment = "dev"
  account_id  = "111111111111" # Replace with your dev account ID: the provider refuses any other.
  is_local    = false

  # Which function variant this environment runs: "python" (default) or "java" (Java 21 with
  # SnapStart). `make record ENV=dev` builds and records that variant.
  function_runtime = "python"

  # VPC mode (live/<env>/<region>/network, README "High availability"): off in dev, where the
  # function runs in Lambda's own multi-zone network and needs no private one; on in staging and prod.
  vpc_enabled = false

  # How `make rollout` shifts traffic to a new version: every merge deploys here first, so the new
  # version takes all traffic at once and bakes. One of AllAtOnce, Canary<P>Percent<M>Minutes,
  # Linear<P>PercentEvery<M>Minutes (scripts/release/canary.py).
  deployment_strategy = "AllAtOnce"

  # Module inputs for every unit of this environment (the root merges them into inputs).
  settings = {
    create_kms_key     = false
    log_retention_days = 30
    # Who the alarms reach (replace with your on-call address or list); alarm_https_endpoints adds
    # a chat or paging webhook. With neither set, the function module refuses to plan.
    alarm_email_addresses = ["oncall@example.com"]
    # At most this many invocations at once; more are throttled (alarm) and retried by Lambda.
    reserved_concurrent_executions = 5
    # SnapStart for the Python function (README "SnapStart"): cold starts from a primed snapshot,
    # billed per version cached and per restore. The Java variant always runs with it.
    snapstart_enabled = false
  }
}
