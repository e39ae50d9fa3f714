# Region of every unit below this folder.
locals {
  aws_region = "us-west-2"
}
