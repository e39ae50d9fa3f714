locals {
  alarm_prefix = var.function_name

  lambda_dimensions = { FunctionName = aws_lambda_function.this.function_name }
  queue_dimensions  = { QueueName = aws_sqs_queue.failures.name }

  outcome_dimensions = { service = var.service_name }
  thresholds         = var.alarm_thresholds

  # Outcomes that count as success for the event but need a person when they pile up: the
  # object was gone before it was read, or overwritten while being read.
  outcome_alarms = {
    objects-missing = {
      outcome     = "object_missing"
      threshold   = local.thresholds.objects_missing
      description = "objects per period were gone before the function read them (outcome object_missing): something deletes uploads early."
    }
    objects-changed = {
      outcome     = "object_changed"
      threshold   = local.thresholds.objects_changed
      description = "objects per period were overwritten while being read (outcome object_changed): producers overwrite keys in an unversioned bucket."
    }
  }

  # Alarms of the trigger path in use (trigger.tf).
  trigger_alarms = merge(
    local.trigger_sqs ? {
      trigger-queue-oldest-age = {
        description        = "An object event has waited in the trigger queue for over ${local.thresholds.trigger_queue_oldest_age_seconds} s: the function falls behind the uploads (throttled, failing, or maximum_concurrency too low)."
        namespace          = "AWS/SQS"
        metric             = "ApproximateAgeOfOldestMessage"
        statistic          = "Maximum"
        extended_statistic = null
        dimensions         = { QueueName = var.trigger_queue_name }
        threshold          = local.thresholds.trigger_queue_oldest_age_seconds
      }
    } : {},
    local.trigger_eventbridge ? {
      rule-delivery-failures = {
        description        = "EventBridge could not deliver object events to the function (FailedInvocations of the rule): they go to the failure queue after the retry policy."
        namespace          = "AWS/Events"
        metric             = "FailedInvocations"
        statistic          = "Sum"
        extended_statistic = null
        dimensions         = { RuleName = local.trigger_rule_name }
        threshold          = 0
      }
    } : {},
  )

  # Every alarm, with one shape: a statistic or a percentile (extended_statistic), and its threshold.
  alarms = merge(local.fixed_alarms, local.trigger_alarms, {
    for name, alarm in local.outcome_alarms : name => {
      description        = "Over ${alarm.threshold} ${alarm.description}"
      namespace          = var.metrics_namespace
      metric             = "Outcomes"
      statistic          = "Sum"
      extended_statistic = null
      dimensions         = merge(local.outcome_dimensions, { outcome = alarm.outcome })
      threshold          = alarm.threshold
    }
  })

  fixed_alarms = {
    errors = {
      description        = "The function raised errors (failed records or crashes); Lambda retries, then the event goes to the failure queue."
      namespace          = "AWS/Lambda"
      metric             = "Errors"
      statistic          = "Sum"
      extended_statistic = null
      dimensions         = local.lambda_dimensions
      threshold          = local.thresholds.errors
    }
    throttles = {
      description        = "Invocations were throttled: concurrency (reserved_concurrent_executions or the account's) is exhausted and events are waiting or ageing out."
      namespace          = "AWS/Lambda"
      metric             = "Throttles"
      statistic          = "Sum"
      extended_statistic = null
      dimensions         = local.lambda_dimensions
      threshold          = local.thresholds.throttles
    }
    duration-p99 = {
      description        = "The slowest 1 % of invocations take more than ${local.thresholds.duration_p99_percent_of_timeout} % of the ${var.timeout_seconds} s timeout: big objects or a slow S3 will soon time out."
      namespace          = "AWS/Lambda"
      metric             = "Duration"
      statistic          = null
      extended_statistic = "p99"
      dimensions         = local.lambda_dimensions
      threshold          = var.timeout_seconds * 1000 * local.thresholds.duration_p99_percent_of_timeout / 100
    }
    destination-delivery-failures = {
      description        = "Lambda could not deliver a failed event to the failure queue: that event is lost unless acted on."
      namespace          = "AWS/Lambda"
      metric             = "DestinationDeliveryFailures"
      statistic          = "Sum"
      extended_statistic = null
      dimensions         = local.lambda_dimensions
      threshold          = 0
    }
    failure-queue-not-empty = {
      description        = "Events that failed every retry are waiting in the failure queue for a person to inspect and replay."
      namespace          = "AWS/SQS"
      metric             = "ApproximateNumberOfMessagesVisible"
      statistic          = "Maximum"
      extended_statistic = null
      dimensions         = local.queue_dimensions
      threshold          = 0
    }
    failure-queue-oldest-age = {
      description        = "A failed event has waited in the failure queue for over ${local.thresholds.failure_queue_oldest_age_seconds} s: nobody has replayed or dismissed it."
      namespace          = "AWS/SQS"
      metric             = "ApproximateAgeOfOldestMessage"
      statistic          = "Maximum"
      extended_statistic = null
      dimensions         = local.queue_dimensions
      threshold          = local.thresholds.failure_queue_oldest_age_seconds
    }
    events-refused = {
      description        = "The function refused events for another bucket or keys outside its trigger filter (EventsRefused): a misrouted notification or someone invoking it by hand."
      namespace          = var.metrics_namespace
      metric             = "EventsRefused"
      statistic          = "Sum"
      extended_statistic = null
      dimensions         = local.outcome_dimensions
      threshold          = local.thresholds.events_refused
    }
  }
}

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:Encrypted with var.kms_key_arn when set. CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed alias/aws/sns key, so without a customer key the topic stays unencrypted; it carries only alarm state changes.
  name              = "${var.function_name}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags

  lifecycle {
    precondition {
      condition     = length(var.alarm_email_addresses) + length(var.alarm_https_endpoints) > 0
      error_message = "The alarms must reach a person: set alarm_email_addresses or alarm_https_endpoints (env.hcl settings)."
    }
  }
}

data "aws_iam_policy_document" "alarms" {
  statement {
    sid       = "CloudWatchAlarmsOfThisFunction"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${local.alarm_prefix}-*"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish", "sns:Subscribe"]
    resources = [aws_sns_topic.alarms.arn]

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
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms.json
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_sns_topic_subscription" "alarm_https" {
  for_each = toset(var.alarm_https_endpoints)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "https"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.alarm_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  extended_statistic  = each.value.extended_statistic
  dimensions          = each.value.dimensions
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  # No data means nothing happened: no invocations, no throttles, an empty queue.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]
  tags               = var.tags
}
