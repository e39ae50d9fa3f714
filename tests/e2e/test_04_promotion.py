"""Promotion on live evidence: what every region of the source serves (the live alias's version, the
package its signing job signed and its layer's, read through the Lambda, Signer and S3 APIs) must be
the source's record; code that is not signed by the region's profile never deploys; stages are not
skipped without a recorded override; the deploy check refuses a record without provenance or one
changed after it was verified. The local environment plays the first stage here, after the rollouts
of test_03 left its record on the broken build and its regions on the good one."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from release import builds, promotion
from release.live import hex_to_base64, version_packages
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
        record = builds.read_record(ENV)
        # Lambda serves the signed copy; the evidence is the package that was signed, the record's.
        assert live["SigningJobArn"]
        assert live["CodeSha256"] != hex_to_base64(record["function"]["sha256"])
        assert provenance["verified"][region]["function_code_sha256"] == hex_to_base64(
            record["function"]["sha256"]
        )
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


def test_unsigned_code_is_refused_by_lambda_and_another_version_on_the_alias_refuses_the_promotion(
    local_stack, tmp_path
):
    """Someone uploads other code (the console, another pipeline): Lambda refuses it, since the code
    signing configuration enforces the region's profile. Someone points the alias at another signed
    version (an older build): the promotion's live evidence finds it and refuses."""
    awslambda = local_stack.client("lambda", OTHER_REGION)
    name = local_stack.region_outputs[OTHER_REGION]["function"]["function_name"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("patched.txt", "changed by hand")
    with pytest.raises(awslambda.exceptions.CodeVerificationFailedException):
        awslambda.update_function_code(FunctionName=name, ZipFile=package.getvalue())

    record = builds.read_record(ENV)
    expected = (hex_to_base64(record["function"]["sha256"]), (hex_to_base64(record["layer"]["sha256"]),))
    versions = [
        version["Version"]
        for page in awslambda.get_paginator("list_versions_by_function").paginate(FunctionName=name)
        for version in page["Versions"]
        if version["Version"] != "$LATEST"
    ]
    # The first deploy's version at least: test_03's good build changed the layer since.
    version, (function_found, layers_found) = next(
        (version, found)
        for version in versions
        if (found := version_packages(ENV, OTHER_REGION, name, version)) != expected
    )
    awslambda.update_alias(FunctionName=name, Name="live", FunctionVersion=version)

    with pytest.raises(promotion.PromotionError) as refused:
        promotion.promote(ENV, "staging", order=ORDER, target_record=tmp_path / "build.json")

    message = str(refused.value)
    assert f"{ENV}/{OTHER_REGION} does not run its record" in message
    if function_found != expected[0]:
        assert f"found {function_found} (version {version} of {name})" in message
    if layers_found != expected[1]:
        assert f"found {list(layers_found)}" in message
    assert not (tmp_path / "build.json").exists()
