resource "aws_lambda_permission" "allow_trigger_bucket" {
  statement_id  = "AllowInvokeFromTriggerBucket"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = local.invoke_qualifier
  principal     = "s3.amazonaws.com"

  # Confused-deputy guard: bucket names are global and can be re-created in another account after
  # deletion; source_account pins the invoker to this account's bucket (Security Hub Lambda.1).
  source_arn     = local.trigger_bucket_arn
  source_account = local.account_id
}

# The one notification configuration of the trigger bucket (a second aws_s3_bucket_notification
# on the same bucket would overwrite this one on every apply).
resource "aws_s3_bucket_notification" "trigger" {
  bucket = var.trigger_bucket_name

  lambda_function {
    id                  = "invoke-${var.function_name}"
    lambda_function_arn = local.invoke_target_arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = var.trigger_prefix
    filter_suffix       = var.trigger_suffix
  }

  # S3 validates the destination when the configuration is written, so the invoke permission must
  # exist first: https://github.com/hashicorp/terraform/issues/19756
  depends_on = [aws_lambda_permission.allow_trigger_bucket]
}
