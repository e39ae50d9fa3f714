# ---------------------------------------------------------------------------------------------------
# Required
# ---------------------------------------------------------------------------------------------------

variable "name_prefix" {
  description = "Prefix of every bucket name, e.g. \"fileproc-dev-euc1\". Buckets are named <name_prefix>-<purpose>-<account id> (purpose: trigger, results, artifacts, access-logs), which must stay within S3's 63 characters: 3-32 characters of lowercase letters, digits and hyphens, starting and ending with a letter or digit."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 3-32 characters of lowercase letters, digits and single hyphens, starting and ending with a letter or digit (S3 bucket naming rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)."
  }

  validation {
    condition     = !startswith(var.name_prefix, "xn--") && !startswith(var.name_prefix, "sthree-") && !startswith(var.name_prefix, "amzn-s3-demo-")
    error_message = "name_prefix must not start with a prefix S3 reserves (xn--, sthree-, amzn-s3-demo-)."
  }
}

# ---------------------------------------------------------------------------------------------------
# Optional
# ---------------------------------------------------------------------------------------------------

variable "create_kms_key" {
  description = "Create a customer-managed KMS key (with rotation) and use SSE-KMS for the trigger, results and artifacts buckets. The key is exported for the function's log group, failure queue and alarm topic. When false, buckets use SSE-S3. The access-log bucket always uses SSE-S3: S3 server access logging cannot deliver to an SSE-KMS bucket."
  type        = bool
  default     = false
}

variable "key_administrator_arns" {
  description = "IAM roles the key policy names as the key's administrators and users (the environment's deploy role, arn:aws:iam::<account>:role/github-actions/<project>-github-<env>-deploy): they manage and use this key through its policy, not through a tag. Required with create_kms_key."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.key_administrator_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", arn))])
    error_message = "key_administrator_arns must be IAM role ARNs (arn:aws:iam::<account>:role/<path><name>)."
  }
}

variable "key_reader_arns" {
  description = "IAM roles the key policy lets read the key's configuration (the environment's read-only plan role), nothing else."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.key_reader_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", arn))])
    error_message = "key_reader_arns must be IAM role ARNs (arn:aws:iam::<account>:role/<path><name>)."
  }
}

variable "kms_key_deletion_window_days" {
  description = "Days KMS waits before deleting the key after it is scheduled for deletion; 7-30."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be between 7 and 30 (a KMS limit)."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted, in every bucket; 1-3650."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && var.noncurrent_version_expiration_days <= 3650
    error_message = "noncurrent_version_expiration_days must be between 1 and 3650."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted (and their parts deleted); 1-365."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && var.abort_incomplete_multipart_upload_days <= 365
    error_message = "abort_incomplete_multipart_upload_days must be between 1 and 365."
  }
}

variable "access_log_expiration_days" {
  description = "Days server access log objects are kept in the access-log bucket; 1-3650."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_expiration_days >= 1 && var.access_log_expiration_days <= 3650
    error_message = "access_log_expiration_days must be between 1 and 3650."
  }
}

variable "force_destroy" {
  description = "Allow destroying buckets that still hold objects. Leave false outside throwaway environments."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}

variable "audit_trail_enabled" {
  description = "Record every object-level request on the trigger bucket (CloudTrail data events: reads and writes of its objects, no other bucket) in a trail of this region, <name_prefix>-data-events, delivered to the access-log bucket under cloudtrail/ with log file validation, encrypted with the customer key when create_kms_key is true. On unless switched off."
  type        = bool
  default     = true

  validation {
    condition     = var.audit_trail_enabled != null
    error_message = "audit_trail_enabled must be true or false (null would leave the trigger bucket's object requests unrecorded)."
  }
}

variable "trigger_mode" {
  description = "How uploads reach the function (the function module's trigger_mode): with \"sqs\" the key policy lets the trigger bucket send to the encrypted trigger queue, with \"eventbridge\" it lets the object-created rule send to the encrypted failure queue."
  type        = string
  default     = "s3"
  nullable    = false

  validation {
    condition     = contains(["s3", "eventbridge", "sqs"], var.trigger_mode)
    error_message = "trigger_mode must be one of \"s3\", \"eventbridge\", \"sqs\"."
  }
}
