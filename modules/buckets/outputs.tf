output "trigger_bucket_name" {
  description = "Name of the bucket uploads land in; its object-created events trigger the function."
  value       = aws_s3_bucket.this["trigger"].id
}

output "trigger_bucket_arn" {
  description = "ARN of the trigger bucket (arn:aws:s3:::<name>)."
  value       = aws_s3_bucket.this["trigger"].arn
}

output "results_bucket_name" {
  description = "Name of the bucket the function writes its metadata records to (never the trigger bucket)."
  value       = aws_s3_bucket.this["results"].id
}

output "results_bucket_arn" {
  description = "ARN of the results bucket (arn:aws:s3:::<name>)."
  value       = aws_s3_bucket.this["results"].arn
}

output "artifacts_bucket_name" {
  description = "Name of the bucket holding the content-addressed layer and function packages."
  value       = aws_s3_bucket.this["artifacts"].id
}

output "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket (arn:aws:s3:::<name>)."
  value       = aws_s3_bucket.this["artifacts"].arn
}

output "access_log_bucket_name" {
  description = "Name of the bucket receiving S3 server access logs of the other three, under <purpose>/, and the VPC flow logs under vpc-flow-logs/."
  value       = aws_s3_bucket.this["access-logs"].id
}

output "access_log_bucket_arn" {
  description = "ARN of the access-log bucket, which also receives the VPC flow logs (under vpc-flow-logs/)."
  value       = aws_s3_bucket.this["access-logs"].arn
}

output "kms_key_arn" {
  description = "ARN of the customer-managed KMS key, or null when create_kms_key is false (SSE-S3)."
  value       = local.kms_key_arn
}

output "sse_algorithms" {
  description = "Default encryption of each bucket by purpose: \"aws:kms\" or \"AES256\"."
  value       = local.sse_algorithm
}

output "guardrail_policies" {
  description = "Deny statements of each bucket's policy as JSON, by purpose (part of the applied bucket policy)."
  value       = { for purpose, document in data.aws_iam_policy_document.guardrails : purpose => document.json }
}

output "audit_trail_arn" {
  description = "ARN of the CloudTrail trail recording the trigger bucket's object-level events (delivered to the access-log bucket under cloudtrail/), or null when audit_trail_enabled is false."
  value       = one(aws_cloudtrail.data_events[*].arn)
}
