# Region of every unit below this folder.
locals {
  aws_region = "eu-central-1"
}
