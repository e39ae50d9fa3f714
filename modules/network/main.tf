data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

# The zones asked for, if this region has them and they are available.
data "aws_availability_zones" "requested" {
  state = "available"

  filter {
    name   = "zone-name"
    values = var.availability_zones
  }
}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region

  zones = var.availability_zones
  # One sixteenth of the VPC per zone, in the order listed: adding a zone at the end moves no subnet.
  subnet_cidrs = { for index, zone in local.zones : zone => cidrsubnet(var.cidr_block, 4, index) }

  bucket_resources = flatten([for arn in var.bucket_arns : [arn, "${arn}/*"]])
}

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_12:AWS creates the default security group untagged, so the deploy role (which changes only groups tagged for its environment) cannot empty it; nothing joins it here: the function and the endpoints have their own groups.
  cidr_block = var.cidr_block
  # Interface endpoints with private DNS need both: the function then reaches X-Ray by its usual name.
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = "${var.name_prefix}-vpc" })

  lifecycle {
    precondition {
      condition     = length(setsubtract(var.availability_zones, data.aws_availability_zones.requested.names)) == 0
      error_message = "availability_zones names zones that ${local.region} does not have or that are not available: ${join(", ", setsubtract(var.availability_zones, data.aws_availability_zones.requested.names))}."
    }
  }
}

resource "aws_subnet" "private" {
  for_each = local.subnet_cidrs

  vpc_id                  = aws_vpc.this.id
  availability_zone       = each.key
  cidr_block              = each.value
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name_prefix}-private-${each.key}", Tier = "private" })
}

# No internet gateway and no NAT: the only ways out are the endpoints below.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "${var.name_prefix}-private" })
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private.id
}

data "aws_iam_policy_document" "s3_endpoint" {
  statement {
    sid       = "EnvironmentBucketsOnly"
    actions   = ["s3:*"]
    resources = local.bucket_resources

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  policy            = data.aws_iam_policy_document.s3_endpoint.json

  tags = merge(var.tags, { Name = "${var.name_prefix}-s3" })
}

# Rules inline, in one place per group: the function's group only sends, the endpoints' only receive.
resource "aws_security_group" "function" {
  name        = "${var.name_prefix}-function"
  description = "The file processor: no inbound; HTTPS out to S3 (gateway endpoint) and the interface endpoints only"
  vpc_id      = aws_vpc.this.id

  egress {
    description     = "HTTPS to S3 through the gateway endpoint"
    protocol        = "tcp"
    from_port       = 443
    to_port         = 443
    prefix_list_ids = [aws_vpc_endpoint.s3.prefix_list_id]
  }

  # The interface endpoints are the only listeners inside the VPC (it has no other route out).
  egress {
    description = "HTTPS to the interface endpoints in this VPC"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = [var.cidr_block]
  }

  tags = merge(var.tags, { Name = "${var.name_prefix}-function" })
}

resource "aws_security_group" "endpoints" {
  count = var.tracing_endpoint_enabled ? 1 : 0

  name        = "${var.name_prefix}-endpoints"
  description = "Interface endpoints: HTTPS in from the function only; nothing out"
  vpc_id      = aws_vpc.this.id

  ingress {
    description     = "HTTPS from the function"
    protocol        = "tcp"
    from_port       = 443
    to_port         = 443
    security_groups = [aws_security_group.function.id]
  }

  tags = merge(var.tags, { Name = "${var.name_prefix}-endpoints" })
}

data "aws_iam_policy_document" "xray_endpoint" {
  statement {
    sid = "TraceUploadsFromThisAccountOnly"
    # What the Lambda X-Ray daemon calls (the AWSXRayDaemonWriteAccess managed policy's actions).
    actions = [
      "xray:GetSamplingRules",
      "xray:GetSamplingStatisticSummaries",
      "xray:GetSamplingTargets",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]
    resources = ["*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_vpc_endpoint" "xray" {
  count = var.tracing_endpoint_enabled ? 1 : 0

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${local.region}.xray"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [for zone in local.zones : aws_subnet.private[zone].id]
  security_group_ids  = [aws_security_group.endpoints[0].id]
  policy              = data.aws_iam_policy_document.xray_endpoint.json

  tags = merge(var.tags, { Name = "${var.name_prefix}-xray" })
}

resource "aws_flow_log" "this" {
  vpc_id               = aws_vpc.this.id
  traffic_type         = var.flow_log_traffic_type
  log_destination_type = "s3"
  log_destination      = "${var.flow_log_bucket_arn}/vpc-flow-logs/"

  tags = merge(var.tags, { Name = "${var.name_prefix}-flow-log" })
}
