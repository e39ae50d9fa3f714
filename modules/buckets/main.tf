data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  # The access-log bucket is the one bucket that can never use SSE-KMS: S3 server access logging
  # only delivers to SSE-S3 buckets. Every other bucket logs into it.
  purposes           = ["trigger", "results", "artifacts", "access-logs"]
  log_bucket_purpose = "access-logs"
  logged_purposes    = [for purpose in local.purposes : purpose if purpose != local.log_bucket_purpose]

  kms_enabled = var.create_kms_key
  kms_key_arn = local.kms_enabled ? aws_kms_key.this[0].arn : null
  uses_kms    = { for purpose in local.purposes : purpose => local.kms_enabled && purpose != local.log_bucket_purpose }
  sse_algorithm = {
    for purpose, kms in local.uses_kms : purpose => kms ? "aws:kms" : "AES256"
  }
  # What an upload may ask for: the bucket's own default encryption and, in the access-log bucket
  # when the audit trail uses the customer key (audit.tf), SSE-KMS with that key, which CloudTrail
  # asks for when it delivers. No other algorithm, key or customer-provided key anywhere.
  admits_kms_key = {
    for purpose, kms in local.uses_kms : purpose => kms || (purpose == local.log_bucket_purpose && local.audit_trail_uses_kms)
  }
  admitted_sse_algorithms = {
    for purpose, kms in local.admits_kms_key : purpose => kms ? distinct([local.sse_algorithm[purpose], "aws:kms"]) : [local.sse_algorithm[purpose]]
  }

  bucket_names = { for purpose in local.purposes : purpose => "${var.name_prefix}-${purpose}-${local.account_id}" }

}

# ---------------------------------------------------------------------------------------------------
# Customer-managed key (optional)
# ---------------------------------------------------------------------------------------------------

resource "aws_kms_key" "this" {
  count = local.kms_enabled ? 1 : 0

  lifecycle {
    precondition {
      condition     = length(var.key_administrator_arns) > 0
      error_message = "create_kms_key needs key_administrator_arns (the deploy role): the key policy names who manages the key, no tag does."
    }
  }

  description             = "Encrypts the ${var.name_prefix} buckets, log groups, failure queues and alarm topics"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_days
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  count = local.kms_enabled ? 1 : 0

  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.this[0].key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_111:This is a key policy: its "*" resource means this one key, and the account statement is what lets IAM policies grant (least-privilege) use of it.
  #checkov:skip=CKV_AWS_356:This is a key policy: its "*" resource means this one key, not every resource.
  #checkov:skip=CKV_AWS_109:This is a key policy: the account root statement is AWS's required default, delegating access control to IAM policies.
  # Key policies must name the account for IAM policies to grant use of the key at all; which
  # principals may actually use it is then decided by their own (least-privilege) IAM policies.
  statement {
    sid       = "EnableIamPolicies"
    actions   = ["kms:*"]
    resources = ["*"] # In a key policy "*" means this key.

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    # The deploy role manages and uses this key because this policy names it. Its IAM policy
    # grants nothing on existing keys (modules/github-oidc), so no other key becomes its own.
    sid = "KeyAdministrationByTheDeployRole"
    actions = [
      "kms:CancelKeyDeletion",
      "kms:CreateAlias",
      "kms:Decrypt",
      "kms:DeleteAlias",
      "kms:DescribeKey",
      "kms:DisableKeyRotation",
      "kms:EnableKeyRotation",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListResourceTags",
      "kms:PutKeyPolicy",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = var.key_administrator_arns
    }
  }

  statement {
    # Lambda (environment variables) and CloudWatch Logs take grants on the key for themselves.
    sid       = "DeployRoleGrantsToAwsServicesOnly"
    actions   = ["kms:CreateGrant"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = var.key_administrator_arns
    }

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  dynamic "statement" {
    for_each = length(var.key_reader_arns) > 0 ? [var.key_reader_arns] : []

    content {
      sid       = "PlanRoleReadsTheKeyConfiguration"
      actions   = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = statement.value
      }
    }
  }

  statement {
    sid       = "CloudWatchLogsForThisProjectsLogGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${var.name_prefix}-*"]
    }
  }

  statement {
    # CloudWatch alarms publish to the (encrypted) alarm topic; an AWS-managed key would not allow it.
    sid       = "CloudWatchAlarmsToEncryptedTopics"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    # Only this deployment's alarms, not any alarm of the account.
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*"]
    }
  }

  # trigger_mode "sqs": S3 sends the trigger bucket's events to the trigger queue, encrypted with
  # this key. Only that bucket of this account.
  dynamic "statement" {
    for_each = var.trigger_mode == "sqs" ? ["arn:${local.partition}:s3:::${local.bucket_names["trigger"]}"] : []

    content {
      sid       = "TriggerBucketSendsToTheEncryptedTriggerQueue"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["s3.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [statement.value]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }

  # trigger_mode "eventbridge": the object-created rule sends what it cannot deliver to the
  # (encrypted) failure queue. Only this deployment's rules.
  dynamic "statement" {
    for_each = var.trigger_mode == "eventbridge" ? ["arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.name_prefix}-*"] : []

    content {
      sid       = "ObjectCreatedRuleSendsToTheEncryptedFailureQueue"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = [statement.value]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }

  # The audit trail (audit.tf) encrypts its log and digest files with this key: only that trail,
  # named in the encryption context CloudTrail sends and as the request's source.
  dynamic "statement" {
    for_each = var.audit_trail_enabled ? [local.audit_trail_arn] : []

    content {
      sid       = "CloudTrailEncryptsThisTrailsLogs"
      actions   = ["kms:GenerateDataKey*"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceArn"
        values   = [statement.value]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:aws:cloudtrail:arn"
        values   = [statement.value]
      }
    }
  }

  dynamic "statement" {
    for_each = var.audit_trail_enabled ? [local.audit_trail_arn] : []

    content {
      # CloudTrail reads the key's properties when the trail is created or updated.
      sid       = "CloudTrailDescribesTheKey"
      actions   = ["kms:DescribeKey"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceArn"
        values   = [statement.value]
      }
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# Buckets
# ---------------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice per environment, not a default; every region already has its own full deployment.
  #checkov:skip=CKV2_AWS_62:Only the trigger bucket needs event notifications; the function module owns that single notification configuration (a second one on the same bucket would fight it).
  #checkov:skip=CKV_AWS_19:Every bucket gets default encryption from aws_s3_bucket_server_side_encryption_configuration.this; its algorithm is picked per bucket (aws:kms or AES256) by an expression checkov cannot evaluate. The end-to-end tests read the applied encryption of each bucket.
  #checkov:skip=CKV_AWS_145:SSE-S3 is the default on purpose (no per-request KMS cost, and the access-log bucket cannot use KMS at all); set create_kms_key = true for SSE-KMS with a customer key.
  for_each = local.bucket_names

  bucket        = each.value
  force_destroy = var.force_destroy
  tags          = merge(var.tags, { Purpose = each.key })
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = aws_s3_bucket.this

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    object_ownership = "BucketOwnerEnforced" # ACLs off: the bucket owner owns every object.
  }
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.uses_kms[each.key] ? "aws:kms" : "AES256"
      kms_master_key_id = local.uses_kms[each.key] ? local.kms_key_arn : null
    }
    # S3 Bucket Keys cut KMS requests (and cost) by orders of magnitude; no effect with SSE-S3.
    bucket_key_enabled = local.uses_kms[each.key]
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  dynamic "rule" {
    for_each = each.key == local.log_bucket_purpose ? [var.access_log_expiration_days] : []

    content {
      id     = "expire-access-logs"
      status = "Enabled"

      filter {}

      expiration {
        days = rule.value
      }
    }
  }

  # The lifecycle API rejects a configuration while versioning is still being enabled.
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  for_each = toset(local.logged_purposes)

  bucket        = aws_s3_bucket.this[each.key].id
  target_bucket = aws_s3_bucket.this[local.log_bucket_purpose].id
  target_prefix = "${each.key}/"

  # Delivery is authorised by the log bucket's policy, which must exist first.
  depends_on = [aws_s3_bucket_policy.this]
}

# ---------------------------------------------------------------------------------------------------
# Bucket policies: TLS only, no foreign encryption on upload, log and audit trail delivery into the
# log bucket
# ---------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "guardrails" {
  for_each = local.bucket_names

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["arn:${local.partition}:s3:::${each.value}", "arn:${local.partition}:s3:::${each.value}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyOutdatedTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["arn:${local.partition}:s3:::${each.value}", "arn:${local.partition}:s3:::${each.value}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }

  # Every object is encrypted by the bucket default. An upload that asks for anything else (another
  # algorithm, or a customer-provided key) is denied. Uploads without an encryption header stay
  # allowed on purpose: requiring the header would break S3's own default encryption and log delivery.
  statement {
    sid       = "DenyOtherServerSideEncryption"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${each.value}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["false"]
    }

    condition {
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = local.admitted_sse_algorithms[each.key]
    }
  }

  statement {
    sid       = "DenyCustomerProvidedKeys"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${each.value}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption-customer-algorithm"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = local.admits_kms_key[each.key] ? [local.kms_key_arn] : []

    content {
      sid       = "DenyOtherKmsKeys"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = ["arn:${local.partition}:s3:::${each.value}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "Null"
        variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
        values   = ["false"]
      }

      condition {
        test     = "StringNotEquals"
        variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
        values   = [statement.value]
      }
    }
  }
}

data "aws_iam_policy_document" "log_delivery" {
  statement {
    sid       = "AllowServerAccessLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${local.bucket_names[local.log_bucket_purpose]}/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    # Confused-deputy guard: only this account's own buckets may deliver logs here.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [for purpose in local.logged_purposes : "arn:${local.partition}:s3:::${local.bucket_names[purpose]}"]
    }
  }

  # VPC flow logs of the network unit (modules/network), delivered by CloudWatch Logs' delivery
  # service; only this account's deliveries in this region, only under vpc-flow-logs/.
  statement {
    sid       = "AllowFlowLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${local.bucket_names[local.log_bucket_purpose]}/vpc-flow-logs/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:*"]
    }
  }

  statement {
    sid       = "AllowFlowLogDeliveryAclCheck"
    actions   = ["s3:GetBucketAcl", "s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${local.bucket_names[local.log_bucket_purpose]}"]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:*"]
    }
  }

  # The audit trail (audit.tf): CloudTrail checks it may read the bucket's ACL, then writes only
  # under cloudtrail/AWSLogs/<account>/, for this trail of this account only.
  dynamic "statement" {
    for_each = var.audit_trail_enabled ? [local.audit_trail_arn] : []

    content {
      sid       = "AllowCloudTrailAclCheck"
      actions   = ["s3:GetBucketAcl"]
      resources = ["arn:${local.partition}:s3:::${local.bucket_names[local.log_bucket_purpose]}"]

      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceArn"
        values   = [statement.value]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }

  dynamic "statement" {
    for_each = var.audit_trail_enabled ? [local.audit_trail_arn] : []

    content {
      sid       = "AllowCloudTrailDelivery"
      actions   = ["s3:PutObject"]
      resources = [local.audit_trail_objects]

      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceArn"
        values   = [statement.value]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }

      # CloudTrail sends it; with ACLs off (BucketOwnerEnforced) it is the only ACL S3 accepts.
      condition {
        test     = "StringEquals"
        variable = "s3:x-amz-acl"
        values   = ["bucket-owner-full-control"]
      }
    }
  }
}

data "aws_iam_policy_document" "bucket" {
  for_each = local.bucket_names

  source_policy_documents = compact([
    data.aws_iam_policy_document.guardrails[each.key].json,
    each.key == local.log_bucket_purpose ? data.aws_iam_policy_document.log_delivery.json : "",
  ])
}

resource "aws_s3_bucket_policy" "this" {
  for_each = local.bucket_names

  bucket = aws_s3_bucket.this[each.key].id
  policy = data.aws_iam_policy_document.bucket[each.key].json

  # With block_public_policy on, S3 validates the policy is not public; apply the block first.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
