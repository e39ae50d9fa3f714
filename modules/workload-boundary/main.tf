# The permissions boundary every workload role of one environment carries (the deploy roles may
# create or change a workload role only with it, modules/github-oidc). A boundary grants nothing:
# it is the most a role can ever do, whatever policy a deploy job writes on it. It allows what the
# function role needs in this environment and explicitly denies identity and account
# administration, so a role written with AdministratorAccess still cannot leave the environment.

data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  workload  = "${var.project}-${var.environment}-*"
  name      = "${var.project}-${var.environment}-workload"

  in_regions = { for kind in ["logs", "sqs", "sns", "kms"] : kind => [
    for region in var.regions : "arn:${local.partition}:${kind}:${region}:${var.account_id}"
  ] }
}

data "aws_iam_policy_document" "this" {
  statement {
    # Buckets and objects of this environment ("*" in an S3 ARN also matches "/").
    sid       = "ObjectsOfThisEnvironment"
    actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${local.workload}"]
  }

  statement {
    # Which keys a role may use is decided by its own policy (exact key ARNs) and the key policy.
    sid       = "UseKeysOfThisAccountInTheseRegions"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [for arn in local.in_regions.kms : "${arn}:key/*"]
  }

  statement {
    sid       = "WriteLogsOfThisEnvironment"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for arn in local.in_regions.logs : "${arn}:log-group:/aws/lambda/${local.workload}:*"]
  }

  statement {
    # Failure destinations and (queue-fed functions) their source queues.
    sid = "QueuesOfThisEnvironment"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]
    resources = [for arn in local.in_regions.sqs : "${arn}:${local.workload}"]
  }

  statement {
    sid       = "PublishToTopicsOfThisEnvironment"
    actions   = ["sns:Publish"]
    resources = [for arn in local.in_regions.sns : "${arn}:${local.workload}"]
  }

  statement {
    # A function in a VPC: Lambda manages its network interfaces with the role.
    sid = "NetworkInterfacesInTheseRegions"
    actions = [
      "ec2:AssignPrivateIpAddresses",
      "ec2:CreateNetworkInterface",
      "ec2:DeleteNetworkInterface",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = [for region in var.regions : "arn:${local.partition}:ec2:${region}:${var.account_id}:*"]
  }

  statement {
    # These accept no resource ARN; the function role's own policy grants only what it uses.
    sid = "NoResourceType"
    actions = [
      "cloudwatch:PutMetricData",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSubnets",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = var.regions
    }
  }

  statement {
    # Explicit, so no later Allow in the boundary can undo it: a workload role never manages
    # identities, the organization or the account, and never takes another role.
    sid       = "NoIdentityOrAccountAdministration"
    effect    = "Deny"
    actions   = ["iam:*", "organizations:*", "account:*", "sts:AssumeRole", "sso:*"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "this" {
  name        = local.name
  path        = var.path
  description = "Permissions boundary of every ${var.project} ${var.environment} workload role: this environment's resources only, no IAM"
  policy      = data.aws_iam_policy_document.this.json
  tags        = merge(var.tags, { Environment = var.environment, Purpose = "workload-permissions-boundary" })
}
