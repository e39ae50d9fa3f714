"""Build records and promotion: the same bytes move from environment to environment, and only a
build the source environment really runs can be promoted. The check against what is deployed runs
for real in tests/e2e; here the deployed state is given directly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from release import builds  # noqa: E402


def running_as_recorded(env: str) -> dict[str, dict]:
    record = builds.read_record(env)
    return {"eu-central-1": {"layer": record["layer"]["sha256"], "function": record["function"]["sha256"]}}


def test_every_real_environment_records_a_complete_build():
    for env in ("dev", "staging", "prod"):
        record = builds.read_record(env)
        assert record["runtime"] in {"python3.14", "java21"}
        assert record["architecture"] == "arm64"
        for package in builds.PACKAGES:
            assert len(record[package]["sha256"]) == 64


def test_promotion_writes_only_the_target_record(tmp_path):
    target = tmp_path / "build.json"

    promoted = builds.promote("dev", "staging", running_as_recorded, target_record=target)

    assert promoted == builds.read_record("dev")
    assert json.loads(target.read_text()) == promoted


def test_promotion_refuses_when_a_region_runs_something_else(tmp_path):
    def one_region_behind(env: str) -> dict[str, dict]:
        running = running_as_recorded(env)
        running["eu-west-1"] = {"layer": "1" * 64, "function": running["eu-central-1"]["function"]}
        return running

    with pytest.raises(builds.BuildError, match="eu-west-1 runs layer 111111111111"):
        builds.promote("dev", "staging", one_region_behind, target_record=tmp_path / "build.json")
    assert not (tmp_path / "build.json").exists()


def test_promotion_to_the_same_environment_is_refused(tmp_path):
    with pytest.raises(builds.BuildError, match="same environment"):
        builds.promote("dev", "dev", running_as_recorded, target_record=tmp_path / "x.json")


def test_an_unknown_environment_is_a_clear_error():
    with pytest.raises(builds.BuildError, match="unknown environment 'qa'"):
        builds.read_record("qa")


def test_verify_fails_with_the_command_that_fixes_it(tmp_path):
    manifest = {
        "target": "python3.14-arm64",
        "runtime": "python3.14",
        "architecture": "arm64",
        "layer": {"sha256": "2" * 64},
        "function": {"sha256": "3" * 64},
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    with pytest.raises(builds.BuildError, match="run `make record ENV=dev`"):
        builds.verify("dev", path)


def test_fetch_rebuilds_a_missing_build_and_verifies_it(tmp_path, monkeypatch):
    monkeypatch.setattr(builds, "STORE", tmp_path / "store")
    record = builds.read_record("prod")

    def rebuild_with_other_bytes(_record: dict, build_dir: Path) -> Path:
        out = build_dir / "python3.14-arm64"
        out.mkdir(parents=True)
        manifest = {**record, "layer": {"sha256": "4" * 64}, "function": record["function"]}
        (out / "manifest.json").write_text(json.dumps(manifest))
        return out / "manifest.json"

    monkeypatch.setattr(builds, "ROOT", tmp_path)  # no local build of the target in tmp_path
    with pytest.raises(builds.BuildError, match="is not reproducible here"):
        builds.fetch("prod", rebuild=rebuild_with_other_bytes)


def test_dev_records_the_build_of_this_commit():
    """dev runs what main builds: a code or dependency change must come with `make record ENV=dev`."""
    builds.verify("dev", builds.build_for("dev"))
