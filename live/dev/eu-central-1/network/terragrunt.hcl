include "root" {
  path = "${get_repo_root()}/terragrunt.hcl"
}

include "envcommon" {
  path = "${get_repo_root()}/live/_envcommon/network.hcl"
}
