# Shared configuration of every iam unit (live/<env>/<region>/iam).

terraform {
  source = "${get_repo_root()}/modules//iam"
}

dependency "buckets" {
  config_path = "${get_terragrunt_dir()}/../buckets"

  # Only for commands that cannot change anything; apply always reads real outputs.
  mock_outputs = {
    trigger_bucket_arn = "arn:aws:s3:::fileproc-mock-trigger-111111111111"
    results_bucket_arn = "arn:aws:s3:::fileproc-mock-results-111111111111"
    kms_key_arn        = "arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-0000-0000-000000000000"
  }
  mock_outputs_allowed_terraform_commands = ["validate", "plan"]
  mock_outputs_merge_strategy_with_state  = "shallow"
  # `make validate` runs without credentials or state: use the mocks, read nothing.
  skip_outputs = get_env("TG_OFFLINE_VALIDATE", "false") == "true"
}

inputs = {
  trigger_bucket_arn = dependency.buckets.outputs.trigger_bucket_arn
  results_bucket_arn = dependency.buckets.outputs.results_bucket_arn
  kms_key_arns       = compact([dependency.buckets.outputs.kms_key_arn])
}
