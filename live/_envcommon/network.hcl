# Shared configuration of every network unit (live/<env>/<region>/network): the private subnets in
# several availability zones, the endpoints and the security group the function runs in when the
# environment's env.hcl sets vpc_enabled. With it off the unit does nothing, so every region still
# holds the same units and turning VPC mode on is one line.

locals {
  vpc_enabled        = read_terragrunt_config(find_in_parent_folders("env.hcl")).locals.vpc_enabled
  availability_zones = read_terragrunt_config(find_in_parent_folders("region.hcl")).locals.availability_zones
}

terraform {
  source = "${get_repo_root()}/modules//network"
}

exclude {
  if      = !local.vpc_enabled
  actions = ["all"]
  # Not even when run on its own: an environment without VPC mode has no network to manage.
  no_run = true
}

dependency "buckets" {
  config_path = "${get_terragrunt_dir()}/../buckets"

  # Only for commands that cannot change anything; apply always reads real outputs.
  mock_outputs = {
    trigger_bucket_arn    = "arn:aws:s3:::fileproc-mock-trigger-111111111111"
    results_bucket_arn    = "arn:aws:s3:::fileproc-mock-results-111111111111"
    access_log_bucket_arn = "arn:aws:s3:::fileproc-mock-access-logs-111111111111"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
  mock_outputs_merge_strategy_with_state  = "shallow"
  # `make validate` runs without credentials or state: use the mocks, read nothing.
  skip_outputs = get_env("TG_OFFLINE_VALIDATE", "false") == "true"
}

inputs = {
  availability_zones = local.availability_zones
  # The function reads the trigger bucket and writes the results bucket; nothing else over S3.
  bucket_arns         = [dependency.buckets.outputs.trigger_bucket_arn, dependency.buckets.outputs.results_bucket_arn]
  flow_log_bucket_arn = dependency.buckets.outputs.access_log_bucket_arn
}
