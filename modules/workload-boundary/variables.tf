variable "project" {
  description = "Project prefix of every resource the live tree names (the root terragrunt.hcl's local.project), 2-12 lowercase letters and digits."
  type        = string
  default     = "fileproc"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.project))
    error_message = "project must be 2-12 lowercase letters and digits starting with a letter (it is part of S3 bucket names)."
  }
}

variable "environment" {
  description = "The environment whose workload roles carry this boundary (live/<environment>/), e.g. dev. Its resources are named <project>-<environment>-*."
  type        = string

  validation {
    # "tfstate" would make <project>-<environment>-* match the state buckets <project>-tfstate-*.
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.environment)) && !contains(["github", "tfstate"], var.environment)
    error_message = "environment must be 2-16 lowercase letters and digits starting with a letter, and not \"github\" or \"tfstate\" (their names would collide with the CI roles or the state buckets)."
  }
}

variable "account_id" {
  description = "ID of the AWS account (12 digits) whose resources the workload roles may reach."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be exactly 12 digits, e.g. \"111111111111\"."
  }
}

variable "regions" {
  description = "The AWS regions the environment runs in; every regional ARN the boundary allows is in one of them."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for region in var.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", region))])
    error_message = "regions must name at least one AWS region code, e.g. [\"eu-central-1\"]."
  }
}

variable "path" {
  description = "IAM path of the boundary policy. Outside the workload name pattern, so no deploy role permission reaches it."
  type        = string
  default     = "/boundaries/"

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)+$", var.path))
    error_message = "path must start and end with \"/\" and not be \"/\" alone, e.g. \"/boundaries/\"."
  }
}

variable "tags" {
  description = "Tags added to the policy, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
