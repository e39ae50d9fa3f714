locals {
  # Content-addressed: the same bytes always land at the same key, so re-applying an unchanged
  # build uploads nothing and publishes nothing, and a promoted build keeps its key everywhere.
  s3_key = "${var.s3_key_prefix}${var.layer_name}/${var.package_sha256}.zip"

  # null when the file is missing, so the preconditions below can say what to do about it.
  actual_sha256 = try(filesha256(var.package_path), null)
}

resource "aws_s3_object" "package" {
  bucket             = var.artifacts_bucket_name
  key                = local.s3_key
  source             = var.package_path
  source_hash        = var.package_sha256
  checksum_algorithm = "SHA256"
  content_type       = "application/zip"
  tags               = var.tags

  lifecycle {
    precondition {
      condition     = local.actual_sha256 != null
      error_message = "Layer package ${var.package_path} does not exist: build it with `make build` (scripts/artifacts/build_packages.py) or download the CI artifact of the recorded build."
    }

    precondition {
      condition     = local.actual_sha256 == null || local.actual_sha256 == var.package_sha256
      error_message = "Layer package ${var.package_path} has SHA-256 ${coalesce(local.actual_sha256, "-")}, but this environment is recorded to run ${var.package_sha256}: rebuild from the recorded commit or promote the build you have."
    }
  }
}

resource "aws_lambda_layer_version" "this" {
  layer_name  = var.layer_name
  description = var.description
  # The signed copy (signing.tf): a new version is published when, and only when, the package
  # changes, since only then is it signed again into a new key.
  s3_bucket                = aws_signer_signing_job.package.signed_object[0].s3[0].bucket
  s3_key                   = aws_signer_signing_job.package.signed_object[0].s3[0].key
  compatible_runtimes      = var.compatible_runtimes
  compatible_architectures = var.compatible_architectures
  skip_destroy             = var.retain_replaced_versions
}

# ---------------------------------------------------------------------------------------------------
# Sharing the version with other accounts (optional)
# ---------------------------------------------------------------------------------------------------

resource "aws_lambda_layer_version_permission" "accounts" {
  for_each = toset(var.shared_with_account_ids)

  layer_name     = aws_lambda_layer_version.this.layer_arn
  version_number = aws_lambda_layer_version.this.version
  statement_id   = "account-${each.key}"
  action         = "lambda:GetLayerVersion"
  principal      = each.key
  # Kept with the version it shares, so a consumer pinned to it keeps working after a new publish.
  skip_destroy = var.retain_replaced_versions
}

resource "aws_lambda_layer_version_permission" "organization" {
  count = var.shared_with_organization_id == null ? 0 : 1

  layer_name      = aws_lambda_layer_version.this.layer_arn
  version_number  = aws_lambda_layer_version.this.version
  statement_id    = "organization"
  action          = "lambda:GetLayerVersion"
  principal       = "*"
  organization_id = var.shared_with_organization_id
  skip_destroy    = var.retain_replaced_versions
}
