"""Drive Terragrunt over the live tree from Python: the environment every run needs, `run --all`
on an environment (optionally one region, selected with Terragrunt's own --filter), unit outputs,
and the per-unit timings Terragrunt reports.

Used by scripts/demo.py, scripts/release/rollout.py and the tests; the Makefile sets the same variables.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
LIVE = ROOT / "live"
TOOLS_BIN = ROOT / ".tools" / "bin"
CLI_CONFIG = ROOT / ".tools" / "tofurc"
REPORTS = ROOT / "build" / "reports"


class StackError(Exception):
    """A Terragrunt run failed; the message names the command and where its log is."""


def toolchain_env(**extra: str) -> dict[str, str]:
    """The variables the Makefile exports for every tool."""
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(TOOLS_BIN), str(ROOT / ".venv" / "bin"), os.environ.get("PATH", "")]),
        "TF_CLI_CONFIG_FILE": str(CLI_CONFIG),
        "TG_TF_PATH": os.environ.get("TG_TF_PATH", "tofu"),
        "TG_NON_INTERACTIVE": "true",
        "TG_PARALLELISM": os.environ.get("TG_PARALLELISM", "2"),
        "CHECKPOINT_DISABLE": "1",
        **extra,
    }


def standin_env_vars(endpoint: str) -> dict[str, str]:
    """Variables every run against the local stand-in needs (Terragrunt, OpenTofu, the provider).

    The stand-in forgets everything when it stops and comes back on another port, so each stand-in
    gets its own Terragrunt download directory: no working directory initialised against an
    earlier one is ever reused.
    """
    from standin.server import STANDIN_ENV
    from standin.tls import ensure_tls_files

    port = endpoint.rsplit(":", 1)[-1].strip("/")
    return {
        **STANDIN_ENV,
        "LOCAL_AWS_ENDPOINT": endpoint,
        "AWS_ENDPOINT_URL": endpoint,
        # The stand-in serves TLS with a local CA; the bundle also holds the system's CAs.
        "AWS_CA_BUNDLE": str(ensure_tls_files().bundle),
        "TG_DOWNLOAD_DIR": str(ROOT / "build" / "terragrunt-local" / port),
    }


# Where `make demo KEEP=1` (and the end-to-end tests) say the running stand-in is (standin/server.py).
LOCAL_STANDIN_FILE = ROOT / "build" / "local-standin.json"


def hcl_literal(value: Any) -> Any:
    """A value as python-hcl2 returns it, with string literals unquoted (lists and maps too)."""
    if isinstance(value, str) and value.startswith('"') and value.endswith('"'):
        return json.loads(value)
    if isinstance(value, list):
        return [hcl_literal(item) for item in value]
    if isinstance(value, dict):
        return {key: hcl_literal(item) for key, item in value.items() if not key.startswith("__")}
    return value


def env_locals(env: str) -> dict[str, Any]:
    """The locals of live/<env>/env.hcl, parsed with an HCL parser (literal values only)."""
    with (environment_dir(env) / "env.hcl").open(encoding="utf-8") as handle:
        parsed = hcl2.load(handle)
    block = parsed["locals"][0]
    return hcl_literal(block)


def env_vars_for(env: str) -> dict[str, str]:
    """Extra variables a run on env needs: for the local environment, the running stand-in."""
    if not env_locals(env).get("is_local"):
        return {}
    if not LOCAL_STANDIN_FILE.exists():
        raise StackError(
            "the local environment lives in the stand-in, which is not running: start it with "
            "`make demo KEEP=1` and run this from another shell"
        )
    return standin_env_vars(json.loads(LOCAL_STANDIN_FILE.read_text())["endpoint"])


def environment_dir(env: str) -> Path:
    path = LIVE / env
    if not (path / "env.hcl").exists():
        known = ", ".join(sorted(p.parent.name for p in LIVE.glob("*/env.hcl")))
        raise StackError(f"unknown environment {env!r}; environments: {known}")
    return path


def regions(env: str) -> list[str]:
    return sorted(path.parent.name for path in environment_dir(env).glob("*/region.hcl"))


@dataclass(frozen=True)
class UnitTiming:
    unit: str
    result: str
    started: datetime
    ended: datetime

    @property
    def seconds(self) -> float:
        return (self.ended - self.started).total_seconds()


def read_report(report_file: Path) -> list[UnitTiming]:
    """Per-unit result and duration from a Terragrunt --report-file (JSON)."""
    if not report_file.exists():
        return []
    timings = []
    for entry in json.loads(report_file.read_text()):
        started = datetime.fromisoformat(entry["Started"])
        ended = datetime.fromisoformat(entry["Ended"])
        timings.append(UnitTiming(entry["Name"], entry["Result"], started, ended))
    return timings


def region_filter(region: str) -> str:
    """Terragrunt's own unit filter for every unit of one region (run from the environment folder)."""
    return f"./{region}/**"


def run_all(
    env: str,
    command: list[str],
    *,
    region: str | None = None,
    unit: str | None = None,
    env_vars: dict[str, str] | None = None,
    log_file: Path | None = None,
    echo: bool = True,
) -> list[UnitTiming]:
    """`terragrunt run --all <command>` on one environment (one region, or one unit of a region,
    with Terragrunt's --filter; a filtered unit reads its dependencies' outputs from state)."""
    working_dir = environment_dir(env)
    REPORTS.mkdir(parents=True, exist_ok=True)
    label = f"{env}{'-' + region if region else ''}{'-' + unit if unit else ''}-{command[0]}"
    report = REPORTS / f"{label}.json"
    report.unlink(missing_ok=True)
    args = [
        "terragrunt",
        "run",
        "--all",
        "--no-color",
        "--report-file",
        str(report),
        "--report-format",
        "json",
    ]
    if region:
        if region not in regions(env):
            raise StackError(
                f"environment {env} has no region {region!r}; regions: {', '.join(regions(env))}"
            )
        args += ["--filter", f"./{region}/{unit}" if unit else region_filter(region)]
    args += ["--", *command]
    log_file = log_file or REPORTS / f"{label}.log"
    env_vars = env_vars if env_vars is not None else env_vars_for(env)
    with log_file.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            args,
            cwd=working_dir,
            env=toolchain_env(**env_vars),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in process.stdout:
            log.write(line)
            if echo and _worth_showing(line):
                print(f"  {line.rstrip()}", flush=True)
        returncode = process.wait()
    timings = read_report(report)
    if returncode != 0:
        raise StackError(
            f"`{' '.join(args)}` failed in {working_dir} (exit {returncode}); full log: {log_file}"
            + error_excerpt(log_file)
        )
    return timings


def error_excerpt(log_file: Path, *, context: int = 4, limit: int = 40) -> str:
    """The error lines of a run's log (each with the lines after it), so that a failure read
    where the log is gone (a CI run's output) still says what failed."""
    lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
    picked: list[str] = []
    seen: set[int] = set()
    for number, line in enumerate(lines):
        if "Error:" not in line and "ERROR" not in line:
            continue
        for index in range(number, min(number + context + 1, len(lines))):
            if index not in seen:
                seen.add(index)
                picked.append(lines[index].rstrip())
    if not picked:
        return ""
    shown = picked[:limit]
    more = f"\n  … {len(picked) - limit} more lines in the log" if len(picked) > limit else ""
    return "\n" + "\n".join(f"  {line}" for line in shown) + more


def _worth_showing(line: str) -> bool:
    """Progress lines of a run: per-unit results, changes, errors; not the provider chatter."""
    markers = (
        "Apply complete",
        "Destroy complete",
        "Plan:",
        "No changes",
        "Error",
        "ERROR",
        "Run Summary",
        "Succeeded",
    )
    return any(marker in line for marker in markers)


def unit_outputs(env: str, region: str, unit: str, env_vars: dict[str, str] | None = None) -> dict:
    """`terragrunt output -json` of one unit, as plain values."""
    unit_dir = environment_dir(env) / region / unit
    env_vars = env_vars if env_vars is not None else env_vars_for(env)
    result = subprocess.run(
        ["terragrunt", "output", "-json", "--no-color"],
        cwd=unit_dir,
        env=toolchain_env(**env_vars),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(f"terragrunt output failed in {unit_dir}:\n{result.stderr[-2000:]}")
    return {name: value["value"] for name, value in json.loads(result.stdout).items()}


LOCAL_ACCOUNT_BOOTSTRAP = ROOT / "bootstrap" / "local-account"


def bootstrap_local_account(env_vars: dict[str, str]) -> float:
    """Apply bootstrap/local-account to the stand-in: the local workload boundary, which every
    live/local role carries, as an administrator bootstraps a real account before its first deploy.
    Returns the seconds it took."""
    started = time.monotonic()
    REPORTS.mkdir(parents=True, exist_ok=True)
    log_file = REPORTS / "local-account-bootstrap.log"
    result = subprocess.run(
        ["terragrunt", "run", "--non-interactive", "--no-color", "--", "apply", "-auto-approve"],
        cwd=LOCAL_ACCOUNT_BOOTSTRAP,
        env=toolchain_env(**env_vars, TG_BACKEND_BOOTSTRAP="true"),
        capture_output=True,
        text=True,
        check=False,
    )
    log_file.write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        raise StackError(
            f"the stand-in account's bootstrap failed (exit {result.returncode}); log: {log_file}\n"
            f"{result.stderr[-2000:]}"
        )
    return time.monotonic() - started


def print_timings(timings: list[UnitTiming], title: str) -> None:
    if not timings:
        return
    print(f"{title}:", file=sys.stdout)
    for timing in timings:
        print(f"  {timing.unit:<28} {timing.result:<10} {timing.seconds:6.1f} s")
