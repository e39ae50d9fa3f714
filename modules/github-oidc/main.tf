data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = var.account_id

  # GitHub's token issuer and the audience aws-actions/configure-aws-credentials asks for.
  oidc_host     = "token.actions.githubusercontent.com"
  oidc_audience = "sts.amazonaws.com"

  create_oidc_provider = var.existing_oidc_provider_arn == null
  oidc_provider_arn    = local.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.existing_oidc_provider_arn

  # The token's claims (https://docs.github.com/en/actions/reference/security/oidc). IAM checks
  # sub, and since 2026 also GitHub's own claims such as job_workflow_ref and ref as condition keys
  # of a trust policy. A job that names a GitHub Environment gets sub ...:environment:<name>; a
  # pull_request job without one gets ...:pull_request.
  deploy_subject = { for name in keys(var.environments) : name => "repo:${var.github_repository}:environment:${name}" }
  deploy_workflow_refs = [
    for file in var.deploy_workflows : "${var.github_repository}/.github/workflows/${file}@refs/heads/${var.default_branch}"
  ]
  plan_subject = {
    for name, environment in var.environments : name => (
      environment.plan_on_pull_requests
      ? "repo:${var.github_repository}:pull_request"
      : "repo:${var.github_repository}:environment:${name}-plan"
    )
  }
  # A pull request's job runs the workflow file of its merge ref (refs/pull/<n>/merge); a job in
  # the <name>-plan environment may run from any ref, after that environment's approval.
  plan_workflow_ref = {
    for name, environment in var.environments : name => (
      environment.plan_on_pull_requests
      ? "${var.github_repository}/.github/workflows/${var.plan_workflow}@refs/pull/*/merge"
      : "${var.github_repository}/.github/workflows/${var.plan_workflow}@*"
    )
  }

  plan_environments = { for name, environment in var.environments : name => environment if environment.plan_role }

  # The boundary of each environment's workload roles: created here unless an existing one is named.
  created_boundaries = { for name, environment in var.environments : name => environment if environment.existing_workload_boundary_arn == null }
  workload_boundary_arn = {
    for name, environment in var.environments : name => coalesce(
      environment.existing_workload_boundary_arn,
      try(module.workload_boundary[name].arn, null),
    )
  }

  role_names = {
    for name in keys(var.environments) : name => {
      deploy = "${var.project}-github-${name}-deploy"
      plan   = "${var.project}-github-${name}-plan"
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# The GitHub OIDC identity provider (one per account)
# ---------------------------------------------------------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count = local.create_oidc_provider ? 1 : 0

  url            = "https://${local.oidc_host}"
  client_id_list = [local.oidc_audience]
  # No thumbprint_list: for GitHub, IAM validates the token issuer against its own library of
  # trusted root CAs and ignores configured thumbprints, and the provider (5.x and 6.x) lets the
  # argument be omitted (see the aws_iam_openid_connect_provider docs, "Without A Thumbprint").
  tags = var.tags

  lifecycle {
    precondition {
      condition     = data.aws_caller_identity.current.account_id == var.account_id
      error_message = "The credentials in use belong to account ${data.aws_caller_identity.current.account_id}, not account_id ${var.account_id}: switch credentials or fix account_id."
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# Trust policies: this repository only, and for deploy this GitHub Environment only
# ---------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "deploy_trust" {
  for_each = var.environments

  statement {
    sid     = "GitHubActionsInEnvironment${title(each.key)}"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = [local.oidc_audience]
    }

    # Exact match, no wildcard: only jobs of this repository that run in this GitHub Environment
    # (and so pass its required reviewers) get the token this role accepts...
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.deploy_subject[each.key]]
    }

    # ...and only the deploy and destroy workflows as they are on the default branch: another
    # workflow, or these files on another branch, that names the environment gets no credentials
    # even if the environment's branch rules were loosened.
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:job_workflow_ref"
      values   = local.deploy_workflow_refs
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:ref"
      values   = ["refs/heads/${var.default_branch}"]
    }
  }
}

data "aws_iam_policy_document" "plan_trust" {
  for_each = local.plan_environments

  statement {
    sid     = each.value.plan_on_pull_requests ? "GitHubActionsPlanWorkflowOnPullRequests" : "GitHubActionsPlanWorkflowAfterApproval"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = [local.oidc_audience]
    }

    # Pull-request jobs of this repository (GitHub issues no OIDC token to pull requests from
    # forks, so: anyone who can push a branch here), or, for an environment whose plans need
    # approval, only jobs in its <name>-plan GitHub Environment.
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.plan_subject[each.key]]
    }

    # Only the plan workflow: no other workflow a branch adds gets even read access.
    condition {
      test     = "StringLike"
      variable = "${local.oidc_host}:job_workflow_ref"
      values   = [local.plan_workflow_ref[each.key]]
    }
  }

  statement {
    # The scheduled drift check (`make drift`), as it is on the default branch: read-only plans
    # need no approval, and a schedule has no pull request.
    sid     = "GitHubActionsDriftCheckOnDefaultBranch"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = [local.oidc_audience]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = ["repo:${var.github_repository}:ref:refs/heads/${var.default_branch}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:job_workflow_ref"
      values   = ["${var.github_repository}/.github/workflows/${var.drift_workflow}@refs/heads/${var.default_branch}"]
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# The workload permissions boundary of each environment (modules/workload-boundary)
# ---------------------------------------------------------------------------------------------------

module "workload_boundary" {
  source   = "../workload-boundary"
  for_each = local.created_boundaries

  project     = var.project
  environment = each.key
  account_id  = var.account_id
  regions     = each.value.regions
  path        = var.boundary_path
  tags        = var.tags
}

# ---------------------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------------------

resource "aws_iam_role" "deploy" {
  for_each = var.environments

  name                 = local.role_names[each.key].deploy
  path                 = var.role_path
  description          = "GitHub Actions deploys of ${var.github_repository} to ${each.key} (deploy/destroy workflows on ${var.default_branch}, GitHub Environment ${each.key} only)"
  assume_role_policy   = data.aws_iam_policy_document.deploy_trust[each.key].json
  max_session_duration = each.value.max_session_duration_seconds
  permissions_boundary = var.ci_permissions_boundary_arn
  tags                 = merge(var.tags, { Environment = each.key, Purpose = "github-actions-deploy" })

  lifecycle {
    precondition {
      condition     = data.aws_caller_identity.current.account_id == var.account_id
      error_message = "The credentials in use belong to account ${data.aws_caller_identity.current.account_id}, not account_id ${var.account_id}: switch credentials or fix account_id."
    }
  }
}

resource "aws_iam_role_policy" "deploy" {
  for_each = var.environments

  name   = "${local.role_names[each.key].deploy}-permissions"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json

  lifecycle {
    precondition {
      # IAM counts a role's inline policies without whitespace, 10,240 characters in all
      # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
      condition     = length(jsonencode(jsondecode(data.aws_iam_policy_document.deploy[each.key].json))) <= 10240
      error_message = "The deploy policy of ${each.key} exceeds IAM's 10,240-character inline limit (each region adds about 700 characters): split the environment's regions across accounts or move statements to a managed policy."
    }
  }
}

resource "aws_iam_policy" "deploy_network" {
  for_each = var.environments

  name        = "${local.role_names[each.key].deploy}-network"
  path        = var.role_path
  description = "The network unit's resources of ${each.key} (VPC mode), by their tags"
  policy      = data.aws_iam_policy_document.deploy_network[each.key].json
  tags        = merge(var.tags, { Environment = each.key, Purpose = "github-actions-deploy" })

  lifecycle {
    precondition {
      # A managed policy may hold 6,144 characters without whitespace (the same quotas page).
      condition     = length(jsonencode(jsondecode(data.aws_iam_policy_document.deploy_network[each.key].json))) <= 6144
      error_message = "The deploy role's network policy of ${each.key} exceeds IAM's 6,144-character managed-policy limit (each region adds about 550 characters): split the environment's regions across accounts."
    }
  }
}

resource "aws_iam_role_policy_attachment" "deploy_network" {
  for_each = var.environments

  role       = aws_iam_role.deploy[each.key].name
  policy_arn = aws_iam_policy.deploy_network[each.key].arn
}

resource "aws_iam_policy" "deploy_triggers" {
  for_each = var.environments

  name        = "${local.role_names[each.key].deploy}-triggers"
  path        = var.role_path
  description = "The trigger paths of ${each.key} other than S3's notification: EventBridge rules and SQS event source mappings"
  policy      = data.aws_iam_policy_document.deploy_triggers[each.key].json
  tags        = merge(var.tags, { Environment = each.key, Purpose = "github-actions-deploy" })

  lifecycle {
    precondition {
      # A managed policy may hold 6,144 characters without whitespace.
      condition     = length(jsonencode(jsondecode(data.aws_iam_policy_document.deploy_triggers[each.key].json))) <= 6144
      error_message = "The deploy role's trigger policy of ${each.key} exceeds IAM's 6,144-character managed-policy limit: split the environment's regions across accounts."
    }
  }
}

resource "aws_iam_role_policy_attachment" "deploy_triggers" {
  for_each = var.environments

  role       = aws_iam_role.deploy[each.key].name
  policy_arn = aws_iam_policy.deploy_triggers[each.key].arn
}

resource "aws_iam_policy" "deploy_signing" {
  for_each = var.environments

  name        = "${local.role_names[each.key].deploy}-signing"
  path        = var.role_path
  description = "Code signing of ${each.key}: its signing profiles and jobs, and its functions' code signing configurations"
  policy      = data.aws_iam_policy_document.deploy_signing[each.key].json
  tags        = merge(var.tags, { Environment = each.key, Purpose = "github-actions-deploy" })

  lifecycle {
    precondition {
      # A managed policy may hold 6,144 characters without whitespace.
      condition     = length(jsonencode(jsondecode(data.aws_iam_policy_document.deploy_signing[each.key].json))) <= 6144
      error_message = "The deploy role's signing policy of ${each.key} exceeds IAM's 6,144-character managed-policy limit: split the environment's regions across accounts."
    }
  }
}

resource "aws_iam_role_policy_attachment" "deploy_signing" {
  for_each = var.environments

  role       = aws_iam_role.deploy[each.key].name
  policy_arn = aws_iam_policy.deploy_signing[each.key].arn
}

resource "aws_iam_role" "plan" {
  for_each = local.plan_environments

  name                 = local.role_names[each.key].plan
  path                 = var.role_path
  description          = "Read-only, lock-free plans of ${var.github_repository} against ${each.key}"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust[each.key].json
  max_session_duration = each.value.max_session_duration_seconds
  permissions_boundary = var.ci_permissions_boundary_arn
  tags                 = merge(var.tags, { Environment = each.key, Purpose = "github-actions-plan" })

  lifecycle {
    precondition {
      condition     = data.aws_caller_identity.current.account_id == var.account_id
      error_message = "The credentials in use belong to account ${data.aws_caller_identity.current.account_id}, not account_id ${var.account_id}: switch credentials or fix account_id."
    }
  }
}

resource "aws_iam_role_policy" "plan" {
  for_each = local.plan_environments

  name   = "${local.role_names[each.key].plan}-permissions"
  role   = aws_iam_role.plan[each.key].id
  policy = data.aws_iam_policy_document.plan[each.key].json

  lifecycle {
    precondition {
      # IAM counts a role's inline policies without whitespace, 10,240 characters in all
      # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
      condition     = length(jsonencode(jsondecode(data.aws_iam_policy_document.plan[each.key].json))) <= 10240
      error_message = "The plan policy of ${each.key} exceeds IAM's 10,240-character inline limit (each region adds about 700 characters): split the environment's regions across accounts or move statements to a managed policy."
    }
  }
}
