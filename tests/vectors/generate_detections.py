"""Regenerate tests/vectors/detections.json: what the Python function detects for sample headers.

    .venv/bin/python tests/vectors/generate_detections.py

Unlike cases.json (expected values written by hand), these expectations are *recorded* from the
Python implementation (``file_processor.detect``, which uses puremagic's signature table): they pin
its behaviour for the formats the Java port's small signature table covers, so the two
implementations cannot drift. ``tests/java/test_detection_vectors.py`` re-checks them against the
Python code (a puremagic upgrade that changes a result fails there), and the Java suite
(``DetectTest``) checks the Java detector against the same file.

Each sample is hex, one byte per space-separated pair (long unbroken hex trips the secret scan);
``complete`` says whether the sample is the whole object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "src"))

from file_processor.detect import detect  # noqa: E402

RIFF = b"RIFF\x24\x00\x00\x00"
SAMPLES: list[tuple[str, bytes, bool]] = [
    (
        "png",
        bytes.fromhex(
            "89 50 4e 47 0d 0a 1a 0a 00 00 00 0d 49 48 44 52"
            " 00 00 00 01 00 00 00 01 08 06 00 00 00 1f 15 c4 89"
        ),
        True,
    ),
    ("jpeg_jfif", bytes.fromhex("ff d8 ff e0 00 10 4a 46 49 46 00 01 01 00 00 01 00 01 00 00"), True),
    ("jpeg_exif", bytes.fromhex("ff d8 ff e1 00 18 45 78 69 66 00 00 49 49 2a 00"), True),
    ("jpeg_quantization_table", bytes.fromhex("ff d8 ff db 00 43 00 08 06 06 07 06 05"), True),
    ("jpeg_adobe", bytes.fromhex("ff d8 ff ee 00 0e 41 64 6f 62 65 00"), True),
    ("gif87a", b"GIF87a\x01\x00\x01\x00\x80\x00\x00", True),
    ("gif89a", b"GIF89a\x01\x00\x01\x00\x80\x00\x00", True),
    ("webp_lossy", RIFF + b"WEBPVP8 \x18\x00\x00\x00", True),
    ("webp_lossless", RIFF + b"WEBPVP8L\x0d\x00\x00\x00", True),
    ("webp_extended", RIFF + b"WEBPVP8X\x0a\x00\x00\x00", True),
    ("tiff_little_endian", bytes.fromhex("49 49 2a 00 08 00 00 00 01 00 00 01"), True),
    ("tiff_big_endian", bytes.fromhex("4d 4d 00 2a 00 00 00 08 00 01 01 00"), True),
    ("pdf_1_4", b"%PDF-1.4\n1 0 obj\n", True),
    ("pdf_1_7", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", True),
    ("pdf_2_0", b"%PDF-2.0\n1 0 obj\n", True),
    ("zip_local_header", bytes.fromhex("50 4b 03 04 14 00 00 00 08 00"), True),
    ("zip_office_document", bytes.fromhex("50 4b 03 04 14 00 06 00 08 00 00 00 21 00"), True),
    ("zip_jar", bytes.fromhex("50 4b 03 04 0a 00 00 08 00 00"), True),
    ("zip_empty_archive", bytes.fromhex("504b0506" + "00" * 18), True),
    ("gzip", bytes.fromhex("1f 8b 08 00 00 00 00 00 00 ff"), True),
    ("gzip_with_name", bytes.fromhex("1f 8b 08 08 c1 d2 e3 65 02 ff"), True),
    ("bzip2", b"BZh91AY&SY\x00\x00", True),
    ("7z", bytes.fromhex("37 7a bc af 27 1c 00 04 00 00 00 00"), True),
    ("xz", bytes.fromhex("fd 37 7a 58 5a 00 00 04 00 00"), True),
    ("rar5", b"Rar!\x1a\x07\x01\x00\x33\x92", True),
    ("rar4", b"Rar!\x1a\x07\x00\xcf\x90\x73", True),
    ("html_doctype", b"<!DOCTYPE html>\n<html><body>hi</body></html>\n", True),
    ("html_doctype_lower", b"<!doctype html>\n<html></html>\n", True),
    ("html_tag", b"<html><body>x</body></html>\n", True),
    ("xml", b'<?xml version="1.0" encoding="UTF-8"?>\n<a/>\n', True),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>\n', True),
    ("rtf", b"{\\rtf1\\ansi\n}", True),
    ("json_object", b'{"a": 1, "b": [true, null]}\n', True),
    ("json_array", b"[1, 2, 3]\n", True),
    ("json_with_bom", b'\xef\xbb\xbf{"a": 1}', True),
    ("json_scalar_is_text", b'"just a string"', True),
    ("json_cut_by_sample_is_text", b'{"a": "' + b"x" * 100, False),
    ("json_invalid_is_text", b'{"a": 1,}', True),
    ("json_nan_is_json", b'{"a": NaN}', True),
    ("json_trailing_data_is_text", b'{"a": 1} {"b": 2}', True),
    ("json_tab_in_string_is_text", b'{"a": "x\ty"}', True),
    ("csv", b"a,b,c\n1,2,3\n", True),
    ("yaml", b"key: value\nlist:\n  - 1\n", True),
    ("text_utf8", "Grüße, € and 📄\n".encode(), True),
    ("text_with_escape", b"colour \x1b[31mred\x1b[0m\n", True),
    ("text_cut_inside_character", "euro €".encode()[:-1], False),
    ("cut_character_in_complete_object", "euro €".encode()[:-1], True),
    ("nul_byte_is_not_text", b"abc\x00def", True),
    ("latin1_is_not_text", b"caf\xe9\n", True),
    ("utf16_is_not_text", bytes.fromhex("ff fe 61 00 62 00 63 00 0a 00"), True),
    ("binary_without_signature", bytes(range(256)), True),
    ("empty", b"", True),
]


def main() -> None:
    cases = []
    for name, sample, complete in SAMPLES:
        detection, method = detect(sample, complete)
        cases.append(
            {
                "name": name,
                "sampleHex": sample.hex(" "),
                "complete": complete,
                "method": method,
                "detected": None
                if detection is None
                else {
                    "mimeType": detection.mime_type,
                    "extension": detection.extension,
                    "name": detection.name,
                },
            }
        )
    data = {
        "description": "Type detection of sample headers, recorded from the Python function "
        "(see generate_detections.py).",
        "cases": cases,
    }
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    (HERE / "detections.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
