# ---------------------------------------------------------------------------------------------------
# Required
# ---------------------------------------------------------------------------------------------------

variable "role_name" {
  description = "Name of the function's execution role. IAM names are global to the account, so include the region: 1-64 characters of letters, digits and +=,.@_-."
  type        = string

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_- (IAM naming rules)."
  }
}

variable "function_name" {
  description = "Name of the Lambda function that assumes the role; scopes the log group and the lambda:SourceFunctionArn condition."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of letters, digits, hyphens and underscores (Lambda naming rules)."
  }
}

variable "failure_queue_name" {
  description = "Name of the SQS queue the function's on-failure destination sends to (created by the function module)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,80}$", var.failure_queue_name))
    error_message = "failure_queue_name must be 1-80 characters of letters, digits, hyphens and underscores (SQS naming rules)."
  }
}

variable "trigger_bucket_arn" {
  description = "ARN of the bucket whose new objects the function reads (arn:<partition>:s3:::<name>)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.trigger_bucket_arn))
    error_message = "trigger_bucket_arn must be an S3 bucket ARN such as arn:aws:s3:::my-bucket."
  }
}

variable "results_bucket_arn" {
  description = "ARN of the bucket the function writes its records to (arn:<partition>:s3:::<name>)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.results_bucket_arn))
    error_message = "results_bucket_arn must be an S3 bucket ARN such as arn:aws:s3:::my-bucket."
  }
}

# ---------------------------------------------------------------------------------------------------
# Optional
# ---------------------------------------------------------------------------------------------------

variable "trigger_prefix" {
  description = "Key prefix the function may read in the trigger bucket (the notification filter uses the same prefix); \"\" for the whole bucket. No leading slash."
  type        = string
  default     = ""

  validation {
    condition     = !startswith(var.trigger_prefix, "/") && length(var.trigger_prefix) <= 1024
    error_message = "trigger_prefix must not start with \"/\" (S3 keys have no leading slash) and must be at most 1024 bytes."
  }
}

variable "results_prefix" {
  description = "Key prefix the function writes records under in the results bucket; must end with \"/\"."
  type        = string
  default     = "records/"

  validation {
    condition     = can(regex("^[^/].*/$", var.results_prefix)) && length(var.results_prefix) <= 256
    error_message = "results_prefix must be a non-empty prefix ending with \"/\", without a leading slash, at most 256 characters."
  }
}

variable "kms_key_arns" {
  description = "KMS keys the function must use: the buckets' key (SSE-KMS objects) and the key of its failure queue. Empty when everything uses AWS-owned keys."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[0-9a-f-]+$", arn))])
    error_message = "kms_key_arns must hold KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>), not aliases."
  }
}

variable "enable_vpc_access" {
  description = "Grant the network-interface permissions a function attached to a VPC needs."
  type        = bool
  default     = false
}

variable "permissions_boundary_arn" {
  description = "ARN of the environment's workload permissions boundary (modules/workload-boundary, created by the account bootstrap): the role always carries it, and the deploy roles may create the role only with it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::\\d{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be the IAM policy ARN of the environment's workload boundary (arn:aws:iam::<account>:policy/boundaries/<project>-<env>-workload)."
  }
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}

variable "trigger_mode" {
  description = "How uploads reach the function (the function module's trigger_mode): with \"sqs\" the role may consume the trigger queue (trigger_queue_name)."
  type        = string
  default     = "s3"
  nullable    = false

  validation {
    condition     = contains(["s3", "eventbridge", "sqs"], var.trigger_mode)
    error_message = "trigger_mode must be one of \"s3\", \"eventbridge\", \"sqs\"."
  }
}

variable "trigger_queue_name" {
  description = "Name of the trigger queue (created by the function module when trigger_mode is \"sqs\")."
  type        = string
  default     = null

  validation {
    condition     = var.trigger_queue_name == null || can(regex("^[A-Za-z0-9_-]{1,80}$", var.trigger_queue_name))
    error_message = "trigger_queue_name must be 1-80 letters, digits, hyphens or underscores (a standard SQS queue)."
  }
}
