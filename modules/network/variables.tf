# ---------------------------------------------------------------------------------------------------
# Required
# ---------------------------------------------------------------------------------------------------

variable "name_prefix" {
  description = "Prefix of every resource name, e.g. \"fileproc-prod-euc1\": lowercase letters, digits and single hyphens, 3-32 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 3-32 characters of lowercase letters, digits and single hyphens, starting and ending with a letter or digit."
  }
}

variable "availability_zones" {
  description = "The availability zones that get a private subnet, by name (region.hcl lists three per region): at least two, so the function keeps running when a zone fails. Named, not counted, so the set never grows by itself when AWS adds a zone."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 6 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must name 2 to 6 distinct zones: fewer than two is not highly available."
  }

  validation {
    condition     = alltrue([for zone in var.availability_zones : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$", zone))])
    error_message = "availability_zones must be zone names such as \"eu-central-1a\" (not zone IDs such as \"euc1-az2\")."
  }
}

variable "bucket_arns" {
  description = "The environment's S3 buckets the function reads and writes (the buckets module's trigger and results buckets). The S3 endpoint's policy allows requests to these buckets and their objects only."
  type        = list(string)

  validation {
    condition     = length(var.bucket_arns) >= 1 && alltrue([for arn in var.bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", arn))])
    error_message = "bucket_arns must list at least one S3 bucket ARN (arn:aws:s3:::<bucket>), with no object path."
  }
}

variable "flow_log_bucket_arn" {
  description = "S3 bucket the VPC's flow logs are delivered to (the buckets module's access-log bucket, whose policy admits delivery.logs.amazonaws.com under vpc-flow-logs/ for this account only)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.flow_log_bucket_arn))
    error_message = "flow_log_bucket_arn must be an S3 bucket ARN (arn:aws:s3:::<bucket>)."
  }
}

# ---------------------------------------------------------------------------------------------------
# Optional
# ---------------------------------------------------------------------------------------------------

variable "cidr_block" {
  description = "IPv4 range of the VPC, /16 to /24; each private subnet gets one sixteenth of it. Pick a range that does not overlap a network you may peer with."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && try(tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 24, false)
    error_message = "cidr_block must be an IPv4 CIDR block from /16 to /24, e.g. \"10.40.0.0/16\"."
  }

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && try(cidrhost(var.cidr_block, 0) == split("/", var.cidr_block)[0], false)
    error_message = "cidr_block must start at its network address (e.g. \"10.40.0.0/16\", not \"10.40.1.0/16\")."
  }
}

variable "tracing_endpoint_enabled" {
  description = "Create an X-Ray interface endpoint: a function with active tracing (the function module always enables it) sends its trace segments to X-Ray from inside the VPC, which has no route to the internet."
  type        = bool
  default     = true
}

variable "flow_log_traffic_type" {
  description = "Which traffic the VPC flow logs record: ALL, ACCEPT or REJECT."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ALL", "ACCEPT", "REJECT"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be \"ALL\", \"ACCEPT\" or \"REJECT\"."
  }
}

variable "tags" {
  description = "Tags for every resource (the provider's default_tags add the project's own)."
  type        = map(string)
  default     = {}
}
