"""The local environment deploys what prod deploys: every unit's inputs, as the real Terragrunt renders
them, equal prod's except for the differences live/local/env.hcl lists (names that contain the
environment and region, throwaway retention and destroy settings). No security or monitoring
feature can be switched off locally."""

from __future__ import annotations

import json
import shutil

import pytest
from toolchain_helpers import ROOT, run_tool, toolchain_env

UNITS = ("buckets", "iam", "layer", "network", "function")
# Names that contain the environment and region (terragrunt.hcl derives them from name_prefix), and
# the region's zone names (region.hcl).
NAMES = {
    "name_prefix",
    "function_name",
    "role_name",
    "failure_queue_name",
    "trigger_queue_name",
    "layer_name",
    "availability_zones",
}
# ARNs of what the account bootstrap creates per environment: equal once the account and the
# environment's name are swapped (checked below), so the same boundary and key policy apply.
ACCOUNT_NAMES = {"permissions_boundary_arn", "key_administrator_arns", "key_reader_arns"}
# The differences live/local/env.hcl states, with their reasons there.
ALLOWED = {"log_retention_days", "force_destroy"}
# Settings that exist to turn protections off: none may exist, here or in prod.
FORBIDDEN_SWITCHES = ("enforce_deny_statements", "alarms_enabled", "logging_config_enabled")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, dict[str, dict]]:
    """Terragrunt's rendered configuration of every unit of local/us-east-1 and prod/eu-central-1."""
    out = tmp_path_factory.mktemp("render")
    record = ROOT / "live" / "local" / "build.json"
    kept = record.read_bytes() if record.exists() else None
    shutil.copyfile(ROOT / "live" / "prod" / "build.json", record)  # the same build, so only settings differ
    env = toolchain_env(
        TG_OFFLINE_VALIDATE="true",
        LOCAL_AWS_ENDPOINT="https://127.0.0.1:9",
        TG_DOWNLOAD_DIR=str(out / "cache"),
    )
    try:
        result = {}
        for env_name, region in (("local", "us-east-1"), ("prod", "eu-central-1")):
            result[env_name] = {}
            for unit in UNITS:
                target = out / f"{env_name}-{unit}.json"
                render = run_tool(
                    ["terragrunt", "render", "--json", "--write", "--out", str(target), "--no-color"],
                    cwd=ROOT / "live" / env_name / region / unit,
                    env=env,
                )
                assert render.returncode == 0, render.stdout + render.stderr
                result[env_name][unit] = json.loads(target.read_text())
        return result
    finally:
        if kept is None:
            record.unlink(missing_ok=True)
        else:
            record.write_bytes(kept)


def differing_inputs(rendered: dict) -> dict[str, dict]:
    differences = {}
    for unit in UNITS:
        local, prod = rendered["local"][unit]["inputs"], rendered["prod"][unit]["inputs"]
        for name in sorted((set(local) | set(prod)) - NAMES - ACCOUNT_NAMES):
            if local.get(name) != prod.get(name):
                differences[f"{unit}.{name}"] = {"local": local.get(name), "prod": prod.get(name)}
    return differences


def test_local_units_get_prods_inputs_but_for_the_listed_differences(rendered):
    differences = differing_inputs(rendered)
    settings = {key.split(".", 1)[1] for key in differences}

    print(f"settings that differ between local and prod: {len(settings)} ({', '.join(sorted(settings))})")
    assert settings <= ALLOWED, differences
    for unit in UNITS:
        local, prod = rendered["local"][unit]["inputs"], rendered["prod"][unit]["inputs"]
        for name in ACCOUNT_NAMES:
            as_prod = json.dumps(local.get(name)).replace("123456789012", "333333333333")
            assert as_prod.replace("-local-", "-prod-") == json.dumps(prod.get(name)), (unit, name)
    for name in FORBIDDEN_SWITCHES:
        for env in ("local", "prod"):
            assert all(name not in rendered[env][unit]["inputs"] for unit in UNITS), (env, name)


def test_the_local_state_bucket_is_prods_but_for_where_it_lives(rendered):
    local = rendered["local"]["function"]["remote_state"]["config"]
    prod = rendered["prod"]["function"]["remote_state"]["config"]
    # Where the state lives: the stand-in's endpoint and path-style addressing, its account and region.
    where = {"endpoints", "use_path_style", "skip_requesting_account_id", "bucket", "region", "key"}
    where |= {"accesslogging_bucket_name"}

    assert {key: value for key, value in local.items() if key not in where} == {
        key: value for key, value in prod.items() if key not in where
    }
    assert "skip_bucket_enforced_tls" not in local  # the TLS-only state bucket policy applies locally too
    assert local["accesslogging_bucket_name"] == "fileproc-tfstate-logs-123456789012-us-east-1"


@pytest.mark.parametrize("env", ["local", "prod"])
def test_the_trigger_filter_has_one_source_for_the_role_the_notification_and_the_handler(rendered, env):
    """iam scopes the role's reads and function filters the notification and the handler by the same
    trigger_prefix (and function alone by trigger_suffix): both come from one setting, never two."""
    iam, function = rendered[env]["iam"]["inputs"], rendered[env]["function"]["inputs"]

    assert iam.get("trigger_prefix", "") == function.get("trigger_prefix", "")
