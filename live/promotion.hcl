# The order builds move through the environments (scripts/release/promotion.py): `make promote`
# refuses to skip a stage unless OVERRIDE="<reason>" is given (the reason is written into the
# record), and the deploy workflow refuses a record that did not come from the stage before.
# The local environment is not a stage: it runs builds of this machine, not of the Lambda target.
locals {
  order = ["dev", "staging", "prod"]
}
