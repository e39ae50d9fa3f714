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

  # The token's sub claim (https://docs.github.com/en/actions/reference/security/oidc): a job that
  # names a GitHub Environment gets ...:environment:<name>; a pull_request job without one gets
  # ...:pull_request.
  deploy_subject = { for name in keys(var.environments) : name => "repo:${var.github_repository}:environment:${name}" }
  plan_subject   = "repo:${var.github_repository}:pull_request"

  plan_environments = { for name, environment in var.environments : name => environment if environment.plan_role }

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
    # (and so pass its required reviewers and branch rules) get the token this role accepts.
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.deploy_subject[each.key]]
    }
  }
}

data "aws_iam_policy_document" "plan_trust" {
  for_each = local.plan_environments

  statement {
    sid     = "GitHubActionsPullRequests"
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

    # Pull-request jobs of this repository. GitHub issues no OIDC token to pull requests from
    # forks, so this means branches of this repository: anyone who can push one can plan.
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.plan_subject]
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------------------

resource "aws_iam_role" "deploy" {
  for_each = var.environments

  name                 = local.role_names[each.key].deploy
  path                 = var.role_path
  description          = "GitHub Actions deploys of ${var.github_repository} to ${each.key} (GitHub Environment ${each.key} only)"
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

resource "aws_iam_role" "plan" {
  for_each = local.plan_environments

  name                 = local.role_names[each.key].plan
  path                 = var.role_path
  description          = "Read-only plans of ${var.github_repository} pull requests against ${each.key}"
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
