# TFLint 0.50.3 (the last MPL-2.0 release) with its bundled Terraform ruleset, every rule on.
# The AWS ruleset plugin is fetched from GitHub at `tflint --init`, which is not reachable here.
config {
  call_module_type = "none"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
