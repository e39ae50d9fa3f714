# What bootstrap/github-oidc does for a real account, done for the stand-in's account: the
# permissions boundary of the local environment's workload roles (modules/workload-boundary), so
# live/local deploys its roles exactly as prod does, boundary and all. No GitHub roles: nothing on
# the stand-in runs in GitHub Actions. `make demo`, `make up` and the end-to-end tests apply it
# before live/local (scripts/release/stack.py bootstrap_local_account), as an administrator applies
# the bootstrap before an account's first deploy.

locals {
  live_local = "${get_repo_root()}/live/local"
  env        = read_terragrunt_config("${local.live_local}/env.hcl").locals
  regions = sort([
    for path in fileset(local.live_local, "*/region.hcl") :
    read_terragrunt_config("${local.live_local}/${path}").locals.aws_region
  ])
  project     = "fileproc"
  home_region = local.regions[0]
}

terraform {
  source = "${get_repo_root()}/modules//workload-boundary"

  # The stand-in forgets everything when it stops: re-initialise instead of migrating.
  extra_arguments "reconfigure_local_backend" {
    commands  = ["init"]
    arguments = ["-reconfigure"]
  }
}

# The same state bucket (and settings) as live/local's units in the home region.
remote_state {
  backend = "s3"

  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }

  config = {
    bucket                      = "${local.project}-tfstate-${local.env.account_id}-${local.home_region}"
    key                         = "bootstrap/local-account/tofu.tfstate"
    region                      = local.home_region
    encrypt                     = true
    use_lockfile                = true
    accesslogging_bucket_name   = "${local.project}-tfstate-logs-${local.env.account_id}-${local.home_region}"
    accesslogging_target_prefix = "state/"
    endpoints                   = { s3 = local.env.endpoint }
    use_path_style              = true
    skip_requesting_account_id  = true
  }
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    provider "aws" {
      region                      = "${local.home_region}"
      skip_requesting_account_id  = true
      skip_credentials_validation = true

      endpoints {
        iam = "${local.env.endpoint}"
        sts = "${local.env.endpoint}"
      }

      default_tags {
        tags = ${jsonencode({ Project = local.project, Environment = local.env.environment, ManagedBy = "terragrunt", Repository = "file-processor", Unit = "bootstrap/local-account" })}
      }
    }
  EOF
}

inputs = {
  project     = local.project
  environment = local.env.environment
  account_id  = local.env.account_id
  regions     = local.regions
}
