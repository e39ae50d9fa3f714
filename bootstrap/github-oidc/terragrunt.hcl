# One-time bootstrap of GitHub Actions access to one AWS account: the GitHub OIDC provider and, per
# environment of that account, a deploy role and a read-only plan role (modules/github-oidc).
# Applied by hand with administrator credentials, once per account:
#
#   cd bootstrap/github-oidc
#   BOOTSTRAP_ACCOUNT_ID=<account id> terragrunt apply --backend-bootstrap
#
# Self-contained on purpose: it does not include the root terragrunt.hcl (that needs env.hcl and
# region.hcl), and .terragrunt-excludes keeps it out of `run --all` started from the repository root.
# The environments and regions of the account come from the live tree itself, so the roles always
# match what live/ deploys.

locals {
  settings = read_terragrunt_config("${get_terragrunt_dir()}/bootstrap.hcl").locals

  project    = "fileproc"
  account_id = get_env("BOOTSTRAP_ACCOUNT_ID")

  # Every real environment in live/ whose account is this one (the local stand-in has none).
  all_environments = {
    for path in fileset("${get_repo_root()}/live", "*/env.hcl") :
    dirname(path) => read_terragrunt_config("${get_repo_root()}/live/${path}").locals
  }
  environment_regions = {
    for name, environment in local.all_environments : name => sort([
      for path in fileset("${get_repo_root()}/live/${name}", "*/region.hcl") :
      read_terragrunt_config("${get_repo_root()}/live/${name}/${path}").locals.aws_region
    ])
    if !environment.is_local && environment.account_id == local.account_id
  }

  # The state lives beside the live units' state: the account's state bucket in its first region,
  # under a key outside live/, which no CI role may read or write.
  # (HCL has no error function: reading a file named after the problem stops with that name.)
  home_region = (
    length(local.environment_regions) > 0
    ? sort(flatten(values(local.environment_regions)))[0]
    : file("no live/<env>/env.hcl has account_id ${local.account_id}: set BOOTSTRAP_ACCOUNT_ID to one of the accounts the live tree names")
  )

  default_tags = {
    Project    = local.project
    ManagedBy  = "terragrunt"
    Repository = "file-processor"
    Unit       = "bootstrap/github-oidc"
  }
}

terraform {
  source = "${get_repo_root()}/modules//github-oidc"
}

remote_state {
  backend = "s3"

  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }

  # The same bucket settings as the root terragrunt.hcl, so whichever runs first creates the bucket
  # (`--backend-bootstrap`) the way the other expects it.
  config = {
    bucket                      = "${local.project}-tfstate-${local.account_id}-${local.home_region}"
    key                         = "bootstrap/github-oidc/tofu.tfstate"
    region                      = local.home_region
    encrypt                     = true
    use_lockfile                = true
    accesslogging_bucket_name   = "${local.project}-tfstate-logs-${local.account_id}-${local.home_region}"
    accesslogging_target_prefix = "state/"
  }
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    provider "aws" {
      region              = "${local.home_region}"
      allowed_account_ids = ["${local.account_id}"]

      default_tags {
        tags = ${jsonencode(local.default_tags)}
      }
    }
  EOF
}

inputs = {
  project           = local.project
  account_id        = local.account_id
  github_repository = local.settings.github_repository
  environments = {
    for name, regions in local.environment_regions : name => {
      regions                        = regions
      max_session_duration_seconds   = lookup(local.settings.max_session_duration_seconds, name, 3600)
      plan_on_pull_requests          = contains(local.settings.plan_on_pull_requests, name)
      existing_workload_boundary_arn = try(local.all_environments[name].workload_permissions_boundary_arn, null)
    }
  }
  default_branch = local.settings.default_branch
}
