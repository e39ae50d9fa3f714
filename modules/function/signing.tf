# Code signing (README "Code signing"): the package is signed with the region's signing profile
# (created by the layer unit, which signs the layer with it), and the code signing configuration
# lets Lambda deploy only code and layers signed by that profile version. Enforce: unsigned,
# tampered or foreign code is refused at deployment, by Lambda, whoever deploys it.

locals {
  # arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>/<version>
  signing_profile_name = regex("/signing-profiles/([A-Za-z0-9_]+)/", var.signing_profile_version_arn)[0]
}

# Signs the uploaded package version into signed/functions/<function>/<job ID>.zip: a new package
# is a new object version, so a new job and a new signed key, which updates the function.
resource "aws_signer_signing_job" "package" {
  profile_name = local.signing_profile_name

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
      prefix = "signed/functions/${var.function_name}/"
    }
  }

  ignore_signing_job_failure = false
}

resource "aws_lambda_code_signing_config" "this" {
  description = "Only packages and layers signed by ${local.signing_profile_name} deploy to ${var.function_name}"

  allowed_publishers {
    signing_profile_version_arns = [var.signing_profile_version_arn]
  }

  policies {
    untrusted_artifact_on_deployment = "Enforce"
  }

  tags = var.tags
}
