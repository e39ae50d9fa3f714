output "arn" {
  description = "ARN of the boundary policy: the iam units' permissions_boundary_arn and the value the deploy role's iam:PermissionsBoundary condition requires."
  value       = aws_iam_policy.this.arn
}

output "name" {
  description = "Name of the boundary policy."
  value       = aws_iam_policy.this.name
}

output "policy_json" {
  description = "The boundary document, for review and for the policy analysis in the tests."
  value       = data.aws_iam_policy_document.this.json
}
