output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the roles trust (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com), created here or passed in."
  value       = local.oidc_provider_arn
}

output "deploy_role_arns" {
  description = "Deploy role ARN per environment (arn:aws:iam::<account>:role/github-actions/<project>-github-<env>-deploy): set it as the variable AWS_DEPLOY_ROLE_ARN of the GitHub Environment of that name."
  value       = { for name, role in aws_iam_role.deploy : name => role.arn }
}

output "plan_role_arns" {
  description = "Read-only plan role ARN per environment (arn:aws:iam::<account>:role/github-actions/<project>-github-<env>-plan): set it as the repository variable AWS_PLAN_ROLE_ARN_<ENV> (upper case)."
  value       = { for name, role in aws_iam_role.plan : name => role.arn }
}

output "github_variables" {
  description = "The GitHub Actions variables the workflows read, ready to set: environment_variables is <GitHub Environment> => { name => value }, repository_variables is { name => value }."
  value = {
    environment_variables = merge(
      { for name, role in aws_iam_role.deploy : name => { AWS_DEPLOY_ROLE_ARN = role.arn } },
      { for name, role in aws_iam_role.plan : "${name}-plan" => { AWS_PLAN_ROLE_ARN = role.arn } if !var.environments[name].plan_on_pull_requests },
    )
    repository_variables = {
      for name, role in aws_iam_role.plan : "AWS_PLAN_ROLE_ARN_${upper(name)}" => role.arn
    }
  }
}

output "subjects" {
  description = "The token claims each role accepts, for review: deploy is <env> => repo:<owner>/<name>:environment:<env> from deploy_workflow_refs; plan is <env> => repo:<owner>/<name>:pull_request or ...:environment:<env>-plan from plan_workflow_refs."
  value = {
    deploy               = local.deploy_subject
    deploy_workflow_refs = local.deploy_workflow_refs
    plan                 = local.plan_subject
    plan_workflow_refs   = local.plan_workflow_ref
  }
}

output "workload_boundary_arns" {
  description = "The permissions boundary every workload role of an environment must carry (<env> => policy ARN): the iam units' permissions_boundary_arn. The root terragrunt.hcl derives the same ARN (policy/boundaries/<project>-<env>-workload) unless env.hcl names an existing one."
  value       = local.workload_boundary_arn
}

output "workload_boundary_policy_json" {
  description = "The boundary documents the module created (<env> => policy), for review and tests."
  value       = { for name, boundary in module.workload_boundary : name => boundary.policy_json }
}

output "deploy_policy_json" {
  description = "Inline permissions policy of each deploy role as JSON (<env> => policy), for review and tests."
  value       = { for name, document in data.aws_iam_policy_document.deploy : name => document.json }
}

output "plan_policy_json" {
  description = "Inline permissions policy of each plan role as JSON (<env> => policy), for review and tests."
  value       = { for name, document in data.aws_iam_policy_document.plan : name => document.json }
}
