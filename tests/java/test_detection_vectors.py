"""The Java port's type detection is tied to the Python function's: same vectors, same signature table."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from file_processor.detect import detect  # noqa: E402

DETECTIONS = json.loads((ROOT / "tests" / "vectors" / "detections.json").read_text(encoding="utf-8"))
JAVA_TABLE = ROOT / "src/java/function/src/main/resources/com/example/fileprocessor/puremagic-magic_data.json"


@pytest.mark.parametrize("case", DETECTIONS["cases"], ids=lambda case: case["name"])
def test_python_detection_still_matches_the_recorded_vector(case):
    detection, method = detect(bytes.fromhex(case["sampleHex"]), case["complete"])

    assert method == case["method"]
    found = (
        None
        if detection is None
        else {
            "mimeType": detection.mime_type,
            "extension": detection.extension,
            "name": detection.name,
        }
    )
    assert found == case["detected"]


def test_java_signature_table_is_the_pinned_puremagic_table():
    import puremagic

    pinned = re.search(
        r"^puremagic==([\w.]+)",
        (ROOT / "layer-requirements" / "python" / "requirements.txt").read_text(encoding="utf-8"),
        re.M,
    )
    assert pinned, "puremagic is no longer pinned in layer-requirements/python/requirements.txt"
    installed = Path(puremagic.__file__).parent / "magic_data.json"
    assert puremagic.__version__ == pinned.group(1), (
        f"the dev environment has puremagic {puremagic.__version__}, the layer pins {pinned.group(1)}: "
        "pin the same version in requirements-dev.in and run `make lock`"
    )
    assert JAVA_TABLE.read_bytes() == installed.read_bytes(), (
        "the Java function's signature table differs from the Python layer's puremagic: copy "
        f"{installed} to {JAVA_TABLE.relative_to(ROOT)} and rerun the Java tests"
    )
