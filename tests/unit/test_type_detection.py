"""Type detection and the declared/detected mismatch rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from fp_helpers import ROOT, VECTORS_DIR

from file_processor.detect import Detection, detect, is_mismatch

CASES = json.loads((VECTORS_DIR / "cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["name"])
def test_detection_of_shared_vector_objects(case):
    body = (VECTORS_DIR / case["object"]["bodyFile"]).read_bytes()
    expected = case["expected"]["record"]["type"]

    detection, method = detect(body[:65536], complete=len(body) <= 65536)

    assert method == expected["method"]
    if expected["detected"] is None:
        assert detection is None
    else:
        assert detection is not None
        assert {
            "mimeType": detection.mime_type,
            "extension": detection.extension,
            "name": detection.name,
        } == (expected["detected"])
    assert is_mismatch(case["object"]["contentType"], detection) is expected["mismatch"]


def test_json_longer_than_the_sample_is_text():
    detection, method = detect(b'{"a": "' + b"x" * 100, complete=False)

    assert (detection.mime_type, method) == ("text/plain", "text")


def test_utf8_character_cut_by_the_sample_end_is_still_text():
    sample = "euro €".encode()[:-1]

    assert detect(sample, complete=False)[0].mime_type == "text/plain"
    assert detect(sample, complete=True) == (None, "unknown")


def test_json_nested_too_deeply_to_parse_is_text_not_a_failure():
    nested = b"[" * 20_000 + b"]" * 20_000  # 40 KB, beyond the JSON parser's recursion limit

    detection, method = detect(nested, complete=True)

    assert (detection.mime_type, method) == ("text/plain", "text")


def test_binary_without_signature_is_unknown():
    assert detect(bytes(range(256)), complete=True) == (None, "unknown")


PNG = Detection("image/png", ".png", "PNG", "magic")
ZIP = Detection("application/zip", ".zip", "ZIP archive", "magic")
TEXT = Detection("text/plain", ".txt", "UTF-8 text", "text")
JSON = Detection("application/json", ".json", "JSON document", "json")


@pytest.mark.parametrize(
    ("declared", "detected", "mismatch"),
    [
        (None, PNG, False),
        ("application/octet-stream", PNG, False),
        ("binary/octet-stream", PNG, False),
        ("image/png", None, False),
        ("IMAGE/PNG; foo=bar", PNG, False),
        ("image/jpeg", PNG, True),
        ("image/jpg", Detection("image/jpeg", ".jpg", "JPEG", "magic"), False),
        ("application/x-zip-compressed", ZIP, False),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP, False),
        ("application/pdf", ZIP, True),
        ("text/csv", TEXT, False),
        ("application/json", TEXT, False),
        ("application/ld+json", TEXT, False),
        ("image/png", TEXT, True),
        ("text/plain", JSON, False),
        ("application/geo+json", JSON, False),
        ("text/html", JSON, True),
    ],
)
def test_mismatch_rule(declared, detected, mismatch):
    assert is_mismatch(declared, detected) is mismatch


def test_detection_is_the_same_without_puremagic_deep_scan():
    """The function sets PUREMAGIC_DEEPSCAN=0 (no scanner imports at cold start); in-memory samples
    never deep-scan, so every shared vector must be detected exactly as with the scanners loaded."""
    probe = (
        "import json, sys\n"
        "from file_processor.detect import detect\n"
        "out = []\n"
        "for path in sys.argv[1:]:\n"
        "    body = open(path, 'rb').read()\n"
        "    detection, method = detect(body[:65536], complete=len(body) <= 65536)\n"
        "    out.append([method, detection and list(detection)])\n"
        "print(json.dumps({'scanners': 'puremagic.scanners' in sys.modules, 'results': out}))\n"
    )
    bodies = [str(VECTORS_DIR / case["object"]["bodyFile"]) for case in CASES]

    def run(deep_scan: str) -> dict:
        env = {**os.environ, "PUREMAGIC_DEEPSCAN": deep_scan, "PYTHONPATH": str(ROOT / "src")}
        result = subprocess.run(
            [sys.executable, "-c", probe, *bodies], env=env, capture_output=True, text=True, check=True
        )
        return json.loads(result.stdout)

    without, with_scanners = run("0"), run("1")

    assert (without["scanners"], with_scanners["scanners"]) == (False, True)
    assert without["results"] == with_scanners["results"]
