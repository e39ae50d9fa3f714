# ---------------------------------------------------------------------------------------------------
# Audit trail: CloudTrail data events of the trigger bucket's objects (on unless switched off)
# ---------------------------------------------------------------------------------------------------
#
# One trail per environment and region, recording every object-level request (reads and writes) on
# the trigger bucket and nothing else: the selectors name that bucket's object ARN prefix only, so
# the results, artifacts and access-log buckets (whose writes would include the trail's own
# deliveries) are never logged. Delivered to the access-log bucket under cloudtrail/, with log file
# validation (signed hourly digest files), encrypted with the customer key when the module has one.

locals {
  audit_trail_name   = "${var.name_prefix}-data-events"
  audit_trail_prefix = "cloudtrail"
  # Built as a string, not read from the trail: the log bucket's and the key's policies name the
  # trail, and the trail can only be created once both let CloudTrail in (a reference would be a
  # cycle).
  audit_trail_arn = "arn:${local.partition}:cloudtrail:${local.region}:${local.account_id}:trail/${local.audit_trail_name}"
  # Where CloudTrail writes (and only there): <prefix>/AWSLogs/<account>/CloudTrail/ and
  # .../CloudTrail-Digest/.
  audit_trail_objects = "arn:${local.partition}:s3:::${local.bucket_names[local.log_bucket_purpose]}/${local.audit_trail_prefix}/AWSLogs/${local.account_id}/*"
  # The trail's log files are SSE-KMS objects in the (SSE-S3) access-log bucket when the module has
  # its key: that bucket's policy then also admits uploads asking for this key (and no other).
  audit_trail_uses_kms = var.audit_trail_enabled && local.kms_enabled
}

resource "aws_cloudtrail" "data_events" {
  #checkov:skip=CKV_AWS_67:A data-event trail for one regional bucket: each region's deployment has its own; account-wide management events across all regions are the account's (or organization's) trail, not this module's.
  #checkov:skip=CKV_AWS_252:No SNS notification per delivered log file: nobody acts on each file; the files are read when auditing, and validation proves them complete.
  #checkov:skip=CKV2_AWS_10:Data events of every object request are not sent to CloudWatch Logs (cost, and a second copy to protect); the S3 delivery with log file validation is the record, queried where it lies.
  count = var.audit_trail_enabled ? 1 : 0

  name           = local.audit_trail_name
  s3_bucket_name = aws_s3_bucket.this[local.log_bucket_purpose].id
  s3_key_prefix  = local.audit_trail_prefix
  kms_key_id     = local.kms_key_arn

  enable_logging                = true
  enable_log_file_validation    = true
  is_multi_region_trail         = false
  include_global_service_events = false

  advanced_event_selector {
    name = "Object-level events of the trigger bucket only"

    field_selector {
      field  = "eventCategory"
      equals = ["Data"]
    }

    field_selector {
      field  = "resources.type"
      equals = ["AWS::S3::Object"]
    }

    # Exactly this bucket's objects: the trailing "/" keeps out a bucket whose name merely starts
    # with this one's.
    field_selector {
      field       = "resources.ARN"
      starts_with = ["${aws_s3_bucket.this["trigger"].arn}/"]
    }
  }

  tags = var.tags

  # CloudTrail checks at creation that the log bucket's policy lets it deliver (and, with KMS, the
  # key policy, which the key carries from its creation).
  depends_on = [aws_s3_bucket_policy.this]
}
