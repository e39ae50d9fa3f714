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

  # The branch the deploy and destroy workflows must run from: the deploy roles trust only
  # .github/workflows/{deploy,destroy}.yml@refs/heads/<this> (the token's job_workflow_ref).
  default_branch = "main"

  # Environments whose read-only plans run on every pull request. Any other environment (prod)
  # plans only in its GitHub Environment <env>-plan, which you give required reviewers: after
  # approval, or by a reviewer's workflow_dispatch.
  plan_on_pull_requests = ["dev", "staging"]

  # Every workload role carries a permissions boundary the bootstrap creates per environment
  # (modules/workload-boundary). To use an existing managed policy instead, set
  # workload_permissions_boundary_arn in that environment's live/<env>/env.hcl locals: the iam
  # units and the deploy role's condition then both use it. There is no way to have none.
}
