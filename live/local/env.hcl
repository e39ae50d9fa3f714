# The local environment: the whole stack on the local AWS stand-in (moto server on 127.0.0.1),
# used by `make demo` and the end-to-end tests. Nothing here reaches AWS.
locals {
  environment = "local"
  account_id  = "123456789012" # moto's fixed account ID
  is_local    = true

  # Which function variant this environment runs: "python" (default) or "java" (Java 21 with
  # SnapStart). `make record ENV=local` builds and records that variant.
  function_runtime = "python"
  # Set by the Makefile / tests to the stand-in they started (a free port each time).
  endpoint = get_env("LOCAL_AWS_ENDPOINT", "http://127.0.0.1:5000")

  settings = {
    create_kms_key           = true
    log_retention_days       = 1
    alarm_email_addresses    = []
    force_destroy            = true  # throwaway: destroy must work with objects in the buckets
    retain_replaced_versions = false # throwaway: destroy removes every layer version
    # moto 5.2 ignores policy conditions, so the buckets' conditional Deny statements (TLS only,
    # encryption headers) would deny every object request; real environments always enforce them.
    enforce_deny_statements = false
    # moto 5.2 does not speak the Smithy RPCv2 CBOR protocol of the provider's CloudWatch client,
    # so the stand-in cannot hold the alarms; every real environment creates them.
    alarms_enabled = false
    # moto 5.2 does not store a function's LoggingConfig: every plan would show it as a change.
    logging_config_enabled = false
  }
}
