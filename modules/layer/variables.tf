# ---------------------------------------------------------------------------------------------------
# Required
# ---------------------------------------------------------------------------------------------------

variable "layer_name" {
  description = "Name of the Lambda layer; every published version of it shares this name. 1-140 characters of letters, digits, hyphens and underscores."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,140}$", var.layer_name))
    error_message = "layer_name must be 1-140 characters of letters, digits, hyphens and underscores (Lambda naming rules)."
  }
}

variable "artifacts_bucket_name" {
  description = "Name of the bucket the layer package is uploaded to (the buckets module's artifacts bucket)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifacts_bucket_name))
    error_message = "artifacts_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "package_path" {
  description = "Path of the layer zip built by scripts/artifacts/build_packages.py (build/<target>/layer.zip, with a python/ or java/lib/ prefix inside)."
  type        = string

  validation {
    condition     = endswith(var.package_path, ".zip")
    error_message = "package_path must point to a .zip file built by scripts/artifacts/build_packages.py."
  }
}

variable "package_sha256" {
  description = "Expected SHA-256 (hex) of the layer zip: the build this environment is recorded to run. The plan fails if the file at package_path differs, so a stale or wrong build is never published."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.package_sha256))
    error_message = "package_sha256 must be 64 lowercase hex characters (the sha256 printed by the build)."
  }
}

variable "compatible_runtimes" {
  description = "Lambda runtimes the layer is built for, e.g. [\"python3.14\"]. Up to 15."
  type        = list(string)

  validation {
    condition     = length(var.compatible_runtimes) >= 1 && length(var.compatible_runtimes) <= 15 && alltrue([for runtime in var.compatible_runtimes : can(regex("^(python3\\.\\d+|java\\d+)$", runtime))])
    error_message = "compatible_runtimes must list 1-15 runtimes such as python3.14 or java21."
  }
}

variable "compatible_architectures" {
  description = "Instruction set architectures the layer's native code targets: [\"arm64\"], [\"x86_64\"] or both."
  type        = list(string)

  validation {
    condition     = length(var.compatible_architectures) >= 1 && alltrue([for arch in var.compatible_architectures : contains(["arm64", "x86_64"], arch)])
    error_message = "compatible_architectures must be a non-empty list of \"arm64\" and/or \"x86_64\"."
  }
}

# ---------------------------------------------------------------------------------------------------
# Optional
# ---------------------------------------------------------------------------------------------------

variable "description" {
  description = "Description of the layer version (at most 256 characters)."
  type        = string
  default     = "Third-party dependencies of the file processor"

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}

variable "s3_key_prefix" {
  description = "Prefix of the content-addressed object key: the package is stored at <prefix><layer_name>/<sha256>.zip. Must end with \"/\"."
  type        = string
  default     = "layers/"

  validation {
    condition     = can(regex("^[^/].*/$", var.s3_key_prefix))
    error_message = "s3_key_prefix must end with \"/\" and must not start with one."
  }
}

variable "retain_replaced_versions" {
  description = "Keep a layer version in Lambda when a new one replaces it or on destroy, so functions still pinned to it (another region mid-rollout, a rollback) keep working. Set false for throwaway environments."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to the uploaded package object (layer versions cannot be tagged)."
  type        = map(string)
  default     = {}
}

variable "shared_with_account_ids" {
  description = "AWS account IDs (12 digits) that may use this layer version (lambda:GetLayerVersion), for functions in other accounts; [] shares with none. The layer holds third-party packages only, never configuration or secrets."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.shared_with_account_ids : can(regex("^[0-9]{12}$", id))]) && length(distinct(var.shared_with_account_ids)) == length(var.shared_with_account_ids)
    error_message = "shared_with_account_ids must be distinct 12-digit AWS account IDs, e.g. [\"222222222222\"]."
  }
}

variable "shared_with_organization_id" {
  description = "An AWS Organizations ID (o-...) whose accounts may all use this layer version, or null for none."
  type        = string
  default     = null

  validation {
    condition     = var.shared_with_organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", coalesce(var.shared_with_organization_id, "-")))
    error_message = "shared_with_organization_id must be null or an organization ID such as \"o-a1b2c3d4e5\"."
  }
}
