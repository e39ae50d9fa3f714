# Code signing (README "Code signing"): this region's signing profile signs the layer package here,
# and the function package in the function unit, which gets the profile's version ARN from this
# unit. The function's code signing configuration (Enforce) lets Lambda deploy only code and layers
# signed by that profile version, so nothing but the recorded, signed build can run.

resource "aws_signer_signing_profile" "this" {
  # Profile names allow letters, digits and "_" only; the provider appends a unique suffix.
  name_prefix = "${substr(replace(var.layer_name, "-", "_"), 0, 37)}_"
  platform_id = "AWSLambda-SHA384-ECDSA"
  tags        = var.tags
}

# Signs the uploaded package version into signed/<layer_name>/<job ID>.zip. A new package is a
# new object version, so a new job and a new signed object; the same package is signed once.
resource "aws_signer_signing_job" "package" {
  profile_name = aws_signer_signing_profile.this.name

  source {
    s3 {
      bucket  = aws_s3_object.package.bucket
      key     = aws_s3_object.package.key
      version = aws_s3_object.package.version_id
    }
  }

  destination {
    s3 {
      bucket = var.artifacts_bucket_name
      prefix = "signed/${var.layer_name}/"
    }
  }

  ignore_signing_job_failure = false
}
