# What the CI roles may do: exactly what the live units (buckets, iam, layer, network, function)
# manage for one environment, found by the names the root terragrunt.hcl gives them
# (<project>-<env>-<region code>-...) or, for EC2, by its tags, in that environment's regions,
# plus its Terraform state.
#
# A note on S3 ARN patterns: "*" in an ARN also matches "/", so a bucket pattern such as
# arn:aws:s3:::fileproc-dev-* matches every object in those buckets too. Bucket statements below
# therefore list bucket-level actions one by one (never s3:Get*), and object actions get their own
# statements with object ARNs.

locals {
  scopes = {
    for name, environment in var.environments : name => {
      workload = "${var.project}-${name}-*"
      regions  = environment.regions

      # One state bucket per account and region, created by `terragrunt backend bootstrap`; the
      # state key is the unit's path, live/<env>/<region>/<unit>/tofu.tfstate.
      state_buckets = [for region in environment.regions : "arn:${local.partition}:s3:::${var.project}-tfstate-${local.account_id}-${region}"]
      state_objects = [for region in environment.regions : "arn:${local.partition}:s3:::${var.project}-tfstate-${local.account_id}-${region}/live/${name}/*"]

      buckets            = ["arn:${local.partition}:s3:::${var.project}-${name}-*"]
      artifact_objects   = ["arn:${local.partition}:s3:::${var.project}-${name}-*-artifacts-${local.account_id}/*"]
      roles              = ["arn:${local.partition}:iam::${local.account_id}:role/${var.project}-${name}-*"]
      functions          = [for region in environment.regions : "arn:${local.partition}:lambda:${region}:${local.account_id}:function:${var.project}-${name}-*"]
      layers             = [for region in environment.regions : "arn:${local.partition}:lambda:${region}:${local.account_id}:layer:${var.project}-${name}-*"]
      log_groups         = [for region in environment.regions : "arn:${local.partition}:logs:${region}:${local.account_id}:log-group:/aws/lambda/${var.project}-${name}-*"]
      queues             = [for region in environment.regions : "arn:${local.partition}:sqs:${region}:${local.account_id}:${var.project}-${name}-*"]
      topics             = [for region in environment.regions : "arn:${local.partition}:sns:${region}:${local.account_id}:${var.project}-${name}-*"]
      alarms             = [for region in environment.regions : "arn:${local.partition}:cloudwatch:${region}:${local.account_id}:alarm:${var.project}-${name}-*"]
      dashboards         = ["arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${var.project}-${name}-*"]
      any_key_in_regions = [for region in environment.regions : "arn:${local.partition}:kms:${region}:${local.account_id}:key/*"]
      aliases            = [for region in environment.regions : "arn:${local.partition}:kms:${region}:${local.account_id}:alias/${var.project}-${name}-*"]
      ec2_in_regions     = [for region in environment.regions : "arn:${local.partition}:ec2:${region}:${local.account_id}:*"]
      # trigger_mode "eventbridge": the object-created rule; "sqs": the event source mapping, whose
      # ARN carries only a UUID (lambda:FunctionArn narrows it to this environment's functions).
      rules                 = [for region in environment.regions : "arn:${local.partition}:events:${region}:${local.account_id}:rule/${var.project}-${name}-*"]
      event_source_mappings = [for region in environment.regions : "arn:${local.partition}:lambda:${region}:${local.account_id}:event-source-mapping:*"]
      # Code signing (modules/layer/signing.tf, modules/function/signing.tf): profiles are named
      # after the layer with "_" for "-"; jobs and code signing configurations carry only an ID.
      signing_profiles     = [for region in environment.regions : "arn:${local.partition}:signer:${region}:${local.account_id}:/signing-profiles/${replace(var.project, "-", "_")}_${replace(name, "-", "_")}_*"]
      signing_jobs         = [for region in environment.regions : "arn:${local.partition}:signer:${region}:${local.account_id}:/signing-jobs/*"]
      code_signing_configs = [for region in environment.regions : "arn:${local.partition}:lambda:${region}:${local.account_id}:code-signing-config:*"]
    }
  }

  # Bucket-level reads the provider makes when it refreshes aws_s3_bucket and its sub-resources.
  bucket_read_actions = [
    "s3:ListBucket",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketNotification",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPolicyStatus",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketWebsite",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    # Provider 6.x reads bucket tags through S3 Control first, GetBucketTagging as the fallback.
    "s3:ListTagsForResource",
  ]

  state_bucket_read_actions = [
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketTagging",
  ]

  role_read_actions = [
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListRoleTags",
  ]

  # Role changes that iam:PermissionsBoundary can pin to the workload boundary.
  role_boundable_actions = [
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
  ]

  # No iam:UpdateAssumeRolePolicy: a deploy job could otherwise make a workload role trust itself
  # and take the role's data access. A workload role's trust is set when the role is created
  # (modules/iam); changing it is an administrator's apply.
  role_other_write_actions = [
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:ListInstanceProfilesForRole",
  ]

  # EC2 has no names to scope by: the network unit's resources are this environment's by their tags
  # (the provider's default_tags, sent with every create), set at creation and checked on change.
  # Each create, and the resource type it creates.
  network_creates = {
    "ec2:CreateFlowLogs"      = "vpc-flow-log"
    "ec2:CreateRouteTable"    = "route-table"
    "ec2:CreateSecurityGroup" = "security-group"
    "ec2:CreateSubnet"        = "subnet"
    "ec2:CreateVpc"           = "vpc"
    "ec2:CreateVpcEndpoint"   = "vpc-endpoint"
  }
  network_create_actions                = keys(local.network_creates)
  network_create_actions_without_prefix = [for action in local.network_create_actions : trimprefix(action, "ec2:")]
  network_change_actions = [
    "ec2:AssociateRouteTable",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:DeleteFlowLogs",
    "ec2:DeleteRouteTable",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteSubnet",
    "ec2:DeleteVpc",
    "ec2:DeleteVpcEndpoints",
    "ec2:DisassociateRouteTable",
    "ec2:ModifySubnetAttribute",
    "ec2:ModifyVpcAttribute",
    "ec2:ModifyVpcEndpoint",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
  ]
  # What the provider reads to refresh the network unit (and the function module's subnets); only
  # ec2:DescribeVpcAttribute has a resource type (ReadThisEnvironmentsVpcs).
  network_read_actions = [
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeFlowLogs",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribePrefixLists",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcEndpointServices",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcs",
  ]
  # What may change an IAM managed policy: none of it on a workload boundary, by anyone but the
  # bootstrap's administrator.
  policy_write_actions = [
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
  ]
}

# ---------------------------------------------------------------------------------------------------
# Deploy: apply and destroy one environment
# ---------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "deploy" {
  for_each = var.environments

  # --- Terraform state --------------------------------------------------------------------------

  statement {
    sid       = "StateBucketsRead"
    actions   = local.state_bucket_read_actions
    resources = local.scopes[each.key].state_buckets
  }

  statement {
    sid       = "StateOfThisEnvironmentOnly"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = local.scopes[each.key].state_objects
  }

  # --- buckets unit ------------------------------------------------------------------------------

  statement {
    # Creating a bucket has no existing resource to own, so no s3:ResourceAccount condition here.
    sid       = "CreateBuckets"
    actions   = ["s3:CreateBucket"]
    resources = local.scopes[each.key].buckets
  }

  statement {
    # Bucket-level actions only (see the note at the top): no object in these buckets is readable.
    sid = "ManageBuckets"
    actions = concat(local.bucket_read_actions, [
      "s3:DeleteBucket",
      "s3:DeleteBucketPolicy",
      "s3:ListBucketVersions",
      "s3:PutBucketLogging",
      "s3:PutBucketNotification",
      "s3:PutBucketOwnershipControls",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketTagging",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
      "s3:TagResource",
      "s3:UntagResource",
    ])
    resources = local.scopes[each.key].buckets

    # Bucket names are global: the pattern must not reach another account's bucket of that name.
    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    # The layer and function packages (content-addressed keys in the artifacts bucket). Lambda
    # reads them with the caller's permissions when it creates the function or layer version.
    sid = "ArtifactsPackages"
    actions = [
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:GetObjectTagging",
      "s3:GetObjectAttributes",
      "s3:PutObject",
      "s3:PutObjectTagging",
      "s3:DeleteObject",
    ]
    resources = local.scopes[each.key].artifact_objects

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account_id]
    }
  }

  # --- iam unit ----------------------------------------------------------------------------------

  statement {
    sid       = "ReadWorkloadRoles"
    actions   = local.role_read_actions
    resources = local.scopes[each.key].roles
  }

  statement {
    sid       = "ChangeWorkloadRoles"
    actions   = local.role_other_write_actions
    resources = local.scopes[each.key].roles
  }

  statement {
    # Every role a deploy job creates or writes a policy on carries this environment's boundary:
    # an inline AdministratorAccess on it is still capped by modules/workload-boundary.
    sid       = "WriteWorkloadRolePoliciesWithinBoundary"
    actions   = local.role_boundable_actions
    resources = local.scopes[each.key].roles

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.workload_boundary_arn[each.key]]
    }
  }

  statement {
    sid       = "KeepWorkloadBoundary"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/*"]
  }

  statement {
    sid       = "NeverChangeTheBoundary"
    effect    = "Deny"
    actions   = local.policy_write_actions
    resources = [local.workload_boundary_arn[each.key]]
  }

  statement {
    # A deploy job never acts as another role, whatever a trust policy says (a role created with
    # a trust naming the CI role would otherwise hand over its permissions).
    sid       = "NeverAssumeOtherRoles"
    effect    = "Deny"
    actions   = ["sts:AssumeRole"]
    resources = ["*"]
  }

  statement {
    sid       = "PassWorkloadRolesToLambdaOnly"
    actions   = ["iam:PassRole"]
    resources = local.scopes[each.key].roles

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }

  # --- layer and function units ------------------------------------------------------------------

  statement {
    sid = "Layers"
    actions = [
      "lambda:AddLayerVersionPermission",
      "lambda:DeleteLayerVersion",
      "lambda:GetLayerVersion",
      "lambda:GetLayerVersionPolicy",
      "lambda:ListLayerVersions",
      "lambda:PublishLayerVersion",
      "lambda:RemoveLayerVersionPermission",
    ]
    resources = local.scopes[each.key].layers
  }

  statement {
    # Function ARN patterns also cover its versions and the "live" alias (function:<name>:<qualifier>).
    sid = "Functions"
    actions = [
      "lambda:Get*",
      "lambda:List*",
      "lambda:CreateAlias",
      "lambda:CreateFunction",
      "lambda:DeleteAlias",
      "lambda:DeleteFunction",
      "lambda:DeleteFunctionConcurrency",
      "lambda:DeleteFunctionEventInvokeConfig",
      "lambda:PublishVersion",
      "lambda:PutFunctionConcurrency",
      "lambda:PutFunctionEventInvokeConfig",
      "lambda:RemovePermission",
      "lambda:TagResource",
      "lambda:UntagResource",
      "lambda:UpdateAlias",
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
      "lambda:UpdateFunctionEventInvokeConfig",
    ]
    resources = local.scopes[each.key].functions
  }

  statement {
    # Who may invoke a function: S3 (the trigger bucket's notification, trigger_mode "s3") or
    # EventBridge (the object-created rule, "eventbridge") and nobody else, so a deploy job cannot
    # open a function to another account or to everyone.
    sid       = "FunctionInvokePermissionForS3AndEventBridgeOnly"
    actions   = ["lambda:AddPermission"]
    resources = local.scopes[each.key].functions

    condition {
      test     = "StringEquals"
      variable = "lambda:Principal"
      values   = ["s3.amazonaws.com", "events.amazonaws.com"]
    }
  }

  statement {
    sid = "FunctionLogGroups"
    actions = [
      "logs:AssociateKmsKey",
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:DeleteRetentionPolicy",
      "logs:DisassociateKmsKey",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "logs:PutLogGroupDeletionProtection",
      "logs:PutRetentionPolicy",
      "logs:TagLogGroup",
      "logs:TagResource",
      "logs:UntagLogGroup",
      "logs:UntagResource",
    ]
    resources = local.scopes[each.key].log_groups
  }

  statement {
    sid = "FailureQueues"
    actions = [
      "sqs:CreateQueue",
      "sqs:DeleteQueue",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ListQueueTags",
      "sqs:SetQueueAttributes",
      "sqs:TagQueue",
      "sqs:UntagQueue",
    ]
    resources = local.scopes[each.key].queues
  }

  statement {
    sid = "AlarmTopics"
    actions = [
      "sns:CreateTopic",
      "sns:DeleteTopic",
      "sns:GetTopicAttributes",
      "sns:ListSubscriptionsByTopic",
      "sns:ListTagsForResource",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:TagResource",
      "sns:UntagResource",
    ]
    resources = local.scopes[each.key].topics
  }

  statement {
    # The rollout health gate reads these alarms between regions.
    sid = "Alarms"
    actions = [
      "cloudwatch:DeleteAlarms",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
    ]
    resources = local.scopes[each.key].alarms
  }

  statement {
    # One dashboard per function and region (modules/function/dashboard.tf); dashboard ARNs have
    # no region.
    sid       = "Dashboards"
    actions   = ["cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard", "cloudwatch:PutDashboard"]
    resources = local.scopes[each.key].dashboards
  }

  statement {
    # The buckets unit's audit trail of each region (modules/buckets, audit.tf:
    # <project>-<env>-<region code>-data-events). No cloudtrail:StopLogging: the module never stops
    # it. DescribeTrails accepts only "*" (AuditTrailsDescribe).
    sid = "AuditTrails"
    actions = [
      "cloudtrail:AddTags",
      "cloudtrail:CreateTrail",
      "cloudtrail:DeleteTrail",
      "cloudtrail:GetEventSelectors",
      "cloudtrail:GetTrailStatus",
      "cloudtrail:ListTags",
      "cloudtrail:PutEventSelectors",
      "cloudtrail:RemoveTags",
      "cloudtrail:StartLogging",
      "cloudtrail:UpdateTrail",
    ]
    resources = [for region in local.scopes[each.key].regions : "arn:${local.partition}:cloudtrail:${region}:${local.account_id}:trail/${var.project}-${each.key}-*"]
  }

  statement {
    sid       = "AuditTrailsDescribe"
    actions   = ["cloudtrail:DescribeTrails"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = local.scopes[each.key].regions
    }
  }

  # --- customer-managed key (buckets unit, when create_kms_key) ----------------------------------
  # A key is the deploy role's because its key policy names the role (modules/buckets,
  # key_administrator_arns), not because of a tag: nothing below reaches an existing key, so
  # tagging some other key in the account gives this role nothing.

  statement {
    # A key has no ARN before it exists; CreateKey reaches no existing key. Region-bound, and the
    # request must carry this environment's tags (the provider's default_tags).
    sid       = "CreateKeysTaggedForThisEnvironment"
    actions   = ["kms:CreateKey"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = local.scopes[each.key].regions
    }
  }

  statement {
    # AWS authorises the tags of CreateKey as kms:TagResource on every key of the account and
    # region (an IAM policy "not restricted to particular KMS keys"). Limited to writing this
    # environment's own tag values with the default tag keys: retagging another key that way
    # grants nothing, since no policy here grants anything by tag.
    sid       = "TagNewKeysForThisEnvironment"
    actions   = ["kms:TagResource"]
    resources = local.scopes[each.key].any_key_in_regions

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["Environment", "ManagedBy", "Project", "Repository", "Unit"]
    }
  }

  statement {
    # An alias operation is authorised on the alias and on its key (the statement above).
    sid       = "KeyAliases"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = local.scopes[each.key].aliases
  }

  # --- actions AWS offers no resource type for ---------------------------------------------------

  statement {
    # logs:DescribeLogGroups, kms:ListAliases, the SNS subscription calls (a subscription ARN is
    # not a resource type in IAM) and EC2 Describe* (the network unit, and the function module's
    # subnets in VPC mode) accept only "*". Limited to the environment's regions.
    sid = "NoResourceTypeInTheseRegions"
    actions = concat(local.network_read_actions, [
      "kms:ListAliases",
      "logs:DescribeLogGroups",
      "sns:GetSubscriptionAttributes",
      "sns:SetSubscriptionAttributes",
      "sns:Unsubscribe",
    ])
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = local.scopes[each.key].regions
    }
  }
}

# The network unit's share of the deploy role, in a managed policy of its own: with it, the inline
# policy would pass IAM's 10,240-character limit for a role's inline policies.
data "aws_iam_policy_document" "deploy_network" {
  for_each = var.environments


  # A new VPC, subnet, route table, group, endpoint or flow log only with this environment's tags,
  # one statement per create so that its tags admit only the resource it creates: the existing
  # resources a create also names (the VPC of a subnet) must carry those tags already (below).
  dynamic "statement" {
    for_each = local.network_creates

    content {
      sid       = "${trimprefix(statement.key, "ec2:")}TaggedForThisEnvironment"
      actions   = [statement.key]
      resources = [for region in local.scopes[each.key].regions : "arn:${local.partition}:ec2:${region}:${local.account_id}:${statement.value}/*"]

      condition {
        test     = "StringEquals"
        variable = "aws:RequestTag/Environment"
        values   = [each.key]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:RequestTag/Project"
        values   = [var.project]
      }
    }
  }

  statement {
    sid       = "UseAndChangeThisEnvironmentsNetwork"
    actions   = concat(local.network_create_actions, local.network_change_actions)
    resources = local.scopes[each.key].ec2_in_regions

    condition {
      test     = "StringEquals"
      variable = "ec2:ResourceTag/Environment"
      values   = [each.key]
    }

    condition {
      test     = "StringEquals"
      variable = "ec2:ResourceTag/Project"
      values   = [var.project]
    }
  }

  statement {
    # Tags only as part of creating a resource (the default_tags), or on this environment's own.
    sid       = "TagNetworkOnCreate"
    actions   = ["ec2:CreateTags"]
    resources = local.scopes[each.key].ec2_in_regions

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = local.network_create_actions_without_prefix
    }
  }

  statement {
    sid       = "RetagThisEnvironmentsNetwork"
    actions   = ["ec2:CreateTags", "ec2:DeleteTags"]
    resources = local.scopes[each.key].ec2_in_regions

    condition {
      test     = "StringEquals"
      variable = "ec2:ResourceTag/Environment"
      values   = [each.key]
    }

    # The tags that make a resource this environment's cannot be moved to another.
    condition {
      test     = "ForAllValues:StringNotEquals"
      variable = "aws:TagKeys"
      values   = ["Environment", "Project"]
    }
  }

  statement {
    sid       = "ReadThisEnvironmentsVpcs"
    actions   = ["ec2:DescribeVpcAttribute"]
    resources = [for region in local.scopes[each.key].regions : "arn:${local.partition}:ec2:${region}:${local.account_id}:vpc/*"]

    condition {
      test     = "StringEquals"
      variable = "ec2:ResourceTag/Environment"
      values   = [each.key]
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# Plan: read everything the units manage, write nothing. Plans run lock-free (`make plan` passes
# -lock=false): a plan that races an apply may show a stale diff, but cannot block or corrupt it.
# Keys are read through their key policies (key_reader_arns in modules/buckets).
# ---------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "plan" {
  for_each = local.plan_environments

  statement {
    sid       = "StateBucketsRead"
    actions   = local.state_bucket_read_actions
    resources = local.scopes[each.key].state_buckets
  }

  statement {
    sid       = "ReadStateOfThisEnvironment"
    actions   = ["s3:GetObject"]
    resources = local.scopes[each.key].state_objects
  }

  statement {
    sid       = "ReadBuckets"
    actions   = local.bucket_read_actions
    resources = local.scopes[each.key].buckets

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    # Refreshing the package objects; uploads and records in the other buckets stay unreadable.
    # A version by its ID: the source of a signing job, the promotion's live evidence.
    sid       = "ReadArtifactsPackages"
    actions   = ["s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion"]
    resources = local.scopes[each.key].artifact_objects

    condition {
      test     = "StringEquals"
      variable = "s3:ResourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "ReadWorkloadRoles"
    actions   = local.role_read_actions
    resources = local.scopes[each.key].roles
  }

  statement {
    sid       = "ReadLayersAndFunctions"
    actions   = ["lambda:Get*", "lambda:List*"]
    resources = concat(local.scopes[each.key].functions, local.scopes[each.key].layers)
  }

  statement {
    sid       = "ReadSigningProfiles"
    actions   = ["signer:GetSigningProfile", "signer:ListTagsForResource"]
    resources = local.scopes[each.key].signing_profiles
  }

  statement {
    # Which package version a deployed version was signed from (scripts/release/live.py).
    sid       = "ReadSigningJobs"
    actions   = ["signer:DescribeSigningJob"]
    resources = local.scopes[each.key].signing_jobs
  }

  statement {
    sid       = "ReadCodeSigningConfigs"
    actions   = ["lambda:GetCodeSigningConfig", "lambda:ListTags"]
    resources = local.scopes[each.key].code_signing_configs
  }

  statement {
    sid       = "ReadLogGroups"
    actions   = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"]
    resources = local.scopes[each.key].log_groups
  }

  statement {
    sid       = "ReadObjectCreatedRules"
    actions   = ["events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule"]
    resources = local.scopes[each.key].rules
  }

  statement {
    sid       = "ReadEventSourceMappings"
    actions   = ["lambda:GetEventSourceMapping", "lambda:ListTags"]
    resources = local.scopes[each.key].event_source_mappings
  }

  statement {
    sid       = "ReadQueues"
    actions   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"]
    resources = local.scopes[each.key].queues
  }

  statement {
    sid       = "ReadTopics"
    actions   = ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource"]
    resources = local.scopes[each.key].topics
  }

  statement {
    sid       = "ReadAlarms"
    actions   = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"]
    resources = local.scopes[each.key].alarms
  }

  statement {
    sid       = "ReadDashboards"
    actions   = ["cloudwatch:GetDashboard"]
    resources = local.scopes[each.key].dashboards
  }

  statement {
    sid       = "ReadAuditTrails"
    actions   = ["cloudtrail:GetEventSelectors", "cloudtrail:GetTrailStatus", "cloudtrail:ListTags"]
    resources = [for region in local.scopes[each.key].regions : "arn:${local.partition}:cloudtrail:${region}:${local.account_id}:trail/${var.project}-${each.key}-*"]
  }

  statement {
    sid       = "AuditTrailsDescribe"
    actions   = ["cloudtrail:DescribeTrails"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = local.scopes[each.key].regions
    }
  }

  statement {
    sid       = "ReadThisEnvironmentsVpcs"
    actions   = ["ec2:DescribeVpcAttribute"]
    resources = [for region in local.scopes[each.key].regions : "arn:${local.partition}:ec2:${region}:${local.account_id}:vpc/*"]

    condition {
      test     = "StringEquals"
      variable = "ec2:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid = "NoResourceTypeInTheseRegions"
    actions = concat(local.network_read_actions, [
      "kms:ListAliases",
      "logs:DescribeLogGroups",
      "sns:GetSubscriptionAttributes",
    ])
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = local.scopes[each.key].regions
    }
  }
}

# trigger_mode "eventbridge" and "sqs" (modules/function/trigger.tf): a managed policy of its own,
# as the inline deploy policy is near IAM's limit.
data "aws_iam_policy_document" "deploy_triggers" {
  for_each = var.environments

  statement {
    # trigger_mode "eventbridge": the environment's object-created rules, whose targets can only be
    # its own functions.
    sid = "ObjectCreatedRules"
    actions = [
      "events:DeleteRule",
      "events:DescribeRule",
      "events:DisableRule",
      "events:EnableRule",
      "events:ListTagsForResource",
      "events:ListTargetsByRule",
      "events:PutRule",
      "events:RemoveTargets",
      "events:TagResource",
      "events:UntagResource",
    ]
    resources = local.scopes[each.key].rules
  }

  statement {
    sid       = "ObjectCreatedRuleTargetsAreOwnFunctions"
    actions   = ["events:PutTargets"]
    resources = local.scopes[each.key].rules

    # events:TargetArn holds every target of the call: all must be the environment's functions,
    # and there must be some (ForAllValues alone would also admit an empty list).
    condition {
      test     = "ForAllValues:ArnLike"
      variable = "events:TargetArn"
      values   = local.scopes[each.key].functions
    }

    condition {
      test     = "Null"
      variable = "events:TargetArn"
      values   = ["false"]
    }
  }

  statement {
    # trigger_mode "sqs": a mapping from a queue to this environment's functions only. Creating one
    # names no mapping ARN yet, so its resource is "*"; lambda:FunctionArn is the scope.
    sid       = "CreateEventSourceMappingsOfOwnFunctions"
    actions   = ["lambda:CreateEventSourceMapping"]
    resources = ["*"]

    condition {
      test     = "ArnLike"
      variable = "lambda:FunctionArn"
      values   = local.scopes[each.key].functions
    }
  }

  statement {
    sid = "ChangeEventSourceMappingsOfOwnFunctions"
    actions = [
      "lambda:DeleteEventSourceMapping",
      "lambda:GetEventSourceMapping",
      "lambda:UpdateEventSourceMapping",
    ]
    resources = local.scopes[each.key].event_source_mappings

    condition {
      test     = "ArnLike"
      variable = "lambda:FunctionArn"
      values   = local.scopes[each.key].functions
    }
  }

  statement {
    # Tags of a mapping (the provider reads and writes them by the mapping's ARN, which names no
    # function).
    sid       = "EventSourceMappingTags"
    actions   = ["lambda:ListTags", "lambda:TagResource", "lambda:UntagResource"]
    resources = local.scopes[each.key].event_source_mappings
  }

}

# Code signing (modules/layer/signing.tf, modules/function/signing.tf): a managed policy of its own,
# as the inline deploy policy is near IAM's limit.
data "aws_iam_policy_document" "deploy_signing" {
  for_each = var.environments

  statement {
    # The environment's signing profiles, and signing with them. Signer reads the source and writes
    # the signed copy with the caller's S3 rights (ArtifactsPackages of the deploy policy).
    sid = "SigningProfiles"
    actions = [
      "signer:CancelSigningProfile",
      "signer:GetSigningProfile",
      "signer:ListTagsForResource",
      "signer:StartSigningJob",
      "signer:TagResource",
      "signer:UntagResource",
    ]
    resources = local.scopes[each.key].signing_profiles
  }

  statement {
    # PutSigningProfile accepts only "*" (IAM has no resource type for it): limited to the
    # environment's regions. A profile it makes signs nothing the function accepts unless the
    # code signing configuration names it, and those are managed below.
    sid       = "CreateSigningProfilesInTheseRegions"
    actions   = ["signer:PutSigningProfile"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = local.scopes[each.key].regions
    }
  }

  statement {
    sid       = "SigningJobs"
    actions   = ["signer:DescribeSigningJob"]
    resources = local.scopes[each.key].signing_jobs
  }

  statement {
    # Creating a configuration names no ARN yet; the ones it then manages carry only an ID.
    sid       = "CreateCodeSigningConfigs"
    actions   = ["lambda:CreateCodeSigningConfig"]
    resources = ["*"]
  }

  statement {
    sid = "CodeSigningConfigs"
    actions = [
      "lambda:DeleteCodeSigningConfig",
      "lambda:GetCodeSigningConfig",
      "lambda:ListTags",
      "lambda:TagResource",
      "lambda:UntagResource",
      "lambda:UpdateCodeSigningConfig",
    ]
    resources = local.scopes[each.key].code_signing_configs
  }

  statement {
    sid       = "DetachCodeSigningConfigs"
    actions   = ["lambda:DeleteFunctionCodeSigningConfig"]
    resources = local.scopes[each.key].functions
  }

  statement {
    # Attaching is authorised on the configuration and on the function.
    sid       = "AttachCodeSigningConfigsToOwnFunctions"
    actions   = ["lambda:PutFunctionCodeSigningConfig"]
    resources = concat(local.scopes[each.key].code_signing_configs, local.scopes[each.key].functions)
  }
}
