# Shared configuration of every buckets unit (live/<env>/<region>/buckets). The unit's own
# terragrunt.hcl includes this file and the root, and holds only what differs for that unit.

terraform {
  source = "${get_repo_root()}/modules//buckets"
}
