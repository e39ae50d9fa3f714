output "role_arn" {
  description = "ARN of the function's execution role (arn:aws:iam::<account>:role/<name>)."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = aws_iam_role.this.name
}

output "policy_json" {
  description = "The role's inline permissions policy as JSON, for review and tests."
  value       = data.aws_iam_policy_document.permissions.json
}
