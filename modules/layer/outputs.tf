output "layer_version_arn" {
  description = "ARN of the published layer version, ending in :<version> (arn:aws:lambda:<region>:<account>:layer:<name>:<version>); give it to the function."
  value       = aws_lambda_layer_version.this.arn
}

output "layer_arn" {
  description = "ARN of the layer without its version (arn:aws:lambda:<region>:<account>:layer:<name>)."
  value       = aws_lambda_layer_version.this.layer_arn
}

output "version" {
  description = "Version number Lambda assigned to the published layer version."
  value       = aws_lambda_layer_version.this.version
}

output "package_s3_key" {
  description = "Content-addressed key of the layer package in the artifacts bucket (<prefix><layer_name>/<sha256>.zip)."
  value       = aws_s3_object.package.key
}

output "package_sha256" {
  description = "SHA-256 (hex) of the layer package this state was told to publish (the environment's record). What Lambda really serves is read from its API (scripts/release/live.py)."
  value       = var.package_sha256
}

output "code_sha256" {
  description = "Base64 SHA-256 of the signed package as Lambda reports it (CodeSha256). The unsigned package it was signed from is package_sha256, found from the signing job (scripts/release/live.py)."
  value       = aws_lambda_layer_version.this.code_sha256
}

output "signing_profile_version_arn" {
  description = "Version ARN of this region's signing profile, which signed the layer: give it to the function, whose code signing configuration allows only it."
  value       = aws_signer_signing_profile.this.version_arn
}

output "signing_profile_name" {
  description = "Name of this region's signing profile (letters, digits, \"_\"): the function unit signs its package with it."
  value       = aws_signer_signing_profile.this.name
}

output "signing_job_id" {
  description = "ID of the signing job that signed the published layer package (DescribeSigningJob names the source object version)."
  value       = aws_signer_signing_job.package.job_id
}

output "shared_layer_version_arn" {
  description = "The layer version ARN other accounts use (the same as layer_version_arn) when it is shared with any, else null."
  value       = length(var.shared_with_account_ids) > 0 || var.shared_with_organization_id != null ? aws_lambda_layer_version.this.arn : null
}

output "shared_with" {
  description = "Who may use this layer version besides this account: account IDs and the organization ID (or null)."
  value = {
    account_ids     = var.shared_with_account_ids
    organization_id = var.shared_with_organization_id
  }
}
