# Every entry point of the project. `make help` lists them.
# Tools come from .tools/bin and .venv/bin (made by `make setup`), never from whatever is on PATH.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON3 ?= python3
VENV_PY := $(CURDIR)/.venv/bin/python

export PATH := $(CURDIR)/.tools/bin:$(CURDIR)/.venv/bin:$(PATH)
# The generated CLI config points OpenTofu (and Terraform) at the locally built AWS provider.
export TF_CLI_CONFIG_FILE := $(CURDIR)/.tools/tofurc
# OpenTofu is the default engine; `make ... TG_TF_PATH=terraform` uses Terraform >= 1.10 instead.
export TG_TF_PATH ?= tofu
export TG_NON_INTERACTIVE := true
# A provider process needs 2-4 GB; two at a time fits a 2-core, 24 GB machine.
export TG_PARALLELISM ?= 2

ENV ?= dev
REGION ?=

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: setup
setup: ## Build or reuse the pinned toolchain and virtualenvs (first run builds for ~1 h; later ones take seconds)
	@$(PYTHON3) scripts/toolchain.py setup

.PHONY: versions
versions: ## Print every pinned tool and package version
	@$(PYTHON3) scripts/toolchain.py versions

.PHONY: demo
demo: setup ## Deploy the whole stack to the local AWS stand-in, drop a file (FILE=path) and show its record (KEEP=1 keeps it running)
	$(VENV_PY) scripts/demo.py $(if $(FILE),--file "$(FILE)") $(if $(KEEP),--keep)

.PHONY: test
test: setup ## Every check and test: pre-commit on all files, then pytest (what CI runs)
	pre-commit run --all-files --show-diff-on-failure
	pytest

.PHONY: lint
lint: setup ## Only the pre-commit checks (formatters, linters, checkov, secret scan)
	pre-commit run --all-files --show-diff-on-failure

.PHONY: lock
lock: setup ## Re-resolve requirements-*.in into the hashed lock files
	cd $(CURDIR) && .venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
		--output-file requirements-dev.txt requirements-dev.in
	cd $(CURDIR) && .venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
		--output-file requirements-checkov.txt requirements-checkov.in

.PHONY: clean
clean: ## Remove builds and Terragrunt caches of this clone (the per-user tool cache stays)
	rm -rf build
	find live -type d -name .terragrunt-cache -prune -exec rm -rf {} +
