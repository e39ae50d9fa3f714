# Settings of the one-time OIDC bootstrap (bootstrap/README.md). Which environments and regions
# live in an account is read from the live tree (live/<env>/env.hcl and region.hcl); only what the
# live tree does not say is here.
locals {
  # The repository whose workflows may assume the roles, exactly as GitHub spells it.
  github_repository = "acme/file-processor" # Replace with your owner/name.

  # Longest session a workflow may request per environment (default 3600 s): a prod rollout
  # applies one region after another with an alarm health gate in between.
  max_session_duration_seconds = {
    prod = 7200
  }

  # A managed policy every workload role must carry as its permissions boundary (pass the same ARN
  # to the iam units as permissions_boundary_arn). Strongly recommended; null for none.
  workload_permissions_boundary_arn = null
}
