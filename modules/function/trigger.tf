# How an uploaded object reaches the function: trigger_mode picks one of three paths (README
# "Trigger modes"). Every path ends at the "live" alias, and every failure at the failure queue.
#
#   s3           S3 notification -> async invoke (Lambda retries, then the failure queue)
#   eventbridge  S3 -> EventBridge rule (bucket, prefix, suffix) -> async invoke; events the rule
#                cannot deliver go to the failure queue as the target's dead-letter queue
#   sqs          S3 notification -> trigger queue -> event source mapping (batches, partial batch
#                responses); a message that fails max_receive_count times moves to the failure queue

locals {
  trigger_s3          = var.trigger_mode == "s3"
  trigger_eventbridge = var.trigger_mode == "eventbridge"
  trigger_sqs         = var.trigger_mode == "sqs"

  trigger_rule_name = "${var.function_name}-object-created"
  trigger_rule_arn  = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.trigger_rule_name}"
  # Known before the queue exists, like the failure queue's: its policy is set at creation. A
  # missing name is refused by the queue's precondition; "-" only keeps this string evaluable.
  trigger_queue_arn = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${coalesce(var.trigger_queue_name, "-")}"

  # EventBridge's wildcard matches prefix and suffix together; "*" and "\" in them are escaped.
  key_pattern_prefix = replace(replace(var.trigger_prefix, "\\", "\\\\"), "*", "\\*")
  key_pattern_suffix = replace(replace(var.trigger_suffix, "\\", "\\\\"), "*", "\\*")
  key_matcher = (
    var.trigger_prefix == "" && var.trigger_suffix == "" ? null :
    var.trigger_suffix == "" ? { prefix = var.trigger_prefix } :
    var.trigger_prefix == "" ? { suffix = var.trigger_suffix } :
    { wildcard = "${local.key_pattern_prefix}*${local.key_pattern_suffix}" }
  )
  object_created_pattern = {
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = merge(
      { bucket = { name = [var.trigger_bucket_name] } },
      local.key_matcher == null ? {} : { object = { key = [local.key_matcher] } },
    )
  }

  # The visibility timeout covers a whole batch's invocation, six times over, as AWS recommends for
  # event source mappings (so a retried invocation never races the first).
  trigger_queue_visibility_seconds = min(43200, 6 * var.timeout_seconds + var.sqs_trigger.maximum_batching_window_seconds)
}

# --- s3: the bucket invokes the function -----------------------------------------------------------

resource "aws_lambda_permission" "allow_trigger_bucket" {
  count = local.trigger_s3 ? 1 : 0

  statement_id  = "AllowInvokeFromTriggerBucket"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = local.invoke_qualifier
  principal     = "s3.amazonaws.com"

  # Confused-deputy guard: bucket names are global and can be re-created in another account after
  # deletion; source_account pins the invoker to this account's bucket (Security Hub Lambda.1).
  source_arn     = local.trigger_bucket_arn
  source_account = local.account_id
}

# The one notification configuration of the trigger bucket, for every mode (a second
# aws_s3_bucket_notification on the same bucket would overwrite this one on every apply).
resource "aws_s3_bucket_notification" "trigger" {
  bucket      = var.trigger_bucket_name
  eventbridge = local.trigger_eventbridge

  dynamic "lambda_function" {
    for_each = local.trigger_s3 ? [1] : []

    content {
      id                  = "invoke-${var.function_name}"
      lambda_function_arn = local.invoke_target_arn
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = var.trigger_prefix
      filter_suffix       = var.trigger_suffix
    }
  }

  dynamic "queue" {
    for_each = local.trigger_sqs ? [1] : []

    content {
      id            = "queue-for-${var.function_name}"
      queue_arn     = aws_sqs_queue.trigger[0].arn
      events        = ["s3:ObjectCreated:*"]
      filter_prefix = var.trigger_prefix
      filter_suffix = var.trigger_suffix
    }
  }

  # S3 validates the destination when the configuration is written, so the invoke permission (or
  # the queue's policy) must exist first: https://github.com/hashicorp/terraform/issues/19756
  depends_on = [aws_lambda_permission.allow_trigger_bucket, aws_sqs_queue.trigger]
}

# --- eventbridge: a rule on the default bus invokes the function ------------------------------------

resource "aws_cloudwatch_event_rule" "object_created" {
  count = local.trigger_eventbridge ? 1 : 0

  name          = local.trigger_rule_name
  description   = "Objects created in ${var.trigger_bucket_name} under the trigger prefix and suffix"
  event_pattern = jsonencode(local.object_created_pattern)
  tags          = var.tags

  lifecycle {
    # The rule matches the key as the event carries it, URL-encoded like a notification's (the
    # handler decodes it): a filter of characters that encoding keeps as they are means the same.
    precondition {
      condition     = can(regex("^[A-Za-z0-9/._~-]*$", "${var.trigger_prefix}${var.trigger_suffix}"))
      error_message = "trigger_mode \"eventbridge\" needs trigger_prefix and trigger_suffix of letters, digits and / . _ ~ - only: the rule matches URL-encoded keys."
    }
  }
}

resource "aws_cloudwatch_event_target" "function" {
  count = local.trigger_eventbridge ? 1 : 0

  rule      = aws_cloudwatch_event_rule.object_created[0].name
  target_id = "invoke-${var.function_name}"
  arn       = local.invoke_target_arn

  # EventBridge's own retries cover delivery to Lambda (throttled, permission missing); once Lambda
  # has accepted the event, the function's asynchronous retries and on-failure destination apply.
  retry_policy {
    maximum_retry_attempts       = var.eventbridge_retry.maximum_retry_attempts
    maximum_event_age_in_seconds = var.eventbridge_retry.maximum_event_age_seconds
  }

  # What EventBridge could not deliver lands where every other failure does.
  dead_letter_config {
    arn = aws_sqs_queue.failures.arn
  }

  depends_on = [aws_lambda_permission.allow_trigger_rule]
}

resource "aws_lambda_permission" "allow_trigger_rule" {
  count = local.trigger_eventbridge ? 1 : 0

  statement_id  = "AllowInvokeFromObjectCreatedRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = local.invoke_qualifier
  principal     = "events.amazonaws.com"
  # Confused-deputy guard: only this rule (whose ARN names this account) may invoke.
  source_arn = local.trigger_rule_arn
}

# --- sqs: the bucket queues events, an event source mapping polls them ------------------------------

resource "aws_sqs_queue" "trigger" {
  count = local.trigger_sqs ? 1 : 0

  name                       = var.trigger_queue_name
  visibility_timeout_seconds = local.trigger_queue_visibility_seconds
  message_retention_seconds  = var.sqs_trigger.message_retention_seconds
  policy                     = data.aws_iam_policy_document.trigger_queue.json

  # After max_receive_count failed deliveries a message moves to the failure queue (the redrive
  # queue), where the failure-queue alarms see it.
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.failures.arn
    maxReceiveCount     = var.sqs_trigger.max_receive_count
  })

  sqs_managed_sse_enabled           = local.kms_enabled ? null : true
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.kms_enabled ? 300 : null

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.trigger_queue_name != null
      error_message = "trigger_mode \"sqs\" needs trigger_queue_name (the root terragrunt.hcl sets it for every unit)."
    }

    precondition {
      condition     = var.sqs_trigger.message_retention_seconds <= var.failure_queue_retention_seconds
      error_message = "sqs_trigger.message_retention_seconds must not exceed failure_queue_retention_seconds: a message keeps its age when it moves to the redrive queue, which would drop it sooner."
    }
  }
}

data "aws_iam_policy_document" "trigger_queue" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [local.trigger_queue_arn]

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
    # Confused-deputy guard: only the trigger bucket of this account may send.
    sid       = "TriggerBucketSendsObjectEvents"
    actions   = ["sqs:SendMessage"]
    resources = [local.trigger_queue_arn]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.trigger_bucket_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_lambda_event_source_mapping" "trigger_queue" {
  count = local.trigger_sqs ? 1 : 0

  event_source_arn                   = aws_sqs_queue.trigger[0].arn
  function_name                      = local.invoke_target_arn
  batch_size                         = var.sqs_trigger.batch_size
  maximum_batching_window_in_seconds = var.sqs_trigger.maximum_batching_window_seconds
  # The handler names the failed messages; the others are deleted instead of retried.
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.sqs_trigger.maximum_concurrency
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.reserved_concurrent_executions == null || var.sqs_trigger.maximum_concurrency <= var.reserved_concurrent_executions
      error_message = "sqs_trigger.maximum_concurrency must not exceed reserved_concurrent_executions, or the mapping's invocations are throttled and messages bounce back to the queue."
    }
  }
}
