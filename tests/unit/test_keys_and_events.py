"""Pure parts of the contract: key decoding, the results key, event validation, configuration."""

from __future__ import annotations

import json

import pytest
from fp_helpers import VECTORS_DIR, load_event, object_event

from file_processor.config import MAX_PREFIX_BYTES, ConfigError, load_config
from file_processor.events import MalformedEventError, parse_event
from file_processor.keys import ObjectRef, decode_event_key, results_key

KEY_VECTORS = json.loads((VECTORS_DIR / "results_keys.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", KEY_VECTORS["cases"], ids=lambda case: case["name"])
def test_results_key_matches_shared_vector(case):
    key = decode_event_key(case["eventKey"])
    ref = ObjectRef(case["bucket"], key, case["eTag"], case["versionId"])

    assert key == case["decodedKey"]
    assert results_key(KEY_VECTORS["prefix"], ref) == case["resultsKey"]


@pytest.mark.parametrize(
    ("event_key", "decoded"),
    [
        ("my+file.txt", "my file.txt"),
        ("a%2Bb.txt", "a+b.txt"),
        ("100%25.txt", "100%.txt"),
        ("caf%C3%A9+%E2%82%AC.txt", "café €.txt"),
    ],
)
def test_key_with_spaces_plus_percent_and_unicode_is_decoded(event_key, decoded):
    assert decode_event_key(event_key) == decoded


def test_results_key_stays_within_s3_limit_for_longest_key_bucket_and_prefix():
    ref = ObjectRef("b" * 63, "é" * 512, "etag", "v" * 1024)
    key = results_key("p/" * (MAX_PREFIX_BYTES // 2), ref)

    assert len(key.encode("utf-8")) <= 1024


def test_versioned_and_unversioned_refs_get_different_results_keys():
    unversioned = results_key("r/", ObjectRef("b", "k", "etag"))
    versioned = results_key("r/", ObjectRef("b", "k", "etag", "v1"))
    null_version = results_key("r/", ObjectRef("b", "k", "etag", "null"))

    assert "/e-" in unversioned
    assert "/v-" in versioned
    assert null_version == unversioned


def test_quoted_and_bare_etag_give_the_same_results_key():
    assert results_key("", ObjectRef("b", "k", '"abc"')) == results_key("", ObjectRef("b", "k", "abc"))


def test_s3_event_is_parsed_with_decoded_key_and_version():
    [item] = parse_event(load_event("s3_object_created_versioned.json"))

    assert item.ref.bucket == "example-source"
    assert item.ref.key == "uploads/my file.txt"
    assert item.ref.version_id == "096fKKXTRTtl3on89fVO.nfljtsv6qko"
    assert item.size == 12
    assert item.object_created


def test_test_event_parses_as_nothing_to_do():
    assert parse_event(load_event("s3_test_event.json")) is None


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (load_event("sqs_message.json"), "eventSource is 'aws:sqs'"),
        ({"hello": "world"}, "expected a 'Records' list"),
        ([], "expected a 'Records' list"),
        ({"Records": []}, "'Records' is empty"),
        ({"Records": ["text"]}, "expected an object"),
        (load_event("s3_missing_key.json"), "missing field 'key'"),
    ],
    ids=["sqs", "dict", "list", "empty", "non-object-record", "missing-key"],
)
def test_non_s3_or_malformed_event_is_rejected_with_clear_message(event, message):
    with pytest.raises(MalformedEventError, match=message):
        parse_event(event)


def test_event_with_invalid_size_or_missing_etag_is_rejected():
    bad_size = object_event("k", 1, "etag")
    bad_size["Records"][0]["s3"]["object"]["size"] = "big"
    no_etag = object_event("k", 1, "etag")
    del no_etag["Records"][0]["s3"]["object"]["eTag"]

    with pytest.raises(MalformedEventError, match="size must be a whole number"):
        parse_event(bad_size)
    with pytest.raises(MalformedEventError, match="eTag is required"):
        parse_event(no_etag)


def test_config_defaults():
    config = load_config({"RESULTS_BUCKET": "results", "TRIGGER_BUCKET": "source"})

    assert config.results_prefix == "records/"
    assert config.max_hash_bytes == 1024**3
    assert config.s3_max_attempts == 5
    assert (config.trigger_bucket, config.trigger_prefix, config.trigger_suffix) == ("source", "", "")


BOTH = {"RESULTS_BUCKET": "results", "TRIGGER_BUCKET": "source"}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "RESULTS_BUCKET is required"),
        ({"RESULTS_BUCKET": "Not_A_Bucket"}, "RESULTS_BUCKET must be a valid S3 bucket name"),
        ({"RESULTS_BUCKET": "results"}, "TRIGGER_BUCKET is required"),
        ({**BOTH, "TRIGGER_BUCKET": "s3://source"}, "TRIGGER_BUCKET must be a valid S3 bucket name"),
        ({**BOTH, "TRIGGER_BUCKET": "results"}, "TRIGGER_BUCKET and RESULTS_BUCKET must differ"),
        ({**BOTH, "RESULTS_PREFIX": "records"}, "RESULTS_PREFIX must be empty or end"),
        ({**BOTH, "RESULTS_PREFIX": "/r/"}, "RESULTS_PREFIX must not start"),
        ({**BOTH, "RESULTS_PREFIX": "x" * 600 + "/"}, "at most 512 bytes"),
        ({**BOTH, "MAX_HASH_BYTES": "1GB"}, "MAX_HASH_BYTES must be a whole number"),
        ({**BOTH, "MAX_HASH_BYTES": "-1"}, "MAX_HASH_BYTES must be >= 0"),
        ({**BOTH, "S3_MAX_ATTEMPTS": "0"}, "S3_MAX_ATTEMPTS must be between 1 and 20"),
    ],
)
def test_invalid_configuration_names_the_variable(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ)
