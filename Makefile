# Every entry point of the project; `make help` lists them. The CI workflows call these targets
# and never repeat their commands.
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

# The Lambda target of the real environments (tools/versions.toml); the local one is this machine's.
LAMBDA_TARGET := python3.14-arm64
LAMBDA_MANIFEST := build/$(LAMBDA_TARGET)/manifest.json

ENV ?=
REGION ?=
FROM ?=
TO ?=
OVERRIDE ?=
STRATEGY ?=
BAKE ?=
KEEP_FINISHED ?=

define require
$(if $($(1)),,$(error $(1) is required, e.g. `make $@ $(1)=$(2)`))
endef

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# --- Setup -----------------------------------------------------------------------------------------

.PHONY: setup
setup: ## Download (verified) or build the pinned toolchain, make the virtualenvs (FP_SOURCE_BUILD=1: build only)
	@$(PYTHON3) scripts/toolchain/tools.py setup

.PHONY: versions
versions: ## Print every pinned tool and package version
	@$(PYTHON3) scripts/toolchain/tools.py versions

.PHONY: lock
lock: setup ## Re-resolve requirements-*.in into the hashed lock files
	.venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
		--output-file requirements-dev.txt requirements-dev.in
	.venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
		--output-file requirements-checkov.txt requirements-checkov.in

# --- The README's two commands ---------------------------------------------------------------------

.PHONY: demo
demo: setup ## Deploy everything to the local AWS stand-in, drop a file (FILE=path), show its record (KEEP=1 keeps it up, RUNTIME=java)
	$(VENV_PY) scripts/demo.py $(if $(FILE),--file "$(FILE)") $(if $(KEEP),--keep) $(if $(RUNTIME),--runtime $(RUNTIME))

.PHONY: test
test: setup ## Every check and test: pre-commit, the Java variant's Maven tests, then pytest (what CI runs)
	pre-commit run --all-files --show-diff-on-failure
	$(VENV_PY) scripts/artifacts/build_java.py --test
	pytest -n 2 --durations=25

# --- Checks ----------------------------------------------------------------------------------------

.PHONY: test-terraform
test-terraform: setup ## The live tree with the Terraform CLI (TG_TF_PATH): validate every env, apply + re-plan local (needs terraform >= 1.10 on PATH)
	pytest -o addopts="-ra --strict-markers" tests/terraform

.PHONY: lint
lint: setup ## Only the pre-commit checks (formatters, linters, checkov, secret scan)
	pre-commit run --all-files --show-diff-on-failure

.PHONY: validate
validate: setup build-local ## terragrunt run --all validate for every environment and region, without credentials
	cd live && TG_OFFLINE_VALIDATE=true TG_DOWNLOAD_DIR=$(CURDIR)/build/terragrunt-validate \
		terragrunt run --all --no-color -- validate

.PHONY: bench
bench: setup ## Function benchmarks against the stand-in (prints a table)
	$(VENV_PY) bench/run.py

.PHONY: bench-large
bench-large: setup ## Ways of reading and hashing the 512 MiB object, with the CPU each side spent
	$(VENV_PY) bench/large_variants.py

.PHONY: bench-parts
bench-parts: setup ## The handler reading in parts vs a plain read, 64 MiB-2 GiB, at 90 MB/s per connection and unthrottled
	$(VENV_PY) bench/large_variants.py --parallel

.PHONY: soak
soak: setup ## A burst of objects through the deployed function, healthy and under injected faults, each trigger mode; exits 1 on any loss (OBJECTS=2000 CONCURRENCY=4 SCENARIO=name MODE=s3)
	$(VENV_PY) scripts/soak.py $(if $(OBJECTS),--objects $(OBJECTS)) $(if $(CONCURRENCY),--concurrency $(CONCURRENCY)) $(if $(SCENARIO),--scenario $(SCENARIO)) $(if $(MODE),--trigger-mode $(MODE))

.PHONY: bench-plan
bench-plan: setup ## Time `run --all plan` on the local environment with Terragrunt's provider cache off and on
	$(VENV_PY) bench/plan_cache.py

.PHONY: bench-setup
bench-setup: setup ## Time setup's download path (verified release archives from a local mirror) into an empty cache
	$(VENV_PY) bench/setup_downloads.py

# --- Builds and promotion --------------------------------------------------------------------------

.PHONY: build
build: setup ## Build the layer and function packages for the Lambda target and store them by SHA-256
	$(VENV_PY) scripts/artifacts/build_packages.py
	$(VENV_PY) scripts/release/builds.py store $(LAMBDA_MANIFEST)

.PHONY: build-java
build-java: setup ## Build the Java variant's packages (java21, arm64) and store them by SHA-256
	$(VENV_PY) scripts/artifacts/build_java.py
	$(VENV_PY) scripts/release/builds.py store build/java21-arm64/manifest.json

.PHONY: build-local
build-local: setup ## Build the packages for this machine and record them as what the local environment runs
	$(VENV_PY) scripts/artifacts/build_packages.py --local
	$(VENV_PY) scripts/release/builds.py record --env local --local

.PHONY: record
record: setup ## Build the variant ENV runs (function_runtime in its env.hcl) and record it in live/ENV/build.json; commit it
	$(call require,ENV,dev)
	$(VENV_PY) scripts/release/builds.py record --env $(ENV) --build

.PHONY: verify-record
verify-record: setup ## Build ENV's variant and fail unless live/ENV/build.json names exactly those packages
	$(call require,ENV,dev)
	$(VENV_PY) scripts/release/builds.py verify --env $(ENV)

.PHONY: fetch-builds
fetch-builds: setup ## Make sure build/store holds the packages ENV records (rebuilt at the recorded commit if needed)
	$(call require,ENV,staging)
	$(VENV_PY) scripts/release/builds.py fetch --env $(ENV)

.PHONY: promote
promote: setup ## Make TO run the build FROM serves in every region (live evidence; OVERRIDE="reason" to skip a stage)
	$(call require,FROM,dev)
	$(call require,TO,staging)
	$(VENV_PY) scripts/release/promotion.py promote --from $(FROM) --to $(TO) $(if $(OVERRIDE),--override "$(OVERRIDE)")

.PHONY: check-record
check-record: setup ## Refuse live/ENV/build.json unless its provenance says it ran in the stage before (deploy runs it)
	$(call require,ENV,staging)
	$(VENV_PY) scripts/release/promotion.py check --env $(ENV)

# --- Deploy ----------------------------------------------------------------------------------------

.PHONY: plan
plan: fetch-builds ## terragrunt run --all plan for ENV (REGION=... for one region; PLAN_SUMMARY=file for Markdown)
	$(VENV_PY) scripts/release/rollout.py plan --env $(ENV) $(if $(REGION),--region $(REGION)) $(if $(PLAN_SUMMARY),--summary "$(PLAN_SUMMARY)")

.PHONY: drift
drift: fetch-builds ## Which units of ENV differ from their code (REGION=...; DRIFT_SUMMARY=file for Markdown); exit 2 on drift
	$(VENV_PY) scripts/release/drift.py --env $(ENV) $(if $(REGION),--region $(REGION)) $(if $(DRIFT_SUMMARY),--summary "$(DRIFT_SUMMARY)")

.PHONY: apply
apply: fetch-builds ## terragrunt run --all apply for ENV (REGION=... for one region)
	$(VENV_PY) scripts/release/rollout.py apply --env $(ENV) $(if $(REGION),--region $(REGION))

.PHONY: rollout
rollout: fetch-builds ## Per region in rollout_order: apply, canary to the new version, smoke + gate, roll back on failure (STRATEGY=, BAKE=s, KEEP_FINISHED=1)
	$(VENV_PY) scripts/release/rollout.py rollout --env $(ENV) $(if $(STRATEGY),--strategy $(STRATEGY)) $(if $(BAKE),--bake $(BAKE)) $(if $(KEEP_FINISHED),--keep-finished)

.PHONY: destroy
destroy: setup ## terragrunt run --all destroy for ENV; needs CONFIRM=ENV
	$(call require,ENV,dev)
	$(VENV_PY) scripts/release/rollout.py destroy --env $(ENV) --confirm "$(CONFIRM)"

.PHONY: clean
clean: ## Remove builds and Terragrunt caches of this clone (the per-user tool cache stays)
	rm -rf build
	find live -type d -name .terragrunt-cache -prune -exec rm -rf {} +
