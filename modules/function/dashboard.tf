# One CloudWatch dashboard per function and region: what the function did, how fast, what failed,
# and the alarms' states, on one screen. Every metric here is one the function (EMF, through
# Powertools) or Lambda and SQS publish; tests/e2e/test_05_changes.py checks each against the
# metrics the deployed stack emitted.

locals {
  # Every outcome the handler records (OUTCOMES in src/file_processor/processor.py; the Java
  # variant records the same); tests/e2e/test_05_changes.py checks the deployed list against it.
  outcomes = [
    "recorded",
    "already_recorded",
    "object_missing",
    "object_changed",
    "ignored_event_type",
    "refused",
    "access_denied",
    "error",
  ]

  # A metric is [namespace, name, dimension, value, ..., {options}], as the dashboard body wants it.
  function_dimension = ["FunctionName", aws_lambda_function.this.function_name]
  service_dimension  = ["service", var.service_name]
  queue_dimension    = ["QueueName", aws_sqs_queue.failures.name]

  # A widget's place: two columns of 12 grid units, 6 high.
  widget_size = { width = 12, height = 6 }

  dashboard_widgets = concat(local.function_widgets, local.trigger_widgets)

  # The trigger path of trigger_mode (trigger.tf): the queue that buffers uploads, or the rule that
  # delivers them.
  trigger_widgets = concat(
    local.trigger_sqs ? [{
      title = "Trigger queue: waiting events and the oldest one's age (s)"
      stat  = "Maximum"
      metrics = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.trigger_queue_name, { label = "waiting" }],
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", var.trigger_queue_name, { label = "oldest (s)", yAxis = "right" }],
      ]
    }] : [],
    local.trigger_eventbridge ? [{
      title = "Object-created rule: deliveries, failures, sent to the failure queue"
      stat  = "Sum"
      metrics = [
        ["AWS/Events", "Invocations", "RuleName", local.trigger_rule_name, { label = "delivered" }],
        ["AWS/Events", "FailedInvocations", "RuleName", local.trigger_rule_name, { label = "failed" }],
        ["AWS/Events", "InvocationsSentToDlq", "RuleName", local.trigger_rule_name, { label = "sent to the failure queue" }],
      ]
    }] : [],
  )

  function_widgets = [
    {
      title = "Objects and bytes recorded"
      stat  = "Sum"
      metrics = [
        concat([var.metrics_namespace, "ObjectsProcessed"], local.service_dimension, [{ label = "objects" }]),
        concat([var.metrics_namespace, "BytesProcessed"], local.service_dimension, [{ label = "bytes", yAxis = "right" }]),
      ]
    },
    {
      title   = "Outcomes by kind"
      stat    = "Sum"
      metrics = [for outcome in local.outcomes : concat([var.metrics_namespace, "Outcomes"], local.service_dimension, ["outcome", outcome, { label = outcome }])]
    },
    {
      title = "Duration (ms): p50 and p99 of invocations, p99 per object"
      stat  = "p50"
      metrics = [
        concat(["AWS/Lambda", "Duration"], local.function_dimension, [{ stat = "p50", label = "invocation p50" }]),
        concat(["AWS/Lambda", "Duration"], local.function_dimension, [{ stat = "p99", label = "invocation p99" }]),
        concat([var.metrics_namespace, "ObjectLatency"], local.service_dimension, [{ stat = "p99", label = "object p99" }]),
      ]
    },
    {
      title = "Errors, throttles, refused events, failed deliveries"
      stat  = "Sum"
      metrics = [
        concat(["AWS/Lambda", "Errors"], local.function_dimension, [{ label = "errors" }]),
        concat(["AWS/Lambda", "Throttles"], local.function_dimension, [{ label = "throttles" }]),
        concat(["AWS/Lambda", "DestinationDeliveryFailures"], local.function_dimension, [{ label = "failed deliveries to the failure queue" }]),
        concat([var.metrics_namespace, "EventsRefused"], local.service_dimension, [{ label = "refused events" }]),
      ]
    },
    {
      title = "Invocations and concurrency"
      stat  = "Maximum"
      metrics = [
        concat(["AWS/Lambda", "ConcurrentExecutions"], local.function_dimension, [{ label = "concurrent executions (max)" }]),
        concat(["AWS/Lambda", "Invocations"], local.function_dimension, [{ stat = "Sum", label = "invocations", yAxis = "right" }]),
      ]
    },
    {
      title = "Failure queue: waiting events and the oldest one's age (s)"
      stat  = "Maximum"
      metrics = [
        concat(["AWS/SQS", "ApproximateNumberOfMessagesVisible"], local.queue_dimension, [{ label = "waiting" }]),
        concat(["AWS/SQS", "ApproximateAgeOfOldestMessage"], local.queue_dimension, [{ label = "oldest (s)", yAxis = "right" }]),
      ]
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.function_name
  dashboard_body = jsonencode({
    widgets = concat(
      [
        for index, widget in local.dashboard_widgets : {
          type   = "metric"
          x      = (index % 2) * local.widget_size.width
          y      = floor(index / 2) * local.widget_size.height
          width  = local.widget_size.width
          height = local.widget_size.height
          properties = {
            title   = widget.title
            region  = local.region
            view    = "timeSeries"
            stacked = false
            period  = var.alarm_period_seconds
            stat    = widget.stat
            metrics = widget.metrics
          }
        }
      ],
      [
        {
          type   = "alarm"
          x      = 0
          y      = ceil(length(local.dashboard_widgets) / 2) * local.widget_size.height
          width  = 2 * local.widget_size.width
          height = 4
          properties = {
            title  = "Alarms (they notify ${aws_sns_topic.alarms.name})"
            alarms = sort([for alarm in aws_cloudwatch_metric_alarm.this : alarm.arn])
          }
        }
      ],
    )
  })
}
