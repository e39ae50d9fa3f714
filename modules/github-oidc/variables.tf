# ---------------------------------------------------------------------------------------------------
# Required
# ---------------------------------------------------------------------------------------------------

variable "account_id" {
  description = "ID of the AWS account this is applied to (12 digits). Every ARN the roles may touch is built from it, and apply stops if the credentials in use belong to another account."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be exactly 12 digits, e.g. \"111111111111\" (the account ID, not its alias)."
  }
}

variable "github_repository" {
  description = "The GitHub repository whose workflows may assume the roles, as owner/name spelled exactly as GitHub shows it (the token's sub claim is compared case-sensitively), e.g. \"acme/file-processor\"."
  type        = string

  validation {
    # GitHub owner names: letters, digits and single hyphens, at most 39 characters; repository
    # names: letters, digits, '.', '_' and '-', at most 100 characters.
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be owner/name, e.g. \"acme/file-processor\": an owner of 1-39 letters, digits and single hyphens, then a name of letters, digits, '.', '_' and '-'."
  }
}

variable "environments" {
  description = "The environments of this account, keyed by name (the GitHub Environment name and the live/<name>/ folder, e.g. dev). Each gets a deploy role, assumable only by the deploy and destroy workflows on the default branch in that GitHub Environment, a read-only plan role unless plan_role = false, and the permissions boundary of its workload roles. regions: the AWS regions it runs in (live/<name>/<region>/), named in every regional ARN of its policies. max_session_duration_seconds: longest session a workflow may request, 3600-43200 (IAM limits; a prod rollout with health gates may need more than 1 h), default 3600. plan_role: create the plan role, default true. plan_on_pull_requests: the plan role trusts every pull-request job of the plan workflow; false (the default) trusts only plan jobs in the GitHub Environment <name>-plan, which an adopter gives required reviewers, so plans against it run only after approval or on workflow_dispatch by a reviewer. existing_workload_boundary_arn: a managed policy already in the account to use as the workload boundary instead of creating <project>-<name>-workload (there is always a boundary)."
  type = map(object({
    regions                        = list(string)
    max_session_duration_seconds   = optional(number, 3600)
    plan_role                      = optional(bool, true)
    plan_on_pull_requests          = optional(bool, false)
    existing_workload_boundary_arn = optional(string)
  }))

  validation {
    condition     = length(var.environments) > 0
    error_message = "environments must name at least one environment, e.g. { dev = { regions = [\"eu-central-1\"] } }."
  }

  validation {
    # Lowercase because the names are part of S3 bucket names; "local" is the stand-in, "github"
    # would make the CI roles' own names match the workload name pattern and "tfstate" the state
    # buckets' names (<project>-tfstate-*).
    condition = alltrue([
      for name in keys(var.environments) :
      can(regex("^[a-z][a-z0-9]{1,15}$", name)) && !contains(["local", "github", "tfstate"], name)
    ])
    error_message = "Environment names must be 2-16 lowercase letters and digits starting with a letter (e.g. dev, staging, prod), and not \"local\" (the stand-in), \"github\" (the CI roles) or \"tfstate\" (the state buckets)."
  }

  validation {
    condition = alltrue([
      for environment in values(var.environments) :
      length(environment.regions) > 0 && alltrue([for region in environment.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", region))])
    ])
    error_message = "Every environment needs at least one region, each an AWS region code such as eu-central-1."
  }

  validation {
    condition = alltrue([
      for environment in values(var.environments) :
      environment.max_session_duration_seconds >= 3600 && environment.max_session_duration_seconds <= 43200
    ])
    error_message = "max_session_duration_seconds must be between 3600 and 43200 (1-12 hours, the IAM limits)."
  }

  validation {
    condition = alltrue([
      for environment in values(var.environments) :
      environment.existing_workload_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", coalesce(environment.existing_workload_boundary_arn, "-")))
    ])
    error_message = "existing_workload_boundary_arn must be a managed policy ARN of this account (arn:aws:iam::<account>:policy/<name>); leave it out to have the bootstrap create the boundary."
  }
}

# ---------------------------------------------------------------------------------------------------
# Optional
# ---------------------------------------------------------------------------------------------------

variable "project" {
  description = "Project prefix of every resource the live tree names (the root terragrunt.hcl's local.project): workloads are <project>-<environment>-*, state buckets <project>-tfstate-<account>-<region>. 2-12 lowercase letters and digits."
  type        = string
  default     = "fileproc"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.project))
    error_message = "project must be 2-12 lowercase letters and digits starting with a letter (it is part of S3 bucket names)."
  }
}

variable "existing_oidc_provider_arn" {
  description = "ARN of a GitHub OIDC provider (token.actions.githubusercontent.com) that already exists in this account, to use instead of creating one; an account holds at most one provider per URL. null creates it."
  type        = string
  default     = null

  validation {
    condition     = var.existing_oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.existing_oidc_provider_arn))
    error_message = "existing_oidc_provider_arn must be null or arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com."
  }
}

variable "role_path" {
  description = "IAM path of the CI roles. Keeps them apart from the workload roles (path /), which the deploy roles manage by name pattern. Must start and end with \"/\"."
  type        = string
  default     = "/github-actions/"

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.role_path)) && var.role_path != "/" && length(var.role_path) <= 512
    error_message = "role_path must start and end with \"/\", not be \"/\" alone (the workload roles live there), and be at most 512 characters of letters, digits and +=,.@_-."
  }
}

variable "ci_permissions_boundary_arn" {
  description = "ARN of a managed policy set as the permissions boundary of the CI roles themselves, or null for none."
  type        = string
  default     = null

  validation {
    condition     = var.ci_permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.ci_permissions_boundary_arn))
    error_message = "ci_permissions_boundary_arn must be null or a managed policy ARN (arn:aws:iam::<account>:policy/<name>)."
  }
}

variable "default_branch" {
  description = "The repository's default branch: the only ref the deploy and destroy workflows may assume the deploy roles from (the token's job_workflow_ref and ref claims)."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,255}$", var.default_branch)) && !startswith(var.default_branch, "refs/")
    error_message = "default_branch must be a branch name such as \"main\" (without refs/heads/)."
  }
}

variable "deploy_workflows" {
  description = "File names under .github/workflows/ whose jobs may assume the deploy roles (the token's job_workflow_ref)."
  type        = list(string)
  default     = ["deploy.yml", "destroy.yml"]

  validation {
    condition     = length(var.deploy_workflows) > 0 && alltrue([for name in var.deploy_workflows : can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", name))])
    error_message = "deploy_workflows must list workflow file names such as \"deploy.yml\"."
  }
}

variable "plan_workflow" {
  description = "File name under .github/workflows/ whose jobs may assume the plan roles."
  type        = string
  default     = "plan.yml"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", var.plan_workflow))
    error_message = "plan_workflow must be a workflow file name such as \"plan.yml\"."
  }
}

variable "drift_workflow" {
  description = "File name under .github/workflows/ of the scheduled drift check: its jobs on the default branch may assume the plan roles (read-only) without a pull request or an approval."
  type        = string
  default     = "drift.yml"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", var.drift_workflow))
    error_message = "drift_workflow must be a workflow file name such as \"drift.yml\"."
  }
}

variable "boundary_path" {
  description = "IAM path of the workload boundary policies the module creates (modules/workload-boundary)."
  type        = string
  default     = "/boundaries/"
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
