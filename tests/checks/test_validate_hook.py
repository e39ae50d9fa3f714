"""The pre-commit validate hook (scripts/checks/validate.py) on a copy of the repository: it passes
the tree as it is, and fails a broken reference in a module and a misspelt dependency output in a
unit, with the tool's own message. Prints its time on a one-file change with warm caches."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("repo")
    for name in ("terragrunt.hcl", ".terragrunt-excludes"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, repo / name)
    shutil.copytree(ROOT / "modules", repo / "modules", ignore=shutil.ignore_patterns(".terraform*"))
    shutil.copytree(
        ROOT / "live", repo / "live", ignore=shutil.ignore_patterns(".terragrunt-cache", "build.json")
    )
    for env in ("dev", "staging", "prod"):
        shutil.copy(ROOT / "live" / env / "build.json", repo / "live" / env / "build.json")
    (repo / "scripts" / "checks").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "checks" / "validate.py", repo / "scripts" / "checks" / "validate.py")
    (repo / ".tools").symlink_to(ROOT / ".tools")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)  # get_repo_root() needs a repository
    return repo


def hook(repo: Path, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(repo / "scripts" / "checks" / "validate.py"), *files],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def break_file(path: Path, old: str, new: str) -> str:
    original = path.read_text()
    assert old in original
    path.write_text(original.replace(old, new, 1))
    return original


def test_the_tree_as_it_is_passes_and_a_one_file_change_takes_seconds(copy):
    first = hook(copy, "modules/function/main.tf")
    assert first.returncode == 0, first.stdout + first.stderr

    started = time.monotonic()
    again = hook(copy, "live/local/us-east-1/function/terragrunt.hcl")
    elapsed = time.monotonic() - started

    assert again.returncode == 0, again.stdout + again.stderr
    print(f"validate hook on a one-file change, warm caches: {elapsed:.1f} s")


def test_a_broken_reference_in_a_module_fails_the_hook(copy):
    main = copy / "modules" / "function" / "main.tf"
    original = break_file(main, "aws_cloudwatch_log_group.this.name", "aws_cloudwatch_log_group.missing.name")
    try:
        result = hook(copy, "modules/function/main.tf")
    finally:
        main.write_text(original)

    assert result.returncode == 1
    assert "FAIL tofu validate modules/function" in result.stdout
    assert "Reference to undeclared resource" in result.stderr


def test_a_misspelt_dependency_output_in_a_unit_fails_the_hook(copy):
    common = copy / "live" / "_envcommon" / "function.hcl"
    original = break_file(
        common, "dependency.layer.outputs.layer_version_arn", "dependency.layer.outputs.layer_versoin_arn"
    )
    try:
        result = hook(copy, "live/_envcommon/function.hcl")
    finally:
        common.write_text(original)

    assert result.returncode == 1
    assert "FAIL terragrunt hcl validate --inputs live/" in result.stdout
    assert "layer_versoin_arn" in result.stderr
