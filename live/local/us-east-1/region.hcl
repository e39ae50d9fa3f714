# Region of every unit below this folder.
locals {
  aws_region = "us-east-1"
  # Where the network unit puts a private subnet each (VPC mode): at least two zones, named so
  # the set changes only here. Zone names map to different physical zones in each account.
  availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
}
