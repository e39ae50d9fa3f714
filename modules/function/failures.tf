locals {
  # Known before the queue exists, so its policy can be set when it is created: one wait for the
  # provider's attribute-propagation check (30 s) instead of two.
  failure_queue_arn = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${var.failure_queue_name}"
}

resource "aws_sqs_queue" "failures" {
  name                      = var.failure_queue_name
  message_retention_seconds = var.failure_queue_retention_seconds
  policy                    = data.aws_iam_policy_document.failures.json

  # SSE-SQS unless a customer key is in play.
  sqs_managed_sse_enabled           = local.kms_enabled ? null : true
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.kms_enabled ? 300 : null

  tags = var.tags
}

data "aws_iam_policy_document" "failures" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [local.failure_queue_arn]

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

  # trigger_mode "eventbridge": the rule's target sends what it could not deliver here (its
  # dead-letter queue). Only that rule: its ARN names this account, region and function.
  dynamic "statement" {
    for_each = local.trigger_eventbridge ? [local.trigger_rule_arn] : []

    content {
      sid       = "ObjectCreatedRuleSendsUndeliveredEvents"
      actions   = ["sqs:SendMessage"]
      resources = [local.failure_queue_arn]

      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [statement.value]
      }
    }
  }
}

# Asynchronous invocation settings: Lambda retries a failed event, then hands the whole invocation
# record (event, error, attempts) to the failure queue, where a person can inspect and replay it.
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  qualifier                    = local.invoke_qualifier
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_seconds

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failures.arn
    }
  }
}
