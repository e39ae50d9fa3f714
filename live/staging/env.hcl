# The staging environment: production-like settings, promoted from dev.
locals {
  environment = "staging"
  account_id  = "222222222222" # Replace with your staging account ID: the provider refuses any other.
  is_local    = false

  settings = {
    create_kms_key        = true
    log_retention_days    = 90
    alarm_email_addresses = []
  }
}
