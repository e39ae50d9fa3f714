# The dev environment: one account, one region; every merge to main deploys here first.
locals {
  environment = "dev"
  account_id  = "111111111111" # Replace with your dev account ID: the provider refuses any other.
  is_local    = false

  # Which function variant this environment runs: "python" (default) or "java" (Java 21 with
  # SnapStart). `make record ENV=dev` builds and records that variant.
  function_runtime = "python"

  # Module inputs for every unit of this environment (the root merges them into inputs).
  settings = {
    create_kms_key        = false
    log_retention_days    = 30
    alarm_email_addresses = []
  }
}
