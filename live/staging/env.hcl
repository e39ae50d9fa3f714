# The staging environment: production-like settings, promoted from dev.
locals {
  environment = "staging"
  account_id  = "222222222222" # Replace with your staging account ID: the provider refuses any other.
  is_local    = false

  # Which function variant this environment runs: "python" (default) or "java" (Java 21 with
  # SnapStart). `make record ENV=staging` builds and records that variant.
  function_runtime = "python"

  settings = {
    create_kms_key        = true
    log_retention_days    = 90
    alarm_email_addresses = []
  }
}
