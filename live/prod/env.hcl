# The prod environment: two regions, rolled out one at a time in rollout_order.
locals {
  environment = "prod"
  account_id  = "333333333333" # Replace with your prod account ID: the provider refuses any other.
  is_local    = false

  # Which function variant this environment runs: "python" (default) or "java" (Java 21 with
  # SnapStart). `make record ENV=prod` builds and records that variant.
  function_runtime = "python"

  # VPC mode (live/<env>/<region>/network, README "High availability"): the function runs in
  # private subnets in three availability zones and reaches only S3 and X-Ray, through endpoints.
  vpc_enabled = true

  # How `make rollout` shifts traffic to a new version: 10 % of events for 5 minutes, then all, each
  # step baked and gated. One of AllAtOnce, Canary<P>Percent<M>Minutes, Linear<P>PercentEvery<M>Minutes
  # (scripts/release/canary.py).
  deployment_strategy = "Canary10Percent5Minutes"

  # `make rollout ENV=prod` applies the regions in this order and stops at the first failure.
  rollout_order = ["eu-central-1", "eu-west-1"]

  settings = {
    create_kms_key     = true
    log_retention_days = 365
    # Who the alarms reach (replace with your on-call address or list); alarm_https_endpoints adds
    # a chat or paging webhook. With neither set, the function module refuses to plan.
    alarm_email_addresses = ["oncall@example.com"]
    # At most this many invocations at once; more are throttled (alarm) and retried by Lambda.
    reserved_concurrent_executions = 50
    # SnapStart for the Python function (README "SnapStart"): cold starts from a primed snapshot,
    # billed per version cached and per restore. The Java variant always runs with it.
    snapstart_enabled = false
  }
}
