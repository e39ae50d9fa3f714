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
  description = "Base64 SHA-256 of the package as Lambda reports it (CodeSha256), to compare with the deployed layer version."
  value       = aws_lambda_layer_version.this.code_sha256
}
