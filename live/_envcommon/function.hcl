# Shared configuration of every function unit (live/<env>/<region>/function): deploys the function
# package of the recorded build with the layer version the layer unit just published.

locals {
  build       = jsondecode(file(find_in_parent_folders("build.json")))
  env         = read_terragrunt_config(find_in_parent_folders("env.hcl")).locals
  vpc_enabled = local.env.vpc_enabled
}

terraform {
  source = "${get_repo_root()}/modules//function"
}

dependency "buckets" {
  config_path = "${get_terragrunt_dir()}/../buckets"

  mock_outputs = {
    trigger_bucket_name   = "fileproc-mock-trigger-111111111111"
    results_bucket_name   = "fileproc-mock-results-111111111111"
    artifacts_bucket_name = "fileproc-mock-artifacts-111111111111"
    kms_key_arn           = "arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
  mock_outputs_merge_strategy_with_state  = "shallow"
  # `make validate` runs without credentials or state: use the mocks, read nothing.
  skip_outputs = get_env("TG_OFFLINE_VALIDATE", "false") == "true"
}

dependency "iam" {
  config_path = "${get_terragrunt_dir()}/../iam"

  mock_outputs = {
    role_arn = "arn:aws:iam::111111111111:role/fileproc-mock-processor"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
  mock_outputs_merge_strategy_with_state  = "shallow"
  # `make validate` runs without credentials or state: use the mocks, read nothing.
  skip_outputs = get_env("TG_OFFLINE_VALIDATE", "false") == "true"
}

dependency "layer" {
  config_path = "${get_terragrunt_dir()}/../layer"

  mock_outputs = {
    layer_version_arn           = "arn:aws:lambda:eu-central-1:111111111111:layer:mock:1"
    signing_profile_version_arn = "arn:aws:signer:eu-central-1:111111111111:/signing-profiles/mock_profile/0000000000"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
  mock_outputs_merge_strategy_with_state  = "shallow"
  # `make validate` runs without credentials or state: use the mocks, read nothing.
  skip_outputs = get_env("TG_OFFLINE_VALIDATE", "false") == "true"
}

# Only in VPC mode (env.hcl vpc_enabled): the subnets and security group of the network unit.
dependency "network" {
  config_path = "${get_terragrunt_dir()}/../network"
  enabled     = local.vpc_enabled

  mock_outputs = {
    subnet_ids                 = ["subnet-00000000000000001", "subnet-00000000000000002"]
    function_security_group_id = "sg-00000000000000001"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
  mock_outputs_merge_strategy_with_state  = "shallow"
  # `make validate` runs without credentials or state: use the mocks, read nothing.
  skip_outputs = get_env("TG_OFFLINE_VALIDATE", "false") == "true"
}

inputs = {
  vpc_config = local.vpc_enabled ? {
    subnet_ids         = dependency.network.outputs.subnet_ids
    security_group_ids = [dependency.network.outputs.function_security_group_id]
  } : null
  role_arn              = dependency.iam.outputs.role_arn
  layer_arns            = [dependency.layer.outputs.layer_version_arn]
  trigger_bucket_name   = dependency.buckets.outputs.trigger_bucket_name
  results_bucket_name   = dependency.buckets.outputs.results_bucket_name
  artifacts_bucket_name = dependency.buckets.outputs.artifacts_bucket_name
  kms_key_arn           = dependency.buckets.outputs.kms_key_arn
  package_path          = "${get_repo_root()}/build/store/${local.build.function.sha256}.zip"
  package_sha256        = local.build.function.sha256
  runtime               = local.build.runtime
  architecture          = local.build.architecture
  handler               = local.build.handler
  # Signed with the profile that signed the layer; the function deploys nothing else (Enforce).
  signing_profile_version_arn = dependency.layer.outputs.signing_profile_version_arn
  # The Java variant exists for its cold starts: it always runs with SnapStart. The Python function
  # runs with it where env.hcl's settings say snapstart_enabled = true (README "SnapStart").
  snapstart_enabled = startswith(local.build.runtime, "java") || lookup(local.env.settings, "snapstart_enabled", false)
}
