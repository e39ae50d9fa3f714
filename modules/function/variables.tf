# ---------------------------------------------------------------------------------------------------
# Required
# ---------------------------------------------------------------------------------------------------

variable "function_name" {
  description = "Name of the Lambda function: 1-64 characters of letters, digits, hyphens and underscores. Its log group is /aws/lambda/<function_name>."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of letters, digits, hyphens and underscores (Lambda naming rules)."
  }
}

variable "role_arn" {
  description = "ARN of the execution role (the iam module's role_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
  }
}

variable "signing_profile_version_arn" {
  description = "Version ARN of the region's signing profile (the layer module's signing_profile_version_arn): the package is signed with it, and the code signing configuration (Enforce) allows only code and layers it signed."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:signer:[a-z0-9-]+:\\d{12}:/signing-profiles/[A-Za-z0-9_]{2,64}/[A-Za-z0-9]{1,64}$", var.signing_profile_version_arn))
    error_message = "signing_profile_version_arn must be a signing profile version ARN (arn:aws:signer:<region>:<account>:/signing-profiles/<name>/<version>)."
  }
}

variable "artifacts_bucket_name" {
  description = "Name of the bucket the function package is uploaded to (the buckets module's artifacts bucket)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifacts_bucket_name))
    error_message = "artifacts_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "package_path" {
  description = "Path of the function zip built by scripts/artifacts/build_packages.py (build/<target>/function.zip): the project's own code only."
  type        = string

  validation {
    condition     = endswith(var.package_path, ".zip") || endswith(var.package_path, ".jar")
    error_message = "package_path must point to a .zip (or .jar) file built by the project's build."
  }
}

variable "package_sha256" {
  description = "Expected SHA-256 (hex) of the function package: the build this environment is recorded to run. The plan fails if the file at package_path differs."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.package_sha256))
    error_message = "package_sha256 must be 64 lowercase hex characters (the sha256 printed by the build)."
  }
}

variable "layer_arns" {
  description = "Layer version ARNs the function runs with, in order (at most 5), each ending in :<version>."
  type        = list(string)

  validation {
    condition     = length(var.layer_arns) <= 5 && alltrue([for arn in var.layer_arns : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\\d{12}:layer:[a-zA-Z0-9_-]+:\\d+$", arn))])
    error_message = "layer_arns must hold at most 5 layer version ARNs (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)."
  }
}

variable "trigger_bucket_name" {
  description = "Name of the bucket whose object-created events invoke the function. This module owns the bucket's single notification configuration."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.trigger_bucket_name))
    error_message = "trigger_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "results_bucket_name" {
  description = "Name of the bucket the function writes records to. Must differ from the trigger bucket: writing back into it would invoke the function recursively."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.results_bucket_name))
    error_message = "results_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }

  validation {
    condition     = var.results_bucket_name != var.trigger_bucket_name
    error_message = "results_bucket_name must differ from trigger_bucket_name: records written to the trigger bucket would invoke the function again, recursively."
  }
}

variable "failure_queue_name" {
  description = "Name of the SQS queue created as the on-failure destination of asynchronous invocations."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,80}$", var.failure_queue_name))
    error_message = "failure_queue_name must be 1-80 characters of letters, digits, hyphens and underscores (SQS naming rules)."
  }
}

# ---------------------------------------------------------------------------------------------------
# Optional: runtime
# ---------------------------------------------------------------------------------------------------

variable "runtime" {
  description = "Lambda runtime identifier: a Python runtime (python3.12 or newer; SnapStart needs 3.12+) or java21/java17 for the Java variant. See https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html."
  type        = string
  default     = "python3.14"

  validation {
    condition     = can(regex("^(python3\\.(1[2-9])|java(17|21|25))$", var.runtime))
    error_message = "runtime must be python3.12 or newer, or java17/java21/java25."
  }
}

variable "handler" {
  description = "Handler entry point: module.function for Python, package.Class::method for Java."
  type        = string
  default     = "file_processor.handler.handler"

  validation {
    condition     = length(var.handler) >= 1 && length(var.handler) <= 128
    error_message = "handler must be 1-128 characters."
  }
}

variable "architecture" {
  description = "Instruction set the function runs on: \"arm64\" (Graviton, cheaper per GB-second) or \"x86_64\". The layer must be built for the same one."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "memory_size_mb" {
  description = "Memory in MB, 128-10240; CPU is allocated in proportion."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size_mb >= 128 && var.memory_size_mb <= 10240 && floor(var.memory_size_mb) == var.memory_size_mb
    error_message = "memory_size_mb must be a whole number between 128 and 10240."
  }
}

variable "timeout_seconds" {
  description = "Invocation timeout in seconds, 1-900. Hashing a large object takes time: size it for max_hash_bytes."
  type        = number
  default     = 300

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 1 and 900."
  }
}

variable "ephemeral_storage_mb" {
  description = "Size of /tmp in MB, 512-10240. SnapStart supports at most 512."
  type        = number
  default     = 512

  validation {
    condition     = var.ephemeral_storage_mb >= 512 && var.ephemeral_storage_mb <= 10240
    error_message = "ephemeral_storage_mb must be between 512 and 10240."
  }

  validation {
    condition     = !(var.snapstart_enabled && var.ephemeral_storage_mb > 512)
    error_message = "SnapStart does not support ephemeral storage above 512 MB: lower ephemeral_storage_mb or disable snapstart_enabled."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function, and its ceiling: at most this many invocations run at once, more are throttled (the throttles alarm) and Lambda retries them for up to 6 hours. It also keeps a burst of uploads from starving the account's other functions. 0 stops every invocation; null takes no reservation and no ceiling (the account's unreserved pool). AWS refuses a value that leaves less than 100 of the account's concurrency unreserved: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"
  type        = number
  default     = 10

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 0 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions, false)
    error_message = "reserved_concurrent_executions must be null or a whole number >= 0 (0 stops all invocations)."
  }
}

variable "snapstart_enabled" {
  description = "Enable SnapStart on published versions (every change publishes one, and S3 invokes the \"live\" alias in any case). Needs python3.12+ or java."
  type        = bool
  default     = false
}

variable "live_version" {
  description = "Published version the \"live\" alias (which S3 invokes) points at, or null for the version this apply publishes. Only the region rollout sets it (TF_VAR_live_version, scripts/release/rollout.py): it keeps the alias on the running version while the next one is published, then shifts traffic itself."
  type        = string
  default     = null

  validation {
    condition     = var.live_version == null || can(regex("^[1-9][0-9]*$", var.live_version))
    error_message = "live_version must be null or a published version number such as \"7\" ($LATEST cannot be pinned)."
  }
}

variable "vpc_config" {
  description = "Attach the function to a VPC: subnets in at least two availability zones, and security groups. null keeps it outside any VPC (it then reaches S3 over AWS's public endpoints, with TLS). In a VPC it needs an S3 endpoint (and an X-Ray one for its traces) or a NAT: the network module makes both endpoints."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null

  validation {
    condition     = var.vpc_config == null || try(length(distinct(var.vpc_config.subnet_ids)) >= 2, false)
    error_message = "vpc_config.subnet_ids must list at least two subnets, in different availability zones, so the function survives the loss of one zone."
  }

  validation {
    condition     = var.vpc_config == null || try(length(var.vpc_config.security_group_ids) >= 1, false)
    error_message = "vpc_config.security_group_ids must list at least one security group."
  }
}

# ---------------------------------------------------------------------------------------------------
# Optional: trigger and processing
# ---------------------------------------------------------------------------------------------------

variable "trigger_mode" {
  description = "How an uploaded object reaches the function: \"s3\" (the bucket invokes it), \"eventbridge\" (a rule on the default bus invokes it, with retries and a dead-letter queue) or \"sqs\" (the bucket queues events, an event source mapping delivers them in batches). README \"Trigger modes\" says when to pick each."
  type        = string
  default     = "s3"
  nullable    = false

  validation {
    condition     = contains(["s3", "eventbridge", "sqs"], var.trigger_mode)
    error_message = "trigger_mode must be one of \"s3\", \"eventbridge\", \"sqs\"."
  }
}

variable "trigger_queue_name" {
  description = "Name of the SQS queue the trigger bucket sends events to (trigger_mode \"sqs\"); the iam module grants the function role to consume it."
  type        = string
  default     = null

  validation {
    condition     = var.trigger_queue_name == null || can(regex("^[A-Za-z0-9_-]{1,80}$", var.trigger_queue_name))
    error_message = "trigger_queue_name must be 1-80 letters, digits, hyphens or underscores (a standard SQS queue)."
  }
}

variable "sqs_trigger" {
  description = "The event source mapping of trigger_mode \"sqs\": batch_size messages per invocation (1-10000; above 10 needs a batching window), maximum_batching_window_seconds to fill a batch (0-300), maximum_concurrency invocations at once (2-1000, at most reserved_concurrent_executions), max_receive_count deliveries before a message moves to the failure queue (1-1000), message_retention_seconds on the trigger queue (60-1209600)."
  type = object({
    batch_size                      = optional(number, 10)
    maximum_batching_window_seconds = optional(number, 1)
    maximum_concurrency             = optional(number, 5)
    max_receive_count               = optional(number, 5)
    message_retention_seconds       = optional(number, 345600)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.sqs_trigger.batch_size >= 1 && var.sqs_trigger.batch_size <= 10000 && floor(var.sqs_trigger.batch_size) == var.sqs_trigger.batch_size
    error_message = "sqs_trigger.batch_size must be a whole number between 1 and 10000."
  }

  validation {
    condition     = var.sqs_trigger.maximum_batching_window_seconds >= 0 && var.sqs_trigger.maximum_batching_window_seconds <= 300
    error_message = "sqs_trigger.maximum_batching_window_seconds must be between 0 and 300."
  }

  validation {
    condition     = var.sqs_trigger.batch_size <= 10 || var.sqs_trigger.maximum_batching_window_seconds >= 1
    error_message = "sqs_trigger.batch_size above 10 needs maximum_batching_window_seconds of at least 1 (an SQS event source mapping rule)."
  }

  validation {
    condition     = var.sqs_trigger.maximum_concurrency >= 2 && var.sqs_trigger.maximum_concurrency <= 1000
    error_message = "sqs_trigger.maximum_concurrency must be between 2 and 1000."
  }

  validation {
    condition     = var.sqs_trigger.max_receive_count >= 1 && var.sqs_trigger.max_receive_count <= 1000
    error_message = "sqs_trigger.max_receive_count must be between 1 and 1000."
  }

  validation {
    condition     = var.sqs_trigger.message_retention_seconds >= 60 && var.sqs_trigger.message_retention_seconds <= 1209600
    error_message = "sqs_trigger.message_retention_seconds must be between 60 and 1209600."
  }
}

variable "eventbridge_retry" {
  description = "The rule target's retry policy of trigger_mode \"eventbridge\": how often (0-185) and how long (60-86400 s) EventBridge retries delivering an event to Lambda before it goes to the failure queue."
  type = object({
    maximum_retry_attempts    = optional(number, 185)
    maximum_event_age_seconds = optional(number, 86400)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.eventbridge_retry.maximum_retry_attempts >= 0 && var.eventbridge_retry.maximum_retry_attempts <= 185
    error_message = "eventbridge_retry.maximum_retry_attempts must be between 0 and 185."
  }

  validation {
    condition     = var.eventbridge_retry.maximum_event_age_seconds >= 60 && var.eventbridge_retry.maximum_event_age_seconds <= 86400
    error_message = "eventbridge_retry.maximum_event_age_seconds must be between 60 and 86400."
  }
}

variable "trigger_prefix" {
  description = "Only objects whose key starts with this prefix invoke the function; \"\" for all. Must match the iam module's trigger_prefix."
  type        = string
  default     = ""

  validation {
    condition     = !startswith(var.trigger_prefix, "/") && length(var.trigger_prefix) <= 1024
    error_message = "trigger_prefix must not start with \"/\" and must be at most 1024 bytes."
  }
}

variable "trigger_suffix" {
  description = "Only objects whose key ends with this suffix (e.g. \".pdf\") invoke the function; \"\" for all."
  type        = string
  default     = ""

  validation {
    condition     = length(var.trigger_suffix) <= 1024
    error_message = "trigger_suffix must be at most 1024 bytes."
  }
}

variable "results_prefix" {
  description = "Key prefix of the records in the results bucket; must end with \"/\" and match the iam module's results_prefix."
  type        = string
  default     = "records/"

  validation {
    condition     = can(regex("^[^/].*/$", var.results_prefix))
    error_message = "results_prefix must be a non-empty prefix ending with \"/\", without a leading slash."
  }
}

variable "max_hash_bytes" {
  description = "Largest object, in bytes, whose SHA-256 the function computes; larger objects get a record saying the hash was skipped. 0 disables hashing."
  type        = number
  default     = 1073741824

  validation {
    condition     = var.max_hash_bytes >= 0 && floor(var.max_hash_bytes) == var.max_hash_bytes
    error_message = "max_hash_bytes must be a whole number of bytes >= 0."
  }
}

variable "environment_variables" {
  description = "Extra environment variables for the function, merged over the ones this module sets (RESULTS_BUCKET, RESULTS_PREFIX, MAX_HASH_BYTES, POWERTOOLS_*). Never put secrets here."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.environment_variables) : can(regex("^[a-zA-Z][a-zA-Z0-9_]*$", name)) && !startswith(name, "AWS_")])
    error_message = "environment_variables names must be letters, digits and underscores, start with a letter, and not start with AWS_ (reserved by Lambda)."
  }
}

variable "service_name" {
  description = "Service name in logs, traces and metric dimensions (POWERTOOLS_SERVICE_NAME)."
  type        = string
  default     = "file-processor"
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's own (EMF) metrics (POWERTOOLS_METRICS_NAMESPACE)."
  type        = string
  default     = "FileProcessor"

  validation {
    condition     = can(regex("^[a-zA-Z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters of letters, digits and ._/#:- and must not start with AWS/."
  }
}

# ---------------------------------------------------------------------------------------------------
# Optional: logging, failures and alarms
# ---------------------------------------------------------------------------------------------------

variable "log_level" {
  description = "Application log level, one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (Lambda's JSON log-level filtering)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "log_retention_days" {
  description = "Days the function's logs are kept; one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (the values CloudWatch Logs accepts)."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the log group, failure queue, alarm topic and environment variables, or null to use AWS-owned keys (the queue then uses SSE-SQS)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[0-9a-f-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) or null."
  }
}

variable "maximum_retry_attempts" {
  description = "Times Lambda retries a failed asynchronous invocation before sending it to the failure queue; 0-2."
  type        = number
  default     = 2

  validation {
    condition     = contains([0, 1, 2], var.maximum_retry_attempts)
    error_message = "maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "maximum_event_age_seconds" {
  description = "Oldest age, in seconds, at which Lambda still tries an asynchronous event before sending it to the failure queue; 60-21600."
  type        = number
  default     = 21600

  validation {
    condition     = var.maximum_event_age_seconds >= 60 && var.maximum_event_age_seconds <= 21600
    error_message = "maximum_event_age_seconds must be between 60 and 21600 (6 hours)."
  }
}

variable "failure_queue_retention_seconds" {
  description = "Seconds a failed event stays in the failure queue; 60-1209600 (14 days, the SQS maximum)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.failure_queue_retention_seconds >= 60 && var.failure_queue_retention_seconds <= 1209600
    error_message = "failure_queue_retention_seconds must be between 60 and 1209600."
  }
}

variable "alarm_period_seconds" {
  description = "Evaluation period of the alarms, in seconds: 60 or a multiple of 60."
  type        = number
  default     = 300

  validation {
    condition     = var.alarm_period_seconds >= 60 && var.alarm_period_seconds % 60 == 0
    error_message = "alarm_period_seconds must be 60 or a multiple of 60."
  }
}

variable "alarm_email_addresses" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm the subscription). This or alarm_https_endpoints must name at least one: an alarm nobody receives protects nothing."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for address in var.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", address))])
    error_message = "alarm_email_addresses must hold e-mail addresses."
  }
}

variable "alarm_https_endpoints" {
  description = "HTTPS webhooks (a chat or paging integration's URL) subscribed to the alarm topic; each must confirm the subscription as SNS requires."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for url in var.alarm_https_endpoints : can(regex("^https://[^/\\s]+(/\\S*)?$", url))])
    error_message = "alarm_https_endpoints must hold https:// URLs (SNS delivers alarms to HTTPS endpoints only, never plain HTTP here)."
  }
}

variable "alarm_thresholds" {
  description = "Every alarm's threshold, in one place: alarm when a period's value is above it. errors, throttles, objects_missing (object gone before it was read), objects_changed (overwritten while being read) and events_refused (an event for another bucket or key, the handler's defence) count per alarm_period_seconds; duration_p99_percent_of_timeout is the p99 duration as a share of timeout_seconds; failure_queue_oldest_age_seconds is how long a failed event may wait for a person; trigger_queue_oldest_age_seconds (trigger_mode \"sqs\") how long an event may wait to be processed."
  type = object({
    errors                           = optional(number, 0)
    throttles                        = optional(number, 0)
    duration_p99_percent_of_timeout  = optional(number, 80)
    failure_queue_oldest_age_seconds = optional(number, 3600)
    objects_missing                  = optional(number, 10)
    objects_changed                  = optional(number, 10)
    events_refused                   = optional(number, 0)
    trigger_queue_oldest_age_seconds = optional(number, 300)
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for name, value in var.alarm_thresholds : value >= 0 && floor(value) == value
    ])
    error_message = "alarm_thresholds must all be whole numbers >= 0."
  }

  validation {
    condition     = var.alarm_thresholds.duration_p99_percent_of_timeout >= 1 && var.alarm_thresholds.duration_p99_percent_of_timeout <= 100
    error_message = "alarm_thresholds.duration_p99_percent_of_timeout must be between 1 and 100 (percent of timeout_seconds)."
  }

  validation {
    condition     = var.alarm_thresholds.trigger_queue_oldest_age_seconds >= 60
    error_message = "alarm_thresholds.trigger_queue_oldest_age_seconds must be at least 60 (SQS publishes the age once a minute)."
  }

  validation {
    condition     = var.alarm_thresholds.failure_queue_oldest_age_seconds >= 60
    error_message = "alarm_thresholds.failure_queue_oldest_age_seconds must be at least 60 (SQS publishes the age once a minute)."
  }
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
