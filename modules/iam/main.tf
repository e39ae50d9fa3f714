data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  function_arn      = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${var.function_name}"
  log_group_arn     = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${var.function_name}"
  failure_queue_arn = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${var.failure_queue_name}"
  trigger_queue_arn = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${coalesce(var.trigger_queue_name, "-")}"

  # "" grants the whole bucket; a prefix grants only keys under it.
  trigger_objects_arn = "${var.trigger_bucket_arn}/${var.trigger_prefix}*"
  results_objects_arn = "${var.results_bucket_arn}/${var.results_prefix}*"

  uses_kms = length(var.kms_key_arns) > 0
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    sid     = "LambdaAssumesRoleForThisAccountOnly"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    # Confused-deputy guard: only Lambda acting for this account may assume the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.role_name
  description          = "Execution role of the ${var.function_name} Lambda function"
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "permissions" {
  # S3 calls come from the function's own code, so Lambda stamps them with lambda:SourceFunctionArn:
  # the role's credentials are useless for S3 anywhere but inside this function.
  statement {
    sid       = "ReadNewObjects"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = [local.trigger_objects_arn]

    condition {
      test     = "ArnEquals"
      variable = "lambda:SourceFunctionArn"
      values   = [local.function_arn]
    }
  }

  statement {
    # Without ListBucket, S3 answers 403 instead of 404 for a key that no longer exists, and the
    # function could not tell "deleted before processing" from "access denied".
    sid       = "ListBucketsSoMissingKeysRead404"
    actions   = ["s3:ListBucket"]
    resources = [var.trigger_bucket_arn, var.results_bucket_arn]

    condition {
      test     = "ArnEquals"
      variable = "lambda:SourceFunctionArn"
      values   = [local.function_arn]
    }
  }

  statement {
    # GetObject lets the function see that a record for this object version already exists
    # (a redelivered event) and skip the work.
    sid       = "ReadAndWriteRecords"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.results_objects_arn]

    condition {
      test     = "ArnEquals"
      variable = "lambda:SourceFunctionArn"
      values   = [local.function_arn]
    }
  }

  statement {
    # The log group is created by Terraform (with retention), so no logs:CreateLogGroup.
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  statement {
    sid       = "SendFailedEventsToFailureQueue"
    actions   = ["sqs:SendMessage"]
    resources = [local.failure_queue_arn]
  }

  dynamic "statement" {
    for_each = var.trigger_mode == "sqs" ? [local.trigger_queue_arn] : []

    content {
      # The event source mapping polls the trigger queue with the function's role.
      sid       = "ConsumeTheTriggerQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
      resources = [statement.value]
    }
  }

  statement {
    # X-Ray has no resource-level permissions for these actions: "*" is the narrowest AWS offers.
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = local.uses_kms ? [var.kms_key_arns] : []

    content {
      # Only through S3 (reading uploads, writing records) and SQS (the failure queue): the role's
      # credentials cannot decrypt anything with the key directly.
      sid       = "UseProjectKeysThroughS3AndSqs"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = statement.value

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com", "sqs.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.enable_vpc_access ? [1] : []

    content {
      # Describe calls support no resource-level permissions: "*" is the narrowest AWS offers.
      sid       = "DescribeNetworkInterfaces"
      actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_vpc_access ? [1] : []

    content {
      sid = "ManageFunctionNetworkInterfaces"
      actions = [
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ]
      # Lambda creates the interfaces in subnets and security groups chosen at deploy time;
      # this account and region is the narrowest scope that does not need their IDs here.
      resources = ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:*"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.function_name}-permissions"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.permissions.json

  lifecycle {
    precondition {
      condition     = var.trigger_mode != "sqs" || var.trigger_queue_name != null
      error_message = "trigger_mode \"sqs\" needs trigger_queue_name (the root terragrunt.hcl sets it for every unit)."
    }
  }
}
