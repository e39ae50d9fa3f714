output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function (arn:aws:lambda:<region>:<account>:function:<name>)."
  value       = aws_lambda_function.this.arn
}

output "invoke_target_arn" {
  description = "ARN the bucket notification invokes: the \"live\" alias (arn:aws:lambda:<region>:<account>:function:<name>:live)."
  value       = local.invoke_target_arn
}

output "alias_name" {
  description = "Name of the alias S3 invokes (\"live\")."
  value       = aws_lambda_alias.live.name
}

output "published_version" {
  description = "Newest published version number (every change publishes one), e.g. \"7\"."
  value       = aws_lambda_function.this.version
}

output "live_version" {
  description = "Version the \"live\" alias points at: published_version, unless a rollout pinned the previous one."
  value       = aws_lambda_alias.live.function_version
}

output "code_sha256" {
  description = "Base64 SHA-256 of the deployed, signed package as Lambda reports it (CodeSha256). The unsigned package it was signed from is package_sha256, found from the signing job (scripts/release/live.py)."
  value       = aws_lambda_function.this.code_sha256
}

output "code_signing_config_arn" {
  description = "ARN of the function's code signing configuration (Enforce, the region's signing profile version only)."
  value       = aws_lambda_code_signing_config.this.arn
}

output "signing_job_id" {
  description = "ID of the signing job that signed the deployed package (DescribeSigningJob names the source object version)."
  value       = aws_signer_signing_job.package.job_id
}

output "package_sha256" {
  description = "SHA-256 (hex) of the function package this state was told to deploy (the environment's record). What Lambda really serves is read from its API (scripts/release/live.py)."
  value       = var.package_sha256
}

output "package_s3_key" {
  description = "Content-addressed key of the function package in the artifacts bucket (functions/<name>/<sha256>.zip)."
  value       = aws_s3_object.package.key
}

output "log_group_name" {
  description = "CloudWatch log group holding the function's JSON logs (/aws/lambda/<name>)."
  value       = aws_cloudwatch_log_group.this.name
}

output "failure_queue_arn" {
  description = "ARN of the SQS queue that receives events which failed every retry."
  value       = aws_sqs_queue.failures.arn
}

output "failure_queue_url" {
  description = "URL of the failure queue, for inspecting and replaying failed events."
  value       = aws_sqs_queue.failures.url
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic the alarms notify."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of the function's CloudWatch alarms (errors, throttles, p99 duration, destination delivery failures, failure queue depth and age, missing and changed objects, refused events); the region rollout waits for all of them to be OK."
  value       = [for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name]
}

output "trigger_bucket_name" {
  description = "Name of the bucket whose object-created events invoke the function."
  value       = var.trigger_bucket_name
}

output "trigger_prefix" {
  description = "Key prefix of the objects that invoke the function (\"\" for all)."
  value       = var.trigger_prefix
}

output "trigger_suffix" {
  description = "Key suffix of the objects that invoke the function (\"\" for all)."
  value       = var.trigger_suffix
}

output "results_bucket_name" {
  description = "Name of the bucket the function writes its records to."
  value       = var.results_bucket_name
}

output "results_prefix" {
  description = "Key prefix of the records in the results bucket (ends with \"/\")."
  value       = var.results_prefix
}

output "dashboard_name" {
  description = "Name of the function's CloudWatch dashboard in this region (the function's name): open it at CloudWatch > Dashboards."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "trigger_mode" {
  description = "How uploads reach the function: s3, eventbridge or sqs."
  value       = var.trigger_mode
}

output "trigger_rule_name" {
  description = "The EventBridge rule that invokes the function (trigger_mode eventbridge), else null."
  value       = one(aws_cloudwatch_event_rule.object_created[*].name)
}

output "trigger_queue_url" {
  description = "The SQS queue the trigger bucket sends events to (trigger_mode sqs), else null."
  value       = one(aws_sqs_queue.trigger[*].url)
}

output "trigger_queue_arn" {
  description = "ARN of the trigger queue (trigger_mode sqs), else null."
  value       = one(aws_sqs_queue.trigger[*].arn)
}
