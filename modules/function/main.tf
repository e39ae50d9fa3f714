data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  snapstart_enabled = var.snapstart_enabled
  vpc_enabled       = var.vpc_config != null
  # Every given subnet exists (false only while the network unit has not been applied yet).
  subnets_all_found = local.vpc_enabled && try(length(data.aws_subnets.vpc[0].ids) == length(distinct(var.vpc_config.subnet_ids)), false)
  kms_enabled       = var.kms_key_arn != null

  # Content-addressed, like the layer: unchanged code is never uploaded or deployed again.
  package_s3_key    = "functions/${var.function_name}/${var.package_sha256}${local.package_extension}"
  package_extension = endswith(var.package_path, ".jar") ? ".jar" : ".zip"
  actual_sha256     = try(filesha256(var.package_path), null)

  trigger_bucket_arn = "arn:${local.partition}:s3:::${var.trigger_bucket_name}"
  log_group_name     = "/aws/lambda/${var.function_name}"

  # Every change publishes a version, and S3 invokes the "live" alias, never $LATEST: a version is
  # what the region rollout shifts traffic to (weighted, then whole) and rolls back from, and what
  # SnapStart snapshots. live_version pins the alias while a rollout publishes the next version.
  alias_name        = "live"
  live_version      = coalesce(var.live_version, aws_lambda_function.this.version)
  invoke_qualifier  = aws_lambda_alias.live.name
  invoke_target_arn = aws_lambda_alias.live.arn

  environment = merge(
    {
      RESULTS_BUCKET               = var.results_bucket_name
      RESULTS_PREFIX               = var.results_prefix
      MAX_HASH_BYTES               = tostring(var.max_hash_bytes)
      POWERTOOLS_SERVICE_NAME      = var.service_name
      POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
    },
    # puremagic imports its deep-scan modules unless this is "0"; the function identifies in-memory
    # samples only (no file name), which never deep-scan, so they would be cold-start time for nothing.
    startswith(var.runtime, "python") ? { PUREMAGIC_DEEPSCAN = "0" } : {},
    var.environment_variables,
    # The handler refuses events from any other bucket or outside the notification's filter (the
    # same variables as notifications.tf); last, so environment_variables cannot loosen it.
    {
      TRIGGER_BUCKET = var.trigger_bucket_name
      TRIGGER_PREFIX = var.trigger_prefix
      TRIGGER_SUFFIX = var.trigger_suffix
    },
    # The one queue whose messages the handler accepts (trigger_mode "sqs").
    local.trigger_sqs ? { TRIGGER_QUEUE_ARN = local.trigger_queue_arn } : {},
  )
}

resource "aws_s3_object" "package" {
  bucket             = var.artifacts_bucket_name
  key                = local.package_s3_key
  source             = var.package_path
  source_hash        = var.package_sha256
  checksum_algorithm = "SHA256"
  content_type       = "application/zip"
  tags               = var.tags

  lifecycle {
    precondition {
      condition     = local.actual_sha256 != null
      error_message = "Function package ${var.package_path} does not exist: build it with `make build` or download the CI artifact of the recorded build."
    }

    precondition {
      condition     = local.actual_sha256 == null || local.actual_sha256 == var.package_sha256
      error_message = "Function package ${var.package_path} has SHA-256 ${coalesce(local.actual_sha256, "-")}, but this environment is recorded to run ${var.package_sha256}: rebuild from the recorded commit or promote the build you have."
    }
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# The zones of the given subnets, for the two-zone precondition below. The plural data source
# first: it finds the subnets that exist without failing on the rest, so a first plan of a region
# (the network unit's mock subnet IDs) still plans; the apply that follows the network unit's
# checks the real ones.
data "aws_subnets" "vpc" {
  count = local.vpc_enabled ? 1 : 0

  filter {
    name   = "subnet-id"
    values = var.vpc_config.subnet_ids
  }
}

data "aws_subnet" "vpc" {
  for_each = toset(local.vpc_enabled ? data.aws_subnets.vpc[0].ids : [])

  id = each.value
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Failed asynchronous invocations go to an on-failure destination (the SQS queue in failures.tf), which receives the full invocation record; a dead_letter_config would only get the event.
  #checkov:skip=CKV_AWS_117:VPC attachment is chosen per environment (env.hcl vpc_enabled: the network unit's subnets and group, on in staging, prod and local); dev runs in Lambda's own network, calling only S3 over TLS.
  #checkov:skip=CKV_AWS_173:Environment variables are encrypted with var.kms_key_arn when set, with an AWS-managed key otherwise; they hold no secrets.
  function_name = var.function_name
  description   = "Records the metadata of every object created in ${var.trigger_bucket_name}"
  role          = var.role_arn
  runtime       = var.runtime
  handler       = var.handler
  architectures = [var.architecture]
  memory_size   = var.memory_size_mb
  timeout       = var.timeout_seconds
  layers        = var.layer_arns
  kms_key_arn   = var.kms_key_arn

  # The signed copy of the package (signing.tf): a new package is a new signed key, which updates
  # the function. Code changed behind Terraform's back is refused by Lambda unless signed by the
  # profile; what a version really runs is read back through its signing job (release/live.py).
  s3_bucket               = aws_signer_signing_job.package.signed_object[0].s3[0].bucket
  s3_key                  = aws_signer_signing_job.package.signed_object[0].s3[0].key
  code_signing_config_arn = aws_lambda_code_signing_config.this.arn

  publish                        = true
  reserved_concurrent_executions = coalesce(var.reserved_concurrent_executions, -1)

  ephemeral_storage {
    size = var.ephemeral_storage_mb
  }

  environment {
    variables = local.environment
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.log_level
    system_log_level      = "WARN"
  }

  dynamic "snap_start" {
    for_each = local.snapstart_enabled ? [1] : []

    content {
      apply_on = "PublishedVersions"
    }
  }

  dynamic "vpc_config" {
    for_each = local.vpc_enabled ? [var.vpc_config] : []

    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = var.tags

  # The log group (with its retention) must exist before the first invocation, or Lambda creates
  # one that keeps logs forever.
  depends_on = [aws_cloudwatch_log_group.this]

  lifecycle {
    precondition {
      condition     = var.trigger_mode == "s3" || startswith(var.runtime, "python")
      error_message = "trigger_mode \"${var.trigger_mode}\" needs the Python function: the Java variant reads S3 notifications only (trigger_mode \"s3\")."
    }

    precondition {
      condition     = !local.subnets_all_found || length(distinct([for subnet in data.aws_subnet.vpc : subnet.availability_zone])) >= 2
      error_message = "vpc_config.subnet_ids must span at least two availability zones; the subnets given are all in one."
    }
  }
}

resource "aws_lambda_alias" "live" {
  name             = local.alias_name
  description      = "The published version S3 invokes; the region rollout moves it"
  function_name    = aws_lambda_function.this.function_name
  function_version = local.live_version

  lifecycle {
    # During a rollout the canary weights are set on the alias by scripts/release/rollout.py and
    # cleared again when it finishes or rolls back; Terraform owns only the version.
    ignore_changes = [routing_config]
  }
}
