"""The toolchain works for real: OpenTofu installs hashicorp/aws from the local mirror and
validates a config that uses it, and Terragrunt parses a unit of the live tree."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from toolchain_helpers import ROOT, run_tool

PINS = tomllib.loads((ROOT / "tools" / "versions.toml").read_text())
PROVIDER_VERSION = PINS["provider"]["aws"]["version"]


def test_tofu_installs_the_pinned_aws_provider_from_the_local_mirror_and_validates(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
        f'      version = "{PROVIDER_VERSION}"\n    }}\n  }}\n}}\n\n'
        'provider "aws" {\n  region = "eu-central-1"\n}\n\n'
        'data "aws_iam_policy_document" "smoke" {\n  statement {\n    actions   = ["s3:GetObject"]\n'
        '    resources = ["arn:aws:s3:::example/*"]\n  }\n}\n'
    )

    init = run_tool(["tofu", "init", "-input=false", "-no-color"], cwd=tmp_path)
    assert init.returncode == 0, init.stdout + init.stderr
    assert f"Installed hashicorp/aws v{PROVIDER_VERSION}" in init.stdout, init.stdout
    lock = (tmp_path / ".terraform.lock.hcl").read_text()
    assert f'version     = "{PROVIDER_VERSION}"' in lock

    validate = run_tool(["tofu", "validate", "-json", "-no-color"], cwd=tmp_path)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert json.loads(validate.stdout)["valid"] is True


def test_terragrunt_parses_a_unit_of_the_live_tree():
    unit = ROOT / "live" / "dev" / "eu-central-1" / "buckets"
    render = run_tool(["terragrunt", "render", "--format", "json", "--no-color"], cwd=unit)
    assert render.returncode == 0, render.stdout + render.stderr
    config = json.loads(render.stdout)
    assert config["inputs"]["name_prefix"] == "fileproc-dev-euc1"
    assert config["terraform"]["source"].endswith("/modules//buckets")
    assert config["remote_state"]["config"]["bucket"] == "fileproc-tfstate-111111111111-eu-central-1"


def test_the_pinned_lambda_python_runs_with_a_compiled_standard_library():
    version = PINS["lambda"]["python"]["python_version"]
    python = ROOT / ".tools" / f"python{version}" / "bin" / f"python{version}"
    probe = (
        "import json, sys, importlib.util, email.parser, http.client, ssl, zlib; "
        "print(json.dumps({'version': '%d.%d' % sys.version_info[:2], "
        "'cached': importlib.util.find_spec('email.parser').cached}))"
    )

    result = run_tool([str(python), "-I", "-c", probe], cwd=ROOT)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["version"] == version
    # Compiled at setup, as a Lambda runtime ships it: the cold-start benchmark imports boto3 with it.
    assert Path(report["cached"]).is_file()
