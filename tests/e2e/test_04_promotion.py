"""Promotion on live evidence: what every region of the source serves (the live alias's version, its
CodeSha256 and its layer's, read through the Lambda API) must be the source's record; stages are not
skipped without a recorded override; the deploy check refuses a record without provenance or one
changed after it was verified. The local environment plays the first stage here, after the rollouts
of test_03 left its record on the broken build and its regions on the good one."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from release import builds, promotion
from stack_helpers import ENV, OTHER_REGION, REGIONS

pytestmark = pytest.mark.slow

ORDER = [ENV, "staging", "prod"]  # local stands in for dev: it is the stage the stand-in can run


def test_after_a_rollback_the_record_is_restored_and_every_region_runs_it(local_stack):
    """What a person does after test_03's rollback: revert the record to the build that runs."""
    builds.write_record(ENV, local_stack.notes["good_record"])

    for region in REGIONS:
        assert promotion.running_build(ENV, region).runs(builds.read_record(ENV)), region


def test_a_build_every_region_runs_is_promoted_with_its_live_evidence(local_stack, tmp_path):
    target = tmp_path / "build.json"

    promoted = promotion.promote(ENV, "staging", order=ORDER, target_record=target)

    assert json.loads(target.read_text()) == promoted
    assert builds.same_build(promoted, builds.read_record(ENV))
    provenance = promoted["provenance"]
    assert provenance["kind"] == "promotion"
    assert provenance["source_environment"] == ENV
    assert provenance["override"] is None
    assert sorted(provenance["verified"]) == sorted(REGIONS)
    for region in REGIONS:
        name = local_stack.region_outputs[region]["function"]["function_name"]
        live = local_stack.client("lambda", region).get_function_configuration(
            FunctionName=name, Qualifier="live"
        )
        assert provenance["verified"][region]["function_code_sha256"] == live["CodeSha256"]
    promotion.check_record("staging", ORDER, promoted)


def test_the_deploy_check_refuses_a_tampered_record_and_one_without_provenance(local_stack, tmp_path):
    promoted = promotion.promote(ENV, "staging", order=ORDER, target_record=tmp_path / "build.json")
    tampered = json.loads(json.dumps(promoted))
    tampered["function"]["sha256"] = "0" * 64
    bare = {key: value for key, value in promoted.items() if key != "provenance"}

    with pytest.raises(
        promotion.PromotionError, match=f"{ENV}/us-east-1 verified function .* but the record names"
    ):
        promotion.check_record("staging", ORDER, tampered)
    with pytest.raises(promotion.PromotionError, match="has no provenance"):
        promotion.check_record("staging", ORDER, bare)
    with pytest.raises(promotion.PromotionError, match="expected a promotion from staging"):
        promotion.check_record("prod", ORDER, promoted)


def test_skipping_a_stage_is_refused_and_allowed_with_an_override_that_is_recorded(local_stack, tmp_path):
    with pytest.raises(promotion.PromotionError, match="dev -> prod skips staging"):
        promotion.promote("dev", "prod", target_record=tmp_path / "refused.json")  # the default order
    assert not (tmp_path / "refused.json").exists()

    promoted = promotion.promote(
        ENV, "prod", order=ORDER, override="hotfix INC-1234", target_record=tmp_path / "build.json"
    )

    assert promoted["provenance"]["override"] == {"reason": "hotfix INC-1234", "skipped": ["staging"]}
    promotion.check_record("prod", ORDER, promoted)
    without_override = json.loads(json.dumps(promoted))
    without_override["provenance"]["override"] = None
    with pytest.raises(promotion.PromotionError, match="without a recorded override"):
        promotion.check_record("prod", ORDER, without_override)


def test_code_changed_out_of_band_in_the_source_refuses_the_promotion(local_stack, tmp_path):
    """Someone uploads other code and points the alias at it (the console, another pipeline)."""
    awslambda = local_stack.client("lambda", OTHER_REGION)
    name = local_stack.region_outputs[OTHER_REGION]["function"]["function_name"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("patched.txt", "changed by hand")
    awslambda.update_function_code(FunctionName=name, ZipFile=package.getvalue())
    version = awslambda.publish_version(FunctionName=name)["Version"]
    awslambda.update_alias(FunctionName=name, Name="live", FunctionVersion=version)
    found = awslambda.get_function_configuration(FunctionName=name, Qualifier=version)["CodeSha256"]

    with pytest.raises(promotion.PromotionError) as refused:
        promotion.promote(ENV, "staging", order=ORDER, target_record=tmp_path / "build.json")

    message = str(refused.value)
    assert f"{ENV}/{OTHER_REGION} does not run its record" in message
    assert f"found {found} (version {version} of {name})" in message
    assert not (tmp_path / "build.json").exists()
