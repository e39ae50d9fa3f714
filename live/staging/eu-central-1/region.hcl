# Region of every unit below this folder.
locals {
  aws_region = "eu-central-1"
  # Where the network unit puts a private subnet each (VPC mode): at least two zones, named so
  # the set changes only here. Zone names map to different physical zones in each account.
  availability_zones = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
}
