output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "subnet_ids" {
  description = "IDs of the private subnets, one per availability zone, in zone order: the function module's vpc_config.subnet_ids."
  value       = [for zone in local.zones : aws_subnet.private[zone].id]
}

output "availability_zones" {
  description = "The availability zones the subnets are in."
  value       = local.zones
}

output "function_security_group_id" {
  description = "Security group for the function (no inbound; HTTPS out to the endpoints only): the function module's vpc_config.security_group_ids."
  value       = aws_security_group.function.id
}

output "s3_endpoint_id" {
  description = "ID of the S3 gateway endpoint."
  value       = aws_vpc_endpoint.s3.id
}

output "interface_endpoint_ids" {
  description = "IDs of the interface endpoints, by service (\"xray\")."
  value       = { for endpoint in aws_vpc_endpoint.xray : "xray" => endpoint.id }
}
