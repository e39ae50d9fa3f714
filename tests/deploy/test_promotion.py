"""Build records and promotion: the same bytes move from environment to environment, and only a
build the source environment really runs can be promoted. The check against what Lambda serves runs
for real in tests/e2e/test_05_promotion.py; here what each region serves is given directly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from release import builds, promotion  # noqa: E402
from release.live import RegionBuild, hex_to_base64  # noqa: E402


def running_as_recorded(env: str, region: str) -> RegionBuild:
    """What Lambda would report for a region that serves env's record."""
    record = builds.read_record(env)
    return RegionBuild(
        region,
        f"fileproc-{env}-processor",
        "live",
        "7",
        hex_to_base64(record["function"]["sha256"]),
        (hex_to_base64(record["layer"]["sha256"]),),
        {},
    )


def test_every_real_environment_records_a_complete_build():
    for env in ("dev", "staging", "prod"):
        record = builds.read_record(env)
        assert record["runtime"] in {"python3.14", "java21"}
        assert record["architecture"] == "arm64"
        for package in builds.PACKAGES:
            assert len(record[package]["sha256"]) == 64


def test_the_promotion_order_is_data_and_names_real_environments():
    assert promotion.promotion_order() == ["dev", "staging", "prod"]


def test_dev_runs_a_build_of_this_repository_with_its_provenance():
    promotion.check_record("dev")
    assert builds.read_record("dev")["provenance"]["kind"] == "build"


def test_promotion_writes_only_the_target_record_with_its_provenance(tmp_path):
    target = tmp_path / "build.json"

    promoted = promotion.promote("dev", "staging", running_as_recorded, target_record=target)

    assert builds.same_build(promoted, builds.read_record("dev"))
    assert json.loads(target.read_text()) == promoted
    assert promoted["provenance"]["source_environment"] == "dev"
    assert promoted["provenance"]["verified"]["eu-central-1"]["function_version"] == "7"
    promotion.check_record("staging", record=promoted)


def test_promotion_refuses_in_one_line_naming_region_expected_and_found(tmp_path):
    def one_region_behind(env: str, region: str) -> RegionBuild:
        build = running_as_recorded(env, region)
        return RegionBuild(region, build.function_name, "live", "6", "OLDCODE=", build.layer_code_sha256, {})

    with pytest.raises(promotion.PromotionError) as refused:
        promotion.promote("dev", "staging", one_region_behind, target_record=tmp_path / "build.json")
    message = str(refused.value)
    assert "\n" not in message
    assert "dev/eu-central-1 does not run its record" in message
    assert "found OLDCODE= (version 6 of fileproc-dev-processor)" in message
    assert not (tmp_path / "build.json").exists()


def test_a_canary_under_way_in_the_source_refuses_the_promotion(tmp_path):
    def canary(env: str, region: str) -> RegionBuild:
        build = running_as_recorded(env, region)
        return RegionBuild(
            region,
            build.function_name,
            "live",
            "7",
            build.function_code_sha256,
            build.layer_code_sha256,
            {"8": 0.1},
        )

    with pytest.raises(promotion.PromotionError, match="a canary is under way"):
        promotion.promote("dev", "staging", canary, target_record=tmp_path / "build.json")


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("dev", "dev", "same environment"),
        ("prod", "staging", "comes before prod"),
        ("dev", "prod", "skips staging"),
        ("local", "staging", "not in the promotion order"),
    ],
)
def test_promotion_only_moves_forward_one_stage(source, target, message, tmp_path):
    with pytest.raises(promotion.PromotionError, match=message):
        promotion.promote(source, target, running_as_recorded, target_record=tmp_path / "build.json")


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
