# Region of every unit below this folder.
locals {
  aws_region = "us-west-2"
  # Where the network unit puts a private subnet each (VPC mode): at least two zones, named so
  # the set changes only here. Zone names map to different physical zones in each account.
  availability_zones = ["us-west-2a", "us-west-2b", "us-west-2c"]
}
