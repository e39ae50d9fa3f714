# Shared configuration of every layer unit (live/<env>/<region>/layer): publishes the layer package
# of the build this environment is recorded to run (live/<env>/build.json).

locals {
  build = jsondecode(file(find_in_parent_folders("build.json")))
}

terraform {
  source = "${get_repo_root()}/modules//layer"
}

dependency "buckets" {
  config_path = "${get_terragrunt_dir()}/../buckets"

  mock_outputs = {
    artifacts_bucket_name = "fileproc-mock-artifacts-111111111111"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
  mock_outputs_merge_strategy_with_state  = "shallow"
  # `make validate` runs without credentials or state: use the mocks, read nothing.
  skip_outputs = get_env("TG_OFFLINE_VALIDATE", "false") == "true"
}

inputs = {
  artifacts_bucket_name    = dependency.buckets.outputs.artifacts_bucket_name
  package_path             = "${get_repo_root()}/build/store/${local.build.layer.sha256}.zip"
  package_sha256           = local.build.layer.sha256
  compatible_runtimes      = [local.build.runtime]
  compatible_architectures = [local.build.architecture]
}
