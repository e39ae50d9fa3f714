# Root Terragrunt configuration. Every unit under live/<env>/<region>/<unit>/ includes it as
#   include "root" { path = "${get_repo_root()}/terragrunt.hcl" }
# (by path, not find_in_parent_folders(): looking up a file named terragrunt.hcl that way trips
# Terragrunt's root-terragrunt-hcl strict control). It holds only what every unit shares: remote
# state, the generated provider, and the inputs derived from env.hcl and region.hcl.
#
# Run Terragrunt from live/ or below (the Makefile does). Started in the repository root,
# `run --all` would also discover this file as a unit; .terragrunt-excludes (which Terragrunt reads
# from its working directory) keeps it out.

locals {
  env    = read_terragrunt_config(find_in_parent_folders("env.hcl")).locals
  region = read_terragrunt_config(find_in_parent_folders("region.hcl")).locals

  project     = "fileproc"
  environment = local.env.environment
  account_id  = local.env.account_id
  aws_region  = local.region.aws_region

  # eu-central-1 -> euc1: keeps the region inside names that are global (IAM roles, buckets).
  region_parts = split("-", local.aws_region)
  region_code  = "${substr(local.region_parts[0], 0, 2)}${substr(local.region_parts[1], 0, 1)}${local.region_parts[2]}"
  name_prefix  = "${local.project}-${local.environment}-${local.region_code}"

  # The local environment talks to the stand-in (moto server) instead of AWS.
  is_local       = local.env.is_local
  local_endpoint = try(local.env.endpoint, "")

  offline_validate = get_env("TG_OFFLINE_VALIDATE", "false") == "true"

  # The account bootstrap (bootstrap/github-oidc; bootstrap/local-account on the stand-in) creates,
  # per environment, the permissions boundary every workload role carries and the CI roles. Their
  # ARNs follow from the names; env.hcl may name an existing boundary instead (the bootstrap then
  # uses that one too).
  workload_boundary_arn = try(
    local.env.workload_permissions_boundary_arn,
    "arn:aws:iam::${local.account_id}:policy/boundaries/${local.project}-${local.environment}-workload",
  )
  deploy_role_arn = "arn:aws:iam::${local.account_id}:role/github-actions/${local.project}-github-${local.environment}-deploy"
  plan_role_arn   = "arn:aws:iam::${local.account_id}:role/github-actions/${local.project}-github-${local.environment}-plan"

  default_tags = {
    Project     = local.project
    Environment = local.environment
    ManagedBy   = "terragrunt"
    Repository  = "file-processor"
    Unit        = path_relative_to_include()
  }

  state_access_logging = {
    accesslogging_bucket_name   = "${local.project}-tfstate-logs-${local.account_id}-${local.aws_region}"
    accesslogging_target_prefix = "state/"
  }

  # The stand-in serves HTTPS with a local CA (AWS_CA_BUNDLE), so the state bucket gets the same
  # TLS-only policy as in AWS; only where the state lives differs.
  local_backend = {
    endpoints                  = { s3 = local.local_endpoint }
    use_path_style             = true
    skip_requesting_account_id = true
  }

  # Which account the provider may touch; the stand-in has no real account to protect.
  real_provider_settings = "\n  allowed_account_ids = [\"${local.account_id}\"]\n"

  # Local stand-in (moto server): no real credentials, path-style S3, every service on one port.
  local_services = ["cloudwatch", "ec2", "events", "iam", "kms", "lambda", "logs", "s3", "signer", "sns", "sqs", "sts"]
  local_provider_settings = join("\n", concat(
    [
      "",
      "  # Provider 6.x reads bucket tags through S3 Control at <account id>.<endpoint host>, a name",
      "  # that cannot resolve for 127.0.0.1; without an account ID it uses the plain S3 API instead.",
      "  # Validating the credentials would look the account ID up (STS), so that is skipped too.",
      "  skip_requesting_account_id  = true",
      "  skip_credentials_validation = true",
      "  s3_use_path_style           = true",
      "",
      "  endpoints {",
    ],
    [for service in local.local_services : format("    %-10s = %q", service, local.local_endpoint)],
    ["  }", ""],
  ))
}

remote_state {
  backend = "s3"

  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }

  # One encrypted, versioned state bucket per account and region (Terragrunt creates it on first
  # use); the key is the unit's path, so no two units can share state. S3-native locking
  # (use_lockfile) needs no DynamoDB table.
  config = merge(
    {
      bucket       = "${local.project}-tfstate-${local.account_id}-${local.aws_region}"
      key          = "${path_relative_to_include()}/tofu.tfstate"
      region       = local.aws_region
      encrypt      = true
      use_lockfile = true
    },
    # Server access logs of the state bucket go to a log bucket Terragrunt creates beside it.
    local.state_access_logging,
    # Only the local environment: the stand-in instead of AWS.
    { for key, value in local.local_backend : key => value if local.is_local },
  )
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    provider "aws" {
      region = "${local.aws_region}"

      default_tags {
        tags = ${jsonencode(local.default_tags)}
      }
    ${local.is_local ? local.local_provider_settings : local.real_provider_settings}}
  EOF
}

terraform {
  # The local stand-in forgets everything when it stops and may come back on another port, so the
  # backend is re-initialised instead of migrated.
  extra_arguments "reconfigure_local_backend" {
    commands  = local.is_local ? ["init"] : []
    arguments = ["-reconfigure"]
  }

  # `make validate` (TG_OFFLINE_VALIDATE=true) checks every environment without credentials: no
  # backend, and dependencies answer with their mock outputs.
  extra_arguments "offline_validate" {
    commands  = local.offline_validate ? ["init"] : []
    arguments = ["-backend=false"]
  }
}

# Inputs every unit shares: the names that tie the units together (computed once, here) and the
# environment's settings from env.hcl. Each module declares the ones it uses; OpenTofu ignores the
# rest. A unit's own terragrunt.hcl overrides any of them for that unit only.
inputs = merge(
  {
    # iam: the boundary; buckets: who the key policy names (no tag makes a key anyone's). An
    # environment without a plan role sets key_reader_arns = [] in its settings.
    permissions_boundary_arn = local.workload_boundary_arn
    # VPC mode (env.hcl): the function role may then manage the function's network interfaces.
    enable_vpc_access      = local.env.vpc_enabled
    key_administrator_arns = [local.deploy_role_arn]
    key_reader_arns        = [local.plan_role_arn]
  },
  local.env.settings,
  {
    name_prefix        = local.name_prefix
    function_name      = "${local.name_prefix}-processor"
    role_name          = "${local.name_prefix}-processor"
    failure_queue_name = "${local.name_prefix}-processor-failures"
    trigger_queue_name = "${local.name_prefix}-processor-trigger"
    layer_name         = "${local.name_prefix}-deps"
  },
)
