#!/usr/bin/env bash
# Lint every Terraform module with the pinned TFLint (pre-commit hook and `make lint`).
set -euo pipefail
if [[ $# -ne 0 ]]; then
  echo "usage: scripts/checks/tflint.sh   (lints every module under modules/; takes no arguments)" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root/modules"
exec "$root/.tools/bin/tflint" --config "$root/.tflint.hcl" --recursive
