#!/usr/bin/env python3
"""Pre-commit hook: validate what a change touches, offline, in seconds.

- a changed file under ``modules/<name>/`` validates that module with ``tofu validate`` (initialised
  against the local provider mirror, no backend, its working data under build/validate/);
- a changed unit (``live/<env>/<region>/<unit>/terragrunt.hcl``) is checked with Terragrunt's own
  ``hcl validate --inputs`` (the configuration evaluates, with the dependencies' mock outputs, and
  every input is a variable of the module); a changed ``live/_envcommon/<unit>.hcl`` checks every
  unit that includes it, a changed ``env.hcl``/``region.hcl`` the units below it, and a changed root
  ``terragrunt.hcl`` or module checks one unit of each kind.

A broken reference in a module or a misspelt dependency output in a unit fails the hook with the
tool's own message. Nothing here needs credentials or the network.

Usage:
    scripts/checks/validate.py FILE [FILE ...]     # what pre-commit passes
    scripts/checks/validate.py --all               # every module and one unit of each kind
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = ROOT / ".tools" / "bin"
DATA_DIR = ROOT / "build" / "validate"
UNITS = ("buckets", "iam", "layer", "network", "function")
# One unit of each kind is enough for a change every unit shares (the root or a module).
SAMPLE_UNITS = [Path("live/local/us-east-1") / unit for unit in UNITS]


def tool_env() -> dict[str, str]:
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(TOOLS_BIN), os.environ.get("PATH", "")]),
        "TF_CLI_CONFIG_FILE": str(ROOT / ".tools" / "tofurc"),
        "TG_TF_PATH": os.environ.get("TG_TF_PATH", "tofu"),
        "TG_NON_INTERACTIVE": "true",
        # Offline: no backend, and dependencies answer with their mock outputs (root terragrunt.hcl).
        "TG_OFFLINE_VALIDATE": "true",
        "LOCAL_AWS_ENDPOINT": "https://127.0.0.1:9",
        "CHECKPOINT_DISABLE": "1",
    }


def modules_for(paths: list[Path]) -> set[Path]:
    return {Path(*path.parts[:2]) for path in paths if path.parts[0] == "modules" and len(path.parts) > 2}


def units_for(paths: list[Path]) -> set[Path]:
    units: set[Path] = set()
    for path in paths:
        parts = path.parts
        if ".terragrunt-cache" in parts:
            continue
        if path == Path("terragrunt.hcl") or parts[0] == "modules":
            units.update(SAMPLE_UNITS)
        elif parts[:2] == ("live", "_envcommon"):
            kind = path.stem
            units.update(unit.parent for unit in (ROOT / "live").glob(f"*/*/{kind}/terragrunt.hcl"))
        elif parts[0] == "live" and path.name in ("env.hcl", "region.hcl", "build.json"):
            below = (ROOT / path.parent).glob("**/terragrunt.hcl")
            units.update(unit.parent for unit in below if ".terragrunt-cache" not in unit.parts)
        elif parts[0] == "live" and path.name == "terragrunt.hcl":
            units.add(ROOT / path.parent)
    return {unit.relative_to(ROOT) if unit.is_absolute() else unit for unit in units}


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[bool, str]:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return result.returncode == 0, (result.stdout + result.stderr).strip()


def validate_module(module: Path, env: dict[str, str]) -> tuple[bool, str]:
    data = DATA_DIR / module.name
    env = {**env, "TF_DATA_DIR": str(data)}
    if not (data / "providers").exists() and not (data / "plugins").exists():
        ok, output = run(["tofu", "init", "-backend=false", "-input=false", "-no-color"], ROOT / module, env)
        if not ok:
            return ok, output
    ok, output = run(["tofu", "validate", "-no-color"], ROOT / module, env)
    if not ok and "init" in output:  # a new provider requirement: initialise once more
        run(["tofu", "init", "-backend=false", "-input=false", "-no-color", "-upgrade"], ROOT / module, env)
        ok, output = run(["tofu", "validate", "-no-color"], ROOT / module, env)
    return ok, output


def validate_unit(unit: Path, env: dict[str, str]) -> tuple[bool, str]:
    cache = DATA_DIR / "terragrunt" / unit.as_posix().replace("/", "_")
    return run(
        ["terragrunt", "hcl", "validate", "--inputs", "--no-color", "--download-dir", str(cache)],
        ROOT / unit,
        env,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", type=Path, help="changed files, relative to the repository root")
    parser.add_argument("--all", action="store_true", help="every module and one unit of each kind")
    args = parser.parse_args(argv)
    if not (TOOLS_BIN / "tofu").exists():
        print("validate: .tools/bin/tofu is missing: run `make setup`", file=sys.stderr)
        return 2
    files = [path for path in args.files if (ROOT / path).exists()]
    if args.all:
        files = [
            Path("terragrunt.hcl"),
            *(Path("modules") / m.name / "main.tf" for m in (ROOT / "modules").iterdir()),
        ]
    started = time.monotonic()
    env = tool_env()
    record = ROOT / "live" / "local" / "build.json"
    made_record = not record.exists()
    if made_record:  # the local units read a record; any real one will do for validation
        shutil.copyfile(ROOT / "live" / "dev" / "build.json", record)
    failures = []
    try:
        checks = [
            (f"tofu validate {module}", validate_module, module) for module in sorted(modules_for(files))
        ]
        checks += [
            (f"terragrunt hcl validate --inputs {unit}", validate_unit, unit)
            for unit in sorted(units_for(files))
        ]
        for label, check, target in checks:
            ok, output = check(target, env)
            print(f"{'ok  ' if ok else 'FAIL'} {label}")
            if not ok:
                failures.append(f"{label}:\n{output}")
    finally:
        if made_record:
            record.unlink(missing_ok=True)
    for failure in failures:
        print(f"\n{failure}", file=sys.stderr)
    print(f"validated {len(checks)} target(s) in {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
